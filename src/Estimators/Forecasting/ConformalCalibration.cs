using System;
using System.Collections.Generic;
using System.Linq;

namespace MLNet.Sequence.Forecasting
{
    /// <summary>
    /// Split-conformal calibration of forecast quantiles (Romano, Patterson and Candès, "Conformalized Quantile
    /// Regression", NeurIPS 2019, applied one-sidedly per level): a model trained without the last steps of every series
    /// forecasts them; each level τ below the point moves down by the ⌈(n+1)(1−τ)⌉-th smallest of (q̂_τ − y)/s and each
    /// level above moves up by the ⌈(n+1)τ⌉-th smallest of (y − q̂_τ)/s, per horizon step and value column, s being the
    /// standard deviation of the steps before the forecast origin. Shared by the forecaster and the ensemble.
    /// </summary>
    internal static class ConformalCalibration
    {
        /// <summary>Most calibration origins per series (evenly spread over the held-out steps).</summary>
        public const int MaximumOriginsPerSeries = 50;

        /// <summary>
        /// Offsets [horizon, values, quantiles] (0 at the point level) from <paramref name="model"/>, trained on every
        /// series of <paramref name="frames"/> minus its last <paramref name="steps"/>, forecasting those steps.
        /// </summary>
        public static float[] Offsets(IForecaster model, IReadOnlyList<SeriesFrame> frames, int steps, int horizon, IReadOnlyList<float> levels, int scaleSteps)
        {
            int V = frames[0].Values.Count, Q = levels.Count, median = PointLevel(levels);
            var scores = Enumerable.Range(0, horizon * V * Q).Select(_ => new List<double>()).ToArray();
            foreach (var f in frames)
            {
                int first = f.Length - steps, last = f.Length - horizon, count = last - first + 1;
                int stride = Math.Max(1, (count + MaximumOriginsPerSeries - 1) / MaximumOriginsPerSeries);
                for (int origin = first; origin <= last; origin += stride)
                {
                    var forecast = model.Forecast(f.Slice(0, origin, horizon), horizon);
                    if (forecast.Quantiles == null || forecast.QuantileLevels == null || !forecast.QuantileLevels.SequenceEqual(levels))
                        throw new InvalidOperationException($"Calibration needs forecasts with the quantile levels {string.Join(", ", levels)}; '{model.Name}' gave none or others.");
                    for (int v = 0; v < V; v++)
                    {
                        double scale = Scale(f.Values[v].AsSpan(Math.Max(0, origin - scaleSteps), Math.Min(origin, scaleSteps)));
                        for (int h = 0; h < horizon; h++)
                        {
                            double y = f.Values[v][origin + h];
                            for (int q = 0; q < Q; q++)
                                if (q != median)
                                {
                                    double predicted = forecast.Quantiles[v][q][h];
                                    scores[(h * V + v) * Q + q].Add((q < median ? predicted - y : y - predicted) / scale);
                                }
                        }
                    }
                }
            }
            var offsets = new float[horizon * V * Q];
            for (int i = 0; i < offsets.Length; i++)
            {
                int q = i % Q;
                if (q == median) continue;
                var s = scores[i];
                s.Sort();
                // The lower bound q̂ − c misses (y below it) with probability τ when c is the (1 − τ) quantile of q̂ − y;
                // the upper bound q̂ + c misses with probability 1 − τ when c is the τ quantile of y − q̂.
                double p = q < median ? 1 - levels[q] : levels[q];
                int k = (int)Math.Ceiling((s.Count + 1) * p);
                offsets[i] = (float)s[Math.Clamp(k, 1, s.Count) - 1];
            }
            return offsets;
        }

        /// <summary>
        /// Moves the quantiles of steps <paramref name="start"/>..start+take of a forecast by the offsets (rows of
        /// <paramref name="offsetSteps"/> steps; later steps use the last row), in units of each value's scale, and
        /// re-sorts each step's levels.
        /// </summary>
        public static void Apply(float[][][] quantiles, float[] offsets, int offsetSteps, IReadOnlyList<float> levels, double[] scales, int start, int take)
        {
            int V = quantiles.Length, Q = levels.Count, median = PointLevel(levels);
            var column = new float[Q];
            for (int v = 0; v < V; v++)
                for (int h = 0; h < take; h++)
                {
                    int row = Math.Min(h, offsetSteps - 1);
                    for (int q = 0; q < Q; q++)
                    {
                        double c = offsets[(row * V + v) * Q + q] * scales[v];
                        float x = quantiles[v][q][start + h];
                        column[q] = q == median ? x : q < median ? (float)(x - c) : (float)(x + c);
                    }
                    Array.Sort(column);
                    for (int q = 0; q < Q; q++)
                        quantiles[v][q][start + h] = column[q];
                }
        }

        /// <summary>The standard deviation of <paramref name="values"/> (its mean's size, or 1, when flat).</summary>
        public static double Scale(ReadOnlySpan<float> values)
        {
            if (values.Length == 0)
                return 1;
            double mean = 0;
            foreach (var x in values) mean += x;
            mean /= values.Length;
            double ss = 0;
            foreach (var x in values) ss += (x - mean) * (x - mean);
            double sd = Math.Sqrt(ss / values.Length);
            return sd > 1e-6 * (Math.Abs(mean) + 1) ? sd : Math.Abs(mean) > 0 ? Math.Abs(mean) : 1;
        }

        /// <summary>The level the point forecast is read from: the one closest to 0.5.</summary>
        public static int PointLevel(IReadOnlyList<float> levels)
        {
            int best = 0;
            for (int q = 1; q < levels.Count; q++)
                if (Math.Abs(levels[q] - 0.5f) < Math.Abs(levels[best] - 0.5f)) best = q;
            return best;
        }
    }
}
