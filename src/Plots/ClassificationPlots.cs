using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using MLNet.Sequence.Forecasting;

namespace MLNet.Sequence
{
    /// <summary>PNG plots for classifiers: the confusion matrix.</summary>
    public static class ClassificationPlots
    {
        /// <summary>
        /// Draws a confusion matrix: one row per actual class (top to bottom), one column per predicted class, each cell
        /// shaded by its share of the row and labelled with its count.
        /// </summary>
        /// <param name="path">The PNG file (written atomically).</param>
        /// <param name="classes">The class names, in the order of <paramref name="counts"/>.</param>
        /// <param name="counts">counts[actual][predicted].</param>
        /// <param name="title">Optional title.</param>
        public static void SaveConfusionMatrix(string path, IReadOnlyList<string> classes, IReadOnlyList<IReadOnlyList<int>> counts, string? title = null)
        {
            ArgumentNullException.ThrowIfNull(classes);
            ArgumentNullException.ThrowIfNull(counts);
            int k = classes.Count;
            if (k == 0 || counts.Count != k || counts.Any(r => r.Count != k))
                throw new ArgumentException($"counts must be a {k} x {k} matrix, one row per class.", nameof(counts));
            var plot = new ScottPlot.Plot();
            var shade = ForecastPlots.Palette[0];
            for (int actual = 0; actual < k; actual++)
            {
                double total = Math.Max(1, counts[actual].Sum());
                for (int predicted = 0; predicted < k; predicted++)
                {
                    double top = k - actual, bottom = top - 1;
                    var cell = plot.Add.Rectangle(predicted, predicted + 1, bottom, top);
                    double share = counts[actual][predicted] / total;
                    cell.FillColor = ScottPlot.Colors.White.MixedWith(shade, share);
                    cell.LineWidth = 1;
                    cell.LineColor = ScottPlot.Colors.Gray;
                    var label = plot.Add.Text(counts[actual][predicted].ToString(CultureInfo.InvariantCulture), predicted + 0.5, bottom + 0.5);
                    label.LabelAlignment = ScottPlot.Alignment.MiddleCenter;
                    label.LabelFontSize = 16;
                    label.LabelFontColor = share > 0.5 ? ScottPlot.Colors.White : ScottPlot.Colors.Black;
                }
            }
            var x = new ScottPlot.TickGenerators.NumericManual();
            var y = new ScottPlot.TickGenerators.NumericManual();
            for (int i = 0; i < k; i++)
            {
                x.AddMajor(i + 0.5, classes[i]);
                y.AddMajor(k - i - 0.5, classes[i]);
            }
            plot.Axes.Bottom.TickGenerator = x;
            plot.Axes.Left.TickGenerator = y;
            plot.Axes.SetLimits(0, k, 0, k);
            plot.HideGrid();
            plot.XLabel("predicted");
            plot.YLabel("actual");
            plot.Title(title ?? "confusion matrix");
            int size = Math.Clamp(120 + 80 * k, 400, 1000);
            ForecastPlots.Save(plot, path, size, size);
        }
    }
}
