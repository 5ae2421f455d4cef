using System;
using System.Collections.Generic;
using System.Linq;
using MLNet.Sequence.Forecasting;

namespace MLNet.Sequence.Anomaly
{
    /// <summary>PNG plots (ScottPlot) of a series with its labelled anomaly windows, probationary period and a detector's alerts.</summary>
    public static class AnomalyPlots
    {
        /// <summary>
        /// Plots <paramref name="file"/>'s values over time, shades its labelled anomaly windows (red) and its probationary
        /// period (grey), and marks the points where <paramref name="alerts"/> is true.
        /// </summary>
        /// <param name="path">The PNG file to write (replaced atomically).</param>
        /// <param name="file">The series with its labelled windows.</param>
        /// <param name="alerts">One flag per point: the detector's alerts.</param>
        /// <param name="title">Optional title (default: the file's name).</param>
        /// <param name="width">Image width in pixels.</param>
        /// <param name="height">Image height in pixels.</param>
        public static void SaveDetections(string path, NabFile file, IReadOnlyList<bool> alerts, string? title = null, int width = 1200, int height = 450)
        {
            ArgumentNullException.ThrowIfNull(file);
            ArgumentNullException.ThrowIfNull(alerts);
            if (alerts.Count != file.Length)
                throw new ArgumentException($"Give one alert flag per point: the series has {file.Length} points, the alerts {alerts.Count}.", nameof(alerts));
            var x = file.Timestamps.Select(t => t.ToOADate()).ToArray();
            var y = file.Values.ToArray();
            var plot = new ScottPlot.Plot();
            int probation = NabScorer.ProbationaryPeriod(file.Length);
            if (probation > 0)
            {
                var p = plot.Add.HorizontalSpan(x[0], x[probation - 1]);
                p.FillStyle.Color = ScottPlot.Colors.Gray.WithAlpha(0.2);
                p.LegendText = "probation";
            }
            bool first = true;
            foreach (var (a, b) in file.Windows)
            {
                var w = plot.Add.HorizontalSpan(x[a], x[b]);
                w.FillStyle.Color = ScottPlot.Colors.Red.WithAlpha(0.15);
                if (first)
                    w.LegendText = "labelled window";
                first = false;
            }
            var line = plot.Add.Scatter(x, y, ScottPlot.Colors.Black);
            line.MarkerSize = 0;
            line.LineWidth = 1;
            line.LegendText = "value";
            var hits = Enumerable.Range(0, file.Length).Where(i => alerts[i]).ToArray();
            if (hits.Length > 0)
            {
                var m = plot.Add.ScatterPoints(hits.Select(i => x[i]).ToArray(), hits.Select(i => y[i]).ToArray(), ForecastPlots.Palette[1]);
                m.MarkerSize = 9;
                m.MarkerShape = ScottPlot.MarkerShape.FilledCircle;
                m.LegendText = "alert";
            }
            plot.Axes.DateTimeTicksBottom();
            plot.Title(title ?? file.Name);
            plot.ShowLegend();
            ForecastPlots.Save(plot, path, width, height);
        }
    }
}
