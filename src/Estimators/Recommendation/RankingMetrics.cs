using System;
using System.Collections.Generic;

namespace MLNet.Sequence.Recommendation
{
    /// <summary>
    /// Full-ranking metrics of next-item recommendation: every candidate item is ranked (no sampled negatives), and one
    /// held-out target per user is looked up. Items with the target's score share its rank: the expected rank under a
    /// random order of ties (1 + higher + ties / 2), so a model that scores many items alike gains nothing from the order
    /// they happen to be listed in.
    /// </summary>
    internal sealed class RankingMetrics
    {
        internal RankingMetrics(int k, int users, double hitRate, double ndcg, double mrr)
        {
            K = k;
            Users = users;
            HitRate = hitRate;
            Ndcg = ndcg;
            MeanReciprocalRank = mrr;
        }

        /// <summary>The cut-off of the hit rate and NDCG.</summary>
        public int K { get; }

        /// <summary>Users evaluated.</summary>
        public int Users { get; }

        /// <summary>HR@K: the share of users whose target ranks in the top K.</summary>
        public double HitRate { get; }

        /// <summary>NDCG@K with one relevant item: 1 / log2(rank + 1) when the rank is at most K, else 0, averaged.</summary>
        public double Ndcg { get; }

        /// <summary>The mean of 1 / rank over all users (no cut-off).</summary>
        public double MeanReciprocalRank { get; }

        /// <summary>The target's rank among the candidates: 1 + those scored higher + half of those scored the same.</summary>
        /// <param name="scores">A score per item index.</param>
        /// <param name="target">The target's item index.</param>
        /// <param name="excluded">Item indices that are not candidates (e.g. already seen), the target never among them.</param>
        public static double RankOf(ReadOnlySpan<float> scores, int target, IReadOnlySet<int>? excluded)
        {
            if ((uint)target >= (uint)scores.Length)
                throw new ArgumentOutOfRangeException(nameof(target), $"Target index {target} is outside the {scores.Length} scored items.");
            float t = scores[target];
            if (float.IsNaN(t))
                throw new ArgumentException($"The target's score is NaN; scores must be numbers.", nameof(scores));
            long higher = 0, ties = 0;
            for (int i = 0; i < scores.Length; i++)
            {
                if (i == target || (excluded != null && excluded.Contains(i)))
                    continue;
                if (scores[i] > t) higher++;
                else if (scores[i] == t) ties++;
            }
            return 1 + higher + ties / 2.0;
        }

        /// <summary>The metrics of per-user target ranks.</summary>
        public static RankingMetrics FromRanks(IReadOnlyCollection<double> ranks, int k)
        {
            if (k <= 0)
                throw new ArgumentOutOfRangeException(nameof(k), $"The cut-off k must be positive; it is {k}.");
            if (ranks.Count == 0)
                throw new ArgumentException("No users to evaluate.", nameof(ranks));
            double hits = 0, ndcg = 0, mrr = 0;
            foreach (var r in ranks)
            {
                if (r <= k)
                {
                    hits++;
                    ndcg += 1 / Math.Log2(r + 1);
                }
                mrr += 1 / r;
            }
            return new RankingMetrics(k, ranks.Count, hits / ranks.Count, ndcg / ranks.Count, mrr / ranks.Count);
        }
    }
}
