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

namespace MLNet.Sequence.Tests.Onnx;

/// <summary>
/// Every family, pooling and head of the sequence trainers, exported to ONNX and scored by ML.NET's
/// <c>ApplyOnnxModel</c> (ONNX Runtime) after the same ML.NET and MLNet.Sequence transforms: the scores must equal the
/// TorchSharp model's within 1e-4 on the bundled data sets (sentiment sentences, splice DNA, Seattle weather).
/// </summary>
[TestClass]
public sealed class OnnxExportTests
{
    public TestContext TestContext { get; set; } = null!;

    private const float Tolerance = 1e-4f;

    /// <summary>Trains briefly (scores need only be a trained network's, not a good one's), exports, scores both ways.</summary>
    private static Dictionary<string, (float[][] Torch, float[][] Onnx)> ScoreBothWays(MLContext ml, IEstimator<ITransformer> preparation,
        IEstimator<ITransformer> trainer, IDataView train, IDataView test, string[] columns, int opset = 17)
    {
        var prep = preparation.Fit(train);
        var trainPrepared = prep.Transform(train);
        var testPrepared = prep.Transform(test);
        using var model = (SequencePredictionTransformer)trainer.Fit(trainPrepared);
        var path = Path.Combine(Path.GetTempPath(), $"model-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var stream = File.Create(path))
                ml.Model.ExportSequenceModelToOnnx(model, testPrepared, stream, new SequenceOnnxExportOptions { OpsetVersion = opset });
            var torch = model.Transform(testPrepared);
            using var onnx = ml.Transforms.ApplyOnnxModel(path).Fit(testPrepared);
            var fromOnnx = onnx.Transform(testPrepared);
            return columns.ToDictionary(c => c, c => (Values(torch, c), Values(fromOnnx, c)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A column's values per row, scalars as one-element arrays.</summary>
    private static float[][] Values(IDataView data, string column)
    {
        var type = data.Schema[column].Type;
        if (type is VectorDataViewType v)
        {
            if (v.ItemType == NumberDataViewType.Single) return data.GetColumn<float[]>(column).ToArray();
            if (v.ItemType == BooleanDataViewType.Instance) return data.GetColumn<bool[]>(column).Select(a => a.Select(b => b ? 1f : 0f).ToArray()).ToArray();
            if (v.ItemType == NumberDataViewType.UInt32) return data.GetColumn<uint[]>(column).Select(a => a.Select(b => (float)b).ToArray()).ToArray();
        }
        if (type == NumberDataViewType.Single) return data.GetColumn<float>(column).Select(x => new[] { x }).ToArray();
        if (type == BooleanDataViewType.Instance) return data.GetColumn<bool>(column).Select(b => new[] { b ? 1f : 0f }).ToArray();
        if (type is KeyDataViewType) return data.GetColumn<uint>(column).Select(k => new[] { (float)k }).ToArray();
        throw new InvalidOperationException($"Column {column} has type {type}.");
    }

    private void AssertClose(float[][] expected, float[][] actual, string what)
    {
        Assert.HasCount(expected.Length, actual, $"{what}: rows");
        double worst = 0;
        for (int r = 0; r < expected.Length; r++)
        {
            Assert.HasCount(expected[r].Length, actual[r], $"{what}: values in row {r}");
            for (int i = 0; i < expected[r].Length; i++)
                worst = Math.Max(worst, Math.Abs(expected[r][i] - actual[r][i]));
        }
        TestContext.WriteLine($"{what}: {expected.Length} rows, largest difference {worst:E2}");
        if (worst >= Tolerance)
            for (int r = 0; r < Math.Min(3, expected.Length); r++)
                TestContext.WriteLine($"  row {r}: torch {string.Join(" ", expected[r])} onnx {string.Join(" ", actual[r])}");
        Assert.IsLessThan(Tolerance, worst, $"{what}: ONNX Runtime's scores differ from TorchSharp's");
    }

    private static (IDataView Train, IDataView Test) Sentiment(MLContext ml, int testRows = 200)
    {
        var (train, test) = Splits.Split(TestData.Sentiment());
        return (ml.Data.LoadFromEnumerable(train), ml.Data.LoadFromEnumerable(test.Take(testRows)));
    }

    public static IEnumerable<object[]> SentimentCases() => new[]
    {
        new object[] { "LSTM, last step", new LstmOptions { HiddenSize = 24, EmbeddingDimension = 16, Pooling = SequencePooling.Last, NumberOfEpochs = 1, Seed = 1 } },
        new object[] { "GRU, 2 bidirectional layers, last step, hidden head", new GruOptions { HiddenSize = 16, EmbeddingDimension = 16, NumberOfLayers = 2, Bidirectional = true, Pooling = SequencePooling.Last, HeadHiddenSize = 8, NumberOfEpochs = 1, Seed = 1 } },
        new object[] { "LSTM, bidirectional, mean", new LstmOptions { HiddenSize = 16, EmbeddingDimension = 16, Bidirectional = true, Pooling = SequencePooling.Mean, NumberOfEpochs = 1, Seed = 1 } },
        new object[] { "GRU, attention pooling", new GruOptions { HiddenSize = 16, EmbeddingDimension = 16, Pooling = SequencePooling.Attention, NumberOfEpochs = 1, Seed = 1 } },
        new object[] { "Transformer, 2 layers, mean", new TransformerOptions { ModelDimension = 32, EmbeddingDimension = 32, NumberOfHeads = 4, NumberOfLayers = 2, FeedForwardDimension = 32, Pooling = SequencePooling.Mean, NumberOfEpochs = 1, Seed = 1 } },
        new object[] { "Transformer, projected input, last step", new TransformerOptions { ModelDimension = 16, EmbeddingDimension = 24, NumberOfHeads = 2, NumberOfLayers = 1, FeedForwardDimension = 32, Pooling = SequencePooling.Last, NumberOfEpochs = 1, Seed = 1 } },
        new object[] { "CNN, max pooling", new CnnOptions { Channels = 16, EmbeddingDimension = 24, KernelSize = 3, NumberOfLayers = 2, Pooling = SequencePooling.Max, NumberOfEpochs = 1, Seed = 1 } },
    };

    [TestMethod]
    [DynamicData(nameof(SentimentCases))]
    public void BinaryTextClassifiersScoreTheSameInOnnxRuntime(string name, SequenceTrainerOptions options)
    {
        var ml = new MLContext(1);
        var (train, test) = Sentiment(ml);
        var trainer = options switch
        {
            LstmOptions o => ml.BinaryClassification.Trainers.SequenceLstm(o),
            GruOptions o => ml.BinaryClassification.Trainers.SequenceGru(o),
            TransformerOptions o => ml.BinaryClassification.Trainers.SequenceTransformer(o),
            CnnOptions o => (IEstimator<ITransformer>)ml.BinaryClassification.Trainers.SequenceCnn(o),
            _ => throw new ArgumentException(name),
        };
        // Padding at the front (PadSequences' default) makes the graph move real steps first, as the network does.
        var scores = ScoreBothWays(ml, Splits.SentimentPreparation(ml), trainer, train, test, new[] { "Score", "Probability", "PredictedLabel" });
        foreach (var (column, (torch, onnx)) in scores)
            AssertClose(torch, onnx, $"{name}: {column}");
    }

    [TestMethod]
    public void MulticlassDnaClassifiersScoreTheSameInOnnxRuntime()
    {
        // One-hot DNA windows: numeric steps of a fixed length, the flatten pooling and the class probabilities.
        var ml = new MLContext(1);
        var (train, test) = Splits.Split(TestData.SpliceDna());
        var preparation = ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label")
            .Append(ml.Transforms.OneHotEncodeSequence("Features", "Sequence"));
        var cases = new (string Name, IEstimator<ITransformer> Trainer)[]
        {
            ("LSTM, flatten, hidden head", ml.MulticlassClassification.Trainers.SequenceLstm(new LstmOptions { LabelColumnName = "LabelKey", HiddenSize = 16, Pooling = SequencePooling.Flatten, HeadHiddenSize = 16, NumberOfEpochs = 1, Seed = 1 })),
            ("Transformer, attention pooling", ml.MulticlassClassification.Trainers.SequenceTransformer(new TransformerOptions { LabelColumnName = "LabelKey", ModelDimension = 16, NumberOfHeads = 2, NumberOfLayers = 1, FeedForwardDimension = 32, Pooling = SequencePooling.Attention, NumberOfEpochs = 1, Seed = 1 })),
            ("CNN, last step", ml.MulticlassClassification.Trainers.SequenceCnn(new CnnOptions { LabelColumnName = "LabelKey", Channels = 16, KernelSize = 5, NumberOfLayers = 3, Pooling = SequencePooling.Last, NumberOfEpochs = 1, Seed = 1 })),
        };
        foreach (var (name, trainer) in cases)
        {
            var scores = ScoreBothWays(ml, preparation, trainer, ml.Data.LoadFromEnumerable(train), ml.Data.LoadFromEnumerable(test.Take(300)), new[] { "Score", "PredictedLabel" });
            foreach (var (column, (torch, onnx)) in scores)
                AssertClose(torch, onnx, $"splice {name}: {column}");
        }
    }

    [TestMethod]
    public void RegressorsWithStandardisedInputsAndQuantilesScoreTheSameInOnnxRuntime()
    {
        // Seattle weather windows: four numeric features per step, standardised inputs and labels, quantile heads.
        var ml = new MLContext(1);
        var rows = Splits.Seattle();
        int cut = (int)(rows.Count * 0.8);
        var train = ml.Data.LoadFromEnumerable(rows.Take(cut).ToList());
        var test = ml.Data.LoadFromEnumerable(rows.Skip(cut - 14).Take(214).ToList());
        var cases = new (string Name, IEstimator<ITransformer> Trainer)[]
        {
            ("GRU, 2 layers, last step", ml.Regression.Trainers.SequenceGru(new GruOptions { LabelColumnName = "Target", FeatureColumnName = "Window", HiddenSize = 16, NumberOfLayers = 2, NumberOfEpochs = 2, Seed = 1 })),
            ("LSTM, quantiles 0.1/0.5/0.9", ml.Regression.Trainers.SequenceLstm(new LstmOptions { LabelColumnName = "Target", FeatureColumnName = "Window", HiddenSize = 16, Quantiles = new[] { 0.1f, 0.5f, 0.9f }, NumberOfEpochs = 2, Seed = 1 })),
            ("Transformer, mean", ml.Regression.Trainers.SequenceTransformer(new TransformerOptions { LabelColumnName = "Target", FeatureColumnName = "Window", ModelDimension = 16, NumberOfHeads = 2, NumberOfLayers = 1, FeedForwardDimension = 32, Pooling = SequencePooling.Mean, NumberOfEpochs = 2, Seed = 1 })),
            ("CNN, flatten", ml.Regression.Trainers.SequenceCnn(new CnnOptions { LabelColumnName = "Target", FeatureColumnName = "Window", Channels = 8, KernelSize = 3, NumberOfLayers = 2, Pooling = SequencePooling.Flatten, NumberOfEpochs = 2, Seed = 1 })),
        };
        foreach (var (name, trainer) in cases)
        {
            var scores = ScoreBothWays(ml, Splits.SeattleWindows(ml), trainer, train, test, new[] { "Score" });
            AssertClose(scores["Score"].Torch, scores["Score"].Onnx, $"seattle {name}: Score");
        }
    }

    [TestMethod]
    public void MaskedAndVariableLengthTokenInputsScoreTheSameInOnnxRuntime()
    {
        var ml = new MLContext(1);
        var (train, test) = Sentiment(ml);
        var tokens = ml.Transforms.Text.NormalizeText("Norm", "Text", keepPunctuations: false)
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Norm"))
            .Append(ml.Transforms.EncodeTokens("Ids", "Tokens", minimumCount: 2));
        // A mask column from PadSequences (padding after the words this time, long rows cut at the front).
        var masked = tokens.Append(ml.Transforms.PadSequences(new PadSequencesEstimator.Options
        {
            OutputColumnName = "Features", InputColumnName = "Ids", Length = 16, Padding = SequenceEnd.Post, MaskColumnName = "Mask",
        }));
        var maskScores = ScoreBothWays(ml, masked, ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions
        {
            MaskColumnName = "Mask", HiddenSize = 16, EmbeddingDimension = 16, Bidirectional = true, Pooling = SequencePooling.Max, NumberOfEpochs = 1, Seed = 1,
        }), train, test, new[] { "Score" });
        AssertClose(maskScores["Score"].Torch, maskScores["Score"].Onnx, "mask column, bidirectional LSTM, max: Score");

        // Characters one-hot encoded, padded behind, with a length column: numeric steps whose real part the length names.
        var characters = ml.Transforms.OneHotEncodeSequence(new OneHotSequenceEstimator.Options
        {
            OutputColumnName = "Features", InputColumnName = "Text", Alphabet = "abcdefghijklmnopqrstuvwxyz ", SequenceLength = 48,
            TruncateLonger = true, LengthColumnName = "Length",
        });
        var lengthScores = ScoreBothWays(ml, characters, ml.BinaryClassification.Trainers.SequenceGru(new GruOptions
        {
            LengthColumnName = "Length", PaddingSide = SequenceEnd.Post, HiddenSize = 16, Bidirectional = true, Pooling = SequencePooling.Mean,
            NumberOfEpochs = 1, Seed = 1,
        }), train, test, new[] { "Score" });
        AssertClose(lengthScores["Score"].Torch, lengthScores["Score"].Onnx, "length column, one-hot characters, bidirectional GRU, mean: Score");

        // Variable-length ids (no padding transform): the graph takes any number of steps and keeps the last 20.
        var variable = ScoreBothWays(ml, tokens, ml.BinaryClassification.Trainers.SequenceTransformer(new TransformerOptions
        {
            FeatureColumnName = "Ids", MaximumSequenceLength = 20, ModelDimension = 16, EmbeddingDimension = 16, NumberOfHeads = 2, NumberOfLayers = 1,
            FeedForwardDimension = 32, Pooling = SequencePooling.Mean, NumberOfEpochs = 1, Seed = 1,
        }), train, test, new[] { "Score" });
        AssertClose(variable["Score"].Torch, variable["Score"].Onnx, "variable-length ids, Transformer: Score");

        // Opset 18 writes ReduceMax with its axes as an input.
        var opset18 = ScoreBothWays(ml, Splits.SentimentPreparation(ml), ml.BinaryClassification.Trainers.SequenceGru(new GruOptions
        {
            HiddenSize = 16, EmbeddingDimension = 16, Pooling = SequencePooling.Max, NumberOfEpochs = 1, Seed = 1,
        }), train, test, new[] { "Score" }, opset: 18);
        AssertClose(opset18["Score"].Torch, opset18["Score"].Onnx, "opset 18, GRU, max: Score");
    }

    [TestMethod]
    public void ExportRefusesWhatItCannotWriteAndLeavesNoFileBehind()
    {
        var ml = new MLContext(1);
        var (train, _) = Sentiment(ml, 10);
        var prep = Splits.SentimentPreparation(ml).Fit(train);
        var data = prep.Transform(train);
        var notAModel = Assert.ThrowsExactly<ArgumentException>(() => ml.Model.ExportSequenceModelToOnnx(prep, train, new MemoryStream()));
        StringAssert.Contains(notAModel.Message, "SequencePredictionTransformer");
        using var model = ml.BinaryClassification.Trainers.SequenceGru(new GruOptions { HiddenSize = 8, EmbeddingDimension = 8, NumberOfEpochs = 1, Seed = 1 }).Fit(data);
        var opset = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.Model.ExportSequenceModelToOnnx(model, data, new MemoryStream(), new SequenceOnnxExportOptions { OpsetVersion = 16 }));
        StringAssert.Contains(opset.Message, "OpsetVersion");
        // The raw sentences lack the model's column: the model's own schema check names it.
        var missing = Assert.Throws<ArgumentException>(() => ml.Model.ExportSequenceModelToOnnx(model, train, new MemoryStream()));
        StringAssert.Contains(missing.Message, "Features");
        // The chain (preparation + model) exports from the raw sentences.
        using (var chainStream = new MemoryStream())
        {
            ml.Model.ExportSequenceModelToOnnx(prep.Append(model), train, chainStream);
            Assert.IsGreaterThan(1000L, chainStream.Length);
        }

        // An ensemble is no single graph: refused with what to do instead.
        using (var ensemble = ml.Model.AverageSequenceModels(new[] { prep.Append(ml.BinaryClassification.Trainers.SequenceGru(new GruOptions { HiddenSize = 4, EmbeddingDimension = 4, NumberOfEpochs = 1, Seed = 1 }).Fit(data)) }, train.Schema))
            StringAssert.Contains(Assert.ThrowsExactly<NotSupportedException>(() => ml.Model.ExportSequenceModelToOnnx(ensemble, train, new MemoryStream())).Message, "export each of its Members");

        // Flatten pooling reads exactly the trained length: no symbolic length for it.
        using (var flatten = ml.BinaryClassification.Trainers.SequenceGru(new GruOptions { HiddenSize = 4, EmbeddingDimension = 4, Pooling = SequencePooling.Flatten, NumberOfEpochs = 1, Seed = 1 }).Fit(data))
        {
            var fixedLength = Assert.ThrowsExactly<ArgumentException>(() =>
                ml.Model.ExportSequenceModelToOnnx(flatten, data, new MemoryStream(), new SequenceOnnxExportOptions { DynamicSequenceLength = true }));
            StringAssert.Contains(fixedLength.Message, "DynamicSequenceLength");
        }

        // A disposed model is refused before anything is written: the file path export leaves nothing in the folder.
        var disposed = ml.BinaryClassification.Trainers.SequenceGru(new GruOptions { HiddenSize = 8, EmbeddingDimension = 8, NumberOfEpochs = 1, Seed = 1 }).Fit(data);
        disposed.Dispose();
        var folder = Directory.CreateTempSubdirectory("onnx-export-").FullName;
        try
        {
            Assert.ThrowsExactly<ObjectDisposedException>(() => ml.Model.ExportSequenceModelToOnnx(disposed, data, Path.Combine(folder, "model.onnx")));
            Assert.IsEmpty(Directory.GetFileSystemEntries(folder), "a refused export leaves no file, temporary or final");
            Assert.ThrowsExactly<DirectoryNotFoundException>(() => ml.Model.ExportSequenceModelToOnnx(model, data, Path.Combine(folder, "missing", "model.onnx")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void NBeatsNetworksScoreTheSameInOnnxRuntime()
    {
        // Generic blocks with quantiles on Seattle windows (static-free, four features), interpretable trend and
        // seasonality blocks as an AirPassengers forecaster.
        var ml = new MLContext(1);
        var rows = Splits.Seattle();
        var train = ml.Data.LoadFromEnumerable(rows.Take(800).ToList());
        var test = ml.Data.LoadFromEnumerable(rows.Skip(786).Take(214).ToList());
        var generic = ScoreBothWays(ml, Splits.SeattleWindows(ml), ml.Regression.Trainers.SequenceNBeats(new NBeatsOptions
        {
            LabelColumnName = "Target", FeatureColumnName = "Window", LayerWidth = 16, NumberOfBlocks = 3, LayersPerBlock = 2,
            Quantiles = new[] { 0.2f, 0.5f, 0.8f }, NumberOfEpochs = 3, Seed = 1,
        }), train, test, new[] { "Score" });
        AssertClose(generic["Score"].Torch, generic["Score"].Onnx, "seattle N-BEATS generic, quantiles: Score");

        var all = MLNet.Sequence.Tests.Forecasting.ForecasterTests.Monthly("timeseries/AirPassengers.csv", "AirPassengers");
        var history = MLNet.Sequence.Forecasting.SeriesFrames.ToDataView(new[] { all.Slice(0, 132) }, new[] { "Value" });
        var options = MLNet.Sequence.Tests.Forecasting.ForecasterTests.AirRecipe();
        options.Model = new NBeatsOptions { LayerWidth = 16, NumberOfBlocks = 4, LayersPerBlock = 2, Interpretable = true, NumberOfEpochs = 10, Seed = 1 };
        using var forecaster = ml.Forecasting.SequenceForecaster(options).Fit(history);
        var windows = forecaster.Preparation.ForTraining(history);
        using var stream = new MemoryStream();
        ml.Model.ExportSequenceModelToOnnx(forecaster, history, stream);
        var path = Path.Combine(Path.GetTempPath(), $"nbeats-{Guid.NewGuid():N}.onnx");
        try
        {
            File.WriteAllBytes(path, stream.ToArray());
            using var onnx = ml.Transforms.ApplyOnnxModel(path).Fit(windows);
            AssertClose(Values(forecaster.Model.Transform(windows), "Score"), Values(onnx.Transform(windows), "Score"), "AirPassengers N-BEATS interpretable forecaster: Score (scaled units)");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void OneOnnxRuntimeCallScoresAWholeBatchWithPaddingInDifferentPlaces()
    {
        // ApplyOnnxModel feeds one row per call; a direct InferenceSession call takes [batch, steps]. Rows padded in
        // front, rows of padding only (empty texts) and full rows share one batch.
        var ml = new MLContext(1);
        var (train, _) = Sentiment(ml);
        var (_, testRows) = Splits.Split(TestData.Sentiment());
        var rows = testRows.Take(60).ToList();
        rows.Insert(7, new TestData.Sentence { Text = "" });
        rows.Add(new TestData.Sentence { Text = "" });
        var test = ml.Data.LoadFromEnumerable(rows);
        var prep = Splits.SentimentPreparation(ml).Fit(train);
        var trainPrepared = prep.Transform(train);
        var testPrepared = prep.Transform(test);
        var ids = testPrepared.GetColumn<uint[]>("Features").ToArray();
        Assert.IsTrue(ids[7].All(i => i == 0), "an empty text is all padding");
        foreach (var (name, trainer) in new (string, IEstimator<ITransformer>)[]
        {
            ("bidirectional LSTM, mean", ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { HiddenSize = 16, EmbeddingDimension = 16, Bidirectional = true, Pooling = SequencePooling.Mean, NumberOfEpochs = 1, Seed = 1 })),
            ("Transformer, last step", ml.BinaryClassification.Trainers.SequenceTransformer(new TransformerOptions { ModelDimension = 16, EmbeddingDimension = 16, NumberOfHeads = 2, NumberOfLayers = 1, FeedForwardDimension = 32, NumberOfEpochs = 1, Seed = 1 })),
            ("CNN, attention", ml.BinaryClassification.Trainers.SequenceCnn(new CnnOptions { Channels = 8, EmbeddingDimension = 16, Pooling = SequencePooling.Attention, NumberOfEpochs = 1, Seed = 1 })),
        })
        {
            using var model = (SequencePredictionTransformer)trainer.Fit(trainPrepared);
            var expected = model.Transform(testPrepared).GetColumn<float>("Score").ToArray();
            using var stream = new MemoryStream();
            ml.Model.ExportSequenceModelToOnnx(model, testPrepared, stream);
            using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(stream.ToArray());
            var tensor = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<uint>(ids.SelectMany(r => r).ToArray(), new[] { ids.Length, ids[0].Length });
            using var results = session.Run(new[] { Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("Features", tensor) });
            var scores = results.Single(r => r.Name == "Score").AsTensor<float>().ToArray();
            AssertClose(expected.Select(x => new[] { x }).ToArray(), scores.Select(x => new[] { x }).ToArray(), $"one call of {ids.Length} rows, {name}: Score");

            // Declared with a symbolic length, the same graph takes the rows cut to their last 20 steps (those with at
            // most 20 words lose only front padding, so their scores must not change) and rows of 40 (cut to 32 inside).
            using var dynamicStream = new MemoryStream();
            ml.Model.ExportSequenceModelToOnnx(model, testPrepared, dynamicStream, new SequenceOnnxExportOptions { DynamicSequenceLength = true });
            using var dynamicSession = new Microsoft.ML.OnnxRuntime.InferenceSession(dynamicStream.ToArray());
            var shortRows = Enumerable.Range(0, ids.Length).Where(r => ids[r].Count(i => i != 0) <= 20).ToArray();
            foreach (int length in new[] { 20, 40 })
            {
                var cut = shortRows.SelectMany(r => length <= 32 ? ids[r].Skip(32 - length) : Enumerable.Repeat(0u, length - 32).Concat(ids[r])).ToArray();
                var cutTensor = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<uint>(cut, new[] { shortRows.Length, length });
                using var cutResults = dynamicSession.Run(new[] { Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("Features", cutTensor) });
                var cutScores = cutResults.Single(r => r.Name == "Score").AsTensor<float>().ToArray();
                AssertClose(shortRows.Select(r => new[] { expected[r] }).ToArray(), cutScores.Select(x => new[] { x }).ToArray(), $"{shortRows.Length} rows of {length} steps, {name}: Score");
            }
        }
    }

    [TestMethod]
    public void TheForecastersNetworkScoresTheSameInOnnxRuntime()
    {
        // AirPassengers: the forecaster's windows (scaled per window) into its LSTM, point and quantile heads.
        var ml = new MLContext(1);
        var all = MLNet.Sequence.Tests.Forecasting.ForecasterTests.Monthly("timeseries/AirPassengers.csv", "AirPassengers");
        var history = MLNet.Sequence.Forecasting.SeriesFrames.ToDataView(new[] { all.Slice(0, 132) }, new[] { "Value" });
        foreach (var quantiles in new[] { null, new[] { 0.1f, 0.5f, 0.9f } })
        {
            var options = MLNet.Sequence.Tests.Forecasting.ForecasterTests.AirRecipe(quantiles);
            options.Model = new LstmOptions { HiddenSize = 16, NumberOfEpochs = 20, BatchSize = 16, Dropout = 0, Seed = 1 };
            using var forecaster = ml.Forecasting.SequenceForecaster(options).Fit(history);
            var windows = forecaster.Preparation.ForTraining(history);
            var path = Path.Combine(Path.GetTempPath(), $"forecaster-{Guid.NewGuid():N}.onnx");
            try
            {
                ml.Model.ExportSequenceModelToOnnx(forecaster, history, path);
                var torch = Values(forecaster.Model.Transform(windows), "Score");
                using var onnx = ml.Transforms.ApplyOnnxModel(path).Fit(windows);
                AssertClose(torch, Values(onnx.Transform(windows), "Score"), $"AirPassengers forecaster{(quantiles == null ? "" : ", quantiles")}: Score (scaled units)");
            }
            finally
            {
                File.Delete(path);
            }
        }
    }
}
