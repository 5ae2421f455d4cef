using System;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Cli;
using MLNet.Sequence.Cli.Config;
using MLNet.Sequence.Cli.Workflow;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Tests.Cli;

/// <summary>
/// The command line's sequence-output tasks end to end on the bundled configs, seq2seq (grapheme to phoneme on the
/// CMUdict sample), recommendation (MovieLens) and generation (the UCI sentences): train, evaluate and predict agree
/// with the training run, the generated project predicts what the tool predicts, and bad configs are refused naming
/// the field.
/// </summary>
[TestClass]
public sealed class SequenceTaskTests
{
    private sealed class Recorder : IRunObserver
    {
        public int Epochs { get; private set; }
        public void Info(string message) { }
        public void Batch(TrainingProgress progress) { }
        public void Epoch(EpochReport report) => Epochs++;
        public void Trial(SequenceTrialResult trial) { }
    }

    [TestMethod]
    [Timeout(600_000)]
    public void G2pSampleTrainsEvaluatesPredictsAndGeneratesCode()
    {
        var folder = ConfigTests.TempFolder();
        try
        {
            // A small GRU for a few epochs keeps this short; the main job trains the bundled config (docs/cli.md).
            var path = ConfigTests.Variant("g2p", folder, j => j["trainer"] = new JsonObject
            {
                ["family"] = "gru",
                ["options"] = new JsonObject { ["NumberOfEpochs"] = 5, ["HiddenSize"] = 64, ["EmbeddingDimension"] = 32, ["BeamWidth"] = 3, ["NumberOfThreads"] = 1 },
            });
            var config = WorkflowConfig.Load(path);
            var recorder = new Recorder();
            var report = new Seq2SeqWorkflow(config, recorder).Run(CancellationToken.None);
            Assert.AreEqual(5, recorder.Epochs);
            Assert.HasCount(2, report.Rows, "beam 3, then greedy");
            var beam = report.Rows[0];
            var greedy = report.Rows[1];
            Console.WriteLine($"GRU 64, 5 epochs: beam 3 WER {beam["sequenceErrorRate"]:F4} PER {beam["tokenErrorRate"]:F4}; greedy {greedy["sequenceErrorRate"]:F4} / {greedy["tokenErrorRate"]:F4}; {report.TrainingSeconds:F1} s");
            Assert.AreEqual(greedy["examples"], beam["examples"]);
            Assert.IsGreaterThan(400, beam["examples"], "a tenth of the 5,070 words, a word's pronunciations one example");
            // Measured: beam 3 WER 0.624 / PER 0.184, greedy 0.639 / 0.189 (6 s of training).
            Assert.IsLessThan(0.25, beam["tokenErrorRate"]);
            Assert.IsLessThan(0.72, beam["sequenceErrorRate"]);
            Assert.IsLessThanOrEqualTo(greedy["sequenceErrorRate"] + 0.01, beam["sequenceErrorRate"], "the beam is no worse than greedy decoding");
            Assert.IsTrue(File.Exists(report.Files["model"]) && File.Exists(report.Files["metrics"]) && File.Exists(report.Files["learningCurve"]));

            var evaluated = SavedModel.Evaluate(config, null, null);
            Assert.AreEqual(beam["sequenceErrorRate"], evaluated.Model["sequenceErrorRate"], 1e-9, "evaluate scores the saved model on the same test words");
            Assert.AreEqual(beam["tokenErrorRate"], evaluated.Model["tokenErrorRate"], 1e-9);

            // predict: a file with the source column only; every prediction is phonemes of the dictionary's set.
            var input = Path.Combine(folder, "words.tsv");
            File.WriteAllText(input, "Word\ncat\nbanana\nstation\n");
            var output = Path.Combine(folder, "phonemes.tsv");
            Assert.AreEqual(3, SavedModel.Predict(config, null, input, output));
            var lines = File.ReadAllLines(output);
            Assert.AreEqual("Word\tPrediction\tLogProbability", lines[0]);
            var phonemes = File.ReadAllLines(Path.Combine(ConfigTests.RepoRoot(), "data", "seq2seq", "cmudict.phones")).Select(l => l.Split('\t')[0]).ToHashSet();
            Assert.HasCount(39, phonemes);
            foreach (var line in lines.Skip(1))
            {
                var fields = line.Split('\t');
                var predicted = fields[1].Split(' ');
                Assert.IsTrue(predicted.Length >= 2 && predicted.All(phonemes.Contains), $"'{fields[1]}' is phonemes");
                Assert.IsLessThan(0, double.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture), "a log-probability");
            }

            // codegen: the generated project predicts the data file's first word as the tool's predict does.
            var first = Path.Combine(folder, "first.tsv");
            File.WriteAllText(first, "Word\n" + File.ReadLines(config.Resolve(config.Data.Path)).Skip(1).First().Split('\t')[0] + "\n");
            SavedModel.Predict(config, null, first, output);
            var expected = File.ReadAllLines(output)[1].Split('\t')[1];
            var code = CodeGenerator.Write(config, Path.Combine(folder, "code"), ConfigTests.RepoRoot());
            var run = WorkflowTests.Dotnet(code, "run -c Release", 8);
            var line1 = run.Split('\n').Single(l => l.StartsWith("Prediction=", StringComparison.Ordinal)).Trim();
            Assert.AreEqual(expected, line1["Prediction=".Length..line1.IndexOf(" LogProbability=", StringComparison.Ordinal)]);

            // The command line: explain has nothing for an encoder-decoder (a config error), evaluate prints the metrics.
            Assert.AreEqual(Program.ExitCodes.BadConfig, Program.Main(new[] { "explain", path, "--input", input }));
            Assert.AreEqual(Program.ExitCodes.Ok, Program.Main(new[] { "evaluate", path }));
            File.WriteAllText(input, "Word\ncat\n\"\"\n");
            var empty = Assert.ThrowsExactly<MLNet.Sequence.Cli.Data.DataException>(() => SavedModel.Predict(config, null, input, output));
            StringAssert.Contains(empty.Message, "line 3");
            StringAssert.Contains(empty.Message, "column 'Word': empty");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    [Timeout(600_000)]
    public void MovieLensRecommenderTrainsBesideBothBaselinesEvaluatesPredictsAndGeneratesCode()
    {
        var folder = ConfigTests.TempFolder();
        try
        {
            // Six epochs of the bundled config's GRU: the workflow is what this checks (the main job trains all 20 epochs;
            // NextItemModelTests asserts that recipe beats the most popular movies).
            var path = ConfigTests.Variant("movielens", folder, j => j["trainer"]!["options"]!["NumberOfEpochs"] = 6);
            var config = WorkflowConfig.Load(path);
            var recorder = new Recorder();
            var report = new RecommendationWorkflow(config, recorder).Run(CancellationToken.None);
            Assert.AreEqual(6, recorder.Epochs);
            Assert.HasCount(3, report.Rows, "the model, most popular, transitions");
            var (model, popular, transitions) = (report.Rows[0], report.Rows[1], report.Rows[2]);
            Console.WriteLine($"GRU 32, 6 epochs: HR@10 {model["hitRate@10"]:F4} NDCG@10 {model["ndcg@10"]:F4} MRR {model["mrr"]:F4}; " +
                $"most popular {popular["hitRate@10"]:F4} / {popular["ndcg@10"]:F4}; transitions {transitions["hitRate@10"]:F4} / {transitions["ndcg@10"]:F4}; {report.TrainingSeconds:F1} s");
            // The baselines on this protocol, as tests/Recommendation measures them with the library's own splits.
            Assert.AreEqual(0.0426, popular["hitRate@10"], 0.0005);
            Assert.AreEqual(0.0194, popular["ndcg@10"], 0.0005);
            Assert.AreEqual(0.0967, transitions["hitRate@10"], 0.0005);
            Assert.AreEqual(0.0542, transitions["ndcg@10"], 0.0005);
            // Chance is 10 of about 9,700 movies (HR@10 ≈ 0.001); six epochs already rank far above it.
            Assert.IsGreaterThan(0.02, model["hitRate@10"]);
            Assert.IsLessThanOrEqualTo(model["hitRate@10"], model["ndcg@10"]);

            var evaluated = SavedModel.Evaluate(config, null, null);
            Assert.AreEqual(model["hitRate@10"], evaluated.Model["hitRate@10"], 1e-9, "evaluate scores the saved model by the same protocol");
            Assert.AreEqual(model["mrr"], evaluated.Model["mrr"], 1e-9);

            // predict: two users' events (out of order in the file) in, ten unseen movies per user out, best first.
            var input = Path.Combine(folder, "events.csv");
            File.WriteAllText(input, "userId,movieId,rating,timestamp\n7,260,5,300\n7,1196,5,100\n9,1,4,50\n7,1210,4,200\n9,2,3,60\n");
            var output = Path.Combine(folder, "recommended.csv");
            Assert.AreEqual(2, SavedModel.Predict(config, null, input, output));
            var lines = File.ReadAllLines(output);
            Assert.AreEqual("userId,rank,movieId,probability", lines[0]);
            Assert.HasCount(21, lines);
            var seven = lines.Skip(1).Select(l => l.Split(',')).Where(f => f[0] == "7").ToList();
            CollectionAssert.AreEqual(Enumerable.Range(1, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList(), seven.Select(f => f[1]).ToList());
            Assert.IsFalse(seven.Any(f => f[2] is "260" or "1196" or "1210"), "no movie the user has rated");
            var p = seven.Select(f => double.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.IsTrue(p.Zip(p.Skip(1)).All(x => x.First >= x.Second) && p[0] > 0, "best first");

            // codegen: the generated project recommends for the data file's first user as the tool does.
            var workflow = new RecommendationWorkflow(config, SilentObserver.Instance);
            var first = workflow.ReadHistories(config.Resolve(config.Data.Path), "data.path")[0];
            var loaded = new Microsoft.ML.MLContext().Model.LoadSequenceModel(report.Files["model"], out _);
            var expected = workflow.Recommend(loaded, new[] { first.Items.TakeLast(20).ToArray() })[0].Items;
            (loaded as IDisposable)?.Dispose();
            var code = CodeGenerator.Write(config, Path.Combine(folder, "code"), ConfigTests.RepoRoot());
            var run = WorkflowTests.Dotnet(code, "run -c Release", 8);
            var line = run.Split('\n').Single(l => l.StartsWith("Recommendations=", StringComparison.Ordinal)).Trim();
            CollectionAssert.AreEqual(expected, line["Recommendations=".Length..].Split(' '));

            Assert.AreEqual(Program.ExitCodes.BadConfig, Program.Main(new[] { "explain", path, "--input", input }));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    [Timeout(600_000)]
    public void SentenceGenerationBeatsBothNGramsContinuesPromptsAndGeneratesCode()
    {
        var folder = ConfigTests.TempFolder();
        try
        {
            // Three epochs of a smaller GRU than the bundled config's (the main job trains that one).
            var path = ConfigTests.Variant("sentences-generation", folder, j =>
            {
                j["trainer"]!["options"]!["NumberOfEpochs"] = 3;
                j["trainer"]!["options"]!["HiddenSize"] = 128;
            });
            var config = WorkflowConfig.Load(path);
            var recorder = new Recorder();
            var report = new GenerationWorkflow(config, recorder).Run(CancellationToken.None);
            Assert.AreEqual(3, recorder.Epochs);
            var (model, bigram, unigram) = (report.Rows[0], report.Rows[1], report.Rows[2]);
            Console.WriteLine($"GRU 128, 3 epochs: perplexity {model["perplexity"]:F3}, top-5 accuracy {model["top5Accuracy"]:F4}; bigram {bigram["perplexity"]:F3}, unigram {unigram["perplexity"]:F3}; {report.TrainingSeconds:F1} s");
            Assert.IsLessThan(unigram["perplexity"], bigram["perplexity"]);
            Assert.IsLessThan(0.8 * bigram["perplexity"], model["perplexity"], "the GRU's perplexity well under the interpolated bigram's");
            Assert.AreEqual(Math.Log(model["perplexity"]), model["crossEntropy"], 1e-9);

            var evaluated = SavedModel.Evaluate(config, null, null);
            Assert.AreEqual(model["perplexity"], evaluated.Model["perplexity"], 1e-9, "evaluate scores the saved model on the same test sentences");

            // train continued the config's prompts into samples.txt; predict gives the same continuations (same seed).
            var samples = File.ReadAllLines(report.Files["samples"]);
            var prompts = config.Generation!.Prompts!;
            Assert.HasCount(prompts.Count, samples);
            var input = Path.Combine(folder, "prompts.tsv");
            File.WriteAllText(input, "text\n" + string.Join("\n", prompts) + "\n");
            var output = Path.Combine(folder, "generated.tsv");
            Assert.AreEqual(prompts.Count, SavedModel.Predict(config, null, input, output));
            var generated = File.ReadAllLines(output).Skip(1).Select(l => l.Split('\t')[1]).ToList();
            for (int i = 0; i < prompts.Count; i++)
            {
                Assert.AreEqual($"{prompts[i]}[{generated[i]}]", samples[i]);
                Assert.IsTrue(generated[i].Length is > 0 and <= 60, "at most maximumLength characters");
            }
            Assert.IsGreaterThan(1, generated.Distinct().Count(), "different prompts, different texts");

            // codegen: the generated project continues the first prompt as predict does.
            var code = CodeGenerator.Write(config, Path.Combine(folder, "code"), ConfigTests.RepoRoot());
            var run = WorkflowTests.Dotnet(code, "run -c Release", 8);
            var line = run.Split('\n').Single(l => l.StartsWith("Generated=", StringComparison.Ordinal)).TrimEnd('\r');
            Assert.AreEqual(generated[0], line["Generated=".Length..]);

            Assert.AreEqual(Program.ExitCodes.BadConfig, Program.Main(new[] { "explain", path, "--input", input }));
            File.WriteAllText(input, "text\nThis\n\"\"\n");
            Assert.AreEqual(Program.ExitCodes.BadData, Program.Main(new[] { "predict", path, "--input", input, "--output", output }), "an empty prompt is bad data");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void RecommendationConfigsAreCheckedFieldByField()
    {
        var folder = ConfigTests.TempFolder();
        try
        {
            ConfigException Refused(Action<JsonObject> change) =>
                Assert.ThrowsExactly<ConfigException>(() => WorkflowConfig.Load(ConfigTests.Variant("movielens", folder, change)));
            Assert.AreEqual("recommendation", Refused(j => j.Remove("recommendation")).Field);
            Assert.AreEqual("recommendation.itemColumn", Refused(j => j["recommendation"]!["itemColumn"] = "movie").Field);
            Assert.AreEqual("recommendation", Refused(j => j["recommendation"]!["timeColumn"] = "userId").Field);
            Assert.AreEqual("recommendation.timeColumn", Refused(j => j["data"]!["columns"]![3]!["type"] = "text").Field);
            Assert.AreEqual("recommendation.numberOfRecommendations", Refused(j => j["recommendation"]!["numberOfRecommendations"] = 0).Field);
            Assert.AreEqual("trainer.options.NumberOfPredictions", Refused(j => j["trainer"]!["options"]!["NumberOfPredictions"] = 5).Field);
            Assert.AreEqual("trainer.family", Refused(j => j["trainer"]!["family"] = "cnn").Field);
            Assert.AreEqual("split", Refused(j => j["split"] = new JsonObject { ["testFraction"] = 0.2 }).Field);
            Assert.AreEqual("label", Refused(j => j["label"] = "rating").Field);
            Assert.AreEqual("data.testPath", Refused(j => j["data"]!["testPath"] = j["data"]!["path"]!.GetValue<string>()).Field);

            // init: userId, movieId and timestamp by their names; the ids become text.
            var inferred = ConfigInference.Infer(new ConfigInference.Request
            {
                DataPath = Path.Combine(ConfigTests.RepoRoot(), "data", "recsys", "movielens_small_ratings.csv"), Task = "recommendation", HasHeader = true,
                ConfigPath = Path.Combine(folder, "inferred.json"),
            });
            Assert.AreEqual("userId", inferred.Recommendation!.UserColumn);
            Assert.AreEqual("movieId", inferred.Recommendation.ItemColumn);
            Assert.AreEqual("timestamp", inferred.Recommendation.TimeColumn);
            Assert.AreEqual("text", inferred.Data.Columns!.Single(c => c.Name == "movieId").Type);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void Seq2SeqConfigsAreCheckedFieldByField()
    {
        var folder = ConfigTests.TempFolder();
        try
        {
            ConfigException Refused(Action<JsonObject> change) =>
                Assert.ThrowsExactly<ConfigException>(() => WorkflowConfig.Load(ConfigTests.Variant("g2p", folder, change)));
            Assert.AreEqual("label", Refused(j => j.Remove("label")).Field);
            Assert.AreEqual("input", Refused(j => j["input"] = "Missing").Field);
            Assert.AreEqual("input", Refused(j => j["input"] = "Phonemes").Field);
            Assert.AreEqual("seq2seq.targetTokens", Refused(j => j["seq2seq"]!["targetTokens"] = "bytes").Field);
            Assert.AreEqual("trainer.family", Refused(j => j["trainer"]!["family"] = "cnn").Field);
            Assert.AreEqual("trainer.options.SourceColumnName", Refused(j => j["trainer"]!["options"]!["SourceColumnName"] = "x").Field);
            Assert.AreEqual("trainer.options.HiddenSise", Refused(j => j["trainer"]!["options"]!["HiddenSise"] = 3).Field);
            Assert.AreEqual("preprocessing", Refused(j => j["preprocessing"] = new JsonObject()).Field);
            Assert.AreEqual("sweep", Refused(j => j["sweep"] = new JsonObject { ["minutes"] = 1 }).Field);
            Assert.AreEqual("split.crossValidationFolds", Refused(j => j["split"] = new JsonObject { ["crossValidationFolds"] = 3 }).Field);
            Assert.AreEqual("seq2seq", Assert.ThrowsExactly<ConfigException>(() => WorkflowConfig.Load(ConfigTests.Variant("sentiment", folder, j => j["seq2seq"] = new JsonObject()))).Field);
            ConfigException Generation(Action<JsonObject> change) =>
                Assert.ThrowsExactly<ConfigException>(() => WorkflowConfig.Load(ConfigTests.Variant("sentences-generation", folder, change)));
            Assert.AreEqual("label", Generation(j => j["label"] = "label").Field);
            Assert.AreEqual("input", Generation(j => j["input"] = "label").Field);
            Assert.AreEqual("generation.topP", Generation(j => j["generation"]!["topP"] = 0).Field);
            Assert.AreEqual("generation.temperature", Generation(j => j["generation"]!["temperature"] = -1).Field);
            Assert.AreEqual("generation.prompts[1]", Generation(j => j["generation"]!["prompts"] = new JsonArray("a", "")).Field);
            Assert.AreEqual("generation.stopElement", Generation(j => j["generation"]!["stopElement"] = "ab").Field);
            Assert.AreEqual("generation.prompts[0]", Generation(j => { j["generation"]!["tokens"] = "words"; j["generation"]!["prompts"] = new JsonArray("  "); }).Field);
            Assert.AreEqual("generation", Assert.ThrowsExactly<ConfigException>(() => WorkflowConfig.Load(ConfigTests.Variant("g2p", folder, j => j["generation"] = new JsonObject()))).Field);

            // init infers a seq2seq config from the pairs file: letters in, phonemes (words) out.
            var inferred = ConfigInference.Infer(new ConfigInference.Request
            {
                DataPath = Path.Combine(ConfigTests.RepoRoot(), "data", "seq2seq", "cmudict-sample.tsv"), Task = "seq2seq", HasHeader = true,
                ConfigPath = Path.Combine(folder, "inferred.json"),
            });
            Assert.AreEqual("Word", inferred.Input);
            Assert.AreEqual("Phonemes", inferred.Label);
            Assert.AreEqual("characters", inferred.Seq2Seq!.SourceTokens);
            Assert.AreEqual("words", inferred.Seq2Seq.TargetTokens);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
