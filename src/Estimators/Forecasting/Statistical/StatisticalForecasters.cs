using System;
using System.Linq;

namespace MLNet.Sequence.Forecasting
{
    /// <summary>
    /// Shared plumbing of the M4 statistical benchmarks: with a season length m &gt; 1 the series is seasonally adjusted
    /// first, the way the M4 organisers did it (a classical multiplicative decomposition, applied only when the 90%
    /// autocorrelation test at lag m says the series is seasonal), the adjusted series is forecast, and the forecast is
    /// multiplied by the last season's indices. Every series is fitted on its own at forecast time.
    /// </summary>
    public abstract class SeasonallyAdjustedForecaster : BaselineForecaster
    {
        private protected SeasonallyAdjustedForecaster(int seasonLength)
        {
            if (seasonLength < 1)
                throw new ArgumentOutOfRangeException(nameof(seasonLength), seasonLength, "The season length must be at least 1 (1 = no seasonal adjustment).");
            SeasonLength = seasonLength;
        }

        /// <summary>The season length m (1 = no seasonal adjustment).</summary>
        public int SeasonLength { get; }

        /// <summary>Where exponential smoothing starts α (the published M4 figures' forecast 8.2 by default; tests set 8.20's).</summary>
        internal double AlphaStart { get; init; } = ExponentialSmoothing.PublishedM4AlphaStart;

        private protected abstract int MinimumLength { get; }

        private protected override float[] Predict(float[] y, int horizon, string series)
        {
            if (y.Length < MinimumLength)
                throw new ArgumentException($"Series '{series}' has {y.Length} observations; {Name} needs at least {MinimumLength}.");
            var values = new double[y.Length];
            for (int t = 0; t < y.Length; t++)
            {
                if (!float.IsFinite(y[t]))
                    throw new ArgumentException($"Series '{series}' holds a NaN or infinite value at step {t}; {Name} needs finite values (fill or drop the gaps first).");
                values[t] = y[t];
            }
            var adjustment = ClassicalDecomposition.Adjust(values, SeasonLength, horizon);
            var f = ForecastAdjusted(adjustment.Adjusted, horizon);
            var result = new float[horizon];
            for (int h = 0; h < horizon; h++)
                result[h] = (float)(f[h] * adjustment.FutureIndices[h]);
            return result;
        }

        /// <summary>Forecasts the seasonally adjusted series.</summary>
        private protected abstract double[] ForecastAdjusted(double[] adjusted, int horizon);
    }

    /// <summary>
    /// Naive2 (M4's reference method, the denominator of OWA): the naive forecast of the seasonally adjusted series,
    /// reseasonalised; the plain naive forecast when the series is not seasonal or m = 1.
    /// </summary>
    public sealed class Naive2Forecaster : SeasonallyAdjustedForecaster
    {
        /// <summary>Creates Naive2.</summary>
        /// <param name="seasonLength">The season length m (1 = no seasonal adjustment; M4 used 24 for hourly, 12 monthly, 4 quarterly, 1 otherwise).</param>
        public Naive2Forecaster(int seasonLength) : base(seasonLength) { }

        /// <inheritdoc />
        public override string Name => "Naive2";

        private protected override int MinimumLength => 1;

        private protected override double[] ForecastAdjusted(double[] adjusted, int horizon) =>
            Enumerable.Repeat(adjusted[^1], horizon).ToArray();
    }

    /// <summary>
    /// Simple exponential smoothing, ETS(A,N,N), on the seasonally adjusted series (M4's "SES"): α and the initial level
    /// fitted by least squares on one-step errors (Nelder-Mead, as R's forecast::ses does); a flat forecast at the last level.
    /// </summary>
    public sealed class SimpleExponentialSmoothingForecaster : SeasonallyAdjustedForecaster
    {
        /// <summary>Creates the forecaster.</summary>
        /// <param name="seasonLength">The season length m for the seasonal adjustment (1 = none).</param>
        public SimpleExponentialSmoothingForecaster(int seasonLength = 1) : base(seasonLength) { }

        /// <inheritdoc />
        public override string Name => "SES";

        private protected override int MinimumLength => 2;

        private protected override double[] ForecastAdjusted(double[] adjusted, int horizon) =>
            ExponentialSmoothing.Fit(adjusted, SmoothingTrend.None, AlphaStart).Forecast(horizon);
    }

    /// <summary>
    /// Holt's linear trend method, ETS(A,A,N), or its damped form ETS(A,Ad,N) (Gardner and McKenzie, 1985), on the
    /// seasonally adjusted series (M4's "Holt" and "Damped"); parameters and initial states fitted as R's forecast::holt does.
    /// </summary>
    public sealed class HoltForecaster : SeasonallyAdjustedForecaster
    {
        /// <summary>Creates the forecaster.</summary>
        /// <param name="seasonLength">The season length m for the seasonal adjustment (1 = none).</param>
        /// <param name="damped">Damp the trend (φ in [0.8, 0.98]), which M4 found far safer on long horizons.</param>
        public HoltForecaster(int seasonLength = 1, bool damped = false) : base(seasonLength)
        {
            Damped = damped;
        }

        /// <summary>Whether the trend is damped.</summary>
        public bool Damped { get; }

        /// <inheritdoc />
        public override string Name => Damped ? "Damped" : "Holt";

        private protected override int MinimumLength => 3;

        private protected override double[] ForecastAdjusted(double[] adjusted, int horizon) =>
            ExponentialSmoothing.Fit(adjusted, Damped ? SmoothingTrend.Damped : SmoothingTrend.Additive, AlphaStart).Forecast(horizon);
    }

    /// <summary>
    /// The Theta method (Assimakopoulos and Nikolopoulos, 2000) as the M4 organisers ran it: on the seasonally adjusted
    /// series, the mean of the least-squares line extrapolated (the θ = 0 line) and SES on the θ = 2 line (twice the
    /// series minus the fitted line); negative forecasts become 0.
    /// </summary>
    public sealed class ThetaForecaster : SeasonallyAdjustedForecaster
    {
        /// <summary>Creates the forecaster.</summary>
        /// <param name="seasonLength">The season length m for the seasonal adjustment (1 = none).</param>
        public ThetaForecaster(int seasonLength = 1) : base(seasonLength) { }

        /// <inheritdoc />
        public override string Name => "Theta";

        private protected override int MinimumLength => 3;

        private protected override double[] ForecastAdjusted(double[] adjusted, int horizon)
        {
            int n = adjusted.Length;
            // The θ = 0 line: least squares on t = 1..n.
            var (intercept, slope) = ExponentialSmoothing.LeastSquaresLine(adjusted, n);
            var thetaTwo = new double[n];
            for (int t = 0; t < n; t++)
                thetaTwo[t] = 2 * adjusted[t] - (intercept + slope * (t + 1));
            var ses = ExponentialSmoothing.Fit(thetaTwo, SmoothingTrend.None, AlphaStart).Forecast(horizon);
            var f = new double[horizon];
            for (int h = 0; h < horizon; h++)
                f[h] = Math.Max(0, 0.5 * ses[h] + 0.5 * (intercept + slope * (n + h + 1)));
            return f;
        }
    }

    /// <summary>
    /// M4's "Com" benchmark: the mean of SES, Holt and Damped on the seasonally adjusted series (Makridakis and Hibon's
    /// combination, which beat each of its members in M3).
    /// </summary>
    public sealed class SesHoltDampedCombinationForecaster : SeasonallyAdjustedForecaster
    {
        /// <summary>Creates the forecaster.</summary>
        /// <param name="seasonLength">The season length m for the seasonal adjustment (1 = none).</param>
        public SesHoltDampedCombinationForecaster(int seasonLength = 1) : base(seasonLength) { }

        /// <inheritdoc />
        public override string Name => "Com";

        private protected override int MinimumLength => 3;

        private protected override double[] ForecastAdjusted(double[] adjusted, int horizon)
        {
            var ses = ExponentialSmoothing.Fit(adjusted, SmoothingTrend.None, AlphaStart).Forecast(horizon);
            var holt = ExponentialSmoothing.Fit(adjusted, SmoothingTrend.Additive, AlphaStart).Forecast(horizon);
            var damped = ExponentialSmoothing.Fit(adjusted, SmoothingTrend.Damped, AlphaStart).Forecast(horizon);
            return Enumerable.Range(0, horizon).Select(h => (ses[h] + holt[h] + damped[h]) / 3).ToArray();
        }
    }
}
