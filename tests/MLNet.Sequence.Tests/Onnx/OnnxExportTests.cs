using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Trainers;

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
}
