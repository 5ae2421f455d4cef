using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.SequenceToSequence;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Trainers;
using TorchSharp;

namespace MLNet.Sequence.Tests.SequenceToSequence;

/// <summary>The sequence-to-sequence trainers on grapheme-to-phoneme conversion (CMUdict), through ML.NET pipelines.</summary>
[TestClass]
public sealed class SequenceToSequenceTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>One pronunciation of a word: letters in, phonemes (space-separated) out.</summary>
    public sealed class Pronunciation
    {
        public string Word { get; set; } = "";
        public string Phonemes { get; set; } = "";
    }

    public sealed class Spoken
    {
        public string[] Phones { get; set; } = Array.Empty<string>();
        public float Score { get; set; }
    }

    private static List<CmuDict.Entry>? _entries;
    private static List<CmuDict.Entry> Entries => _entries ??= CmuDict.Load(TestData.PathOf("seq2seq/cmudict.dict"));

    /// <summary>Every listed pronunciation of each word as its own row.</summary>
    private static List<Pronunciation> Rows(IEnumerable<CmuDict.Entry> entries) =>
        entries.SelectMany(e => e.Pronunciations.Select(p => new Pronunciation { Word = e.Word, Phonemes = string.Join(' ', p) })).ToList();

    /// <summary>Letters as keys (no begin/end markers: the model adds its own), phonemes as keys with their names.</summary>
    private static IEstimator<ITransformer> Prepare(MLContext ml) =>
        ml.Transforms.Text.TokenizeIntoCharactersAsKeys("Source", nameof(Pronunciation.Word), useMarkerCharacters: false)
            .Append(ml.Transforms.Text.TokenizeIntoWords("Phones", nameof(Pronunciation.Phonemes)))
            .Append(ml.Transforms.Conversion.MapValueToKey("Label", "Phones"));

    private static (List<CmuDict.Entry> Train, List<CmuDict.Entry> Test) Split(int train, int test)
    {
        var random = new Random(1);
        return (Entries.Where(e => !CmuDict.IsTest(e.Word)).OrderBy(_ => random.Next()).Take(train).ToList(),
                Entries.Where(e => CmuDict.IsTest(e.Word)).Take(test).ToList());
    }

    [TestMethod]
    public void ErrorRatesFollowTheirDefinitions()
    {
        Assert.AreEqual(3, OutputErrorRates.Distance("kitten".ToList(), "sitting".ToList()));
        Assert.AreEqual(0, OutputErrorRates.Distance(new List<int>(), new List<int>()));
        Assert.AreEqual(2, OutputErrorRates.Distance(new[] { 1, 2 }, new int[0]));
        var rates = OutputErrorRates.Compute(
            new IReadOnlyList<string>[] { new[] { "T", "AH", "M" }, new[] { "B", "IH", "G" } },
            new IReadOnlyList<IReadOnlyList<string>>[]
            {
                new IReadOnlyList<string>[] { new[] { "T", "AH", "M", "EY", "T", "OW" }, new[] { "T", "AH", "M" } },   // equals the second
                new IReadOnlyList<string>[] { new[] { "B", "IY", "G" } },                                              // one substitution
            });
        Assert.AreEqual(0.5, rates.SequenceErrorRate, 1e-12);
        Assert.AreEqual(1 / 6.0, rates.TokenErrorRate, 1e-12, "(0 + 1) / (3 + 3)");
    }

    public sealed class Scored
    {
        public string[] Source { get; set; } = Array.Empty<string>();
        public string[] Label { get; set; } = Array.Empty<string>();
        public string[] PredictedLabel { get; set; } = Array.Empty<string>();
    }

    [TestMethod]
    public void TheEvaluatorGroupsAlternateReferencesBySource()
    {
        var ml = new MLContext(1);
        var rows = new[]
        {
            new Scored { Source = new[] { "t", "o", "m" }, Label = new[] { "T", "AH", "M", "EY", "T", "OW" }, PredictedLabel = new[] { "T", "AH", "M" } },
            new Scored { Source = new[] { "t", "o", "m" }, Label = new[] { "T", "AH", "M" }, PredictedLabel = new[] { "T", "AH", "M" } },
            new Scored { Source = new[] { "b", "i", "g" }, Label = new[] { "B", "IY", "G" }, PredictedLabel = new[] { "B", "IH", "G" } },
        };
        var data = ml.Data.LoadFromEnumerable(rows);
        var grouped = ml.SequenceToSequence.Evaluate(data, sourceColumnName: "Source");
        Assert.AreEqual(2, grouped.Examples);
        Assert.AreEqual(0.5, grouped.SequenceErrorRate, 1e-12);
        Assert.AreEqual(1 / 6.0, grouped.TokenErrorRate, 1e-12);
        var perRow = ml.SequenceToSequence.Evaluate(data);
        Assert.AreEqual(3, perRow.Examples);
        Assert.AreEqual(2 / 3.0, perRow.SequenceErrorRate, 1e-12, "the first row's prediction misses its six-phoneme reference");
        Assert.AreEqual((3 + 0 + 1) / 12.0, perRow.TokenErrorRate, 1e-12);
        // Keys read through their names: the same figures after MapValueToKey.
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.Conversion.MapValueToKey("PredictedLabel")).Fit(data).Transform(data);
        Assert.AreEqual(grouped.TokenErrorRate, ml.SequenceToSequence.Evaluate(keyed, sourceColumnName: "Source").TokenErrorRate, 1e-12);
        var missing = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.SequenceToSequence.Evaluate(data, predictedLabelColumnName: "Guess"));
        Assert.Contains("Guess", missing.Message);
    }

    [TestMethod]
    public void AGruEncoderDecoderLearnsPronunciationsAndBeamSearchBeatsGreedyDecoding()
    {
        var ml = new MLContext(1);
        var (trainWords, testWords) = Split(5000, 1000);
        var train = ml.Data.LoadFromEnumerable(Rows(trainWords));
        var test = ml.Data.LoadFromEnumerable(Rows(testWords));
        var clock = Stopwatch.StartNew();
        var options = new GruSequenceToSequenceOptions
        {
            HiddenSize = 64, EmbeddingDimension = 32, NumberOfEpochs = 9, LearningRate = 3e-3, BatchSize = 64, BeamWidth = 4, Seed = 1,
            Progress = new Progress<MLNet.Sequence.Trainers.EpochReport>(r => TestContext.WriteLine($"epoch {r.Epoch} loss {r.TrainingLoss:F3} {clock.Elapsed.TotalSeconds:F0} s")),
        };
        var prepare = Prepare(ml).Fit(train);
        using var beam = ml.SequenceToSequence.Trainers.SequenceGru(options).Fit(prepare.Transform(train));
        TestContext.WriteLine($"trained in {clock.Elapsed.TotalSeconds:F0} s; {beam.ParameterCount} parameters");
        Assert.AreEqual(39, beam.TargetTokens.Count, "the label's keys: 39 phonemes");
        using var greedy = beam.WithDecoding(beamWidth: 1);
        var results = new Dictionary<int, (SequenceToSequenceMetrics Metrics, float[] Scores, int[] Lengths)>();
        foreach (var (width, model) in new[] { (1, greedy), (4, beam) })
        {
            clock.Restart();
            var scored = model.Transform(prepare.Transform(test));
            var metrics = ml.SequenceToSequence.Evaluate(scored, sourceColumnName: "Source");
            var scores = scored.GetColumn<float>("Score").ToArray();
            var lengths = scored.GetColumn<VBuffer<uint>>("PredictedLabel").Select(v => v.Length).ToArray();
            results[width] = (metrics, scores, lengths);
            TestContext.WriteLine($"beam {width}: {metrics} ({clock.Elapsed.TotalSeconds:F1} s)");
            Assert.AreEqual(testWords.Count, metrics.Examples, "one example per word, alternates grouped by the source");
        }
        // Measured (5,000 training words, GRU 64, 9 epochs, 10 s of training): greedy WER 0.663 / PER 0.201, beam 4
        // WER 0.660 / PER 0.196 (a first version, 8,000 words, GRU 128, 12 epochs, 50 s: 0.61 / 0.20 and 0.60 / 0.19).
        // An empty output has PER 1.
        Assert.IsLessThan(0.3, results[4].Metrics.TokenErrorRate);
        Assert.IsLessThan(0.75, results[4].Metrics.SequenceErrorRate);
        Assert.IsLessThan(0.3, results[1].Metrics.TokenErrorRate);
        Assert.IsLessThanOrEqualTo(results[1].Metrics.TokenErrorRate + 0.01, results[4].Metrics.TokenErrorRate, "beam search is no worse than greedy decoding");
        // Beam search finds outputs at least as likely as greedy decoding's, length penalty aside: compare log-probabilities
        // where both stopped at the same length (rows: each pronunciation, so words with alternates repeat).
        int compared = 0, worse = 0;
        for (int i = 0; i < results[1].Scores.Length; i++)
            if (results[1].Lengths[i] == results[4].Lengths[i])
            {
                compared++;
                worse += results[4].Scores[i] < results[1].Scores[i] - 1e-4 ? 1 : 0;
                Assert.IsLessThanOrEqualTo(0f, results[1].Scores[i], "a log-probability");
            }
        // The greedy path can fall out of a beam of 4, so a rare exception is allowed; a broken beam loses often.
        Assert.IsGreaterThan(results[1].Scores.Length / 2, compared);
        Assert.IsLessThanOrEqualTo(compared / 100, worse, $"beam outputs less likely than greedy ones of the same length, of {compared}");
    }

    /// <summary>
    /// The beam search runs 64 sources at a time (each with its own hypothesis slots; a source leaves the batch when it
    /// is done): every word decodes to the same tokens and score as when it is decoded alone, and that score is the
    /// teacher-forced log-probability of its output.
    /// </summary>
    [TestMethod]
    public void BeamSearchDecodesAWordTheSameInABatchAsAlone()
    {
        var ml = new MLContext(1);
        var (trainWords, testWords) = Split(1500, 150);
        var train = ml.Data.LoadFromEnumerable(Rows(trainWords));
        var prefix = Prepare(ml).Fit(train);
        foreach (var estimator in new IEstimator<SequenceToSequenceTransformer>[]
        {
            ml.SequenceToSequence.Trainers.SequenceGru(new GruSequenceToSequenceOptions { NumberOfEpochs = 6, HiddenSize = 32, EmbeddingDimension = 16, Seed = 1 }),
            ml.SequenceToSequence.Trainers.SequenceTransformer(new TransformerSequenceToSequenceOptions { NumberOfEpochs = 6, ModelDimension = 32, FeedForwardDimension = 64, NumberOfLayers = 2, Seed = 1 }),
        })
        {
            using var model = estimator.Fit(prefix.Transform(train));
            var index = model.SourceTokens.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i);
            var sources = testWords.Select(e => e.Word.Select(c => index.TryGetValue(c.ToString(), out int i) ? i + 2L : 1L).ToArray()).ToList();
            var together = model.Engine.Decode(sources, 3, model.MaximumOutputLength, model.LengthPenalty);   // batches of 64, 64 and 22
            int ended = 0;
            for (int i = 0; i < sources.Count; i++)
            {
                var alone = model.Engine.Decode(new[] { sources[i] }, 3, model.MaximumOutputLength, model.LengthPenalty)[0];
                CollectionAssert.AreEqual(alone.Tokens, together[i].Tokens, $"{model.Cell}, {testWords[i].Word}: tokens in a batch and alone");
                Assert.AreEqual(alone.LogProbability, together[i].LogProbability, 1e-4, $"{model.Cell}, {testWords[i].Word}: score in a batch and alone");
                // And the score is the output's probability under the model: each hypothesis kept its own state.
                if (together[i].Tokens.Length == model.MaximumOutputLength)
                    continue;   // cut without its end marker
                ended++;
                var keys = together[i].Tokens.Select(t => (uint)(t - MLNet.Sequence.Trainers.Network.Seq2SeqNetworkConfig.FirstToken + 1)).ToArray();
                double forced = TeacherForcedScore(new[] { model }, testWords[i].Word.Select(c => c.ToString()).ToArray(), keys);
                Assert.AreEqual(forced, together[i].LogProbability, 1e-4, $"{model.Cell}, {testWords[i].Word}: score against teacher forcing");
            }
            int lengths = together.Select(d => d.Tokens.Length).Distinct().Count();
            TestContext.WriteLine($"{model.Cell}: {lengths} output lengths, {ended} of {sources.Count} ended before the maximum length");
            Assert.IsGreaterThan(sources.Count * 9 / 10, ended, "outputs checked against teacher forcing");
            Assert.IsGreaterThanOrEqualTo(3, lengths, "outputs of several lengths (sources finish at different steps)");
        }
    }

    [TestMethod]
    public void TheEncoderDecodersKeepTheEstimatorContract()
    {
        var ml = new MLContext(1);
        var (trainWords, testWords) = Split(300, 40);
        var train = ml.Data.LoadFromEnumerable(Rows(trainWords));
        var prefix = Prepare(ml).Fit(train);
        var prepared = prefix.Transform(train);
        var numeric = ml.Data.LoadFromEnumerable(new[] { new { Source = new[] { "a" }, Label = 1f } });
        foreach (var estimator in new IEstimator<SequenceToSequenceTransformer>[]
        {
            ml.SequenceToSequence.Trainers.SequenceLstm(new LstmSequenceToSequenceOptions { NumberOfEpochs = 2, HiddenSize = 32, EmbeddingDimension = 16, Seed = 1, BeamWidth = 3 }),
            ml.SequenceToSequence.Trainers.SequenceGru(new GruSequenceToSequenceOptions { NumberOfEpochs = 2, HiddenSize = 32, EmbeddingDimension = 16, Seed = 1, NumberOfLayers = 2, Bidirectional = false, BeamWidth = 1 }),
            ml.SequenceToSequence.Trainers.SequenceTransformer(new TransformerSequenceToSequenceOptions { NumberOfEpochs = 2, ModelDimension = 32, FeedForwardDimension = 64, NumberOfLayers = 2, Seed = 1, BeamWidth = 2 }),
        })
        {
            using var fitted = EstimatorContract.Verify(ml, new EstimatorContract.Case<SequenceToSequenceTransformer>
            {
                Estimator = estimator,
                Prefix = prefix,
                Train = train,
                Test = ml.Data.LoadFromEnumerable(Rows(testWords)),
                OutputColumns = new[] { "PredictedLabel", "Score" },
                UsesTorch = true,
                BadInputs = new List<(string, IDataView, string)>
                {
                    ("no source column", ml.Transforms.DropColumns("Source").Fit(prepared).Transform(prepared), "Source"),
                    ("a number as the label", numeric, "Label"),
                },
            });
            Assert.IsNotNull(fitted.TrainingHistory);
        }

        // Sources longer than the Transformer's stored position table (256), with validation data (best-epoch
        // snapshots) and a save: positions past the table are computed per call and never stored.
        var longRows = Enumerable.Range(0, 12).Select(i => new Pronunciation
        {
            Word = string.Concat(trainWords.Skip(i * 20).Take(60).Select(e => e.Word)),
            Phonemes = string.Join(' ', trainWords[i].Pronunciations[0]),
        }).Where(r => r.Word.Length > 256).ToList();
        Assert.IsGreaterThanOrEqualTo(8, longRows.Count);
        var longData = ml.Data.LoadFromEnumerable(longRows);
        var longPrefix = Prepare(ml).Fit(longData);
        var transformer = ml.SequenceToSequence.Trainers.SequenceTransformer(new TransformerSequenceToSequenceOptions
        {
            NumberOfEpochs = 2, ModelDimension = 16, FeedForwardDimension = 32, NumberOfLayers = 1, NumberOfHeads = 2, Seed = 1, BeamWidth = 2,
            ValidationData = longPrefix.Transform(longData), EarlyStoppingPatience = 1, MaximumOutputLength = 300,
        });
        var longModel = new TransformerChain<ITransformer>(longPrefix, transformer.Fit(longPrefix.Transform(longData)));
        var path = Path.Combine(Path.GetTempPath(), $"s2s-long-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.SaveSequenceModel(longModel, longData.Schema, path);
            var loaded = ml.Model.LoadSequenceModel(path, out _);
            TestData.AssertSameColumns(longModel.Transform(longData), loaded.Transform(longData), new[] { "PredictedLabel", "Score" });
            (loaded as IDisposable)?.Dispose();
        }
        finally
        {
            File.Delete(path);
            longModel.Dispose();
        }
    }

    [TestMethod]
    public void AnEnsembleDecodesWithTheMeanProbabilityBeatsItsMembersAndSavesAsOneModel()
    {
        var ml = new MLContext(1);
        var (trainWords, testWords) = Split(5000, 1000);
        var trainRows = ml.Data.LoadFromEnumerable(Rows(trainWords));
        var prepare = Prepare(ml).Fit(trainRows);
        var train = prepare.Transform(trainRows);
        var test = prepare.Transform(ml.Data.LoadFromEnumerable(Rows(testWords)));
        var members = new List<SequenceToSequenceTransformer>();
        try
        {
            foreach (int seed in new[] { 1, 2, 3 })
                members.Add(ml.SequenceToSequence.Trainers.SequenceGru(new GruSequenceToSequenceOptions
                {
                    HiddenSize = 64, EmbeddingDimension = 32, NumberOfEpochs = 9, LearningRate = 3e-3, BatchSize = 64, BeamWidth = 1, Seed = seed, NumberOfThreads = 1,
                }).Fit(train));
            SequenceToSequenceMetrics Score(SequenceToSequenceTransformer model) => ml.SequenceToSequence.Evaluate(model.Transform(test), sourceColumnName: "Source");
            var alone = members.Select(Score).ToList();
            using var ensemble = ml.SequenceToSequence.Ensemble(members.ToArray());
            Assert.AreEqual(3, ensemble.EnsembleSize);
            Assert.AreEqual(members.Sum(m => m.ParameterCount), ensemble.ParameterCount);
            var together = Score(ensemble);
            foreach (var (m, i) in alone.Select((m, i) => (m, i)))
                TestContext.WriteLine($"member {i + 1} (greedy): {m}");
            TestContext.WriteLine($"ensemble (greedy): {together}");
            // Measured (1,000 test words, greedy): members WER 0.674 / 0.669 / 0.681, PER 0.203 / 0.210 / 0.209; the
            // ensemble 0.655 / 0.189. Asserted with margin: PER below the best member's, WER below the members' mean
            // (one standard error of a WER on 1,000 words is about 0.015; PER, over about 6,500 phonemes, moves less).
            Assert.IsLessThan(alone.Min(m => m.TokenErrorRate) - 0.008, together.TokenErrorRate, "the ensemble's PER against its best member's");
            Assert.IsLessThan(alone.Average(m => m.SequenceErrorRate) - 0.01, together.SequenceErrorRate, "the ensemble's WER against its members' mean");

            // The rule, checked exactly: one member decodes as that member; a member twice (the mean of equal
            // probabilities) decodes the same tokens with the same log-probabilities; greedy and beam alike.
            foreach (int width in new[] { 1, 3 })
            {
                using var single = members[1].WithDecoding(width);
                using var oneMember = ml.SequenceToSequence.Ensemble(members[1]);
                using var one = oneMember.WithDecoding(width);
                using var twiceMember = ml.SequenceToSequence.Ensemble(members[1], members[1]);
                using var twice = twiceMember.WithDecoding(width);
                var reference = Outputs(ml, single, test, 200);
                var alike = Outputs(ml, one, test, 200);
                var doubled = Outputs(ml, twice, test, 200);
                for (int i = 0; i < reference.Count; i++)
                {
                    CollectionAssert.AreEqual(reference[i].PredictedLabel, alike[i].PredictedLabel, $"beam {width}, row {i}: one member");
                    Assert.AreEqual(reference[i].Score, alike[i].Score, $"beam {width}, row {i}: one member");
                    CollectionAssert.AreEqual(reference[i].PredictedLabel, doubled[i].PredictedLabel, $"beam {width}, row {i}: a member twice");
                    Assert.AreEqual(reference[i].Score, doubled[i].Score, 1e-4f, $"beam {width}, row {i}: a member twice");
                }
            }

            // Different families (a GRU, whose state is a hidden vector, and a Transformer, whose state is the tokens so
            // far) in one beam: each output's Score equals the sum over its tokens (and the end marker) of the log of
            // the mean of the members' probabilities, recomputed here by teacher forcing each member on that output.
            using (var transformer = ml.SequenceToSequence.Trainers.SequenceTransformer(new TransformerSequenceToSequenceOptions
                   { ModelDimension = 32, FeedForwardDimension = 64, NumberOfLayers = 2, NumberOfEpochs = 3, Seed = 4, NumberOfThreads = 1 }).Fit(train))
            using (var mixedMembers = ml.SequenceToSequence.Ensemble(members[0], transformer))
            using (var mixed = mixedMembers.WithDecoding(3))
            {
                var decoded = Outputs(ml, mixed, test, 60);
                var words = Rows(testWords).Take(60).Select(r => r.Word.Select(c => c.ToString()).ToArray()).ToList();
                for (int i = 0; i < decoded.Count; i++)
                {
                    var word = words[i];
                    var expected = TeacherForcedScore(new[] { members[0], transformer }, word, decoded[i].PredictedLabel);
                    Assert.AreEqual(expected, decoded[i].Score, 1e-4, $"row {i} ({string.Concat(word)}): the ensemble's score against the members' teacher-forced probabilities");
                }
            }

            // Beam search over the ensemble, saved in a chain with the preparation: one zip, the same outputs after loading.
            using var beam = ensemble.WithDecoding(4);
            var chain = prepare.Append(beam);
            var path = Path.Combine(Path.GetTempPath(), $"g2p-ensemble-{Guid.NewGuid():N}.zip");
            try
            {
                ml.Model.SaveSequenceModel(chain, trainRows.Schema, path);
                using var loaded = (TransformerChain<ITransformer>)ml.Model.LoadSequenceModel(path, out _);
                var some = ml.Data.LoadFromEnumerable(Rows(testWords.Take(100)));
                var before = ml.Data.CreateEnumerable<Decoded>(chain.Transform(some), reuseRowObject: false).ToList();
                var after = ml.Data.CreateEnumerable<Decoded>(loaded.Transform(some), reuseRowObject: false).ToList();
                for (int i = 0; i < before.Count; i++)
                {
                    CollectionAssert.AreEqual(before[i].PredictedLabel, after[i].PredictedLabel, $"row {i} after loading");
                    Assert.AreEqual(before[i].Score, after[i].Score, 1e-5f, $"row {i} after loading");
                }
                var stored = loaded.LastTransformer as SequenceToSequenceTransformer;
                Assert.AreEqual(3, stored!.EnsembleSize, "the loaded model is the ensemble");

                // Native memory: single-row predictions through all three networks leave no tensor behind.
                using (var engine = ml.Model.CreatePredictionEngine<Pronunciation, Spoken>(loaded))
                {
                    engine.Predict(new Pronunciation { Word = "warm" });
                    EstimatorContract.SettleFinalizers();
                    long tensors = torch.Tensor.TotalCount;
                    for (int i = 0; i < 100; i++)
                        engine.Predict(new Pronunciation { Word = trainWords[i].Word });
                    Assert.AreEqual(tensors, torch.Tensor.TotalCount, "live tensors after 100 predictions");
                }
            }
            finally
            {
                File.Delete(path);
            }

            // Bad input, named: no member; a member with other vocabularies (letters and phonemes keyed from other words); a disposed member.
            Assert.Contains("at least one", Assert.ThrowsExactly<ArgumentException>(() => ml.SequenceToSequence.Ensemble()).Message);
            var otherRows = ml.Data.LoadFromEnumerable(Rows(trainWords.Skip(4700)));
            var otherPrepare = Prepare(ml).Fit(otherRows);
            using (var other = ml.SequenceToSequence.Trainers.SequenceGru(new GruSequenceToSequenceOptions { HiddenSize = 16, EmbeddingDimension = 8, NumberOfEpochs = 1, Seed = 1 }).Fit(otherPrepare.Transform(otherRows)))
            {
                var e = Assert.ThrowsExactly<ArgumentException>(() => ml.SequenceToSequence.Ensemble(members[0], other));
                Assert.Contains("member 2", e.Message);
                Assert.Contains("vocabularies", e.Message);
            }
            var gone = ml.SequenceToSequence.Trainers.SequenceGru(new GruSequenceToSequenceOptions { HiddenSize = 16, EmbeddingDimension = 8, NumberOfEpochs = 1, Seed = 1 }).Fit(train);
            gone.Dispose();
            Assert.ThrowsExactly<ObjectDisposedException>(() => ml.SequenceToSequence.Ensemble(members[0], gone));
        }
        finally
        {
            foreach (var m in members)
                m.Dispose();
        }
    }

    /// <summary>
    /// Σ log(mean over members of p(token | source, tokens before)) over <paramref name="keys"/> and the end marker,
    /// each member teacher-forced on the output through its network.
    /// </summary>
    private static double TeacherForcedScore(IReadOnlyList<SequenceToSequenceTransformer> members, string[] word, uint[] keys)
    {
        var target = keys.Select(k => (long)k - 1 + MLNet.Sequence.Trainers.Network.Seq2SeqNetworkConfig.FirstToken).ToArray();
        var perMember = new List<double[]>();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        foreach (var m in members)
        {
            var source = word.Select(c => m.SourceTokens.ToList().IndexOf(c) is int j and >= 0 ? j + 2L : 1L).ToArray();
            var (src, lengths, input, expected) = m.Engine.Build(new[] { new Seq2SeqPair { Source = source, Target = target } }, withTargets: true);
            m.Engine.Network.eval();
            var encoded = m.Engine.Network.Encode(src, lengths);
            var (logits, _) = m.Engine.Network.Decode(input!, encoded.State, encoded);
            var picked = logits.log_softmax(-1).gather(-1, expected!.unsqueeze(-1)).reshape(-1);
            perMember.Add(picked.data<float>().Select(x => (double)x).ToArray());
        }
        double score = 0;
        for (int t = 0; t < target.Length + 1; t++)
            score += Math.Log(perMember.Average(lp => Math.Exp(lp[t])));
        return score;
    }

    [TestMethod]
    public void AnEnsembleKeepsItsMembersNetworksUntilItIsDisposed()
    {
        var ml = new MLContext(1);
        var (trainWords, testWords) = Split(300, 50);
        var trainRows = ml.Data.LoadFromEnumerable(Rows(trainWords));
        var prepare = Prepare(ml).Fit(trainRows);
        var train = prepare.Transform(trainRows);
        var test = prepare.Transform(ml.Data.LoadFromEnumerable(Rows(testWords)));
        EstimatorContract.SettleFinalizers();
        int before = Seq2SeqEngine.LiveCount;
        var (ensemble, expected) = EnsembleOfDisposedMembers(ml, train, test);
        // A disposed model's own share stays with the object until it is collected (as for every model here); once the
        // members are gone, only the ensemble holds the two networks.
        EstimatorContract.SettleFinalizers();
        Assert.AreEqual(before + 2, Seq2SeqEngine.LiveCount, "the members' networks live on while the ensemble holds them");
        var actual = Outputs(ml, ensemble, test, 50);
        for (int i = 0; i < expected.Count; i++)
        {
            CollectionAssert.AreEqual(expected[i].PredictedLabel, actual[i].PredictedLabel, $"row {i} after the members were disposed");
            Assert.AreEqual(expected[i].Score, actual[i].Score, $"row {i} after the members were disposed");
        }
        ensemble.Dispose();
        Assert.AreEqual(before, Seq2SeqEngine.LiveCount, "disposing the ensemble frees both networks");
        Assert.ThrowsExactly<ObjectDisposedException>(() => ensemble.Transform(test));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (SequenceToSequenceTransformer Ensemble, List<Decoded> Outputs) EnsembleOfDisposedMembers(MLContext ml, IDataView train, IDataView test)
    {
        var a = ml.SequenceToSequence.Trainers.SequenceGru(new GruSequenceToSequenceOptions { HiddenSize = 16, EmbeddingDimension = 8, NumberOfEpochs = 2, Seed = 1, BeamWidth = 2 }).Fit(train);
        var b = ml.SequenceToSequence.Trainers.SequenceGru(new GruSequenceToSequenceOptions { HiddenSize = 16, EmbeddingDimension = 8, NumberOfEpochs = 2, Seed = 2, BeamWidth = 2 }).Fit(train);
        var ensemble = ml.SequenceToSequence.Ensemble(a, b);
        var outputs = Outputs(ml, ensemble, test, 50);
        a.Dispose();
        b.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => a.Transform(test));
        return (ensemble, outputs);
    }

    private static List<Decoded> Outputs(MLContext ml, ITransformer model, IDataView data, int rows) =>
        ml.Data.CreateEnumerable<Decoded>(model.Transform(ml.Data.TakeRows(data, rows)), reuseRowObject: false).ToList();

    [TestMethod]
    public void ACanceledFitResumesFromItsCheckpointAndDecodesAsAnUninterruptedOne()
    {
        var ml = new MLContext(1);
        var (trainWords, testWords) = Split(300, 60);
        var trainRows = ml.Data.LoadFromEnumerable(Rows(trainWords));
        var prepare = Prepare(ml).Fit(trainRows);
        var train = prepare.Transform(trainRows);
        var test = prepare.Transform(ml.Data.LoadFromEnumerable(Rows(testWords)));
        GruSequenceToSequenceOptions Options(string? checkpoint) => new()
        {
            NumberOfEpochs = 6, HiddenSize = 32, EmbeddingDimension = 16, Seed = 3, BeamWidth = 2, NumberOfThreads = 1, CheckpointPath = checkpoint,
        };
        var (uninterrupted, resumed) = ResumeCheck.Run((path, progress, token) =>
        {
            var o = Options(path);
            o.Progress = progress;
            o.CancellationToken = token;
            return ml.SequenceToSequence.Trainers.SequenceGru(o).Fit(train);
        }, path =>
        {
            var other = Options(path);
            other.LearningRate = 0.01;
            ml.SequenceToSequence.Trainers.SequenceGru(other).Fit(train);
        }, m => m.TrainingHistory!, epochs: 6, cancelAfter: 3);
        using (uninterrupted)
        using (resumed)
        {
            var expected = ml.Data.CreateEnumerable<Decoded>(uninterrupted.Transform(test), reuseRowObject: false).ToList();
            var actual = ml.Data.CreateEnumerable<Decoded>(resumed.Transform(test), reuseRowObject: false).ToList();
            Assert.HasCount(expected.Count, actual);
            for (int i = 0; i < expected.Count; i++)
            {
                CollectionAssert.AreEqual(expected[i].PredictedLabel, actual[i].PredictedLabel, $"row {i}");
                Assert.AreEqual(expected[i].Score, actual[i].Score, 1e-5f, $"row {i}");
            }
        }

        // Other pairs of the same count (the words in reverse order) are another training: refused too.
        var path = Path.Combine(Path.GetTempPath(), $"g2p-{Guid.NewGuid():N}.ckpt");
        try
        {
            using var cancel = new CancellationTokenSource();
            var first = Options(path);
            first.Progress = new SyncProgress<EpochReport>(e => { if (e.Epoch == 1) cancel.Cancel(); });
            first.CancellationToken = cancel.Token;
            Assert.ThrowsExactly<OperationCanceledException>(() => ml.SequenceToSequence.Trainers.SequenceGru(first).Fit(train));
            var reversed = prepare.Transform(ml.Data.LoadFromEnumerable(Rows(trainWords).AsEnumerable().Reverse()));
            var refused = Assert.ThrowsExactly<InvalidOperationException>(() => ml.SequenceToSequence.Trainers.SequenceGru(Options(path)).Fit(reversed));
            Assert.Contains("CheckpointPath", refused.Message);
        }
        finally
        {
            File.Delete(path);
        }

        var missing = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.SequenceToSequence.Trainers.SequenceGru(Options(Path.Combine(Path.GetTempPath(), $"no-{Guid.NewGuid():N}", "a.ckpt"))));
        Assert.Contains("CheckpointPath", missing.Message);
        var folder = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.SequenceToSequence.Trainers.SequenceGru(Options(Path.GetTempPath())));
        Assert.Contains("names a folder", folder.Message);
        var every = Options(null);
        every.CheckpointEveryEpochs = 0;
        Assert.Contains("CheckpointEveryEpochs", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.SequenceToSequence.Trainers.SequenceGru(every)).Message);
    }

    /// <summary>A decoded row: the predicted phoneme keys and their score.</summary>
    public sealed class Decoded
    {
        [KeyType(100)]
        public uint[] PredictedLabel { get; set; } = Array.Empty<uint>();
        public float Score { get; set; }
    }

    [TestMethod]
    public void APredictionEngineSpellsWordsAndBadInputIsNamed()
    {
        var ml = new MLContext(1);
        var (trainWords, _) = Split(400, 0);
        var train = ml.Data.LoadFromEnumerable(Rows(trainWords));
        var options = new GruSequenceToSequenceOptions { NumberOfEpochs = 3, HiddenSize = 32, EmbeddingDimension = 16, Seed = 1, BeamWidth = 2 };
        var model = Prepare(ml).Append(ml.SequenceToSequence.Trainers.SequenceGru(options))
            .Append(ml.Transforms.Conversion.MapKeyToValue("Phones", "PredictedLabel")).Fit(train);
        var path = Path.Combine(Path.GetTempPath(), $"g2p-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.SaveSequenceModel(model, train.Schema, path);
            var loaded = ml.Model.LoadSequenceModel(path, out _);
            using (var before = ml.Model.CreatePredictionEngine<Pronunciation, Spoken>(model))
            using (var after = ml.Model.CreatePredictionEngine<Pronunciation, Spoken>(loaded))
            {
                foreach (var word in new[] { "cat", "table", "pronunciation", "x" })
                {
                    var a = before.Predict(new Pronunciation { Word = word });
                    var b = after.Predict(new Pronunciation { Word = word });
                    TestContext.WriteLine($"{word}: {string.Join(' ', a.Phones)} ({a.Score:F2})");
                    CollectionAssert.AreEqual(a.Phones, b.Phones, word);
                    Assert.AreEqual(a.Score, b.Score, 1e-5f, word);
                    Assert.IsTrue(a.Phones.Length is > 0 and <= 40, $"{word}: {a.Phones.Length} phonemes");
                }
                var unknownLetters = before.Predict(new Pronunciation { Word = "çà" });   // letters no training word has: read as unknown
                Assert.IsTrue(unknownLetters.Phones.Length > 0 && unknownLetters.Phones.All(p => p.Length > 0), "unknown letters still give phonemes");
                var empty = Assert.ThrowsExactly<InvalidOperationException>(() => before.Predict(new Pronunciation { Word = "" }));
                Assert.Contains("Source", empty.Message);
                Assert.Contains("no token", empty.Message);

                // Native memory: single-row predictions leave no tensor behind.
                before.Predict(new Pronunciation { Word = "warm" });
                EstimatorContract.SettleFinalizers();
                long tensors = torch.Tensor.TotalCount;
                for (int i = 0; i < 300; i++)
                    before.Predict(new Pronunciation { Word = trainWords[i].Word });
                Assert.AreEqual(tensors, torch.Tensor.TotalCount, "live tensors after 300 predictions");
            }
            (loaded as IDisposable)?.Dispose();
        }
        finally
        {
            File.Delete(path);
            (model as IDisposable)?.Dispose();
        }

        // Options are checked when the trainer is made; data problems at Fit, naming the row and the option.
        var beam = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.SequenceToSequence.Trainers.SequenceGru(beamWidth: 0));
        Assert.Contains("BeamWidth", beam.Message);
        var same = Assert.ThrowsExactly<ArgumentException>(() => ml.SequenceToSequence.Trainers.SequenceLstm("Source", "Source"));
        Assert.Contains("SourceColumnName", same.Message);
        var prepared = Prepare(ml).Fit(train).Transform(train);
        var tooLong = Assert.ThrowsExactly<InvalidOperationException>(() =>
            ml.SequenceToSequence.Trainers.SequenceGru(new GruSequenceToSequenceOptions { MaximumOutputLength = 3, NumberOfEpochs = 1 }).Fit(prepared));
        Assert.Contains("MaximumOutputLength", tooLong.Message);
        Assert.Contains("Row ", tooLong.Message);
        var withEmpty = Prepare(ml).Fit(train).Transform(ml.Data.LoadFromEnumerable(new[] { new Pronunciation { Word = "", Phonemes = "AH" } }));
        var emptySource = Assert.ThrowsExactly<InvalidOperationException>(() => ml.SequenceToSequence.Trainers.SequenceGru().Fit(withEmpty));
        Assert.Contains("Row 1", emptySource.Message);
        Assert.Contains("SourceColumnName", emptySource.Message);
    }
}
