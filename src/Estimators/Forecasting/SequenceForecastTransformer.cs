using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.Persistence;
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
    /// <remarks>
    /// A forecast runs the same fitted transformers that made the training rows (<see cref="ForecastPreparation"/>): the
    /// windows transformer forms the window at the forecast origin, the window scaler scales it, the time-features
    /// transformer computes the forecast steps' features, the network scores it, and the inverse scaler maps the result
    /// back. Nothing of the preparation is written a second time for forecasting.
    /// </remarks>
    public sealed class SequenceForecastTransformer : ITransformer, IForecaster, IDisposable, ISequencePersistable, IHistoryForecaster
    {
        private readonly ForecastConfig _c;
        private readonly ForecastPreparation _prep;
        private readonly SequencePredictionTransformer _model;

        internal SequenceForecastTransformer(ForecastConfig config, ForecastPreparation preparation, SequencePredictionTransformer model)
        {
            _c = config;
            _prep = preparation;
            _model = model;
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

        /// <summary>Time features, windows and window scaling: what turns series rows into the network's input.</summary>
        internal ForecastPreparation Preparation => _prep;

        ForecastConfig IHistoryForecaster.Config => _c;

        Forecast IHistoryForecaster.ForecastCore(SeriesFrame tail, float[][] futureUser, int horizon) => ForecastCore(tail, futureUser, horizon);

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
            var futureUser = history.FutureCovariates.Select(c =>
            {
                if (c.Length < n + horizon)
                    throw new ArgumentException($"Series '{history.Id}': future covariates must extend {horizon} steps past the {n} observations (to {n + horizon}); one has {c.Length}.", nameof(history));
                return c.AsSpan(n, horizon).ToArray();
            }).ToArray();
            return ForecastCore(Tail(history, L), futureUser, horizon);
        }

        /// <summary>The last <paramref name="length"/> observations (values, past covariates, times), without future covariates.</summary>
        internal static SeriesFrame Tail(SeriesFrame s, int length)
        {
            int from = s.Length - length;
            return new SeriesFrame(s.Id, s.Values.Select(v => v.AsSpan(from, length).ToArray()).ToArray(),
                s.Times?.Skip(from).ToArray(), s.NumericTimes?.Skip(from).ToArray(),
                s.PastCovariates.Select(c => c.AsSpan(from, length).ToArray()).ToArray());
        }

        /// <summary>The core: <paramref name="tail"/> holds exactly the last L observations; <paramref name="futureUser"/> the user covariates over the horizon.</summary>
        internal Forecast ForecastCore(SeriesFrame tail, float[][] futureUser, int horizon)
        {
            if (horizon <= 0)
                throw new ArgumentOutOfRangeException(nameof(horizon), horizon, "The horizon must be positive.");
            if (_c.Strategy == ForecastStrategy.Direct && horizon > _c.Horizon)
                throw new ArgumentOutOfRangeException(nameof(horizon), horizon, $"This direct forecaster was trained for {_c.Horizon} steps; it cannot forecast {horizon}.");
            bool isDate = tail.Times != null, hasTime = isDate || tail.NumericTimes != null;
            if (_prep.TimeFeatures != null && (!hasTime || _c.Step == null))
                throw new ArgumentException("This forecaster uses time features, so the history needs times and the forecaster a TimeStep.");
            var (step, futureTimes) = StepsAfter(tail, _c.Step, horizon);
            int V = _c.ValueColumns.Length, Q = _c.Quantiles?.Length ?? 0, Hm = _c.TrainedHorizon;
            var point = Enumerable.Range(0, V).Select(_ => new float[horizon]).ToArray();
            float[][][]? quantiles = Q > 0 ? Enumerable.Range(0, V).Select(_ => Enumerable.Range(0, Q).Select(_ => new float[horizon]).ToArray()).ToArray() : null;
            var window = tail;
            for (int start = 0; start < horizon; start += Hm)
            {
                var raw = RunOnce(window, futureUser, futureTimes, start);
                int take = Math.Min(Hm, horizon - start);
                for (int h = 0; h < take; h++)
                    for (int v = 0; v < V; v++)
                    {
                        if (Q > 0)
                        {
                            for (int q = 0; q < Q; q++)
                                quantiles![v][q][start + h] = raw[(h * V + v) * Q + q];
                            point[v][start + h] = raw[(h * V + v) * Q + MedianIndex(_c.Quantiles!)];
                        }
                        else
                            point[v][start + h] = raw[h * V + v];
                    }
                if (_c.QuantileOffsets is { } offsets)
                    Calibrate(quantiles!, offsets, window, start, take);
                if (_c.Strategy == ForecastStrategy.Recursive && start + Hm < horizon)
                    window = Advanced(window, point, start, take, futureTimes, step != null);
            }
            var (times, numeric) = FutureTimes(tail, _c.Step, horizon);
            return new Forecast(tail.Id, point, _c.Quantiles, quantiles, times, numeric);
        }

        /// <summary>
        /// The times of the <paramref name="horizon"/> steps after <paramref name="tail"/>: dated with the forecaster's time
        /// step, or the history's own step when it has none (NaN when the history has no times).
        /// </summary>
        private static (TimeStep? Step, double[] Times) StepsAfter(SeriesFrame tail, TimeStep? configured, int horizon)
        {
            bool isDate = tail.Times != null, hasTime = isDate || tail.NumericTimes != null;
            var step = !hasTime ? null : configured ?? (isDate ? TimeStep.InferFrom(tail.Times!) : TimeStep.InferFrom(tail.NumericTimes!));
            double last = hasTime ? tail.TimeAt(tail.Length - 1) : double.NaN;
            return (step, Enumerable.Range(1, horizon).Select(h => step == null ? double.NaN : step.Advance(last, h, isDate)).ToArray());
        }

        /// <summary>The forecast steps' dates or numeric times (see <see cref="StepsAfter"/>); both null when they cannot be known.</summary>
        internal static (DateTime[]? Times, double[]? NumericTimes) FutureTimes(SeriesFrame tail, TimeStep? configured, int horizon)
        {
            var (step, times) = StepsAfter(tail, configured, horizon);
            if (step == null)
                return (null, null);
            return tail.Times != null ? (times.Select(t => new DateTime((long)t)).ToArray(), null) : (null, times);
        }

        /// <summary>One pass of the network at the origin of <paramref name="window"/>: the outputs [TrainedHorizon, V(, Q)] in original units.</summary>
        private float[] RunOnce(SeriesFrame window, float[][] futureUser, double[] futureTimes, int offset)
        {
            var history = SeriesFrames.ToDataView(new[] { window }, _c.ValueColumns, _c.PastCovariateColumns, null,
                _c.TimeColumnName ?? "Time", _c.SeriesColumnName ?? "Series");
            int K = _c.AllFutureColumns.Length;
            Func<long, float[]>? statics = null;
            if (K > 0)
            {
                var values = FutureCovariates(futureUser, futureTimes, offset);
                statics = _ => values;
            }
            var scored = _prep.Restore(_model.Transform(_prep.AtOrigin(history, window.Times != null || window.NumericTimes != null, statics)));
            return ReadSingleVector(scored, _prep.RestoredColumn);
        }

        /// <summary>The [TrainedHorizon, K] known-future inputs of one pass: the user's covariates, then the time features of each step's time.</summary>
        private float[] FutureCovariates(float[][] futureUser, double[] futureTimes, int offset)
        {
            int Hm = _c.TrainedHorizon, U = _c.FutureCovariateColumns.Length, K = U + _c.TimeFeatureNames.Length;
            var values = new float[Hm * K];
            for (int h = 0; h < Hm; h++)
            {
                int at = Math.Min(offset + h, futureTimes.Length - 1);   // past the requested horizon, the last step repeats (unused outputs)
                for (int k = 0; k < U; k++)
                    values[h * K + k] = futureUser[k][at];
                _prep.TimeFeatures?.Spec.Compute(futureTimes[at], values.AsSpan(h * K + U, K - U));
            }
            return values;
        }

        /// <summary>The window moved forward by the steps just forecast (recursive strategy), dated by the time step.</summary>
        private static SeriesFrame Advanced(SeriesFrame window, float[][] point, int start, int take, double[] futureTimes, bool dated)
        {
            int L = window.Length;
            var values = window.Values.Select((v, k) => v.Skip(take).Concat(point[k].Skip(start).Take(take)).ToArray()).ToArray();
            IReadOnlyList<DateTime>? times = null;
            IReadOnlyList<double>? numeric = null;
            if (dated && window.Times != null)
                times = window.Times.Skip(take).Concat(futureTimes.Skip(start).Take(take).Select(t => new DateTime((long)t))).ToArray();
            else if (dated && window.NumericTimes != null)
                numeric = window.NumericTimes.Skip(take).Concat(futureTimes.Skip(start).Take(take)).ToArray();
            return new SeriesFrame(window.Id, values, times, numeric);
        }

        private static float[] ReadSingleVector(IDataView data, string column)
        {
            var col = data.Schema[column];
            using var cursor = data.GetRowCursor(new[] { col });
            if (!cursor.MoveNext())
                throw new InvalidOperationException("The forecast produced no row: the history holds no complete window.");
            VBuffer<float> buffer = default;
            cursor.GetGetter<VBuffer<float>>(col)(ref buffer);
            return buffer.DenseValues().ToArray();
        }

        /// <summary>Applies the conformal offsets (<see cref="SequenceForecasterOptions.CalibrationSteps"/>) in units of the window's scale.</summary>
        private void Calibrate(float[][][] quantiles, float[] offsets, SeriesFrame window, int start, int take)
        {
            var scales = window.Values.Select(v => ConformalCalibration.Scale(v.AsSpan(window.Length - _c.WindowLength, _c.WindowLength))).ToArray();
            ConformalCalibration.Apply(quantiles, offsets, _c.TrainedHorizon, _c.Quantiles!, scales, start, take);
        }

        /// <summary>Sets the conformal offsets found by calibration ([TrainedHorizon, values, quantiles], in window-scale units).</summary>
        internal void SetQuantileOffsets(float[] offsets)
        {
            if (_c.Quantiles == null || offsets.Length != _c.TrainedHorizon * _c.ValueColumns.Length * _c.Quantiles.Length)
                throw new InvalidOperationException("Conformal offsets need one value per step, value column and quantile.");
            _c.QuantileOffsets = offsets;
        }

        private static int MedianIndex(float[] levels) => ConformalCalibration.PointLevel(levels);

        /// <summary>Frees the network's native memory (see <see cref="SequencePredictionTransformer"/> on shared ownership).</summary>
        public void Dispose() => _model.Dispose();

        void ICanSaveModel.Save(ModelSaveContext ctx) => throw SaveErrors.CannotSaveWithMlNet(nameof(SequenceForecastTransformer));

        string ISequencePersistable.PartKind => "SequenceForecaster";
        int ISequencePersistable.PartVersion => 1;

        void ISequencePersistable.SavePart(ModelPartWriter writer)
        {
            writer.WriteJson("config.json", ForecasterConfigV1.From(_c));
            var inner = (ISequencePersistable)_model;
            writer.WriteJson("model-version.json", inner.PartVersion);
            inner.SavePart(writer.Sub("model/"));
        }

        internal static SequenceForecastTransformer Load(ModelPartReader reader)
        {
            reader.RequireVersion("SequenceForecaster", 1);
            var c = reader.ReadJson<ForecasterConfigV1>("config.json").ToConfig();
            int version = reader.ReadJson<int>("model-version.json");
            var model = SequencePredictionTransformer.Load(reader.Sub("model/", version));
            // The network must produce [TrainedHorizon, values(, quantiles)] and read [window, values + past covariates].
            int V = c.ValueColumns.Length, K = c.AllFutureColumns.Length, Q = c.Quantiles?.Length ?? 0;
            var f = model.Features;
            var l = model.Label;
            if (l.Outputs != c.TrainedHorizon * V || (l.Quantiles?.Length ?? 0) != Q || f.Steps != c.WindowLength || f.Features != V + c.PastCovariateColumns.Length
                || f.StaticSize != c.TrainedHorizon * K)
            {
                model.Dispose();
                throw new InvalidDataException("The stored forecaster and its network disagree on the window, the horizon, the values, the covariates or the quantiles.");
            }
            return new SequenceForecastTransformer(c, new ForecastPreparation(c), model);
        }
    }
}
