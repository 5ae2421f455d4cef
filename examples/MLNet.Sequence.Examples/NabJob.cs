// The NAB command: run a detector over the whole Numenta Anomaly Benchmark corpus, optimise its threshold per profile
// as NAB does, and print the normalised scores beside the published scoreboard (data/anomaly/nab/results/final_results.json).
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using MLNet.Sequence.Anomaly;

namespace MLNet.Sequence.Examples;

public static class NabJob
{
    /// <summary>-- nab: the Windowed Gaussian reference detector (the sequence detectors join it as they land).</summary>
    public static void Run()
    {
        var root = Data.PathOf("anomaly/nab");
        var corpus = NabCorpus.Load(root);
        int windows = corpus.Sum(f => f.Windows.Count);
        Console.WriteLine($"== NAB v1.1: {corpus.Count} files, {corpus.Sum(f => f.Length)} rows, {windows} labelled windows");
        using var published = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "results", "final_results.json")));
        Console.WriteLine("   | detector | standard | reward low FP | reward low FN | thresholds | seconds |");
        Console.WriteLine("   |---|---:|---:|---:|---|---:|");
        var clock = Stopwatch.StartNew();
        // NAB scored what its detectors wrote to CSV: 12 significant digits.
        var scored = corpus.Select(f => (f, (IReadOnlyList<double>)WindowedGaussianDetector.Score(f.Values)
            .Select(x => double.Parse(x.ToString("G12", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)).ToArray())).ToList();
        var results = NabProfile.All.Select(p => (p, NabScorer.OptimizeThreshold(scored, p))).ToList();
        double seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(FormattableString.Invariant(
            $"   | Windowed Gaussian (ours) | {string.Join(" | ", results.Select(r => NabScorer.Normalize(r.Item2.Score, windows, r.p).ToString("F2", CultureInfo.InvariantCulture)))} | {string.Join(", ", results.Select(r => r.Item2.Threshold.ToString("G6", CultureInfo.InvariantCulture)))} | {seconds:F1} |"));
        foreach (var detector in published.RootElement.EnumerateObject().OrderByDescending(d => d.Value.GetProperty("standard").GetDouble()))
            Console.WriteLine(FormattableString.Invariant(
                $"   | (published) {detector.Name} | {detector.Value.GetProperty("standard").GetDouble():F2} | {detector.Value.GetProperty("reward_low_FP_rate").GetDouble():F2} | {detector.Value.GetProperty("reward_low_FN_rate").GetDouble():F2} | | |"));
    }
}
