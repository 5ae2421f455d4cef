using System;
using System.Linq;
using MLNet.Sequence.Transforms;

namespace MLNet.Sequence.Forecasting
{
    /// <summary>Shared plumbing of the baselines: one point forecast per value column, no quantiles.</summary>
    public abstract class BaselineForecaster : IForecaster, IForecastingMethod
    {
        private protected BaselineForecaster() { }

        /// <inheritdoc />
        public abstract string Name { get; }

        /// <summary>Baselines learn nothing: returns this forecaster.</summary>
        /// <param name="training">Ignored.</param>
        /// <returns>This forecaster.</returns>
        public IForecaster Train(System.Collections.Generic.IReadOnlyList<SeriesFrame> training) => this;

        /// <inheritdoc />
        public Forecast Forecast(SeriesFrame history, int horizon)
        {
            ArgumentNullException.ThrowIfNull(history);
            if (horizon <= 0)
                throw new ArgumentOutOfRangeException(nameof(horizon), horizon, "The horizon must be positive.");
            var point = history.Values.Select(v => Predict(v, horizon, history.Id)).ToArray();
            float[]? levels = null;
            float[][][]? quantiles = null;
            if (IntervalCoverage is double coverage)
            {
                float lower = (float)((1 - coverage) / 2), upper = (float)(1 - (1 - coverage) / 2);
                levels = new[] { lower, 0.5f, upper };
                quantiles = history.Values.Select((v, i) =>
                {
                    var (lo, hi) = PredictInterval(v, point[i], coverage);
                    return new[] { lo, point[i], hi };
                }).ToArray();
            }
            return new Forecast(history.Id, point, levels, quantiles, FutureTimes(history, horizon), FutureNumericTimes(history, horizon));
        }

        /// <summary>Dates the forecast steps by continuing the history's last step (<see cref="TimeStep"/>: whole months when the history is monthly).</summary>
        internal static DateTime[]? FutureTimes(SeriesFrame history, int horizon)
        {
            var t = history.Times;
            if (t == null || TimeStep.InferFrom(t) is not { } step) return null;
            return Enumerable.Range(1, horizon).Select(h => new DateTime((long)step.Advance(t[^1].Ticks, h, isDateTime: true))).ToArray();
        }

        internal static double[]? FutureNumericTimes(SeriesFrame history, int horizon)
        {
            var t = history.NumericTimes;
            if (t == null || TimeStep.InferFrom(t) is not { } step) return null;
            return Enumerable.Range(1, horizon).Select(h => step.Advance(t[^1], h, isDateTime: false)).ToArray();
        }

        private protected abstract float[] Predict(float[] y, int horizon, string series);

        /// <summary>The central interval's nominal coverage when the baseline gives intervals (quantiles lower, 0.5, upper), else null.</summary>
        private protected virtual double? IntervalCoverage => null;

        /// <summary>The interval bounds for each step of <paramref name="point"/>; called only when <see cref="IntervalCoverage"/> is set.</summary>
        private protected virtual (float[] Lower, float[] Upper) PredictInterval(float[] y, float[] point, double coverage) =>
            throw new NotSupportedException($"{Name} gives no intervals.");

        /// <summary>The standard normal quantile function (Acklam's rational approximation, relative error below 1.2e-9).</summary>
        internal static double NormalQuantile(double p)
        {
            if (!(p > 0 && p < 1))
                throw new ArgumentOutOfRangeException(nameof(p), p, "The probability must be in (0, 1).");
            double[] a = { -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00 };
            double[] b = { -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01 };
            double[] c = { -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00 };
            double[] d = { 7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00 };
            const double low = 0.02425;
            if (p < low)
            {
                double q = Math.Sqrt(-2 * Math.Log(p));
                return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
            }
            if (p > 1 - low)
                return -NormalQuantile(1 - p);
            double r = p - 0.5, s = r * r;
            return (((((a[0] * s + a[1]) * s + a[2]) * s + a[3]) * s + a[4]) * s + a[5]) * r / (((((b[0] * s + b[1]) * s + b[2]) * s + b[3]) * s + b[4]) * s + 1);
        }
    }

    /// <summary>
    /// Naive: every future step equals the last observation. Optionally with random-walk prediction intervals
    /// ŷ ± z σ √h, σ² the mean squared one-step change of the history (as R's forecast::naive gives them, and as the M4
    /// organisers scored the Naive intervals).
    /// </summary>
    public sealed class NaiveForecaster : BaselineForecaster
    {
        private readonly double? _coverage;

        /// <summary>Creates the naive forecast without intervals.</summary>
        public NaiveForecaster() { }

        /// <summary>Creates the naive forecast with central intervals of the given coverage (quantiles (1 − c)/2, 0.5, (1 + c)/2).</summary>
        /// <param name="intervalCoverage">The intervals' nominal coverage, in (0, 1), e.g. 0.95.</param>
        public NaiveForecaster(double intervalCoverage)
        {
            if (!(intervalCoverage > 0 && intervalCoverage < 1))
                throw new ArgumentOutOfRangeException(nameof(intervalCoverage), intervalCoverage, "The interval coverage must be in (0, 1), e.g. 0.95.");
            _coverage = intervalCoverage;
        }

        /// <inheritdoc />
        public override string Name => "naive";

        /// <summary>The intervals' nominal coverage, or null without intervals.</summary>
        internal double? Coverage => _coverage;

        private protected override double? IntervalCoverage => _coverage;

        private protected override (float[] Lower, float[] Upper) PredictInterval(float[] y, float[] point, double coverage)
        {
            if (y.Length < 2)
                throw new ArgumentException($"The naive forecast's intervals need at least two observations; the series has {y.Length}.");
            double sum = 0;
            for (int t = 1; t < y.Length; t++)
                sum += ((double)y[t] - y[t - 1]) * ((double)y[t] - y[t - 1]);
            double sigma = Math.Sqrt(sum / (y.Length - 1));
            double z = NormalQuantile(1 - (1 - coverage) / 2);
            var lower = new float[point.Length];
            var upper = new float[point.Length];
            for (int h = 0; h < point.Length; h++)
            {
                double half = z * sigma * Math.Sqrt(h + 1);
                lower[h] = (float)(point[h] - half);
                upper[h] = (float)(point[h] + half);
            }
            return (lower, upper);
        }

        private protected override float[] Predict(float[] y, int horizon, string series)
        {
            if (y.Length == 0)
                throw new ArgumentException($"Series '{series}' is empty; the naive forecast needs one observation.");
            return Enumerable.Repeat(y[^1], horizon).ToArray();
        }
    }

    /// <summary>Seasonal naive: each future step equals the observation one season earlier (ŷ_{n+h} = y_{n+h−m·k}).</summary>
    public sealed class SeasonalNaiveForecaster : BaselineForecaster
    {
        /// <summary>Creates the baseline.</summary>
        /// <param name="seasonLength">The season length m (&gt; 1), e.g. 12 for monthly data with a yearly cycle.</param>
        public SeasonalNaiveForecaster(int seasonLength)
        {
            if (seasonLength <= 1)
                throw new ArgumentOutOfRangeException(nameof(seasonLength), seasonLength, $"The season length of a seasonal naive forecast must be greater than 1; it was {seasonLength} (use NaiveForecaster for 1).");
            SeasonLength = seasonLength;
        }

        /// <summary>The season length m.</summary>
        public int SeasonLength { get; }

        /// <inheritdoc />
        public override string Name => $"seasonal naive (m={SeasonLength})";

        private protected override float[] Predict(float[] y, int horizon, string series)
        {
            int m = SeasonLength;
            if (y.Length < m)
                throw new ArgumentException($"Series '{series}' has {y.Length} observations; the seasonal naive forecast needs at least one season ({m}).");
            var f = new float[horizon];
            for (int h = 0; h < horizon; h++)
                f[h] = y[y.Length - m + h % m];
            return f;
        }
    }

    /// <summary>Drift: the line through the first and last observations, extended (ŷ_{n+h} = y_n + h (y_n − y_1) / (n − 1)).</summary>
    public sealed class DriftForecaster : BaselineForecaster
    {
        /// <inheritdoc />
        public override string Name => "drift";

        private protected override float[] Predict(float[] y, int horizon, string series)
        {
            if (y.Length < 2)
                throw new ArgumentException($"Series '{series}' has {y.Length} observations; the drift forecast needs at least two.");
            double slope = (y[^1] - y[0]) / (double)(y.Length - 1);
            var f = new float[horizon];
            for (int h = 0; h < horizon; h++)
                f[h] = (float)(y[^1] + (h + 1) * slope);
            return f;
        }
    }
}
