using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Tests.Support;
using TorchSharp;

namespace MLNet.Sequence.Tests.NextElement;

/// <summary>Next-element models: a character language model on the UCI sentences, generation, and the estimator contract.</summary>
[TestClass]
public sealed class NextElementTests
{
    public TestContext TestContext { get; set; } = null!;

    public sealed class Sentence
    {
        public string Text { get; set; } = "";
    }

    /// <summary>The UCI labelled sentences (data/text), shuffled by System.Random(1): the first 80% train, the rest validate.</summary>
    private static (List<Sentence> Train, List<Sentence> Validation) Sentences()
    {
        var all = File.ReadLines(TestData.PathOf("text/uci_sentiment_labelled_sentences.tsv")).Skip(1)
            .Select(l => new Sentence { Text = l.Split('\t')[2] }).ToList();
        var order = Enumerable.Range(0, all.Count).ToArray();
        new Random(1).Shuffle(order);
        int train = (int)(0.8 * all.Count);
        return (order.Take(train).Select(i => all[i]).ToList(), order.Skip(train).Select(i => all[i]).ToList());
    }

    private static IEstimator<ITransformer> Characters(MLContext ml) =>
        ml.Transforms.Text.TokenizeIntoCharactersAsKeys("Sequence", nameof(Sentence.Text), useMarkerCharacters: false);

    /// <summary>Per-character perplexities of the library's unigram and interpolated bigram (NGramBaselines).</summary>
    private static (double Unigram, double Bigram) Baselines(List<Sentence> train, List<Sentence> validation) =>
        NGramBaselines.Perplexities(train.Select(s => (IReadOnlyList<string>)s.Text.Select(c => c.ToString()).ToArray()),
            validation.Select(s => (IReadOnlyList<string>)s.Text.Select(c => c.ToString()).ToArray()).ToList());

    [TestMethod]
    public void ACharacterGruBeatsUnigramAndBigramPerplexityAndGeneratesRepeatably()
    {
        var ml = new MLContext(1);
        var (train, validation) = Sentences();
        var (unigram, bigram) = Baselines(train, validation);
        // Characters as text elements (ML.NET's TokenizeIntoCharactersAsKeys would name a space "<␠>", so prompts would need that too).
        static Context Chars(Sentence s) => new() { Sequence = s.Text.Select(c => c.ToString()).ToArray() };
        var trainData = ml.Data.LoadFromEnumerable(train.Select(Chars));
        var validData = ml.Data.LoadFromEnumerable(validation.Select(Chars));
        var clock = Stopwatch.StartNew();
        using var model = ml.NextElement.Trainers.SequenceGru(new GruNextElementOptions
        {
            HiddenSize = 192, EmbeddingDimension = 32, NumberOfEpochs = 8, BatchSize = 32, LearningRate = 3e-3, Dropout = 0.1f, Seed = 1,
            Progress = new Progress<MLNet.Sequence.Trainers.EpochReport>(r => TestContext.WriteLine($"epoch {r.Epoch} loss {r.TrainingLoss:F3} {clock.Elapsed.TotalSeconds:F0} s")),
        }).Fit(trainData);
        var metrics = ml.NextElement.Evaluate(model, validData, k: 5);
        TestContext.WriteLine($"GRU: {metrics}; unigram perplexity {unigram:F2}, interpolated bigram {bigram:F2}; {clock.Elapsed.TotalSeconds:F0} s");
        long characters = validation.Sum(s => (long)s.Text.Length);
        Assert.AreEqual(characters, metrics.Predictions, "every validation character is predicted once");
        Assert.IsLessThan(unigram, bigram);
        Assert.IsLessThan(0.75 * bigram, metrics.Perplexity, $"the GRU's perplexity {metrics.Perplexity:F2} against the bigram's {bigram:F2}");
        Assert.IsGreaterThan(0.6, metrics.TopKAccuracy, "the next character among the model's five likeliest");

        var prompt = "this movie ".Select(c => c.ToString()).ToArray();
        string Text(IReadOnlyList<string> elements) => string.Concat(elements);
        var greedy = Text(model.Generate(prompt, new GenerationOptions { Temperature = 0, MaximumLength = 40 }));
        TestContext.WriteLine($"greedy: this movie {greedy}");
        Assert.AreEqual(greedy, Text(model.Generate(prompt, new GenerationOptions { TopK = 1, MaximumLength = 40, Seed = 5 })), "top-1 sampling is greedy");
        Assert.AreEqual(greedy, Text(model.Generate(prompt, new GenerationOptions { TopP = 1e-6, MaximumLength = 40, Seed = 9 })), "a tiny nucleus is greedy");
        var sampled = Text(model.Generate(prompt, new GenerationOptions { Temperature = 0.8, TopP = 0.95, MaximumLength = 60, Seed = 7 }));
        TestContext.WriteLine($"sampled: this movie {sampled}");
        Assert.AreEqual(sampled, Text(model.Generate(prompt, new GenerationOptions { Temperature = 0.8, TopP = 0.95, MaximumLength = 60, Seed = 7 })), "same seed, same text");
        var others = Enumerable.Range(1, 4).Select(seed => Text(model.Generate(prompt, new GenerationOptions { Temperature = 1.0, MaximumLength = 60, Seed = seed }))).ToList();
        Assert.IsGreaterThan(2, others.Distinct().Count(), "other seeds, other texts");
        var stopped = model.Generate(prompt, new GenerationOptions { Temperature = 0.8, StopElement = " ", MaximumLength = 60, Seed = 3 });
        Assert.IsFalse(stopped.Contains(" "), "the stop element ends the generation and is left out");
        Assert.HasCount(40, model.Generate(prompt, new GenerationOptions { Temperature = 1.0, MaximumLength = 40, Seed = 2 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Generate(prompt, new GenerationOptions { TopP = 0 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Generate(prompt, new GenerationOptions { Temperature = -1 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Generate(prompt, new GenerationOptions { TopK = -1 }));
        var unknownStop = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Generate(prompt, new GenerationOptions { StopElement = "\u263A" }));
        Assert.Contains("StopElement", unknownStop.Message);
    }

    public sealed class Context
    {
        public string[] Sequence { get; set; } = Array.Empty<string>();
    }

    public sealed class Next
    {
        public string[] Elements { get; set; } = Array.Empty<string>();
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    [TestMethod]
    public void ACanceledNextElementFitResumesFromItsCheckpointAndPredictsAsAnUninterruptedOne()
    {
        var ml = new MLContext(1);
        var (train, validation) = Sentences();
        var trainData = ml.Data.LoadFromEnumerable(train.Take(300));
        var prefix = Characters(ml).Fit(trainData);
        var prepared = prefix.Transform(trainData);
        GruNextElementOptions Options(string? path) => new()
        {
            NumberOfEpochs = 4, HiddenSize = 32, EmbeddingDimension = 16, Seed = 2, NumberOfThreads = 1, ElementDropout = 0.1, NumberOfPredictions = 3, CheckpointPath = path,
        };
        var (uninterrupted, resumed) = ResumeCheck.Run((path, progress, token) =>
        {
            var o = Options(path);
            o.Progress = progress;
            o.CancellationToken = token;
            return ml.NextElement.Trainers.SequenceGru(o).Fit(prepared);
        }, path =>
        {
            var other = Options(path);
            other.ElementDropout = 0.2;
            ml.NextElement.Trainers.SequenceGru(other).Fit(prepared);
        }, m => m.TrainingHistory!, epochs: 4, cancelAfter: 2);
        using (uninterrupted)
        using (resumed)
        {
            var test = prefix.Transform(ml.Data.LoadFromEnumerable(validation.Take(50)));
            var expected = uninterrupted.Transform(test).GetColumn<float[]>("Score").ToList();
            var actual = resumed.Transform(test).GetColumn<float[]>("Score").ToList();
            var expectedKeys = uninterrupted.Transform(test).GetColumn<VBuffer<uint>>("PredictedLabel").Select(v => v.DenseValues().ToArray()).ToList();
            var actualKeys = resumed.Transform(test).GetColumn<VBuffer<uint>>("PredictedLabel").Select(v => v.DenseValues().ToArray()).ToList();
            for (int i = 0; i < expected.Count; i++)
            {
                CollectionAssert.AreEqual(expectedKeys[i], actualKeys[i], $"row {i}: the predicted elements");
                for (int k = 0; k < expected[i].Length; k++)
                    Assert.AreEqual(expected[i][k], actual[i][k], 1e-5f, $"row {i}, prediction {k}");
            }
        }
    }

    [TestMethod]
    public void TheNextElementTrainersKeepTheEstimatorContractAndNameBadInput()
    {
        var ml = new MLContext(1);
        var (train, validation) = Sentences();
        var trainData = ml.Data.LoadFromEnumerable(train.Take(200));
        var prefix = Characters(ml).Fit(trainData);
        var prepared = prefix.Transform(trainData);
        foreach (var estimator in new IEstimator<NextElementTransformer>[]
        {
            ml.NextElement.Trainers.SequenceLstm(new LstmNextElementOptions { NumberOfEpochs = 1, HiddenSize = 16, EmbeddingDimension = 8, Seed = 1, NumberOfPredictions = 3 }),
            ml.NextElement.Trainers.SequenceGru(new GruNextElementOptions { NumberOfEpochs = 1, HiddenSize = 16, EmbeddingDimension = 8, Seed = 1, TieEmbeddings = true, ElementDropout = 0.1 }),
            ml.NextElement.Trainers.SequenceTransformer(new TransformerNextElementOptions { NumberOfEpochs = 1, EmbeddingDimension = 16, FeedForwardDimension = 32, Seed = 1, MaximumContextLength = 40, ExcludeSeenElements = true }),
        })
        {
            using var fitted = EstimatorContract.Verify(ml, new EstimatorContract.Case<NextElementTransformer>
            {
                Estimator = estimator,
                Prefix = prefix,
                Train = trainData,
                Test = ml.Data.LoadFromEnumerable(validation.Take(30)),
                OutputColumns = new[] { "PredictedLabel", "Score" },
                UsesTorch = true,
                BadInputs = new List<(string, IDataView, string)>
                {
                    ("no sequence column", ml.Transforms.DropColumns("Sequence").Fit(prepared).Transform(prepared), "Sequence"),
                    ("a number as the sequence", ml.Data.LoadFromEnumerable(new[] { new { Sequence = 1f } }), "Sequence"),
                },
            });
            Assert.IsNotNull(fitted.TrainingHistory);
        }

        // A prediction engine: a context in, k elements with their probabilities out, best first; seen ones left out when asked.
        using var gru = ml.NextElement.Trainers.SequenceGru(new GruNextElementOptions { NumberOfEpochs = 2, HiddenSize = 32, EmbeddingDimension = 16, Seed = 1, NumberOfPredictions = 5 })
            .Fit(ml.Data.LoadFromEnumerable(train.Take(300).Select(s => new Context { Sequence = s.Text.Select(c => c.ToString()).ToArray() })));
        var chain = new TransformerChain<ITransformer>(gru, ml.Transforms.Conversion.MapKeyToValue("Elements", "PredictedLabel").Fit(gru.Transform(ml.Data.LoadFromEnumerable(new[] { new Context { Sequence = new[] { "a" } } }))));
        using var engine = ml.Model.CreatePredictionEngine<Context, Next>(chain);
        var next = engine.Predict(new Context { Sequence = "the movi".Select(c => c.ToString()).ToArray() });
        Assert.HasCount(5, next.Elements);
        Assert.IsTrue(next.Score.Zip(next.Score.Skip(1)).All(p => p.First >= p.Second), "best first");
        Assert.IsTrue(next.Score.All(p => p > 0 && p <= 1));
        using var unseen = gru.WithPredictions(5, excludeSeenElements: true);
        using var unseenEngine = ml.Model.CreatePredictionEngine<Context, Next>(new TransformerChain<ITransformer>(unseen, ml.Transforms.Conversion.MapKeyToValue("Elements", "PredictedLabel").Fit(unseen.Transform(ml.Data.LoadFromEnumerable(new[] { new Context { Sequence = new[] { "a" } } })))));
        var fresh = unseenEngine.Predict(new Context { Sequence = "the movi".Select(c => c.ToString()).ToArray() });
        Assert.IsFalse(fresh.Elements.Intersect("the movi".Select(c => c.ToString())).Any(), "no element of the context");
        var empty = Assert.ThrowsExactly<InvalidOperationException>(() => engine.Predict(new Context { Sequence = Array.Empty<string>() }));
        Assert.Contains("no element", empty.Message);
        engine.Predict(new Context { Sequence = new[] { "x" } });
        EstimatorContract.SettleFinalizers();
        long tensors = torch.Tensor.TotalCount;
        for (int i = 0; i < 300; i++)
            engine.Predict(new Context { Sequence = train[i].Text.Take(30).Select(c => c.ToString()).ToArray() });
        Assert.AreEqual(tensors, torch.Tensor.TotalCount, "live tensors after 300 predictions");

        // A context longer than the window reads its latest MaximumContextLength elements, as a training window does.
        using var windowed = ml.NextElement.Trainers.SequenceGru(new GruNextElementOptions { NumberOfEpochs = 1, HiddenSize = 16, EmbeddingDimension = 8, Seed = 1, MaximumContextLength = 10, NumberOfPredictions = 5 })
            .Fit(ml.Data.LoadFromEnumerable(train.Take(100).Select(s => new Context { Sequence = s.Text.Select(c => c.ToString()).ToArray() })));
        var windowedChain = new TransformerChain<ITransformer>(windowed, ml.Transforms.Conversion.MapKeyToValue("Elements", "PredictedLabel").Fit(windowed.Transform(ml.Data.LoadFromEnumerable(new[] { new Context { Sequence = new[] { "a" } } }))));
        using var windowedEngine = ml.Model.CreatePredictionEngine<Context, Next>(windowedChain);
        var longContext = train[0].Text.Select(c => c.ToString()).ToArray();
        Assert.IsGreaterThan(10, longContext.Length);
        var whole = windowedEngine.Predict(new Context { Sequence = longContext });
        var latest = windowedEngine.Predict(new Context { Sequence = longContext[^10..] });
        CollectionAssert.AreEqual(latest.Elements, whole.Elements);
        CollectionAssert.AreEqual(latest.Score, whole.Score);

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.NextElement.Trainers.SequenceGru(numberOfPredictions: 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.NextElement.Evaluate(gru, prepared, k: 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => gru.WithPredictions(0));
        var withEmpty = ml.Data.LoadFromEnumerable(new[] { new Context { Sequence = new[] { "a" } }, new Context() });
        var emptyRow = Assert.ThrowsExactly<InvalidOperationException>(() => ml.NextElement.Trainers.SequenceGru().Fit(withEmpty));
        Assert.Contains("Row 2", emptyRow.Message);
        var rare = Assert.ThrowsExactly<InvalidOperationException>(() =>
            ml.NextElement.Trainers.SequenceGru(new GruNextElementOptions { MinimumCount = 5 }).Fit(ml.Data.LoadFromEnumerable(new[] { new Context { Sequence = new[] { "a", "b" } } })));
        Assert.Contains("MinimumCount", rare.Message);
    }
}
