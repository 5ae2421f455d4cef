using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace MLNet.Sequence.Forecasting
{
    /// <summary>Options of a rolling-origin backtest.</summary>
    public sealed class BacktestOptions
    {
        /// <summary>Steps forecast at each origin.</summary>
        public int Horizon { get; set; } = 1;

        /// <summary>Observations before the first origin (the first training set).</summary>
        public int InitialTrainingSize { get; set; }

        /// <summary>Steps between consecutive origins. Default: the horizon (folds do not overlap).</summary>
        public int? Stride { get; set; }

        /// <summary>At most this many folds (from the first origin); null for every origin that leaves a full horizon.</summary>
        public int? MaximumFolds { get; set; }

        /// <summary>True (default): each training set grows from the start; false: a sliding window of InitialTrainingSize steps.</summary>
        public bool Expanding { get; set; } = true;

        /// <summary>Retrain every this many folds (1: every fold); between retrains the last model forecasts from the new history.</summary>
        public int RetrainEvery { get; set; } = 1;

        /// <summary>The season length for MASE's scale (1 for non-seasonal data).</summary>
        public int SeasonLength { get; set; } = 1;

        internal void Validate()
        {
            if (Horizon <= 0) throw new ArgumentOutOfRangeException(nameof(Horizon), Horizon, "Option Horizon must be positive.");
            if (InitialTrainingSize <= 0) throw new ArgumentOutOfRangeException(nameof(InitialTrainingSize), InitialTrainingSize, "Option InitialTrainingSize must be positive.");
            if (Stride is int s && s <= 0) throw new ArgumentOutOfRangeException(nameof(Stride), s, "Option Stride must be positive.");
            if (MaximumFolds is int f && f <= 0) throw new ArgumentOutOfRangeException(nameof(MaximumFolds), f, "Option MaximumFolds must be positive.");
            if (RetrainEvery <= 0) throw new ArgumentOutOfRangeException(nameof(RetrainEvery), RetrainEvery, "Option RetrainEvery must be positive.");
            if (SeasonLength <= 0) throw new ArgumentOutOfRangeException(nameof(SeasonLength), SeasonLength, "Option SeasonLength must be at least 1.");
        }
    }

    /// <summary>Accuracy of one method on one fold, averaged over series and value columns.</summary>
    public sealed class FoldMetrics
    {
        internal FoldMetrics(string method, int fold, int origin, double mae, double rmse, double mape, double smape, double mase, double? pinball, double? coverage, double trainSeconds, double forecastSeconds)
        {
            Method = method; Fold = fold; Origin = origin; Mae = mae; Rmse = rmse; Mape = mape; Smape = smape; Mase = mase; Pinball = pinball; Coverage = coverage;
            TrainSeconds = trainSeconds; ForecastSeconds = forecastSeconds;
        }

        /// <summary>The method's name.</summary>
        public string Method { get; }
        /// <summary>Fold number from 0.</summary>
        public int Fold { get; }
        /// <summary>The number of observations before this fold's forecast origin.</summary>
        public int Origin { get; }
        /// <summary>Mean absolute error.</summary>
        public double Mae { get; }
        /// <summary>Root mean squared error.</summary>
        public double Rmse { get; }
        /// <summary>MAPE in percent; NaN when an actual value is 0.</summary>
        public double Mape { get; }
        /// <summary>sMAPE in percent (M4).</summary>
        public double Smape { get; }
        /// <summary>MASE (M4); NaN when undefined (the training part's seasonal naive forecast is perfect).</summary>
        public double Mase { get; }
        /// <summary>Mean pinball loss, for quantile forecasts.</summary>
        public double? Pinball { get; }
        /// <summary>Coverage of the outermost quantiles' interval, for quantile forecasts.</summary>
        public double? Coverage { get; }
        /// <summary>Seconds spent training at this fold (0 when the model was reused).</summary>
        public double TrainSeconds { get; }
        /// <summary>Seconds spent forecasting this fold.</summary>
        public double ForecastSeconds { get; }
    }

    /// <summary>The per-fold and aggregate results of a backtest, methods side by side.</summary>
    public sealed class BacktestResult
    {
        internal BacktestResult(IReadOnlyList<FoldMetrics> folds, IReadOnlyList<string> methods)
        {
            Folds = folds;
            Methods = methods;
        }

        /// <summary>Every method on every fold.</summary>
        public IReadOnlyList<FoldMetrics> Folds { get; }

        /// <summary>The methods, in the order given.</summary>
        public IReadOnlyList<string> Methods { get; }

        /// <summary>The mean of each metric over the folds of <paramref name="method"/>.</summary>
        /// <param name="method">A method name.</param>
        /// <returns>Mean MAE, RMSE, MAPE, sMAPE, MASE, pinball and coverage.</returns>
        public (double Mae, double Rmse, double Mape, double Smape, double Mase, double? Pinball, double? Coverage) Mean(string method)
        {
            var f = Folds.Where(x => x.Method == method).ToList();
            if (f.Count == 0)
                throw new ArgumentException($"No method named '{method}' in this backtest; it has {string.Join(", ", Methods)}.", nameof(method));
            double? Avg(Func<FoldMetrics, double?> get) => f.All(x => get(x).HasValue) ? f.Average(x => get(x)!.Value) : null;
            return (f.Average(x => x.Mae), f.Average(x => x.Rmse), f.Average(x => x.Mape), f.Average(x => x.Smape), f.Average(x => x.Mase), Avg(x => x.Pinball), Avg(x => x.Coverage));
        }

        /// <summary>The aggregate table in Markdown: one row per method.</summary>
        /// <returns>The table.</returns>
        public string ToMarkdown()
        {
            var sb = new StringBuilder();
            sb.AppendLine("| method | MAE | RMSE | MAPE % | sMAPE % | MASE | pinball | coverage | train s (total) | forecast s (total) |");
            sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var m in Methods)
            {
                var a = Mean(m);
                var f = Folds.Where(x => x.Method == m).ToList();
                string O(double? v, string fmt) => v is double d && !double.IsNaN(d) ? d.ToString(fmt, CultureInfo.InvariantCulture) : "";
                sb.AppendLine($"| {m} | {O(a.Mae, "F3")} | {O(a.Rmse, "F3")} | {O(a.Mape, "F2")} | {O(a.Smape, "F2")} | {O(a.Mase, "F3")} | {O(a.Pinball, "F3")} | {O(a.Coverage, "F2")} | {O(f.Sum(x => x.TrainSeconds), "F1")} | {O(f.Sum(x => x.ForecastSeconds), "F2")} |");
            }
            return sb.ToString();
        }
    }

    /// <summary>Rolling-origin backtests: train, forecast the next horizon, move the origin, repeat.</summary>
    public static class Backtester
    {
        /// <summary>
        /// Runs every method on the same folds. At fold k the origin is InitialTrainingSize + k·Stride observations into
        /// each series; training data are the observations before the origin (all of them, or the last
        /// InitialTrainingSize with a sliding window); the forecast covers the next Horizon steps. Metrics average over
        /// series and value columns; MASE's scale is the seasonal naive error of each series' training part.
        /// </summary>
        /// <param name="series">The series (aligned: the same origins apply to each).</param>
        /// <param name="options">Folds and metrics.</param>
        /// <param name="methods">Methods to compare (models and baselines).</param>
        /// <returns>Per-fold and aggregate metrics.</returns>
        public static BacktestResult Run(IReadOnlyList<SeriesFrame> series, BacktestOptions options, IEnumerable<IForecastingMethod> methods)
        {
            ArgumentNullException.ThrowIfNull(series);
            ArgumentNullException.ThrowIfNull(options);
            options.Validate();
            var list = methods.ToList();
            if (list.Count == 0)
                throw new ArgumentException("Give at least one method to backtest.", nameof(methods));
            if (series.Count == 0)
                throw new ArgumentException("Give at least one series.", nameof(series));
            int stride = options.Stride ?? options.Horizon;
            int shortest = series.Min(s => s.Length);
            var origins = new List<int>();
            for (int o = options.InitialTrainingSize; o + options.Horizon <= shortest; o += stride)
            {
                origins.Add(o);
                if (options.MaximumFolds is int max && origins.Count >= max) break;
            }
            if (origins.Count == 0)
                throw new ArgumentException($"No fold fits: the shortest series has {shortest} observations, fewer than InitialTrainingSize ({options.InitialTrainingSize}) + Horizon ({options.Horizon}).", nameof(options));

            var results = new List<FoldMetrics>();
            foreach (var method in list)
            {
                IForecaster? model = null;
                try
                {
                    for (int k = 0; k < origins.Count; k++)
                    {
                        int origin = origins[k];
                        int start = options.Expanding ? 0 : origin - options.InitialTrainingSize;
                        double trainSeconds = 0;
                        if (model == null || k % options.RetrainEvery == 0)
                        {
                            (model as IDisposable)?.Dispose();
                            var clock = System.Diagnostics.Stopwatch.StartNew();
                            model = method.Train(series.Select(s => s.Slice(start, origin - start)).ToList());
                            trainSeconds = clock.Elapsed.TotalSeconds;
                        }
                        var fc = System.Diagnostics.Stopwatch.StartNew();
                        var forecasts = series.Select(s => model.Forecast(s.Slice(start, origin - start, options.Horizon), options.Horizon)).ToList();
                        double forecastSeconds = fc.Elapsed.TotalSeconds;
                        results.Add(Score(method.Name, k, origin, start, series, forecasts, options, trainSeconds, forecastSeconds));
                    }
                }
                finally
                {
                    (model as IDisposable)?.Dispose();
                }
            }
            return new BacktestResult(results, list.Select(m => m.Name).ToList());
        }

        /// <summary>MASE, or NaN where it is undefined (a perfect in-sample seasonal naive forecast, or too short a history).</summary>
        private static double MaseOrNaN(double[] history, double[] actual, double[] forecast, int season)
        {
            if (history.Length <= season)
                return double.NaN;
            double scale = 0;
            for (int t = season; t < history.Length; t++)
                scale += Math.Abs(history[t] - history[t - season]);
            return scale == 0 ? double.NaN : ForecastMetrics.Mase(history, actual, forecast, season);
        }

        private static FoldMetrics Score(string method, int fold, int origin, int start, IReadOnlyList<SeriesFrame> series, List<Forecast> forecasts,
            BacktestOptions o, double trainSeconds, double forecastSeconds)
        {
            var mae = new List<double>(); var rmse = new List<double>(); var mape = new List<double>(); var smape = new List<double>(); var mase = new List<double>();
            var pinball = new List<double>(); var coverage = new List<double>();
            for (int s = 0; s < series.Count; s++)
            {
                for (int v = 0; v < series[s].Values.Count; v++)
                {
                    var y = series[s].Values[v];
                    var actual = y.Skip(origin).Take(o.Horizon).Select(x => (double)x).ToArray();
                    var history = y.Skip(start).Take(origin - start).Select(x => (double)x).ToArray();
                    var f = forecasts[s].Point[v].Select(x => (double)x).ToArray();
                    mae.Add(ForecastMetrics.Mae(actual, f));
                    rmse.Add(ForecastMetrics.Rmse(actual, f));
                    mape.Add(actual.Any(a => a == 0) ? double.NaN : ForecastMetrics.Mape(actual, f));
                    smape.Add(ForecastMetrics.Smape(actual, f));
                    mase.Add(MaseOrNaN(history, actual, f, o.SeasonLength));
                    if (forecasts[s].Quantiles is { } q)
                    {
                        var qf = Enumerable.Range(0, o.Horizon).Select(t => q[v].Select(level => (double)level[t]).ToArray()).ToList();
                        pinball.Add(ForecastMetrics.Pinball(actual, qf, forecasts[s].QuantileLevels!));
                        coverage.Add(ForecastMetrics.Coverage(actual, q[v][0].Select(x => (double)x).ToArray(), q[v][^1].Select(x => (double)x).ToArray()));
                    }
                }
            }
            return new FoldMetrics(method, fold, origin, mae.Average(), rmse.Average(), mape.Average(), smape.Average(), mase.Average(),
                pinball.Count > 0 ? pinball.Average() : null, coverage.Count > 0 ? coverage.Average() : null, trainSeconds, forecastSeconds);
        }
    }
}
