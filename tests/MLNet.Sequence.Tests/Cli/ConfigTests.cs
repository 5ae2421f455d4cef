using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Cli.Config;
using MLNet.Sequence.Cli.Data;
using MLNet.Sequence.Cli.Workflow;

namespace MLNet.Sequence.Tests.Cli;

/// <summary>The config file: the bundled ones load, bad ones are refused with the field's path, the schema matches the classes.</summary>
[TestClass]
public sealed class ConfigTests
{
    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "MLNet.Sequence.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("The repository root (MLNet.Sequence.sln) was not found above the test assembly.");
    }

    internal static string Bundled(string name) => Path.Combine(RepoRoot(), "examples", "configs", name + ".json");

    /// <summary>A bundled config's JSON with the data paths made absolute, written to a temporary folder with a few changes.</summary>
    /// <summary>Writes the first <paramref name="sentences"/> sentences of the bundled Brown news CoNLL file to <paramref name="path"/>.</summary>
    internal static void WriteBrownSentences(string path, int sentences)
    {
        var lines = File.ReadLines(Path.Combine(RepoRoot(), "data", "tagging", "brown_news_pos.conll")).ToList();
        int blank = -1;
        for (int n = 0; n < sentences; n++)
            blank = lines.IndexOf("", blank + 1);
        File.WriteAllLines(path, lines.Take(blank + 1));
    }

    internal static string Variant(string name, string folder, Action<JsonObject> change)
    {
        var json = JsonNode.Parse(File.ReadAllText(Bundled(name)))!.AsObject();
        var data = json["data"]!.AsObject();
        foreach (var field in new[] { "path", "testPath" })
            if (data[field] is JsonNode relative)
                data[field] = Path.GetFullPath(Path.Combine(RepoRoot(), "examples", "configs", relative.GetValue<string>()));
        json["output"] = "output";
        json.Remove("$schema");
        change(json);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name + ".json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    internal static string TempFolder() => Path.Combine(Path.GetTempPath(), "mlnetseq-cli-" + Guid.NewGuid().ToString("N"));

    private static ConfigException Refused(Action<JsonObject> change, string name = "sentiment")
    {
        var folder = TempFolder();
        try
        {
            var path = Variant(name, folder, change);
            return Assert.ThrowsExactly<ConfigException>(() => WorkflowConfig.Load(path));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void TheBundledConfigsLoad()
    {
        foreach (var name in new[] { "sentiment", "splice", "airpassengers", "sentiment-sweep", "brown-pos", "fsdd", "fsdd-sweep", "machine-temperature" })
        {
            var c = WorkflowConfig.Load(Bundled(name));
            Assert.AreEqual(WorkflowConfig.CurrentVersion, c.Version, name);
            Assert.IsTrue(File.Exists(c.Resolve(c.Data.Path)), name);
        }
        Assert.IsNotNull(WorkflowConfig.Load(Bundled("sentiment-sweep")).Sweep);
    }

    [TestMethod]
    public void BadConfigsAreRefusedWithTheFieldAndWhatWasExpected()
    {
        var unknown = Refused(j => j["trainr"] = new JsonObject());
        StringAssert.Contains(unknown.Message, "trainr");
        StringAssert.Contains(unknown.Message, "unknown field");

        var nested = Refused(j => j["preprocessing"]!["padLenght"] = 8);
        StringAssert.Contains(nested.Message, "padLenght");

        Assert.AreEqual("version", Refused(j => j["version"] = 2).Field);
        StringAssert.Contains(Refused(j => j.Remove("version")).Message, "version: missing");
        StringAssert.Contains(Refused(j => j["task"] = "clustering").Message, "task: must be one of binary, multiclass, regression, forecasting, tagging, speech, anomaly, seq2seq, recommendation, generation; it was 'clustering'");
        // Task speech: the audio section, and what does not apply to it.
        StringAssert.Contains(Refused(j => j["audio"] = new JsonObject { ["sampleRate"] = 8000 }).Message, "audio: only applies to task 'speech'; this task is 'binary'");
        StringAssert.Contains(Refused(j => j["audio"]!["features"] = "spectrogram", "fsdd").Message, "audio.features: must be mfcc or logmel; it was 'spectrogram'");
        StringAssert.Contains(Refused(j => j["audio"]!["sampleRate"] = 100, "fsdd").Message, "audio.sampleRate: must be between 1000 and 384000 Hz; it was 100");
        StringAssert.Contains(Refused(j => j["preprocessing"] = new JsonObject { ["tokenizer"] = "words" }, "fsdd").Message, "preprocessing: does not apply to task 'speech'");
        StringAssert.Contains(Refused(j => { j.Remove("trainer"); j["sweep"] = new JsonObject { ["maximumTrials"] = 2, ["metric"] = "rmse" }; }, "fsdd").Message,
            "sweep.metric: for task 'multiclass' must be one of macroAccuracy, microAccuracy, logLoss");
        StringAssert.Contains(Refused(j => j["data"]!["columns"]![0]!["type"] = "number", "fsdd").Message, "input: column 'file' must have type 'text' (the path of a WAV file");
        StringAssert.Contains(Refused(j => j["label"] = "stars").Message, "label: 'stars' is not a column of data.columns (source, label, text)");
        StringAssert.Contains(Refused(j => j["input"] = "label").Message, "input: must differ from 'label'");
        StringAssert.Contains(Refused(j => j["data"]!["columns"]![1]!["type"] = "integer").Message, "data.columns[1].type: must be one of text, number, boolean, date; it was 'integer'");
        StringAssert.Contains(Refused(j => j["data"]!["columns"]![1]!["type"] = "number").Message, "task 'binary' needs a boolean label column");
        StringAssert.Contains(Refused(j => j["data"]!["path"] = "/nowhere/data.tsv").Message, "data.path: no file at '/nowhere/data.tsv'");
        StringAssert.Contains(Refused(j => j["preprocessing"]!["tokenizer"] = "onehot").Message, "preprocessing.alphabet: required for tokenizer 'onehot'");
        StringAssert.Contains(Refused(j => j["split"]!["testFraction"] = 1.5).Message, "split.testFraction: must be in (0, 1); it was 1.5");
        StringAssert.Contains(Refused(j => j["sweep"] = new JsonObject { ["tuner"] = "tpe" }).Message, "sweep: give either 'trainer'");
        StringAssert.Contains(Refused(j => j["task"] = 3).Message, "task: not the expected JSON type");
        StringAssert.Contains(Refused(j => j["trainer"]!["family"] = "nbeats").Message, "trainer.family: nbeats is a forecasting model");
        StringAssert.Contains(Refused(j => j["trainer"]!["family"] = "deepar").Message, "trainer.family: deepar is a forecasting model");
        // DeepAR: the forecasting section owns columns, horizon, context and quantiles; options are checked by name and type.
        StringAssert.Contains(Refused(j => j["trainer"] = new JsonObject { ["family"] = "deepar", ["options"] = new JsonObject { ["Horizon"] = 6 } }, "airpassengers").Message,
            "trainer.options.Horizon: is set by the forecasting section");
        StringAssert.Contains(Refused(j => j["trainer"] = new JsonObject { ["family"] = "deepar", ["options"] = new JsonObject { ["Lags"] = new JsonArray(1, 2.5) } }, "airpassengers").Message,
            "trainer.options.Lags: expected an array of integers");
        StringAssert.Contains(Refused(j => j["trainer"] = new JsonObject { ["family"] = "deepar", ["options"] = new JsonObject { ["Likelihood"] = "Poisson" } }, "airpassengers").Message,
            "trainer.options.Likelihood: expected one of Gaussian, StudentT, NegativeBinomial");
        StringAssert.Contains(Refused(j => { j.Remove("trainer"); j["sweep"] = new JsonObject { ["maximumTrials"] = 2, ["families"] = new JsonArray("deepar") }; }, "airpassengers").Message,
            "DeepAR is trained with a trainer section, not swept");

        // Trainer options bind by their C# names, and the list of what the family accepts comes with a miss.
        var option = Refused(j => j["trainer"]!["options"]!["HiddenSise"] = 64);
        Assert.AreEqual("trainer.options.HiddenSise", option.Field);
        StringAssert.Contains(option.Message, "CnnOptions has no settable option 'HiddenSise'. Options: ");
        StringAssert.Contains(option.Message, "Channels");
        StringAssert.Contains(Refused(j => j["trainer"]!["options"]!["Channels"] = "wide").Message, "trainer.options.Channels: expected an integer; it was \"wide\"");
        StringAssert.Contains(Refused(j => j["trainer"]!["options"]!["Pooling"] = "Median").Message, "expected one of Last, Mean, Max, Attention, Flatten");
        StringAssert.Contains(Refused(j => j["trainer"]!["options"]!["LabelColumnName"] = "x").Message, "no settable option 'LabelColumnName'");

        StringAssert.Contains(Refused(j => j["forecasting"]!["timeStep"] = "1 fortnight", "airpassengers").Message, "forecasting.timeStep: unknown unit 'fortnight'");
        StringAssert.Contains(Refused(j => j["forecasting"]!["valueColumns"] = new JsonArray("time"), "airpassengers").Message, "column 'time' must have type number");
        StringAssert.Contains(Refused(j => j["split"] = new JsonObject { ["testFraction"] = 0.2 }, "airpassengers").Message, "split.testFraction: does not apply to forecasting");
    }

    [TestMethod]
    public void BadTaggingConfigsAreRefusedWithTheField()
    {
        StringAssert.StartsWith(Refused(j => j["data"]!["format"] = "delimited", "brown-pos").Message, "data.format:");
        StringAssert.StartsWith(Refused(j => j["tagging"]!["scheme"] = "bio", "brown-pos").Message, "tagging.scheme:");
        StringAssert.StartsWith(Refused(j => j["tagging"]!["constrainTransitions"] = true, "brown-pos").Message, "tagging.constrainTransitions:");
        StringAssert.StartsWith(Refused(j => j["trainer"]!["family"] = "nbeats", "brown-pos").Message, "trainer.family:");
        StringAssert.StartsWith(Refused(j => j["trainer"]!["options"]!["Pooling"] = "Max", "brown-pos").Message, "trainer.options.Pooling:");
        StringAssert.StartsWith(Refused(j => j["label"] = "x", "brown-pos").Message, "label:");
        StringAssert.StartsWith(Refused(j => j["sweep"] = new JsonObject { ["minutes"] = 1 }, "brown-pos").Message, "sweep: give either 'trainer'");
        StringAssert.StartsWith(Refused(j => { j.Remove("trainer"); j["sweep"] = new JsonObject { ["maximumTrials"] = 2, ["metric"] = "entityF1" }; }, "brown-pos").Message,
            "sweep.metric: entityF1 needs a chunk scheme");
        StringAssert.StartsWith(Refused(j => { j.Remove("trainer"); j["sweep"] = new JsonObject { ["maximumTrials"] = 2, ["metric"] = "accuracy" }; }, "brown-pos").Message,
            "sweep.metric: for task 'tagging' must be one of tokenAccuracy, macroF1, entityF1");
        StringAssert.StartsWith(Refused(j => { j.Remove("trainer"); j["sweep"] = new JsonObject { ["maximumTrials"] = 2, ["crossValidationFolds"] = 3 }; }, "brown-pos").Message,
            "sweep.crossValidationFolds: does not apply to task 'tagging'");
        StringAssert.StartsWith(Refused(j => { j.Remove("trainer"); j["sweep"] = new JsonObject { ["maximumTrials"] = 2, ["ensembleSize"] = 3 }; }, "brown-pos").Message,
            "sweep.ensembleSize: averages classifiers and regressors only");
        StringAssert.StartsWith(Refused(j => { j.Remove("trainer"); j["sweep"] = new JsonObject { ["maximumTrials"] = 2, ["refitSeeds"] = 3 }; }, "brown-pos").Message,
            "sweep.refitSeeds: averages classifiers and regressors only");
        StringAssert.StartsWith(Refused(j => { j.Remove("trainer"); j["sweep"] = new JsonObject { ["maximumTrials"] = 2, ["refitSeeds"] = 0 }; }, "splice").Message,
            "sweep.refitSeeds: must be at least 1");
        StringAssert.StartsWith(Refused(j => j["tagging"] = new JsonObject(), "sentiment").Message, "tagging:");
    }

    [TestMethod]
    public void BadAnomalyConfigsAreRefusedWithTheField()
    {
        const string M = "machine-temperature";
        StringAssert.StartsWith(Refused(j => j["anomaly"]!["valueColumn"] = "timestamp", M).Message, "anomaly.valueColumn: column 'timestamp' must have type 'number'");
        StringAssert.StartsWith(Refused(j => j["anomaly"]!["valueColumn"] = "temperature", M).Message, "anomaly.valueColumn: 'temperature' is not a column");
        StringAssert.StartsWith(Refused(j => j["anomaly"]!["timeColumn"] = "value", M).Message, "anomaly.timeColumn: column 'value' must have type 'date'");
        StringAssert.StartsWith(Refused(j => j["anomaly"]!.AsObject().Remove("timeColumn"), M).Message, "anomaly.windows: are written in times");
        StringAssert.StartsWith(Refused(j => j["anomaly"]!["windows"]![1]![0] = "yesterday", M).Message, "anomaly.windows[1]: 'yesterday' is not a time");
        StringAssert.StartsWith(Refused(j => j["anomaly"]!["windows"]![0] = new JsonArray("2014-01-02 00:00:00", "2014-01-01 00:00:00"), M).Message, "anomaly.windows[0]: must start before it ends");
        StringAssert.StartsWith(Refused(j => j["anomaly"]!["labelColumn"] = "timestamp", M).Message, "anomaly.labelColumn: column 'timestamp' must be boolean (or 0/1 numbers); it is 'date'");
        StringAssert.StartsWith(Refused(j => j["anomaly"]!["labelColumn"] = "value", M).Message, "anomaly.windows: give either labelColumn or windows");
        StringAssert.StartsWith(Refused(j => j.Remove("anomaly"), M).Message, "anomaly: an anomaly config needs an 'anomaly' section");
        StringAssert.StartsWith(Refused(j => j["trainer"]!["family"] = "lstm", M).Message, "trainer.family: must be one of forecastResidual, reconstruction, windowedGaussian");
        StringAssert.StartsWith(Refused(j => j["trainer"]!["options"] = new JsonObject { ["InputColumnName"] = "x" }, M).Message, "trainer.options.InputColumnName: is set by the tool");
        StringAssert.StartsWith(Refused(j => j["trainer"]!["options"] = new JsonObject { ["WindowLenght"] = 8 }, M).Message, "trainer.options.WindowLenght: SequenceAnomalyDetectorOptions has no settable option");
        StringAssert.StartsWith(Refused(j => j["sweep"] = new JsonObject { ["minutes"] = 1 }, M).Message, "sweep: give either 'trainer' (one detector) or 'sweep'");
        StringAssert.StartsWith(Refused(j => { j.Remove("trainer"); j["anomaly"]!.AsObject().Remove("windows"); j["sweep"] = new JsonObject { ["minutes"] = 1 }; }, M).Message,
            "sweep: ranks detectors by how they find labelled anomalies: give anomaly.labelColumn or anomaly.windows");
        StringAssert.StartsWith(Refused(j => { j.Remove("trainer"); j["sweep"] = new JsonObject { ["minutes"] = 1, ["metric"] = "accuracy" }; }, M).Message,
            "sweep.metric: for task 'anomaly' must be one of auc, nabStandard");
        StringAssert.StartsWith(Refused(j => { j.Remove("trainer"); j["sweep"] = new JsonObject { ["minutes"] = 1, ["families"] = new JsonArray("windowedGaussian") }; }, M).Message,
            "sweep.families: 'windowedGaussian' is not one of forecastResidual, reconstruction");
        StringAssert.StartsWith(Refused(j => { j.Remove("trainer"); j["sweep"] = new JsonObject { ["minutes"] = 1, ["families"] = new JsonArray("reconstruction", "reconstruction") }; }, M).Message,
            "sweep.families: names a family twice");
        StringAssert.StartsWith(Refused(j => { j.Remove("trainer"); j["sweep"] = new JsonObject { ["minutes"] = 1, ["crossValidationFolds"] = 3 }; }, M).Message,
            "sweep.crossValidationFolds: does not apply to anomaly detection");
        StringAssert.StartsWith(Refused(j => j["split"] = new JsonObject { ["testFraction"] = 0.2 }, M).Message, "split: does not apply to task 'anomaly'");
        StringAssert.StartsWith(Refused(j => j["label"] = "value", M).Message, "label: does not apply to task 'anomaly'");
        StringAssert.StartsWith(Refused(j => j["anomaly"] = new JsonObject { ["valueColumn"] = "value" }).Message, "anomaly: only applies to task 'anomaly'");
    }

    [TestMethod]
    public void TheOptionsBinderSetsEveryKindOfValue()
    {
        var o = (LstmOptions)TrainerOptionsBinder.Create("lstm", new JsonObject
        {
            ["HiddenSize"] = 48, ["Dropout"] = 0, ["Bidirectional"] = true, ["Pooling"] = "max", ["NumberOfEpochs"] = null, ["LearningRate"] = 0.003,
        }, "trainer.options");
        Assert.AreEqual(48, o.HiddenSize);
        Assert.AreEqual(0f, o.Dropout);
        Assert.IsTrue(o.Bidirectional);
        Assert.AreEqual(MLNet.Sequence.Trainers.SequencePooling.Max, o.Pooling);
        Assert.IsNull(o.NumberOfEpochs);
        Assert.AreEqual(0.003, o.LearningRate, 1e-12);
        var changed = TrainerOptionsBinder.Changed(o);
        CollectionAssert.AreEquivalent(new[] { "Bidirectional", "Dropout", "HiddenSize", "LearningRate", "Pooling" }, changed.Select(p => p.Key).ToArray());
    }

    /// <summary>Property names of a config class as the JSON file spells them.</summary>
    private static IEnumerable<string> JsonNames(Type t) =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() == null && p.CanWrite)
            .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name));

    [TestMethod]
    public void TheShippedSchemaDescribesExactlyTheConfigsFields()
    {
        var schema = JsonNode.Parse(ConfigInference.SchemaText())!;
        Assert.AreEqual(JsonNode.Parse(File.ReadAllText(Path.Combine(RepoRoot(), "src", "Cli", ConfigInference.SchemaFileName)))!.ToJsonString(), schema.ToJsonString(), "the embedded copy is the file");
        void Check(JsonNode node, Type type, string where)
        {
            Assert.IsFalse(node["additionalProperties"]!.GetValue<bool>(), $"{where}: unknown fields are refused, as the tool does");
            var names = node["properties"]!.AsObject().Select(p => p.Key).OrderBy(k => k, StringComparer.Ordinal).ToArray();
            CollectionAssert.AreEqual(JsonNames(type).OrderBy(k => k, StringComparer.Ordinal).ToArray(), names, where);
        }
        Check(schema, typeof(WorkflowConfig), "config");
        Check(schema["properties"]!["data"]!, typeof(DataConfig), "data");
        Check(schema["properties"]!["data"]!["properties"]!["columns"]!["items"]!, typeof(ColumnConfig), "data.columns[]");
        Check(schema["properties"]!["preprocessing"]!, typeof(PreprocessingConfig), "preprocessing");
        Check(schema["properties"]!["forecasting"]!, typeof(ForecastingConfig), "forecasting");
        Check(schema["properties"]!["tagging"]!, typeof(TaggingConfig), "tagging");
        Check(schema["properties"]!["anomaly"]!, typeof(AnomalyConfig), "anomaly");
        Check(schema["properties"]!["trainer"]!, typeof(TrainerConfig), "trainer");
        Check(schema["properties"]!["sweep"]!, typeof(SweepConfig), "sweep");
        Check(schema["properties"]!["split"]!, typeof(SplitConfig), "split");
        // Each trainer option the schema suggests is one the binder accepts for some family.
        var settable = new[] { "lstm", "gru", "transformer", "cnn", "nbeats" }.SelectMany(f => TrainerOptionsBinder.Settable(TrainerOptionsBinder.New(f).GetType()).Keys).ToHashSet();
        foreach (var (name, _) in schema["properties"]!["trainer"]!["properties"]!["options"]!["properties"]!.AsObject())
            Assert.Contains(name, settable);
    }

    [TestMethod]
    public void BadDataIsReportedWithItsFileLineAndColumn()
    {
        var folder = TempFolder();
        try
        {
            Directory.CreateDirectory(folder);
            var data = Path.Combine(folder, "reviews.tsv");
            File.WriteAllText(data, "source\tlabel\ttext\nyelp\t1\tGreat food.\nyelp\tmaybe\tSo-so.\n");
            var path = Variant("sentiment", folder, j => j["data"]!["path"] = data);
            var config = WorkflowConfig.Load(path);
            var e = Assert.ThrowsExactly<DataException>(() => new TabularWorkflow(config, SilentObserver.Instance).LoadSplit());
            StringAssert.Contains(e.Message, "data.path: line 3 of 'reviews.tsv', column 'label': 'maybe' is not a boolean (0/1, true/false)");

            File.WriteAllText(data, "source\tlabel\ttext\nyelp\t1\tGreat food.\nyelp\t0\n");
            StringAssert.Contains(Assert.ThrowsExactly<DataException>(() => new TabularWorkflow(config, SilentObserver.Instance).LoadSplit()).Message,
                "line 3 of 'reviews.tsv' has 2 fields; the header has 3");

            // Quoted CSV fields keep their separators and doubled quotes.
            CollectionAssert.AreEqual(new[] { "a, b", "say \"hi\"", "" }, DelimitedFile.SplitLine("\"a, b\",\"say \"\"hi\"\"\",", ','));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void InitInfersColumnsRolesPreprocessingAndWindows()
    {
        var folder = TempFolder();
        try
        {
            ConfigInference.Request Request(string data, string task, string name) => new()
            {
                DataPath = Path.Combine(RepoRoot(), "data", data), Task = task, ConfigPath = Path.Combine(folder, name + ".json"),
            };
            var sentiment = ConfigInference.Infer(Request("text/uci_sentiment_labelled_sentences.tsv", "binary", "s"));
            Assert.AreEqual("label", sentiment.Label);
            Assert.AreEqual("text", sentiment.Input);
            Assert.AreEqual("\t", sentiment.Data.Separator);
            CollectionAssert.AreEqual(new[] { "text", "boolean", "text" }, sentiment.Data.Columns!.Select(c => c.Type).ToArray());
            Assert.AreEqual("words", sentiment.Preprocessing!.Tokenizer);
            Assert.IsTrue(sentiment.Preprocessing.PadLength is >= 24 and <= 40, $"95th percentile of the word count: {sentiment.Preprocessing.PadLength}");

            var splice = ConfigInference.Infer(Request("bio/splice_dna.csv", "multiclass", "d"));
            Assert.AreEqual("onehot", splice.Preprocessing!.Tokenizer);
            Assert.AreEqual("ACGT", splice.Preprocessing.Alphabet);
            Assert.AreEqual(60, splice.Preprocessing.PadLength);
            Assert.AreEqual("Flatten", splice.Trainer!.Options!["Pooling"]!.GetValue<string>());

            var air = ConfigInference.Infer(Request("timeseries/AirPassengers.csv", "forecasting", "a"));
            Assert.AreEqual("time", air.Forecasting!.TimeColumn);
            CollectionAssert.AreEqual(new[] { "passengers_thousands" }, air.Forecasting.ValueColumns);
            Assert.AreEqual("1 month", air.Forecasting.TimeStep);
            Assert.AreEqual(12, air.Forecasting.SeasonLength);
            Assert.AreEqual(12, air.Forecasting.Horizon);
            Assert.AreEqual(24, air.Forecasting.WindowLength);

            // Speech: the WAV path column, the class, the recordings' rate, MFCC frames and a CNN.
            var digits = ConfigInference.Infer(Request("speech/fsdd-test.csv", "speech", "f"));
            Assert.AreEqual("file", digits.Input);
            Assert.AreEqual("digit", digits.Label);
            Assert.AreEqual(8000, digits.Audio!.SampleRate);
            Assert.AreEqual("mfcc", digits.Audio.Features);
            Assert.AreEqual("cnn", digits.Trainer!.Family);
            StringAssert.Contains(Assert.ThrowsExactly<ConfigException>(() => ConfigInference.Infer(Request("bio/splice_dna.csv", "speech", "g"))).Message,
                "found no column of WAV file paths");

            // Tagging: a CoNLL file; the token is the first field, the tag the last, the scheme read from the tags.
            var brown = ConfigInference.Infer(Request("tagging/brown_news_pos.conll", "tagging", "t"));
            Assert.AreEqual("conll", brown.Data.Format);
            Assert.AreEqual(0, brown.Tagging!.TokenField);
            Assert.AreEqual(-1, brown.Tagging.TagField);
            Assert.AreEqual("plain", brown.Tagging.Scheme, "part-of-speech tags mark no chunks");
            Assert.AreEqual("lstm", brown.Trainer!.Family);
            Directory.CreateDirectory(folder);
            var entities = Path.Combine(folder, "ner.conll");
            File.WriteAllText(entities, "John B-PER\nSmith I-PER\nvisited O\nParis B-LOC\n.\tO\n\nIt O\nrained O\n");
            var ner = ConfigInference.Infer(new ConfigInference.Request { DataPath = entities, Task = "tagging", ConfigPath = Path.Combine(folder, "ner.json") });
            Assert.AreEqual("iob2", ner.Tagging!.Scheme);
            Assert.IsTrue(ner.Tagging.ConstrainTransitions);
            Assert.IsTrue(ner.Trainer!.Options!["UseCrf"]!.GetValue<bool>(), "chunk tags get a CRF constrained to the scheme");
            File.WriteAllText(entities, "John I-PER\nSmith I-PER\nvisited O\nParis I-LOC\n");
            Assert.AreEqual("iob1", ConfigInference.Infer(new ConfigInference.Request { DataPath = entities, Task = "tagging", ConfigPath = Path.Combine(folder, "ner.json") }).Tagging!.Scheme);
            File.WriteAllText(entities, "John S-PER\nvisited O\nNew B-LOC\nYork E-LOC\n");
            Assert.AreEqual("iobes", ConfigInference.Infer(new ConfigInference.Request { DataPath = entities, Task = "tagging", ConfigPath = Path.Combine(folder, "ner.json") }).Tagging!.Scheme);
            File.WriteAllText(entities, "John\nvisited O\n");
            StringAssert.Contains(Assert.ThrowsExactly<DataException>(() => ConfigInference.Infer(new ConfigInference.Request { DataPath = entities, Task = "tagging", ConfigPath = Path.Combine(folder, "ner.json") })).Message,
                "line 1 has one field");
            brown.Save(Path.Combine(folder, "t.json"));
            Assert.AreEqual("tagging", WorkflowConfig.Load(Path.Combine(folder, "t.json")).Task, "what init writes for tagging, the tool reads back");

            // Anomaly: the date column is the time, the number column the value; a boolean column would be the label.
            var taxi = ConfigInference.Infer(Request("anomaly/nab/data/realKnownCause/nyc_taxi.csv", "anomaly", "x"));
            Assert.AreEqual("value", taxi.Anomaly!.ValueColumn);
            Assert.AreEqual("timestamp", taxi.Anomaly.TimeColumn);
            Assert.IsNull(taxi.Anomaly.LabelColumn);
            Assert.AreEqual("forecastResidual", taxi.Trainer!.Family);
            var labelled = Path.Combine(folder, "labelled.csv");
            File.WriteAllLines(labelled, new[] { "time,reading,is_anomaly" }.Concat(Enumerable.Range(0, 50).Select(i => $"2020-01-01 00:{i:00}:00,{i % 7},{(i == 40 ? 1 : 0)}")));
            var withLabels = ConfigInference.Infer(new ConfigInference.Request { DataPath = labelled, Task = "anomaly", ConfigPath = Path.Combine(folder, "labelled.json") });
            Assert.AreEqual("reading", withLabels.Anomaly!.ValueColumn);
            Assert.AreEqual("is_anomaly", withLabels.Anomaly.LabelColumn);
            Assert.AreEqual("boolean", withLabels.Data.Columns!.Single(c => c.Name == "is_anomaly").Type);

            // What init writes, the tool reads back (relative data path, schema hint).
            var path = Path.Combine(folder, "a.json");
            air.Save(path);
            var back = WorkflowConfig.Load(path);
            Assert.AreEqual(Path.GetFullPath(Path.Combine(RepoRoot(), "data", "timeseries", "AirPassengers.csv")), back.Resolve(back.Data.Path));

            StringAssert.Contains(Assert.ThrowsExactly<ConfigException>(() => ConfigInference.Infer(new ConfigInference.Request
            {
                DataPath = Path.Combine(RepoRoot(), "data", "timeseries", "AirPassengers.csv"), Task = "binary", ConfigPath = Path.Combine(folder, "b.json"),
            })).Message, "could not tell which column is the label");
        }
        finally
        {
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
        }
    }
}
