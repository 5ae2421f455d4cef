using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Tests.Trainers;

/// <summary>Checkpoints and resume (a killed process included), cancellation that returns the best model, reduce-on-plateau, the console progress display.</summary>
[TestClass]
public sealed class TrainingExperienceTests
{
    public TestContext TestContext { get; set; } = null!;
    private string _dir = "";

    [TestInitialize]
    public void Init()
    {
        _dir = Path.Combine(Path.GetTempPath(), "mlnetseq-train-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    public sealed class LabelOnly
    {
        public bool Label { get; set; }
    }

    private static string DataFolder => Path.Combine(AppContext.BaseDirectory, "data");

    private static (MLContext Ml, IDataView Train, IDataView Test) Recipe()
    {
        var ml = new MLContext(1);
        var (train, test) = CheckpointRecipe.Data(DataFolder);
        var trainView = ml.Data.LoadFromEnumerable(train);
        var prep = CheckpointRecipe.Preparation(ml).Fit(trainView);
        return (ml, prep.Transform(trainView), prep.Transform(ml.Data.LoadFromEnumerable(test)));
    }

    private static double Accuracy(MLContext ml, ITransformer model, IDataView test) =>
        ml.BinaryClassification.EvaluateNonCalibrated(model.Transform(test)).Accuracy;

    [TestMethod]
    public void ACanceledFitResumesFromItsCheckpointAndEndsAsAnUninterruptedOne()
    {
        var (ml, train, test) = Recipe();
        using var uninterrupted = ml.BinaryClassification.Trainers.SequenceLstm(CheckpointRecipe.Options(null)).Fit(train);

        var path = Path.Combine(_dir, "training.ckpt");
        using var cancel = new CancellationTokenSource();
        var first = CheckpointRecipe.Options(path, new SyncProgress<EpochReport>(e => { if (e.Epoch == 5) cancel.Cancel(); }));
        first.CancellationToken = cancel.Token;
        Assert.ThrowsExactly<OperationCanceledException>(() => ml.BinaryClassification.Trainers.SequenceLstm(first).Fit(train));
        Assert.IsTrue(File.Exists(path), "a canceled training keeps its checkpoint");

        // Another training is refused, by name.
        var other = CheckpointRecipe.Options(path);
        other.LearningRate = 0.01;
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.BinaryClassification.Trainers.SequenceLstm(other).Fit(train));
        StringAssert.Contains(e.Message, "CheckpointPath");
        StringAssert.Contains(e.Message, "other options");

        // So is other data of the same size (every label flipped): the fingerprint hashes the rows' values.
        var flipped = ml.Transforms.CustomMapping<LabelOnly, LabelOnly>((i, o) => o.Label = !i.Label, contractName: null).Fit(train).Transform(train);
        e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.BinaryClassification.Trainers.SequenceLstm(CheckpointRecipe.Options(path)).Fit(flipped));
        StringAssert.Contains(e.Message, "CheckpointPath");

        using var resumed = ml.BinaryClassification.Trainers.SequenceLstm(CheckpointRecipe.Options(path)).Fit(train);
        Assert.AreEqual(5, resumed.TrainingHistory!.ResumedAfterEpoch);
        Assert.HasCount(CheckpointRecipe.Epochs, resumed.TrainingHistory.Epochs, "the history holds the checkpoint's epochs and the resumed ones");
        Assert.IsFalse(File.Exists(path), "a finished training deletes its checkpoint");
        // Weights, optimizer state, random state and row order all come back: the resumed model is the uninterrupted one.
        var expected = TestData.Column(uninterrupted.Transform(test), "Score").Cast<float>().ToArray();
        var actual = TestData.Column(resumed.Transform(test), "Score").Cast<float>().ToArray();
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], actual[i], 1e-4, $"row {i}");
        for (int k = 0; k < CheckpointRecipe.Epochs; k++)
            Assert.AreEqual(uninterrupted.TrainingHistory!.Epochs[k].TrainingLoss, resumed.TrainingHistory.Epochs[k].TrainingLoss, 1e-4, $"epoch {k + 1} loss");
        // Elapsed time goes on from the checkpoint's, one epoch's worth at a time (never counted twice).
        var h = resumed.TrainingHistory.Epochs;
        double longest = h.Max(e => 680 / e.RowsPerSecond);
        for (int k = 1; k < h.Count; k++)
        {
            double step = (h[k].Elapsed - h[k - 1].Elapsed).TotalSeconds;
            Assert.IsTrue(step > 0 && step < 3 * longest + 0.5, $"epoch {k + 1} added {step:F2} s (an epoch trains in at most {longest:F2} s)");
        }
    }

    [TestMethod]
    [TestCategory("Slow")]
    public void AProcessKilledMidTrainingLosesAtMostOneEpoch()
    {
        var child = ChildPath();
        var path = Path.Combine(_dir, "killed.ckpt");
        var start = new ProcessStartInfo("dotnet", $"\"{child}\" \"{DataFolder}\" \"{path}\"") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        int lastEpoch = 0;
        using (var p = Process.Start(start)!)
        {
            // Kill it (SIGKILL) once it has finished four epochs, while it trains the fifth.
            string? line;
            while ((line = p.StandardOutput.ReadLine()) != null)
            {
                if (line.StartsWith("epoch ", StringComparison.Ordinal))
                    lastEpoch = int.Parse(line[6..], System.Globalization.CultureInfo.InvariantCulture);
                if (lastEpoch >= 4)
                {
                    p.Kill();
                    break;
                }
            }
            p.WaitForExit();
            Assert.AreEqual(4, lastEpoch, "the child was killed after its fourth epoch: " + p.StandardError.ReadToEnd());
        }
        Assert.IsTrue(File.Exists(path), "the checkpoint survives the kill");

        var (ml, train, test) = Recipe();
        using var resumed = ml.BinaryClassification.Trainers.SequenceLstm(CheckpointRecipe.Options(path)).Fit(train);
        int resumedAfter = resumed.TrainingHistory!.ResumedAfterEpoch;
        // Checkpoints are written before an epoch is reported, so the fourth epoch the child printed is in it; only the
        // fifth, under way at the kill, is lost.
        Assert.AreEqual(lastEpoch, resumedAfter, "no finished epoch is lost");
        using var uninterrupted = ml.BinaryClassification.Trainers.SequenceLstm(CheckpointRecipe.Options(null)).Fit(train);
        double a = Accuracy(ml, resumed, test), b = Accuracy(ml, uninterrupted, test);
        TestContext.WriteLine($"resumed after epoch {resumedAfter}: accuracy {a:F3}; uninterrupted: {b:F3}");
        Assert.AreEqual(b, a, 0.02, "the resumed training reaches the uninterrupted one's accuracy");
    }

    /// <summary>The child program's assembly, built beside the tests (same configuration and framework).</summary>
    private static string ChildPath()
    {
        var bin = new DirectoryInfo(AppContext.BaseDirectory);                 // tests/MLNet.Sequence.Tests/bin/<config>/<tfm>/
        string tfm = bin.Name, config = bin.Parent!.Name;
        var tests = bin.Parent!.Parent!.Parent!.Parent!.FullName;               // tests/
        var path = Path.Combine(tests, "MLNet.Sequence.TrainingChild", "bin", config, tfm, "MLNet.Sequence.TrainingChild.dll");
        Assert.IsTrue(File.Exists(path), $"the child program is built with the tests: {path}");
        return path;
    }

    [TestMethod]
    public void CancellationCanReturnTheBestModelSoFar()
    {
        var (ml, train, test) = Recipe();
        using var cancel = new CancellationTokenSource();
        var reports = new List<EpochReport>();
        var options = CheckpointRecipe.Options(null, new SyncProgress<EpochReport>(e => { reports.Add(e); if (e.Epoch == 4) cancel.Cancel(); }));
        options.CancellationToken = cancel.Token;
        options.OnCancellation = CancellationBehavior.ReturnBestModel;
        using var model = ml.BinaryClassification.Trainers.SequenceLstm(options).Fit(train);
        var h = model.TrainingHistory!;
        Assert.IsTrue(h.Canceled);
        Assert.HasCount(4, h.Epochs, "four epochs finished before the cancellation took effect");
        var best = reports.OrderBy(r => r.ValidationLoss).First();
        Assert.AreEqual(best.Epoch, h.BestEpoch, "the model holds the best validation epoch's weights");
        Assert.IsGreaterThan(0.5, Accuracy(ml, model, test));

        // Canceled before any epoch finished, there is no model to return.
        using var early = new CancellationTokenSource();
        early.Cancel();
        var none = CheckpointRecipe.Options(null);
        none.CancellationToken = early.Token;
        none.OnCancellation = CancellationBehavior.ReturnBestModel;
        Assert.ThrowsExactly<OperationCanceledException>(() => ml.BinaryClassification.Trainers.SequenceLstm(none).Fit(train));
    }

    [TestMethod]
    public void ReduceOnPlateauLowersTheRateAfterPatienceEpochsWithoutImprovement()
    {
        var (ml, train, _) = Recipe();
        var options = CheckpointRecipe.Options(null);
        options.LearningRate = 0.01;
        options.LearningRateSchedule = LearningRateSchedule.ReduceOnPlateau;
        options.PlateauPatience = 2;
        options.PlateauFactor = 0.5;
        using var model = ml.BinaryClassification.Trainers.SequenceLstm(options).Fit(train);
        var epochs = model.TrainingHistory!.Epochs;
        // Replay the rule on the validation losses: the rate halves after two epochs without a 1e-4 relative improvement.
        double lr = 0.01, best = double.PositiveInfinity;
        int wait = 0, reductions = 0;
        foreach (var e in epochs)
        {
            Assert.AreEqual(lr, e.LearningRate, 1e-12, $"epoch {e.Epoch}");
            if (e.ValidationLoss!.Value < best * (1 - 1e-4)) { best = e.ValidationLoss.Value; wait = 0; }
            else if (++wait >= 2) { lr *= 0.5; wait = 0; reductions++; }
        }
        Assert.IsGreaterThan(0, reductions, "a rate of 0.01 overfits 680 sentences within 12 epochs, so the validation loss stalls");
    }

    [TestMethod]
    public void ConsoleProgressShowsBatchesTimeLeftAndEpochs()
    {
        var (ml, train, _) = Recipe();
        var lines = new StringWriter();
        var progress = new ConsoleTrainingProgress(lines, redrawInPlace: false);
        var options = CheckpointRecipe.Options(null);
        options.NumberOfEpochs = 2;
        options.Progress = progress;
        options.BatchProgress = progress;
        using (ml.BinaryClassification.Trainers.SequenceLstm(options).Fit(train)) { }
        var text = lines.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        TestContext.WriteLine(string.Join("\n", text));
        // The rows not held out for validation, in batches of 32: a line at each quarter, then the epoch's summary.
        Assert.IsTrue(text.Any(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^epoch 1/2 \[#+\.+\] \d+/2\d loss 0\.\d{4} lr 0\.001 \| 0:\d\d, ~0:\d\d left$")), "bar, batches, loss, rate, times");
        Assert.IsTrue(text.Any(l => l.StartsWith("epoch 1/2: loss", StringComparison.Ordinal) && l.Contains("validation accuracy")));
        Assert.IsTrue(text.Any(l => l.StartsWith("epoch 2/2: loss", StringComparison.Ordinal)));
        Assert.HasCount(2 * 3 + 2, text, "three quarter lines and a summary per epoch");

        var redraw = new StringWriter();
        var inPlace = new ConsoleTrainingProgress(redraw, redrawInPlace: true);
        options.Progress = inPlace;
        options.BatchProgress = inPlace;
        using (ml.BinaryClassification.Trainers.SequenceLstm(options).Fit(train)) { }
        StringAssert.Contains(redraw.ToString(), "\repoch 2/2 [", "redraws the line in place");
    }

    [TestMethod]
    public void DefaultEpochsScaleWithTheData()
    {
        Assert.AreEqual(250, SequenceTrainer.AutomaticEpochs(53, 32, 500), "2 batches an epoch: 250 epochs for 500 steps");
        Assert.AreEqual(50, SequenceTrainer.AutomaticEpochs(300, 32, 500));
        Assert.AreEqual(7, SequenceTrainer.AutomaticEpochs(2400, 32, 500));
        Assert.AreEqual(5, SequenceTrainer.AutomaticEpochs(100_000, 32, 500), "at least 5");
        Assert.AreEqual(300, SequenceTrainer.AutomaticEpochs(5, 32, 500), "at most 300");

        // 53 sentences with the README's recipe: the default trains 250 epochs (500 optimizer steps) and predicts both
        // classes (docs/results.md: 5 epochs, 10 steps, left the network on one class in that run's split).
        var ml = new MLContext(1);
        var (train, test) = Splits.Split(TestData.Sentiment());
        var tiny = ml.Data.LoadFromEnumerable(train.Take(53));
        var testData = ml.Data.LoadFromEnumerable(test);
        double PositiveShare(int? epochs)
        {
            using var model = (TransformerChain<SequencePredictionTransformer>)Splits.SentimentPreparation(ml)
                .Append(ml.BinaryClassification.Trainers.SequenceCnn(new CnnOptions { Pooling = SequencePooling.Max, Dropout = 0.5f, NumberOfEpochs = epochs })).Fit(tiny);
            if (epochs == null)
                Assert.AreEqual(250, model.LastTransformer.TrainingHistory!.Epochs.Count);
            return TestData.Column(model.Transform(testData), "PredictedLabel").Cast<bool>().Average(b => b ? 1.0 : 0.0);
        }
        double fixedFive = PositiveShare(5), automatic = PositiveShare(null);
        TestContext.WriteLine($"share predicted positive: 5 epochs {fixedFive:F3}, default {automatic:F3}");
        Assert.IsTrue(automatic is > 0.2 and < 0.8, "the default learns both classes");
    }
}
