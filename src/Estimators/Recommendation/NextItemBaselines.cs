using System;
using System.Collections.Generic;
using System.Linq;

namespace MLNet.Sequence.Recommendation
{
    /// <summary>Scores every item (by index into the catalogue) as the next one after a history of item indices.</summary>
    internal interface INextItemScorer
    {
        /// <summary>Writes a score per item into <paramref name="scores"/> (larger is likelier).</summary>
        void Score(IReadOnlyList<int> history, Span<float> scores);
    }

    /// <summary>The most-popular baseline: every item scored by how often it occurs in the training histories.</summary>
    internal sealed class PopularityScorer : INextItemScorer
    {
        private readonly float[] _counts;

        public PopularityScorer(IEnumerable<IReadOnlyList<int>> histories, int items)
        {
            _counts = new float[items];
            foreach (var h in histories)
                foreach (var i in h)
                    _counts[i]++;
        }

        public void Score(IReadOnlyList<int> history, Span<float> scores) => _counts.CopyTo(scores);

        /// <summary>Each item's count divided by the largest (for tie-breaking in other scorers).</summary>
        internal float[] Normalised()
        {
            float max = Math.Max(1, _counts.Max());
            return _counts.Select(c => c / max).ToArray();
        }
    }

    /// <summary>
    /// Item-to-item transitions: P(next = j | item a) estimated from consecutive pairs of the training histories, and a
    /// history scored by the transitions out of its last <see cref="Order"/> items, the l-th latest weighted by
    /// decay^(l−1). Items no transition reaches are ordered by popularity (a 1e-6 nudge that only breaks ties).
    /// </summary>
    internal sealed class TransitionScorer : INextItemScorer
    {
        private readonly Dictionary<int, (int[] Next, float[] Probability)> _out = new();
        private readonly float[] _tieBreak;

        public TransitionScorer(IReadOnlyList<IReadOnlyList<int>> histories, int items, int order = 5, double decay = 0.7)
        {
            if (order < 1)
                throw new ArgumentOutOfRangeException(nameof(order), $"The order (items read back) must be at least 1; it is {order}.");
            if (!(decay > 0 && decay <= 1))
                throw new ArgumentOutOfRangeException(nameof(decay), $"The decay must be in (0, 1]; it is {decay}.");
            Order = order;
            Decay = decay;
            var counts = new Dictionary<int, Dictionary<int, int>>();
            foreach (var h in histories)
                for (int t = 1; t < h.Count; t++)
                {
                    if (!counts.TryGetValue(h[t - 1], out var next))
                        counts[h[t - 1]] = next = new Dictionary<int, int>();
                    next[h[t]] = next.GetValueOrDefault(h[t]) + 1;
                }
            foreach (var (a, next) in counts)
            {
                float total = next.Values.Sum();
                _out[a] = (next.Keys.ToArray(), next.Values.Select(c => c / total).ToArray());
            }
            _tieBreak = new PopularityScorer(histories, items).Normalised();
        }

        public int Order { get; }
        public double Decay { get; }

        public void Score(IReadOnlyList<int> history, Span<float> scores)
        {
            for (int i = 0; i < scores.Length; i++)
                scores[i] = 1e-6f * _tieBreak[i];
            double weight = 1;
            for (int l = 1; l <= Order && l <= history.Count; l++, weight *= Decay)
                if (_out.TryGetValue(history[history.Count - l], out var next))
                    for (int k = 0; k < next.Next.Length; k++)
                        scores[next.Next[k]] += (float)(weight * next.Probability[k]);
        }
    }

    /// <summary>Runs a scorer over leave-last-out splits: full ranking of the items each user has not seen.</summary>
    internal static class NextItemEvaluation
    {
        /// <summary>
        /// Ranks each user's test target (history: training items and the validation target) among the unseen items; a
        /// target already in the history cannot be recommended and is a miss.
        /// </summary>
        public static RankingMetrics Test(INextItemScorer scorer, IReadOnlyList<LeaveLastOutSplit> splits, IReadOnlyDictionary<int, int> indexOf, int k = 10)
        {
            var scores = new float[indexOf.Count];
            var ranks = new List<double>(splits.Count);
            foreach (var s in splits)
            {
                var history = s.TestHistory.Select(i => indexOf[i]).ToArray();
                scorer.Score(history, scores);
                var seen = history.ToHashSet();
                // Only unseen items are ranked, so a target the user had before is a miss (as the models' Evaluate counts it).
                ranks.Add(seen.Contains(indexOf[s.Test]) ? double.PositiveInfinity : RankingMetrics.RankOf(scores, indexOf[s.Test], seen));
            }
            return RankingMetrics.FromRanks(ranks, k);
        }
    }
}
