using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML;
using MLNet.Sequence.Tagging;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Examples;

/// <summary>
/// Brown news part-of-speech tagging (data/tagging): the taggers next to the majority-tag baseline on the fixed split
/// (sentences shuffled with System.Random(42), the first 80% train), token accuracy and accuracy on unknown words; and
/// an entity-level run on proper-noun chunks built from the same tags.
/// </summary>
public static class TaggingJob
{
    public sealed class Sentence
    {
        public string[] Tokens { get; set; } = Array.Empty<string>();
        public string[] Label { get; set; } = Array.Empty<string>();
    }

    /// <summary>The Brown sentences, read by the library's CoNLL loader.</summary>
    public static List<Sentence> Brown()
    {
        var ml = new MLContext(1);
        return ml.Data.CreateEnumerable<Sentence>(ml.SequenceTagging.LoadFromConllFile(Data.PathOf("tagging/brown_news_pos.conll")), reuseRowObject: false).ToList();
    }

    public static (List<Sentence> Train, List<Sentence> Test) Split(List<Sentence> all)
    {
        var order = Enumerable.Range(0, all.Count).ToArray();
        new Random(42).Shuffle(order);
        int train = (int)(0.8 * all.Count);
        return (order.Take(train).Select(i => all[i]).ToList(), order.Skip(train).Select(i => all[i]).ToList());
    }

    /// <summary>
    /// Proper-noun runs as NAME chunks in IOB2: a maximal run of tokens tagged np, np$, nps or nps$ (with any -tl/-hl
    /// suffix) is one NAME; everything else is O. Built from the Brown tags, not annotated by hand.
    /// </summary>
    public static Sentence Names(Sentence s)
    {
        var tags = new string[s.Label.Length];
        for (int i = 0; i < tags.Length; i++)
        {
            bool name = IsProperNoun(s.Label[i]);
            tags[i] = !name ? "O" : i > 0 && IsProperNoun(s.Label[i - 1]) ? "I-NAME" : "B-NAME";
        }
        return new Sentence { Tokens = s.Tokens, Label = tags };
    }

    private static bool IsProperNoun(string tag)
    {
        var head = tag.Split('-')[0];
        return head is "np" or "np$" or "nps" or "nps$";
    }

    /// <summary>-- tagging [word|char-cnn|char|crf|gru|transformer|cnn|names|all] [Option=Value ...] (options of every tagger run)</summary>
    public static void Run(string[] args)
    {
        string which = args.Length > 0 ? args[0] : "all";
        _overrides = args.Skip(1).ToArray();
        var (train, test) = Split(Brown());
        Console.WriteLine($"== Brown news POS: {train.Count} training and {test.Count} test sentences ({test.Sum(s => s.Tokens.Length)} test tokens); split: System.Random(42) shuffle, first 80% train");
        var runs = new List<(string Name, Func<MLContext, SequenceTaggerEstimator> Make)>
        {
            ("word", ml => ml.SequenceTagging.Trainers.SequenceLstm(With(new LstmTaggerOptions { UseCharacterFeatures = false, UseCasingFeatures = false }))),
            ("char-cnn", ml => ml.SequenceTagging.Trainers.SequenceLstm(With(new LstmTaggerOptions { CharacterEncoder = CharacterEncoder.Cnn }))),
            ("char", ml => ml.SequenceTagging.Trainers.SequenceLstm(With(new LstmTaggerOptions()))),
            ("crf", ml => ml.SequenceTagging.Trainers.SequenceLstm(With(new LstmTaggerOptions { UseCrf = true }))),
            ("gru", ml => ml.SequenceTagging.Trainers.SequenceGru(With(new GruTaggerOptions()))),
            ("transformer", ml => ml.SequenceTagging.Trainers.SequenceTransformer(With(new TransformerTaggerOptions()))),
            ("cnn", ml => ml.SequenceTagging.Trainers.SequenceCnn(With(new CnnTaggerOptions()))),
        };
        foreach (var (name, make) in runs)
            if (which == "all" || which == name)
                Pos(name, make, train, test);
        if (which is "all" or "names")
            Entities(train, test);
    }

    private static string[] _overrides = Array.Empty<string>();

    private static T With<T>(T options) where T : SequenceTaggerOptions
    {
        options.Seed = 1;
        NabJob.Apply(options, _overrides);
        return options;
    }

    private static void Pos(string name, Func<MLContext, SequenceTaggerEstimator> make, List<Sentence> train, List<Sentence> test)
    {
        var ml = new MLContext(1);
        var clock = Stopwatch.StartNew();
        using var model = make(ml).Fit(ml.Data.LoadFromEnumerable(train));
        double seconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var scored = model.Transform(ml.Data.LoadFromEnumerable(test));
        var metrics = ml.SequenceTagging.Evaluate(scored, "Label", "PredictedLabel", TaggingScheme.Plain);
        double tagSeconds = clock.Elapsed.TotalSeconds;
        // Accuracy on tokens the tagger's vocabulary does not know.
        var predicted = ml.Data.CreateEnumerable<Tagged>(ml.Transforms.Conversion.MapKeyToValue("Tags", "PredictedLabel").Fit(scored).Transform(scored), reuseRowObject: false).ToList();
        int unknown = 0, unknownRight = 0;
        for (int s = 0; s < test.Count; s++)
            for (int i = 0; i < test[s].Tokens.Length; i++)
                if (!model.IsKnownWord(test[s].Tokens[i]))
                {
                    unknown++;
                    if (predicted[s].Tags[i] == test[s].Label[i]) unknownRight++;
                }
        var h = model.TrainingHistory!;
        Console.WriteLine($"   {name,-12} token accuracy {metrics.TokenAccuracy:F4}  unknown words {(double)unknownRight / Math.Max(1, unknown):F4} ({unknown})  " +
                          $"macro F1 {metrics.MacroF1:F3}  train {seconds,6:F0} s ({h.Epochs.Count} epochs, {h.Threads} threads, {model.ParameterCount} weights)  tag {tagSeconds:F1} s");
    }

    public sealed class Tagged
    {
        public string[] Tags { get; set; } = Array.Empty<string>();
    }

    private static void Entities(List<Sentence> train, List<Sentence> test)
    {
        var ml = new MLContext(1);
        var nameTrain = train.Select(Names).ToList();
        var nameTest = test.Select(Names).ToList();
        foreach (bool crf in new[] { false, true })
        {
            var clock = Stopwatch.StartNew();
            var options = With(new LstmTaggerOptions { UseCrf = crf, CrfConstraints = crf ? TaggingScheme.Iob2 : TaggingScheme.Plain });
            using var model = ml.SequenceTagging.Trainers.SequenceLstm(options).Fit(ml.Data.LoadFromEnumerable(nameTrain));
            double seconds = clock.Elapsed.TotalSeconds;
            var metrics = ml.SequenceTagging.Evaluate(model.Transform(ml.Data.LoadFromEnumerable(nameTest)), "Label", "PredictedLabel", TaggingScheme.Iob2);
            Console.WriteLine($"   NAME chunks, BiLSTM with character BiLSTM{(crf ? ", CRF with IOB2 constraints" : "")}: entity precision {metrics.Entities.Precision:F4} recall {metrics.Entities.Recall:F4} F1 {metrics.Entities.F1:F4} " +
                              $"({metrics.Entities.Support} gold chunks), token accuracy {metrics.TokenAccuracy:F4}, train {seconds:F0} s");
            if (crf)
                Console.Write(metrics.ToConllReport());
        }
    }
}
