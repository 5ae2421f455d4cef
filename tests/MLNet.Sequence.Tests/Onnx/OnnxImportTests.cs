using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Transforms;

namespace MLNet.Sequence.Tests.Onnx;

/// <summary>
/// An external ONNX model (a PyTorch LSTM sentiment classifier exported by Fixtures/onnx/make_external_lstm.py) scored
/// in an ML.NET pipeline: this library's token encoding with the model's own vocabulary and its padding with a mask feed
/// ML.NET's ApplyOnnxModel, and the logits equal PyTorch's.
/// </summary>
[TestClass]
public sealed class OnnxImportTests
{
    public TestContext TestContext { get; set; } = null!;

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "onnx", name);

    private sealed class Expected
    {
        public int Row { get; init; }
        public long[] Ids { get; init; } = Array.Empty<long>();
        public float Logit { get; init; }
    }

    private static List<Expected> ReadExpected() => File.ReadLines(Fixture("expected.tsv")).Skip(1)
        .Select(l => l.Split('\t'))
        .Select(p => new Expected
        {
            Row = int.Parse(p[0], CultureInfo.InvariantCulture),
            Ids = p[1].Split(' ').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray(),
            Logit = float.Parse(p[2], CultureInfo.InvariantCulture),
        }).ToList();

    /// <summary>The recipe of docs/deployment.md: tokens → the model's ids (int64) → 40 steps with a mask → ONNX Runtime.</summary>
    private static IEstimator<ITransformer> Pipeline(MLContext ml) =>
        ml.Transforms.Text.NormalizeText("Norm", "Text", keepPunctuations: false)
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Norm"))
            .Append(ml.Transforms.EncodeTokens(new TokenEncodingEstimator.Options
            {
                OutputColumnName = "Ids", InputColumnName = "Tokens",
                Vocabulary = File.ReadAllLines(Fixture("vocab.txt")), OutputKind = DataKind.Int64,
            }))
            .Append(ml.Transforms.PadSequences(new PadSequencesEstimator.Options
            {
                OutputColumnName = "input_ids", InputColumnName = "Ids", Length = 40,
                Padding = SequenceEnd.Post, Truncation = SequenceEnd.Pre, MaskColumnName = "attention_mask",
            }))
            .Append(ml.Transforms.ApplyOnnxModel(new[] { "logits" }, new[] { "input_ids", "attention_mask" }, Fixture("external-lstm.onnx"),
                shapeDictionary: new Dictionary<string, int[]> { ["input_ids"] = new[] { 1, 40 }, ["attention_mask"] = new[] { 1, 40 } },
                gpuDeviceId: null, fallbackToCpu: false));

    [TestMethod]
    public void APyTorchLstmExportedToOnnxScoresAsInPyTorchBehindOurEncodingAndPadding()
    {
        var ml = new MLContext(1);
        var all = TestData.Sentiment();
        var expected = ReadExpected();
        Assert.HasCount(50, expected);
        var rows = ml.Data.LoadFromEnumerable(expected.Select(e => all[e.Row]).ToList());
        using var model = (IDisposable)Pipeline(ml).Fit(ml.Data.LoadFromEnumerable(all));
        var scored = ((ITransformer)model).Transform(rows);
        var ids = scored.GetColumn<long[]>("input_ids").ToList();
        var logits = scored.GetColumn<float[]>("logits").Select(a => a[0]).ToList();
        for (int i = 0; i < expected.Count; i++)
            CollectionAssert.AreEqual(expected[i].Ids, ids[i], $"row {expected[i].Row}: the ids our transforms give the model");
        double worst = expected.Zip(logits, (e, l) => Math.Abs(e.Logit - l)).Max();
        TestContext.WriteLine($"{expected.Count} sentences: ids equal, largest logit difference from PyTorch {worst:E2}");
        Assert.IsLessThan(1e-5, worst, "ONNX Runtime through ApplyOnnxModel against PyTorch's logits");

        // The whole chain, the ONNX model inside, saves in the one-zip format and scores the same after loading.
        var path = Path.Combine(Path.GetTempPath(), $"external-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.SaveSequenceModel((ITransformer)model, rows.Schema, path);
            using var loaded = (IDisposable)ml.Model.LoadSequenceModel(path, out _);
            var again = ((ITransformer)loaded).Transform(rows).GetColumn<float[]>("logits").Select(a => a[0]).ToList();
            CollectionAssert.AreEqual(logits, again, "the loaded chain's logits");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void AFixedVocabularyNumbersTokensInItsOrderAndRefusesDuplicates()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new TestData.Sentence { Text = "good bad unseen good" } });
        var tokens = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text");
        var encoded = tokens.Append(ml.Transforms.EncodeTokens(new TokenEncodingEstimator.Options
        {
            OutputColumnName = "Ids", InputColumnName = "Tokens", Vocabulary = new[] { "bad", "good" }, OutputKind = DataKind.Int32,
        })).Fit(data).Transform(data);
        CollectionAssert.AreEqual(new[] { 3, 2, 1, 3 }, encoded.GetColumn<int[]>("Ids").Single(), "bad = 2, good = 3, unknown = 1");
        var twice = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.EncodeTokens(new TokenEncodingEstimator.Options
        {
            OutputColumnName = "Ids", Vocabulary = new[] { "good", "bad", "good" },
        }));
        StringAssert.Contains(twice.Message, "'good' twice");
        var upper = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.EncodeTokens(new TokenEncodingEstimator.Options
        {
            OutputColumnName = "Ids", Vocabulary = new[] { "Good" },
        }));
        StringAssert.Contains(upper.Message, "LowerCase");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.EncodeTokens(new TokenEncodingEstimator.Options
        {
            OutputColumnName = "Ids", OutputKind = DataKind.Single,
        }));
    }
}
