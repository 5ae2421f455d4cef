using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Transforms;

namespace MLNet.Sequence.Tests;

[TestClass]
public sealed class PersistenceTests
{
    private string _dir = "";

    [TestInitialize]
    public void Init()
    {
        _dir = Path.Combine(Path.GetTempPath(), "mlnetseq-persist-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    /// <summary>Built-in and own transformers interleaved: text → tokens → ids → padded → one-hot, then built-in again.</summary>
    private static (ITransformer Model, IDataView Data) MixedChain(MLContext ml)
    {
        var data = ml.Data.LoadFromEnumerable(TestData.Sentiment());
        var model = ml.Transforms.Text.NormalizeText("Norm", "Text")
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Norm"))
            .Append(ml.Transforms.EncodeTokens("Ids", "Tokens", maximumVocabularySize: 2000))
            .Append(ml.Transforms.PadSequences("Padded", "Ids", length: 20, lengthColumnName: "Length"))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PaddedTokens", "Padded"))
            .Append(ml.Transforms.Conversion.ConvertType("LengthF", "Length", DataKind.Single))
            .Append(ml.Transforms.Conversion.MapValueToKey("LabelKey", "Source"))
            .Fit(data);
        return (model, data);
    }

    private static readonly string[] MixedOutputs = { "Norm", "Tokens", "Ids", "Padded", "Length", "PaddedTokens", "LengthF", "LabelKey" };

    [TestMethod]
    public void MixedChainRoundTripsWithIdenticalOutputs()
    {
        var ml = new MLContext(1);
        var (model, data) = MixedChain(ml);
        var path = Path.Combine(_dir, "model.zip");
        ml.Model.SaveSequenceModel(model, data.Schema, path);
        var loaded = ml.Model.LoadSequenceModel(path, out var schema);
        Assert.AreEqual(data.Schema.Count, schema.Count);
        for (int i = 0; i < schema.Count; i++)
        {
            Assert.AreEqual(data.Schema[i].Name, schema[i].Name);
            Assert.AreEqual(data.Schema[i].Type, schema[i].Type);
        }
        Assert.IsInstanceOfType<TransformerChain<ITransformer>>(loaded);
        Assert.AreEqual(((System.Collections.Generic.IEnumerable<ITransformer>)model).Count(), ((TransformerChain<ITransformer>)loaded).Count());
        TestData.AssertSameColumns(model.Transform(data), loaded.Transform(data), MixedOutputs);

        // The loaded model serves prediction engines too.
        var engine = ml.Model.CreatePredictionEngine<TestData.Sentence, PaddedOutput>(loaded);
        var p = engine.Predict(new TestData.Sentence { Text = "Great phone, works great." });
        Assert.HasCount(20, p.Padded);
        Assert.AreEqual(4, p.Length, "great | phone, | works | great.");

        using (var zip = ZipFile.OpenRead(path))
        {
            var names = zip.Entries.Select(e => e.FullName).ToList();
            Assert.Contains("manifest.json", names);
            Assert.IsTrue(names.Any(n => n.StartsWith("parts/000-mlnet.zip")), "the leading ML.NET run is one nested model");
            Assert.IsTrue(names.Any(n => n.StartsWith("parts/001-TokenEncoding/")));
            Assert.IsTrue(names.Any(n => n.StartsWith("parts/002-PadSequences/")));
            Assert.IsTrue(names.Any(n => n.StartsWith("parts/003-mlnet.zip")));
        }
    }

    private sealed class PaddedOutput
    {
        [KeyType(1999)]
        public uint[] Padded { get; set; } = Array.Empty<uint>();
        public int Length { get; set; }
    }

    [TestMethod]
    public void MlNetsOwnLoadCannotReadTheFileAsDocumented()
    {
        // docs/persistence.md says ML.NET's Model.Load fails on this library's files with its own message: keep it true.
        var ml = new MLContext(1);
        var path = Saved(ml);
        var e = Assert.Throws<Exception>(() => ml.Model.Load(path, out _));
        TestContext.WriteLine(e.GetType().Name + ": " + e.Message);
        StringAssert.Contains(e.Message, "legacy");
    }

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void PlainMlNetSaveNamesTheRightMethod()
    {
        var ml = new MLContext(1);
        var (model, data) = MixedChain(ml);
        var path = Path.Combine(_dir, "plain.zip");
        var e = Assert.Throws<Exception>(() => ml.Model.Save(model, data.Schema, path));
        Assert.Contains("SaveSequenceModel", e.Message);
        Assert.Contains("not a usable model", e.Message);
    }

    [TestMethod]
    public void SavingIsAtomic()
    {
        var ml = new MLContext(1);
        var (model, data) = MixedChain(ml);
        var path = Path.Combine(_dir, "model.zip");
        ml.Model.SaveSequenceModel(model, data.Schema, path);
        var good = File.ReadAllBytes(path);

        // A chain ML.NET cannot save (a custom mapping without a contract) fails mid-save: the old file stays as it was,
        // and no temporary file is left behind.
        var custom = ml.Transforms.CustomMapping<TestData.Sentence, LengthOut>((i, o) => o.N = i.Text.Length, contractName: null).Fit(data);
        var bad = new TransformerChain<ITransformer>(model, custom);
        Assert.Throws<Exception>(() => ml.Model.SaveSequenceModel(bad, data.Schema, path));
        CollectionAssert.AreEqual(good, File.ReadAllBytes(path));
        Assert.HasCount(1, Directory.GetFiles(_dir), "no temporary file left behind");

        var fresh = Path.Combine(_dir, "never.zip");
        Assert.Throws<Exception>(() => ml.Model.SaveSequenceModel(bad, data.Schema, fresh));
        Assert.IsFalse(File.Exists(fresh));
    }

    private sealed class LengthOut
    {
        public int N { get; set; }
    }

    private string Saved(MLContext ml)
    {
        var (model, data) = MixedChain(ml);
        var path = Path.Combine(_dir, "model.zip");
        ml.Model.SaveSequenceModel(model, data.Schema, path);
        return path;
    }

    [TestMethod]
    public void TruncatedFileIsRejected()
    {
        var ml = new MLContext(1);
        var path = Saved(ml);
        var bytes = File.ReadAllBytes(path);
        foreach (var keep in new[] { bytes.Length / 2, bytes.Length - 10, 10 })
        {
            File.WriteAllBytes(path, bytes.Take(keep).ToArray());
            var e = Assert.ThrowsExactly<InvalidDataException>(() => ml.Model.LoadSequenceModel(path, out _));
            Assert.Contains("not a usable MLNet.Sequence model", e.Message);
        }
    }

    [TestMethod]
    public void CorruptedEntryIsRejected()
    {
        var ml = new MLContext(1);
        var path = Saved(ml);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            var entry = zip.Entries.First(e => e.FullName.EndsWith("vocabulary.json"));
            string text;
            using (var r = new StreamReader(entry.Open())) text = r.ReadToEnd();
            entry.Delete();
            using var w = new StreamWriter(zip.CreateEntry(entry.FullName).Open());
            w.Write(text.Replace("\"the\"", "\"thx\""));
        }
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ml.Model.LoadSequenceModel(path, out _));
        Assert.Contains("vocabulary.json", e.Message);
        Assert.Contains("checksum", e.Message);
    }

    [TestMethod]
    public void ForeignFilesAreRejected()
    {
        var ml = new MLContext(1);
        var text = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(text, "hello");
        Assert.Contains("not a zip", Assert.ThrowsExactly<InvalidDataException>(() => ml.Model.LoadSequenceModel(text, out _)).Message);

        // A plain ML.NET model: point the user to mlContext.Model.Load.
        var data = ml.Data.LoadFromEnumerable(TestData.Sentiment().Take(20));
        var mlnet = Path.Combine(_dir, "mlnet.zip");
        ml.Model.Save(ml.Transforms.Text.TokenizeIntoWords("T", "Text").Fit(data), data.Schema, mlnet);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ml.Model.LoadSequenceModel(mlnet, out _));
        Assert.Contains("mlContext.Model.Load", e.Message);

        Assert.ThrowsExactly<FileNotFoundException>(() => ml.Model.LoadSequenceModel(Path.Combine(_dir, "missing.zip"), out _));
    }

    [TestMethod]
    public void FutureVersionIsRejected()
    {
        var ml = new MLContext(1);
        var path = Saved(ml);
        RewriteManifest(path, m => m.Replace("\"FormatVersion\": 1", "\"FormatVersion\": 99"));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ml.Model.LoadSequenceModel(path, out _));
        Assert.Contains("version 99", e.Message);
        Assert.Contains("Update MLNet.Sequence", e.Message);
    }

    [TestMethod]
    public void FuturePartVersionAndUnknownKindAreRejected()
    {
        var ml = new MLContext(1);
        var path = Saved(ml);
        RewriteManifest(path, m => m.Replace("\"Kind\": \"PadSequences\",\n      \"Version\": 1", "\"Kind\": \"PadSequences\",\n      \"Version\": 7"));
        Assert.Contains("PadSequences in format version 7", Assert.ThrowsExactly<InvalidDataException>(() => ml.Model.LoadSequenceModel(path, out _)).Message);

        path = Saved(ml);
        RewriteManifest(path, m => m.Replace("\"Kind\": \"PadSequences\"", "\"Kind\": \"Teleporter\""));
        Assert.Contains("'Teleporter'", Assert.ThrowsExactly<InvalidDataException>(() => ml.Model.LoadSequenceModel(path, out _)).Message);
    }

    /// <summary>Edits the manifest as text; with <paramref name="sign"/> its own checksum is recomputed, as a writer would.</summary>
    internal static void RewriteManifest(string path, Func<string, string> edit, bool sign = true)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        var entry = zip.GetEntry("manifest.json")!;
        string text;
        using (var r = new StreamReader(entry.Open())) text = r.ReadToEnd();
        var edited = edit(text);
        Assert.AreNotEqual(text, edited, "the manifest edit must apply");
        if (sign)
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(edited)!;
            var manifest = System.Text.Json.JsonSerializer.Deserialize<MLNet.Sequence.Persistence.SequenceModelFile.Manifest>(edited, MLNet.Sequence.Transforms.Persistence.PartJson.Options)!;
            node["Checksum"] = MLNet.Sequence.Persistence.SequenceModelFile.ContentChecksum(manifest);
            edited = node.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        }
        entry.Delete();
        using var w = new StreamWriter(zip.CreateEntry("manifest.json").Open(), new UTF8Encoding(false));
        w.Write(edited);
    }

    /// <summary>Edits one entry's text and re-signs it (its hash and the manifest's checksum), as a consistent but wrong writer would.</summary>
    internal static void RewriteEntry(string path, string entryName, Func<string, string> edit)
    {
        string edited;
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry(entryName)!;
            string text;
            using (var r = new StreamReader(entry.Open())) text = r.ReadToEnd();
            edited = edit(text);
            Assert.AreNotEqual(text, edited, "the entry edit must apply");
            entry.Delete();
            using var w = new StreamWriter(zip.CreateEntry(entryName).Open(), new UTF8Encoding(false));
            w.Write(edited);
        }
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(new UTF8Encoding(false).GetBytes(edited)));
        RewriteManifest(path, m => System.Text.RegularExpressions.Regex.Replace(m, $"(\"{System.Text.RegularExpressions.Regex.Escape(entryName)}\": \")[0-9A-F]+", "${1}" + hash));
    }

    [TestMethod]
    public void MissingFieldsInAPartAreClearErrors()
    {
        var ml = new MLContext(1);
        var fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "v1", "sentiment-lstm.zip");
        void Case(string entry, Func<string, string> edit, string expected)
        {
            var path = Path.Combine(_dir, $"edited-{Guid.NewGuid():N}.zip");
            File.Copy(fixture, path);
            RewriteEntry(path, entry, edit);
            StringAssert.Contains(LoadError(ml, path), expected);
        }
        Case("parts/003-SequenceModel/config.json", j => j.Replace("\"Columns\": [\n      \"Features\"\n    ]", "\"Columns\": null"), "lacks 'Columns'");
        Case("parts/003-SequenceModel/config.json", j => System.Text.RegularExpressions.Regex.Replace(j, "\"Label\": \\{[^}]*\\}", "\"Label\": null"), "lacks 'Label'");
        Case("parts/003-SequenceModel/config.json", j => j.Replace("\"Encoder\": \"Lstm\"", "\"Encoder\": \"Hopfield\""), "not valid JSON");
        Case("parts/003-SequenceModel/config.json", j => j.Replace("\"Quantiles\": null\n  },", "\"Quantiles\": [\n      0.1,\n      0.9\n    ]\n  },"), "disagree");
        Case("parts/002-PadSequences/config.json", j => System.Text.RegularExpressions.Regex.Replace(j, "\"Length\": \\d+", "\"Length\": 0"), "Length = 0");
        Case("parts/001-TokenEncoding/vocabulary.json", j => j.Replace("\"Counts\": [", "\"Counts\": [ 1,"), "differ in length");
    }

    private static string LoadError(MLContext ml, string path)
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ml.Model.LoadSequenceModel(path, out _));
        Assert.Contains($"'{path}'", e.Message, "the message names the file");
        return e.Message;
    }

    [TestMethod]
    public void DamagedManifestsAreClearErrors()
    {
        var ml = new MLContext(1);
        // Null lists: no NullReferenceException, the usual message.
        var path = Saved(ml);
        RewriteManifest(path, m => System.Text.RegularExpressions.Regex.Replace(m, "\"Parts\": \\[[^\\]]*\\]", "\"Parts\": null"), sign: false);
        StringAssert.Contains(LoadError(ml, path), "has no list of parts");
        path = Saved(ml);
        RewriteManifest(path, m => System.Text.RegularExpressions.Regex.Replace(m, "\"Sha256\": \\{[^}]*\\}", "\"Sha256\": null"), sign: false);
        StringAssert.Contains(LoadError(ml, path), "has no checksums");

        // A manifest with its parts removed but its checksums intact, consistently signed: the entries belong to no part,
        // so it cannot load as an empty chain that scores nothing.
        path = Saved(ml);
        RewriteManifest(path, m => System.Text.RegularExpressions.Regex.Replace(m, "\"Parts\": \\[[^\\]]*\\]", "\"Parts\": []"));
        StringAssert.Contains(LoadError(ml, path), "belongs to none of the parts");

        // A field name damaged: not silently ignored (which would switch the checksum off).
        path = Saved(ml);
        RewriteManifest(path, m => m.Replace("\"Checksum\"", "\"Chxcksum\""), sign: false);
        StringAssert.Contains(LoadError(ml, path), "cannot be read");

        // Any change to the manifest that its writer did not sign.
        path = Saved(ml);
        RewriteManifest(path, m => m.Replace("\"TransformerCount\": 1", "\"TransformerCount\": 2"), sign: false);
        StringAssert.Contains(LoadError(ml, path), "does not match its own checksum");
    }

    [TestMethod]
    public void CorruptCentralDirectoryNamesTheFile()
    {
        var ml = new MLContext(1);
        var path = Saved(ml);
        var bytes = File.ReadAllBytes(path);
        // The central directory starts with signature PK\x01\x02; break the first record's signature.
        int at = -1;
        for (int i = bytes.Length - 4; i >= 0; i--)
            if (bytes[i] == 0x50 && bytes[i + 1] == 0x4B && bytes[i + 2] == 0x01 && bytes[i + 3] == 0x02) at = i;
        Assert.IsGreaterThanOrEqualTo(0, at);
        bytes[at + 2] = 0x07;
        File.WriteAllBytes(path, bytes);
        StringAssert.Contains(LoadError(ml, path), "not a usable MLNet.Sequence model");
    }

    [TestMethod]
    public void TemporaryFilesOfKilledSavesAreCleanedUpByTheNextSave()
    {
        var ml = new MLContext(1);
        var (model, data) = MixedChain(ml);
        var path = Path.Combine(_dir, "model.zip");
        // A process that has ended, as one killed with SIGKILL mid-save would have.
        using var gone = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("true") { UseShellExecute = false })!;
        gone.WaitForExit();
        var orphan = Path.Combine(_dir, $".model.zip.{gone.Id}.{Guid.NewGuid():N}.tmp");
        var inFlight = Path.Combine(_dir, $".model.zip.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");   // a save still running here
        var oldStyle = Path.Combine(_dir, $".model.zip.{Guid.NewGuid():N}.tmp");
        var recentOldStyle = Path.Combine(_dir, $".model.zip.{Guid.NewGuid():N}.tmp");
        var notOurs = Path.Combine(_dir, ".model.zip.backup.tmp");
        foreach (var f in new[] { orphan, inFlight, oldStyle, recentOldStyle, notOurs })
            File.WriteAllText(f, "partial");
        File.SetLastWriteTimeUtc(oldStyle, DateTime.UtcNow.AddHours(-2));
        ml.Model.SaveSequenceModel(model, data.Schema, path);
        Assert.IsFalse(File.Exists(orphan), "left by a process that is gone");
        Assert.IsFalse(File.Exists(oldStyle), "older naming, untouched for hours");
        Assert.IsTrue(File.Exists(inFlight), "a save of this process may still be writing it");
        Assert.IsTrue(File.Exists(recentOldStyle), "older naming, written just now");
        Assert.IsTrue(File.Exists(notOurs), "not a name this library writes");
        ml.Model.LoadSequenceModel(path, out _);
    }

    [TestMethod]
    public void StreamOverloadsRoundTrip()
    {
        var ml = new MLContext(1);
        var (model, data) = MixedChain(ml);
        using var ms = new MemoryStream();
        ml.Model.SaveSequenceModel(model, data.Schema, ms);
        ms.Position = 0;
        var loaded = ml.Model.LoadSequenceModel(ms, out _);
        TestData.AssertSameColumns(model.Transform(data), loaded.Transform(data), new[] { "Padded", "LabelKey" });
    }
}
