using System;
using System.Collections.Generic;
using System.Linq;

namespace MLNet.Sequence.Forecasting
{
    /// <summary>
    /// Point and probabilistic forecast accuracy. sMAPE and MASE follow the M4 competition's definitions (Makridakis,
    /// Spiliotis and Assimakopoulos, 2020): sMAPE = (200 / h) Σ |y − ŷ| / (|y| + |ŷ|), in percent; MASE = mean |y − ŷ| over
    /// the horizon divided by the in-sample mean absolute error of the seasonal naive forecast with season m,
    /// (1 / (n − m)) Σ_{t=m+1..n} |y_t − y_{t−m}|.
    /// </summary>
    public static class ForecastMetrics
    {
        /// <summary>Mean absolute error.</summary>
        /// <param name="actual">Observed values.</param>
        /// <param name="forecast">Forecasts, aligned with <paramref name="actual"/>.</param>
        /// <returns>MAE.</returns>
        public static double Mae(IReadOnlyList<double> actual, IReadOnlyList<double> forecast) =>
            Pairs(actual, forecast).Average(p => Math.Abs(p.A - p.F));

        /// <summary>Root mean squared error.</summary>
        /// <param name="actual">Observed values.</param>
        /// <param name="forecast">Forecasts.</param>
        /// <returns>RMSE.</returns>
        public static double Rmse(IReadOnlyList<double> actual, IReadOnlyList<double> forecast) =>
            Math.Sqrt(Pairs(actual, forecast).Average(p => (p.A - p.F) * (p.A - p.F)));

        /// <summary>Mean absolute percentage error, in percent: (100 / h) Σ |y − ŷ| / |y|. Undefined when an actual value is 0.</summary>
        /// <param name="actual">Observed values (none zero).</param>
        /// <param name="forecast">Forecasts.</param>
        /// <returns>MAPE in percent.</returns>
        public static double Mape(IReadOnlyList<double> actual, IReadOnlyList<double> forecast)
        {
            var pairs = Pairs(actual, forecast);
            if (pairs.Any(p => p.A == 0))
                throw new ArgumentException("MAPE is undefined when an actual value is 0; use sMAPE or MASE.", nameof(actual));
            return 100.0 * pairs.Average(p => Math.Abs(p.A - p.F) / Math.Abs(p.A));
        }

        /// <summary>Symmetric MAPE as M4 defines it, in percent: (200 / h) Σ |y − ŷ| / (|y| + |ŷ|). A pair of zeros counts 0.</summary>
        /// <param name="actual">Observed values.</param>
        /// <param name="forecast">Forecasts.</param>
        /// <returns>sMAPE in percent (0 to 200).</returns>
        public static double Smape(IReadOnlyList<double> actual, IReadOnlyList<double> forecast) =>
            200.0 * Pairs(actual, forecast).Average(p =>
            {
                double d = Math.Abs(p.A) + Math.Abs(p.F);
                return d == 0 ? 0 : Math.Abs(p.A - p.F) / d;
            });

        /// <summary>
        /// Mean absolute scaled error as M4 defines it: MAE over the horizon divided by the in-sample MAE of the seasonal
        /// naive forecast with season <paramref name="season"/> (1 for non-seasonal data) on <paramref name="history"/>.
        /// </summary>
        /// <param name="history">The in-sample (training) series, oldest first.</param>
        /// <param name="actual">Observed values over the horizon.</param>
        /// <param name="forecast">Forecasts over the horizon.</param>
        /// <param name="season">Season length m ≥ 1.</param>
        /// <returns>MASE.</returns>
        public static double Mase(IReadOnlyList<double> history, IReadOnlyList<double> actual, IReadOnlyList<double> forecast, int season)
        {
            double scale = SeasonalNaiveScale(history, season);
            return Mae(actual, forecast) / scale;
        }

        /// <summary>The in-sample MAE of the seasonal naive forecast: (1 / (n − m)) Σ_{t=m+1..n} |y_t − y_{t−m}|.</summary>
        /// <param name="history">The in-sample series.</param>
        /// <param name="season">Season length m ≥ 1.</param>
        /// <returns>The scale.</returns>
        public static double SeasonalNaiveScale(IReadOnlyList<double> history, int season)
        {
            if (season < 1)
                throw new ArgumentOutOfRangeException(nameof(season), season, "The season length must be at least 1.");
            if (history.Count <= season)
                throw new ArgumentException($"MASE needs more than {season} in-sample values (the season length); got {history.Count}.", nameof(history));
            double sum = 0;
            for (int t = season; t < history.Count; t++)
                sum += Math.Abs(history[t] - history[t - season]);
            double scale = sum / (history.Count - season);
            if (scale == 0)
                throw new ArgumentException("MASE is undefined: the in-sample seasonal naive forecast is perfect (the scale is 0).", nameof(history));
            return scale;
        }

        /// <summary>Mean pinball (quantile) loss over steps and quantiles: max(q (y − ŷ_q), (q − 1)(y − ŷ_q)).</summary>
        /// <param name="actual">Observed values over the horizon.</param>
        /// <param name="quantileForecasts">Per step, the forecast of each quantile.</param>
        /// <param name="quantiles">The quantile levels.</param>
        /// <returns>The mean pinball loss.</returns>
        public static double Pinball(IReadOnlyList<double> actual, IReadOnlyList<double[]> quantileForecasts, IReadOnlyList<float> quantiles)
        {
            if (actual.Count != quantileForecasts.Count)
                throw new ArgumentException($"{actual.Count} actual values but {quantileForecasts.Count} quantile forecasts.");
            double sum = 0;
            int n = 0;
            for (int t = 0; t < actual.Count; t++)
                for (int q = 0; q < quantiles.Count; q++)
                {
                    double e = actual[t] - quantileForecasts[t][q];
                    sum += Math.Max(quantiles[q] * e, (quantiles[q] - 1) * e);
                    n++;
                }
            return sum / n;
        }

        /// <summary>The fraction of actual values within [lower, upper] (interval coverage).</summary>
        /// <param name="actual">Observed values.</param>
        /// <param name="lower">Lower bounds.</param>
        /// <param name="upper">Upper bounds.</param>
        /// <returns>Coverage in [0, 1].</returns>
        public static double Coverage(IReadOnlyList<double> actual, IReadOnlyList<double> lower, IReadOnlyList<double> upper)
        {
            if (actual.Count != lower.Count || actual.Count != upper.Count)
                throw new ArgumentException("actual, lower and upper must have the same length.");
            int inside = 0;
            for (int i = 0; i < actual.Count; i++)
                if (actual[i] >= lower[i] && actual[i] <= upper[i])
                    inside++;
            return inside / (double)actual.Count;
        }

        /// <summary>
        /// Mean scaled interval score as M4 defines it for a (1 − <paramref name="alpha"/>) interval: the mean over the horizon
        /// of (U − L) + (2/α)(L − y)·[y &lt; L] + (2/α)(y − U)·[y &gt; U], divided by the in-sample seasonal naive MAE
        /// (<see cref="SeasonalNaiveScale"/>). Narrow intervals that still hold the actual values score low.
        /// </summary>
        /// <param name="history">The in-sample series, oldest first.</param>
        /// <param name="actual">Observed values over the horizon.</param>
        /// <param name="lower">Lower interval bounds.</param>
        /// <param name="upper">Upper interval bounds.</param>
        /// <param name="season">Season length m ≥ 1 of the scale.</param>
        /// <param name="alpha">The interval's miss probability; M4 scored 95% intervals (α = 0.05).</param>
        /// <returns>MSIS.</returns>
        public static double Msis(IReadOnlyList<double> history, IReadOnlyList<double> actual, IReadOnlyList<double> lower,
            IReadOnlyList<double> upper, int season, double alpha = 0.05)
        {
            if (actual.Count != lower.Count || actual.Count != upper.Count)
                throw new ArgumentException($"actual, lower and upper must have the same length; they have {actual.Count}, {lower.Count} and {upper.Count}.");
            if (actual.Count == 0)
                throw new ArgumentException("There are no values to compare.", nameof(actual));
            if (!(alpha > 0 && alpha < 1))
                throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be in (0, 1).");
            double scale = SeasonalNaiveScale(history, season);
            double sum = 0;
            for (int i = 0; i < actual.Count; i++)
            {
                double y = actual[i], l = lower[i], u = upper[i];
                sum += u - l;
                if (y < l) sum += 2 / alpha * (l - y);
                if (y > u) sum += 2 / alpha * (y - u);
            }
            return sum / actual.Count / scale;
        }

        /// <summary>
        /// Absolute coverage difference as M4 defines it: |coverage − (1 − α)|, where coverage is the share of all actual
        /// values (every step of every series pooled) inside their interval.
        /// </summary>
        /// <param name="coverage">The pooled empirical coverage in [0, 1] (<see cref="Coverage"/> over all points).</param>
        /// <param name="alpha">The interval's miss probability (0.05 for M4's 95% intervals).</param>
        /// <returns>ACD.</returns>
        public static double Acd(double coverage, double alpha = 0.05)
        {
            if (!(coverage >= 0 && coverage <= 1))
                throw new ArgumentOutOfRangeException(nameof(coverage), coverage, "coverage must be in [0, 1].");
            return Math.Abs(coverage - (1 - alpha));
        }

        /// <summary>
        /// Overall weighted average as M4 defines it: the mean of a method's sMAPE relative to Naive2's and its MASE relative
        /// to Naive2's, each the mean over the same set of series: OWA = ½ (sMAPE / sMAPE_Naive2 + MASE / MASE_Naive2).
        /// Below 1 beats Naive2.
        /// </summary>
        /// <param name="smape">The method's mean sMAPE over the series.</param>
        /// <param name="mase">The method's mean MASE over the series.</param>
        /// <param name="naive2Smape">Naive2's mean sMAPE over the same series.</param>
        /// <param name="naive2Mase">Naive2's mean MASE over the same series.</param>
        /// <returns>OWA.</returns>
        public static double Owa(double smape, double mase, double naive2Smape, double naive2Mase)
        {
            if (!(naive2Smape > 0) || !(naive2Mase > 0))
                throw new ArgumentException($"Naive2's sMAPE and MASE must be positive to scale by; they were {naive2Smape} and {naive2Mase}.");
            return 0.5 * (smape / naive2Smape + mase / naive2Mase);
        }

        private static List<(double A, double F)> Pairs(IReadOnlyList<double> actual, IReadOnlyList<double> forecast)
        {
            if (actual.Count != forecast.Count)
                throw new ArgumentException($"{actual.Count} actual values but {forecast.Count} forecasts.");
            if (actual.Count == 0)
                throw new ArgumentException("There are no values to compare.");
            var list = new List<(double, double)>(actual.Count);
            for (int i = 0; i < actual.Count; i++)
                list.Add((actual[i], forecast[i]));
            return list;
        }
    }
}
