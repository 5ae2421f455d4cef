using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Tests.SequenceToSequence;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Examples;

/// <summary>
/// Grapheme-to-phoneme conversion on CMUdict (data/seq2seq/cmudict.dict) by the protocol of issue 12: words of
/// letters and apostrophes, stress removed (39 phonemes), the test tenth chosen by FNV-1a(word) % 10 == 0, a prediction
/// right when it equals any listed pronunciation. Every pronunciation of a training word is a training pair.
/// </summary>
public static class G2pJob
{
    public sealed class Pronunciation
    {
        public string Word { get; set; } = "";
        public string Phonemes { get; set; } = "";
    }

    private static List<Pronunciation> Rows(IEnumerable<CmuDict.Entry> entries) =>
        entries.SelectMany(e => e.Pronunciations.Select(p => new Pronunciation { Word = e.Word, Phonemes = string.Join(' ', p) })).ToList();

    /// <summary>
    /// -- g2p-sample output.tsv [modulus] [remainder]: writes the words of the protocol with
    /// FNV-1a(word) % modulus == remainder (default 25 and 3: about one word in 25), one row per pronunciation
    /// (Word TAB Phonemes, phonemes apart by spaces): the small pairs file the command line's seq2seq config trains on.
    /// </summary>
    public static void WriteSample(string[] args)
    {
        if (args.Length == 0)
            throw new ArgumentException("g2p-sample needs the output path, e.g. data/seq2seq/cmudict-sample.tsv.");
        uint modulus = args.Length > 1 ? uint.Parse(args[1], CultureInfo.InvariantCulture) : 25;
        uint remainder = args.Length > 2 ? uint.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        var entries = CmuDict.Load(Data.PathOf("seq2seq/cmudict.dict")).Where(e => CmuDict.Fnv1a(e.Word) % modulus == remainder).ToList();
        var path = System.IO.Path.GetFullPath(args[0]);
        var lines = new[] { "Word\tPhonemes" }.Concat(Rows(entries).Select(r => r.Word + "\t" + r.Phonemes));
        System.IO.File.WriteAllText(path + ".tmp", string.Join("\n", lines) + "\n");
        System.IO.File.Move(path + ".tmp", path, overwrite: true);
        Console.WriteLine($"wrote {entries.Count} words ({entries.Sum(e => e.Pronunciations.Count)} pronunciations) to {path}");
    }

    /// <summary>
    /// -- g2p [transformer|gru|lstm] [epochs] [training words, or all] [width] [layers] [threads] [checkpoint file, or -]
    /// [model zip, or -] [label smoothing] [seed, default 1]: with a checkpoint file, an interrupted run (killed, or its session over)
    /// resumes where it stopped when started again with the same arguments; with a model zip, the trained pipeline
    /// (letters in, phonemes out) is saved there.
    /// </summary>
    public static void Run(string[] args)
    {
        string family = args.Length > 0 ? args[0] : "transformer";
        int epochs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        int? words = args.Length > 2 && args[2] != "all" ? int.Parse(args[2], CultureInfo.InvariantCulture) : null;
        int? width = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : null;
        int? layers = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : null;
        int? threads = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : null;
        string? checkpoint = args.Length > 6 && args[6] != "-" ? args[6] : null;
        string? modelPath = args.Length > 7 && args[7] != "-" ? args[7] : null;
        double? smoothing = args.Length > 8 ? double.Parse(args[8], CultureInfo.InvariantCulture) : null;
        int seed = args.Length > 9 ? int.Parse(args[9], CultureInfo.InvariantCulture) : 1;
        var ml = new MLContext(1);
        var entries = CmuDict.Load(Data.PathOf("seq2seq/cmudict.dict"));
        var random = new Random(1);
        var trainWords = entries.Where(e => !CmuDict.IsTest(e.Word)).OrderBy(_ => random.Next()).Take(words ?? int.MaxValue).ToList();
        var testWords = entries.Where(e => CmuDict.IsTest(e.Word)).ToList();
        var train = ml.Data.LoadFromEnumerable(Rows(trainWords));
        var test = ml.Data.LoadFromEnumerable(Rows(testWords));
        Console.WriteLine($"== G2P on CMUdict: {trainWords.Count} training words ({Rows(trainWords).Count} pronunciations), {testWords.Count} test words; {family}, {epochs} epochs, seed {seed}");
        var prepare = ml.Transforms.Text.TokenizeIntoCharactersAsKeys("Source", nameof(Pronunciation.Word), useMarkerCharacters: false)
            .Append(ml.Transforms.Text.TokenizeIntoWords("Phones", nameof(Pronunciation.Phonemes)))
            .Append(ml.Transforms.Conversion.MapValueToKey("Label", "Phones")).Fit(train);
        var clock = Stopwatch.StartNew();
        var progress = new Progress<EpochReport>(r => Console.WriteLine($"   epoch {r.Epoch,3}  loss {r.TrainingLoss:F4}  {r.Elapsed.TotalSeconds,6:F0} s  ({DateTime.UtcNow:HH:mm} UTC)"));
        SequenceToSequenceEstimator trainer = family switch
        {
            "gru" => ml.SequenceToSequence.Trainers.SequenceGru(new GruSequenceToSequenceOptions
            {
                HiddenSize = width ?? 256, EmbeddingDimension = 128, NumberOfLayers = layers ?? 1, Dropout = 0.3f, BatchSize = 128, LearningRate = 2e-3,
                LearningRateSchedule = LearningRateSchedule.Cosine, NumberOfEpochs = epochs, Seed = seed, NumberOfThreads = threads, Progress = progress,
                CheckpointPath = checkpoint, LabelSmoothing = smoothing ?? 0,
            }),
            "lstm" => ml.SequenceToSequence.Trainers.SequenceLstm(new LstmSequenceToSequenceOptions
            {
                HiddenSize = width ?? 256, EmbeddingDimension = 128, NumberOfLayers = layers ?? 1, Dropout = 0.3f, BatchSize = 128, LearningRate = 2e-3,
                LearningRateSchedule = LearningRateSchedule.Cosine, NumberOfEpochs = epochs, Seed = seed, NumberOfThreads = threads, Progress = progress,
                CheckpointPath = checkpoint, LabelSmoothing = smoothing ?? 0,
            }),
            _ => ml.SequenceToSequence.Trainers.SequenceTransformer(new TransformerSequenceToSequenceOptions
            {
                ModelDimension = width ?? 256, NumberOfLayers = layers ?? 3, FeedForwardDimension = 4 * (width ?? 256), BatchSize = 128,
                LearningRate = 1e-3, LearningRateSchedule = LearningRateSchedule.Cosine, NumberOfEpochs = epochs, Seed = seed, NumberOfThreads = threads, Progress = progress,
                CheckpointPath = checkpoint, LabelSmoothing = smoothing ?? 0.1,
            }),
        };
        using var beam = (SequenceToSequenceTransformer)trainer.Fit(prepare.Transform(train));
        double trainSeconds = beam.TrainingHistory!.Epochs[^1].Elapsed.TotalSeconds;   // all epochs, a resumed run's earlier ones included
        Console.WriteLine($"   trained in {trainSeconds:F0} s ({trainSeconds / beam.TrainingHistory!.Epochs.Count:F0} s per epoch), {beam.ParameterCount} parameters");
        if (beam.TrainingHistory.ResumedAfterEpoch > 0)
            Console.WriteLine($"   resumed after epoch {beam.TrainingHistory.ResumedAfterEpoch} from {checkpoint}");
        if (modelPath != null)
        {
            ml.Model.SaveSequenceModel(prepare.Append(beam), train.Schema, modelPath);
            Console.WriteLine($"   saved the pipeline (letters in, phonemes out) to {System.IO.Path.GetFullPath(modelPath)}");
        }
        using var greedy = beam.WithDecoding(1);
        foreach (var (name, model) in new[] { ("greedy", greedy), ("beam 4", beam) })
        {
            clock.Restart();
            var m = ml.SequenceToSequence.Evaluate(model.Transform(prepare.Transform(test)), sourceColumnName: "Source");
            Console.WriteLine($"   {name,-8} WER {100 * m.SequenceErrorRate:F2}%  PER {100 * m.TokenErrorRate:F2}%  ({m.Examples} words, {clock.Elapsed.TotalSeconds:F1} s)");
        }
    }

    /// <summary>
    /// -- g2p-ensemble [--ensemble-only] a.zip b.zip [...]: loads pipelines the g2p job saved (trained on the same words,
    /// so their vocabularies agree), decodes the test words with each alone (unless --ensemble-only: the g2p job that
    /// trained each already reported it) and with the ensemble of all (the mean of their next-phoneme probabilities),
    /// greedily and with a beam of 4.
    /// </summary>
    public static void RunEnsemble(string[] args)
    {
        bool ensembleOnly = args.Length > 0 && args[0] == "--ensemble-only";
        var paths = ensembleOnly ? args.Skip(1).ToArray() : args;
        if (paths.Length == 0)
            throw new ArgumentException("g2p-ensemble needs the saved models, e.g. gru.zip transformer.zip.");
        var ml = new MLContext(1);
        var testWords = CmuDict.Load(Data.PathOf("seq2seq/cmudict.dict")).Where(e => CmuDict.IsTest(e.Word)).ToList();
        var test = ml.Data.LoadFromEnumerable(Rows(testWords));
        var chains = paths.Select(p => (TransformerChain<ITransformer>)ml.Model.LoadSequenceModel(p, out _)).ToList();
        var members = chains.Select(c => (SequenceToSequenceTransformer)c.LastTransformer).ToArray();
        // Every chain's preparation is the same (fitted on the same training words); the first one's reads the test words.
        var prepared = new TransformerChain<ITransformer>(chains[0].Take(chains[0].Count() - 1).ToArray()).Transform(test);
        Console.WriteLine($"== G2P ensemble on CMUdict: {members.Length} models, {testWords.Count} test words");
        void Report(string name, SequenceToSequenceTransformer model)
        {
            foreach (int width in new[] { 1, 4 })
            {
                using var decoding = model.WithDecoding(width);
                var clock = Stopwatch.StartNew();
                var m = ml.SequenceToSequence.Evaluate(decoding.Transform(prepared), sourceColumnName: "Source");
                Console.WriteLine($"   {name,-28} {(width == 1 ? "greedy" : "beam 4"),-7} WER {100 * m.SequenceErrorRate:F2}%  PER {100 * m.TokenErrorRate:F2}%  ({clock.Elapsed.TotalSeconds:F0} s)");
            }
        }
        for (int i = 0; i < members.Length && !ensembleOnly; i++)
            Report($"{System.IO.Path.GetFileName(paths[i])} ({members[i].Cell})", members[i]);
        using var ensemble = ml.SequenceToSequence.Ensemble(members);
        Report($"ensemble of {members.Length}", ensemble);
        foreach (var c in chains)
            c.Dispose();
    }
}
