using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms;

namespace MLNet.Sequence.Tests.Trainers;

/// <summary>Regression tests for defects found by outside testing: shared models on many threads, short and empty rows.</summary>
[TestClass]
public sealed class SharingAndEdgeRowTests
{
    public sealed class Input
    {
        public bool Label { get; set; }
        public string Text { get; set; } = "";
    }

    public sealed class Output
    {
        public float Score { get; set; }
        public float Probability { get; set; }
    }

    /// <summary>Sentences padded to 8 ids: long ones fill every step, short ones are padded, so rows differ in their real length.</summary>
    private static (IDataView Train, List<Input> Test, ITransformer Prep, IDataView TestView) Data(MLContext ml, int trainRows = 300)
    {
        var (train, test) = Splits.Split(TestData.Sentiment());
        var trainView = ml.Data.LoadFromEnumerable(train.Take(trainRows).Select(s => new Input { Label = s.Label, Text = s.Text }));
        var prep = ml.Transforms.Text.NormalizeText("Norm", "Text", keepPunctuations: false)
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Norm"))
            .Append(ml.Transforms.EncodeTokens("Ids", "Tokens", minimumCount: 2))
            .Append(ml.Transforms.PadSequences("Features", "Ids", length: 8))
            .Fit(trainView);
        var rows = test.Take(120).Select(s => new Input { Label = s.Label, Text = s.Text }).ToList();
        return (prep.Transform(trainView), rows, prep, ml.Data.LoadFromEnumerable(rows));
    }

    /// <summary>Strides coprime with 120, so that each thread's walk visits every row.</summary>
    private static readonly int[] Strides = { 1, 7, 11, 13, 17, 19 };

    public static IEnumerable<object[]> Families() => new[]
    {
        new object[] { "Transformer" }, new object[] { "BidirectionalGru" }, new object[] { "Cnn" }, new object[] { "Lstm" },
    };

    private static SequenceTrainer Trainer(MLContext ml, string family) => family switch
    {
        "Transformer" => ml.BinaryClassification.Trainers.SequenceTransformer(new TransformerOptions { ModelDimension = 16, NumberOfHeads = 2, NumberOfLayers = 1, FeedForwardDimension = 32, NumberOfEpochs = 2, Pooling = SequencePooling.Mean }),
        "BidirectionalGru" => ml.BinaryClassification.Trainers.SequenceGru(new GruOptions { HiddenSize = 8, EmbeddingDimension = 8, Bidirectional = true, NumberOfEpochs = 2 }),
        "Cnn" => ml.BinaryClassification.Trainers.SequenceCnn(new CnnOptions { Channels = 8, EmbeddingDimension = 8, NumberOfLayers = 2, NumberOfEpochs = 2, Pooling = SequencePooling.Max }),
        _ => ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { HiddenSize = 8, EmbeddingDimension = 8, NumberOfEpochs = 2 }),
    };

    [TestMethod]
    [DynamicData(nameof(Families))]
    public void EnginesOnManyThreadsMatchSequentialScoresWithMixedLengthRows(string family)
    {
        var ml = new MLContext(1);
        var (train, rows, prep, _) = Data(ml);
        var padded = TestData.Vectors<uint>(prep.Transform(ml.Data.LoadFromEnumerable(rows)), "Features");
        Assert.IsTrue(padded.Any(p => p.All(id => id != 0)) && padded.Any(p => p.Any(id => id == 0)), "some rows fill all 8 steps, others are padded");
        using var model = new TransformerChain<ITransformer>(prep, Trainer(ml, family).Fit(train));
        using var sequential = ml.Model.CreatePredictionEngine<Input, Output>(model, new PredictionEngineOptions { OwnsTransformer = false });
        var expected = rows.Select(r => sequential.Predict(r).Score).ToArray();
        Assert.HasCount(120, rows);
        var results = new float[6][];
        Parallel.For(0, 6, new ParallelOptions { MaxDegreeOfParallelism = 6 }, t =>
        {
            var engine = ml.Model.CreatePredictionEngine<Input, Output>(model, new PredictionEngineOptions { OwnsTransformer = false });
            results[t] = new float[rows.Count];
            for (int pass = 0; pass < 4; pass++)
                for (int i = 0; i < rows.Count; i++)
                {
                    int k = (i * Strides[t] + t * 37) % rows.Count;   // each thread visits every row, in its own order
                    results[t][k] = engine.Predict(rows[k]).Score;
                }
        });
        foreach (var r in results)
            CollectionAssert.AreEqual(expected, r, $"{family}: scores on 6 threads equal the sequential ones");
    }

    [TestMethod]
    public void DisposingOneEngineLeavesTheOthersAndTheModelWorking()
    {
        var ml = new MLContext(1);
        var (train, rows, prep, test) = Data(ml);
        var model = new TransformerChain<ITransformer>(prep, Trainer(ml, "Lstm").Fit(train));
        UseTwoEngines(ml, model, rows, test);
        // The engines are gone and their shares collected; the application still holds the model: it scores, and new
        // engines can be made from it.
        EstimatorContract.SettleFinalizers();
        Assert.HasCount(rows.Count, TestData.Column(model.Transform(test), "Score"));
        using var again = ml.Model.CreatePredictionEngine<Input, Output>(model, new PredictionEngineOptions { OwnsTransformer = false });
        Assert.IsTrue(float.IsFinite(again.Predict(rows[0]).Score));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void UseTwoEngines(MLContext ml, TransformerChain<ITransformer> model, List<Input> rows, IDataView test)
    {
        var a = ml.Model.CreatePredictionEngine<Input, Output>(model);
        var b = ml.Model.CreatePredictionEngine<Input, Output>(model);
        float expected = b.Predict(rows[0]).Score;
        a.Dispose();                                           // ML.NET's engine disposes the model it was made from...
        Assert.AreEqual(expected, b.Predict(rows[0]).Score, "...yet the other engine still scores");
        Assert.HasCount(rows.Count, TestData.Column(model.Transform(test), "Score"), "and so does the model itself");
        model.Dispose();                                       // a disposal while b holds the model keeps it alive
        Assert.AreEqual(expected, b.Predict(rows[0]).Score, "an engine keeps the model alive while it exists");
        b.Dispose();
    }

    [TestMethod]
    public void PerRequestEnginesNeverEndTheModelTheApplicationHolds()
    {
        // A service's pattern: the model lives for the application; each request makes and disposes an engine
        // (ML.NET's default engine disposes the model), and the garbage collector runs in between.
        var ml = new MLContext(1);
        var (train, rows, prep, _) = Data(ml);
        var model = new TransformerChain<ITransformer>(prep, Trainer(ml, "Lstm").Fit(train));
        float expected = 0;
        for (int request = 0; request < 20; request++)
        {
            using (var engine = ml.Model.CreatePredictionEngine<Input, Output>(model))
            {
                float score = engine.Predict(rows[0]).Score;
                if (request == 0) expected = score;
                Assert.AreEqual(expected, score, $"request {request}");
            }
            if (request % 5 == 4)
                EstimatorContract.SettleFinalizers();
        }
    }

    [TestMethod]
    public void TheModelIsFreedOnceNothingHoldsIt()
    {
        var ml = new MLContext(1);
        var (train, rows, prep, _) = Data(ml);
        EstimatorContract.SettleFinalizers();
        int before = MLNet.Sequence.Trainers.SequenceEngine.LiveCount;
        // Disposed with no engine holding it: freed at once.
        var alone = Trainer(ml, "Lstm").Fit(train);
        Assert.AreEqual(before + 1, MLNet.Sequence.Trainers.SequenceEngine.LiveCount);
        alone.Dispose();
        Assert.AreEqual(before, MLNet.Sequence.Trainers.SequenceEngine.LiveCount, "no engine held it: freed by Dispose");
        // Disposed while engines hold it: freed once the model and the engines are gone.
        UseAndDrop(ml, train, prep, rows);
        Assert.AreEqual(before + 1, MLNet.Sequence.Trainers.SequenceEngine.LiveCount, "still held by the engines' shares until they are collected");
        EstimatorContract.SettleFinalizers();
        Assert.AreEqual(before, MLNet.Sequence.Trainers.SequenceEngine.LiveCount, "freed once nothing holds it");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void UseAndDrop(MLContext ml, IDataView train, ITransformer prep, List<Input> rows)
    {
        var model = new TransformerChain<ITransformer>(prep, Trainer(ml, "Lstm").Fit(train));
        var engine = ml.Model.CreatePredictionEngine<Input, Output>(model);
        engine.Predict(rows[0]);
        model.Dispose();
        engine.Predict(rows[0]);
    }

    [TestMethod]
    public void EnginesDisposedWhileOthersPredictOnOtherThreads()
    {
        var ml = new MLContext(1);
        var (train, rows, prep, test) = Data(ml);
        var model = new TransformerChain<ITransformer>(prep, Trainer(ml, "Lstm").Fit(train));
        Assert.AreEqual(0, PredictAndDisposeOnSixThreads(ml, model, rows), "no engine saw a wrong score or a disposed model");
        EstimatorContract.SettleFinalizers();
        Assert.HasCount(rows.Count, TestData.Column(model.Transform(test), "Score"), "the model the application holds still scores");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int PredictAndDisposeOnSixThreads(MLContext ml, TransformerChain<ITransformer> model, List<Input> rows)
    {
        float[] expected;
        using (var probe = ml.Model.CreatePredictionEngine<Input, Output>(model, new PredictionEngineOptions { OwnsTransformer = false }))
            expected = rows.Select(r => probe.Predict(r).Score).ToArray();
        var engines = Enumerable.Range(0, 6).Select(_ => ml.Model.CreatePredictionEngine<Input, Output>(model)).ToArray();
        model.Dispose();   // the application lets go at once: the six engines hold the model now
        var failures = 0;
        Parallel.For(0, 6, new ParallelOptions { MaxDegreeOfParallelism = 6 }, t =>
        {
            // Engine t scores (t + 1) * 20 rows, then disposes itself while the others go on.
            for (int i = 0; i < (t + 1) * 20; i++)
                if (engines[t].Predict(rows[i % rows.Count]).Score != expected[i % rows.Count])
                    Interlocked.Increment(ref failures);
            engines[t].Dispose();
        });
        return failures;
    }

    public sealed class Steps
    {
        public bool Label { get; set; }
        public float[] Features { get; set; } = Array.Empty<float>();
        public int Length { get; set; }
    }

    [TestMethod]
    public void ALengthColumnMarksTheRealStepsThatSurviveTruncation()
    {
        var ml = new MLContext(1);
        var rows = Enumerable.Range(0, 60).Select(i =>
        {
            int n = 3 + i % 8;
            return new Steps { Label = i % 2 == 0, Features = Enumerable.Range(0, n).Select(t => (float)Math.Sin(i + t) + i % 2).ToArray(), Length = n };
        }).ToList();
        using var model = ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions
        {
            HiddenSize = 4, NumberOfEpochs = 2, LengthColumnName = "Length", PaddingSide = SequenceEnd.Post, MaximumSequenceLength = 6,
        }).Fit(ml.Data.LoadFromEnumerable(rows));
        // Ten steps, the first five real (padding after them); truncation keeps the last six, of which only step 4 is real.
        var x = Enumerable.Range(0, 10).Select(t => t < 5 ? 0.1f * (t + 1) : 9f).ToArray();
        float Score(Steps r) => TestData.Column(model.Transform(ml.Data.LoadFromEnumerable(new[] { r })), "Score").Cast<float>().Single();
        float truncated = Score(new Steps { Features = x, Length = 5 });
        float alone = Score(new Steps { Features = new[] { x[4] }, Length = 1 });
        Assert.AreEqual(alone, truncated, 1e-6, "the padding (9s) kept by truncation is not read as steps");
    }

    public sealed class FixedNumeric
    {
        public bool Label { get; set; }
        [VectorType(12)] public float[] Features { get; set; } = new float[12];
    }

    public sealed class FixedIds
    {
        public bool Label { get; set; }
        [VectorType(8)] public int[] Features { get; set; } = new int[8];
    }

    [TestMethod]
    public void RowsShorterThanTheDeclaredSizeAreRejectedAtFitAndInEngines()
    {
        var ml = new MLContext(1);
        var good = Enumerable.Range(0, 40).Select(i => new FixedNumeric { Label = i % 2 == 0, Features = Enumerable.Range(0, 12).Select(j => (float)Math.Sin(i + j) + i % 2).ToArray() }).ToList();
        var bad = good.Select((r, i) => i == 7 ? new FixedNumeric { Label = r.Label, Features = r.Features.Take(5).ToArray() } : r).ToList();
        var trainer = ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { HiddenSize = 4, NumberOfEpochs = 1 });
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => trainer.Fit(ml.Data.LoadFromEnumerable(bad)));
        StringAssert.Contains(e.Message, "'Features' has 5 values at row 7");
        StringAssert.Contains(e.Message, "fixed size of 12");

        using var model = trainer.Fit(ml.Data.LoadFromEnumerable(good));
        using var engine = ml.Model.CreatePredictionEngine<FixedNumeric, Output>(model, new PredictionEngineOptions { OwnsTransformer = false });
        engine.Predict(good[0]);
        e = Assert.ThrowsExactly<InvalidOperationException>(() => engine.Predict(new FixedNumeric { Features = new float[5] }));
        StringAssert.Contains(e.Message, "'Features' has 5 values in the row being predicted");

        var ids = Enumerable.Range(0, 40).Select(i => new FixedIds { Label = i % 2 == 0, Features = Enumerable.Range(0, 8).Select(j => 1 + (i * j + i % 2) % 20).ToArray() }).ToList();
        var idTrainer = ml.BinaryClassification.Trainers.SequenceGru(new GruOptions { HiddenSize = 4, EmbeddingDimension = 4, NumberOfEpochs = 1 });
        var shortIds = ids.Select((r, i) => i == 3 ? new FixedIds { Label = r.Label, Features = r.Features.Take(3).ToArray() } : r).ToList();
        e = Assert.ThrowsExactly<InvalidOperationException>(() => idTrainer.Fit(ml.Data.LoadFromEnumerable(shortIds)));
        StringAssert.Contains(e.Message, "'Features' has 3 token ids at row 3");
        StringAssert.Contains(e.Message, "fixed size of 8");
        using var idModel = idTrainer.Fit(ml.Data.LoadFromEnumerable(ids));
        using var idEngine = ml.Model.CreatePredictionEngine<FixedIds, Output>(idModel, new PredictionEngineOptions { OwnsTransformer = false });
        e = Assert.ThrowsExactly<InvalidOperationException>(() => idEngine.Predict(new FixedIds { Features = new[] { 1, 2, 3 } }));
        StringAssert.Contains(e.Message, "'Features' has 3 token ids in the row being predicted");
    }

    [TestMethod]
    [DynamicData(nameof(Families))]
    public void EmptyTextsTrainAndScoreWithADefinedPrediction(string family)
    {
        var ml = new MLContext(1);
        var (train, test) = Splits.Split(TestData.Sentiment());
        // One training row in ten has no text at all, or only punctuation: no token survives.
        var rows = train.Take(300).Select((s, i) => new Input { Label = s.Label, Text = i % 10 == 0 ? (i % 20 == 0 ? "" : "?!...") : s.Text }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.Text.NormalizeText("Norm", "Text", keepPunctuations: false)
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Norm"))
            .Append(ml.Transforms.EncodeTokens("Ids", "Tokens", minimumCount: 2))
            .Append(ml.Transforms.PadSequences("Features", "Ids", length: 8))
            .Append(Trainer(ml, family));
        using var model = pipeline.Fit(data);
        var scores = TestData.Column(model.Transform(data), "Score").Cast<float>().ToArray();
        Assert.IsTrue(scores.All(float.IsFinite), "every training row scores, empty ones included");
        using var engine = ml.Model.CreatePredictionEngine<Input, Output>(model, new PredictionEngineOptions { OwnsTransformer = false });
        var empty = engine.Predict(new Input { Text = "" });
        var punctuation = engine.Predict(new Input { Text = "!!!" });
        Assert.IsTrue(float.IsFinite(empty.Score) && empty.Probability is > 0 and < 1, $"{family}: an empty text gets a probability");
        Assert.AreEqual(empty.Score, punctuation.Score, "every empty sequence gets the same prediction");
        Assert.AreEqual(empty.Score, scores[0], 1e-5, "as in batched scoring");
        Assert.AreNotEqual(empty.Score, engine.Predict(new Input { Text = test[0].Text }).Score, "a real text scores differently");
    }

    [TestMethod]
    [DynamicData(nameof(Families))]
    public void RepeatedFitAndDisposeLeavesNoLiveTensor(string family)
    {
        var ml = new MLContext(1);
        var (train, _, _, _) = Data(ml, 100);
        FitAndDispose(ml, family, train);
        long before = LiveOnThisThread;
        for (int i = 0; i < 20; i++)
            FitAndDispose(ml, family, train);
        long after = LiveOnThisThread;
        Assert.AreEqual(before, after, $"{family}: tensors created and not disposed by 20 Fit + Dispose cycles: {after - before}");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FitAndDispose(MLContext ml, string family, IDataView train)
    {
        using var model = Trainer(ml, family).Fit(train);
    }

    /// <summary>
    /// Tensors created on this thread and not yet disposed on it (TorchSharp's per-thread statistics). A tensor left for
    /// the garbage collector stays counted here even after the finalizer thread frees it, so a leak shows whatever the
    /// collector does. (TorchSharp's global <c>Tensor.TotalCount</c> cannot serve: its Linear and LayerNorm constructors
    /// move a handle out of a temporary tensor, which raises that count for good without holding memory.)
    /// </summary>
    private static long LiveOnThisThread => TorchSharp.DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
}
