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
            return new Forecast(history.Id, point, null, null, FutureTimes(history, horizon), FutureNumericTimes(history, horizon));
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
    }

    /// <summary>Naive: every future step equals the last observation.</summary>
    public sealed class NaiveForecaster : BaselineForecaster
    {
        /// <inheritdoc />
        public override string Name => "naive";

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
