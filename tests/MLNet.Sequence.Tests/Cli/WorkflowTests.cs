using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Cli;
using MLNet.Sequence.Cli.Config;
using MLNet.Sequence.Cli.Data;
using MLNet.Sequence.Cli.Workflow;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Tests.Cli;

/// <summary>
/// The workflow end to end on the bundled configs: train, the saved model's evaluate and predict give the same
/// figures, plots are written, the generated C# project builds, runs and predicts what the tool predicts, and the
/// command line returns its documented exit codes.
/// </summary>
[TestClass]
public sealed class WorkflowTests
{
    public TestContext TestContext { get; set; } = null!;

    private sealed class Recorder : IRunObserver
    {
        public List<EpochReport> Epochs { get; } = new();
        public int Batches { get; private set; }
        public void Info(string message) { }
        public void Batch(TrainingProgress progress) => Batches++;
        public void Epoch(EpochReport report) => Epochs.Add(report);
        public void Trial(SequenceTrialResult trial) { }
    }

    internal static string Dotnet(string folder, string arguments, int minutes)
    {
        var start = new ProcessStartInfo("dotnet", arguments)
        {
            WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(minutes)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"'dotnet {arguments}' did not finish in {minutes} minutes.");
        }
        var output = stdout.Result + stderr.Result;
        Assert.AreEqual(0, p.ExitCode, $"'dotnet {arguments}' failed:\n{(output.Length > 4000 ? output[^4000..] : output)}");
        return output;
    }

    [TestMethod]
    [Timeout(600_000)]
    public void SentimentTrainsEvaluatesPredictsAndItsGeneratedCodePredictsTheSame()
    {
        var folder = ConfigTests.TempFolder();
        try
        {
            var config = WorkflowConfig.Load(ConfigTests.Variant("sentiment", folder, _ => { }));
            var recorder = new Recorder();
            var report = new TabularWorkflow(config, recorder).Run();

            // The bundled recipe (temporal CNN, max pooling, 5 epochs) on a seeded 80/20 split: 0.818 on this machine;
            // the perceptron reaches 0.80 on the main job's split (docs/results.md).
            Assert.IsGreaterThan(0.78, report.Model["accuracy"], $"accuracy {report.Model["accuracy"]}");
            Assert.HasCount(5, recorder.Epochs, "live progress: one report per epoch");
            Assert.IsGreaterThan(5, recorder.Batches, "and per batch");
            foreach (var role in new[] { "model", "metrics", "learningCurve", "confusionMatrix" })
                Assert.IsTrue(File.Exists(report.Files[role]), role);
            var metrics = JsonNode.Parse(File.ReadAllText(report.Files["metrics"]))!;
            Assert.AreEqual(report.Model["accuracy"], metrics["results"]![0]!["metrics"]!["accuracy"]!.GetValue<double>(), 1e-12);
            Assert.AreEqual("cnn", metrics["trainer"]!["family"]!.GetValue<string>());

            // evaluate: the saved zip on the same test rows gives the same figures.
            var again = SavedModel.Evaluate(config, null, null);
            Assert.AreEqual(report.Model["accuracy"], again.Model["accuracy"], 1e-9);
            Assert.AreEqual(report.Model["auc"], again.Model["auc"], 1e-9);

            // predict: a file without the label column, file in, file out.
            var input = Path.Combine(folder, "new.tsv");
            File.WriteAllText(input, "text\nWhat a wonderful, lovely film.\nThe food was cold and the waiter was rude.\nSo there is no way for me to plug it in here in the US unless I go by a converter.\n");
            var output = Path.Combine(folder, "predictions.tsv");
            Assert.AreEqual(3, SavedModel.Predict(config, null, input, output));
            var rows = File.ReadAllLines(output).Select(l => l.Split('\t')).ToList();
            CollectionAssert.AreEqual(new[] { "text", "PredictedLabel", "Probability" }, rows[0]);
            Assert.AreEqual("true", rows[1][1]);
            Assert.AreEqual("false", rows[2][1]);

            // explain: one step per word of each row, the prediction it explains matches predict's.
            var ml = new Microsoft.ML.MLContext(1);
            using (var loaded = ml.Model.LoadSequenceModel(report.Files["model"], out _) as IDisposable)
            {
                var file = DelimitedFile.Read(input, '\t', true, null, "--input");
                var explained = SavedModel.Explain(ml, config, (Microsoft.ML.ITransformer)loaded!, file, 10, "--input");
                Assert.HasCount(3, explained);
                CollectionAssert.AreEqual(new[] { "what", "a", "wonderful", "lovely", "film" }, explained[0].Steps.Select(x => x.Step).ToArray());
                Assert.AreEqual(rows[1][1], explained[0].Explained);
                Assert.AreEqual(rows[2][1], explained[1].Explained);
                // The strongest support of a confident "true" comes from a sentiment word, not from "a" or "what".
                var strongest = explained[0].Steps.OrderByDescending(x => x.Contribution).First().Step;
                Assert.Contains(strongest, new[] { "wonderful", "lovely" });
            }
            Assert.AreEqual(Program.ExitCodes.Ok, Program.Main(new[] { "explain", Path.Combine(folder, "sentiment.json"), "--input", input, "--output", Path.Combine(folder, "why.json") }));
            Assert.HasCount(3, JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "why.json")))!.AsArray());

            // codegen: the generated project (referencing this repository's library by project) predicts the data file's
            // first row as the tool does.
            var code = CodeGenerator.Write(config, Path.Combine(folder, "code"), ConfigTests.RepoRoot());
            foreach (var file in new[] { "ModelInput.cs", "ModelOutput.cs", "Program.cs", "model.zip" })
                Assert.IsTrue(File.Exists(Path.Combine(code, file)), file);
            var run = Dotnet(code, "run -c Release", 8);
            TestContext.WriteLine(run);
            var line = run.Split('\n').Single(l => l.StartsWith("PredictedLabel=", StringComparison.Ordinal)).Trim();
            var parts = line.Split(' ').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
            Assert.AreEqual(rows[3][1], parts["PredictedLabel"].ToLowerInvariant());
            Assert.AreEqual(float.Parse(rows[3][2], CultureInfo.InvariantCulture), float.Parse(parts["Probability"], CultureInfo.InvariantCulture), 1e-6f);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void BrownTaggingTrainsBeatsTheMajorityBaselineEvaluatesAndPredictsTags()
    {
        var folder = ConfigTests.TempFolder();
        try
        {
            // Two epochs of the CNN tagger keep this short; the main job trains the BiLSTM (docs/tagging.md).
            var config = WorkflowConfig.Load(ConfigTests.Variant("brown-pos", folder, j =>
            {
                j["trainer"] = new JsonObject { ["family"] = "cnn", ["options"] = new JsonObject { ["NumberOfEpochs"] = 2, ["NumberOfThreads"] = 1 } };
            }));
            var recorder = new Recorder();
            var report = new TaggingWorkflow(config, recorder).Run(CancellationToken.None);
            double accuracy = report.Model["tokenAccuracy"], baseline = report.Rows[1]["tokenAccuracy"];
            Console.WriteLine($"CNN tagger, 2 epochs: {accuracy:F4}; majority baseline {baseline:F4}");
            Assert.AreEqual(2, recorder.Epochs.Count);
            Assert.IsGreaterThan(0.84, baseline, "the majority tag per word (0.855 on the docs' split)");
            Assert.IsGreaterThan(baseline, accuracy, $"the tagger ({accuracy:F4}) beats the majority baseline ({baseline:F4})");
            Assert.IsTrue(File.Exists(report.Files["model"]) && File.Exists(report.Files["conllReport"]) && File.Exists(report.Files["metrics"]));

            var evaluated = SavedModel.Evaluate(config, null, null);
            Assert.AreEqual(accuracy, evaluated.Model["tokenAccuracy"], 1e-9, "evaluate scores the saved model on the same test sentences");

            var input = Path.Combine(folder, "sentences.txt");
            File.WriteAllText(input, "The\njury\nsaid\n.\n\nIt\nrained\n.\n");
            var output = Path.Combine(folder, "tagged.tsv");
            Assert.AreEqual(2, SavedModel.Predict(config, null, input, output));
            var lines = File.ReadAllLines(output);
            Assert.AreEqual("The\tat", lines[0]);
            Assert.AreEqual(9, lines.Length, "4 + 3 tokens, a blank line after each sentence");
            Assert.AreEqual(".\t.", lines[3]);

            // codegen: the generated project tags the data file's first sentence as the tool's predict does.
            var first = File.ReadLines(config.Resolve(config.Data.Path)).TakeWhile(l => l.Length > 0).ToList();
            var firstInput = Path.Combine(folder, "first.txt");
            File.WriteAllLines(firstInput, first.Select(l => l.Split('\t')[0]));
            SavedModel.Predict(config, null, firstInput, output);
            var expected = File.ReadLines(output).TakeWhile(l => l.Length > 0).Select(l => l.Split('\t')[1]).ToList();
            var code = CodeGenerator.Write(config, Path.Combine(folder, "code"), ConfigTests.RepoRoot());
            var run = Dotnet(code, "run -c Release", 8);
            var tags = run.Split('\n').Single(l => l.StartsWith("Tags=", StringComparison.Ordinal)).Trim()["Tags=".Length..].Split(' ');
            CollectionAssert.AreEqual(expected, tags);

            // explain: per token its tag, its probability and an influence for every token of the sentence.
            var why = Path.Combine(folder, "why.json");
            Assert.AreEqual(Program.ExitCodes.Ok, Program.Main(new[] { "explain", Path.Combine(folder, "brown-pos.json"), "--input", firstInput, "--output", why }));
            var explained = JsonNode.Parse(File.ReadAllText(why))!.AsArray().Single()!;
            CollectionAssert.AreEqual(first.Select(l => l.Split('\t')[0]).ToList(), explained["tokens"]!.AsArray().Select(t => t!.GetValue<string>()).ToList());
            CollectionAssert.AreEqual(expected, explained["tags"]!.AsArray().Select(t => t!.GetValue<string>()).ToList(), "the tags predict gives");
            var influence = explained["influence"]!.AsArray();
            Assert.HasCount(first.Count, influence);
            Assert.IsTrue(influence.All(row => row!.AsArray().Count == first.Count));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    [Timeout(600_000)]
    public void BrownTaggingSweepsTaggersAndSavesTheBest()
    {
        var folder = ConfigTests.TempFolder();
        try
        {
            // The first 800 sentences of Brown news; two trials of the CNN tagger, at most 8 epochs each. (Resuming from the
            // trial log is the library's, tested in TaggerSweepTests and, through the tool, for classifiers.)
            Directory.CreateDirectory(folder);
            var data = Path.Combine(folder, "brown-800.conll");
            ConfigTests.WriteBrownSentences(data, 800);
            var path = ConfigTests.Variant("brown-pos", folder, j =>
            {
                j["data"]!["path"] = data;
                j.Remove("trainer");
                j["sweep"] = new JsonObject { ["maximumTrials"] = 2, ["maximumEpochs"] = 8, ["families"] = new JsonArray("cnn"), ["tuner"] = "random" };
            });
            Assert.AreEqual(Program.ExitCodes.BadConfig, Program.Main(new[] { "train", path }), "train refuses a sweep config");
            Assert.AreEqual(Program.ExitCodes.Ok, Program.Main(new[] { "sweep", path }));
            var output = Path.Combine(folder, "output");
            var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")))!;
            TestContext.WriteLine(metrics.ToJsonString());
            Assert.HasCount(2, JsonNode.Parse(File.ReadAllText(Path.Combine(output, "trials.json")))!["trials"]!.AsArray());
            StringAssert.StartsWith(metrics["trainer"]!["sweepBest"]!.GetValue<string>(), "Cnn:");
            var config = WorkflowConfig.Load(path);
            var evaluated = SavedModel.Evaluate(config, null, null).Model["tokenAccuracy"];
            double baseline = metrics["results"]![1]!["metrics"]!["tokenAccuracy"]!.GetValue<double>();
            Assert.AreEqual(metrics["results"]![0]!["metrics"]!["tokenAccuracy"]!.GetValue<double>(), evaluated, 1e-9, "evaluate scores the saved best on the same test sentences");
            // 640 training sentences: the refit best (the CNN tagger at its defaults) tagged 0.889 of the test tokens
            // when written, the majority tag per word 0.825.
            Assert.IsGreaterThan(baseline + 0.03, evaluated, $"the sweep's best ({evaluated:F4}) beats the majority tag per word ({baseline:F4})");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    [Timeout(600_000)]
    public void MachineTemperatureAnomaliesAreFoundScoredByNabPredictedAndDetectedByGeneratedCode()
    {
        var folder = ConfigTests.TempFolder();
        try
        {
            // NAB's machine temperature file (22,695 points, 4 labelled windows): the detector learns from the first 750.
            var path = ConfigTests.Variant("machine-temperature", folder, _ => { });
            var config = WorkflowConfig.Load(path);
            var report = new AnomalyWorkflow(config, new Recorder()).Run();
            var model = report.Rows[0];
            var gaussian = report.Rows[1];
            TestContext.WriteLine(string.Join("\n", report.Rows.Select(r => $"{r.Name}: {string.Join(", ", r.Metrics.Select(m => $"{m.Key} {m.Value:F4}"))}")));
            StringAssert.StartsWith(gaussian.Name, "windowed Gaussian");
            // When written: the LSTM's 15 alerts caught all 4 windows with 6 false alerts (NAB standard 89.6); the windowed
            // Gaussian at the same false-alarm rate caught 1 (22.0).
            Assert.AreEqual(1.0, model["windowsDetected"], "every labelled window gets an alert");
            Assert.IsLessThan(15, model["falseAlerts"]);
            Assert.IsGreaterThan(gaussian["nabStandard"] + 30, model["nabStandard"]);
            Assert.IsGreaterThan(0.7, model["auc"]);
            Assert.IsTrue(File.Exists(report.Files["anomalies"]) && File.Exists(report.Files["model"]));
            Assert.AreEqual(model["nabStandard"], SavedModel.Evaluate(config, null, null).Model["nabStandard"], 1e-9, "evaluate scores the saved detector on the same points");

            // predict: the points after the probation, each with Alert, RawScore, PValue and AnomalyScore.
            var data = File.ReadAllLines(config.Resolve(config.Data.Path));
            var input = Path.Combine(folder, "after-probation.csv");
            File.WriteAllLines(input, data.Take(1).Concat(data.Skip(1 + 750)));
            var output = Path.Combine(folder, "scored.csv");
            Assert.AreEqual(data.Length - 751, SavedModel.Predict(config, null, input, output));
            var scored = File.ReadAllLines(output);
            Assert.AreEqual("timestamp,value,Alert,RawScore,PValue,AnomalyScore", scored[0]);
            var alerts = scored.Skip(1).Select(l => l.Split(',')).Where(f => f[2] == "1").ToList();
            Assert.AreEqual((int)model["alerts"], alerts.Count, "the same alerts as train");

            // explain: the first alerts train found, each with the 32 points before it and itself, named by time.
            var why = Path.Combine(folder, "why.json");
            Assert.AreEqual(Program.ExitCodes.Ok, Program.Main(new[] { "explain", path, "--rows", "3", "--output", why }));
            var explained = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(why))!.AsArray();
            Assert.HasCount(3, explained);
            Assert.AreEqual(alerts[0][0], explained[0]!["point"]!.GetValue<string>());
            Assert.IsTrue(explained.All(e => e!["alert"]!.GetValue<bool>()));
            var steps = explained[0]!["steps"]!.AsArray();
            Assert.HasCount(33, steps);
            Assert.AreEqual(alerts[0][0], steps[32]!["point"]!.GetValue<string>());
            Assert.AreEqual(double.Parse(alerts[0][3], CultureInfo.InvariantCulture), explained[0]!["rawScore"]!.GetValue<double>(), 1e-4, "the raw score predict wrote");

            // codegen: the generated program scores the file after the probation and finds the same alerts.
            var code = CodeGenerator.Write(config, Path.Combine(folder, "code"), ConfigTests.RepoRoot());
            var run = Dotnet(code, "run -c Release", 8);
            StringAssert.Contains(run, $"Points={data.Length - 751} Alerts={alerts.Count}");
            var first = run.Split('\n').Single(l => l.StartsWith("FirstAlert=", StringComparison.Ordinal)).Trim().Split(' ');
            Assert.AreEqual(double.Parse(alerts[0][5], CultureInfo.InvariantCulture), double.Parse(first[1]["AnomalyScore=".Length..], CultureInfo.InvariantCulture), 1e-9);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    [Timeout(600_000)]
    public void MachineTemperatureSweepPicksADetectorByItsNabScore()
    {
        var folder = ConfigTests.TempFolder();
        try
        {
            var path = ConfigTests.Variant("machine-temperature-sweep", folder, j => j["sweep"] = new System.Text.Json.Nodes.JsonObject
            {
                ["maximumTrials"] = 3, ["metric"] = "nabStandard", ["maximumEpochs"] = 20, ["families"] = new System.Text.Json.Nodes.JsonArray("forecastResidual"),
            });
            var config = WorkflowConfig.Load(path);
            var report = new AnomalyWorkflow(config, new Recorder()).Run();
            TestContext.WriteLine(report.Leaderboard);
            TestContext.WriteLine(string.Join("\n", report.Rows.Select(r => $"{r.Name}: {string.Join(", ", r.Metrics.Select(m => $"{m.Key} {m.Value:F4}"))}")));
            var model = report.Rows[0];
            StringAssert.StartsWith(model.Name, "forecastResidual detector (sweep's best)");
            var trials = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(report.Files["trials"]))!["trials"]!.AsArray();
            Assert.HasCount(3, trials);
            double best = trials.Max(t => t!["metric"]!.GetValue<double>());
            // The saved detector is the best trial's options fitted as train fits one: the same NAB score on the same points.
            Assert.AreEqual(best, model["nabStandard"], 1e-6);
            Assert.IsGreaterThan(report.Rows[1]["nabStandard"] + 30, model["nabStandard"], "well above the windowed Gaussian");
            Assert.AreEqual(model["nabStandard"], SavedModel.Evaluate(config, null, null).Model["nabStandard"], 1e-9);
            Assert.IsTrue(report.Leaderboard!.Contains("NabStandard"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void SpokenDigitsTrainEvaluatePredictFromRelativePathsAndGenerateCode()
    {
        var folder = ConfigTests.TempFolder();
        try
        {
            // A smaller split than the bundled config's: recordings 5-24 of every speaker and digit train, 0-1 test.
            Directory.CreateDirectory(folder);
            var all = File.ReadAllLines(Path.Combine(ConfigTests.RepoRoot(), "data", "speech", "fsdd-train.csv")).Skip(1)
                .Concat(File.ReadAllLines(Path.Combine(ConfigTests.RepoRoot(), "data", "speech", "fsdd-test.csv")).Skip(1))
                .Select(l => l.Split(',')).ToList();
            int Index(string[] row) => int.Parse(Path.GetFileNameWithoutExtension(row[0]).Split('_')[2], CultureInfo.InvariantCulture);
            string Absolute(string[] row) => $"{Path.Combine(ConfigTests.RepoRoot(), "data", "speech", row[0])},{row[1]},{row[2]}";
            File.WriteAllLines(Path.Combine(folder, "train.csv"), new[] { "file,digit,speaker" }.Concat(all.Where(r => Index(r) is >= 5 and < 25).Select(Absolute)));
            File.WriteAllLines(Path.Combine(folder, "test.csv"), new[] { "file,digit,speaker" }.Concat(all.Where(r => Index(r) < 2).Select(Absolute)));
            var config = WorkflowConfig.Load(ConfigTests.Variant("fsdd", folder, j =>
            {
                j["data"]!["path"] = "train.csv";
                j["data"]!["testPath"] = "test.csv";
                j["trainer"]!["options"]!["NumberOfEpochs"] = 10;
            }));
            var report = new TabularWorkflow(config, new Recorder()).Run();
            double accuracy = report.Model["microAccuracy"];
            TestContext.WriteLine($"CNN on MFCCs, 1200 recordings, 10 epochs: accuracy {accuracy:F4} on 120");
            Assert.IsGreaterThan(0.9, accuracy, "1,200 training recordings; the full split reaches 0.98 (docs/speech.md)");
            Assert.HasCount(1, report.Rows, "no ML.NET baseline row: ML.NET has no audio features");
            Assert.IsTrue(File.Exists(report.Files["confusionMatrix"]));
            Assert.AreEqual(accuracy, SavedModel.Evaluate(config, null, null).Model["microAccuracy"], 1e-9, "evaluate scores the saved model on the same test rows");

            // predict: paths relative to the input file's folder; the output keeps them as written.
            Directory.CreateDirectory(Path.Combine(folder, "clips"));
            foreach (var name in new[] { "3_theo_2.wav", "7_jackson_0.wav" })
                File.Copy(Path.Combine(ConfigTests.RepoRoot(), "data", "speech", "fsdd", name), Path.Combine(folder, "clips", name));
            var input = Path.Combine(folder, "clips.csv");
            File.WriteAllLines(input, new[] { "file", "clips/3_theo_2.wav", "clips/7_jackson_0.wav" });
            var output = Path.Combine(folder, "digits.csv");
            Assert.AreEqual(2, SavedModel.Predict(config, null, input, output));
            var predicted = File.ReadAllLines(output).Skip(1).Select(l => l.Split(',')).ToList();
            Assert.AreEqual("clips/3_theo_2.wav", predicted[0][0]);
            CollectionAssert.AreEqual(new[] { "3", "7" }, predicted.Select(p => p[1]).ToArray());
            File.WriteAllLines(input, new[] { "file", "clips/missing.wav" });
            Assert.AreEqual(Program.ExitCodes.BadData, Program.Main(new[] { "predict", Path.Combine(folder, "fsdd.json"), "--input", input, "--output", output }), "a missing recording is a data error");

            // explain: every real 10 ms frame of the recording with its contribution, named by its start time.
            File.WriteAllLines(input, new[] { "file", "clips/3_theo_2.wav" });
            var why = Path.Combine(folder, "why.json");
            Assert.AreEqual(Program.ExitCodes.Ok, Program.Main(new[] { "explain", Path.Combine(folder, "fsdd.json"), "--input", input, "--output", why }));
            var explained = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(why))!.AsArray().Single()!;
            Assert.AreEqual("3", explained["prediction"]!.GetValue<string>());
            var frames = explained["steps"]!.AsArray();
            Assert.AreEqual("0.00s", frames[0]!["step"]!.GetValue<string>());
            Assert.AreEqual("0.01s", frames[1]!["step"]!.GetValue<string>());
            Assert.IsGreaterThan(20, frames.Count, "a spoken digit lasts a few tenths of a second");
            Assert.IsTrue(frames.Any(f => f!["contribution"]!.GetValue<double>() != 0), "occluding frames moves the probability");

            // codegen: the generated project predicts the training file's first recording as the tool does.
            var first = File.ReadLines(Path.Combine(folder, "train.csv")).Take(2).ToList();
            File.WriteAllLines(input, new[] { "file", first[1].Split(',')[0] });
            SavedModel.Predict(config, null, input, output);
            var expected = File.ReadAllLines(output)[1].Split(',');
            var code = CodeGenerator.Write(config, Path.Combine(folder, "code"), ConfigTests.RepoRoot());
            var run = Dotnet(code, "run -c Release", 8);
            var line = run.Split('\n').Single(l => l.StartsWith("PredictedLabel=", StringComparison.Ordinal)).Trim();
            var parts = line.Split(' ').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
            Assert.AreEqual(expected[1], parts["PredictedLabel"]);
            Assert.AreEqual(float.Parse(expected[2], CultureInfo.InvariantCulture), float.Parse(parts["Probability"], CultureInfo.InvariantCulture), 1e-6f);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void SpliceTrainsAMulticlassModelThatPredictsClassNames()
    {
        var folder = ConfigTests.TempFolder();
        try
        {
            var config = WorkflowConfig.Load(ConfigTests.Variant("splice", folder, _ => { }));
            var report = new TabularWorkflow(config, new Recorder()).Run();
            // 0.968 here; the main job's LSTM reaches 0.957 on its split and ML.NET's maximum entropy 0.946 (docs/results.md).
            Assert.IsGreaterThan(0.94, report.Model["macroAccuracy"], $"macro accuracy {report.Model["macroAccuracy"]}");
            Assert.IsTrue(File.Exists(report.Files["confusionMatrix"]));

            var input = Path.Combine(folder, "dna.csv");
            var lines = File.ReadAllLines(config.Resolve(config.Data.Path)).Take(41).ToList();
            File.WriteAllLines(input, new[] { "sequence" }.Concat(lines.Skip(1).Select(l => l.Split(',')[1])));
            var output = Path.Combine(folder, "classes.csv");
            Assert.AreEqual(40, SavedModel.Predict(config, null, input, output));
            var predicted = File.ReadAllLines(output).Skip(1).Select(l => l.Split(',')).ToList();
            var actual = lines.Skip(1).Select(l => l.Split(',')[0]).ToList();
            Assert.IsTrue(predicted.All(p => p[1] is "ei" or "ie" or "n"), "class names, not keys");
            Assert.IsGreaterThanOrEqualTo(36, predicted.Zip(actual).Count(p => p.First[1] == p.Second), "the first 40 rows (mostly training rows) are classified");
            Assert.IsTrue(predicted.All(p => float.Parse(p[2], CultureInfo.InvariantCulture) is > 0.3f and <= 1f));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    [Timeout(600_000)]
    public void AirPassengersForecastsBeatSeasonalNaiveAndTheGeneratedCodeForecastsTheSame()
    {
        var folder = ConfigTests.TempFolder();
        try
        {
            var config = WorkflowConfig.Load(ConfigTests.Variant("airpassengers", folder, _ => { }));
            var report = new ForecastWorkflow(config, new Recorder()).Run();
            var model = report.Rows[0];
            var naive = report.Rows[1];
            StringAssert.StartsWith(naive.Name, "seasonal naive");
            // 1960 held out: the LSTM recipe 4.6% sMAPE here (3.8% in the main job), seasonal naive 10.6%.
            Assert.IsLessThan(0.75 * naive["smape"], model["smape"], $"sMAPE {model["smape"]} against seasonal naive {naive["smape"]}");
            Assert.IsTrue(File.Exists(report.Files["forecast"]));

            // predict: a forecast from the whole history (1949-1960) into 1961.
            var output = Path.Combine(folder, "forecast.csv");
            Assert.AreEqual(12, SavedModel.Predict(config, null, config.Resolve(config.Data.Path), output));
            var rows = File.ReadAllLines(output).Select(l => l.Split(',')).ToList();
            CollectionAssert.AreEqual(new[] { "series", "step", "time", "passengers_thousands", "passengers_thousands_q0.1", "passengers_thousands_q0.5", "passengers_thousands_q0.9" }, rows[0]);
            StringAssert.StartsWith(rows[1][2], "1961-01-01");
            var point = rows.Skip(1).Select(r => float.Parse(r[3], CultureInfo.InvariantCulture)).ToArray();
            Assert.IsTrue(rows.Skip(1).All(r => float.Parse(r[4], CultureInfo.InvariantCulture) <= float.Parse(r[6], CultureInfo.InvariantCulture)));

            // explain: the 24 window steps before the forecast origin, each with the forecast's change without it.
            var ml = new Microsoft.ML.MLContext(1);
            using (var loaded = ml.Model.LoadSequenceModel(report.Files["model"], out _) as IDisposable)
            {
                var (_, steps) = SavedModel.ExplainForecasts(config, SavedModel.Explainable(SavedModel.Forecaster((Microsoft.ML.ITransformer)loaded!)), config.Resolve(config.Data.Path), null).Single();
                Assert.HasCount(24, steps);
                Assert.AreEqual("1959-01-01", steps[0].Time);
                Assert.AreEqual(432f, steps[^1].Value);
                Assert.IsTrue(steps.Any(x => x.Contribution != 0));
            }
            Assert.AreEqual(Program.ExitCodes.Ok, Program.Main(new[] { "explain", Path.Combine(folder, "airpassengers.json"), "--input", config.Resolve(config.Data.Path) }));
            Assert.AreEqual(Program.ExitCodes.BadData, Program.Main(new[] { "explain", Path.Combine(folder, "airpassengers.json") }), "explain without --input names it");

            var code = CodeGenerator.Write(config, Path.Combine(folder, "code"), ConfigTests.RepoRoot());
            var run = Dotnet(code, "run -c Release", 8);
            var line = run.Split('\n').Single(l => l.StartsWith("Forecast=", StringComparison.Ordinal)).Trim();
            var generated = line["Forecast=".Length..].Split(';').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            Assert.HasCount(12, generated);
            for (int i = 0; i < 12; i++)
                Assert.AreEqual(point[i], generated[i], 1e-3f * Math.Abs(point[i]), $"step {i + 1}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    [Timeout(600_000)]
    public void ADeepArTrainerForecastsPredictsAndGeneratesCodeThatForecastsTheSame()
    {
        var folder = ConfigTests.TempFolder();
        try
        {
            var config = WorkflowConfig.Load(ConfigTests.Variant("airpassengers", folder, j => j["trainer"] = new JsonObject
            {
                ["family"] = "deepar",
                ["options"] = new JsonObject { ["HiddenSize"] = 24, ["Epochs"] = 20, ["BatchesPerEpoch"] = 20, ["BatchSize"] = 16, ["Lags"] = new JsonArray(1, 2, 3, 12, 24) },
            }));
            var report = new ForecastWorkflow(config, new Recorder()).Run();
            Assert.AreEqual("deepar", report.Rows[0].Name);
            Assert.AreEqual("deepar", (string?)report.Trainer!["family"]);
            // 1960 held out: measured sMAPE 3.59 (80% interval coverage 0.583), seasonal naive 10.57.
            TestContext.WriteLine($"DeepAR on AirPassengers 1960: sMAPE {report.Rows[0]["smape"]:F2}, coverage {report.Rows[0]["coverage"]:F3}; seasonal naive {report.Rows[1]["smape"]:F2}");
            Assert.IsLessThan(0.6 * report.Rows[1]["smape"], report.Rows[0]["smape"], "well under seasonal naive's sMAPE");

            var output = Path.Combine(folder, "forecast.csv");
            Assert.AreEqual(12, SavedModel.Predict(config, null, config.Resolve(config.Data.Path), output));
            var rows = File.ReadAllLines(output).Select(l => l.Split(',')).ToList();
            CollectionAssert.AreEqual(new[] { "series", "step", "time", "passengers_thousands", "passengers_thousands_q0.1", "passengers_thousands_q0.5", "passengers_thousands_q0.9" }, rows[0]);
            StringAssert.StartsWith(rows[1][2], "1961-01-01");
            var point = rows.Skip(1).Select(r => float.Parse(r[3], CultureInfo.InvariantCulture)).ToArray();

            // explain needs a windowed forecaster: a clear refusal, not a crash.
            Assert.AreEqual(Program.ExitCodes.BadData, Program.Main(new[] { "explain", Path.Combine(folder, "airpassengers.json"), "--input", config.Resolve(config.Data.Path) }));

            var code = CodeGenerator.Write(config, Path.Combine(folder, "code"), ConfigTests.RepoRoot());
            var run = Dotnet(code, "run -c Release", 8);
            var line = run.Split('\n').Single(l => l.StartsWith("Forecast=", StringComparison.Ordinal)).Trim();
            var generated = line["Forecast=".Length..].Split(';').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            Assert.HasCount(12, generated);
            for (int i = 0; i < 12; i++)
                Assert.AreEqual(point[i], generated[i], 1e-3f * Math.Abs(point[i]), $"step {i + 1}: the generated code forecasts what the tool does");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void AnNBeatsTrainerForecastsAirPassengers()
    {
        var folder = ConfigTests.TempFolder();
        try
        {
            var config = WorkflowConfig.Load(ConfigTests.Variant("airpassengers", folder, j => j["trainer"] = new System.Text.Json.Nodes.JsonObject
            {
                ["family"] = "nbeats",
                ["options"] = new System.Text.Json.Nodes.JsonObject { ["LayerWidth"] = 64, ["NumberOfBlocks"] = 4, ["NumberOfEpochs"] = 100, ["BatchSize"] = 16 },
            }));
            var report = new ForecastWorkflow(config, new Recorder()).Run();
            Assert.AreEqual("nbeats", report.Rows[0].Name);
            // 1960 held out: about 3.5% sMAPE (Forecasting/NBeatsTests), seasonal naive 10.6%.
            Assert.IsLessThan(0.6 * report.Rows[1]["smape"], report.Rows[0]["smape"], $"sMAPE {report.Rows[0]["smape"]} against seasonal naive {report.Rows[1]["smape"]}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void ASweepConfigSweepsSavesTheBestAndResumesFromItsTrialLog()
    {
        var folder = ConfigTests.TempFolder();
        try
        {
            var path = ConfigTests.Variant("splice", folder, j =>
            {
                j.Remove("trainer");
                j["sweep"] = new JsonObject { ["maximumTrials"] = 3, ["families"] = new JsonArray("cnn", "lstm"), ["maximumEpochs"] = 3, ["tuner"] = "random" };
            });
            var config = WorkflowConfig.Load(path);
            var recorder = new Recorder();
            var report = new TabularWorkflow(config, recorder).Run();
            var log = Path.Combine(config.OutputDirectory, "trials.json");
            var trials = JsonNode.Parse(File.ReadAllText(log))!["trials"]!.AsArray();
            Assert.HasCount(3, trials);
            Assert.IsNotNull(report.Leaderboard);
            StringAssert.Contains(report.Leaderboard, "MacroAccuracy");
            Assert.IsTrue(File.Exists(report.Files["model"]));
            Assert.IsTrue(report.Model["macroAccuracy"] is > 0 and <= 1);

            // Run again: the trial log already holds the three trials, so nothing is retrained but the refit.
            var again = new TabularWorkflow(config, recorder).Run();
            Assert.HasCount(3, JsonNode.Parse(File.ReadAllText(log))!["trials"]!.AsArray());
            Assert.AreEqual(report.Leaderboard, again.Leaderboard);
            Assert.AreEqual(report.Model["macroAccuracy"], again.Model["macroAccuracy"], 1e-9, "the same best configuration, refit with the same seed");

            // The same sweep averaging its best two trials: the log's trials are reused, the two best refit twice each (two seeds) and averaged.
            var averagedPath = ConfigTests.Variant("splice", folder, j =>
            {
                j.Remove("trainer");
                j["sweep"] = new JsonObject { ["maximumTrials"] = 3, ["families"] = new JsonArray("cnn", "lstm"), ["maximumEpochs"] = 3, ["tuner"] = "random", ["ensembleSize"] = 2, ["refitSeeds"] = 2 };
            });
            var averagedConfig = WorkflowConfig.Load(averagedPath);
            var averaged = new TabularWorkflow(averagedConfig, recorder).Run();
            Assert.AreEqual("ensemble of 4 (2 configurations × 2 seeds)", averaged.Trainer!["family"]!.GetValue<string>());
            Assert.HasCount(2, averaged.Trainer["members"]!.AsArray());
            Assert.IsTrue(averaged.Model["macroAccuracy"] is > 0.5 and <= 1, $"{averaged.Model["macroAccuracy"]}");
            // The saved ensemble loads and scores the held-out rows as the run did.
            Assert.AreEqual(averaged.Model["macroAccuracy"], SavedModel.Evaluate(averagedConfig, null, null).Model["macroAccuracy"], 1e-9);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void CrossValidationScoresEveryFoldAndSavesAModelTrainedOnEveryRow()
    {
        var folder = ConfigTests.TempFolder();
        try
        {
            var path = ConfigTests.Variant("splice", folder, j =>
            {
                j["split"] = new JsonObject { ["crossValidationFolds"] = 3 };
                j["trainer"]!["options"]!["NumberOfEpochs"] = 4;
            });
            var config = WorkflowConfig.Load(path);
            var report = new TabularWorkflow(config, new Recorder()).Run();
            CollectionAssert.AreEqual(new[] { "lstm (mean of 3 folds)", "lstm (standard deviation)", "ML.NET one-hot + LbfgsMaximumEntropy (mean of 3 folds)" },
                report.Rows.Select(r => r.Name).ToArray());
            Assert.IsGreaterThan(0.9, report.Rows[0]["macroAccuracy"]);
            Assert.IsTrue(report.Rows[1]["macroAccuracy"] is > 0 and < 0.05, $"sd {report.Rows[1]["macroAccuracy"]}");
            Assert.IsTrue(File.Exists(report.Files["model"]) && File.Exists(report.Files["confusionMatrix"]));
            StringAssert.Contains(Assert.ThrowsExactly<DataException>(() => SavedModel.Evaluate(config, null, null)).Message, "no rows are held out; pass --data");
            var evaluated = SavedModel.Evaluate(config, null, config.Resolve(config.Data.Path));
            Assert.IsGreaterThan(report.Rows[0]["macroAccuracy"], evaluated.Model["macroAccuracy"], "the saved model was trained on these rows");

            StringAssert.Contains(Assert.ThrowsExactly<ConfigException>(() => WorkflowConfig.Load(ConfigTests.Variant("splice", folder, j =>
                j["split"] = new JsonObject { ["crossValidationFolds"] = 3, ["testFraction"] = 0.2 }))).Message, "either crossValidationFolds or testFraction");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void TheCommandLineReturnsItsExitCodes()
    {
        var folder = ConfigTests.TempFolder();
        try
        {
            Directory.CreateDirectory(folder);
            Assert.AreEqual(Program.ExitCodes.BadConfig, Program.Main(new[] { "train", Path.Combine(folder, "missing.json") }));
            var bad = ConfigTests.Variant("sentiment", folder, j => j["trainer"]!["options"]!["Chanels"] = 8);
            Assert.AreEqual(Program.ExitCodes.BadConfig, Program.Main(new[] { "train", bad }));
            var data = Path.Combine(folder, "bad.tsv");
            File.WriteAllText(data, "source\tlabel\ttext\nyelp\t2\tGreat.\n");
            var badData = ConfigTests.Variant("sentiment", folder, j => j["data"]!["path"] = data);
            Assert.AreEqual(Program.ExitCodes.BadData, Program.Main(new[] { "train", badData }));
            Assert.AreEqual(Program.ExitCodes.BadArguments, Program.Main(new[] { "fly" }));
            Assert.AreEqual(Program.ExitCodes.BadArguments, Program.Main(new[] { "init", "--data", data, "--task", "clustering" }));
            Assert.AreEqual(Program.ExitCodes.BadConfig, Program.Main(new[] { "sweep", bad }), "the config is checked before anything else");
            var init = Path.Combine(folder, "init.json");
            Assert.AreEqual(Program.ExitCodes.Ok, Program.Main(new[] { "init", "--data", Path.Combine(ConfigTests.RepoRoot(), "data", "bio", "splice_dna.csv"), "--task", "multiclass", "--config", init }));
            Assert.IsTrue(File.Exists(Path.Combine(folder, ConfigInference.SchemaFileName)), "init writes the schema next to the config");
            Assert.AreEqual(Program.ExitCodes.BadConfig, Program.Main(new[] { "init", "--data", data, "--task", "binary", "--config", init }), "an existing config is kept without --force");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
