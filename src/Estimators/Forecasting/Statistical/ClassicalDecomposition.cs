using System;

namespace MLNet.Sequence.Forecasting
{
    /// <summary>
    /// The M4 organisers' seasonal adjustment (their <c>Benchmarks and Evaluation.R</c>): a series is seasonal when the
    /// autocorrelation at lag m exceeds the 90% one-sided limit 1.645 √((1 + 2 Σ_{k&lt;m} r_k²) / n) and it holds at least
    /// three seasons; a seasonal series is divided by the seasonal indices of a classical multiplicative decomposition
    /// (centred moving average of order m, per-phase mean of y / trend, indices scaled to mean 1), and the forecast of the
    /// adjusted series is multiplied by the last season's indices, repeated.
    /// </summary>
    internal sealed class ClassicalDecomposition
    {
        private const double Tcrit = 1.645;

        private ClassicalDecomposition(double[] adjusted, double[] futureIndices)
        {
            Adjusted = adjusted;
            FutureIndices = futureIndices;
        }

        /// <summary>The series divided by its seasonal indices (the series itself when it is not seasonal).</summary>
        public double[] Adjusted { get; }

        /// <summary>The indices for the forecast steps (all 1 when the series is not seasonal).</summary>
        public double[] FutureIndices { get; }

        /// <summary>
        /// Adjusts <paramref name="y"/> for season <paramref name="m"/> when the test says it is seasonal. A multiplicative
        /// decomposition needs positive values (every M4 series has them): a series with a zero or a negative value is
        /// left unadjusted.
        /// </summary>
        public static ClassicalDecomposition Adjust(double[] y, int m, int horizon)
        {
            if (m > 1 && Array.TrueForAll(y, v => v > 0) && IsSeasonal(y, m))
            {
                var seasonal = MultiplicativeIndices(y, m);
                var adjusted = new double[y.Length];
                for (int t = 0; t < y.Length; t++)
                    adjusted[t] = y[t] / seasonal[t];
                var future = new double[horizon];
                for (int h = 0; h < horizon; h++)
                    future[h] = seasonal[y.Length - m + h % m];
                return new ClassicalDecomposition(adjusted, future);
            }
            var ones = new double[horizon];
            Array.Fill(ones, 1.0);
            return new ClassicalDecomposition((double[])y.Clone(), ones);
        }

        /// <summary>The 90% autocorrelation test at lag <paramref name="m"/> (false for fewer than 3m values).</summary>
        public static bool IsSeasonal(double[] y, int m)
        {
            int n = y.Length;
            if (m <= 1 || n < 3 * m)
                return false;
            // R's acf stops at floor(10 log10 n) lags, so M4's code calls every longer season "not seasonal" (taylor's
            // m = 48 on 4,000 half-hours would be). Here the lags reach m: the same answer wherever R's reached it (every
            // M4 Hourly series: n ≥ 700, 28 lags, m = 24), and a real test for long seasons.
            var r = Autocorrelations(y, m);
            double sum = 1;
            for (int k = 1; k < m; k++)
                sum += 2 * r[k] * r[k];
            double limit = Tcrit / Math.Sqrt(n) * Math.Sqrt(sum);
            return double.IsFinite(r[m]) && Math.Abs(r[m]) > limit;
        }

        /// <summary>r_k = Σ (y_t − ȳ)(y_{t+k} − ȳ) / Σ (y_t − ȳ)², k = 0..maxLag (R's acf).</summary>
        public static double[] Autocorrelations(double[] y, int maxLag)
        {
            int n = y.Length;
            double mean = 0;
            for (int t = 0; t < n; t++) mean += y[t];
            mean /= n;
            var r = new double[maxLag + 1];
            double c0 = 0;
            for (int t = 0; t < n; t++) c0 += (y[t] - mean) * (y[t] - mean);
            for (int k = 0; k <= maxLag; k++)
            {
                double c = 0;
                for (int t = 0; t + k < n; t++) c += (y[t] - mean) * (y[t + k] - mean);
                r[k] = c / c0;
            }
            return r;
        }

        /// <summary>
        /// The seasonal component of R's <c>decompose(type = "multiplicative")</c>, one value per step: trend = centred moving
        /// average (weights ½, 1, ..., 1, ½ over m + 1 steps for even m; m equal weights for odd m); per phase (position
        /// mod m, counted from the first value) the mean of y / trend where the trend exists; indices divided by their mean.
        /// </summary>
        public static double[] MultiplicativeIndices(double[] y, int m)
        {
            int n = y.Length;
            if (n < 2 * m)
                throw new ArgumentException($"A classical decomposition needs at least two seasons ({2 * m} values); the series has {n}.");
            int half = m / 2;
            var sum = new double[m];
            var count = new int[m];
            for (int t = half; t < n - half; t++)
            {
                double trend;
                if (m % 2 == 0)
                {
                    trend = 0.5 * (y[t - half] + y[t + half]);
                    for (int j = -half + 1; j < half; j++) trend += y[t + j];
                    trend /= m;
                }
                else
                {
                    trend = 0;
                    for (int j = -half; j <= half; j++) trend += y[t + j];
                    trend /= m;
                }
                sum[t % m] += y[t] / trend;
                count[t % m]++;
            }
            var figure = new double[m];
            double mean = 0;
            for (int i = 0; i < m; i++)
            {
                figure[i] = sum[i] / count[i];
                mean += figure[i] / m;
            }
            var seasonal = new double[n];
            for (int t = 0; t < n; t++)
                seasonal[t] = figure[t % m] / mean;
            return seasonal;
        }
    }
}
