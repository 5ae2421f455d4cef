using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML;
using MLNet.Sequence.Tagging;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Trainers.Network;
using TorchSharp;

namespace MLNet.Sequence.Benchmarks;

/// <summary>
/// Tagging speed on Brown news POS: tokens per second of <c>Fit</c> (per epoch) and of <c>Transform</c>, each beside a
/// raw TorchSharp loop that drives the same network (the library's <see cref="TaggingNetwork"/>, same vocabularies) on
/// batches built once in advance (an epoch's batches, bucketed as Fit's are): what the ML.NET layer and the batch building cost.
/// "lstm-bucketed" and "crf-bucketed" train with BucketByLength, to show what bucketing buys. Usage:
/// -- tagging [lstm|lstm-bucketed|crf|crf-bucketed|cnn|transformer|gru ...]
/// </summary>
public static class TaggingSpeed
{
    public sealed class Sentence
    {
        public string[] Tokens { get; set; } = Array.Empty<string>();
        public string[] Label { get; set; } = Array.Empty<string>();
    }

    /// <summary>The Brown sentences in the split's order (System.Random(42) shuffle), read by the library's CoNLL loader.</summary>
    private static List<Sentence> Brown()
    {
        var ml = new MLContext(1);
        var data = ml.SequenceTagging.LoadFromConllFile(Path.Combine(AppContext.BaseDirectory, "data", "tagging", "brown_news_pos.conll"));
        var sentences = ml.Data.CreateEnumerable<Sentence>(data, reuseRowObject: false).ToList();
        var order = Enumerable.Range(0, sentences.Count).ToArray();
        new Random(42).Shuffle(order);
        return order.Select(i => sentences[i]).ToList();
    }

    private static SequenceTaggerOptions Options(string which) => which switch
    {
        "crf" => new LstmTaggerOptions { UseCrf = true },
        "cnn" => new CnnTaggerOptions(),
        "transformer" => new TransformerTaggerOptions(),
        "gru" => new GruTaggerOptions(),
        "lstm-bucketed" => new LstmTaggerOptions { BucketByLength = true },
        "crf-bucketed" => new LstmTaggerOptions { UseCrf = true, BucketByLength = true },
        _ => new LstmTaggerOptions(),
    };

    public static int Run(string[] which)
    {
        if (which.Length == 0)
            which = new[] { "lstm", "lstm-bucketed", "crf", "crf-bucketed", "cnn", "transformer" };
        var all = Brown();
        var train = all.Take(1500).ToList();
        var score = all.Skip(3698).ToList();   // the docs' test sentences
        long trainTokens = train.Sum(s => (long)s.Tokens.Length), scoreTokens = score.Sum(s => (long)s.Tokens.Length);
        Console.WriteLine($"Brown news POS: {train.Count} training sentences ({trainTokens} tokens), {score.Count} scored ({scoreTokens} tokens); training batch 16, tagging batch 64; 2 threads throughout (NumberOfThreads = 2).");
        Console.WriteLine("| tagger | Fit tokens/s (median of epochs 2-3) | raw TorchSharp tokens/s | Fit / raw | Transform tokens/s (median of 5) | raw forward tokens/s | Transform / raw |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var name in which)
        {
            var ml = new MLContext(1);
            var options = Options(name);
            options.Seed = 1;
            options.NumberOfEpochs = 3;
            options.NumberOfThreads = 2;
            var epochs = new List<double>();
            options.Progress = new Progress(r => epochs.Add(r.RowsPerSecond));
            var trainData = ml.Data.LoadFromEnumerable(train);
            var trainer = name switch
            {
                "cnn" => ml.SequenceTagging.Trainers.SequenceCnn((CnnTaggerOptions)options),
                "transformer" => ml.SequenceTagging.Trainers.SequenceTransformer((TransformerTaggerOptions)options),
                "gru" => ml.SequenceTagging.Trainers.SequenceGru((GruTaggerOptions)options),
                _ => ml.SequenceTagging.Trainers.SequenceLstm((LstmTaggerOptions)options),
            };
            using var model = trainer.Fit(trainData);
            double tokensPerSentence = (double)trainTokens / train.Count;
            double fit = Median(epochs.Skip(1)) * tokensPerSentence;

            // Raw TorchSharp: the same network shape, batches built once, Adam steps timed.
            var engine = model.Engine;
            var sentences = train.Select(s => Featurize(model, s)).ToList();
            double raw = RawTraining(engine.Config, engine, new InMemoryBatches<TaggedSentence>(sentences, 16, seed: 1, s => s.Length, options.BucketByLength), trainTokens);

            var scoreData = ml.Data.LoadFromEnumerable(score);
            var transform = new List<double>();
            for (int i = 0; i < 5; i++)
            {
                var clock = Stopwatch.StartNew();
                ml.SequenceTagging.Evaluate(model.Transform(scoreData), "Label", "PredictedLabel", TaggingScheme.Plain);
                transform.Add(scoreTokens / clock.Elapsed.TotalSeconds);
            }
            var scoreSentences = score.Select(s => Featurize(model, s)).ToList();
            double rawForward = RawForward(engine, scoreSentences, 64, scoreTokens);   // Transform's batch: ScoringBatchSize 64
            Console.WriteLine($"| {name} | {fit:F0} | {raw:F0} | {fit / raw:F2} | {Median(transform):F0} | {rawForward:F0} | {Median(transform) / rawForward:F2} |");
        }
        return 0;
    }

    private sealed class Progress : IProgress<EpochReport>
    {
        private readonly Action<EpochReport> _report;
        public Progress(Action<EpochReport> report) => _report = report;
        public void Report(EpochReport value) => _report(value);
    }

    private static TaggedSentence Featurize(SequenceTaggingTransformer model, Sentence s)
    {
        var sentence = model.Featurizer.Featurize(s.Tokens);
        var ids = s.Label.Select(t => (long)model.Tags.ToList().IndexOf(t)).Select(i => Math.Max(0, i)).ToArray();
        return new TaggedSentence { Words = sentence.Words, Characters = sentence.Characters, Casing = sentence.Casing, Tags = ids };
    }

    /// <summary>Adam steps on pre-built batches of a fresh network of the same shape, 2 threads, clipping as Fit clips; tokens per second over two passes after a warm-up pass.</summary>
    private static double RawTraining(TaggingNetworkConfig config, TaggingEngine builder, InMemoryBatches<TaggedSentence> sentences, long tokens)
    {
        torch.manual_seed(1);
        using var network = new TaggingNetwork(config);
        network.train();
        using var optimizer = torch.optim.Adam(network.parameters(), 2e-3);
        using var threads = ThreadCount.Use(2);
        var batches = new List<TaggingBatch>();
        var scope = torch.NewDisposeScope();
        foreach (var rows in sentences.Batches(1))   // the batches an epoch of Fit makes (bucketed when Fit buckets)
            batches.Add(builder.Build(rows, withTags: true));
        void Pass()
        {
            foreach (var b in batches)
            {
                using var step = torch.NewDisposeScope();
                optimizer.zero_grad();
                var loss = network.Loss(b);
                loss.backward();
                torch.nn.utils.clip_grad_norm_(network.parameters(), 5.0);
                optimizer.step();
            }
        }
        Pass();
        var clock = Stopwatch.StartNew();
        Pass();
        Pass();
        double rate = 2 * tokens / clock.Elapsed.TotalSeconds;
        scope.Dispose();
        return rate;
    }

    /// <summary>The network's own Predict (Viterbi and marginals with a CRF) on batches built once, 2 threads; median tokens/s of 5 passes.</summary>
    private static double RawForward(TaggingEngine engine, List<TaggedSentence> sentences, int batchSize, long tokens)
    {
        using var threads = ThreadCount.Use(2);
        using var scope = torch.NewDisposeScope();
        var batches = new List<TaggingBatch>();
        for (int i = 0; i < sentences.Count; i += batchSize)
            batches.Add(engine.Build(sentences.Skip(i).Take(batchSize).ToList(), withTags: false));
        var rates = new List<double>();
        for (int r = 0; r < 5; r++)
        {
            var clock = Stopwatch.StartNew();
            foreach (var b in batches)
                engine.Network.Predict(b);
            rates.Add(tokens / clock.Elapsed.TotalSeconds);
        }
        return Median(rates);
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.OrderBy(x => x).ToArray();
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
