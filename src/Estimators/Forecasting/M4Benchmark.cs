using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;

namespace MLNet.Sequence.Forecasting
{
    /// <summary>One series of an M4 subset: its training values and the held-out next <c>horizon</c> values.</summary>
    public sealed class M4Series
    {
        internal M4Series(string id, double[] train, double[] test)
        {
            Id = id;
            Train = train;
            Test = test;
        }

        /// <summary>The series id (H1, W12, ...).</summary>
        public string Id { get; }

        /// <summary>The in-sample values, oldest first.</summary>
        public IReadOnlyList<double> Train { get; }

        /// <summary>The held-out values the forecast is scored on.</summary>
        public IReadOnlyList<double> Test { get; }

        /// <summary>The training values as a univariate frame (numeric times 0, 1, ...), as forecasters take them.</summary>
        /// <returns>The frame.</returns>
        public SeriesFrame ToFrame() => SeriesFrame.Univariate(Id, Train.Select(v => (float)v).ToArray());
    }

    /// <summary>An M4 subset's protocol: horizon and the season length of MASE, MSIS and the seasonal methods.</summary>
    /// <param name="Name">The subset's name.</param>
    /// <param name="Horizon">Steps forecast.</param>
    /// <param name="SeasonLength">The season length m M4 used for this frequency.</param>
    public sealed record M4Protocol(string Name, int Horizon, int SeasonLength)
    {
        /// <summary>M4 Hourly: 414 series, horizon 48, m = 24.</summary>
        public static M4Protocol Hourly { get; } = new("Hourly", 48, 24);

        /// <summary>M4 Weekly: 359 series, horizon 13, m = 1 (M4 treats weekly data as non-seasonal).</summary>
        public static M4Protocol Weekly { get; } = new("Weekly", 13, 1);

        /// <summary>M4 Daily: horizon 14, m = 1.</summary>
        public static M4Protocol Daily { get; } = new("Daily", 14, 1);

        /// <summary>M4 Monthly: horizon 18, m = 12.</summary>
        public static M4Protocol Monthly { get; } = new("Monthly", 18, 12);

        /// <summary>M4 Quarterly: horizon 8, m = 4.</summary>
        public static M4Protocol Quarterly { get; } = new("Quarterly", 8, 4);

        /// <summary>M4 Yearly: horizon 6, m = 1.</summary>
        public static M4Protocol Yearly { get; } = new("Yearly", 6, 1);

        /// <summary>The protocol of a subset by name (case-insensitive).</summary>
        /// <param name="name">Hourly, Daily, Weekly, Monthly, Quarterly or Yearly.</param>
        /// <returns>The protocol.</returns>
        public static M4Protocol FromName(string name) => name?.ToLowerInvariant() switch
        {
            "hourly" => Hourly,
            "weekly" => Weekly,
            "daily" => Daily,
            "monthly" => Monthly,
            "quarterly" => Quarterly,
            "yearly" => Yearly,
            _ => throw new ArgumentException($"'{name}' is not an M4 subset; expected Hourly, Daily, Weekly, Monthly, Quarterly or Yearly.", nameof(name)),
        };
    }

    /// <summary>A method's scores on an M4 subset, with the per-series figures they average.</summary>
    public sealed class M4Scores
    {
        internal M4Scores(string method, M4Protocol protocol, double[] smape, double[] mase, double naive2Smape, double naive2Mase,
            double[]? msis, double? coverage, double? alpha, TimeSpan elapsed)
        {
            Method = method;
            Protocol = protocol;
            SeriesSmape = smape;
            SeriesMase = mase;
            Smape = smape.Average();
            Mase = mase.Average();
            Owa = ForecastMetrics.Owa(Smape, Mase, naive2Smape, naive2Mase);
            SeriesMsis = msis;
            Msis = msis?.Average();
            Coverage = coverage;
            Acd = coverage is double c && alpha is double a ? ForecastMetrics.Acd(c, a) : null;
            Alpha = alpha;
            Elapsed = elapsed;
        }

        /// <summary>The method's name.</summary>
        public string Method { get; }
        /// <summary>The subset's protocol.</summary>
        public M4Protocol Protocol { get; }
        /// <summary>Mean sMAPE (percent) over the series.</summary>
        public double Smape { get; }
        /// <summary>Mean MASE over the series.</summary>
        public double Mase { get; }
        /// <summary>Overall weighted average against Naive2 on the same series.</summary>
        public double Owa { get; }
        /// <summary>Mean MSIS over the series, when the method gave intervals.</summary>
        public double? Msis { get; }
        /// <summary>Pooled interval coverage, when the method gave intervals.</summary>
        public double? Coverage { get; }
        /// <summary>|coverage − nominal|, when the method gave intervals.</summary>
        public double? Acd { get; }
        /// <summary>The intervals' nominal miss probability (lowest quantile + 1 − highest), when the method gave intervals.</summary>
        public double? Alpha { get; }
        /// <summary>sMAPE per series, in the subset's order.</summary>
        public IReadOnlyList<double> SeriesSmape { get; }
        /// <summary>MASE per series.</summary>
        public IReadOnlyList<double> SeriesMase { get; }
        /// <summary>MSIS per series, when the method gave intervals.</summary>
        public IReadOnlyList<double>? SeriesMsis { get; }
        /// <summary>Wall-clock time of training and forecasting every series.</summary>
        public TimeSpan Elapsed { get; }
    }

    /// <summary>
    /// The M4 competition's protocol (Makridakis, Spiliotis and Assimakopoulos, "The M4 Competition: 100,000 time series
    /// and 61 forecasting methods", IJF 36(1), 2020): load a subset from the organisers' CSV files, forecast every series'
    /// horizon, and score sMAPE, MASE and OWA against Naive2 (and MSIS and ACD for intervals) the way the organisers did.
    /// </summary>
    public static class M4Benchmark
    {
        /// <summary>
        /// Reads an M4 subset in the organisers' format: one row per series, the id in the first column, then the values
        /// (shorter series end in empty fields); the test file holds the next <c>horizon</c> values of each series.
        /// </summary>
        /// <param name="trainPath">The training file (e.g. Hourly-train.csv).</param>
        /// <param name="testPath">The test file (e.g. Hourly-test.csv).</param>
        /// <returns>The series, in the files' order.</returns>
        public static IReadOnlyList<M4Series> Load(string trainPath, string testPath)
        {
            var train = Read(trainPath);
            var test = Read(testPath).ToDictionary(s => s.Id, s => s.Values);
            var series = new List<M4Series>(train.Count);
            foreach (var (id, values) in train)
            {
                if (!test.TryGetValue(id, out var held))
                    throw new InvalidDataException($"Series '{id}' of '{trainPath}' has no row in '{testPath}'.");
                series.Add(new M4Series(id, values, held));
            }
            if (test.Count != train.Count)
                throw new InvalidDataException($"'{testPath}' has {test.Count} series but '{trainPath}' has {train.Count}.");
            return series;
        }

        private static List<(string Id, double[] Values)> Read(string path)
        {
            if (!File.Exists(path))
                throw new FileNotFoundException($"The M4 file '{path}' does not exist.", path);
            var rows = new List<(string, double[])>();
            using var reader = new StreamReader(path);
            string? line = reader.ReadLine(); // header: "V1","V2",...
            int lineNumber = 1;
            while ((line = reader.ReadLine()) != null)
            {
                lineNumber++;
                if (line.Length == 0) continue;
                var fields = line.Split(',');
                string id = fields[0].Trim('"');
                var values = new List<double>(fields.Length - 1);
                for (int i = 1; i < fields.Length; i++)
                {
                    string f = fields[i].Trim('"');
                    if (f.Length == 0) break;
                    if (!double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
                        throw new InvalidDataException($"'{path}' line {lineNumber}, field {i + 1}: '{f}' is not a number.");
                    values.Add(v);
                }
                if (values.Count == 0)
                    throw new InvalidDataException($"'{path}' line {lineNumber}: series '{id}' has no values.");
                rows.Add((id, values.ToArray()));
            }
            return rows;
        }

        /// <summary>
        /// Trains <paramref name="method"/> on every series' training values (global methods learn across them, local
        /// ones return themselves), forecasts each series' horizon and scores it as M4 did. Naive2 runs alongside for OWA.
        /// Intervals are read from the forecast's lowest and highest quantiles when it has them.
        /// </summary>
        /// <param name="method">The forecasting method.</param>
        /// <param name="series">The subset (<see cref="Load"/>).</param>
        /// <param name="protocol">Horizon and season length.</param>
        /// <returns>The scores.</returns>
        public static M4Scores Evaluate(IForecastingMethod method, IReadOnlyList<M4Series> series, M4Protocol protocol)
        {
            ArgumentNullException.ThrowIfNull(method);
            ArgumentNullException.ThrowIfNull(series);
            ArgumentNullException.ThrowIfNull(protocol);
            if (series.Count == 0)
                throw new ArgumentException("There are no series to evaluate.", nameof(series));
            foreach (var s in series)
                if (s.Test.Count != protocol.Horizon)
                    throw new ArgumentException($"Series '{s.Id}' holds {s.Test.Count} test values but the {protocol.Name} horizon is {protocol.Horizon}.", nameof(series));
            var clock = Stopwatch.StartNew();
            var frames = series.Select(s => s.ToFrame()).ToArray();
            var forecaster = method.Train(frames);
            var forecasts = frames.Select(f => forecaster.Forecast(f, protocol.Horizon)).ToArray();
            clock.Stop();
            var naive2 = new Naive2Forecaster(protocol.SeasonLength);
            var naive2Forecasts = frames.Select(f => naive2.Forecast(f, protocol.Horizon)).ToArray();
            return Score(method.Name, series, protocol, forecasts, naive2Forecasts, clock.Elapsed);
        }

        internal static M4Scores Score(string name, IReadOnlyList<M4Series> series, M4Protocol protocol, IReadOnlyList<Forecast> forecasts,
            IReadOnlyList<Forecast> naive2Forecasts, TimeSpan elapsed)
        {
            int n = series.Count, m = protocol.SeasonLength;
            var smape = new double[n];
            var mase = new double[n];
            double naive2Smape = 0, naive2Mase = 0;
            bool intervals = forecasts.All(f => f.QuantileLevels is { Count: >= 2 });
            var msis = intervals ? new double[n] : null;
            double? alpha = null;
            int inside = 0, points = 0;
            for (int i = 0; i < n; i++)
            {
                var s = series[i];
                var point = forecasts[i].Point[0].Select(v => (double)v).ToArray();
                if (point.Length != s.Test.Count)
                    throw new InvalidOperationException($"The forecast of '{s.Id}' has {point.Length} steps; {s.Test.Count} were asked for.");
                if (point.Any(v => !double.IsFinite(v)))
                    throw new InvalidOperationException($"The forecast of '{s.Id}' holds a NaN or infinite value.");
                double scale = ForecastMetrics.SeasonalNaiveScale(s.Train, m);
                smape[i] = ForecastMetrics.Smape(s.Test, point);
                mase[i] = ForecastMetrics.Mae(s.Test, point) / scale;
                var p2 = naive2Forecasts[i].Point[0].Select(v => (double)v).ToArray();
                naive2Smape += ForecastMetrics.Smape(s.Test, p2) / n;
                naive2Mase += ForecastMetrics.Mae(s.Test, p2) / scale / n;
                if (msis != null)
                {
                    var levels = forecasts[i].QuantileLevels!;
                    double a = levels[0] + (1 - levels[^1]);
                    if (alpha is double seen && Math.Abs(seen - a) > 1e-6)
                        throw new InvalidOperationException($"The forecasts' intervals differ in level ({seen} and {a}); M4 scores one level.");
                    alpha = a;
                    var lower = forecasts[i].Lower()!.Select(v => (double)v).ToArray();
                    var upper = forecasts[i].Upper()!.Select(v => (double)v).ToArray();
                    msis[i] = ForecastMetrics.Msis(s.Train, s.Test, lower, upper, m, a);
                    for (int t = 0; t < s.Test.Count; t++, points++)
                        if (s.Test[t] >= lower[t] && s.Test[t] <= upper[t])
                            inside++;
                }
            }
            return new M4Scores(name, protocol, smape, mase, naive2Smape, naive2Mase, msis, msis != null ? inside / (double)points : null, alpha, elapsed);
        }
    }
}
