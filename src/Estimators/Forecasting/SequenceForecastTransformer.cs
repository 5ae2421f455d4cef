using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms;
using MLNet.Sequence.Transforms.Internal;
using MLNet.Sequence.Transforms.Persistence;

namespace MLNet.Sequence.Forecasting
{
    /// <summary>
    /// A trained sequence forecaster. <see cref="Forecast(SeriesFrame, int)"/> forecasts one in-memory series;
    /// <see cref="Transform"/> forecasts every series of an IDataView (one output row per series, from its last
    /// <c>WindowLength</c> rows); <see cref="CreateEngine"/> keeps the latest observations of many series and forecasts
    /// as new ones arrive, without retraining. Forecasts come back in original units. Dispose it when done.
    /// </summary>
    public sealed class SequenceForecastTransformer : ITransformer, IForecaster, IDisposable, ISequencePersistable
    {
        private readonly ForecastConfig _c;
        private readonly SequencePredictionTransformer _model;
        private readonly TimeFeatureSpec? _timeFeatures;

        internal SequenceForecastTransformer(ForecastConfig config, SequencePredictionTransformer model)
        {
            _c = config;
            _model = model;
            _timeFeatures = config.TimeFeatures != null ? TimeFeatureSpec.FromStored(config.TimeFeatures) : null;
        }

        /// <inheritdoc />
        public string Name => _c.Name;
        /// <summary>Past window length L.</summary>
        public int WindowLength => _c.WindowLength;
        /// <summary>The horizon H the model was built for (a recursive model can forecast further).</summary>
        public int Horizon => _c.Horizon;
        /// <summary>The quantile levels, or null for point forecasts.</summary>
        public IReadOnlyList<float>? Quantiles => _c.Quantiles;
        /// <summary>The value columns.</summary>
        public IReadOnlyList<string> ValueColumns => _c.ValueColumns;
        /// <summary>The user's known-future covariates (time features are generated).</summary>
        public IReadOnlyList<string> FutureCovariateColumns => _c.FutureCovariateColumns;
        /// <summary>Per-epoch training figures.</summary>
        public TrainingHistory? TrainingHistory => _model.TrainingHistory;
        /// <summary>The network.</summary>
        public SequencePredictionTransformer Model => _model;

        internal ForecastConfig Config => _c;

        /// <summary>False: one output row per series.</summary>
        public bool IsRowToRowMapper => false;

        internal static IEnumerable<(string Name, DataViewType Type)> OutputColumns(ForecastConfig c)
        {
            int h = c.Horizon, v = c.ValueColumns.Length;
            yield return ("Series", TextDataViewType.Instance);
            yield return ("Forecast", new VectorDataViewType(NumberDataViewType.Single, h, v));
            if (c.Quantiles is { Length: > 0 } q)
            {
                yield return ("ForecastLower", new VectorDataViewType(NumberDataViewType.Single, h, v));
                yield return ("ForecastUpper", new VectorDataViewType(NumberDataViewType.Single, h, v));
                yield return ("ForecastQuantiles", new VectorDataViewType(NumberDataViewType.Single, h, v, q.Length));
            }
        }

        /// <inheritdoc />
        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
        {
            ArgumentNullException.ThrowIfNull(inputSchema);
            CheckInput(inputSchema);
            var b = new DataViewSchema.Builder();
            foreach (var (name, type) in OutputColumns(_c))
                b.AddColumn(name, type);
            return b.ToSchema();
        }

        private void CheckInput(DataViewSchema schema)
        {
            foreach (var n in _c.ValueColumns.Concat(_c.PastCovariateColumns))
                TimeSeriesWindowTransformer.CheckNumeric(ColumnChecks.Find(schema, n, "ValueColumns", TimeSeriesWindowTransformer.NumericExpected), "ValueColumns");
            if (_c.FutureCovariateColumns.Length > 0)
                throw new InvalidOperationException(
                    $"This forecaster needs future covariates ({string.Join(", ", _c.FutureCovariateColumns)}) over the horizon, which rows of history cannot carry. Use Forecast(SeriesFrame, horizon) with the covariates extending past the last value, or CreateEngine().");
        }

        /// <summary>
        /// Forecasts every series in <paramref name="input"/> from its last <see cref="WindowLength"/> rows. Lazy and
        /// streaming: each cursor reads the input once, keeping one series' last rows at a time.
        /// </summary>
        /// <param name="input">Rows of one or more series, in time order, series contiguous.</param>
        /// <returns>One row per series: Series, Forecast [H, values], and with quantiles ForecastLower, ForecastUpper, ForecastQuantiles.</returns>
        public IDataView Transform(IDataView input)
        {
            ArgumentNullException.ThrowIfNull(input);
            CheckInput(input.Schema);
            var schema = GetOutputSchema(input.Schema);
            return new ForecastDataView(schema, () => SeriesFrames.Tails(input, _c.ValueColumns, _c.TimeColumnName, _c.SeriesColumnName, _c.PastCovariateColumns, _c.WindowLength)
                .Select(f => Forecast(f, _c.Horizon)));
        }

        /// <summary>Not supported: a forecaster reads many rows per output row.</summary>
        /// <param name="inputSchema">Unused.</param>
        /// <returns>Never returns.</returns>
        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
            throw new NotSupportedException("A forecaster reads a window of rows per forecast, so it has no row-to-row mapper; use Forecast, Transform or CreateEngine().");

        /// <summary>An engine that keeps each series' latest observations and forecasts on demand, without retraining.</summary>
        /// <returns>The engine (it shares this model; do not dispose the model while using it).</returns>
        public ForecastEngine CreateEngine() => new(this);

        /// <summary>Forecasts <paramref name="horizon"/> steps after the end of <paramref name="history"/>.</summary>
        /// <param name="history">At least <see cref="WindowLength"/> observations; future covariates must extend <paramref name="horizon"/> steps past them.</param>
        /// <param name="horizon">Steps ahead: at most <see cref="Horizon"/> for the direct strategy.</param>
        /// <returns>The forecast, in original units.</returns>
        public Forecast Forecast(SeriesFrame history, int horizon)
        {
            ArgumentNullException.ThrowIfNull(history);
            int n = history.Length, L = _c.WindowLength;
            if (n < L)
                throw new ArgumentException($"Series '{history.Id}' has {n} observations; the forecaster reads windows of {L}.", nameof(history));
            if (history.Values.Count != _c.ValueColumns.Length || history.PastCovariates.Count != _c.PastCovariateColumns.Length || history.FutureCovariates.Count != _c.FutureCovariateColumns.Length)
                throw new ArgumentException($"Series '{history.Id}' has {history.Values.Count} value, {history.PastCovariates.Count} past and {history.FutureCovariates.Count} future covariate columns; the forecaster was trained on {_c.ValueColumns.Length}, {_c.PastCovariateColumns.Length} and {_c.FutureCovariateColumns.Length}.", nameof(history));
            var window = new List<float[]>(L);
            for (int t = n - L; t < n; t++)
                window.Add(history.Values.Select(v => v[t]).Concat(history.PastCovariates.Select(c => c[t])).ToArray());
            var futureUser = history.FutureCovariates.Select(c =>
            {
                if (c.Length < n + horizon)
                    throw new ArgumentException($"Series '{history.Id}': future covariates must extend {horizon} steps past the {n} observations (to {n + horizon}); one has {c.Length}.", nameof(history));
                return c.AsSpan(n, horizon).ToArray();
            }).ToArray();
            return ForecastFromWindow(history.Id, window, n > 0 ? history.TimeAt(n - 1) : double.NaN, history.Times != null, history.Times != null || history.NumericTimes != null, futureUser, horizon);
        }

        /// <summary>The core: <paramref name="window"/> holds the last L steps (values, then past covariates), oldest first.</summary>
        internal Forecast ForecastFromWindow(string id, List<float[]> window, double lastTime, bool isDate, bool hasTime, float[][] futureUser, int horizon)
        {
            if (horizon <= 0)
                throw new ArgumentOutOfRangeException(nameof(horizon), horizon, "The horizon must be positive.");
            if (_c.Strategy == ForecastStrategy.Direct && horizon > _c.Horizon)
                throw new ArgumentOutOfRangeException(nameof(horizon), horizon, $"This direct forecaster was trained for {_c.Horizon} steps; it cannot forecast {horizon}.");
            var step = _c.Step;
            if (_timeFeatures != null && (!hasTime || step == null))
                throw new ArgumentException("This forecaster uses time features, so the history needs times and the forecaster a TimeStep.");
            // The times of the forecast steps.
            var futureTimes = new double[horizon];
            for (int h = 0; h < horizon; h++)
                futureTimes[h] = step == null || !hasTime ? double.NaN : Advance(step, lastTime, h + 1, isDate);
            int V = _c.ValueColumns.Length, Q = _c.Quantiles?.Length ?? 0, Hm = _c.TrainedHorizon;
            var point = Enumerable.Range(0, V).Select(_ => new float[horizon]).ToArray();
            float[][][]? quantiles = Q > 0 ? Enumerable.Range(0, V).Select(_ => Enumerable.Range(0, Q).Select(_ => new float[horizon]).ToArray()).ToArray() : null;
            var steps = new List<float[]>(window);
            for (int start = 0; start < horizon; start += Hm)
            {
                var raw = RunNetwork(steps, futureUser, futureTimes, start);
                int take = Math.Min(Hm, horizon - start);
                for (int h = 0; h < take; h++)
                {
                    for (int v = 0; v < V; v++)
                    {
                        if (Q > 0)
                        {
                            for (int q = 0; q < Q; q++)
                                quantiles![v][q][start + h] = raw[(h * V + v) * Q + q];
                            point[v][start + h] = Median(raw, (h * V + v) * Q, _c.Quantiles!);
                        }
                        else
                            point[v][start + h] = raw[h * V + v];
                    }
                    if (_c.Strategy == ForecastStrategy.Recursive)
                    {
                        steps.RemoveAt(0);
                        steps.Add(Enumerable.Range(0, V).Select(v => point[v][start + h]).ToArray());
                    }
                }
            }
            return new Forecast(id, point, _c.Quantiles, quantiles,
                hasTime && isDate && step != null ? futureTimes.Select(t => new DateTime((long)t)).ToArray() : null,
                hasTime && !isDate && step != null ? futureTimes : null);
        }

        private static float Median(float[] raw, int offset, float[] levels)
        {
            int best = 0;
            for (int q = 1; q < levels.Length; q++)
                if (Math.Abs(levels[q] - 0.5f) < Math.Abs(levels[best] - 0.5f)) best = q;
            return raw[offset + best];
        }

        internal static double Advance(TimeStep step, double time, int steps, bool isDate)
        {
            if (!isDate) return time + steps * step.Value;
            var d = new DateTime((long)time);
            return step.Kind == "months" ? d.AddMonths((int)step.Value * steps).Ticks : d.AddTicks((long)step.Value * steps).Ticks;
        }

        /// <summary>One network pass: the last L steps of <paramref name="steps"/>, scaled; returns [TrainedHorizon, V(, Q)] in original units.</summary>
        private float[] RunNetwork(List<float[]> steps, float[][] futureUser, double[] futureTimes, int offset)
        {
            int L = _c.WindowLength, F = steps[0].Length, V = _c.ValueColumns.Length, Hm = _c.TrainedHorizon;
            var f = _model.Features;
            var row = new SequenceRow(_model.Engine.Layout);
            var span = row.Values.AsSpan(0, L * F);
            for (int t = 0; t < L; t++)
                for (int j = 0; j < F; j++)
                {
                    float x = steps[steps.Count - L + t][j];
                    if (!float.IsFinite(x))
                        throw new ArgumentException($"The window ending at the forecast origin has a non-finite value ({x}) in column '{(j < V ? _c.ValueColumns[j] : _c.PastCovariateColumns[j - V])}', {L - t} steps back.");
                    span[t * F + j] = x;
                }
            var loc = new float[F];
            var scale = Enumerable.Repeat(1f, F).ToArray();
            if (_c.Scaling is ScalingMethod m)
            {
                for (int j = 0; j < F; j++)
                {
                    (loc[j], scale[j]) = ScaleStats.Compute(m, span, F, j, L);
                    for (int t = 0; t < L; t++)
                        span[t * F + j] = (span[t * F + j] - loc[j]) / scale[j];
                }
            }
            else if (f.FeatureMean != null)
            {
                for (int t = 0; t < L; t++)
                    for (int j = 0; j < F; j++)
                        span[t * F + j] = (span[t * F + j] - f.FeatureMean[j]) / f.FeatureScale![j];
            }
            Array.Fill(row.Mask, true, 0, L);
            row.Length = L;
            int K = _c.FutureCovariateColumns.Length + _c.TimeFeatureNames.Length;
            if (K > 0)
            {
                var features = new float[_c.TimeFeatureNames.Length];
                for (int h = 0; h < Hm; h++)
                {
                    int at = Math.Min(offset + h, futureTimes.Length - 1);
                    for (int k = 0; k < _c.FutureCovariateColumns.Length; k++)
                        row.Statics[h * K + k] = futureUser[k][at];
                    if (_timeFeatures != null)
                    {
                        _timeFeatures.Compute(futureTimes[at], features);
                        features.CopyTo(row.Statics, h * K + _c.FutureCovariateColumns.Length);
                    }
                }
            }
            var raw = _model.Engine.CreateScorer().Score(new[] { row }).AsSpan(0, _model.Engine.OutputsPerRow).ToArray();
            int Q = _c.Quantiles?.Length ?? 1;
            var l = _model.Label;
            for (int i = 0; i < raw.Length; i++)
            {
                int labelIndex = i / Q;           // index into the [H, V] label
                int v = labelIndex % V;
                float x = l.Mean != null ? raw[i] * l.Scale![labelIndex] + l.Mean[labelIndex] : raw[i];
                raw[i] = x * scale[v] + loc[v];
            }
            return raw;
        }

        /// <summary>Frees the network's native memory.</summary>
        public void Dispose() => _model.Dispose();

        void ICanSaveModel.Save(ModelSaveContext ctx) => throw SaveErrors.CannotSaveWithMlNet(nameof(SequenceForecastTransformer));

        string ISequencePersistable.PartKind => "SequenceForecaster";
        int ISequencePersistable.PartVersion => 1;

        void ISequencePersistable.SavePart(ModelPartWriter writer)
        {
            writer.WriteJson("config.json", _c);
            var inner = (ISequencePersistable)_model;
            writer.WriteJson("model-version.json", inner.PartVersion);
            inner.SavePart(writer.Sub("model/"));
        }

        internal static SequenceForecastTransformer Load(ModelPartReader reader)
        {
            reader.RequireVersion("SequenceForecaster", 1);
            var c = reader.ReadJson<ForecastConfig>("config.json");
            if (c.WindowLength <= 0 || c.Horizon <= 0 || c.ValueColumns.Length == 0)
                throw new InvalidDataException("The stored forecaster configuration is invalid (window, horizon or value columns).");
            int version = reader.ReadJson<int>("model-version.json");
            var model = SequencePredictionTransformer.Load(reader.Sub("model/", version));
            return new SequenceForecastTransformer(c, model);
        }

        /// <summary>The forecasts of Transform, one row per series.</summary>
        private sealed class ForecastDataView : IDataView
        {
            private readonly Func<IEnumerable<Forecast>> _forecasts;

            public ForecastDataView(DataViewSchema schema, Func<IEnumerable<Forecast>> forecasts)
            {
                Schema = schema;
                _forecasts = forecasts;
            }

            public bool CanShuffle => false;
            public DataViewSchema Schema { get; }
            public long? GetRowCount() => null;
            public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this);
            public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => new[] { GetRowCursor(columnsNeeded, rand) };

            private sealed class Cursor : DataViewRowCursor
            {
                private readonly ForecastDataView _v;
                private readonly IEnumerator<Forecast> _e;
                private long _i = -1;
                private Forecast _current = null!;

                public Cursor(ForecastDataView v)
                {
                    _v = v;
                    _e = v._forecasts().GetEnumerator();
                }

                public override DataViewSchema Schema => _v.Schema;
                public override long Position => _i;
                public override long Batch => 0;
                public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_i, 0);
                public override bool IsColumnActive(DataViewSchema.Column column) => true;

                public override bool MoveNext()
                {
                    if (!_e.MoveNext())
                        return false;
                    _current = _e.Current;
                    _i++;
                    return true;
                }

                protected override void Dispose(bool disposing)
                {
                    if (disposing)
                        _e.Dispose();
                    base.Dispose(disposing);
                }

                public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
                {
                    Delegate g = column.Name switch
                    {
                        "Series" => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> d) => d = _current.SeriesId.AsMemory()),
                        "Forecast" => Vector(f => Interleave(f.Point)),
                        "ForecastLower" => Vector(f => Interleave(f.Quantiles!.Select(q => q[0]).ToArray())),
                        "ForecastUpper" => Vector(f => Interleave(f.Quantiles!.Select(q => q[^1]).ToArray())),
                        _ => Vector(f => QuantileLayout(f)),
                    };
                    return g as ValueGetter<TValue> ?? throw new InvalidOperationException($"Column '{column.Name}' holds {column.Type}; a getter of {typeof(TValue).Name} was asked for.");
                }

                private ValueGetter<VBuffer<float>> Vector(Func<Forecast, float[]> values) =>
                    (ref VBuffer<float> d) => Buffers.Write(ref d, values(_current));

                /// <summary>[H, V] row-major from one array per value column.</summary>
                private static float[] Interleave(IReadOnlyList<float[]> perValue)
                {
                    int h = perValue[0].Length, v = perValue.Count;
                    var r = new float[h * v];
                    for (int t = 0; t < h; t++)
                        for (int k = 0; k < v; k++)
                            r[t * v + k] = perValue[k][t];
                    return r;
                }

                private static float[] QuantileLayout(Forecast f)
                {
                    int h = f.Horizon, v = f.Point.Count, q = f.QuantileLevels!.Count;
                    var r = new float[h * v * q];
                    for (int t = 0; t < h; t++)
                        for (int k = 0; k < v; k++)
                            for (int j = 0; j < q; j++)
                                r[(t * v + k) * q + j] = f.Quantiles![k][j][t];
                    return r;
                }
            }
        }
    }

    /// <summary>
    /// Keeps the latest observations of each series and forecasts on demand with a trained forecaster, without
    /// retraining. Observations must arrive in time order per series; gaps are errors when the forecaster has a time step.
    /// </summary>
    public sealed class ForecastEngine
    {
        private readonly SequenceForecastTransformer _model;
        private readonly ForecastConfig _c;
        private readonly Dictionary<string, SeriesState> _series = new(StringComparer.Ordinal);

        private sealed class SeriesState
        {
            public readonly List<float[]> Steps = new();
            public double LastTime = double.NaN;
            public bool IsDate;
            public bool HasTime;
            public long Observed;
        }

        internal ForecastEngine(SequenceForecastTransformer model)
        {
            _model = model;
            _c = model.Config;
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
            if (s.Steps.Count > _c.WindowLength)
                s.Steps.RemoveAt(0);
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
            if (s.Steps.Count < _c.WindowLength)
                throw new InvalidOperationException($"Series '{seriesId}' has {s.Steps.Count} observations; the forecaster needs {_c.WindowLength}.");
            int h = horizon ?? _c.Horizon;
            var future = futureCovariates ?? Array.Empty<float[]>();
            if (future.Count != _c.FutureCovariateColumns.Length)
                throw new ArgumentException($"The forecaster needs {_c.FutureCovariateColumns.Length} future covariates ({string.Join(", ", _c.FutureCovariateColumns)}); {future.Count} were given.", nameof(futureCovariates));
            for (int k = 0; k < future.Count; k++)
                if (future[k].Length < h)
                    throw new ArgumentException($"Future covariate '{_c.FutureCovariateColumns[k]}' has {future[k].Length} values; the forecast needs one per step of the horizon ({h}).", nameof(futureCovariates));
            return _model.ForecastFromWindow(seriesId, s.Steps, s.LastTime, s.IsDate, s.HasTime, future.ToArray(), h);
        }
    }
}
