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
using NWaves.FeatureExtractors;
using NWaves.FeatureExtractors.Options;

namespace MLNet.Sequence.Benchmarks;

/// <summary>
/// Speech speed on the Free Spoken Digit Dataset (3,000 WAV files, 8 kHz): feature extraction in seconds of audio per
/// second (LoadAudio alone, + MFCC, + MFCC with deltas, + log-mel), beside NWaves' MFCC extractor called directly on
/// samples already in memory; and end-to-end prediction (WAV path in, digit out) of a small trained CNN chain: latency per
/// utterance through a PredictionEngine and throughput of a batched Transform, with the process's peak memory while
/// scoring 300 and then all 3,000 files (batch scoring streams, so it should not grow with the file count).
/// Usage: -- speech
/// </summary>
public static class SpeechSpeed
{
    public sealed class Utterance
    {
        public string Path { get; set; } = "";
        public string Label { get; set; } = "";
    }

    public sealed class Digit
    {
        public uint PredictedLabel { get; set; }
    }

    public static int Run(string[] args)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "data", "speech", "fsdd");
        var all = Directory.GetFiles(folder, "*.wav").OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => new Utterance { Path = f, Label = Path.GetFileName(f)[..1] }).ToList();
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(all);
        double audioSeconds = all.Sum(u => (new FileInfo(u.Path).Length - 44) / 2.0) / 8000;
        Console.WriteLine($"FSDD: {all.Count} files, {audioSeconds:F0} s of audio at 8 kHz; medians of 5 passes; 2 cores.");
        Console.WriteLine("| stage | seconds of audio per second | ratio to NWaves alone |");
        Console.WriteLine("|---|---:|---:|");

        // NWaves directly, on samples decoded once in advance: the floor the transform's overhead is measured against.
        var samples = TestSamples(ml, data);
        double rawRate = Rate(audioSeconds, () =>
        {
            var extractor = new MfccExtractor(new MfccOptions { SamplingRate = 8000, FeatureCount = 13, FrameDuration = 0.025, HopDuration = 0.010, FilterBankSize = 40, PreEmphasis = 0.97 });
            foreach (var s in samples) extractor.ComputeFrom(s);
        });
        var stages = new (string Name, IEstimator<ITransformer> Pipeline, string Column)[]
        {
            ("LoadAudio (decode)", ml.Transforms.LoadAudio("Audio", "Path", 8000), "Audio"),
            ("LoadAudio + MFCC (13 of 40 bands, normalised)", ml.Transforms.LoadAudio("Audio", "Path", 8000).Append(ml.Transforms.ExtractAudioFeatures("Frames", "Audio")), "Frames"),
            ("LoadAudio + MFCC + deltas + delta-deltas", ml.Transforms.LoadAudio("Audio", "Path", 8000).Append(ml.Transforms.ExtractAudioFeatures(new AudioFeaturesEstimator.Options { OutputColumnName = "Frames", InputColumnName = "Audio", DeltaOrder = 2 })), "Frames"),
            ("LoadAudio + log-mel (40 bands)", ml.Transforms.LoadAudio("Audio", "Path", 8000).Append(ml.Transforms.ExtractAudioFeatures("Frames", "Audio", AudioFeatureKind.LogMel)), "Frames"),
            ("LoadAudio at 16 kHz (resampled) + MFCC", ml.Transforms.LoadAudio("Audio", "Path", 16000).Append(ml.Transforms.ExtractAudioFeatures("Frames", "Audio")), "Frames"),
        };
        foreach (var (name, pipeline, column) in stages)
        {
            var model = pipeline.Fit(data);
            double rate = Rate(audioSeconds, () => Read(model.Transform(data), column));
            Console.WriteLine($"| {name} | {rate:F0} | {rate / rawRate:F2} |");
        }
        Console.WriteLine($"| NWaves MfccExtractor alone, samples in memory | {rawRate:F0} | 1.00 |");

        // End to end: a small CNN chain trained on recordings 5-24, scored on 0-4.
        var train = ml.Data.LoadFromEnumerable(all.Where(u => Index(u) is >= 5 and < 25).ToList());
        var test = all.Where(u => Index(u) < 5).ToList();
        var chain = ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label")
            .Append(ml.Transforms.LoadAudio("Audio", "Path", 8000))
            .Append(ml.Transforms.ExtractAudioFeatures("Frames", "Audio"))
            .Append(ml.Transforms.PadSequences(new PadSequencesEstimator.Options { OutputColumnName = "Features", InputColumnName = "Frames", LengthPercentile = 98, Padding = SequenceEnd.Post, Truncation = SequenceEnd.Post, MaskColumnName = "Mask" }))
            .Append(ml.MulticlassClassification.Trainers.SequenceCnn(new CnnOptions { LabelColumnName = "LabelKey", MaskColumnName = "Mask", Pooling = SequencePooling.Mean, NumberOfEpochs = 5, Seed = 1, NumberOfThreads = 2 }))
            .Fit(train);
        var engine = ml.Model.CreatePredictionEngine<Utterance, Digit>(chain);
        foreach (var u in test.Take(10)) engine.Predict(u);
        var latencies = new List<double>();
        foreach (var u in test)
        {
            var clock = Stopwatch.StartNew();
            engine.Predict(u);
            latencies.Add(clock.Elapsed.TotalMilliseconds);
        }
        latencies.Sort();
        double testSeconds = test.Sum(u => (new FileInfo(u.Path).Length - 44) / 2.0) / 8000;
        Console.WriteLine();
        Console.WriteLine($"End to end (WAV path -> digit), CNN 64 channels x 4 blocks, {test.Count} test files ({testSeconds / test.Count * 1000:F0} ms of audio each on average):");
        Console.WriteLine($"| PredictionEngine latency per utterance | median {latencies[latencies.Count / 2]:F2} ms | p90 {latencies[(int)(latencies.Count * 0.9)]:F2} ms | max {latencies[^1]:F2} ms |");
        var testView = ml.Data.LoadFromEnumerable(test);
        var batch = Median(Enumerable.Range(0, 5).Select(_ => Time(() => Read(chain.Transform(testView), "PredictedLabel"))).ToList());
        Console.WriteLine($"| batched Transform (scoring batch 256) | {test.Count / batch:F0} utterances/s | {batch * 1000 / test.Count:F2} ms per utterance | |");
        foreach (var n in new[] { 300, 3000 })
        {
            var view = ml.Data.LoadFromEnumerable(all.Take(n).ToList());
            long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
            long tensorsBefore = TorchSharp.torch.Tensor.TotalCount;
            var process = Process.GetCurrentProcess();
            process.Refresh();
            long before = process.WorkingSet64;
            long peak = before;
            long heapAt300 = 0;
            var clock = Stopwatch.StartNew();
            using (var cursor = chain.Transform(view).GetRowCursor(chain.Transform(view).Schema.Where(c => c.Name == "PredictedLabel")))
            {
                var getter = cursor.GetGetter<uint>(cursor.Schema["PredictedLabel"]);
                uint key = 0;
                while (cursor.MoveNext())
                {
                    getter(ref key);
                    if (cursor.Position % 100 == 0)
                    {
                        process.Refresh();
                        peak = Math.Max(peak, process.WorkingSet64);
                    }
                    if (cursor.Position == 299)
                        heapAt300 = GC.GetTotalMemory(forceFullCollection: true);
                }
            }
            double seconds = clock.Elapsed.TotalSeconds;
            long heapAtEnd = GC.GetTotalMemory(forceFullCollection: true);
            Console.WriteLine($"| scoring {n} files in one cursor | {seconds:F1} s | working set {before / 1048576} MiB before, peak {peak / 1048576} MiB | " +
                              $"managed heap {heapBefore / 1048576.0:F1} MiB before, {heapAt300 / 1048576.0:F1} MiB after 300 rows, {heapAtEnd / 1048576.0:F1} MiB after all; live tensors {tensorsBefore} before, {TorchSharp.torch.Tensor.TotalCount} after |");
        }
        (chain as IDisposable)?.Dispose();
        return 0;
    }

    private static int Index(Utterance u) => int.Parse(Path.GetFileNameWithoutExtension(u.Path).Split('_')[2]);

    private static List<float[]> TestSamples(MLContext ml, IDataView data)
    {
        var audio = ml.Transforms.LoadAudio("Audio", "Path", 8000).Fit(data).Transform(data);
        return audio.GetColumn<VBuffer<float>>("Audio").Select(v => v.DenseValues().ToArray()).ToList();
    }

    private static void Read(IDataView view, string column)
    {
        var col = view.Schema[column];
        using var cursor = view.GetRowCursor(new[] { col });
        if (col.Type is VectorDataViewType)
        {
            var g = cursor.GetGetter<VBuffer<float>>(col);
            VBuffer<float> v = default;
            while (cursor.MoveNext()) g(ref v);
        }
        else
        {
            var g = cursor.GetGetter<uint>(col);
            uint v = 0;
            while (cursor.MoveNext()) g(ref v);
        }
    }

    private static double Rate(double audioSeconds, Action pass)
    {
        pass();
        return audioSeconds / Median(Enumerable.Range(0, 5).Select(_ => Time(pass)).ToList());
    }

    private static double Time(Action a)
    {
        var clock = Stopwatch.StartNew();
        a();
        return clock.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> v)
    {
        v.Sort();
        return v[v.Count / 2];
    }
}
