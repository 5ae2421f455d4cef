using System;
using System.Collections.Generic;
using System.Linq;
using MLNet.Sequence.Forecasting;

namespace MLNet.Sequence
{
    /// <summary>PNG plots of sweeps: best-so-far curves of several sweeps (tuners) side by side.</summary>
    public static class SweepPlots
    {
        /// <summary>
        /// Plots each sweep's best metric so far against the cumulative trial time (or the trial number), as steps,
        /// so tuners run at equal budget compare at a glance.
        /// </summary>
        /// <param name="path">The PNG file (written atomically).</param>
        /// <param name="sweeps">Named sweep results, e.g. ("TPE", tpe), ("random", random); all ranked by one metric.</param>
        /// <param name="byTime">X axis: cumulative trial seconds (default) or the trial number.</param>
        /// <param name="title">Optional title.</param>
        public static void SaveBestSoFar(string path, IReadOnlyList<(string Name, SequenceSweepResult Result)> sweeps, bool byTime = true, string? title = null)
        {
            ArgumentNullException.ThrowIfNull(sweeps);
            if (sweeps.Count == 0)
                throw new ArgumentException("Give at least one sweep to plot.", nameof(sweeps));
            if (sweeps.Select(s => s.Result.Metric).Distinct().Count() > 1)
                throw new ArgumentException("The sweeps were ranked by different metrics; plot them separately.", nameof(sweeps));
            var plot = new ScottPlot.Plot();
            for (int i = 0; i < sweeps.Count; i++)
            {
                var curve = sweeps[i].Result.BestSoFar().Where(c => double.IsFinite(c.BestMetric)).ToList();
                if (curve.Count == 0)
                    continue;
                var x = curve.Select(c => byTime ? c.Seconds : c.Trial).ToArray();
                var y = curve.Select(c => c.BestMetric).ToArray();
                var line = plot.Add.Scatter(x, y, ForecastPlots.Palette[i % ForecastPlots.Palette.Length]);
                line.ConnectStyle = ScottPlot.ConnectStyle.StepHorizontal;
                line.LegendText = sweeps[i].Name;
            }
            plot.XLabel(byTime ? "seconds of trials" : "trial");
            plot.YLabel($"best {sweeps[0].Result.Metric} so far");
            plot.Title(title ?? "sweep");
            plot.ShowLegend(sweeps[0].Result.LargerIsBetter ? ScottPlot.Alignment.LowerRight : ScottPlot.Alignment.UpperRight);
            ForecastPlots.Save(plot, path, 800, 450);
        }
    }
}
