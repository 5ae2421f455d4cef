using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms;
using TorchSharp;

namespace MLNet.Sequence.Tests.Trainers;

[TestClass]
public sealed class TrainerBehaviourTests
{
    public TestContext TestContext { get; set; } = null!;

    private static (IDataView Train, IDataView Test, ITransformer Prep) Sentiment(MLContext ml, int trainRows = 800, int testRows = 200)
    {
        var (train, test) = Splits.Split(TestData.Sentiment());
        var trainData = ml.Data.LoadFromEnumerable(train.Take(trainRows).ToList());
        var testData = ml.Data.LoadFromEnumerable(test.Take(testRows).ToList());
        var prep = Splits.SentimentPreparation(ml).Fit(trainData);
        return (trainData, testData, prep);
    }

    public sealed class SentimentInput
    {
        public string Source { get; set; } = "";
        public bool Label { get; set; }
        public string Text { get; set; } = "";
    }

    public sealed class BinaryOutput
    {
        public float Score { get; set; }
        public float Probability { get; set; }
        public bool PredictedLabel { get; set; }
    }

    private static LstmOptions Small(int epochs = 2) => new() { HiddenSize = 16, EmbeddingDimension = 16, NumberOfEpochs = epochs, Pooling = SequencePooling.Max };

    private static SequenceTrainer Make(MLContext ml, SequenceTask task, string family, string label)
    {
        SequenceTrainerOptions o = family switch
        {
            "lstm" => new LstmOptions { HiddenSize = 8 },
            "gru" => new GruOptions { HiddenSize = 8, Bidirectional = true },
            "transformer" => new TransformerOptions { ModelDimension = 16, NumberOfHeads = 2, NumberOfLayers = 1, FeedForwardDimension = 16 },
            _ => new CnnOptions { Channels = 8, NumberOfLayers = 2 },
        };
        o.EmbeddingDimension = 8;
        o.NumberOfEpochs = 1;
        o.LabelColumnName = label;
        return (task, o) switch
        {
            (SequenceTask.BinaryClassification, LstmOptions l) => ml.BinaryClassification.Trainers.SequenceLstm(l),
            (SequenceTask.BinaryClassification, GruOptions g) => ml.BinaryClassification.Trainers.SequenceGru(g),
            (SequenceTask.BinaryClassification, TransformerOptions t) => ml.BinaryClassification.Trainers.SequenceTransformer(t),
            (SequenceTask.BinaryClassification, CnnOptions c) => ml.BinaryClassification.Trainers.SequenceCnn(c),
            (SequenceTask.MulticlassClassification, LstmOptions l) => ml.MulticlassClassification.Trainers.SequenceLstm(l),
            (SequenceTask.MulticlassClassification, GruOptions g) => ml.MulticlassClassification.Trainers.SequenceGru(g),
            (SequenceTask.MulticlassClassification, TransformerOptions t) => ml.MulticlassClassification.Trainers.SequenceTransformer(t),
            (SequenceTask.MulticlassClassification, CnnOptions c) => ml.MulticlassClassification.Trainers.SequenceCnn(c),
            (_, LstmOptions l) => ml.Regression.Trainers.SequenceLstm(l),
            (_, GruOptions g) => ml.Regression.Trainers.SequenceGru(g),
            (_, TransformerOptions t) => ml.Regression.Trainers.SequenceTransformer(t),
            (_, CnnOptions c) => ml.Regression.Trainers.SequenceCnn(c),
            _ => throw new InvalidOperationException(),
        };
    }

    [TestMethod]
    public void EveryTrainerPassesTheContract()
    {
        // Sentiment sentences give binary (Label), multiclass (Source: amazon/imdb/yelp) and regression (a Single) labels.
        var ml = new MLContext(1);
        var (train, _) = Splits.Split(TestData.Sentiment());
        var raw = ml.Data.LoadFromEnumerable(train.Take(240).ToList());
        var prefix = Splits.SentimentPreparation(ml)
            .Append(ml.Transforms.Conversion.MapValueToKey("SourceKey", "Source"))
            .Append(ml.Transforms.Conversion.ConvertType("LabelValue", "Label", DataKind.Single))
            .Fit(raw);
        var tasks = new (SequenceTask Task, string Label, string[] Outputs)[]
        {
            (SequenceTask.BinaryClassification, "Label", new[] { "Score", "Probability", "PredictedLabel" }),
            (SequenceTask.MulticlassClassification, "SourceKey", new[] { "Score", "PredictedLabel" }),
            (SequenceTask.Regression, "LabelValue", new[] { "Score" }),
        };
        foreach (var (task, label, outputs) in tasks)
            foreach (var family in new[] { "lstm", "gru", "transformer", "cnn" })
            {
                TestContext.WriteLine($"{task} {family}");
                var fitted = EstimatorContract.Verify(ml, new EstimatorContract.Case<SequencePredictionTransformer>
                {
                    Estimator = Make(ml, task, family, label),
                    Prefix = prefix,
                    Train = raw,
                    OutputColumns = outputs,
                    BadInputs = new List<(string, IDataView, string)>
                    {
                        ("label of wrong type", ml.Data.LoadFromEnumerable(new[] { new { Features = new float[] { 1 } } }), $"'{label}'"),
                        ("missing features", ml.Data.LoadFromEnumerable(new[] { new { Label = true, SourceKey = 1f, LabelValue = 1f } }), "'Features'"),
                    },
                    UsesTorch = true,
                });
                fitted.Dispose();
            }
    }

    [TestMethod]
    public void BalancedClassWeightsLiftTheMinorityClass()
    {
        // Keep one positive review in six: unweighted training leans to "negative"; balanced weights recover positives.
        var ml = new MLContext(1);
        var (train, test) = Splits.Split(TestData.Sentiment());
        var imbalanced = train.Where((r, i) => !r.Label || i % 6 == 0).ToList();
        var data = ml.Data.LoadFromEnumerable(imbalanced);
        var testData = ml.Data.LoadFromEnumerable(test);
        var prep = Splits.SentimentPreparation(ml).Fit(data);
        double Recall(ClassWeighting w)
        {
            using var model = ml.BinaryClassification.Trainers.SequenceCnn(new CnnOptions
            {
                Pooling = SequencePooling.Max, Dropout = 0.5f, NumberOfEpochs = 5, ClassWeighting = w, Seed = 3,
            }).Fit(prep.Transform(data));
            var m = ml.BinaryClassification.Evaluate(model.Transform(prep.Transform(testData)));
            TestContext.WriteLine($"{w}: positive recall {m.PositiveRecall:F3}, negative recall {m.NegativeRecall:F3}, accuracy {m.Accuracy:F3}");
            return m.PositiveRecall;
        }
        double plain = Recall(ClassWeighting.None), balanced = Recall(ClassWeighting.Balanced);
        Assert.IsGreaterThan(plain + 0.1, balanced, "balanced weights raise the recall of the rare positive class");
    }

    [TestMethod]
    public void ValidationFractionHoldsOutRowsAndReportsMetrics()
    {
        var ml = new MLContext(1);
        var (train, _, prep) = Sentiment(ml, 600);
        var logged = new List<string>();
        ml.Log += (_, e) => { if (e.Message.Contains("training rows")) logged.Add(e.Message); };
        using var model = ml.BinaryClassification.Trainers.SequenceGru(new GruOptions
        {
            HiddenSize = 8, EmbeddingDimension = 8, NumberOfEpochs = 2, ValidationFraction = 0.25,
        }).Fit(prep.Transform(train));
        Assert.IsTrue(model.TrainingHistory!.Epochs.All(e => e.ValidationLoss is double && e.ValidationMetric is > 0 and <= 1));
        var held = int.Parse(System.Text.RegularExpressions.Regex.Match(logged.Single(), @"(\d+) training rows").Groups[1].Value);
        Assert.IsTrue(held is > 400 and < 500, $"about 75% of 600 rows train ({held})");
    }

    [TestMethod]
    public void EvaluatorsCrossValidationAndPredictionEngineWork()
    {
        var ml = new MLContext(1);
        var (train, test, prep) = Sentiment(ml, 600);
        var pipeline = Splits.SentimentPreparation(ml).Append(ml.BinaryClassification.Trainers.SequenceGru(new GruOptions { HiddenSize = 16, EmbeddingDimension = 16, NumberOfEpochs = 2 }));
        var folds = ml.BinaryClassification.CrossValidateNonCalibrated(train, pipeline, numberOfFolds: 3);
        Assert.HasCount(3, folds);
        foreach (var f in folds)
        {
            Assert.IsTrue(f.Metrics.Accuracy is > 0.4 and <= 1.0);
            ((IDisposable)f.Model).Dispose();
        }
        var model = pipeline.Fit(train);
        var scored = model.Transform(test);
        var metrics = ml.BinaryClassification.Evaluate(scored);
        Assert.IsGreaterThan(0.5, metrics.AreaUnderRocCurve);

        // Batched Transform and single-row prediction engine agree.
        var engine = ml.Model.CreatePredictionEngine<SentimentInput, BinaryOutput>(model);
        var scores = TestData.Column(scored, "Score").Cast<float>().ToArray();
        var rows = ml.Data.CreateEnumerable<SentimentInput>(test, reuseRowObject: false).ToList();
        for (int i = 0; i < rows.Count; i++)
        {
            var p = engine.Predict(rows[i]);
            Assert.AreEqual(scores[i], p.Score, 1e-5, $"row {i}");
            Assert.AreEqual(1 / (1 + Math.Exp(-p.Score)), p.Probability, 1e-5);
            Assert.AreEqual(p.Score > 0, p.PredictedLabel);
        }
        ((IDisposable)model).Dispose();
    }

    [TestMethod]
    public void SaveLoadGivesIdenticalScoresAndPlainSaveIsRefused()
    {
        var ml = new MLContext(1);
        var (train, test, _) = Sentiment(ml, 400);
        var model = Splits.SentimentPreparation(ml).Append(ml.BinaryClassification.Trainers.SequenceTransformer(new TransformerOptions
        {
            ModelDimension = 16, NumberOfHeads = 2, NumberOfLayers = 1, FeedForwardDimension = 32, NumberOfEpochs = 2,
        })).Fit(train);
        var path = Path.Combine(Path.GetTempPath(), $"seq-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.SaveSequenceModel(model, train.Schema, path);
            using var loaded = (TransformerChain<ITransformer>)ml.Model.LoadSequenceModel(path, out _);
            TestData.AssertSameColumns(model.Transform(test), loaded.Transform(test), new[] { "Score", "Probability", "PredictedLabel" });
            var seq = loaded.OfType<SequencePredictionTransformer>().Single();
            Assert.AreEqual(2, seq.TrainingHistory!.Epochs.Count, "training history is stored with the model");
            var e = Assert.Throws<Exception>(() => ml.Model.Save(model, train.Schema, path + ".plain"));
            Assert.Contains("SaveSequenceModel", e.Message);
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".plain");
            ((IDisposable)model).Dispose();
        }
    }

    [TestMethod]
    public void LiveTensorCountStaysFlatOverTenThousandPredictions()
    {
        var ml = new MLContext(1);
        var (train, test, _) = Sentiment(ml, 300, 50);
        var model = Splits.SentimentPreparation(ml).Append(ml.BinaryClassification.Trainers.SequenceLstm(Small(1))).Fit(train);
        var engine = ml.Model.CreatePredictionEngine<SentimentInput, BinaryOutput>(model);
        var rows = ml.Data.CreateEnumerable<SentimentInput>(test, reuseRowObject: false).ToList();
        engine.Predict(rows[0]);
        EstimatorContract.SettleFinalizers();
        long before = torch.Tensor.TotalCount;
        for (int i = 0; i < 10_000; i++)
            engine.Predict(rows[i % rows.Count]);
        Assert.AreEqual(before, torch.Tensor.TotalCount, "no tensor survives a prediction");
        for (int i = 0; i < 5; i++)
            EstimatorContract.ReadAll(model.Transform(test), new[] { "Score" });
        Assert.AreEqual(before, torch.Tensor.TotalCount, "no tensor survives batched scoring");
        ((IDisposable)model).Dispose();
    }

    [TestMethod]
    public void ConcurrentPredictionEnginesMatchSequentialScores()
    {
        var ml = new MLContext(1);
        var (train, test, _) = Sentiment(ml, 300, 200);
        var model = Splits.SentimentPreparation(ml).Append(ml.BinaryClassification.Trainers.SequenceLstm(Small(1))).Fit(train);
        var rows = ml.Data.CreateEnumerable<SentimentInput>(test, reuseRowObject: false).ToList();
        var sequential = ml.Model.CreatePredictionEngine<SentimentInput, BinaryOutput>(model);
        var expected = rows.Select(r => sequential.Predict(r).Score).ToArray();
        var results = new float[4][];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            var engine = ml.Model.CreatePredictionEngine<SentimentInput, BinaryOutput>(model);
            results[t] = new float[rows.Count];
            for (int pass = 0; pass < 3; pass++)
                for (int i = 0; i < rows.Count; i++)
                    results[t][(i + t * 37) % rows.Count] = engine.Predict(rows[(i + t * 37) % rows.Count]).Score;
        });
        foreach (var r in results)
            CollectionAssert.AreEqual(expected, r);
        ((IDisposable)model).Dispose();
    }

    [TestMethod]
    public void OneSeedGivesOneModel()
    {
        float[] Scores(int seed)
        {
            var ml = new MLContext(seed);
            var (train, test, _) = Sentiment(ml, 300, 50);
            using var model = (TransformerChain<SequencePredictionTransformer>)Splits.SentimentPreparation(ml)
                .Append(ml.BinaryClassification.Trainers.SequenceCnn(new CnnOptions { Channels = 8, EmbeddingDimension = 8, NumberOfEpochs = 2 })).Fit(train);
            return TestData.Column(model.Transform(test), "Score").Cast<float>().ToArray();
        }
        var a = Scores(7);
        CollectionAssert.AreEqual(a, Scores(7), "same MLContext seed, same scores");
        CollectionAssert.AreNotEqual(a, Scores(8), "another seed gives another model");
    }

    [TestMethod]
    public void ProgressValidationEarlyStoppingAndBestWeights()
    {
        var ml = new MLContext(1);
        var (train, test, prep) = Sentiment(ml, 800);
        var reports = new List<EpochReport>();
        var logged = new List<string>();
        ml.Log += (_, e) => { if (e.Message.Contains("validation loss")) logged.Add(e.Message); };
        using var model = ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions
        {
            HiddenSize = 16, EmbeddingDimension = 16, NumberOfEpochs = 30, LearningRate = 0.01,
            ValidationData = prep.Transform(test), EarlyStoppingPatience = 2, Progress = new SyncProgress<EpochReport>(reports.Add),
        }).Fit(prep.Transform(train));
        var h = model.TrainingHistory!;
        Assert.IsTrue(h.StoppedEarly, "a high learning rate overfits 800 sentences well before 30 epochs");
        Assert.HasCount(h.Epochs.Count, reports);
        Assert.HasCount(reports.Count, logged, "every epoch is logged through MLContext.Log");
        var best = reports.OrderBy(r => r.ValidationLoss).First();
        Assert.AreEqual(best.Epoch, h.BestEpoch);
        Assert.AreEqual(h.BestEpoch + 2, reports.Count, "stops two epochs after the best");
        Assert.IsTrue(reports.All(r => r.RowsPerSecond > 0 && r.ValidationMetric is > 0 and <= 1));
        // The model holds the best epoch's weights: its validation loss is the best one, not the last.
        var scored = model.Transform(prep.Transform(test));
        var m = ml.BinaryClassification.EvaluateNonCalibrated(scored);
        Assert.AreEqual(best.ValidationMetric!.Value, m.Accuracy, 1e-9, "restored weights reproduce the best epoch's validation accuracy");
    }

    [TestMethod]
    public void CancellationTokenStopsWithinOneBatch()
    {
        var ml = new MLContext(1);
        var (train, _, prep) = Sentiment(ml, 800);
        using var cts = new CancellationTokenSource();
        int epochsSeen = 0;
        var trainer = ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions
        {
            HiddenSize = 8, EmbeddingDimension = 8, NumberOfEpochs = 50, CancellationToken = cts.Token,
            Progress = new SyncProgress<EpochReport>(_ => { epochsSeen++; cts.Cancel(); }),
        });
        var e = Assert.ThrowsExactly<OperationCanceledException>(() => trainer.Fit(prep.Transform(train)));
        Assert.AreEqual(1, epochsSeen);
        Assert.Contains("epoch 2, before batch 1", e.Message);
    }

    [TestMethod]
    public void MlNetCancellationStopsTraining()
    {
        // MLContext.CancelExecution is internal in ML.NET 5 (AutoML calls it); invoke it the way AutoML does.
        var ml = new MLContext(1);
        var cancel = typeof(MLContext).GetMethod("CancelExecution", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance);
        Assert.IsNotNull(cancel, "ML.NET's MLContext.CancelExecution is where MLNet.Sequence expects it");
        var (train, _, prep) = Sentiment(ml, 400);
        var data = prep.Transform(train);
        var trainer = ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions
        {
            HiddenSize = 8, EmbeddingDimension = 8, NumberOfEpochs = 50,
            Progress = new SyncProgress<EpochReport>(_ => cancel!.Invoke(ml, null)),
        });
        Assert.ThrowsExactly<OperationCanceledException>(() => trainer.Fit(data));
    }

    [TestMethod]
    public void MulticlassScoresAreProbabilitiesAndPredictedLabelMapsBack()
    {
        var ml = new MLContext(1);
        var (train, test) = Splits.Split(TestData.SpliceDna().Take(600).ToList());
        var model = ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label")
            .Append(ml.Transforms.OneHotEncodeSequence("Features", "Sequence"))
            .Append(ml.MulticlassClassification.Trainers.SequenceCnn(new CnnOptions { LabelColumnName = "LabelKey", Channels = 8, NumberOfEpochs = 2, Pooling = SequencePooling.Flatten }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("Predicted", "PredictedLabel"))
            .Fit(ml.Data.LoadFromEnumerable(train));
        var scored = model.Transform(ml.Data.LoadFromEnumerable(test));
        var scores = TestData.Vectors<float>(scored, "Score");
        var predicted = TestData.Column(scored, "Predicted").Cast<string>().ToArray();
        VBuffer<ReadOnlyMemory<char>> slots = default;
        scored.Schema["Score"].Annotations.GetValue("SlotNames", ref slots);
        var classes = slots.DenseValues().Select(s => s.ToString()).ToArray();
        CollectionAssert.AreEquivalent(new[] { "ei", "ie", "n" }, classes);
        for (int i = 0; i < scores.Length; i++)
        {
            Assert.AreEqual(1f, scores[i].Sum(), 1e-5f);
            Assert.AreEqual(classes[Array.IndexOf(scores[i], scores[i].Max())], predicted[i]);
        }
        var m = ml.MulticlassClassification.Evaluate(scored, labelColumnName: "LabelKey");
        Assert.IsTrue(m.LogLoss > 0 && double.IsFinite(m.LogLoss));
        ((IDisposable)model).Dispose();
    }

    [TestMethod]
    public void PaddingNeverChangesAScore()
    {
        // The same sentences padded to 32 and to 48, pre and post: every encoder must give the same scores.
        var ml = new MLContext(1);
        var (train, test, _) = Sentiment(ml, 200, 40);
        var baseline = ml.Transforms.Text.NormalizeText("Norm", "Text", keepPunctuations: false)
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Norm"))
            .Append(ml.Transforms.EncodeTokens("Ids", "Tokens", minimumCount: 2))
            .Fit(train);
        var ids = baseline.Transform(test);
        var options = new SequenceTrainerOptions[]
        {
            new LstmOptions { HiddenSize = 8, EmbeddingDimension = 8, NumberOfEpochs = 1, Pooling = SequencePooling.Last },
            new LstmOptions { HiddenSize = 8, EmbeddingDimension = 8, NumberOfEpochs = 1, Bidirectional = true, Pooling = SequencePooling.Last },
            new GruOptions { HiddenSize = 8, EmbeddingDimension = 8, NumberOfEpochs = 1, Bidirectional = true, Pooling = SequencePooling.Mean },
            new TransformerOptions { ModelDimension = 16, NumberOfHeads = 2, NumberOfLayers = 2, FeedForwardDimension = 16, NumberOfEpochs = 1, Pooling = SequencePooling.Attention },
            new CnnOptions { Channels = 8, EmbeddingDimension = 8, NumberOfEpochs = 1, Pooling = SequencePooling.Max },
        };
        foreach (var o in options)
        {
            o.MaximumSequenceLength = 64;
            // Train on the variable-length ids directly (batches are padded internally).
            var trainIds = baseline.Transform(train);
            o.FeatureColumnName = "Ids";
            var trainer = o switch
            {
                LstmOptions l => ml.BinaryClassification.Trainers.SequenceLstm(l),
                GruOptions g => ml.BinaryClassification.Trainers.SequenceGru(g),
                TransformerOptions t => ml.BinaryClassification.Trainers.SequenceTransformer(t),
                CnnOptions c => ml.BinaryClassification.Trainers.SequenceCnn(c),
                _ => throw new InvalidOperationException(),
            };
            TestContext.WriteLine($"training {o.GetType().Name} pooling {o.Pooling}");
            using var model = trainer.Fit(trainIds);
            float[] ScoresWith(int length, SequenceEnd side)
            {
                var padded = ml.Transforms.PadSequences(new PadSequencesEstimator.Options { OutputColumnName = "Ids", InputColumnName = "Ids", Length = length, Padding = side }).Fit(ids).Transform(ids);
                return TestData.Column(model.Transform(padded), "Score").Cast<float>().ToArray();
            }
            var unpadded = TestData.Column(model.Transform(ids), "Score").Cast<float>().ToArray();
            foreach (var (len, side) in new[] { (48, SequenceEnd.Pre), (48, SequenceEnd.Post), (64, SequenceEnd.Pre) })
            {
                var s = ScoresWith(len, side);
                for (int i = 0; i < s.Length; i++)
                    Assert.AreEqual(unpadded[i], s[i], 1e-4f, $"{o.GetType().Name} (bidirectional: {(o as RecurrentSequenceOptions)?.Bidirectional}) padded {side} to {len}, row {i}");
            }
        }
    }

    [TestMethod]
    public void PretrainedEmbeddingsAreLoadedAndCanBeFrozen()
    {
        var ml = new MLContext(1);
        var (train, _, prep) = Sentiment(ml, 300);
        var data = prep.Transform(train);
        var vocab = ((TokenEncodingTransformer)((IEnumerable<ITransformer>)prep).ElementAt(2)).Vocabulary;
        // A GloVe-format file for 50 of the vocabulary's words (vectors made up for the test: word i → i/100 in every dimension).
        var path = Path.Combine(Path.GetTempPath(), $"glove-{Guid.NewGuid():N}.txt");
        var words = vocab.Tokens.Skip(2).Take(50).ToList();
        File.WriteAllLines(path, words.Select((w, i) => w + " " + string.Join(" ", Enumerable.Repeat(((i + 1) / 100.0).ToString(System.Globalization.CultureInfo.InvariantCulture), 12))));
        try
        {
            using var model = ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions
            {
                HiddenSize = 8, NumberOfEpochs = 2, PretrainedEmbeddingsPath = path, FreezeEmbeddings = true,
            }).Fit(data);
            var weight = model.Engine.Network.parameters().First(p => p.shape.Length == 2 && p.shape[1] == 12);
            Assert.IsFalse(weight.requires_grad, "frozen");
            for (int i = 0; i < words.Count; i++)
            {
                int id = vocab.IdOf(words[i]);
                var row = weight[id].data<float>().ToArray();
                Assert.IsTrue(row.All(x => Math.Abs(x - (i + 1) / 100f) < 1e-6), $"row of '{words[i]}' equals its file vector after training");
            }
            Assert.IsTrue(weight[0].data<float>().ToArray().All(x => x == 0), "padding row stays zero");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void AskingForAGpuWithoutCudaIsAClearErrorOrFallsBack()
    {
        var ml = new MLContext(1) { GpuDeviceId = 0, FallbackToCpu = false };
        var (train, _, prep) = Sentiment(ml, 200);
        var data = prep.Transform(train);
        if (torch.cuda.is_available())
            Assert.Inconclusive("This machine has CUDA; the no-CUDA error path is not reachable here.");
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.BinaryClassification.Trainers.SequenceLstm(Small(1)).Fit(data));
        Assert.Contains("GpuDeviceId", e.Message);
        Assert.Contains("FallbackToCpu", e.Message);
        ml.FallbackToCpu = true;
        using var model = ml.BinaryClassification.Trainers.SequenceLstm(Small(1)).Fit(data);
        Assert.IsNotNull(model);
    }

    [TestMethod]
    public void NumericWindowsTakeFeaturesPerStepFromTheirShape()
    {
        // Seattle: a [14, 2] window (temp_max and temp_min per day) predicting the next day's temp_max.
        var ml = new MLContext(1);
        var rows = Splits.Seattle().Take(500).ToList();
        var windows = ml.Transforms.CreateWindows(new TimeSeriesWindowEstimator.Options
        {
            ValueColumns = new[] { "TempMax" }, PastCovariateColumns = new[] { "TempMin" }, WindowLength = 14, ScalarTarget = true,
        }).Fit(ml.Data.LoadFromEnumerable(rows));
        var data = windows.Transform(ml.Data.LoadFromEnumerable(rows));
        using var model = ml.Regression.Trainers.SequenceGru(new GruOptions
        {
            LabelColumnName = "Target", FeatureColumnName = "Window", HiddenSize = 8, NumberOfEpochs = 2,
        }).Fit(data);
        Assert.AreEqual(2, model.Features.Features, "features per step read from the [14, 2] window's dimensions");
        var m = ml.Regression.Evaluate(model.Transform(data), labelColumnName: "Target");
        Assert.IsTrue(double.IsFinite(m.RootMeanSquaredError));
        Assert.IsLessThan(10.0, m.RootMeanSquaredError, "degrees Celsius, after two epochs");
    }
}
