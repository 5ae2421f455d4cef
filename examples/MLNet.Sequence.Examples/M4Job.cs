// The M4 benchmark command: run forecasting methods over a whole M4 subset and print sMAPE, MASE, OWA (and MSIS, ACD
// for intervals) beside the figures the organisers published for the same subset.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using MLNet.Sequence.Forecasting;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Examples;

public static class M4Job
{
    /// <summary>-- m4 [Hourly|Weekly|all] [method,method,...]: the statistical benchmarks by default.</summary>
    public static void Run(string subset, string? methods)
    {
        foreach (var name in subset.Equals("all", StringComparison.OrdinalIgnoreCase) ? new[] { "Hourly", "Weekly" } : new[] { subset })
        {
            var protocol = M4Protocol.FromName(name);
            var series = M4Benchmark.Load(Data.PathOf($"timeseries/m4/{protocol.Name}-train.csv"), Data.PathOf($"timeseries/m4/{protocol.Name}-test.csv"));
            Console.WriteLine($"== M4 {protocol.Name}: {series.Count} series, horizon {protocol.Horizon}, m = {protocol.SeasonLength}");
            var published = Published();
            Console.WriteLine("   | method | sMAPE | MASE | OWA | MSIS | ACD (coverage) | seconds | published sMAPE | published MASE | published OWA | published MSIS | published ACD |");
            Console.WriteLine("   |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var (label, method) in Methods(protocol, methods))
            {
                var s = M4Benchmark.Evaluate(method, series, protocol);
                Console.WriteLine(FormattableString.Invariant(
                    $"   | {label} | {s.Smape:F3} | {s.Mase:F3} | {s.Owa:F3} | {F(s.Msis)} | {F(s.Acd)}{(s.Coverage is double cov ? " (" + cov.ToString("F3", CultureInfo.InvariantCulture) + ")" : "")} | {s.Elapsed.TotalSeconds:F1} | {Pub(published, label, "sMAPE", protocol)} | {Pub(published, label, "MASE", protocol)} | {Pub(published, label, "OWA", protocol)} | {Pub(published, "intervals " + label, "MSIS", protocol)} | {Pub(published, "intervals " + label, "ACD", protocol)} |"));
            }
            foreach (var row in published.Keys.Where(k => k.StartsWith("id", StringComparison.Ordinal) || k is "MLP" or "RNN" || k.StartsWith("intervals ", StringComparison.Ordinal) && k != "intervals Naive"))
                Console.WriteLine($"   | (published) {row} | | | | | | | {Pub(published, row, "sMAPE", protocol)} | {Pub(published, row, "MASE", protocol)} | {Pub(published, row, "OWA", protocol)} | {Pub(published, row, "MSIS", protocol)} | {Pub(published, row, "ACD", protocol)} |");
        }
    }

    /// <summary>Epochs of the networks: M4_EPOCHS overrides the default.</summary>
    private static int Epochs(int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable("M4_EPOCHS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int e) && e > 0 ? e : fallback;

    private static string F(double? v) => v is double x ? x.ToString("F3", CultureInfo.InvariantCulture) : "";

    private static string Pub(Dictionary<string, Dictionary<string, Dictionary<string, double>>> published, string method, string metric, M4Protocol protocol) =>
        published.TryGetValue(method, out var m) && m.TryGetValue(metric, out var byFrequency) && byFrequency.TryGetValue(protocol.Name, out var v)
            ? v.ToString("F3", CultureInfo.InvariantCulture) : "";

    private static IEnumerable<(string Label, IForecastingMethod Method)> Methods(M4Protocol protocol, string? names)
    {
        int m = protocol.SeasonLength;
        var ml = new Microsoft.ML.MLContext(1);
        // One global network over every series of the subset: a week of hourly steps (a year of weekly ones) in, the
        // whole horizon out, 2.5/50/97.5% quantiles for M4's 95% intervals.
        SequenceForecasterOptions Global(SequenceTrainerOptions model, string name, int? window = null) => new()
        {
            ValueColumns = new[] { "Value" }, WindowLength = window ?? (protocol.Name == "Hourly" ? 168 : 52), Horizon = protocol.Horizon,
            Quantiles = new[] { 0.025f, 0.5f, 0.975f }, Model = model, Name = name,
        };
        // N-BEATS' ensembling (Oreshkin et al., 2020): members differ in window length (2, 3.5 and 5 horizons for
        // Hourly; 2, 3 and 4 for Weekly, whose shortest series has 80 weeks: window + horizon + calibration must fit),
        // seed and basis; the forecast is their median.
        IForecastingMethod NBeatsEnsemble()
        {
            var members = new List<IForecastingMethod>();
            int seed = 1;
            foreach (double horizons in protocol.Name == "Weekly" ? new[] { 2.0, 3.0, 4.0 } : new[] { 2.0, 3.5, 5.0 })
                foreach (bool interpretable in new[] { false, true })
                    members.Add(ml.Forecasting.SequenceForecaster(Global(new NBeatsOptions
                        { Interpretable = interpretable, NumberOfEpochs = Epochs(4), BatchSize = 256, Dropout = 0, Seed = seed++ }, "N-BEATS",
                        (int)Math.Round(horizons * protocol.Horizon))));
            // The combined 95% interval calibrated on the last horizon of every series (one origin per series).
            return new EnsembleForecaster(members, EnsembleCombination.Median, "N-BEATS ensemble (6)", calibration: (protocol.Horizon, protocol.Horizon));
        }
        // DeepAR at its defaults (LSTM 2 × 40, 50 × 50 batches of 64, 200 paths): lags of a day and a week of hours (Hourly),
        // of a year of weeks (Weekly); a context of two horizons.
        DeepArForecasterOptions DeepAr(DeepArLikelihood likelihood) => new()
        {
            Horizon = protocol.Horizon, SeasonLength = m, Likelihood = likelihood, Epochs = Epochs(50),
            Lags = protocol.Name == "Hourly" ? new[] { 1, 2, 3, 23, 24, 25, 48, 168 } : new[] { 1, 2, 3, 4, 51, 52, 53 },
            Name = likelihood == DeepArLikelihood.Gaussian ? "DeepAR" : "DeepAR (Student-t)",
        };
        var all = new List<(string, IForecastingMethod)>
        {
            ("Naive", new NaiveForecaster(intervalCoverage: 0.95)),
            ("sNaive", m > 1 ? new SeasonalNaiveForecaster(m) : new NaiveForecaster()),
            ("Naive2", new Naive2Forecaster(m)),
            ("SES", new SimpleExponentialSmoothingForecaster(m)),
            ("Holt", new HoltForecaster(m)),
            ("Damped", new HoltForecaster(m, damped: true)),
            ("Theta", new ThetaForecaster(m)),
            ("Com", new SesHoltDampedCombinationForecaster(m)),
            ("CNN", ml.Forecasting.SequenceForecaster(Global(new CnnOptions
                { Channels = 32, NumberOfLayers = 4, Pooling = SequencePooling.Flatten, NumberOfEpochs = 5, BatchSize = 256, Dropout = 0 }, "CNN"))),
            ("LSTM", ml.Forecasting.SequenceForecaster(Global(new LstmOptions
                { HiddenSize = 64, NumberOfEpochs = 5, BatchSize = 256, Dropout = 0 }, "LSTM"))),
            ("NBEATS", ml.Forecasting.SequenceForecaster(Global(new NBeatsOptions
                { NumberOfEpochs = Epochs(5), BatchSize = 256, Dropout = 0 }, "N-BEATS"))),
            ("NBEATS-I", ml.Forecasting.SequenceForecaster(Global(new NBeatsOptions
                { Interpretable = true, NumberOfEpochs = Epochs(5), BatchSize = 256, Dropout = 0 }, "N-BEATS (interpretable)"))),
            ("NBEATS-E", NBeatsEnsemble()),
            ("AUTO", ml.Forecasting.Auto(protocol.Horizon, m)),
            ("DeepAR", ml.Forecasting.DeepAR(DeepAr(DeepArLikelihood.Gaussian))),
            ("DeepAR-T", ml.Forecasting.DeepAR(DeepAr(DeepArLikelihood.StudentT))),
        };
        if (string.IsNullOrEmpty(names))
            return all.Take(8);
        var wanted = names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = wanted.Where(w => !all.Any(a => a.Item1.Equals(w, StringComparison.OrdinalIgnoreCase))).ToArray();
        if (unknown.Length > 0)
            throw new ArgumentException($"Unknown M4 method(s): {string.Join(", ", unknown)}; expected {string.Join(", ", all.Select(a => a.Item1))}.");
        return all.Where(a => wanted.Contains(a.Item1, StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>method → metric → frequency → value, from data/timeseries/m4/M4-published-results.json.</summary>
    public static Dictionary<string, Dictionary<string, Dictionary<string, double>>> Published()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Data.PathOf("timeseries/m4/M4-published-results.json")));
        var result = new Dictionary<string, Dictionary<string, Dictionary<string, double>>>();
        foreach (var method in doc.RootElement.GetProperty("results").EnumerateObject())
        {
            var metrics = new Dictionary<string, Dictionary<string, double>>();
            foreach (var metric in method.Value.EnumerateObject())
                if (metric.Value.ValueKind == JsonValueKind.Object)
                    metrics[metric.Name] = metric.Value.EnumerateObject()
                        .Where(f => f.Value.ValueKind == JsonValueKind.Number)
                        .ToDictionary(f => f.Name, f => f.Value.GetDouble());
            result[method.Name] = metrics;
        }
        return result;
    }
}
