using System;
using System.Collections.Generic;
using System.Linq;

namespace MLNet.Sequence.Forecasting
{
    /// <summary>A trained forecaster the engine can drive: its configuration and a forecast from the last observations.</summary>
    internal interface IHistoryForecaster
    {
        /// <summary>Columns, window (the steps the engine keeps), horizon, quantiles, time step.</summary>
        ForecastConfig Config { get; }

        /// <summary>Forecasts from <paramref name="tail"/> (at most the window's steps); <paramref name="futureUser"/> holds the user covariates over the horizon.</summary>
        Forecast ForecastCore(SeriesFrame tail, float[][] futureUser, int horizon);
    }

    /// <summary>
    /// Keeps the latest observations of each series and forecasts on demand with a trained forecaster, without
    /// retraining. Observations must arrive in time order per series; gaps are errors when the forecaster has a time step.
    /// </summary>
    public sealed class ForecastEngine
    {
        private readonly IHistoryForecaster _model;
        private readonly ForecastConfig _c;
        private readonly Dictionary<string, SeriesState> _series = new(StringComparer.Ordinal);

        private sealed class SeriesState
        {
            public readonly List<float[]> Steps = new();
            public readonly List<double> Times = new();
            public double LastTime = double.NaN;
            public bool IsDate;
            public bool HasTime;
            public long Observed;
        }

        private readonly int _horizon;

        internal ForecastEngine(IHistoryForecaster model, int? horizon = null)
        {
            _model = model;
            _c = model.Config;
            _horizon = horizon ?? _c.Horizon;
        }

        /// <summary>
        /// An engine for any trained forecaster of one value column: a trained ensemble or auto forecaster, the M4
        /// methods, the baselines. It keeps each series' last <paramref name="historyLength"/> observations (the
        /// statistical methods refit on them at every forecast, so keep what they should see) and forecasts from them
        /// without retraining. A sequence forecaster or DeepAR model brings its own engine (<c>CreateEngine()</c>), which
        /// keeps exactly the steps it reads; given one, this returns that engine (<paramref name="historyLength"/> unused)
        /// with <paramref name="horizon"/> as its default.
        /// </summary>
        /// <param name="forecaster">The trained forecaster.</param>
        /// <param name="horizon">The default horizon of <see cref="Forecast"/>.</param>
        /// <param name="historyLength">Observations kept per series (at least 1). Default 1000.</param>
        /// <returns>The engine.</returns>
        public static ForecastEngine Create(IForecaster forecaster, int horizon, int historyLength = 1000)
        {
            ArgumentNullException.ThrowIfNull(forecaster);
            if (horizon <= 0)
                throw new ArgumentOutOfRangeException(nameof(horizon), horizon, $"The horizon must be positive; it was {horizon}.");
            if (historyLength <= 0)
                throw new ArgumentOutOfRangeException(nameof(historyLength), historyLength, $"The history length must be positive; it was {historyLength}.");
            if (forecaster is IHistoryForecaster own)
                return new ForecastEngine(own, horizon);
            return new ForecastEngine(new AnyForecaster(forecaster, horizon, historyLength));
        }

        /// <summary>Any <see cref="IForecaster"/> behind the engine's interface: one value column, the kept steps as its history.</summary>
        private sealed class AnyForecaster : IHistoryForecaster
        {
            private readonly IForecaster _f;

            public AnyForecaster(IForecaster f, int horizon, int historyLength)
            {
                _f = f;
                Config = new ForecastConfig { Name = f.Name, ValueColumns = new[] { "Value" }, WindowLength = historyLength, MinimumHistory = 1, Horizon = horizon, TrainedHorizon = horizon };
            }

            public ForecastConfig Config { get; }

            public Forecast ForecastCore(SeriesFrame tail, float[][] futureUser, int horizon) => _f.Forecast(tail, horizon);
        }

        /// <summary>The series the engine holds.</summary>
        public IReadOnlyCollection<string> Series => _series.Keys;

        /// <summary>Adds one observation of series <paramref name="seriesId"/> at DateTime <paramref name="time"/>.</summary>
        /// <param name="seriesId">The series key.</param>
        /// <param name="time">The time of the observation.</param>
        /// <param name="values">One value per value column.</param>
        /// <param name="pastCovariates">One value per past covariate (when the forecaster uses them).</param>
        public void Observe(string seriesId, DateTime time, float[] values, float[]? pastCovariates = null) => Add(seriesId, time.Ticks, true, true, values, pastCovariates);

        /// <summary>Adds one observation of series <paramref name="seriesId"/> at numeric time <paramref name="time"/>.</summary>
        /// <param name="seriesId">The series key.</param>
        /// <param name="time">The time of the observation.</param>
        /// <param name="values">One value per value column.</param>
        /// <param name="pastCovariates">One value per past covariate.</param>
        public void Observe(string seriesId, double time, float[] values, float[]? pastCovariates = null) => Add(seriesId, time, false, true, values, pastCovariates);

        /// <summary>Adds every observation of <paramref name="frame"/>.</summary>
        /// <param name="frame">Observations in time order.</param>
        public void Observe(SeriesFrame frame)
        {
            ArgumentNullException.ThrowIfNull(frame);
            for (int t = 0; t < frame.Length; t++)
                Add(frame.Id, frame.TimeAt(t), frame.Times != null, frame.Times != null || frame.NumericTimes != null,
                    frame.Values.Select(v => v[t]).ToArray(), frame.PastCovariates.Count > 0 ? frame.PastCovariates.Select(c => c[t]).ToArray() : null);
        }

        private void Add(string id, double time, bool isDate, bool hasTime, float[] values, float[]? past)
        {
            ArgumentNullException.ThrowIfNull(id);
            ArgumentNullException.ThrowIfNull(values);
            if (values.Length != _c.ValueColumns.Length)
                throw new ArgumentException($"Series '{id}': {values.Length} values; the forecaster takes {_c.ValueColumns.Length} ({string.Join(", ", _c.ValueColumns)}).", nameof(values));
            int p = past?.Length ?? 0;
            if (p != _c.PastCovariateColumns.Length)
                throw new ArgumentException($"Series '{id}': {p} past covariates; the forecaster takes {_c.PastCovariateColumns.Length}.", nameof(past));
            if (values.Concat(past ?? Array.Empty<float>()).Any(x => !float.IsFinite(x)))
                throw new ArgumentException($"Series '{id}' at time {Format(time, isDate)}: a value or covariate is NaN or infinite.", nameof(values));
            if (!_series.TryGetValue(id, out var s))
                _series[id] = s = new SeriesState { IsDate = isDate, HasTime = hasTime };
            if (s.HasTime && !double.IsNaN(s.LastTime))
            {
                if (time <= s.LastTime)
                    throw new ArgumentException($"Series '{id}': observation at {Format(time, isDate)} is not after the previous one at {Format(s.LastTime, isDate)}.");
                var step = _c.Step;
                if (step != null && !step.Follows(s.LastTime, time, isDate))
                    throw new ArgumentException($"Series '{id}': gap between {Format(s.LastTime, isDate)} and {Format(time, isDate)}; the time step is {step}.");
            }
            s.Steps.Add(values.Concat(past ?? Array.Empty<float>()).ToArray());
            s.Times.Add(time);
            if (s.Steps.Count > _c.WindowLength)
            {
                s.Steps.RemoveAt(0);
                s.Times.RemoveAt(0);
            }
            s.LastTime = time;
            s.Observed++;
        }

        private static string Format(double t, bool isDate) => isDate ? new DateTime((long)t).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) : t.ToString(System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>Forecasts series <paramref name="seriesId"/> from its latest observations.</summary>
        /// <param name="seriesId">The series key.</param>
        /// <param name="horizon">Steps ahead; default the forecaster's horizon.</param>
        /// <param name="futureCovariates">Per future covariate of the forecaster, its values over the horizon.</param>
        /// <returns>The forecast in original units.</returns>
        public Forecast Forecast(string seriesId, int? horizon = null, IReadOnlyList<float[]>? futureCovariates = null)
        {
            if (!_series.TryGetValue(seriesId, out var s))
                throw new ArgumentException($"The engine has no observation of series '{seriesId}'.", nameof(seriesId));
            if (s.Steps.Count < _c.RequiredHistory)
                throw new InvalidOperationException($"Series '{seriesId}' has {s.Steps.Count} observations; the forecaster needs {_c.RequiredHistory}.");
            int h = horizon ?? _horizon;
            var future = futureCovariates ?? Array.Empty<float[]>();
            if (future.Count != _c.FutureCovariateColumns.Length)
                throw new ArgumentException($"The forecaster needs {_c.FutureCovariateColumns.Length} future covariates ({string.Join(", ", _c.FutureCovariateColumns)}); {future.Count} were given.", nameof(futureCovariates));
            for (int k = 0; k < future.Count; k++)
                if (future[k].Length < h)
                    throw new ArgumentException($"Future covariate '{_c.FutureCovariateColumns[k]}' has {future[k].Length} values; the forecast needs one per step of the horizon ({h}).", nameof(futureCovariates));
            return _model.ForecastCore(Window(seriesId, s), future.Select(f => f.AsSpan(0, h).ToArray()).ToArray(), h);
        }

        /// <summary>The series' last observations as the forecaster's input frame.</summary>
        private SeriesFrame Window(string id, SeriesState s)
        {
            int V = _c.ValueColumns.Length, P = _c.PastCovariateColumns.Length;
            var values = Enumerable.Range(0, V).Select(v => s.Steps.Select(x => x[v]).ToArray()).ToArray();
            var past = Enumerable.Range(0, P).Select(p => s.Steps.Select(x => x[V + p]).ToArray()).ToArray();
            return new SeriesFrame(id, values,
                s.HasTime && s.IsDate ? s.Times.Select(t => new DateTime((long)t)).ToArray() : null,
                s.HasTime && !s.IsDate ? s.Times.ToArray() : null, past);
        }
    }
}
