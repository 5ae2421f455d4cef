using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Tagging;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Tests.Tagging;

/// <summary>
/// The taggers on real data: a slice of the Brown news POS split (BrownBaselineTests: 800 training sentences, 300 test
/// sentences), short trainings with fixed seeds. Thresholds sit below what each run reaches (measured values in the
/// messages) and above the majority-tag baseline's 0.85 on the full split only where the model earns it.
/// </summary>
[TestClass]
public sealed class SequenceTaggerTests
{
    public sealed class Sentence
    {
        public string[] Tokens { get; set; } = Array.Empty<string>();
        public string[] Label { get; set; } = Array.Empty<string>();
    }

    public sealed class Input
    {
        public string[] Tokens { get; set; } = Array.Empty<string>();
    }

    public sealed class Output
    {
        public string[] Tags { get; set; } = Array.Empty<string>();
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    private static (List<Sentence> Train, List<Sentence> Test) Slice(int train = 800, int test = 300)
    {
        var (tr, te) = BrownBaselineTests.Split();
        static Sentence S((string[] Words, string[] Tags) s) => new() { Tokens = s.Words, Label = s.Tags };
        return (tr.Take(train).Select(S).ToList(), te.Take(test).Select(S).ToList());
    }

    private static T Quick<T>(T options, int epochs = 4) where T : SequenceTaggerOptions
    {
        options.Seed = 1;
        options.NumberOfEpochs = epochs;
        options.NumberOfThreads = 1;
        return options;
    }

    private static double Accuracy(MLContext ml, SequenceTaggingTransformer model, List<Sentence> test) =>
        ml.SequenceTagging.Evaluate(model.Transform(ml.Data.LoadFromEnumerable(test)), "Label", "PredictedLabel", TaggingScheme.Plain).TokenAccuracy;

    [TestMethod]
    public void TheBiLstmWithCharactersLearnsBrownTagsAndKnowsUnknownWords()
    {
        var ml = new MLContext(1);
        var (train, test) = Slice();
        using var model = ml.SequenceTagging.Trainers.SequenceLstm(Quick(new LstmTaggerOptions(), epochs: 6)).Fit(ml.Data.LoadFromEnumerable(train));
        double accuracy = Accuracy(ml, model, test);
        Console.WriteLine($"BiLSTM with character BiLSTM, 800 sentences, 6 epochs: token accuracy {accuracy:F4}");
        Assert.IsTrue(accuracy > 0.77, $"token accuracy {accuracy:F4} (0.803 measured)");
        Assert.AreEqual(6, model.TrainingHistory!.Epochs.Count);
        Assert.IsTrue(model.TrainingHistory.Epochs[^1].TrainingLoss < model.TrainingHistory.Epochs[0].TrainingLoss);
        Assert.IsTrue(model.IsKnownWord("the") && model.IsKnownWord("The"), "words are looked up in lower case");
        Assert.IsFalse(model.IsKnownWord("zyxwvut"));
    }

    [TestMethod]
    public void EveryEncoderTagsTheSameInBatchesAsOneSentenceAtATime()
    {
        // Batched Transform pads sentences to the longest of the batch; a prediction engine tags each alone. Padding must
        // change nothing, for every encoder (bidirectional RNNs pack, the Transformer masks keys, the centred CNN re-zeroes
        // padding after each block), for the CRF, and for the character BiLSTM (packed characters).
        var ml = new MLContext(1);
        var (train, test) = Slice(200, 40);
        var trainers = new (string Name, SequenceTaggerEstimator Trainer)[]
        {
            ("lstm", ml.SequenceTagging.Trainers.SequenceLstm(Quick(new LstmTaggerOptions(), 1))),
            ("gru-crf", ml.SequenceTagging.Trainers.SequenceGru(Quick(new GruTaggerOptions { UseCrf = true }, 1))),
            ("transformer", ml.SequenceTagging.Trainers.SequenceTransformer(Quick(new TransformerTaggerOptions { ModelDimension = 32, FeedForwardDimension = 64 }, 1))),
            ("cnn", ml.SequenceTagging.Trainers.SequenceCnn(Quick(new CnnTaggerOptions { Channels = 32 }, 1))),
            ("lstm-charlstm", ml.SequenceTagging.Trainers.SequenceLstm(Quick(new LstmTaggerOptions { CharacterEncoder = CharacterEncoder.BiLstm }, 1))),
        };
        foreach (var (name, trainer) in trainers)
        {
            using var model = trainer.Fit(ml.Data.LoadFromEnumerable(train));
            var toText = ml.Transforms.Conversion.MapKeyToValue("Tags", "PredictedLabel");
            var scored = model.Transform(ml.Data.LoadFromEnumerable(test));
            var batched = ml.Data.CreateEnumerable<Output>(toText.Fit(scored).Transform(scored), reuseRowObject: false).ToList();
            var chain = new TransformerChain<ITransformer>(model, toText.Fit(scored));
            using var engine = ml.Model.CreatePredictionEngine<Input, Output>(chain);
            for (int i = 0; i < test.Count; i++)
            {
                var one = engine.Predict(new Input { Tokens = test[i].Tokens });
                Assert.AreEqual(test[i].Tokens.Length, one.Tags.Length, $"{name}: one tag per token");
                CollectionAssert.AreEqual(batched[i].Tags, one.Tags, $"{name}, sentence {i}: batched and single tags differ");
                for (int t = 0; t < one.Score.Length; t++)
                {
                    Assert.AreEqual(batched[i].Score[t], one.Score[t], 1e-4, $"{name}, sentence {i}, token {t}: probability");
                    Assert.IsTrue(one.Score[t] > 0 && one.Score[t] <= 1 + 1e-6, $"{name}: a probability, {one.Score[t]}");
                }
            }
        }
    }

    [TestMethod]
    public void ACanceledTaggerFitResumesFromItsCheckpointAndTagsAsAnUninterruptedOne()
    {
        var ml = new MLContext(1);
        var (train, test) = Slice(300, 40);
        var data = ml.Data.LoadFromEnumerable(train);
        var (uninterrupted, resumed) = ResumeCheck.Run((path, progress, token) =>
            ml.SequenceTagging.Trainers.SequenceGru(Quick(new GruTaggerOptions { UseCrf = true, WordDropout = 0.1, CheckpointPath = path, Progress = progress, CancellationToken = token }, 4)).Fit(data),
            path => ml.SequenceTagging.Trainers.SequenceGru(Quick(new GruTaggerOptions { UseCrf = true, WordDropout = 0.2, CheckpointPath = path }, 4)).Fit(data),
            m => m.TrainingHistory!, epochs: 4, cancelAfter: 2);
        using (uninterrupted)
        using (resumed)
        {
            var testData = ml.Data.LoadFromEnumerable(test);
            var expected = ml.Data.CreateEnumerable<Scored>(uninterrupted.Transform(testData), reuseRowObject: false).ToList();
            var actual = ml.Data.CreateEnumerable<Scored>(resumed.Transform(testData), reuseRowObject: false).ToList();
            for (int i = 0; i < expected.Count; i++)
            {
                CollectionAssert.AreEqual(expected[i].PredictedLabel, actual[i].PredictedLabel, $"sentence {i}");
                for (int t = 0; t < expected[i].Score.Length; t++)
                    Assert.AreEqual(expected[i].Score[t], actual[i].Score[t], 1e-5f, $"sentence {i}, token {t}");
            }
        }
        var missing = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.SequenceTagging.Trainers.SequenceGru(new GruTaggerOptions { CheckpointPath = Path.Combine(Path.GetTempPath(), $"no-{Guid.NewGuid():N}", "a.ckpt") }));
        Assert.Contains("CheckpointPath", missing.Message);
    }

    public sealed class Scored
    {
        [KeyType(1000)]
        public uint[] PredictedLabel { get; set; } = Array.Empty<uint>();
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    [TestMethod]
    public void SavedAndLoadedTaggersTagIdenticallyAndAPredictionEngineGivesTagStrings()
    {
        var ml = new MLContext(1);
        var (train, test) = Slice(300, 30);
        var pipeline = ml.SequenceTagging.Trainers.SequenceLstm(Quick(new LstmTaggerOptions { UseCrf = true }, 2))
            .Append(ml.Transforms.Conversion.MapKeyToValue("Tags", "PredictedLabel"));
        var data = ml.Data.LoadFromEnumerable(train);
        var model = pipeline.Fit(data);
        var path = Path.Combine(Path.GetTempPath(), $"tagger-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.SaveSequenceModel(model, data.Schema, path);
            var loaded = ml.Model.LoadSequenceModel(path, out _);
            using var before = ml.Model.CreatePredictionEngine<Input, Output>(model);
            using var after = ml.Model.CreatePredictionEngine<Input, Output>(loaded);
            foreach (var s in test)
            {
                var a = before.Predict(new Input { Tokens = s.Tokens });
                var b = after.Predict(new Input { Tokens = s.Tokens });
                CollectionAssert.AreEqual(a.Tags, b.Tags);
                CollectionAssert.AreEqual(a.Score, b.Score);
            }
            var sample = after.Predict(new Input { Tokens = new[] { "The", "jury", "said", "it", "did", "." } });
            Console.WriteLine(string.Join(" ", sample.Tags));
            Assert.AreEqual("at", sample.Tags[0], "'The' is an article (at) in the Brown tags");
            Assert.AreEqual(".", sample.Tags[^1]);
            var empty = after.Predict(new Input { Tokens = Array.Empty<string>() });
            Assert.AreEqual(0, empty.Tags.Length, "an empty sentence gets no tags");
            (loaded as IDisposable)?.Dispose();
        }
        finally
        {
            File.Delete(path);
            (model as IDisposable)?.Dispose();
        }
    }

    [TestMethod]
    public void TheCrfWithIob2ConstraintsNeverDecodesAnInsideTagAfterOutside()
    {
        var ml = new MLContext(1);
        var (train, test) = Slice(400, 100);
        List<Sentence> Names(List<Sentence> s) => s.Select(x => new Sentence
        {
            Tokens = x.Tokens,
            Label = x.Label.Select((t, i) => !Proper(t) ? "O" : i > 0 && Proper(x.Label[i - 1]) ? "I-NAME" : "B-NAME").ToArray(),
        }).ToList();
        using var model = ml.SequenceTagging.Trainers.SequenceLstm(Quick(new LstmTaggerOptions { UseCrf = true, CrfConstraints = TaggingScheme.Iob2 }, 3))
            .Fit(ml.Data.LoadFromEnumerable(Names(train)));
        Assert.IsTrue(model.UsesCrf);
        var scored = model.Transform(ml.Data.LoadFromEnumerable(Names(test)));
        var m = ml.SequenceTagging.Evaluate(scored, "Label", "PredictedLabel", TaggingScheme.Iob2, strict: true);   // strict: any I- after O would throw
        Console.WriteLine($"NAME chunks: F1 {m.Entities.F1:F4} ({m.Entities.Support} gold)");
        Assert.IsTrue(m.Entities.F1 > 0.3, $"entity F1 {m.Entities.F1:F4} (0.37 measured: 400 sentences, 3 epochs)");
    }

    private static bool Proper(string tag) => tag.Split('-')[0] is "np" or "np$" or "nps" or "nps$";

    [TestMethod]
    public void KeyTokensAndKeyTagsTrainTheSameTaggerAsText()
    {
        // Keys carry their text (KeyValues), so a tagger fit on key columns learns the same vocabularies and tag order as
        // one fit on text, and with the same seed the same weights: the two must tag alike.
        var ml = new MLContext(1);
        var (train, test) = Slice(200, 20);
        var trainData = ml.Data.LoadFromEnumerable(train);
        var tokenKeys = ml.Transforms.Conversion.MapValueToKey("Tokens").Fit(ml.Data.LoadFromEnumerable(train.Concat(test)));
        var labelKeys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(trainData);
        IDataView Keys(IDataView d) => labelKeys.Transform(tokenKeys.Transform(d));
        using var fromText = ml.SequenceTagging.Trainers.SequenceGru(Quick(new GruTaggerOptions(), 2)).Fit(trainData);
        using var fromKeys = ml.SequenceTagging.Trainers.SequenceGru(Quick(new GruTaggerOptions(), 2)).Fit(Keys(trainData));
        CollectionAssert.AreEqual(SequenceColumnsKeyValues(Keys(trainData), "Label"), fromKeys.Tags.ToArray(), "the tags keep the label's key order");
        CollectionAssert.AreEqual(fromText.Tags.ToArray(), fromKeys.Tags.ToArray());
        var testData = ml.Data.LoadFromEnumerable(test);
        string[][] Tags(IDataView scored) => ml.Data.CreateEnumerable<Output>(
            ml.Transforms.Conversion.MapKeyToValue("Tags", "PredictedLabel").Fit(scored).Transform(scored), reuseRowObject: false).Select(o => o.Tags).ToArray();
        var a = Tags(fromText.Transform(testData));
        var b = Tags(fromKeys.Transform(tokenKeys.Transform(testData)));
        for (int i = 0; i < a.Length; i++)
            CollectionAssert.AreEqual(a[i], b[i], $"sentence {i}");
        // A token unseen when the token keys were made (key 0) is an unknown word, not an error.
        var unseen = ml.Data.LoadFromEnumerable(new[] { new Input { Tokens = new[] { "zyxwvut", "the" } } });
        var tokenKeysTrainOnly = ml.Transforms.Conversion.MapValueToKey("Tokens").Fit(trainData);
        Assert.AreEqual(2, Tags(fromKeys.Transform(tokenKeysTrainOnly.Transform(unseen)))[0].Length);
    }

    private static string[] SequenceColumnsKeyValues(IDataView data, string column)
    {
        VBuffer<ReadOnlyMemory<char>> names = default;
        data.Schema[column].GetKeyValues(ref names);
        return names.DenseValues().Select(x => x.ToString()).ToArray();
    }

    public sealed class WithFeatures
    {
        public string[] Tokens { get; set; } = Array.Empty<string>();
        public string[] Label { get; set; } = Array.Empty<string>();
        public float[] Position { get; set; } = Array.Empty<float>();
    }

    [TestMethod]
    public void ExtraPerTokenFeaturesAreReadAndTheirWidthIsChecked()
    {
        var ml = new MLContext(1);
        var (train, _) = Slice(100, 0);
        // Two features per token: relative position and is-first.
        WithFeatures F(Sentence s) => new()
        {
            Tokens = s.Tokens, Label = s.Label,
            Position = s.Tokens.SelectMany((_, i) => new[] { (float)i / s.Tokens.Length, i == 0 ? 1f : 0f }).ToArray(),
        };
        var rows = train.Select(F).ToList();
        var options = Quick(new LstmTaggerOptions { ExtraFeatureColumnNames = new[] { "Position" } }, 1);
        using var model = ml.SequenceTagging.Trainers.SequenceLstm(options).Fit(ml.Data.LoadFromEnumerable(rows));
        var bad = rows.Take(3).Select(r => new WithFeatures { Tokens = r.Tokens, Label = r.Label, Position = r.Position.Skip(1).ToArray() }).ToList();
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => model.Transform(ml.Data.LoadFromEnumerable(bad)).Preview());
        StringAssert.Contains(e.Message, "'Position'");
        StringAssert.Contains(e.Message, "expected 2 per token");
    }

    public sealed class Numbers
    {
        public int[] Tokens { get; set; } = Array.Empty<int>();
        public string[] Label { get; set; } = Array.Empty<string>();
    }

    [TestMethod]
    public void BadInputGetsAClearErrorNamingTheColumn()
    {
        var ml = new MLContext(1);
        var tagger = ml.SequenceTagging.Trainers.SequenceLstm(Quick(new LstmTaggerOptions { UseCrf = true }, 1));

        // Label length differs from the tokens'.
        var mismatch = ml.Data.LoadFromEnumerable(new[] { new Sentence { Tokens = new[] { "a", "b" }, Label = new[] { "x" } } });
        var e1 = Assert.ThrowsExactly<InvalidOperationException>(() => tagger.Fit(mismatch));
        StringAssert.Contains(e1.Message, "'Label'");
        StringAssert.Contains(e1.Message, "1 tags for the 2 tokens");

        // An empty training sentence.
        var empty = ml.Data.LoadFromEnumerable(new[] { new Sentence { Tokens = new[] { "a" }, Label = new[] { "x" } }, new Sentence() });
        var e2 = Assert.ThrowsExactly<InvalidOperationException>(() => tagger.Fit(empty));
        StringAssert.Contains(e2.Message, "Row 2");
        StringAssert.Contains(e2.Message, "holds no token");

        // Tokens of the wrong type: named at GetOutputSchema and at Fit.
        var numbers = ml.Data.LoadFromEnumerable(new[] { new Numbers { Tokens = new[] { 1, 2 }, Label = new[] { "x", "y" } } });
        var e3 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => tagger.GetOutputSchema(MLNet.Sequence.Transforms.Internal.SchemaShapeFactory.FromSchema(numbers.Schema)));
        StringAssert.Contains(e3.Message, "'Tokens' (option TokensColumnName)");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => tagger.Fit(numbers));

        // A missing label column.
        var noLabel = ml.Data.LoadFromEnumerable(new[] { new Input { Tokens = new[] { "a" } } });
        var e4 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => tagger.GetOutputSchema(MLNet.Sequence.Transforms.Internal.SchemaShapeFactory.FromSchema(noLabel.Schema)));
        StringAssert.Contains(e4.Message, "'Label' (option LabelColumnName) was not found");

        // IOB2 constraints on tags that are not IOB2.
        var notIob = ml.Data.LoadFromEnumerable(new[] { new Sentence { Tokens = new[] { "a", "b" }, Label = new[] { "S-PER", "O" } } });
        var constrained = ml.SequenceTagging.Trainers.SequenceLstm(Quick(new LstmTaggerOptions { UseCrf = true, CrfConstraints = TaggingScheme.Iob2 }, 1));
        var e5 = Assert.ThrowsExactly<ArgumentException>(() => constrained.Fit(notIob));
        StringAssert.Contains(e5.Message, "tag 'S-PER'");

        // Options: constraints without a CRF; an even CNN kernel; heads that do not divide the width.
        Assert.ThrowsExactly<ArgumentException>(() => ml.SequenceTagging.Trainers.SequenceLstm(new LstmTaggerOptions { CrfConstraints = TaggingScheme.Iob2 }));
        var e6 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.SequenceTagging.Trainers.SequenceCnn(new CnnTaggerOptions { KernelSize = 4 }));
        StringAssert.Contains(e6.Message, "KernelSize");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.SequenceTagging.Trainers.SequenceTransformer(new TransformerTaggerOptions { ModelDimension = 30, NumberOfHeads = 4 }));

        // A CRF over an empty tag set: the estimator cannot meet one (every training sentence has a tag per token, and
        // an empty sentence is refused first), so the layers refuse it themselves.
        var e8 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLNet.Sequence.Trainers.Network.LinearChainCrf(0));
        StringAssert.Contains(e8.Message, "at least one tag");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLNet.Sequence.Trainers.Network.TaggingNetworkConfig { WordVocabularySize = 2, Crf = true }.Validate());

        // A validation tag the training data never had.
        var train = ml.Data.LoadFromEnumerable(new[] { new Sentence { Tokens = new[] { "a", "b" }, Label = new[] { "x", "y" } } });
        var valid = ml.Data.LoadFromEnumerable(new[] { new Sentence { Tokens = new[] { "a" }, Label = new[] { "z" } } });
        var e7 = Assert.ThrowsExactly<InvalidOperationException>(() => ml.SequenceTagging.Trainers.SequenceLstm(Quick(new LstmTaggerOptions { ValidationData = valid }, 1)).Fit(train));
        StringAssert.Contains(e7.Message, "tag 'z'");
    }

    [TestMethod]
    public void TaggingManySentencesLeavesNoTensorBehind()
    {
        var ml = new MLContext(1);
        var (train, test) = Slice(100, 50);
        using var model = ml.SequenceTagging.Trainers.SequenceLstm(Quick(new LstmTaggerOptions { UseCrf = true }, 1)).Fit(ml.Data.LoadFromEnumerable(train));
        var chain = new TransformerChain<ITransformer>(model, ml.Transforms.Conversion.MapKeyToValue("Tags", "PredictedLabel").Fit(model.Transform(ml.Data.LoadFromEnumerable(test))));
        var engine = ml.Model.CreatePredictionEngine<Input, Output>(chain);
        engine.Predict(new Input { Tokens = test[0].Tokens });
        long before = LiveOnThisThread;
        for (int round = 0; round < 4; round++)
            foreach (var s in test)
                engine.Predict(new Input { Tokens = s.Tokens });
        Score(ml, model, test);
        Assert.AreEqual(before, LiveOnThisThread, "tensors left after 200 single predictions and a batched pass");
        int live = TaggingEngine.LiveCount;
        engine.Dispose();   // ML.NET's engine disposes the model it came from: the model stays usable while we hold it
        Assert.AreEqual(live, TaggingEngine.LiveCount);
        Score(ml, model, test);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Score(MLContext ml, SequenceTaggingTransformer model, List<Sentence> test) =>
        ml.SequenceTagging.Evaluate(model.Transform(ml.Data.LoadFromEnumerable(test)), "Label", "PredictedLabel", TaggingScheme.Plain);

    private static long LiveOnThisThread => TorchSharp.DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;

    [TestMethod]
    public void LoadFromConllFileReadsSentences()
    {
        var ml = new MLContext(1);
        var path = Path.Combine(Path.GetTempPath(), $"conll-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, "-DOCSTART- -X- O\n\nEU NNP B-ORG\nrejects VBZ O\n\nPeter NNP B-PER\n");
        try
        {
            var data = ml.SequenceTagging.LoadFromConllFile(path);
            var rows = ml.Data.CreateEnumerable<Sentence>(data, reuseRowObject: false).ToList();
            Assert.AreEqual(2, rows.Count);
            CollectionAssert.AreEqual(new[] { "EU", "rejects" }, rows[0].Tokens);
            CollectionAssert.AreEqual(new[] { "B-ORG", "O" }, rows[0].Label);
            var pos = ml.Data.CreateEnumerable<Sentence>(ml.SequenceTagging.LoadFromConllFile(path, tagField: 1), reuseRowObject: false).First();
            CollectionAssert.AreEqual(new[] { "NNP", "VBZ" }, pos.Label);
            File.WriteAllText(path, "EU NNP B-ORG\nrejects\n");
            var e = Assert.ThrowsExactly<FormatException>(() => ml.SequenceTagging.LoadFromConllFile(path, tagField: 2));
            StringAssert.Contains(e.Message, "Line 2");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void BucketedBatchesHoldEverySentenceOnceWithSimilarLengths()
    {
        var random = new Random(5);
        var rows = Enumerable.Range(0, 1000).Select(i => new TaggedSentence { Words = new long[1 + random.Next(60)] }).ToList();
        var bucketed = new InMemoryBatches<TaggedSentence>(rows, 16, seed: 3, s => s.Length, bucketByLength: true);
        var plain = new InMemoryBatches<TaggedSentence>(rows, 16, seed: 3, s => s.Length);
        var epoch = bucketed.Batches(1).ToList();
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 1000).ToList(), epoch.SelectMany(b => b).Select(s => rows.IndexOf(s)).ToList(), "every sentence once");
        double Padding(IEnumerable<IReadOnlyList<TaggedSentence>> batches) => batches.Sum(b => b.Count * b.Max(s => s.Length) - b.Sum(s => s.Length)) / (double)rows.Sum(s => s.Length);
        double bucketedPadding = Padding(epoch), plainPadding = Padding(plain.Batches(1));
        Console.WriteLine($"padding per real token: bucketed {bucketedPadding:F3}, shuffled {plainPadding:F3}");
        Assert.IsTrue(bucketedPadding < plainPadding / 5, $"bucketed batches pad {bucketedPadding:F3} per token, shuffled ones {plainPadding:F3}");
        CollectionAssert.AreEqual(epoch.SelectMany(b => b).ToList(), bucketed.Batches(1).SelectMany(b => b).ToList(), "an epoch's batches repeat with the seed");
        CollectionAssert.AreNotEqual(epoch.SelectMany(b => b).ToList(), bucketed.Batches(2).SelectMany(b => b).ToList(), "and differ between epochs");
        CollectionAssert.AreEqual(rows, bucketed.Batches(0).SelectMany(b => b).ToList(), "epoch 0 (validation) keeps the stored order");
    }

    [TestMethod]
    public void TheCasingClassesFollowTheirDefinition()
    {
        Assert.AreEqual(1, TokenFeaturizer.CasingClass("1961"));
        Assert.AreEqual(2, TokenFeaturizer.CasingClass("3,000"));
        Assert.AreEqual(3, TokenFeaturizer.CasingClass("don't"));
        Assert.AreEqual(4, TokenFeaturizer.CasingClass("U.S."));
        Assert.AreEqual(5, TokenFeaturizer.CasingClass("Fulton"));
        Assert.AreEqual(6, TokenFeaturizer.CasingClass("iPhone4"));
        Assert.AreEqual(7, TokenFeaturizer.CasingClass("--"));
    }
}
