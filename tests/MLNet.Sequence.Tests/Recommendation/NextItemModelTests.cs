using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Recommendation;
using MLNet.Sequence.Tests.Support;

namespace MLNet.Sequence.Tests.Recommendation;

/// <summary>
/// A next-element model as a sequential recommender on MovieLens small, by the leave-last-out protocol of
/// <see cref="NextItemBaselineTests"/>: trained on each user's training items, judged on the test targets with every
/// unseen movie ranked, beside the most-popular and decayed-transition baselines computed here on the same splits.
/// </summary>
[TestClass]
public sealed class NextItemModelTests
{
    public TestContext TestContext { get; set; } = null!;

    public sealed class History
    {
        public string[] Sequence { get; set; } = Array.Empty<string>();
        public string Next { get; set; } = "";
    }

    public sealed class Recommendation
    {
        public string[] Movies { get; set; } = Array.Empty<string>();
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    private static string[] Text(IEnumerable<int> items) => items.Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

    [TestMethod]
    public void AGruRecommenderBeatsMostPopularAndAPredictionEngineRecommendsUnseenMovies()
    {
        var movies = ItemHistories.From(File.ReadLines(TestData.PathOf("recsys/movielens_small_ratings.csv")).Skip(1)
            .Select(l => l.Split(',')).Select(f => (int.Parse(f[0], CultureInfo.InvariantCulture), int.Parse(f[1], CultureInfo.InvariantCulture), long.Parse(f[3], CultureInfo.InvariantCulture))));
        var splits = movies.LeaveLastOut();
        var indexOf = movies.Items.Select((item, i) => (item, i)).ToDictionary(x => x.item, x => x.i);
        // Everything but each user's test target teaches the baselines and the model alike.
        var histories = splits.Select(s => (IReadOnlyList<int>)s.TestHistory.Select(i => indexOf[i]).ToArray()).ToList();
        var popular = NextItemEvaluation.Test(new PopularityScorer(histories, indexOf.Count), splits, indexOf);
        var transitions = NextItemEvaluation.Test(new TransitionScorer(histories, indexOf.Count, order: 5, decay: 0.7), splits, indexOf);

        var ml = new MLContext(1);
        // To keep the test short the model learns from each user's latest 50 movies only (the documented runs take
        // whole histories); the baselines keep whole histories, which can only favour them.
        var train = ml.Data.LoadFromEnumerable(splits.Select(s => new History { Sequence = Text(s.TestHistory.TakeLast(50)) }));
        var test = ml.Data.LoadFromEnumerable(splits.Select(s => new History { Sequence = Text(s.TestHistory), Next = s.Test.ToString(CultureInfo.InvariantCulture) }));
        var clock = Stopwatch.StartNew();
        using var model = ml.NextElement.Trainers.SequenceGru(Recipe).Fit(train);
        var metrics = ml.NextElement.Evaluate(model, test, "Next", k: 10, excludeSeenElements: true);
        TestContext.WriteLine($"GRU: {metrics} ({clock.Elapsed.TotalSeconds:F0} s); most popular HR@10 {popular.HitRate:F4} NDCG@10 {popular.Ndcg:F4}; transitions {transitions.HitRate:F4} / {transitions.Ndcg:F4}");
        Assert.AreEqual(splits.Count, metrics.Predictions);
        // Measured when written (width 32, latest 50 movies, 20 epochs, 25 s, seed 1): HR@10 0.0639, NDCG@10 0.0262 against
        // most-popular's 0.0426 / 0.0194;
        // the 30-epoch runs of docs/results.md reach the transition baseline. One standard error of HR@10 here is ~0.01.
        Assert.IsGreaterThan(popular.HitRate + 0.01, metrics.TopKAccuracy, "HR@10 above most-popular's");
        Assert.IsGreaterThan(popular.Ndcg + 0.003, metrics.Ndcg, "NDCG@10 above most-popular's");

        // A user's recent movies in, ten unseen movies out, best first.
        var chain = new TransformerChain<ITransformer>(model, ml.Transforms.Conversion.MapKeyToValue("Movies", "PredictedLabel").Fit(model.Transform(train)));
        using var engine = ml.Model.CreatePredictionEngine<History, Recommendation>(chain);
        var user = splits[0];
        var recent = Text(user.TestHistory);
        var top = engine.Predict(new History { Sequence = recent });
        TestContext.WriteLine($"user {user.User}: {string.Join(", ", top.Movies)}");
        Assert.HasCount(10, top.Movies);
        Assert.HasCount(10, top.Movies.Distinct().ToArray());
        Assert.IsFalse(top.Movies.Intersect(recent).Any(), "no movie the user has rated");
        Assert.IsTrue(top.Score.Zip(top.Score.Skip(1)).All(p => p.First >= p.Second), "best first");
        var unknown = engine.Predict(new History { Sequence = new[] { "no-such-movie" } });
        Assert.IsTrue(unknown.Movies.All(m => m.Length > 0) && unknown.Score.All(p => p > 0), "an unknown movie reads as unknown: still ten named recommendations");
    }

    private static GruNextElementOptions Recipe => new()
    {
        EmbeddingDimension = 32, HiddenSize = 32, Dropout = 0.3f, ElementDropout = 0.1, TieEmbeddings = true, LearningRate = 8e-3,
        NumberOfEpochs = 20, BatchSize = 16, MaximumContextLength = 50, Seed = 1, ExcludeSeenElements = true,
    };
}
