using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Forecasting;
using MLNet.Sequence.Tests.Support;

namespace MLNet.Sequence.Tests.Persistence;

/// <summary>
/// Model files written by an earlier build (Fixtures/v1, written by tests/MLNet.Sequence.FixtureWriter before the
/// stored formats moved behind explicit records) must keep loading and scoring the same, and a model saved today must
/// store the same entries with the same fields: a renamed property cannot change the format silently.
/// </summary>
[TestClass]
public sealed class FormatFixtureTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name.Contains('/') ? "" : "v1", name);

    private static Dictionary<string, float[][]> Expected(string folder = "v1") =>
        JsonSerializer.Deserialize<Dictionary<string, float[][]>>(File.ReadAllText(Fixture(folder + "/expected.json")))!;

    private static void AssertClose(float[][] expected, IReadOnlyList<float[]> actual, string what)
    {
        Assert.HasCount(expected.Length, actual, what + ": rows");
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.HasCount(expected[i].Length, actual[i], $"{what}: row {i} size");
            for (int j = 0; j < expected[i].Length; j++)
                // 1e-5 relative (at least 1e-5 absolute): a few float32 ulps, room for a kernel that sums in another order.
                Assert.AreEqual(expected[i][j], actual[i][j], 1e-5 * Math.Max(1, Math.Abs(expected[i][j])), $"{what}: row {i}, item {j}");
        }
    }

    private static List<float[]> Floats(IDataView data, string column) =>
        TestData.Column(data, column).Select(o => o is object[] a ? a.Cast<float>().ToArray() : new[] { (float)o! }).ToList();

    [TestMethod]
    public void TextChainWithLstmLoadsAndScoresAsWritten()
    {
        var ml = new MLContext(1);
        using var model = (TransformerChain<ITransformer>)ml.Model.LoadSequenceModel(Fixture("sentiment-lstm.zip"), out var schema);
        var rows = ml.Data.LoadFromEnumerable(TestData.Sentiment().Take(20));
        AssertClose(Expected()["sentiment-lstm"], Floats(model.Transform(rows), "Score"), "sentiment LSTM score");
        Assert.AreEqual("Text", schema["Text"].Name);
        AssertSameStructureWhenSavedAgain(ml, model, schema, "sentiment-lstm.zip");
    }

    [TestMethod]
    public void OneHotCnnLoadsAndScoresAsWritten()
    {
        var ml = new MLContext(1);
        using var model = (TransformerChain<ITransformer>)ml.Model.LoadSequenceModel(Fixture("splice-cnn.zip"), out var schema);
        var rows = ml.Data.LoadFromEnumerable(TestData.SpliceDna().Where((_, i) => i % 7 == 0).Take(20));
        AssertClose(Expected()["splice-cnn"], Floats(model.Transform(rows), "Score"), "splice CNN class probabilities");
        AssertSameStructureWhenSavedAgain(ml, model, schema, "splice-cnn.zip");
    }

    [TestMethod]
    public void WindowedGruRegressionLoadsAndScoresAsWritten()
    {
        var ml = new MLContext(1);
        using var model = (TransformerChain<ITransformer>)ml.Model.LoadSequenceModel(Fixture("weather-gru.zip"), out var schema);
        var rows = ml.Data.LoadFromEnumerable(Splits.Seattle().Take(400));
        AssertClose(Expected()["weather-gru"], Floats(ml.Data.TakeRows(model.Transform(rows), 20), "Prediction"), "weather GRU prediction");
        AssertSameStructureWhenSavedAgain(ml, model, schema, "weather-gru.zip");
    }

    [TestMethod]
    public void QuantileTransformerForecasterLoadsAndForecastsAsWritten()
    {
        var ml = new MLContext(1);
        using var chain = (TransformerChain<ITransformer>)ml.Model.LoadSequenceModel(Fixture("air-transformer-forecaster.zip"), out var schema);
        var forecaster = chain.OfType<SequenceForecastTransformer>().Single();
        var p = TestData.AirPassengers();
        var history = SeriesFrame.Univariate("AirPassengers", p.Select(x => x.Value).ToArray(), p.Select(x => x.Time).ToArray());
        var f = forecaster.Forecast(history, 6);
        AssertClose(Expected()["air-transformer-forecaster"], new[] { f.Point[0] }.Concat(f.Quantiles![0]).ToList(), "AirPassengers forecast (point, q0.1, q0.5, q0.9)");
        AssertSameStructureWhenSavedAgain(ml, chain, schema, "air-transformer-forecaster.zip");
    }

    /// <summary>
    /// Fields added after the v1 fixtures were written, which version-1 readers ignore (System.Text.Json skips unknown
    /// properties), so the format version stays 1. Anything else new, or anything missing, fails the test.
    /// </summary>
    private static readonly System.Collections.Generic.Dictionary<string, string[]> AddedSinceV1 = new()
    {
        ["manifest.json"] = new[] { "$.Checksum" },   // 2026-12-03: the manifest's own checksum
        // 2026-12-03: the thread count training ran with; 2026-12-04: N-BEATS' network fields (defaults when absent).
        ["config.json"] = new[] { "$.TrainingThreads", "$.Network.BlockLayers", "$.Network.Interpretable", "$.Network.TrendDegree", "$.Network.OutputSteps" },
    };

    /// <summary>
    /// Fixtures/seq2seq: a letters-to-phonemes GRU written before ensembles existed (part version 1, by the library at
    /// commit 5ad0632) and an ensemble of two GRUs (part version 2, the first version that stores ensembles). Both load
    /// and decode the same keys with the same scores, and save again with the same entries and fields.
    /// </summary>
    [TestMethod]
    [DataRow("g2p-gru", 1)]
    [DataRow("g2p-ensemble", 2)]
    public void SequenceToSequenceModelsLoadAndDecodeAsWritten(string name, int members)
    {
        var ml = new MLContext(1);
        using var model = (TransformerChain<ITransformer>)ml.Model.LoadSequenceModel(Fixture($"seq2seq/{name}.zip"), out var schema);
        Assert.AreEqual(members, ((SequenceToSequenceTransformer)model.LastTransformer).EnsembleSize);
        var rows = ml.Data.LoadFromEnumerable(File.ReadLines(TestData.PathOf("seq2seq/cmudict-sample.tsv")).Skip(1).Take(20)
            .Select(l => l.Split('\t')).Select(p => new Spelling { Word = p[0], Phonemes = p[1] }).ToList());
        var scored = model.Transform(rows);
        var keys = scored.GetColumn<VBuffer<uint>>("PredictedLabel").ToList();
        var scores = scored.GetColumn<float>("Score").ToList();
        var actual = keys.Select((k, i) => new[] { scores[i] }.Concat(k.DenseValues().Select(x => (float)x)).ToArray()).ToList();
        AssertClose(Expected("seq2seq")[name], actual, name + ": score and keys");
        AssertSameStructureWhenSavedAgain(ml, model, schema, $"seq2seq/{name}.zip");
    }

    public sealed class Spelling
    {
        public string Word { get; set; } = "";
        public string Phonemes { get; set; } = "";
    }

    /// <summary>
    /// Fields that version 1 wrote but no reader ever read: values the first forecaster format derived from others and
    /// System.Text.Json wrote because they were public properties (it never sets a get-only property when reading).
    /// </summary>
    private static readonly System.Collections.Generic.Dictionary<string, string[]> DroppedSinceV1 = new()
    {
        ["config.json"] = new[] { "$.AllFutureColumns", "$.Step" },
    };

    /// <summary>Saving the loaded model again writes the same entries, and every JSON entry has the same property paths.</summary>
    private static void AssertSameStructureWhenSavedAgain(MLContext ml, ITransformer model, DataViewSchema schema, string fixture)
    {
        var path = Path.Combine(Path.GetTempPath(), $"mlnetseq-fixture-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.SaveSequenceModel(model, schema, path);
            using var before = ZipFile.OpenRead(Fixture(fixture));
            using var after = ZipFile.OpenRead(path);
            CollectionAssert.AreEquivalent(Names(before), Names(after), $"{fixture}: the entries of a model saved today");
            foreach (var entry in before.Entries.Where(e => e.FullName.EndsWith(".json", StringComparison.Ordinal)))
            {
                var old = Paths(Read(entry));
                var now = Paths(Read(after.GetEntry(entry.FullName)!));
                var dropped = DroppedSinceV1.TryGetValue(Path.GetFileName(entry.FullName), out var d) ? d : Array.Empty<string>();
                foreach (var field in old.Except(dropped))
                    CollectionAssert.Contains(now, field, $"{fixture}: {entry.FullName} still writes {field}");
                var added = now.Except(old).ToList();
                var allowed = AddedSinceV1.TryGetValue(Path.GetFileName(entry.FullName), out var a) ? a : Array.Empty<string>();
                CollectionAssert.IsSubsetOf(added, allowed, $"{fixture}: {entry.FullName} has fields that version 1 did not have: {string.Join(", ", added)}");
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static List<string> Names(ZipArchive zip) => zip.Entries.Select(e => e.FullName).ToList();

    private static JsonElement Read(ZipArchiveEntry e)
    {
        using var s = e.Open();
        return JsonDocument.Parse(s).RootElement.Clone();
    }

    /// <summary>Every property path in a JSON document (array items share the path "[]"; dictionary keys of hashes are left out).</summary>
    private static List<string> Paths(JsonElement root)
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        void Walk(JsonElement e, string at)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var p in e.EnumerateObject())
                    {
                        string name = at.EndsWith("Sha256", StringComparison.Ordinal) || at.EndsWith("Series", StringComparison.Ordinal) || at.EndsWith("Tokens", StringComparison.Ordinal) ? "*" : p.Name;
                        paths.Add(at + "." + name);
                        Walk(p.Value, at + "." + name);
                    }
                    break;
                case JsonValueKind.Array:
                    foreach (var item in e.EnumerateArray())
                        Walk(item, at + "[]");
                    break;
            }
        }
        Walk(root, "$");
        return paths.ToList();
    }
}
