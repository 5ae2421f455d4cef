using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Recommendation;
using MLNet.Sequence.Tests.Support;

namespace MLNet.Sequence.Tests.Recommendation;

/// <summary>
/// The next-item protocol on MovieLens small (data/recsys): leave-last-out splits, full-ranking HR@10, NDCG@10 and MRR,
/// and the two baselines against an independent Python implementation of the same protocol
/// (Fixtures/recsys_baselines.py) and the anchors measured outside the project (most-popular about 0.04 / 0.02,
/// decayed transitions over the last 5 items about 0.09 / 0.055).
/// </summary>
[TestClass]
public sealed class NextItemBaselineTests
{
    private static ItemHistories? _movies;

    private static ItemHistories Movies => _movies ??= ItemHistories.From(File.ReadLines(TestData.PathOf("recsys/movielens_small_ratings.csv")).Skip(1)
        .Select(l => l.Split(',')).Select(f => (int.Parse(f[0], CultureInfo.InvariantCulture), int.Parse(f[1], CultureInfo.InvariantCulture), long.Parse(f[3], CultureInfo.InvariantCulture))));

    [TestMethod]
    public void RanksShareTiesAndTheMetricsFollowTheirDefinitions()
    {
        float[] scores = { 0.5f, 0.9f, 0.5f, 0.1f, 0.5f };
        Assert.AreEqual(3.0, RankingMetrics.RankOf(scores, 0, null), "one higher, two ties: 1 + 1 + 2/2");
        Assert.AreEqual(2.5, RankingMetrics.RankOf(scores, 0, new HashSet<int> { 2 }), "an excluded tie does not count");
        Assert.AreEqual(1.0, RankingMetrics.RankOf(scores, 1, new HashSet<int>()));
        Assert.AreEqual(5.0, RankingMetrics.RankOf(scores, 3, null));
        var m = RankingMetrics.FromRanks(new[] { 1.0, 3.0, 11.0, 2.5 }, 10);
        Assert.AreEqual(0.75, m.HitRate, 1e-12);
        Assert.AreEqual((1 + 0.5 + 1 / Math.Log2(3.5)) / 4, m.Ndcg, 1e-12);
        Assert.AreEqual((1 + 1 / 3.0 + 1 / 11.0 + 1 / 2.5) / 4, m.MeanReciprocalRank, 1e-12);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => RankingMetrics.FromRanks(new[] { 1.0 }, 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => RankingMetrics.RankOf(scores, 7, null));
    }

    [TestMethod]
    public void LeaveLastOutSplitsEachUserByTime()
    {
        var splits = Movies.LeaveLastOut();
        Assert.AreEqual(610, splits.Count, "every MovieLens small user has at least 20 ratings");
        Assert.AreEqual(9568, Movies.Items.Length, "movies rated at least once");
        Assert.AreEqual(99979, Movies.Histories.Values.Sum(h => h.Length));
        // Ties in time go by movie id: user 1 rated movies 1 and 3 ... at the same second as others.
        var lines = File.ReadLines(TestData.PathOf("recsys/movielens_small_ratings.csv")).Skip(1).Select(l => l.Split(','))
            .Where(f => f[0] == "1").Select(f => (Item: int.Parse(f[1], CultureInfo.InvariantCulture), Time: long.Parse(f[3], CultureInfo.InvariantCulture)))
            .OrderBy(e => e.Time).ThenBy(e => e.Item).Select(e => e.Item).ToArray();
        CollectionAssert.AreEqual(lines, Movies.Histories[1]);
        var first = splits[0];
        Assert.AreEqual(lines[^1], first.Test);
        Assert.AreEqual(lines[^2], first.Validation);
        CollectionAssert.AreEqual(lines[..^2], first.Train);
    }

    [TestMethod]
    public void TheBaselinesReproduceTheReferenceFigures()
    {
        var splits = Movies.LeaveLastOut();
        var indexOf = Movies.Items.Select((item, i) => (item, i)).ToDictionary(x => x.item, x => x.i);
        var histories = splits.Select(s => (IReadOnlyList<int>)s.TestHistory.Select(i => indexOf[i]).ToArray()).ToList();
        var popular = NextItemEvaluation.Test(new PopularityScorer(histories, indexOf.Count), splits, indexOf);
        var transitions = NextItemEvaluation.Test(new TransitionScorer(histories, indexOf.Count, order: 5, decay: 0.7), splits, indexOf);
        // Fixtures/recsys_baselines.py (Python, doubles, the same protocol): most-popular 0.0426 / 0.0194 / MRR 0.0182;
        // transitions (5 items, decay 0.7, popularity tie-break) 0.0967 / 0.0542 / 0.0486.
        Assert.AreEqual(0.0426, popular.HitRate, 0.001);
        Assert.AreEqual(0.0194, popular.Ndcg, 0.001);
        Assert.AreEqual(0.0182, popular.MeanReciprocalRank, 0.001);
        Assert.AreEqual(0.0967, transitions.HitRate, 0.002);
        Assert.AreEqual(0.0542, transitions.Ndcg, 0.002);
        Assert.AreEqual(0.0486, transitions.MeanReciprocalRank, 0.002);
        Assert.AreEqual(610, transitions.Users);
    }
}
