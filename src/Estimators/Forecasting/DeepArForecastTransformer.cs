using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Persistence;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Trainers.Network;
using MLNet.Sequence.Transforms;
using MLNet.Sequence.Transforms.Internal;
using MLNet.Sequence.Transforms.Persistence;

namespace MLNet.Sequence.Forecasting
{
    /// <summary>What a trained DeepAR model needs to forecast; stored with it.</summary>
    internal sealed class DeepArForecastConfig
    {
        public string Name { get; set; } = "DeepAR";
        public string ValueColumnName { get; set; } = "Value";
        public string? TimeColumnName { get; set; }
        public string? SeriesColumnName { get; set; }
        public string? TimeStepKind { get; set; }
        public double TimeStepValue { get; set; }
        public int Horizon { get; set; }
        public int NumberOfSamples { get; set; }
        public float[] Quantiles { get; set; } = Array.Empty<float>();
        /// <summary>Seeds the sample paths (with the series key), so a forecast repeats.</summary>
        public int Seed { get; set; }
        public DeepArNetworkConfig Network { get; set; } = new();

        public TimeStep? Step => TimeStepKind == null ? null : TimeStep.FromStored(TimeStepKind, TimeStepValue);

        /// <summary>The view the forecast engine and the output schema share: the engine keeps ContextLength + the largest lag steps.</summary>
        public ForecastConfig AsForecastConfig() => new()
        {
            Name = Name,
            ValueColumns = new[] { ValueColumnName },
            TimeColumnName = TimeColumnName,
            SeriesColumnName = SeriesColumnName,
            TimeStepKind = TimeStepKind,
            TimeStepValue = TimeStepValue,
            WindowLength = Network.ContextLength + Network.MaxLag,
            MinimumHistory = Network.ContextLength,
            Horizon = Horizon,
            TrainedHorizon = Horizon,
            Strategy = ForecastStrategy.Recursive,
            Quantiles = Quantiles,
        };
    }

    /// <summary>
    /// A trained DeepAR forecaster (see <see cref="DeepArForecaster"/>). <see cref="Forecast(SeriesFrame, int)"/>
    /// forecasts one in-memory series (any horizon: the paths run as long as asked); <see cref="Transform"/> forecasts
    /// every series of an IDataView; <see cref="CreateEngine"/> keeps each series' latest observations and forecasts as
    /// new ones arrive, without retraining. Forecasts are in original units: the point is the median of the sample paths,
    /// the quantiles theirs. Dispose it when done.
    /// </summary>
    public sealed class DeepArForecastTransformer : ITransformer, IForecaster, IDisposable, ISequencePersistable, IHistoryForecaster
    {
        private readonly DeepArForecastConfig _c;
        private readonly ForecastConfig _view;
        private readonly DeepArEngine _engine;

        internal DeepArForecastTransformer(DeepArForecastConfig config, DeepArEngine engine, TrainingHistory? history)
        {
            _c = config;
            _view = config.AsForecastConfig();
            _engine = engine;
            TrainingHistory = history;
        }

        /// <inheritdoc />
        public string Name => _c.Name;
        /// <summary>The horizon trained for (and forecast by <see cref="Transform"/> and the engine by default).</summary>
        public int Horizon => _c.Horizon;
        /// <summary>Steps read before forecasting.</summary>
        public int ContextLength => _c.Network.ContextLength;
        /// <summary>The lags fed at each step.</summary>
        public IReadOnlyList<int> Lags => _c.Network.Lags;
        /// <summary>The likelihood.</summary>
        public DeepArLikelihood Likelihood => _c.Network.Likelihood;
        /// <summary>The quantile levels of the forecasts.</summary>
        public IReadOnlyList<float> Quantiles => _c.Quantiles;
        /// <summary>Sample paths per forecast.</summary>
        public int NumberOfSamples => _c.NumberOfSamples;
        /// <summary>Per-epoch training figures (the mean negative log-likelihood per step); null for a loaded model.</summary>
        public TrainingHistory? TrainingHistory { get; }
        /// <summary>Trainable weights.</summary>
        public long ParameterCount => _engine.ParameterCount;

        ForecastConfig IHistoryForecaster.Config => _view;

        /// <summary>False: one output row per series.</summary>
        public bool IsRowToRowMapper => false;

        internal static IEnumerable<(string Name, DataViewType Type)> OutputColumns(DeepArForecastConfig c) => SequenceForecastTransformer.OutputColumns(c.AsForecastConfig());

        /// <inheritdoc />
        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
        {
            ArgumentNullException.ThrowIfNull(inputSchema);
            TimeSeriesWindowTransformer.CheckNumeric(ColumnChecks.Find(inputSchema, _c.ValueColumnName, "ValueColumnName", TimeSeriesWindowTransformer.NumericExpected), "ValueColumnName");
            var b = new DataViewSchema.Builder();
            foreach (var (name, type) in OutputColumns(_c))
                b.AddColumn(name, type);
            return b.ToSchema();
        }

        /// <summary>Forecasts every series in <paramref name="input"/> from its last rows; lazy and streaming (one series' tail in memory at a time).</summary>
        /// <param name="input">Rows of one or more series, in time order, series contiguous.</param>
        /// <returns>One row per series: Series, Forecast [H, 1], ForecastLower, ForecastUpper, ForecastQuantiles [H, 1, Q].</returns>
        public IDataView Transform(IDataView input)
        {
            ArgumentNullException.ThrowIfNull(input);
            var schema = GetOutputSchema(input.Schema);
            return new ForecastDataView(schema, () => SeriesFrames.Tails(input, _view.ValueColumns, _c.TimeColumnName, _c.SeriesColumnName, null, _view.WindowLength)
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
        /// <param name="history">At least <see cref="ContextLength"/> observations (lags reaching before its start read 0).</param>
        /// <param name="horizon">Steps ahead (any positive number).</param>
        /// <returns>The forecast in original units.</returns>
        public Forecast Forecast(SeriesFrame history, int horizon)
        {
            ArgumentNullException.ThrowIfNull(history);
            if (history.Values.Count != 1)
                throw new ArgumentException($"Series '{history.Id}' has {history.Values.Count} value columns; DeepAR forecasts one.", nameof(history));
            int keep = Math.Min(history.Length, _view.WindowLength);
            return ((IHistoryForecaster)this).ForecastCore(SequenceForecastTransformer.Tail(history, keep), Array.Empty<float[]>(), horizon);
        }

        Forecast IHistoryForecaster.ForecastCore(SeriesFrame tail, float[][] futureUser, int horizon)
        {
            if (horizon <= 0)
                throw new ArgumentOutOfRangeException(nameof(horizon), horizon, "The horizon must be positive.");
            var z = tail.Values[0];
            if (z.Length < ContextLength)
                throw new ArgumentException($"Series '{tail.Id}' has {z.Length} observations; this DeepAR model reads a context of {ContextLength}.", nameof(tail));
            DeepArForecaster.CheckValues(tail.Id, z, Likelihood);
            var paths = _engine.Sample(z, horizon, _c.NumberOfSamples, SeriesSeed(tail.Id));
            var levels = _c.Quantiles;
            var point = new float[horizon];
            var quantiles = levels.Select(_ => new float[horizon]).ToArray();
            var column = new float[paths.Length];
            for (int h = 0; h < horizon; h++)
            {
                for (int s = 0; s < paths.Length; s++)
                    column[s] = paths[s][h];
                Array.Sort(column);
                point[h] = Quantile(column, 0.5);
                for (int q = 0; q < levels.Length; q++)
                    quantiles[q][h] = Quantile(column, levels[q]);
            }
            var (times, numeric) = SequenceForecastTransformer.FutureTimes(tail, _c.Step, horizon);
            return new Forecast(tail.Id, new[] { point }, levels, new[] { quantiles }, times, numeric);
        }

        /// <summary>The sample quantile of sorted values, linear between order statistics (R's type 7).</summary>
        internal static float Quantile(float[] sorted, double level)
        {
            double at = level * (sorted.Length - 1);
            int lo = (int)Math.Floor(at);
            int hi = Math.Min(lo + 1, sorted.Length - 1);
            return (float)(sorted[lo] + (at - lo) * (sorted[hi] - sorted[lo]));
        }

        /// <summary>A stable seed per series (FNV-1a of the key, mixed with the model's seed): the same series forecasts the same.</summary>
        private int SeriesSeed(string id)
        {
            uint hash = 2166136261;
            foreach (char ch in id)
                hash = (hash ^ ch) * 16777619;
            return (int)(hash ^ (uint)_c.Seed);
        }

        /// <summary>Frees the network's native memory.</summary>
        public void Dispose() => _engine.Dispose();

        void ICanSaveModel.Save(ModelSaveContext ctx) => throw SaveErrors.CannotSaveWithMlNet(nameof(DeepArForecastTransformer));

        string ISequencePersistable.PartKind => "DeepAR";
        int ISequencePersistable.PartVersion => 1;

        void ISequencePersistable.SavePart(ModelPartWriter writer)
        {
            writer.WriteJson("config.json", DeepArConfigV1.From(_c));
            writer.Write("weights.bin", _engine.Save);
        }

        internal static DeepArForecastTransformer Load(ModelPartReader reader)
        {
            reader.RequireVersion("DeepAR", 1);
            var c = reader.ReadJson<DeepArConfigV1>("config.json").ToConfig();
            using var weights = reader.Open("weights.bin");
            return new DeepArForecastTransformer(c, DeepArEngine.Load(c.Network, weights), null);
        }
    }
}
