using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Forecasting
{
    /// <summary>PNG plots (ScottPlot) of forecasts against actual values, and of training and validation loss per epoch.</summary>
    public static class ForecastPlots
    {
        internal static readonly ScottPlot.Color[] Palette =
        {
            ScottPlot.Color.FromHex("#1f77b4"), ScottPlot.Color.FromHex("#d62728"), ScottPlot.Color.FromHex("#2ca02c"),
            ScottPlot.Color.FromHex("#9467bd"), ScottPlot.Color.FromHex("#ff7f0e"), ScottPlot.Color.FromHex("#8c564b"),
        };

        /// <summary>
        /// Plots the end of <paramref name="history"/>, the <paramref name="actual"/> values over the horizon (when known),
        /// and each forecast with its interval (the outermost quantiles), for value column <paramref name="value"/>.
        /// </summary>
        /// <param name="path">The PNG file to write (replaced).</param>
        /// <param name="history">The series up to the forecast origin.</param>
        /// <param name="forecasts">One or more forecasts of the series.</param>
        /// <param name="actual">Optional actual values over the horizon.</param>
        /// <param name="title">Optional title.</param>
        /// <param name="value">The value column to plot.</param>
        /// <param name="historySteps">How many past steps to show (default: all).</param>
        /// <param name="width">Image width in pixels.</param>
        /// <param name="height">Image height in pixels.</param>
        public static void SaveForecast(string path, SeriesFrame history, IReadOnlyList<Forecast> forecasts, float[]? actual = null, string? title = null,
            int value = 0, int? historySteps = null, int width = 1000, int height = 500)
        {
            ArgumentNullException.ThrowIfNull(forecasts);
            var named = forecasts.Select((f, i) => (forecasts.Count > 1 ? $"forecast {i + 1}" : "forecast", f)).ToList();
            Draw(path, history, named, actual, title, value, historySteps, width, height);
        }

        /// <summary>Plots several named forecasts of one series (e.g. a model and baselines) against the actual values.</summary>
        /// <param name="path">The PNG file.</param>
        /// <param name="history">The series up to the origin.</param>
        /// <param name="forecasts">Forecasts by name.</param>
        /// <param name="actual">Actual values over the horizon, if known.</param>
        /// <param name="title">Optional title.</param>
        /// <param name="historySteps">Past steps to show.</param>
        public static void SaveComparison(string path, SeriesFrame history, IReadOnlyList<(string Name, Forecast Forecast)> forecasts, float[]? actual = null,
            string? title = null, int? historySteps = null) =>
            Draw(path, history, forecasts, actual, title, 0, historySteps, 1000, 500);

        private static void Draw(string path, SeriesFrame history, IReadOnlyList<(string Name, Forecast Forecast)> forecasts, float[]? actual, string? title,
            int value, int? historySteps, int width, int height)
        {
            ArgumentNullException.ThrowIfNull(history);
            ArgumentNullException.ThrowIfNull(forecasts);
            if (forecasts.Count == 0)
                throw new ArgumentException("Give at least one forecast.", nameof(forecasts));
            if (value < 0 || value >= history.Values.Count)
                throw new ArgumentOutOfRangeException(nameof(value), value, $"Series '{history.Id}' has {history.Values.Count} value columns.");
            int n = history.Length, shown = Math.Min(n, historySteps ?? n), h = forecasts[0].Forecast.Horizon;
            bool dates = history.Times != null;
            var dated = forecasts.Select(f => f.Forecast).FirstOrDefault(f => f.Times != null || f.NumericTimes != null) ?? forecasts[0].Forecast;
            double X(int step) => step < n
                ? (dates ? history.Times![step].ToOADate() : history.NumericTimes?[step] ?? step)
                : FutureX(history, dated, step - n);
            var plot = new ScottPlot.Plot();
            var hist = plot.Add.Scatter(Enumerable.Range(n - shown, shown).Select(X).ToArray(), history.Values[value].Skip(n - shown).Select(v => (double)v).ToArray(), ScottPlot.Colors.Black);
            hist.LegendText = "history";
            hist.MarkerSize = 0;
            var fx = Enumerable.Range(n, h).Select(X).ToArray();
            if (actual != null)
            {
                var a = plot.Add.Scatter(fx, actual.Take(h).Select(v => (double)v).ToArray(), ScottPlot.Colors.Black);
                a.LegendText = "actual";
                a.LinePattern = ScottPlot.LinePattern.Dashed;
                a.MarkerSize = 4;
            }
            for (int i = 0; i < forecasts.Count; i++)
            {
                var (name, f) = forecasts[i];
                var color = Palette[i % Palette.Length];
                if (f.Quantiles != null)
                {
                    var band = plot.Add.FillY(fx, f.Lower(value)!.Select(v => (double)v).ToArray(), f.Upper(value)!.Select(v => (double)v).ToArray());
                    band.FillColor = color.WithAlpha(0.2);
                    band.LineColor = color.WithAlpha(0.2);
                    band.LegendText = $"{name} {f.QuantileLevels![0]:0.##}-{f.QuantileLevels[^1]:0.##} interval";
                }
                var line = plot.Add.Scatter(fx, f.Point[value].Select(v => (double)v).ToArray(), color);
                line.LegendText = name;
                line.MarkerSize = 3;
            }
            if (dates)
                plot.Axes.DateTimeTicksBottom();
            plot.Title(title ?? $"{history.Id}: forecast of {h} steps");
            plot.ShowLegend(ScottPlot.Alignment.UpperLeft);
            Save(plot, path, width, height);
        }

        /// <summary>Plots training and (when present) validation loss per epoch.</summary>
        /// <param name="path">The PNG file.</param>
        /// <param name="history">A model's training history.</param>
        /// <param name="title">Optional title.</param>
        public static void SaveTrainingHistory(string path, TrainingHistory history, string? title = null)
        {
            ArgumentNullException.ThrowIfNull(history);
            if (history.Epochs.Count == 0)
                throw new ArgumentException("The training history has no epoch.", nameof(history));
            var plot = new ScottPlot.Plot();
            var x = history.Epochs.Select(e => (double)e.Epoch).ToArray();
            var train = plot.Add.Scatter(x, history.Epochs.Select(e => e.TrainingLoss).ToArray(), Palette[0]);
            train.LegendText = "training loss";
            if (history.Epochs.All(e => e.ValidationLoss.HasValue))
            {
                var valid = plot.Add.Scatter(x, history.Epochs.Select(e => e.ValidationLoss!.Value).ToArray(), Palette[1]);
                valid.LegendText = "validation loss";
                var best = plot.Add.VerticalLine(history.BestEpoch, 1, Palette[2]);
                best.LinePattern = ScottPlot.LinePattern.Dotted;
                best.LegendText = $"best epoch ({history.BestEpoch})";
            }
            plot.XLabel("epoch");
            plot.YLabel("loss");
            plot.Title(title ?? "training");
            plot.ShowLegend(ScottPlot.Alignment.UpperRight);
            Save(plot, path, 800, 450);
        }

        private static double FutureX(SeriesFrame history, Forecast f, int h)
        {
            if (f.Times != null) return f.Times[h].ToOADate();
            if (f.NumericTimes != null) return f.NumericTimes[h];
            var times = BaselineForecaster.FutureTimes(history, h + 1);
            if (times != null) return times[h].ToOADate();
            var numeric = BaselineForecaster.FutureNumericTimes(history, h + 1);
            return numeric != null ? numeric[h] : history.Length + h;
        }

        /// <summary>Writes the plot as a PNG atomically (a temporary file renamed over the target).</summary>
        internal static void Save(ScottPlot.Plot plot, string path, int width, int height)
        {
            var full = Path.GetFullPath(path);
            var dir = Path.GetDirectoryName(full)!;
            if (!Directory.Exists(dir))
                throw new DirectoryNotFoundException($"Cannot write plot '{path}': folder '{dir}' does not exist.");
            var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.png");
            try
            {
                plot.SavePng(tmp, width, height);
                File.Move(tmp, full, overwrite: true);
            }
            finally
            {
                if (File.Exists(tmp)) File.Delete(tmp);
            }
        }
    }
}
