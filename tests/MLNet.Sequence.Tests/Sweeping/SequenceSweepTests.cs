using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Tests.Sweeping;

/// <summary>Sweeps through ML.NET: whole pipelines (preprocessing parameters too) on the bundled sentiment data.</summary>
[TestClass]
public sealed class SequenceSweepTests
{
    public sealed class Review
    {
        public bool Label { get; set; }
        public string Text { get; set; } = "";
    }


    private static (MLContext Ml, IDataView Train, List<Review> Test) Sentiment()
    {
        var ml = new MLContext(1);
        var (train, test) = Splits.Split(TestData.Sentiment());
        var view = ml.Data.LoadFromEnumerable(train.Select(s => new Review { Label = s.Label, Text = s.Text }).ToList());
        return (ml, view, test.Select(s => new Review { Label = s.Label, Text = s.Text }).ToList());
    }

    /// <summary>Text → words → ids (minimum count swept) → padded (length swept): "Features".</summary>
    private static SequenceSearchSpace SmallTextSpace(MLContext ml) =>
        SequenceSearchSpace.ForFamilies(EncoderKind.Lstm, EncoderKind.Cnn)
            .Narrow("EmbeddingDimension", 8, 32).Narrow("HiddenSize", 8, 32).Narrow("Channels", 8, 32).Fix("Cnn.NumberOfLayers", 2)
            .Fix("Lstm.NumberOfLayers", 1).Fix("Pooling", "Last").Fix("BatchSize", 32).Fix("WeightDecay", 0.0).Narrow("LearningRate", 2e-3, 1e-2)
            .WithPreprocessing(c => ml.Transforms.Text.NormalizeText("Norm", "Text", keepPunctuations: false)
                    .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Norm"))
                    .Append(ml.Transforms.EncodeTokens("Ids", "Tokens", minimumCount: c.Get<int>("MinimumCount")))
                    .Append(ml.Transforms.PadSequences("Features", "Ids", length: c.Get<int>("PadLength"))),
                SweepParameter.Choice("PadLength", 16, 32), SweepParameter.Integer("MinimumCount", 1, 3, defaultValue: 2));

    [TestMethod]
    public void ASweepRanksWholePipelinesAndRefitsTheBestAsOneSavableModel()
    {
        var (ml, train, test) = Sentiment();
        var log = new List<string>();
        ml.Log += (_, e) => { if (e.Message.Contains("Trial #")) log.Add(e.Message); };
        var reported = new List<SequenceTrialResult>();
        var result = ml.BinaryClassification.SweepSequenceModels(new SequenceSweepOptions
        {
            SearchSpace = SmallTextSpace(ml),
            MaximumTrials = 5,
            MaximumEpochs = 5,
            Seed = 2,
            Progress = new SyncProgress<SequenceTrialResult>(reported.Add),
        }).Execute(train);

        Assert.HasCount(5, result.Trials);
        Assert.HasCount(5, reported, "every trial reported through IProgress");
        Assert.HasCount(5, log, "and through MLContext.Log");
        Assert.IsTrue(result.Trials.All(t => t.Status != TrialStatus.Failed), string.Join("; ", result.Trials.Select(t => t.Error)));
        var (first, second) = (result.Trials[0].Configuration, result.Trials[1].Configuration);
        Assert.AreNotEqual(first.Family, second.Family, "the cost-frugal start tries each family at its defaults");
        Assert.IsLessThanOrEqualTo(second.Cost(), first.Cost(), "the smaller model first");
        Assert.IsTrue(result.Trials.All(t => t.Metric is > 0.4 and <= 1 && t.Epochs is >= 1 and <= 5 && t.Seconds > 0));
        // Completed trials first, each group by accuracy, larger first.
        int completed = result.Leaderboard.TakeWhile(t => t.Status == TrialStatus.Completed).Count();
        Assert.IsTrue(result.Leaderboard.Skip(completed).All(t => t.Status != TrialStatus.Completed));
        foreach (var group in new[] { result.Leaderboard.Take(completed), result.Leaderboard.Skip(completed) })
        {
            var ranked = group.Select(t => t.Metric).ToList();
            CollectionAssert.AreEqual(ranked.OrderByDescending(m => m).ToList(), ranked, "accuracy: larger first");
        }
        Assert.AreSame(result.Leaderboard[0], result.BestTrial);
        Assert.IsTrue(result.Trials.Select(t => t.Configuration.Get<int>("PadLength")).All(p => p is 16 or 32));
        StringAssert.Contains(result.ToTable(), "| 1 | ");
        Assert.HasCount(5, result.BestSoFar());

        // The refit model is preprocessing + trainer: it scores raw text and saves in the one-zip format.
        Assert.IsNotNull(result.Model);
        var scored = result.Model!.Transform(ml.Data.LoadFromEnumerable(test));
        var metrics = ml.BinaryClassification.Evaluate(scored);
        Assert.IsGreaterThan(0.74, metrics.Accuracy, $"the refit best pipeline (0.79 when measured) beats the 0.73 lexicon baseline on unseen rows: {metrics.Accuracy:F3}");
        var path = Path.Combine(Path.GetTempPath(), $"sweep-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.SaveSequenceModel(result.Model, train.Schema, path);
            var loaded = ml.Model.LoadSequenceModel(path, out _);
            try
            {
                var again = TestData.Column(loaded.Transform(ml.Data.LoadFromEnumerable(test)), "Score").Cast<float>().ToArray();
                CollectionAssert.AreEqual(TestData.Column(scored, "Score").Cast<float>().ToArray(), again, "the saved sweep model scores as it did");
            }
            finally
            {
                (loaded as IDisposable)?.Dispose();
            }
        }
        finally
        {
            File.Delete(path);
            (result.Model as IDisposable)?.Dispose();
        }
    }

    /// <summary>
    /// A seeded sweep with a trial budget repeats trial for trial, whatever thread counts libtorch is given or the
    /// automatic choice measures: the same configurations, the same validation metrics, the same refit model.
    /// </summary>
    [TestMethod]
    public void ASeededSweepWithATrialBudgetRepeatsTrialForTrial()
    {
        var (ml, train, test) = Sentiment();
        var testData = ml.Data.LoadFromEnumerable(test.Take(200));
        (List<SequenceTrialResult> Trials, float[] Scores) Sweep()
        {
            var result = ml.BinaryClassification.SweepSequenceModels(new SequenceSweepOptions
            {
                SearchSpace = SequenceSearchSpace.ForFamilies(EncoderKind.Transformer, EncoderKind.Lstm)
                    .Narrow("EmbeddingDimension", 8, 32).Narrow("HiddenSize", 8, 32).Narrow("ModelDimension", 16, 64).Narrow("FeedForwardDimension", 32, 128)
                    .Fix("Transformer.NumberOfLayers", 1).Fix("Lstm.NumberOfLayers", 1).Fix("Pooling", "Last").Fix("BatchSize", 32).Fix("WeightDecay", 0.0)
                    .WithPreprocessing(c => ml.Transforms.Text.NormalizeText("Norm", "Text", keepPunctuations: false)
                            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Norm"))
                            .Append(ml.Transforms.EncodeTokens("Ids", "Tokens", minimumCount: 2))
                            .Append(ml.Transforms.PadSequences("Features", "Ids", length: c.Get<int>("PadLength"))),
                        SweepParameter.Choice("PadLength", 16, 32)),
                Tuner = SweepTunerKind.Tpe,
                MaximumTrials = 4,
                MaximumEpochs = 2,
                Seed = 4,
            }).Execute(train);
            using var model = (IDisposable)result.Model!;
            return (result.Trials.ToList(), TestData.Column(result.Model!.Transform(testData), "Score").Cast<float>().ToArray());
        }
        var (first, firstScores) = Sweep();
        var (second, secondScores) = Sweep();
        Assert.HasCount(4, first);
        Assert.IsTrue(first.Any(t => t.Configuration.Family == EncoderKind.Transformer), "a Transformer trial: its layer norms once made fits depend on the thread count");
        for (int i = 0; i < first.Count; i++)
        {
            Assert.AreEqual(first[i].Configuration.ToString(), second[i].Configuration.ToString(), $"trial {i + 1}: the same configuration");
            Assert.AreEqual(first[i].Metric, second[i].Metric, $"trial {i + 1} ({first[i].Configuration.Family}): the same validation metric");
        }
        CollectionAssert.AreEqual(firstScores, secondScores, "the same refit model");
    }

    [TestMethod]
    public void SuccessiveHalvingStopsBadTrialsOfARealSweep()
    {
        var (ml, train, _) = Sentiment();
        // Learning rates from useless (1e-5) to good: with rungs at 1 and 3 of 9 epochs the slow ones stop early.
        var space = SmallTextSpace(ml).Narrow("LearningRate", 1e-5, 1e-2).Narrow("Encoder", "Cnn").Fix("Channels", 8);
        var result = ml.BinaryClassification.SweepSequenceModels(new SequenceSweepOptions
        {
            SearchSpace = space,
            Tuner = SweepTunerKind.Random,
            MaximumTrials = 8,
            MaximumEpochs = 9,
            MinimumEpochs = 1,
            ReductionFactor = 3,
            Seed = 5,
            RefitBestModel = false,
        }).Execute(train);
        var stopped = result.Trials.Where(t => t.Status == TrialStatus.Stopped).ToList();
        Assert.IsGreaterThanOrEqualTo(3, stopped.Count, $"{stopped.Count} of 8 stopped");
        Assert.IsTrue(stopped.All(t => t.Epochs is 1 or 3), "at a rung");
        Assert.IsTrue(result.Trials.Where(t => t.Status == TrialStatus.Completed).All(t => t.Epochs == 9));
        Assert.IsTrue(stopped.All(t => t.RungLosses.Count >= 1 && double.IsFinite(t.Metric)), "a stopped trial is still scored, with its best weights");
        Assert.IsNull(result.Model);
    }

    [TestMethod]
    public void BadSweepOptionsAreRefusedWithTheOptionsName()
    {
        var (ml, train, _) = Sentiment();
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.BinaryClassification.SweepSequenceModels(new SequenceSweepOptions())).Message, "MaximumTrials");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.BinaryClassification.SweepSequenceModels(new SequenceSweepOptions { MaximumTrials = 2, Metric = SweepMetric.RootMeanSquaredError })).Message,
            "RootMeanSquaredError does not apply to BinaryClassification");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Regression.SweepSequenceModels(new SequenceSweepOptions { MaximumTrials = 2, ReductionFactor = 1 })).Message, "ReductionFactor");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.BinaryClassification.SweepSequenceModels(new SequenceSweepOptions { MaximumTrials = 2, TrialLogPath = "/no/such/folder/log.json" })).Message, "TrialLogPath");
        var noFeatures = ml.BinaryClassification.SweepSequenceModels(new SequenceSweepOptions { MaximumTrials = 2, FeatureColumnName = "Tokens" });
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => noFeatures.Execute(train)).Message, "no column 'Tokens'");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.BinaryClassification.SweepSequenceModels(new SequenceSweepOptions { MaximumTrials = 2, EnsembleSize = 0 })).Message, "EnsembleSize");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.BinaryClassification.SweepSequenceModels(new SequenceSweepOptions { MaximumTrials = 2, RefitSeeds = 0 })).Message, "RefitSeeds");
        // Averaged pipelines keep only the input's columns and the scores: a label the preprocessing would make is refused before any trial.
        foreach (var (ensembleSize, refitSeeds, option) in new[] { (2, 1, "EnsembleSize = 2"), (1, 2, "RefitSeeds = 2") })
        {
            var madeLabel = ml.BinaryClassification.SweepSequenceModels(new SequenceSweepOptions
            {
                SearchSpace = SmallTextSpace(ml), MaximumTrials = 2, LabelColumnName = "LabelMadeLater", EnsembleSize = ensembleSize, RefitSeeds = refitSeeds,
            });
            var message = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => madeLabel.Execute(train)).Message;
            StringAssert.Contains(message, $"Option {option} averages whole pipelines");
            StringAssert.Contains(message, "'LabelMadeLater' must be in the training data");
        }
    }

    [TestMethod]
    public void RefitSeedsAveragesCopiesOfEachChosenConfigurationThatDifferOnlyInTheirSeed()
    {
        var (ml, train, test) = Sentiment();
        var seeds = new List<int>();
        var refitting = false;
        ml.Log += (_, e) =>
        {
            if (e.Message.Contains("Refit of trial #"))
                refitting = true;
            var m = System.Text.RegularExpressions.Regex.Match(e.Message, @"device \S+, seed (\d+)\.");
            if (refitting && m.Success)
                seeds.Add(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        };
        var result = ml.BinaryClassification.SweepSequenceModels(new SequenceSweepOptions
        {
            SearchSpace = SmallTextSpace(ml),
            MaximumTrials = 3,
            MaximumEpochs = 3,
            EarlyStopping = false,
            EnsembleSize = 2,
            EnsembleMethod = SweepEnsembleMethod.TopK,
            RefitSeeds = 2,
            Seed = 4,
        }).Execute(train);
        var ensemble = result.Model as SequenceEnsembleTransformer;
        Assert.IsNotNull(ensemble, $"RefitSeeds 2 returns an ensemble of the copies; it returned {result.Model?.GetType().Name}");
        using (ensemble)
        {
            // The two best trials, each twice in a row; equal shares of each trial's weight; seeds Seed + i·2 + j, all distinct.
            Assert.HasCount(4, ensemble.Members);
            var best = result.Leaderboard.Take(2).Select(t => t.Id).ToArray();
            CollectionAssert.AreEqual(new[] { best[0], best[0], best[1], best[1] }, result.ModelTrials.Select(t => t.Id).ToArray());
            CollectionAssert.AreEqual(new[] { 0.25, 0.25, 0.25, 0.25 }, ensemble.Weights.ToArray());
            CollectionAssert.AreEqual(new[] { 4, 5, 6, 7 }, seeds, "the refits' seeds, as the trainer logged them");
            var testView = ml.Data.LoadFromEnumerable(test);
            var members = AssertProbabilityIsTheMembersMean(ensemble, testView);
            // Same configuration, same rows, different seeds: the copies' probabilities differ (otherwise bagging averages nothing).
            foreach (var (a, b) in new[] { (0, 1), (2, 3) })
                Assert.IsGreaterThan(1e-3, Enumerable.Range(0, members[a].Length).Max(r => Math.Abs(members[a][r] - members[b][r])), $"copies {a + 1} and {b + 1}");
            var accuracy = ml.BinaryClassification.Evaluate(ensemble.Transform(testView)).Accuracy;
            Assert.IsGreaterThan(0.74, accuracy, $"the bagged copies on unseen rows: {accuracy:F3}");
        }
    }

    [TestMethod]
    public void CancelingASweepSkipsOrAbandonsItsRefitAndFreesWhatTheRefitHadFitted()
    {
        var (ml, train, _) = Sentiment();
        var log = new List<string>();
        ml.Log += (_, e) => { if (e.Message.Contains("canceled")) log.Add(e.Message); };

        // Canceled as the second trial finishes: no third trial and no refit; the trials so far are the result.
        using (var cancel = new CancellationTokenSource())
        {
            var result = ml.BinaryClassification.SweepSequenceModels(new SequenceSweepOptions
            {
                SearchSpace = SmallTextSpace(ml),
                MaximumTrials = 5,
                MaximumEpochs = 2,
                EarlyStopping = false,
                Seed = 3,
                Progress = new SyncProgress<SequenceTrialResult>(t => { if (t.Id == 2) cancel.Cancel(); }),
                CancellationToken = cancel.Token,
            }).Execute(train);
            Assert.HasCount(2, result.Trials);
            Assert.IsTrue(result.Trials.All(t => t.Status == TrialStatus.Completed && double.IsFinite(t.Metric)));
            Assert.IsNotNull(result.BestTrial);
            Assert.IsNull(result.Model, "canceled before the refit: none is run");
            Assert.IsEmpty(result.ModelTrials);
            Assert.IsTrue(log.Any(m => m.Contains("no refit")), string.Join(" | ", log));
        }

        // Canceled as the second seed copy's refit starts: that refit stops at its first batch and the first copy,
        // already fitted, is disposed with it: no network is left alive. (Counted by engine, not by
        // torch.Tensor.TotalCount: TorchSharp counts one tensor more for every parameter a managed module such as Linear
        // makes, freed or not, so fitting raises that count even when everything is disposed.)
        log.Clear();
        EstimatorContract.SettleFinalizers();
        int before = SequenceEngine.LiveCount;
        using (var cancel = new CancellationTokenSource())
        {
            ml.Log += (_, e) => { if (e.Message.Contains("seed copy 2 of 2")) cancel.Cancel(); };
            var result = ml.BinaryClassification.SweepSequenceModels(new SequenceSweepOptions
            {
                SearchSpace = SmallTextSpace(ml),
                MaximumTrials = 2,
                MaximumEpochs = 2,
                EarlyStopping = false,
                RefitSeeds = 2,
                Seed = 3,
                CancellationToken = cancel.Token,
            }).Execute(train);
            Assert.IsTrue(cancel.IsCancellationRequested, "the second copy's refit started");
            Assert.HasCount(2, result.Trials);
            Assert.IsTrue(result.Trials.All(t => t.Status == TrialStatus.Completed), "the trials had finished before the cancellation");
            Assert.IsNull(result.Model, "canceled during the refit: the half-made ensemble is not returned");
            Assert.IsEmpty(result.ModelTrials);
            Assert.IsTrue(log.Any(m => m.Contains("during the refit")), string.Join(" | ", log));
        }
        Assert.AreEqual(before, SequenceEngine.LiveCount, "live networks after a sweep whose refit was abandoned (none collected: read without a GC)");
    }

    /// <summary>Asserts the ensemble's Probability is the plain mean of its members' (equal weights); returns the members' columns.</summary>
    private static float[][] AssertProbabilityIsTheMembersMean(SequenceEnsembleTransformer ensemble, IDataView rows)
    {
        var members = ensemble.Members.Select(m => TestData.Column(m.Transform(rows), "Probability").Cast<float>().ToArray()).ToArray();
        var mean = TestData.Column(ensemble.Transform(rows), "Probability").Cast<float>().ToArray();
        for (int r = 0; r < mean.Length; r++)
            Assert.AreEqual(members.Average(m => (double)m[r]), mean[r], 1e-6);
        return members;
    }

    [TestMethod]
    public void ASweepCanReturnTheAverageOfItsBestPipelines()
    {
        var (ml, train, test) = Sentiment();
        var result = ml.BinaryClassification.SweepSequenceModels(new SequenceSweepOptions
        {
            SearchSpace = SmallTextSpace(ml),
            MaximumTrials = 4,
            MaximumEpochs = 3,
            EarlyStopping = false,
            EnsembleSize = 3,
            EnsembleMethod = SweepEnsembleMethod.TopK,
            Seed = 2,
        }).Execute(train);
        var ensemble = result.Model as SequenceEnsembleTransformer;
        Assert.IsNotNull(ensemble, $"EnsembleSize 3 returns an ensemble; it returned {result.Model?.GetType().Name}");
        using (ensemble)
        {
            Assert.HasCount(3, ensemble.Members);
            CollectionAssert.AreEqual(result.Leaderboard.Take(3).Select(t => t.Id).ToList(), result.ModelTrials.Select(t => t.Id).ToList(), "the three best trials, best first");
            // Each member is its trial's whole pipeline: its own padding length and vocabulary threshold.
            var testView = ml.Data.LoadFromEnumerable(test);
            for (int i = 0; i < 3; i++)
            {
                var pad = SequenceModelPadLength(ensemble.Members[i]);
                Assert.AreEqual(result.ModelTrials[i].Configuration.Get<int>("PadLength"), pad, $"member {i + 1} pads as trial #{result.ModelTrials[i].Id} did");
            }
            AssertProbabilityIsTheMembersMean(ensemble, testView);
            var accuracy = ml.BinaryClassification.Evaluate(ensemble.Transform(testView)).Accuracy;
            Assert.IsGreaterThan(0.74, accuracy, $"the averaged best pipelines on unseen rows: {accuracy:F3}");
        }
    }

    [TestMethod]
    public void GreedyEnsembleSelectionWeighsTheTrialsThatLowerTheValidationLoss()
    {
        var (ml, train, test) = Sentiment();
        var log = new List<string>();
        ml.Log += (_, e) => { if (e.Message.Contains("Ensemble selection")) log.Add(e.Message); };
        var result = ml.BinaryClassification.SweepSequenceModels(new SequenceSweepOptions
        {
            SearchSpace = SmallTextSpace(ml),
            MaximumTrials = 5,
            MaximumEpochs = 3,
            EarlyStopping = false,
            CrossValidationFolds = 2,
            EnsembleSize = 3,
            Seed = 3,
        }).Execute(train);
        Assert.HasCount(1, log, "the selection is logged");
        using (result.Model as IDisposable)
        {
            Assert.AreSame(result.BestTrial, result.ModelTrials[0], "selection starts from the best trial");
            Assert.IsLessThanOrEqualTo(3, result.ModelTrials.Count);
            // Five trials of this seed: the selection keeps more than the best one (measured: it does), weighted.
            var ensemble = result.Model as SequenceEnsembleTransformer;
            Assert.IsNotNull(ensemble, $"the selection kept {result.ModelTrials.Count} trial(s)");
            {
                Assert.AreEqual(1.0, ensemble.Weights.Sum(), 1e-9);
                Assert.IsTrue(ensemble.Weights.All(w => w > 0));
                // The logged out-of-fold log-loss of the weighted average is below the best trial's own.
                var m = System.Text.RegularExpressions.Regex.Match(log[0], @"validation loss ([0-9.]+) \(the best trial alone ([0-9.]+)\)");
                Assert.IsTrue(m.Success, log[0]);
                Assert.IsLessThan(double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture),
                    double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), log[0]);
                var accuracy = ml.BinaryClassification.Evaluate(ensemble.Transform(ml.Data.LoadFromEnumerable(test))).Accuracy;
                Assert.IsGreaterThan(0.74, accuracy, $"the selected ensemble on unseen rows: {accuracy:F3}");
            }
        }
    }

    [TestMethod]
    public void EnsembleSelectionFindsTheComplementaryTrialAndLeavesOutTheHarmfulOne()
    {
        // 200 rows, labels in pairs (0, 0, 1, 1, ...). A is right (0.7) on even rows and unsure (0.5) on odd ones, B the reverse, C is
        // wrong everywhere (0.3 for the true class). A alone: log-loss (−ln 0.7 − ln 0.5) / 2 = 0.525; A and B averaged:
        // −ln 0.6 = 0.511; more of either, or any C, raises it. So: A and B at one half each, C never.
        var selection = new EnsembleSelection(SequenceTask.BinaryClassification, "Label");
        var labels = Enumerable.Range(0, 200).Select(i => (float)((i / 2) % 2)).ToArray();
        float Right(int i, float p) => labels[i] > 0.5f ? p : 1 - p;
        var a = Enumerable.Range(0, 200).Select(i => Right(i, i % 2 == 0 ? 0.7f : 0.5f)).ToArray();
        var b = Enumerable.Range(0, 200).Select(i => Right(i, i % 2 == 0 ? 0.5f : 0.7f)).ToArray();
        var c = Enumerable.Range(0, 200).Select(i => Right(i, 0.3f)).ToArray();
        // Two folds of 100 rows each, as RunTrial stores them.
        foreach (var (id, p) in new[] { (1, a), (2, c), (3, b) })
            selection.Add(id, new[] { (p[..100], labels[..100], 1), (p[100..], labels[100..], 1) });
        var (members, loss) = selection.Select(new[] { 1, 2, 3 }, maximumMembers: 3, maximumRounds: 20);
        CollectionAssert.AreEqual(new[] { 1, 3 }, members.Select(m => m.Id).ToArray());
        Assert.AreEqual(0.5, members[0].Weight, 1e-12);
        Assert.AreEqual(-Math.Log(0.6), loss, 1e-6);
        var (alone, aloneLoss) = selection.Select(new[] { 1, 2, 3 }, maximumMembers: 1, maximumRounds: 20);
        Assert.HasCount(1, alone, "one member allowed: adding A again changes nothing");
        Assert.AreEqual((-Math.Log(0.7) - Math.Log(0.5)) / 2, aloneLoss, 1e-6);
    }

    private static int SequenceModelPadLength(ITransformer member)
    {
        var schema = member.GetOutputSchema(new MLContext().Data.LoadFromEnumerable(new List<Review>()).Schema);
        return ((VectorDataViewType)schema["Features"].Type).Size;
    }
}
