using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms;
using MLNet.Sequence.Transforms.Audio;

namespace MLNet.Sequence.Examples;

/// <summary>
/// Free Spoken Digit Dataset (data/speech/fsdd) on its official split (recordings 0-4 of every speaker and digit are the
/// test set, 5-49 train): a classic pipeline (MFCCs pooled to their mean and standard deviation per utterance, then
/// SDCA maximum entropy) next to the sequence trainers on MFCC frames; accuracy, training time and the best model's
/// confusion matrix (text and PNG).
/// </summary>
public static class SpeechJob
{
    public sealed class Utterance
    {
        public string Path { get; set; } = "";
        public string Label { get; set; } = "";
    }

    /// <summary>The 3,000 recordings, split by the recording index in the file name (`{digit}_{speaker}_{index}.wav`).</summary>
    public static (List<Utterance> Train, List<Utterance> Test) OfficialSplit()
    {
        var all = Directory.GetFiles(Data.PathOf("speech/fsdd"), "*.wav").OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => (File: f, Parts: System.IO.Path.GetFileNameWithoutExtension(f).Split('_'))).ToList();
        List<Utterance> Take(Func<int, bool> index) =>
            all.Where(x => index(int.Parse(x.Parts[2]))).Select(x => new Utterance { Path = x.File, Label = x.Parts[0] }).ToList();
        return (Take(i => i >= 5), Take(i => i < 5));
    }

    /// <summary>LoadAudio at 8 kHz, then features, then padding to a fixed number of frames with a mask.</summary>
    public static IEstimator<ITransformer> Features(MLContext ml, AudioFeatureKind kind = AudioFeatureKind.Mfcc, int deltas = 0) =>
        ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label")
            .Append(ml.Transforms.LoadAudio("Audio", "Path", sampleRate: 8000))
            .Append(ml.Transforms.ExtractAudioFeatures(new AudioFeaturesEstimator.Options
            {
                OutputColumnName = "Frames", InputColumnName = "Audio", Kind = kind, DeltaOrder = deltas,
            }))
            .Append(ml.Transforms.PadSequences(new PadSequencesEstimator.Options
            {
                OutputColumnName = "Features", InputColumnName = "Frames", LengthPercentile = 98, Padding = SequenceEnd.Post, Truncation = SequenceEnd.Post,
                MaskColumnName = "Mask",
            }));

    /// <summary>
    /// -- speech [classic|cnn|lstm|gru|transformer|all] [features=mfcc|logmel] [deltas=0|1|2] [augment [shift=N]] [Option=Value ...]
    /// (trainer options of every sequence run; "augment" adds SpecAugment-style masking with its default widths, "shift"
    /// a random time shift of up to N frames)
    /// </summary>
    public static void Run(string[] args)
    {
        string which = args.Length > 0 ? args[0] : "all";
        var rest = args.Skip(1).ToList();
        var kind = rest.Remove("features=logmel") ? AudioFeatureKind.LogMel : AudioFeatureKind.Mfcc;
        rest.Remove("features=mfcc");
        int deltas = rest.FirstOrDefault(a => a.StartsWith("deltas=", StringComparison.Ordinal)) is { } d ? int.Parse(d["deltas=".Length..]) : 0;
        rest.RemoveAll(a => a.StartsWith("deltas=", StringComparison.Ordinal));
        bool augment = rest.Remove("augment");
        int shift = rest.FirstOrDefault(a => a.StartsWith("shift=", StringComparison.Ordinal)) is { } sh ? int.Parse(sh["shift=".Length..]) : 0;
        rest.RemoveAll(a => a.StartsWith("shift=", StringComparison.Ordinal));
        var overrides = rest.ToArray();
        var (train, test) = OfficialSplit();
        Console.WriteLine($"== FSDD spoken digits: {train.Count} training and {test.Count} test recordings (official split: index 0-4 test); {kind}, deltas {deltas}{(augment ? $", feature masking{(shift > 0 ? $", shift up to {shift}" : "")}" : "")}");
        var ml = new MLContext(1);
        var trainView = ml.Data.LoadFromEnumerable(train);
        var testView = ml.Data.LoadFromEnumerable(test);
        var outDir = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "output")).FullName;
        if (which is "all" or "classic")
            Classic(ml, trainView, testView);
        T With<T>(T o) where T : SequenceTrainerOptions
        {
            o.LabelColumnName = "LabelKey";
            o.MaskColumnName = "Mask";
            o.Seed = 1;
            if (augment)
                o.Augmentation = new FeatureMaskingOptions { MaximumTimeShift = shift };
            NabJob.Apply(o, overrides);
            return o;
        }
        var runs = new List<(string Name, Func<IEstimator<ITransformer>> Make)>
        {
            ("cnn", () => ml.MulticlassClassification.Trainers.SequenceCnn(With(new CnnOptions { Channels = 64, NumberOfLayers = 4, Pooling = SequencePooling.Mean, NumberOfEpochs = 30 }))),
            ("lstm", () => ml.MulticlassClassification.Trainers.SequenceLstm(With(new LstmOptions { HiddenSize = 64, Bidirectional = true, Pooling = SequencePooling.Mean, NumberOfEpochs = 30 }))),
            ("gru", () => ml.MulticlassClassification.Trainers.SequenceGru(With(new GruOptions { HiddenSize = 64, Bidirectional = true, Pooling = SequencePooling.Mean, NumberOfEpochs = 30 }))),
            ("transformer", () => ml.MulticlassClassification.Trainers.SequenceTransformer(With(new TransformerOptions { ModelDimension = 64, Pooling = SequencePooling.Mean, NumberOfEpochs = 30 }))),
        };
        (string Name, double Accuracy, ConfusionMatrix Matrix, string[] Classes)? best = null;
        foreach (var (name, make) in runs)
        {
            if (which != "all" && which != name)
                continue;
            var clock = Stopwatch.StartNew();
            var model = Features(ml, kind, deltas).Append(make()).Fit(trainView);
            double seconds = clock.Elapsed.TotalSeconds;
            var scored = model.Transform(testView);
            var m = ml.MulticlassClassification.Evaluate(scored, "LabelKey");
            Console.WriteLine($"   {name,-12} accuracy {m.MicroAccuracy:F4}  macro {m.MacroAccuracy:F4}  log-loss {m.LogLoss:F3}  train {seconds,5:F0} s");
            if (best is null || m.MicroAccuracy > best.Value.Accuracy)
                best = (name, m.MicroAccuracy, m.ConfusionMatrix, ClassNames(scored));
            (model as IDisposable)?.Dispose();
        }
        if (best is { } b)
        {
            Console.WriteLine($"   confusion matrix of {b.Name} (rows: true digit, columns: predicted):");
            Console.Write(b.Matrix.GetFormattedConfusionTable());
            var path = Path.Combine(outDir, $"fsdd-confusion-{b.Name}.png");
            ClassificationPlots.SaveConfusionMatrix(path, b.Classes, b.Matrix.Counts.Select(r => (IReadOnlyList<int>)r.Select(x => (int)x).ToList()).ToList(),
                $"FSDD official split: {b.Name} on MFCC frames, accuracy {b.Accuracy:F3}");
            Console.WriteLine($"   (plot: {path})");
        }
    }

    /// <summary>The digits in key order (the confusion matrix's order).</summary>
    private static string[] ClassNames(IDataView scored)
    {
        VBuffer<ReadOnlyMemory<char>> names = default;
        scored.Schema["LabelKey"].GetKeyValues(ref names);
        return names.DenseValues().Select(n => n.ToString()).ToArray();
    }

    public sealed class Pooled
    {
        public string Label { get; set; } = "";
        [VectorType] public float[] Features { get; set; } = Array.Empty<float>();
    }

    /// <summary>The classic baseline: per-utterance mean and standard deviation of each MFCC, delta and delta-delta, then SDCA.</summary>
    private static void Classic(MLContext ml, IDataView train, IDataView test)
    {
        var clock = Stopwatch.StartNew();
        var frames = ml.Transforms.LoadAudio("Audio", "Path", sampleRate: 8000)
            .Append(ml.Transforms.ExtractAudioFeatures(new AudioFeaturesEstimator.Options
            {
                OutputColumnName = "Frames", InputColumnName = "Audio", DeltaOrder = 2, Normalization = AudioFeatureNormalization.None,
            }))
            .Fit(train);
        List<Pooled> Pool(IDataView data)
        {
            var scored = frames.Transform(data);
            var labels = scored.GetColumn<string>("Label").ToList();
            var values = scored.GetColumn<VBuffer<float>>("Frames").Select(v => v.DenseValues().ToArray()).ToList();
            const int f = 39;
            return labels.Select((label, r) =>
            {
                var x = values[r];
                int n = x.Length / f;
                var pooled = new float[2 * f];
                for (int j = 0; j < f; j++)
                {
                    double mean = 0, sq = 0;
                    for (int t = 0; t < n; t++) mean += x[t * f + j];
                    mean /= n;
                    for (int t = 0; t < n; t++) sq += (x[t * f + j] - mean) * (x[t * f + j] - mean);
                    pooled[j] = (float)mean;
                    pooled[f + j] = (float)Math.Sqrt(sq / n);
                }
                return new Pooled { Label = label, Features = pooled };
            }).ToList();
        }
        var pooledTrain = ml.Data.LoadFromEnumerable(Pool(train), SchemaOf());
        var pooledTest = ml.Data.LoadFromEnumerable(Pool(test), SchemaOf());
        var pipeline = ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label")
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("LabelKey", "Features"));
        var model = pipeline.Fit(pooledTrain);
        var m = ml.MulticlassClassification.Evaluate(model.Transform(pooledTest), "LabelKey");
        Console.WriteLine($"   {"classic",-12} accuracy {m.MicroAccuracy:F4}  macro {m.MacroAccuracy:F4}  log-loss {m.LogLoss:F3}  train {clock.Elapsed.TotalSeconds,5:F0} s  (pooled MFCC+deltas mean/std, 78 values, SDCA maximum entropy)");
    }

    private static SchemaDefinition SchemaOf()
    {
        var s = SchemaDefinition.Create(typeof(Pooled));
        s["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 78);
        return s;
    }
}
