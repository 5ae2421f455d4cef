using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms;
using TorchSharp;

namespace MLNet.Sequence.Tests.Trainers;

/// <summary>
/// Averaged sequence models (mlContext.Model.AverageSequenceModels, a sweep's EnsembleSize): each output equals the
/// members' mean computed here from the members' own outputs, single rows score as batches, the one-zip file keeps it.
/// </summary>
[TestClass]
public sealed class EnsembleTests
{
    public sealed class Review
    {
        public bool Label { get; set; }
        public string Text { get; set; } = "";
    }

    private static (MLContext Ml, IDataView Train, IDataView Test, List<Review> TestRows) Sentiment()
    {
        var ml = new MLContext(1);
        var (train, test) = Splits.Split(TestData.Sentiment());
        var testRows = test.Select(s => new Review { Label = s.Label, Text = s.Text }).ToList();
        return (ml, ml.Data.LoadFromEnumerable(train.Select(s => new Review { Label = s.Label, Text = s.Text }).ToList()),
            ml.Data.LoadFromEnumerable(testRows), testRows);
    }

    /// <summary>Words → ids → padded to <paramref name="length"/>: members may differ in their preprocessing.</summary>
    private static IEstimator<ITransformer> Words(MLContext ml, int length) =>
        ml.Transforms.Text.NormalizeText("Norm", "Text", keepPunctuations: false)
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Norm"))
            .Append(ml.Transforms.EncodeTokens("Ids", "Tokens", minimumCount: 2))
            .Append(ml.Transforms.PadSequences("Features", "Ids", length: length));

    private static float[] Floats(IDataView data, string column) => TestData.Column(data, column).Cast<float>().ToArray();

    [TestMethod]
    public void ABinaryEnsembleAveragesItsMembersProbabilitiesInBatchesSingleRowsAndAfterSaving()
    {
        var (ml, train, test, testRows) = Sentiment();
        var members = new ITransformer[]
        {
            Words(ml, 32).Append(ml.BinaryClassification.Trainers.SequenceCnn(new CnnOptions { EmbeddingDimension = 32, Channels = 32, NumberOfEpochs = 4, Seed = 1 })).Fit(train),
            Words(ml, 16).Append(ml.BinaryClassification.Trainers.SequenceCnn(new CnnOptions { EmbeddingDimension = 32, Channels = 32, NumberOfEpochs = 4, Seed = 2 })).Fit(train),
            Words(ml, 24).Append(ml.BinaryClassification.Trainers.SequenceGru(new GruOptions { EmbeddingDimension = 32, HiddenSize = 32, NumberOfEpochs = 4, Seed = 3 })).Fit(train),
        };
        var memberProbabilities = members.Select(m => Floats(m.Transform(test), "Probability")).ToArray();
        var memberAccuracies = members.Select(m => ml.BinaryClassification.Evaluate(m.Transform(test)).Accuracy).ToArray();
        using var ensemble = ml.Model.AverageSequenceModels(members, train.Schema);
        Assert.AreEqual(SequenceTask.BinaryClassification, ensemble.Task);
        Assert.HasCount(3, ensemble.Members);

        // The output: the input's columns and the three binary score columns, nothing from the members' preprocessing.
        var scored = ensemble.Transform(test);
        CollectionAssert.AreEqual(new[] { "Label", "Text", "Score", "Probability", "PredictedLabel" }, scored.Schema.Select(c => c.Name).ToArray());
        var p = Floats(scored, "Probability");
        var score = Floats(scored, "Score");
        var predicted = TestData.Column(scored, "PredictedLabel").Cast<bool>().ToArray();
        Assert.HasCount(testRows.Count, p);
        for (int i = 0; i < p.Length; i++)
        {
            double mean = memberProbabilities.Average(m => (double)m[i]);
            Assert.AreEqual(mean, p[i], 1e-6, $"row {i}: the mean of the members' probabilities");
            Assert.AreEqual(Math.Log(mean / (1 - mean)), score[i], 1e-3, $"row {i}: Score is the mean probability's logit");
            Assert.AreEqual(mean > 0.5, predicted[i], $"row {i}");
        }
        var metrics = ml.BinaryClassification.Evaluate(scored);
        Assert.IsGreaterThan(0.74, metrics.Accuracy, $"ML.NET's evaluator reads the ensemble (members {string.Join(", ", memberAccuracies.Select(a => a.ToString("F3")))}; ensemble {metrics.Accuracy:F3})");

        // Prediction engines: one row through every member's own mapper gives the batch answer; native memory stays flat.
        using (var engine = ml.Model.CreatePredictionEngine<Review, Scored>(ensemble))
        {
            for (int i = 0; i < 20; i++)
            {
                var one = engine.Predict(testRows[i]);
                Assert.AreEqual(p[i], one.Probability, 1e-6f, $"row {i}: a prediction engine scores as Transform");
                Assert.AreEqual(predicted[i], one.PredictedLabel);
            }
            EstimatorContract.SettleFinalizers();
            long tensors = torch.Tensor.TotalCount;
            for (int i = 0; i < 300; i++)
                engine.Predict(testRows[i % testRows.Count]);
            Assert.AreEqual(tensors, torch.Tensor.TotalCount, "live tensors after 300 ensemble predictions");
        }
        // ML.NET's engine disposes the model it was made from; the ensemble the application holds still scores.
        CollectionAssert.AreEqual(p, Floats(ensemble.Transform(test), "Probability"), "the ensemble scores after an engine made from it was disposed");

        // One zip holds every member's whole pipeline; the loaded ensemble scores the same.
        var path = Path.Combine(Path.GetTempPath(), $"ensemble-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.SaveSequenceModel(ensemble, train.Schema, path);
            var loaded = ml.Model.LoadSequenceModel(path, out var schema);
            try
            {
                Assert.AreEqual(train.Schema.Count, schema.Count);
                CollectionAssert.AreEqual(p, Floats(loaded.Transform(test), "Probability"), "the loaded ensemble scores as before saving");
                var inner = SingleEnsemble(loaded);
                Assert.HasCount(3, inner.Members);
            }
            finally
            {
                (loaded as IDisposable)?.Dispose();
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static SequenceEnsembleTransformer SingleEnsemble(ITransformer loaded) =>
        loaded as SequenceEnsembleTransformer ?? ((IEnumerable<ITransformer>)loaded).OfType<SequenceEnsembleTransformer>().Single();

    public sealed class Scored
    {
        public float Probability { get; set; }
        public bool PredictedLabel { get; set; }
    }

    [TestMethod]
    public void AMulticlassEnsembleAveragesClassProbabilitiesAndRefusesMembersWithAnotherLabelMapping()
    {
        var ml = new MLContext(1);
        var (trainRows, testRows) = Splits.Split(TestData.SpliceDna());
        // The label's keys are shared (the evaluator reads them), so they are mapped before the ensemble.
        var labels = ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label").Fit(ml.Data.LoadFromEnumerable(trainRows));
        var train = labels.Transform(ml.Data.LoadFromEnumerable(trainRows));
        var test = labels.Transform(ml.Data.LoadFromEnumerable(testRows));
        // Members see 60 and the middle 30 nucleotides (two PadSequences keep the middle steps).
        IEstimator<ITransformer> Prepared(int window) => ml.Transforms.OneHotEncodeSequence("OneHot", "Sequence", alphabet: "ACGT")
            .Append(ml.Transforms.PadSequences("Right", "OneHot", length: 30 + window / 2))
            .Append(ml.Transforms.PadSequences(new PadSequencesEstimator.Options { OutputColumnName = "Features", InputColumnName = "Right", Length = window, Truncation = SequenceEnd.Post }));
        var lstm = Prepared(60).Append(ml.MulticlassClassification.Trainers.SequenceLstm(new LstmOptions { LabelColumnName = "LabelKey", HiddenSize = 16, Pooling = SequencePooling.Flatten, NumberOfEpochs = 3, Seed = 1 })).Fit(train);
        var cnn = Prepared(30).Append(ml.MulticlassClassification.Trainers.SequenceCnn(new CnnOptions { LabelColumnName = "LabelKey", Channels = 16, KernelSize = 5, NumberOfLayers = 2, Pooling = SequencePooling.Flatten, NumberOfEpochs = 3, Seed = 1 })).Fit(train);
        var memberScores = new[] { TestData.Vectors<float>(lstm.Transform(test), "Score"), TestData.Vectors<float>(cnn.Transform(test), "Score") };
        using var ensemble = ml.Model.AverageSequenceModels(new[] { lstm, cnn }, train.Schema);

        var scored = ensemble.Transform(test);
        var scores = TestData.Vectors<float>(scored, "Score");
        var predicted = TestData.Column(scored, "PredictedLabel").Cast<uint>().ToArray();
        for (int i = 0; i < scores.Length; i++)
        {
            var mean = Enumerable.Range(0, 3).Select(k => (memberScores[0][i][k] + memberScores[1][i][k]) / 2).ToArray();
            for (int k = 0; k < 3; k++)
                Assert.AreEqual(mean[k], scores[i][k], 1e-6f, $"row {i}, class {k}");
            Assert.AreEqual((uint)Array.IndexOf(mean, mean.Max()) + 1, predicted[i], $"row {i}: the arg max of the mean");
        }
        Assert.IsTrue(SameOrder(lstm.Transform(test), scored), "the members' class names reach the Score column");
        VBuffer<ReadOnlyMemory<char>> names = default;
        scored.Schema["Score"].GetSlotNames(ref names);
        CollectionAssert.AreEquivalent(new[] { "ei", "ie", "n" }, names.DenseValues().Select(n => n.ToString()).ToArray());
        var m = ml.MulticlassClassification.Evaluate(scored, "LabelKey");
        Assert.IsGreaterThan(0.85, m.MacroAccuracy, $"ML.NET's evaluator reads the ensemble: macro accuracy {m.MacroAccuracy:F3}");

        // A member whose label keys come in another order would average different classes: refused by name.
        VBuffer<ReadOnlyMemory<char>> order = default;
        scored.Schema["Score"].GetSlotNames(ref order);
        var reversed = ml.Data.LoadFromEnumerable(order.DenseValues().Select(v => new KeyRow { Value = v.ToString() }).Reverse().ToList());
        var otherKeys = ml.Transforms.Conversion.MapValueToKey("OtherKey", "Label", keyData: reversed)
            .Append(ml.Transforms.OneHotEncodeSequence("Features", "Sequence", alphabet: "ACGT"))
            .Append(ml.MulticlassClassification.Trainers.SequenceCnn(new CnnOptions { LabelColumnName = "OtherKey", Channels = 8, NumberOfEpochs = 1, Seed = 1 })).Fit(train);
        using (otherKeys as IDisposable)
        {
            Assert.IsFalse(SameOrder(otherKeys.Transform(test), scored), "the keys come in the reverse order");
            var e = Assert.ThrowsExactly<ArgumentException>(() => ml.Model.AverageSequenceModels(new[] { lstm, otherKeys }, train.Schema));
            StringAssert.Contains(e.Message, "names its classes differently");
        }
    }

    public sealed class KeyRow
    {
        public string Value { get; set; } = "";
    }

    private static bool SameOrder(IDataView a, IDataView b)
    {
        VBuffer<ReadOnlyMemory<char>> x = default, y = default;
        a.Schema["Score"].GetSlotNames(ref x);
        b.Schema["Score"].GetSlotNames(ref y);
        return x.DenseValues().Select(v => v.ToString()).SequenceEqual(y.DenseValues().Select(v => v.ToString()));
    }

    [TestMethod]
    public void ARegressionEnsembleAveragesValuesAndQuantiles()
    {
        var ml = new MLContext(1);
        var rows = Splits.Seattle();
        int cut = (int)(rows.Count * 0.8);
        var rawTrain = ml.Data.LoadFromEnumerable(rows.Take(cut).ToList());
        // Windows make rows of their own: made once, before the ensemble, whose members map window rows one to one.
        var windows = Splits.SeattleWindows(ml).Fit(rawTrain);
        var train = windows.Transform(rawTrain);
        var test = windows.Transform(ml.Data.LoadFromEnumerable(rows.Skip(cut - 14).Take(214).ToList()));
        ITransformer Fit(IEstimator<ITransformer> trainer) => trainer.Fit(train);
        var windowed = Splits.SeattleWindows(ml).Append(ml.Regression.Trainers.SequenceGru(new GruOptions { LabelColumnName = "Target", FeatureColumnName = "Window", HiddenSize = 8, NumberOfEpochs = 1, Seed = 1 })).Fit(rawTrain);
        using (windowed as IDisposable)
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.Model.AverageSequenceModels(new[] { windowed }, rawTrain.Schema)).Message, "does not map rows one to one");
        var gru = Fit(ml.Regression.Trainers.SequenceGru(new GruOptions { LabelColumnName = "Target", FeatureColumnName = "Window", HiddenSize = 16, NumberOfEpochs = 3, Seed = 1 }));
        var cnn = Fit(ml.Regression.Trainers.SequenceCnn(new CnnOptions { LabelColumnName = "Target", FeatureColumnName = "Window", Channels = 8, KernelSize = 3, NumberOfLayers = 2, NumberOfEpochs = 3, Seed = 2 }));
        var a = Floats(gru.Transform(test), "Score");
        var b = Floats(cnn.Transform(test), "Score");
        using (var ensemble = ml.Model.AverageSequenceModels(new[] { gru, cnn }, train.Schema))
        {
            var scored = ensemble.Transform(test);
            var mean = Floats(scored, "Score");
            for (int i = 0; i < mean.Length; i++)
                Assert.AreEqual((a[i] + b[i]) / 2, mean[i], 1e-4f, $"row {i} (°C)");
            var m = ml.Regression.Evaluate(scored, "Target");
            Assert.IsLessThan(5.0, m.RootMeanSquaredError, $"the evaluator reads the ensemble's Score: RMSE {m.RootMeanSquaredError:F2} °C");
        }

        // Weights: scaled to sum to 1, kept by the saved file; bad ones refused by name.
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.Model.AverageSequenceModels(new[] { gru, cnn }, train.Schema, new[] { 1.0 })).Message, "2 models but 1 weights");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.Model.AverageSequenceModels(new[] { gru, cnn }, train.Schema, new[] { 1.0, -1.0 })).Message, "non-negative");
        gru = Fit(ml.Regression.Trainers.SequenceGru(new GruOptions { LabelColumnName = "Target", FeatureColumnName = "Window", HiddenSize = 16, NumberOfEpochs = 3, Seed = 1 }));
        cnn = Fit(ml.Regression.Trainers.SequenceCnn(new CnnOptions { LabelColumnName = "Target", FeatureColumnName = "Window", Channels = 8, KernelSize = 3, NumberOfLayers = 2, NumberOfEpochs = 3, Seed = 2 }));
        var a2 = Floats(gru.Transform(test), "Score");
        var b2 = Floats(cnn.Transform(test), "Score");
        using (var weighted = ml.Model.AverageSequenceModels(new[] { gru, cnn }, train.Schema, new[] { 3.0, 1.0 }))
        {
            CollectionAssert.AreEqual(new[] { 0.75, 0.25 }, weighted.Weights.ToArray());
            var w = Floats(weighted.Transform(test), "Score");
            for (int i = 0; i < w.Length; i++)
                Assert.AreEqual(0.75f * a2[i] + 0.25f * b2[i], w[i], 1e-4f, $"row {i}: the weighted mean");
            using var stream = new MemoryStream();
            ml.Model.SaveSequenceModel(weighted, train.Schema, stream);
            stream.Position = 0;
            var loaded = ml.Model.LoadSequenceModel(stream, out _);
            using (loaded as IDisposable)
            {
                CollectionAssert.AreEqual(w, Floats(loaded.Transform(test), "Score"), "the weights survive saving");
                CollectionAssert.AreEqual(new[] { 0.75, 0.25 }, SingleEnsemble(loaded).Weights.ToArray());
            }
        }

        // Quantile members: the mean level by level.
        var q1 = Fit(ml.Regression.Trainers.SequenceLstm(new LstmOptions { LabelColumnName = "Target", FeatureColumnName = "Window", HiddenSize = 16, Quantiles = new[] { 0.1f, 0.5f, 0.9f }, NumberOfEpochs = 2, Seed = 1 }));
        var q2 = Fit(ml.Regression.Trainers.SequenceLstm(new LstmOptions { LabelColumnName = "Target", FeatureColumnName = "Window", HiddenSize = 16, Quantiles = new[] { 0.1f, 0.5f, 0.9f }, NumberOfEpochs = 2, Seed = 2 }));
        var x = TestData.Vectors<float>(q1.Transform(test), "Score");
        var y = TestData.Vectors<float>(q2.Transform(test), "Score");
        using var quantiles = ml.Model.AverageSequenceModels(new[] { q1, q2 }, train.Schema);
        var z = TestData.Vectors<float>(quantiles.Transform(test), "Score");
        for (int i = 0; i < z.Length; i++)
            for (int k = 0; k < 3; k++)
                Assert.AreEqual((x[i][k] + y[i][k]) / 2, z[i][k], 1e-4f, $"row {i}, quantile {k}");
    }

    [TestMethod]
    public void BadEnsemblesAreRefusedWithMessages()
    {
        var (ml, train, test, _) = Sentiment();
        var small = Words(ml, 16).Append(ml.BinaryClassification.Trainers.SequenceCnn(new CnnOptions { EmbeddingDimension = 8, Channels = 8, NumberOfEpochs = 1, Seed = 1 })).Fit(train);
        try
        {
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.Model.AverageSequenceModels(Array.Empty<ITransformer>(), train.Schema)).Message, "at least one model");
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.Model.AverageSequenceModels(new ITransformer[] { small, null! }, train.Schema)).Message, "Model 2 of the ensemble is null");
            var perceptron = ml.Transforms.Text.FeaturizeText("Features", "Text").Append(ml.BinaryClassification.Trainers.AveragedPerceptron()).Fit(train);
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.Model.AverageSequenceModels(new ITransformer[] { small, perceptron }, train.Schema)).Message,
                "Model 2 of the ensemble holds no sequence model");
            // A regressor beside a classifier: the tasks differ.
            var regressor = Words(ml, 16).Append(ml.Transforms.Conversion.ConvertType("Target", "Label", DataKind.Single))
                .Append(ml.Regression.Trainers.SequenceCnn(new CnnOptions { LabelColumnName = "Target", EmbeddingDimension = 8, Channels = 8, NumberOfEpochs = 1, Seed = 1 })).Fit(train);
            using (regressor as IDisposable)
                StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.Model.AverageSequenceModels(new[] { small, regressor }, train.Schema)).Message,
                    "is a Regression model; model 1 is a BinaryClassification model");
            // The input must have what the members read: the column and the option are named when the schema is bound.
            var noText = ml.Data.LoadFromEnumerable(new[] { new { Label = true } }).Schema;
            var e = Assert.ThrowsExactly<ArgumentException>(() => ml.Model.AverageSequenceModels(new[] { small }, noText));
            StringAssert.Contains(e.Message, "Text");
            using var one = ml.Model.AverageSequenceModels(new[] { small }, train.Schema);
            var bound = Assert.Throws<Exception>(() => one.GetOutputSchema(noText));
            StringAssert.Contains(bound.Message, "Text");
        }
        finally
        {
            (small as IDisposable)?.Dispose();
        }
    }
}
