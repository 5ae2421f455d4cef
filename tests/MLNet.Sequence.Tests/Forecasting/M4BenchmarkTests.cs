using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Forecasting;
using MLNet.Sequence.Tests.Support;

namespace MLNet.Sequence.Tests.Forecasting;

/// <summary>
/// The M4 statistical benchmarks against the figures the organisers published for the Hourly and Weekly subsets
/// (data/timeseries/m4/M4-published-results.json): Naive, sNaive and Naive2 and the Naive 95% intervals exactly, to the
/// published three decimals; the optimised methods within 1% relative (their optimiser's stopping point differs).
/// </summary>
[TestClass]
public sealed class M4BenchmarkTests
{
    private static readonly Dictionary<string, IReadOnlyList<M4Series>> Subsets = new();

    private static IReadOnlyList<M4Series> Subset(M4Protocol protocol)
    {
        lock (Subsets)
        {
            if (!Subsets.TryGetValue(protocol.Name, out var series))
                Subsets[protocol.Name] = series = M4Benchmark.Load(TestData.PathOf($"timeseries/m4/{protocol.Name}-train.csv"),
                    TestData.PathOf($"timeseries/m4/{protocol.Name}-test.csv"));
            return series;
        }
    }

    private static double Published(string method, string metric, M4Protocol protocol)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestData.PathOf("timeseries/m4/M4-published-results.json")));
        return doc.RootElement.GetProperty("results").GetProperty(method).GetProperty(metric).GetProperty(protocol.Name).GetDouble();
    }

    public static IEnumerable<object[]> Protocols => new[] { new object[] { "Hourly" }, new object[] { "Weekly" } };

    [TestMethod]
    [DynamicData(nameof(Protocols))]
    public void NaiveSeasonalNaiveAndNaive2ReproduceThePublishedFigures(string subset)
    {
        var protocol = M4Protocol.FromName(subset);
        var series = Subset(protocol);
        Assert.AreEqual(subset == "Hourly" ? 414 : 359, series.Count);
        var methods = new (string Name, IForecastingMethod Method)[]
        {
            ("Naive", new NaiveForecaster(intervalCoverage: 0.95)),
            ("sNaive", protocol.SeasonLength > 1 ? new SeasonalNaiveForecaster(protocol.SeasonLength) : new NaiveForecaster()),
            ("Naive2", new Naive2Forecaster(protocol.SeasonLength)),
        };
        foreach (var (name, method) in methods)
        {
            var scores = M4Benchmark.Evaluate(method, series, protocol);
            Assert.AreEqual(Published(name, "sMAPE", protocol), Math.Round(scores.Smape, 3), 1e-9, $"{name} sMAPE on M4 {subset}");
            Assert.AreEqual(Published(name, "MASE", protocol), Math.Round(scores.Mase, 3), 1e-9, $"{name} MASE on M4 {subset}");
            Assert.AreEqual(Published(name, "OWA", protocol), scores.Owa, 5e-4, $"{name} OWA on M4 {subset}");
            if (name == "Naive")
            {
                // The organisers' Naive 95% intervals: ŷ ± 1.96 σ √h.
                Assert.AreEqual(Published("intervals Naive", "MSIS", protocol), Math.Round(scores.Msis!.Value, 3), 1e-9, $"Naive MSIS on M4 {subset}");
                Assert.AreEqual(Published("intervals Naive", "ACD", protocol), Math.Round(scores.Acd!.Value, 3), 1e-9, $"Naive ACD on M4 {subset}");
            }
        }
    }

    [TestMethod]
    [DynamicData(nameof(Protocols))]
    public void OptimisedBenchmarksMatchThePublishedFigures(string subset)
    {
        var protocol = M4Protocol.FromName(subset);
        var series = Subset(protocol);
        int m = protocol.SeasonLength;
        var methods = new (string Name, IForecastingMethod Method)[]
        {
            ("SES", new SimpleExponentialSmoothingForecaster(m)),
            ("Holt", new HoltForecaster(m)),
            ("Damped", new HoltForecaster(m, damped: true)),
            ("Theta", new ThetaForecaster(m)),
            ("Com", new SesHoltDampedCombinationForecaster(m)),
        };
        var report = new List<string>();
        var failures = new List<string>();
        foreach (var (name, method) in methods)
        {
            var scores = M4Benchmark.Evaluate(method, series, protocol);
            foreach (var (metric, ours) in new[] { ("sMAPE", scores.Smape), ("MASE", scores.Mase) })
            {
                double published = Published(name, metric, protocol);
                double relative = Math.Abs(ours - published) / published;
                report.Add(FormattableString.Invariant($"{name} {metric} {ours:F3} vs {published:F3} ({relative:P2})"));
                // The issue asks for 1%; with forecast 8.2's starting point they agree to the published precision, give
                // or take one unit of the last decimal (measured: Weekly Holt MASE 2.421 against 2.420, all else equal).
                if (Math.Abs(Math.Round(ours, 3) - published) > 0.0011)
                    failures.Add(report[^1]);
            }
        }
        Console.WriteLine(string.Join(Environment.NewLine, report));
        Assert.AreEqual(0, failures.Count, "Beyond the published M4 figure's last decimal: " + string.Join("; ", failures));
    }

    [TestMethod]
    [DynamicData(nameof(Protocols))]
    public void EachSeriesForecastMatchesTheOrganisersRCode(string subset)
    {
        // Fixtures/m4: the organisers' R code run with forecast 8.20 (README there). SES and Theta (one smoothing
        // parameter) land on R's optimum; Holt and Damped (four and five parameters, a flatter surface) stop a hair
        // away on a few series, since the input here is single precision and Nelder-Mead's path depends on the last bit.
        var protocol = M4Protocol.FromName(subset);
        var series = Subset(protocol).ToDictionary(s => s.Id);
        int m = protocol.SeasonLength;
        // The fixtures come from forecast 8.20, which starts α at 0.2 of its range (8.2, behind the published figures, at 0.5).
        const double start = 0.2;
        var methods = new System.Collections.Generic.Dictionary<string, IForecaster>
        {
            ["SES"] = new SimpleExponentialSmoothingForecaster(m) { AlphaStart = start },
            ["Holt"] = new HoltForecaster(m) { AlphaStart = start },
            ["Damped"] = new HoltForecaster(m, damped: true) { AlphaStart = start },
            ["Theta"] = new ThetaForecaster(m) { AlphaStart = start },
        };
        var worst = methods.Keys.ToDictionary(k => k, _ => new List<double>());
        using var file = new System.IO.Compression.GZipStream(File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Fixtures", "m4", $"{subset.ToLowerInvariant()}-forecast-8.20.csv.gz")),
            System.IO.Compression.CompressionMode.Decompress);
        using var reader = new StreamReader(file);
        reader.ReadLine();
        string? line;
        while ((line = reader.ReadLine()) != null)
        {
            var f = line.Split(',');
            var expected = f.Skip(2).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            var ours = methods[f[1]].Forecast(series[f[0]].ToFrame(), protocol.Horizon).Point[0];
            Assert.AreEqual(protocol.Horizon, expected.Length);
            worst[f[1]].Add(expected.Select((e, h) => Math.Abs(ours[h] - e) / Math.Max(1e-9, Math.Abs(e))).Max());
        }
        foreach (var (method, errors) in worst)
        {
            Assert.AreEqual(series.Count, errors.Count, $"{method}: one fixture row per series");
            if (method is "SES" or "Theta")
                Assert.IsTrue(errors.Max() < 1e-5, $"{method}: largest relative difference {errors.Max():E2}");
            else
            {
                double close = errors.Count(e => e < 1e-4) / (double)errors.Count;
                Assert.IsTrue(close >= 0.97, $"{method}: {close:P1} of series within 1e-4 of R");
                Assert.IsTrue(errors.Max() < 0.02, $"{method}: largest relative difference {errors.Max():P2}");
            }
        }
    }

    [TestMethod]
    public void OwaOfThePublishedRowsFollowsTheDefinition()
    {
        // OWA = ½ (sMAPE / sMAPE_Naive2 + MASE / MASE_Naive2), from the published (rounded) means.
        foreach (var protocol in new[] { M4Protocol.Hourly, M4Protocol.Weekly })
            foreach (var method in new[] { "SES", "Holt", "Damped", "Theta", "Com", "sNaive", "id118 Hybrid" })
                Assert.AreEqual(Published(method, "OWA", protocol),
                    ForecastMetrics.Owa(Published(method, "sMAPE", protocol), Published(method, "MASE", protocol),
                        Published("Naive2", "sMAPE", protocol), Published("Naive2", "MASE", protocol)), 1e-9, $"{method} {protocol.Name}");
    }

    [TestMethod]
    public void IntervalMetricsMatchHandComputedValues()
    {
        // History 1, 3, 2, 6, 4 with m = 1: scale = (2 + 1 + 4 + 2) / 4 = 2.25. α = 0.05 → penalty 2/α = 40.
        // y = 5 in [4, 7]: width 3. y = 10 above [6, 8]: width 2 + 40·2 = 82. y = 1 below [2, 3]: width 1 + 40·1 = 41.
        var history = new double[] { 1, 3, 2, 6, 4 };
        double msis = ForecastMetrics.Msis(history, new double[] { 5, 10, 1 }, new double[] { 4, 6, 2 }, new double[] { 7, 8, 3 }, 1);
        Assert.AreEqual((3 + 82 + 41) / 3.0 / 2.25, msis, 1e-12);
        Assert.AreEqual(0.0166666667, ForecastMetrics.Acd(0.9333333333), 1e-9, "|0.9333 − 0.95|");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ForecastMetrics.Acd(1.5));
        Assert.ThrowsExactly<ArgumentException>(() => ForecastMetrics.Owa(1, 1, 0, 1));
    }

    [TestMethod]
    public void ClassicalDecompositionMatchesRsDecompose()
    {
        // R 4.2: decompose(AirPassengers, type = "multiplicative")$figure (January first).
        double[] expected = { 0.9102304, 0.8836253, 1.0073663, 0.9759060, 0.9813780, 1.1127758, 1.2265555, 1.2199110, 1.0604919, 0.9217572, 0.8011781, 0.8988244 };
        var passengers = File.ReadAllLines(TestData.PathOf("timeseries/AirPassengers.csv")).Skip(1)
            .Select(l => double.Parse(l.Split(',')[^1], CultureInfo.InvariantCulture)).ToArray();
        Assert.AreEqual(144, passengers.Length);
        var seasonal = ClassicalDecomposition.MultiplicativeIndices(passengers, 12);
        for (int i = 0; i < 12; i++)
            Assert.AreEqual(expected[i], seasonal[i], 5e-8, $"month {i + 1}");
        Assert.IsTrue(ClassicalDecomposition.IsSeasonal(passengers, 12), "AirPassengers is seasonal at lag 12");
        var noise = new Random(1);
        Assert.IsFalse(ClassicalDecomposition.IsSeasonal(Enumerable.Range(0, 200).Select(_ => noise.NextDouble()).ToArray(), 12), "white noise is not");
        Assert.IsFalse(ClassicalDecomposition.IsSeasonal(passengers.Take(35).ToArray(), 12), "fewer than three seasons: not tested");
    }

    [TestMethod]
    public void StatisticalForecastersRefuseBadInput()
    {
        var ses = new SimpleExponentialSmoothingForecaster(12);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ses.Forecast(SeriesFrame.Univariate("s", new[] { 1f, float.NaN, 3f }), 2));
        StringAssert.Contains(ex.Message, "'s'");
        StringAssert.Contains(ex.Message, "step 1");
        ex = Assert.ThrowsExactly<ArgumentException>(() => new HoltForecaster(damped: true).Forecast(SeriesFrame.Univariate("short", new[] { 1f, 2f }), 2));
        StringAssert.Contains(ex.Message, "at least 3");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ThetaForecaster(0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new NaiveForecaster(intervalCoverage: 1.0));
        // A constant series: smoothing forecasts the constant.
        var flat = new SimpleExponentialSmoothingForecaster().Forecast(SeriesFrame.Univariate("flat", Enumerable.Repeat(5f, 30).ToArray()), 3);
        CollectionAssert.AreEqual(new[] { 5f, 5f, 5f }, flat.Point[0]);
    }
}
