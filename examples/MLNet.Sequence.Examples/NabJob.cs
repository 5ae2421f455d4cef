// The NAB command: run detectors over the whole Numenta Anomaly Benchmark corpus as NAB does (each file a stream: its
// probationary period teaches the detector, the rest is scored causally), optimise each detector's threshold per
// profile, and print the normalised scores beside the published scoreboard (data/anomaly/nab/results/final_results.json).
//   -- nab                          the windowed Gaussian and the sequence detectors with their defaults
//   -- nab residual Epochs=10 ...   one detector, options overridden by name (SequenceAnomalyDetectorOptions)
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence;
using MLNet.Sequence.Anomaly;

namespace MLNet.Sequence.Examples;

public static class NabJob
{
    private sealed class Point
    {
        public double Value { get; set; }
    }

    /// <summary>The detectors the command knows, by name, with the settings results.md reports.</summary>
    internal static SequenceAnomalyDetectorOptions Preset(string name) => name switch
    {
        // NAB's own windowed Gaussian (no suppression), and the same with one alarm per event.
        "gaussian" => new SequenceAnomalyDetectorOptions { Method = AnomalyDetectionMethod.WindowedGaussian, SuppressionSteps = 0 },
        "gaussian-suppressed" => new SequenceAnomalyDetectorOptions { Method = AnomalyDetectionMethod.WindowedGaussian },
        "residual" => new SequenceAnomalyDetectorOptions { Method = AnomalyDetectionMethod.ForecastResidual },
        "reconstruction" => new SequenceAnomalyDetectorOptions { Method = AnomalyDetectionMethod.Reconstruction, WindowLength = 16, HiddenSize = 8 },
        _ => throw new ArgumentException($"Unknown detector '{name}'; use gaussian, gaussian-suppressed, residual or reconstruction."),
    };

    /// <summary>The series plotted with each detector's alerts (a machine's temperature before its failure).</summary>
    private const string PlottedFile = "realKnownCause/machine_temperature_system_failure.csv";

    public static void Run(string[] args, string outDir)
    {
        var root = Data.PathOf("anomaly/nab");
        var corpus = NabCorpus.Load(root);
        int windows = corpus.Sum(f => f.Windows.Count);
        Console.WriteLine($"== NAB v1.1: {corpus.Count} files, {corpus.Sum(f => f.Length)} rows, {windows} labelled windows");
        var names = args.Length > 0 && !args[0].Contains('=') ? args[0].Split(',') : new[] { "gaussian", "gaussian-suppressed", "residual", "reconstruction" };
        var overrides = args.Where(a => a.Contains('=')).ToArray();
        using var published = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "results", "final_results.json")));
        Console.WriteLine("   | detector | standard | reward low FP | reward low FN | thresholds | seconds |");
        Console.WriteLine("   |---|---:|---:|---:|---|---:|");
        // The library's reference implementation, straight from the values.
        var clock = Stopwatch.StartNew();
        var reference = corpus.Select(f => (f, (IReadOnlyList<double>)Round12(WindowedGaussianDetector.Score(f.Values)))).ToList();
        Print("Windowed Gaussian (WindowedGaussianDetector)", reference, windows, clock.Elapsed.TotalSeconds);
        foreach (var name in names)
        {
            var options = Preset(name);
            Apply(options, overrides);
            clock.Restart();
            var scored = ScoreCorpus(corpus, options);
            string label = $"{name}: {options.Method}{(options.Method == AnomalyDetectionMethod.WindowedGaussian ? "" : $" ({options.Encoder}, window {options.WindowLength}, hidden {options.HiddenSize})")}{(options.SuppressionSteps > 0 ? $", suppression {options.SuppressionSteps}" : "")} [detector]";
            var standard = Print(label + (overrides.Length > 0 ? " " + string.Join(" ", overrides) : ""), scored, windows, clock.Elapsed.TotalSeconds);
            Plot(scored, standard, name, outDir);
        }
        foreach (var detector in published.RootElement.EnumerateObject().OrderByDescending(d => d.Value.GetProperty("standard").GetDouble()))
            Console.WriteLine(FormattableString.Invariant(
                $"   | (published) {detector.Name} | {detector.Value.GetProperty("standard").GetDouble():F2} | {detector.Value.GetProperty("reward_low_FP_rate").GetDouble():F2} | {detector.Value.GetProperty("reward_low_FN_rate").GetDouble():F2} | | |"));
    }

    /// <summary>
    /// Each file as NAB runs it: a detector fitted on the file's probationary rows, then its transform over the rest. The
    /// probation rows score 0 (NAB does not score them). Two files at a time, each with its own seeded context.
    /// </summary>
    internal static List<(NabFile File, IReadOnlyList<double> Scores)> ScoreCorpus(IReadOnlyList<NabFile> corpus, SequenceAnomalyDetectorOptions options)
    {
        var results = new (NabFile, IReadOnlyList<double>)[corpus.Count];
        Parallel.For(0, corpus.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => results[i] = (corpus[i], ScoreFile(corpus[i], options)));
        return results.ToList();
    }

    internal static double[] ScoreFile(NabFile file, SequenceAnomalyDetectorOptions template)
    {
        var ml = new MLContext(seed: int.TryParse(Environment.GetEnvironmentVariable("NAB_SEED"), out var seed) ? seed : 1);
        int probation = NabScorer.ProbationaryPeriod(file.Length);
        var o = Copy(template);
        o.ProbationaryPeriod = probation;
        var points = file.Values.Select(v => new Point { Value = v }).ToList();
        using var detector = ml.AnomalyDetection.DetectSequenceAnomalies(o).Fit(ml.Data.LoadFromEnumerable(points.Take(probation)));
        var scored = detector.Transform(ml.Data.LoadFromEnumerable(points.Skip(probation)));
        var scores = new double[file.Length];
        int i = probation;
        foreach (var s in scored.GetColumn<double>(o.AnomalyScoreColumnName))
            scores[i++] = s;
        return Round12(scores);
    }

    /// <summary>NAB scored what its detectors wrote to CSV: 12 significant digits.</summary>
    private static double[] Round12(IEnumerable<double> scores) =>
        scores.Select(x => double.Parse(x.ToString("G12", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Prints one scoreboard row; returns the standard profile's threshold.</summary>
    private static double Print(string label, List<(NabFile File, IReadOnlyList<double> Scores)> scored, int windows, double seconds)
    {
        var results = NabProfile.All.Select(p => (p, NabScorer.OptimizeThreshold(scored, p))).ToList();
        Console.WriteLine(FormattableString.Invariant(
            $"   | {label} | {string.Join(" | ", results.Select(r => NabScorer.Normalize(r.Item2.Score, windows, r.p).ToString("F2", CultureInfo.InvariantCulture)))} | {string.Join(", ", results.Select(r => r.Item2.Threshold.ToString("G6", CultureInfo.InvariantCulture)))} | {seconds:F1} |"));
        return results[0].Item2.Threshold;
    }

    private static SequenceAnomalyDetectorOptions Copy(SequenceAnomalyDetectorOptions o)
    {
        var c = new SequenceAnomalyDetectorOptions();
        foreach (var p in typeof(SequenceAnomalyDetectorOptions).GetProperties().Where(p => p.CanWrite))
            p.SetValue(c, p.GetValue(o));
        return c;
    }

    /// <summary>Sets options from Name=Value arguments (numbers, booleans, enums; "null" for nullable ones).</summary>
    internal static void Apply(object o, IEnumerable<string> overrides)
    {
        foreach (var a in overrides)
        {
            var (name, text) = (a[..a.IndexOf('=')], a[(a.IndexOf('=') + 1)..]);
            var p = o.GetType().GetProperty(name) ?? throw new ArgumentException($"No option '{name}'.");
            var type = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
            object? value = text == "null" ? null
                : type.IsEnum ? Enum.Parse(type, text)
                : type == typeof(float[]) ? text.Split(';').Select(x => float.Parse(x, CultureInfo.InvariantCulture)).ToArray()
                : Convert.ChangeType(text, type, CultureInfo.InvariantCulture);
            p.SetValue(o, value);
        }
    }

    /// <summary>Plots <see cref="PlottedFile"/> with the points at or above the standard profile's threshold as alerts.</summary>
    private static void Plot(List<(NabFile File, IReadOnlyList<double> Scores)> scored, double threshold, string name, string outDir)
    {
        var (file, scores) = scored.First(s => s.File.Name == PlottedFile);
        int probation = NabScorer.ProbationaryPeriod(file.Length);
        var alerts = scores.Select((s, i) => i >= probation && s >= threshold).ToArray();
        var path = Path.Combine(outDir, $"nab-{name}.png");
        AnomalyPlots.SaveDetections(path, file, alerts, $"{file.Name}: {name} alerts at the standard profile's threshold {threshold:G6}");
        Console.WriteLine($"   (plot: {path})");
    }
}

/// <summary>
/// The NAB sweep command (-- nab-sweep [trials, default 20]): a sweep of sequence detectors tuned on half of NAB's long
/// files and judged on the other files, which the sweep never saw. The split, by file name: the files with at least
/// 4,000 rows, sorted by name, alternate between tuning (1st, 3rd, ...) and held out; every shorter file is held out.
/// The sweep (TPE, seed 1, NAB's standard score of the alerts, 40 epochs, probation 600 points per file) picks the
/// options; the held-out files then run as the nab command runs them (NAB's probation, threshold optimised per profile)
/// for the sweep's best, the defaults and the windowed Gaussian.
/// </summary>
public static class NabSweepJob
{
    private sealed class Point
    {
        public string Series { get; set; } = "";
        public double Value { get; set; }
        public bool Label { get; set; }
    }

    public static void Run(string[] args)
    {
        int trials = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
        var corpus = NabCorpus.Load(Data.PathOf("anomaly/nab"));
        var longFiles = corpus.Where(f => f.Length >= 4000).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        var tuning = longFiles.Where((_, i) => i % 2 == 0).ToList();
        var heldOut = corpus.Except(tuning).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        Console.WriteLine($"== NAB sweep: tuned on {tuning.Count} files ({tuning.Sum(f => f.Length)} rows, {tuning.Sum(f => f.Windows.Count)} windows), " +
            $"judged on {heldOut.Count} held-out files ({heldOut.Sum(f => f.Length)} rows, {heldOut.Sum(f => f.Windows.Count)} windows)");
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(tuning.SelectMany(f => f.Values.Select((v, i) => new Point
        {
            Series = f.Name, Value = v, Label = f.Windows.Any(w => i >= w.First && i <= w.Last),
        })));
        var clock = Stopwatch.StartNew();
        var template = new SequenceAnomalyDetectorOptions { SeriesColumnName = "Series", ProbationaryPeriod = 600 };
        var space = SequenceSearchSpace.ForAnomalyDetectors();
        var result = ml.AnomalyDetection.SweepSequenceAnomalyDetectors(new SequenceAnomalySweepOptions
        {
            Detector = template, SearchSpace = space, Metric = SweepMetric.NabStandard, MaximumTrials = trials, MaximumEpochs = 40, Seed = 1,
            RefitBestModel = false, Progress = new Progress<SequenceTrialResult>(t => Console.WriteLine($"   trial {t}")),
        }).Execute(data);
        Console.WriteLine($"   sweep: {result.Trials.Count} trials in {clock.Elapsed.TotalSeconds:F0} s");
        Console.WriteLine(result.ToTable(5));
        var best = result.BestTrial!.Configuration.ToAnomalyDetectorOptions(space, new SequenceAnomalyDetectorOptions());
        best.Epochs = 40;
        // The cost-frugal start runs each encoder at its defaults first; the LSTM's is the library's default detector.
        var defaults = result.Trials.FirstOrDefault(t => t.Configuration.Family == Trainers.EncoderKind.Lstm && t.Id <= space.Families.Count);
        Console.WriteLine($"   on the tuning files: sweep's best {result.BestTrial.Metric:F2}" +
            (defaults != null ? $", LSTM at its defaults (trial #{defaults.Id}) {defaults.Metric:F2}" : "") + " (NAB standard of the alerts)");
        int windows = heldOut.Sum(f => f.Windows.Count);
        Console.WriteLine("   held-out files (NAB's protocol: threshold optimised per profile on these files):");
        Console.WriteLine("   | detector | standard | reward low FP | reward low FN | seconds |");
        Console.WriteLine("   |---|---:|---:|---:|---:|");
        foreach (var (name, options) in new[]
        {
            ($"sweep's best ({result.BestTrial.Configuration})", best),
            ("forecast residual LSTM, defaults", NabJob.Preset("residual")),
            ("windowed Gaussian with suppression", NabJob.Preset("gaussian-suppressed")),
        })
        {
            clock.Restart();
            var scored = NabJob.ScoreCorpus(heldOut, options);
            var scores = NabProfile.All.Select(p => NabScorer.Normalize(NabScorer.OptimizeThreshold(scored, p).Score, windows, p));
            Console.WriteLine(FormattableString.Invariant($"   | {name} | {string.Join(" | ", scores.Select(s => s.ToString("F2", CultureInfo.InvariantCulture)))} | {clock.Elapsed.TotalSeconds:F0} |"));
        }
    }
}
