using System;

namespace MLNet.Sequence.Forecasting
{
    /// <summary>The trend of an exponential smoothing model.</summary>
    internal enum SmoothingTrend
    {
        /// <summary>Simple exponential smoothing, ETS(A,N,N).</summary>
        None,
        /// <summary>Holt's linear trend, ETS(A,A,N).</summary>
        Additive,
        /// <summary>Damped trend, ETS(A,Ad,N).</summary>
        Damped,
    }

    /// <summary>
    /// Non-seasonal exponential smoothing with additive errors, fitted as the forecast package's <c>ses</c>/<c>holt</c>
    /// (Hyndman et al., Forecasting with Exponential Smoothing, 2008) fit it: smoothing parameters and initial states
    /// estimated together by minimising the in-sample mean squared one-step error with Nelder-Mead, under the usual bounds
    /// 10⁻⁴ ≤ β ≤ α ≤ 0.9999 and 0.8 ≤ φ ≤ 0.98 (out-of-bounds points score +∞); starting values α = 10⁻⁴ + a · 0.9998
    /// (a = 0.5 as in forecast 8.2, which the M4 organisers used, or 0.2 as from 8.3 on), β = 10⁻⁴ + 0.1 (α − 10⁻⁴),
    /// φ = 0.8 + 0.99 · 0.18; the initial level (and trend) from the first ten values (their mean, or the least-squares
    /// line through them: its value at time 0 and its slope). With a = 0.2 the forecasts on the M4 Hourly and Weekly
    /// series equal R forecast 8.20's (tests/.../Fixtures/m4); with a = 0.5 the means equal the published figures.
    /// </summary>
    internal sealed class ExponentialSmoothing
    {
        private const double Lower = 1e-4, Upper = 0.9999, PhiLower = 0.8, PhiUpper = 0.98;

        private ExponentialSmoothing(SmoothingTrend trend, double alpha, double beta, double phi, double level, double slope, double mse)
        {
            Trend = trend;
            Alpha = alpha;
            Beta = beta;
            Phi = phi;
            Level = level;
            Slope = slope;
            Mse = mse;
        }

        public SmoothingTrend Trend { get; }
        public double Alpha { get; }
        public double Beta { get; }
        public double Phi { get; }
        /// <summary>The level after the last observation.</summary>
        public double Level { get; }
        /// <summary>The trend after the last observation (0 without trend).</summary>
        public double Slope { get; }
        /// <summary>The in-sample mean squared one-step error.</summary>
        public double Mse { get; }

        /// <summary>
        /// α's starting point as a share of its range: 0.5 in forecast 8.2, with which the M4 organisers computed their
        /// published benchmarks (reproduced to the published three decimals with it); 0.2 from forecast 8.3 on.
        /// </summary>
        public const double PublishedM4AlphaStart = 0.5, CurrentForecastAlphaStart = 0.2;

        /// <summary>Fits the model to <paramref name="y"/>, starting α at <paramref name="alphaStart"/> of its range.</summary>
        public static ExponentialSmoothing Fit(double[] y, SmoothingTrend trend, double alphaStart = PublishedM4AlphaStart)
        {
            if (y.Length < (trend == SmoothingTrend.None ? 1 : 2))
                throw new ArgumentException($"Exponential smoothing with {trend} trend needs at least {(trend == SmoothingTrend.None ? 1 : 2)} values; the series has {y.Length}.");
            // ets divides α's start by the season length only for seasonal models; these are not.
            double alpha0 = Lower + alphaStart * (Upper - Lower);
            int first = Math.Min(10, y.Length);
            double l0, b0 = 0;
            if (trend == SmoothingTrend.None)
            {
                l0 = 0;
                for (int t = 0; t < first; t++) l0 += y[t];
                l0 /= first;
            }
            else
            {
                // Least squares line through (1, y_1) ... (k, y_k): l0 is its value at time 0, b0 its slope.
                (l0, b0) = LeastSquaresLine(y, first);
                if (Math.Abs(l0 + b0) < 1e-8)
                {
                    l0 *= 1 + 1e-3;
                    b0 *= 1 - 1e-3;
                }
            }
            double[] start;
            switch (trend)
            {
                case SmoothingTrend.None:
                    start = new[] { alpha0, l0 };
                    break;
                case SmoothingTrend.Additive:
                {
                    double beta0 = Lower + 0.1 * (Math.Min(Upper, alpha0) - Lower);
                    if (beta0 < 0 || beta0 > alpha0) beta0 = alpha0 - 1e-3;
                    start = new[] { alpha0, beta0, l0, b0 };
                    break;
                }
                default:
                {
                    double beta0 = Lower + 0.1 * (Math.Min(Upper, alpha0) - Lower);
                    if (beta0 < 0 || beta0 > alpha0) beta0 = alpha0 - 1e-3;
                    double phi0 = PhiLower + 0.99 * (PhiUpper - PhiLower);
                    start = new[] { alpha0, beta0, phi0, l0, b0 };
                    break;
                }
            }
            var (x, _) = NelderMead.Minimise(p => Objective(y, trend, p), start);
            var (alpha, beta, phi, level, slope) = Unpack(trend, x);
            double mse = Run(y, trend, alpha, beta, phi, ref level, ref slope);
            return new ExponentialSmoothing(trend, alpha, beta, phi, level, slope, mse);
        }

        /// <summary>The least-squares line through (1, y_1) ... (count, y_count): its value at time 0 and its slope (0 for one point).</summary>
        public static (double Intercept, double Slope) LeastSquaresLine(double[] y, int count)
        {
            double mx = (count + 1) / 2.0, my = 0;
            for (int t = 0; t < count; t++) my += y[t];
            my /= count;
            double sxy = 0, sxx = 0;
            for (int t = 0; t < count; t++)
            {
                sxy += (t + 1 - mx) * (y[t] - my);
                sxx += (t + 1 - mx) * (t + 1 - mx);
            }
            double slope = sxx > 0 ? sxy / sxx : 0;
            return (my - slope * mx, slope);
        }

        /// <summary>The forecasts 1..<paramref name="horizon"/> steps after the last observation.</summary>
        public double[] Forecast(int horizon)
        {
            var f = new double[horizon];
            double damp = 0, phiPower = 1;
            for (int h = 0; h < horizon; h++)
            {
                switch (Trend)
                {
                    case SmoothingTrend.None: f[h] = Level; break;
                    case SmoothingTrend.Additive: f[h] = Level + (h + 1) * Slope; break;
                    default:
                        phiPower *= Phi;
                        damp += phiPower;
                        f[h] = Level + damp * Slope;
                        break;
                }
            }
            return f;
        }

        private static (double Alpha, double Beta, double Phi, double Level, double Slope) Unpack(SmoothingTrend trend, double[] p) => trend switch
        {
            SmoothingTrend.None => (p[0], 0, 1, p[1], 0),
            SmoothingTrend.Additive => (p[0], p[1], 1, p[2], p[3]),
            _ => (p[0], p[1], p[2], p[3], p[4]),
        };

        private static double Objective(double[] y, SmoothingTrend trend, double[] p)
        {
            var (alpha, beta, phi, level, slope) = Unpack(trend, p);
            if (alpha < Lower || alpha > Upper)
                return double.PositiveInfinity;
            if (trend != SmoothingTrend.None && (beta < Lower || beta > alpha || beta > Upper))
                return double.PositiveInfinity;
            if (trend == SmoothingTrend.Damped && (phi < PhiLower || phi > PhiUpper))
                return double.PositiveInfinity;
            return Run(y, trend, alpha, beta, phi, ref level, ref slope);
        }

        /// <summary>Runs the recursions from the initial states; returns the mean squared one-step error and leaves the final states.</summary>
        private static double Run(double[] y, SmoothingTrend trend, double alpha, double beta, double phi, ref double level, ref double slope)
        {
            double mse = 0;
            double damping = trend == SmoothingTrend.Damped ? phi : 1;
            for (int t = 0; t < y.Length; t++)
            {
                double forecast = trend == SmoothingTrend.None ? level : level + damping * slope;
                double e = y[t] - forecast;
                // Running mean, as ets accumulates it.
                mse = (mse * t + e * e) / (t + 1);
                double previous = level;
                level = forecast + alpha * e;
                if (trend != SmoothingTrend.None)
                    slope = damping * slope + beta / alpha * (level - previous - damping * slope);
            }
            return double.IsFinite(mse) ? mse : double.PositiveInfinity;
        }
    }
}
