using System;
using System.Collections.Generic;
using System.Linq;

namespace MLNet.Sequence
{
    /// <summary>
    /// Asynchronous successive halving (ASHA; Li et al., "A System for Massively Parallel Hyperparameter Tuning",
    /// MLSys 2020) as a stopping rule on epochs: rungs at r, rη, rη², ... epochs below the epoch budget; a trial that
    /// reaches a rung continues only if its validation loss there is among the best ⌊n/η⌋ of the n trials that have
    /// reached that rung so far (with fewer than η there is nothing to judge and it continues). Thread-safe.
    /// </summary>
    internal sealed class SuccessiveHalving
    {
        private readonly int[] _rungs;
        private readonly double _eta;
        private readonly List<double>[] _seen;

        public SuccessiveHalving(int minimumEpochs, double reductionFactor, int maximumEpochs)
        {
            var rungs = new List<int>();
            for (double r = minimumEpochs; r < maximumEpochs; r *= reductionFactor)
            {
                int epoch = (int)Math.Round(r);
                if (rungs.Count == 0 || epoch > rungs[^1])
                    rungs.Add(epoch);
            }
            _rungs = rungs.ToArray();
            _eta = reductionFactor;
            _seen = _rungs.Select(_ => new List<double>()).ToArray();
        }

        /// <summary>The rung epochs.</summary>
        public IReadOnlyList<int> Rungs => _rungs;

        /// <summary>Records a result at <paramref name="epoch"/> (ignored unless it is a rung) and says whether the trial goes on.</summary>
        public bool Continue(int epoch, double loss)
        {
            int k = Array.IndexOf(_rungs, epoch);
            if (k < 0)
                return true;
            lock (_seen)
            {
                var seen = _seen[k];
                seen.Add(double.IsFinite(loss) ? loss : double.MaxValue);
                int n = seen.Count;
                if (n < _eta)
                    return true;
                int keep = (int)Math.Floor(n / _eta);
                int rank = 1 + seen.Count(x => x < loss);
                return rank <= keep;
            }
        }

        /// <summary>Replays a logged trial's rung losses (resuming a sweep).</summary>
        public void Replay(IReadOnlyList<double> rungLosses)
        {
            lock (_seen)
                for (int k = 0; k < Math.Min(rungLosses.Count, _rungs.Length); k++)
                    _seen[k].Add(double.IsFinite(rungLosses[k]) ? rungLosses[k] : double.MaxValue);
        }
    }
}
