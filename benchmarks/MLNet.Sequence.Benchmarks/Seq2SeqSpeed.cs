using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Microsoft.ML;
using MLNet.Sequence.Tests.SequenceToSequence;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Benchmarks;

/// <summary>
/// Sequence-to-sequence speed on CMUdict grapheme-to-phoneme: target tokens per second of <c>Fit</c> beside a raw
/// TorchSharp loop training the same network (the library's network class, the same vocabularies) on batches built in
/// advance; and decoding latency per word, greedy and beam 4, of <c>Transform</c> beside a raw greedy loop over the
/// network's Encode/Decode and beside the engine's own beam search. Usage: -- seq2seq [gru|lstm|transformer ...]
/// </summary>
public static class Seq2SeqSpeed
{
    public sealed class Pronunciation
    {
        public string Word { get; set; } = "";
        public string Phonemes { get; set; } = "";
    }

    private static SequenceToSequenceOptions Options(string which) => which switch
    {
        "lstm" => new LstmSequenceToSequenceOptions(),
        "transformer" => new TransformerSequenceToSequenceOptions(),
        _ => new GruSequenceToSequenceOptions(),
    };

    public static int Run(string[] which)
    {
        if (which.Length == 0)
            which = new[] { "gru", "lstm", "transformer" };
        var entries = CmuDict.Load(System.IO.Path.Combine(AppContext.BaseDirectory, "data", "seq2seq", "cmudict.dict"));
        var random = new Random(1);
        var train = entries.Where(e => !CmuDict.IsTest(e.Word)).OrderBy(_ => random.Next()).Take(4000)
            .Select(e => new Pronunciation { Word = e.Word, Phonemes = string.Join(' ', e.Pronunciations[0]) }).ToList();
        var test = entries.Where(e => CmuDict.IsTest(e.Word)).Take(500)
            .Select(e => new Pronunciation { Word = e.Word, Phonemes = string.Join(' ', e.Pronunciations[0]) }).ToList();
        long targetTokens = train.Sum(p => (long)p.Phonemes.Split(' ').Length);
        Console.WriteLine($"CMUdict G2P: {train.Count} training pairs ({targetTokens} target tokens), {test.Count} words decoded; batch 64, 3 epochs, 2 threads for training, 1 for decoding.");
        Console.WriteLine("| model | Fit tokens/s (median of epochs 2-3) | raw TorchSharp tokens/s | Fit / raw | Transform greedy ms/word | raw greedy ms/word | Transform beam 4 ms/word | engine beam 4 ms/word |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var name in which)
        {
            var ml = new MLContext(1);
            var options = Options(name);
            options.Seed = 1;
            options.NumberOfEpochs = 3;
            options.NumberOfThreads = 2;
            options.BeamWidth = 4;
            var epochs = new List<double>();
            options.Progress = new Synchronous(r => epochs.Add(r.RowsPerSecond));
            var trainData = ml.Data.LoadFromEnumerable(train);
            var prepare = ml.Transforms.Text.TokenizeIntoCharactersAsKeys("Source", nameof(Pronunciation.Word), useMarkerCharacters: false)
                .Append(ml.Transforms.Text.TokenizeIntoWords("Phones", nameof(Pronunciation.Phonemes)))
                .Append(ml.Transforms.Conversion.MapValueToKey("Label", "Phones")).Fit(trainData);
            var trainer = name switch
            {
                "lstm" => ml.SequenceToSequence.Trainers.SequenceLstm((LstmSequenceToSequenceOptions)options),
                "transformer" => ml.SequenceToSequence.Trainers.SequenceTransformer((TransformerSequenceToSequenceOptions)options),
                _ => ml.SequenceToSequence.Trainers.SequenceGru((GruSequenceToSequenceOptions)options),
            };
            using var model = trainer.Fit(prepare.Transform(trainData));
            double fit = Median(epochs.Skip(1)) * targetTokens / train.Count;

            var engine = model.Engine;
            var targetIndex = model.TargetTokens.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i);
            var Source = SourceIds(model);
            var pairs = train.Select(p => new Seq2SeqPair
            {
                Source = Source(p.Word),
                Target = p.Phonemes.Split(' ').Select(t => targetIndex[t] + Seq2SeqNetworkConfig.FirstToken).ToArray(),
            }).ToList();
            double raw = RawTraining(engine, new InMemoryBatches<Seq2SeqPair>(pairs, 64, seed: 1, p => p.Length, bucketByLength: true), targetTokens, options.LearningRate);

            var testData = prepare.Transform(ml.Data.LoadFromEnumerable(test));
            using var greedy = model.WithDecoding(1);
            double MsPerWord(SequenceToSequenceTransformer m)
            {
                var times = new List<double>();
                for (int r = 0; r < 3; r++)
                {
                    var clock = Stopwatch.StartNew();
                    ml.SequenceToSequence.Evaluate(m.Transform(testData));
                    times.Add(clock.Elapsed.TotalMilliseconds / test.Count);
                }
                return Median(times);
            }
            var sources = test.Select(p => Source(p.Word)).ToList();
            double transformGreedy = MsPerWord(greedy), transformBeam = MsPerWord(model);
            double rawGreedy = RawGreedy(engine, sources, model.MaximumOutputLength);
            var beamTimes = new List<double>();
            for (int r = 0; r < 3; r++)
            {
                var clock = Stopwatch.StartNew();
                engine.Decode(sources, 4, model.MaximumOutputLength, model.LengthPenalty);
                beamTimes.Add(clock.Elapsed.TotalMilliseconds / test.Count);
            }
            Console.WriteLine($"| {name} | {fit:F0} | {raw:F0} | {fit / raw:F2} | {transformGreedy:F3} | {rawGreedy:F3} | {transformBeam:F2} | {Median(beamTimes):F2} |");
        }
        return 0;
    }

    /// <summary>
    /// -- seq2seq-cache [training words, default 4000] [test words, default 500] [repeats, default 5]: the Transformer
    /// encoder-decoder's decoding with its key/value cache against the decoder run over every token so far at each step
    /// (the code before the cache), on one trained network (defaults: 128 wide, 3 + 3 layers; 3 epochs), 1 thread. Each
    /// repeat times greedy, batched beam-4 and one-word-at-a-time beam-4 decoding of the test words both ways, in
    /// alternating order; it prints the medians,
    /// the median of the per-repeat ratios, and whether both ways decode the same tokens (and the largest score gap).
    /// </summary>
    public static int RunCache(string[] args)
    {
        int trainWords = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 4000;
        int testWords = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 500;
        int repeats = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5;
        var entries = CmuDict.Load(System.IO.Path.Combine(AppContext.BaseDirectory, "data", "seq2seq", "cmudict.dict"));
        var random = new Random(1);
        var train = entries.Where(e => !CmuDict.IsTest(e.Word)).OrderBy(_ => random.Next()).Take(trainWords)
            .Select(e => new Pronunciation { Word = e.Word, Phonemes = string.Join(' ', e.Pronunciations[0]) }).ToList();
        var test = entries.Where(e => CmuDict.IsTest(e.Word)).Take(testWords).ToList();
        var ml = new MLContext(1);
        var trainData = ml.Data.LoadFromEnumerable(train);
        var prepare = ml.Transforms.Text.TokenizeIntoCharactersAsKeys("Source", nameof(Pronunciation.Word), useMarkerCharacters: false)
            .Append(ml.Transforms.Text.TokenizeIntoWords("Phones", nameof(Pronunciation.Phonemes)))
            .Append(ml.Transforms.Conversion.MapValueToKey("Label", "Phones")).Fit(trainData);
        var options = new TransformerSequenceToSequenceOptions { Seed = 1, NumberOfEpochs = 3, NumberOfThreads = 1 };
        using var model = ml.SequenceToSequence.Trainers.SequenceTransformer(options).Fit(prepare.Transform(trainData));
        var engine = model.Engine;
        var network = (TransformerSeq2SeqNetwork)engine.Network;
        var source = SourceIds(model);
        var sources = test.Select(e => source(e.Word)).ToList();
        Console.WriteLine($"CMUdict G2P Transformer ({engine.Config.HiddenSize} wide, {engine.Config.Layers} + {engine.Config.Layers} layers), trained on {train.Count} words; decoding {sources.Count} test words on 1 thread, {repeats} repeats.");
        Console.WriteLine("| decoding | key/value cache ms/word | every token again ms/word | cache / again (median of repeats) | same tokens | largest score gap |");
        Console.WriteLine("|---|---:|---:|---:|---|---:|");
        Decoded[] OneAtATime(int width) => sources.Select(x => engine.Decode(new[] { x }, width, model.MaximumOutputLength, model.LengthPenalty)[0]).ToArray();
        var ways = new (string Name, Func<Decoded[]> Run)[]
        {
            ("greedy (batches of 256)", () => engine.Decode(sources, 1, model.MaximumOutputLength, model.LengthPenalty)),
            ("beam 4 (batches of 64)", () => engine.Decode(sources, 4, model.MaximumOutputLength, model.LengthPenalty)),
            ("beam 4, one word at a time", () => OneAtATime(4)),
        };
        var reference = new Dictionary<string, Decoded[]>();
        foreach (var (name, run) in ways)
        {
            var times = new Dictionary<bool, List<double>> { [true] = new(), [false] = new() };
            var outputs = new Dictionary<bool, Decoded[]>();
            for (int r = 0; r < repeats; r++)
                foreach (bool cache in r % 2 == 0 ? new[] { true, false } : new[] { false, true })
                {
                    network.CacheDecoding = cache;
                    var clock = Stopwatch.StartNew();
                    outputs[cache] = run();
                    times[cache].Add(clock.Elapsed.TotalMilliseconds / sources.Count);
                }
            network.CacheDecoding = true;
            bool same = outputs[true].Zip(outputs[false]).All(p => p.First.Tokens.SequenceEqual(p.Second.Tokens));
            double gap = outputs[true].Zip(outputs[false]).Max(p => Math.Abs(p.First.LogProbability - p.Second.LogProbability));
            var ratio = Median(times[true].Zip(times[false]).Select(p => p.First / p.Second));
            Console.WriteLine($"| {name} | {Median(times[true]):F3} | {Median(times[false]):F3} | {ratio:F2} | {(same ? "yes" : "no")} | {gap:E1} |");
            reference[name] = outputs[true];
        }
        var batched = reference["beam 4 (batches of 64)"];
        var alone = reference["beam 4, one word at a time"];
        Console.WriteLine($"beam 4 in batches against one word at a time: same tokens {(batched.Zip(alone).All(p => p.First.Tokens.SequenceEqual(p.Second.Tokens)) ? "yes" : "no")}, largest score gap {batched.Zip(alone).Max(p => Math.Abs(p.First.LogProbability - p.Second.LogProbability)):E1}");
        return 0;
    }

    /// <summary>A word's letters as the network's source ids (a letter's index in the model's source tokens + 2; 1 when unknown).</summary>
    private static Func<string, long[]> SourceIds(SequenceToSequenceTransformer model)
    {
        var index = model.SourceTokens.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i);
        return word => word.Select(c => index.TryGetValue(c.ToString(), out int i) ? i + 2L : 1L).ToArray();
    }

    /// <summary>Adam steps of a fresh network of the same shape on an epoch's batches built once, 2 threads, clipping at 5; target tokens/s over two passes after a warm-up pass.</summary>
    private static double RawTraining(Seq2SeqEngine builder, InMemoryBatches<Seq2SeqPair> pairs, long tokens, double learningRate)
    {
        torch.manual_seed(1);
        using var network = Seq2SeqModule.Create(builder.Config);
        network.train();
        using var optimizer = torch.optim.Adam(network.parameters(), learningRate);
        using var threads = ThreadCount.Use(2);
        var scope = torch.NewDisposeScope();
        var batches = pairs.Batches(1).Select(rows => builder.Build(rows, withTargets: true)).ToList();
        void Pass()
        {
            foreach (var (source, lengths, input, expected) in batches)
            {
                using var step = torch.NewDisposeScope();
                optimizer.zero_grad();
                var loss = network.Loss(source, lengths, input!, expected!);
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

    /// <summary>A hand-written batched greedy loop over the trained network (Encode once, Decode a step at a time), 1 thread, batches of 256; median ms per word of 3 passes.</summary>
    private static double RawGreedy(Seq2SeqEngine engine, List<long[]> sources, int maxLength)
    {
        var network = engine.Network;
        network.eval();
        using var noGrad = torch.no_grad();
        using var threads = ThreadCount.Use(1);
        var times = new List<double>();
        for (int r = 0; r < 3; r++)
        {
            var clock = Stopwatch.StartNew();
            for (int start = 0; start < sources.Count; start += 256)
            {
                using var scope = torch.NewDisposeScope();
                var rows = sources.Skip(start).Take(256).Select(s => new Seq2SeqPair { Source = s }).ToList();
                var (source, lengths, _, _) = engine.Build(rows, withTargets: false);
                var encoded = network.Encode(source, lengths);
                var previous = torch.full(new long[] { rows.Count, 1 }, Seq2SeqNetworkConfig.Begin, ScalarType.Int64);
                var state = encoded.State;
                var done = torch.zeros(rows.Count, ScalarType.Bool);
                for (int t = 0; t < maxLength; t++)
                {
                    var (logits, next) = network.Decode(previous, state, encoded);
                    state = next;
                    var chosen = logits.select(1, -1).argmax(-1);
                    done = done.logical_or(chosen.eq(Seq2SeqNetworkConfig.End));
                    if (done.all().item<bool>())
                        break;
                    previous = chosen.unsqueeze(1);
                }
            }
            times.Add(clock.Elapsed.TotalMilliseconds / sources.Count);
        }
        return Median(times);
    }

    /// <summary>Progress reported on the training thread (Progress&lt;T&gt; would post it elsewhere, later).</summary>
    private sealed class Synchronous : IProgress<EpochReport>
    {
        private readonly Action<EpochReport> _report;
        public Synchronous(Action<EpochReport> report) => _report = report;
        public void Report(EpochReport value) => _report(value);
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.OrderBy(x => x).ToArray();
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
