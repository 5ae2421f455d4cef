using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Tagging;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Tests.Sweeping;

/// <summary>Tagger sweeps (<c>mlContext.SequenceTagging.SweepSequenceTaggers</c>) on the bundled Brown news part-of-speech data.</summary>
[TestClass]
public sealed class TaggerSweepTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void ATaggerSpaceComesFromTheTaggerOptionsAttributes()
    {
        var space = SequenceSearchSpace.ForTaggers();
        Assert.IsTrue(space.ForTaggerOptions);
        CollectionAssert.AreEquivalent(new[] { EncoderKind.Lstm, EncoderKind.Gru, EncoderKind.Transformer, EncoderKind.Cnn }, space.Families.ToArray());
        var names = space.Parameters.Select(p => p.Name).ToList();
        foreach (var expected in new[] { "WordEmbeddingDimension", "WordDropout", "UseCharacterFeatures", "CharacterEncoder", "UseCrf", "Dropout", "BatchSize",
                     "LearningRate", "Lstm.HiddenSize", "Gru.Bidirectional", "Transformer.NumberOfHeads", "Cnn.KernelSize" })
            Assert.Contains(expected, names);
        Assert.DoesNotContain("NumberOfEpochs", names, "the epoch budget and successive halving own the epochs");
        Assert.DoesNotContain("Pooling", names, "a classifier's option; taggers have none");

        // A configuration becomes the family's tagger options, after the caller's settings.
        space.Narrow(SequenceSearchSpace.EncoderParameter, EncoderKind.Transformer).Fix("Transformer.ModelDimension", 30).Fix("Transformer.NumberOfHeads", 4).Fix("UseCrf", true);
        var tuner = new RandomSweepTuner(space, 3);
        var options = tuner.Propose()!.ToTaggerOptions(space, o => o.TokensColumnName = "Words");
        var transformer = Assert.IsInstanceOfType<TransformerTaggerOptions>(options);
        Assert.AreEqual("Words", transformer.TokensColumnName);
        Assert.AreEqual(32, transformer.ModelDimension, "rounded up to a multiple of the 4 heads");
        Assert.IsTrue(transformer.UseCrf);

        // Spaces and sweeps do not mix kinds.
        var ml = new MLContext(1);
        var data = ml.SequenceTagging.LoadFromConllFile(TestData.PathOf("tagging/brown_news_pos.conll"), 0, 1);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => tuner.Propose()!.ToTrainerOptions(space)).Message, "ToTaggerOptions");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.BinaryClassification.SweepSequenceModels(new SequenceSweepOptions
            { SearchSpace = SequenceSearchSpace.ForTaggers(), MaximumTrials = 1 }).Execute(data)).Message, "SweepSequenceTaggers");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.SequenceTagging.SweepSequenceTaggers(new SequenceTaggerSweepOptions
            { SearchSpace = SequenceSearchSpace.Default(), MaximumTrials = 1 })).Message, "must be a tagger space");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.SequenceTagging.SweepSequenceTaggers(new SequenceTaggerSweepOptions
            { Metric = SweepMetric.EntityF1, MaximumTrials = 1 })).Message, "Scheme");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.SequenceTagging.SweepSequenceTaggers(new SequenceTaggerSweepOptions
            { Metric = SweepMetric.Accuracy, MaximumTrials = 1 })).Message, "does not apply to tagging");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.SequenceTagging.SweepSequenceTaggers(new SequenceTaggerSweepOptions
            { ConfigureTrainer = _ => { }, MaximumTrials = 1 })).Message, "ConfigureTagger");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.SequenceTagging.SweepSequenceTaggers(new SequenceTaggerSweepOptions
            { TokensColumnName = "Words", MaximumTrials = 1 }).Execute(data)).Message, "has no column 'Words'");
    }

    [TestMethod]
    [Timeout(600_000)]
    public void ATaggerSweepRanksTrialsStopsTheWorstRefitsTheBestAndResumes()
    {
        var ml = new MLContext(1);
        // 600 sentences of Brown news: 480 to sweep on (a fifth of them validate each trial), 120 to test.
        var all = ml.Data.TakeRows(ml.SequenceTagging.LoadFromConllFile(TestData.PathOf("tagging/brown_news_pos.conll"), 0, 1), 600);
        var split = ml.Data.TrainTestSplit(all, 0.2, seed: 1);
        var space = SequenceSearchSpace.ForTaggers(EncoderKind.Lstm, EncoderKind.Cnn)
            .Narrow("WordEmbeddingDimension", 16, 64).Narrow("HiddenSize", 16, 64).Narrow("Channels", 32, 64).Fix("Cnn.NumberOfLayers", 2)
            .Fix("Lstm.NumberOfLayers", 1).Fix("UseCharacterFeatures", false).Fix("UseCrf", false).Fix("BatchSize", 16).Narrow("LearningRate", 1e-3, 1e-2);
        var log = Path.Combine(Path.GetTempPath(), $"tagger-sweep-{Guid.NewGuid():N}.json");
        try
        {
            SequenceTaggerSweepOptions Options(int trials) => new()
            {
                SearchSpace = space, MaximumTrials = trials, MaximumEpochs = 4, Seed = 1, TrialLogPath = log,
            };
            var result = ml.SequenceTagging.SweepSequenceTaggers(Options(6)).Execute(split.TrainSet);
            TestContext.WriteLine(result.ToTable());
            Assert.HasCount(6, result.Trials);
            Assert.IsTrue(result.Trials.All(t => t.Status != TrialStatus.Failed), string.Join("; ", result.Trials.Select(t => t.Error)));
            Assert.AreEqual(SweepMetric.TokenAccuracy, result.Metric);
            Assert.IsTrue(result.Trials.All(t => t.Metric is > 0 and <= 1 && t.Epochs is >= 1 and <= 4));
            Assert.IsTrue(result.Trials.Any(t => t.Status == TrialStatus.Stopped), "successive halving stops the trials in the worse part of a rung");
            var completed = result.Leaderboard.TakeWhile(t => t.Status == TrialStatus.Completed).Select(t => t.Metric).ToList();
            CollectionAssert.AreEqual(completed.OrderByDescending(m => m).ToList(), completed, "completed trials first, larger accuracy first");

            using var tagger = Assert.IsInstanceOfType<SequenceTaggingTransformer>(result.Model);
            var metrics = ml.SequenceTagging.Evaluate(tagger.Transform(split.TestSet), scheme: TaggingScheme.Plain);
            TestContext.WriteLine($"best trial #{result.BestTrial!.Id} ({result.BestTrial.Metric:F4} validation) refit: test token accuracy {metrics.TokenAccuracy:F4}");
            // 384 training sentences, 4 epochs, no character features: the refit best (a CNN) tagged 0.836 of the test
            // tokens when written; the majority tag alone ('nn') is about 0.13.
            Assert.IsGreaterThan(0.75, metrics.TokenAccuracy);

            // Resume: the log holds six trials; a budget of eight runs two more.
            var resumed = ml.SequenceTagging.SweepSequenceTaggers(Options(8)).Execute(split.TrainSet);
            Assert.HasCount(8, resumed.Trials);
            for (int i = 0; i < 6; i++)
                Assert.AreEqual(result.Trials[i].Metric, resumed.Trials[i].Metric, 1e-12, "resumed trials come from the log");
            (resumed.Model as IDisposable)?.Dispose();
        }
        finally
        {
            File.Delete(log);
        }
    }
}
