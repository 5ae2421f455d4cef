using System;
using System.IO;

namespace MLNet.Sequence.Anomaly
{
    /// <summary>
    /// Turns a stream of raw anomaly scores (prediction or reconstruction errors) into tail probabilities, after the
    /// anomaly likelihood of Ahmad, Lavin, Purdy and Agha ("Unsupervised real-time anomaly detection for streaming data",
    /// Neurocomputing 262, 2017): the mean of the last <c>A</c> raw scores is compared with a normal fitted to the earlier
    /// such means (the last <c>N</c> of them), and the p-value is its upper tail Q((m − μ)/σ). A burst of large errors
    /// thus stands out against the series' usual error level, whatever its units; σ is floored so a perfectly predictable
    /// stretch does not turn the smallest error into an alarm. Causal: the score at t is judged against means before t.
    /// </summary>
    internal sealed class ScoreCalibrator
    {
        private readonly int _averaging, _capacity, _minimum;
        private readonly double _minDeviation;
        private readonly double[] _recent;
        private readonly double[] _history;
        private int _recentCount, _recentPos, _historyCount, _historyPos, _sinceExact;
        private double _recentSum, _historySum, _historySquares;

        public ScoreCalibrator(int averaging, int capacity, int minimum, double minDeviation)
        {
            _averaging = averaging;
            _capacity = capacity;
            _minimum = minimum;
            _minDeviation = minDeviation;
            _recent = new double[averaging];
            _history = new double[capacity];
        }

        /// <summary>Short-term means seen so far (at most the capacity).</summary>
        public int HistoryCount => _historyCount;

        /// <summary>The p-value of <paramref name="raw"/> (1 while fewer than the minimum means are known), then learns it.</summary>
        public double Update(double raw)
        {
            // Short-term mean of the last A raw scores, this one included.
            if (_recentCount == _averaging)
                _recentSum -= _recent[_recentPos];
            else
                _recentCount++;
            _recent[_recentPos] = raw;
            _recentSum += raw;
            _recentPos = (_recentPos + 1) % _averaging;
            if (_recentPos == 0)
                _recentSum = Sum(_recent, _recentCount);   // exact again once per cycle: no drift over long streams
            double m = _recentSum / _recentCount;

            double p = 1.0;
            if (_historyCount >= _minimum)
            {
                double mean = _historySum / _historyCount;
                double variance = Math.Max(0, _historySquares / _historyCount - mean * mean);
                double sd = Math.Max(Math.Sqrt(variance), _minDeviation);
                p = 0.5 * WindowedGaussianDetector.Erfc((m - mean) / (sd * Math.Sqrt(2)));
            }
            Learn(m);
            return p;
        }

        private void Learn(double m)
        {
            if (_historyCount == _capacity)
            {
                double old = _history[_historyPos];
                _historySum -= old;
                _historySquares -= old * old;
            }
            else
                _historyCount++;
            _history[_historyPos] = m;
            _historySum += m;
            _historySquares += m * m;
            _historyPos = (_historyPos + 1) % _capacity;
            if (++_sinceExact >= _capacity)
            {
                _sinceExact = 0;
                _historySum = Sum(_history, _historyCount);
                double squares = 0;
                for (int i = 0; i < _historyCount; i++)
                    squares += _history[i] * _history[i];
                _historySquares = squares;
            }
        }

        private static double Sum(double[] a, int count)
        {
            double s = 0;
            for (int i = 0; i < count; i++)
                s += a[i];
            return s;
        }

        public ScoreCalibrator Clone()
        {
            var c = new ScoreCalibrator(_averaging, _capacity, _minimum, _minDeviation);
            Array.Copy(_recent, c._recent, _recent.Length);
            Array.Copy(_history, c._history, _history.Length);
            c._recentCount = _recentCount; c._recentPos = _recentPos; c._historyCount = _historyCount; c._historyPos = _historyPos;
            c._sinceExact = _sinceExact; c._recentSum = _recentSum; c._historySum = _historySum; c._historySquares = _historySquares;
            return c;
        }

        public void Write(BinaryWriter w)
        {
            w.Write(_recentCount); w.Write(_recentPos); w.Write(_historyCount); w.Write(_historyPos); w.Write(_sinceExact);
            w.Write(_recentSum); w.Write(_historySum); w.Write(_historySquares);   // the running sums as they are, so a reload continues bit for bit
            for (int i = 0; i < _recentCount; i++) w.Write(_recent[i]);
            for (int i = 0; i < _historyCount; i++) w.Write(_history[i]);
        }

        public void Read(BinaryReader r)
        {
            _recentCount = r.ReadInt32(); _recentPos = r.ReadInt32(); _historyCount = r.ReadInt32(); _historyPos = r.ReadInt32(); _sinceExact = r.ReadInt32();
            _recentSum = r.ReadDouble(); _historySum = r.ReadDouble(); _historySquares = r.ReadDouble();
            if (_recentCount < 0 || _recentCount > _averaging || _recentPos < 0 || _recentPos >= _averaging || _historyCount < 0 || _historyCount > _capacity
                || _historyPos < 0 || _historyPos >= _capacity || _sinceExact < 0)
                throw new InvalidDataException("The stored detector's calibration state does not match its configuration.");
            for (int i = 0; i < _recentCount; i++) _recent[i] = r.ReadDouble();
            for (int i = 0; i < _historyCount; i++) _history[i] = r.ReadDouble();
            if (!double.IsFinite(_recentSum) || !double.IsFinite(_historySum) || !double.IsFinite(_historySquares))
                throw new InvalidDataException("The stored detector's calibration sums are not finite.");
        }
    }
}
