using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Trainers.Network;
using MLNet.Sequence.Transforms;
using MLNet.Sequence.Transforms.Internal;

namespace MLNet.Sequence.Forecasting
{
    /// <summary>Options of <see cref="DeepArForecaster"/>.</summary>
    public sealed class DeepArForecasterOptions
    {
        /// <summary>The series to forecast: one scalar numeric column. Default "Value".</summary>
        public string ValueColumnName { get; set; } = "Value";

        /// <summary>Optional time column (DateTime or numeric); rows must be in time order within a series.</summary>
        public string? TimeColumnName { get; set; }

        /// <summary>The time step: dates the forecast steps (and the forecast engine checks gaps with it).</summary>
        public TimeStep? TimeStep { get; set; }

        /// <summary>Optional series key column: all series train one global model.</summary>
        public string? SeriesColumnName { get; set; }

        /// <summary>Steps forecast H (the length of the training windows' forecast part; a trained model can sample further).</summary>
        public int Horizon { get; set; } = 1;

        /// <summary>Steps the network reads before it forecasts, and over which each window's scale is measured. 0 (default) uses 2 × Horizon.</summary>
        public int ContextLength { get; set; }

        /// <summary>The season length m: the default lags are 1, 2, 3 and, for m &gt; 1, m − 1, m, m + 1 and 2m. Default 1.</summary>
        public int SeasonLength { get; set; } = 1;

        /// <summary>The lags fed at each step (1 = the previous value); null (default) derives them from <see cref="SeasonLength"/>. Must hold 1.</summary>
        public int[]? Lags { get; set; }

        /// <summary>The likelihood fitted to each step: Gaussian (default), Student-t, or negative binomial for non-negative counts.</summary>
        public DeepArLikelihood Likelihood { get; set; } = DeepArLikelihood.Gaussian;

        /// <summary>LSTM units per layer. Default 40 (the paper's).</summary>
        public int HiddenSize { get; set; } = 40;

        /// <summary>LSTM layers. Default 2.</summary>
        public int NumberOfLayers { get; set; } = 2;

        /// <summary>Dropout between LSTM layers. Default 0 (on M4 Hourly, 0.1 made forecasts worse; see docs/results.md).</summary>
        public float Dropout { get; set; }

        /// <summary>Training length in epochs of <see cref="BatchesPerEpoch"/> batches (steps, not passes over the data). Default 50.</summary>
        public int Epochs { get; set; } = 50;

        /// <summary>Batches per epoch. Default 50.</summary>
        public int BatchesPerEpoch { get; set; } = 50;

        /// <summary>Windows per batch. Default 64.</summary>
        public int BatchSize { get; set; } = 64;

        /// <summary>Adam's learning rate. Default 1e-3.</summary>
        public float LearningRate { get; set; } = 1e-3f;

        /// <summary>Gradient clipping norm; 0 turns it off. Default 10.</summary>
        public float GradientClipNorm { get; set; } = 10;

        /// <summary>Sample paths drawn per forecast; the quantiles and the median come from them. Default 200.</summary>
        public int NumberOfSamples { get; set; } = 200;

        /// <summary>Quantile levels reported (ascending, strictly between 0 and 1). Default 0.025, 0.1, 0.5, 0.9, 0.975 (95% and 80% intervals).</summary>
        public float[] Quantiles { get; set; } = { 0.025f, 0.1f, 0.5f, 0.9f, 0.975f };

        /// <summary>libtorch threads for training; null uses the processor count (at most 8).</summary>
        public int? NumberOfThreads { get; set; }

        /// <summary>Called after every epoch.</summary>
        public Action<EpochReport>? Progress { get; set; }

        /// <summary>A name for tables and plots; default "DeepAR".</summary>
        public string? Name { get; set; }

        /// <summary>The context length in effect (2 × Horizon when not set).</summary>
        internal int EffectiveContextLength => ContextLength > 0 ? ContextLength : 2 * Horizon;

        /// <summary>The lags in effect, ascending and distinct.</summary>
        internal int[] EffectiveLags
        {
            get
            {
                if (Lags != null)
                    return Lags.Distinct().OrderBy(k => k).ToArray();
                var lags = new List<int> { 1, 2, 3 };
                if (SeasonLength > 1)
                    lags.AddRange(new[] { SeasonLength - 1, SeasonLength, SeasonLength + 1, 2 * SeasonLength });
                return lags.Distinct().OrderBy(k => k).ToArray();
            }
        }

        internal void Validate()
        {
            if (string.IsNullOrWhiteSpace(ValueColumnName))
                throw new ArgumentException("Option ValueColumnName must name a numeric column.", nameof(ValueColumnName));
            if (Horizon <= 0)
                throw new ArgumentOutOfRangeException(nameof(Horizon), Horizon, $"Option Horizon must be positive; it was {Horizon}.");
            if (ContextLength < 0)
                throw new ArgumentOutOfRangeException(nameof(ContextLength), ContextLength, $"Option ContextLength must be positive (or 0 for 2 × Horizon); it was {ContextLength}.");
            if (SeasonLength <= 0)
                throw new ArgumentOutOfRangeException(nameof(SeasonLength), SeasonLength, $"Option SeasonLength must be positive; it was {SeasonLength}.");
            if (Lags != null && (Lags.Length == 0 || Lags.Any(k => k <= 0) || !Lags.Contains(1)))
                throw new ArgumentException($"Option Lags must hold positive lags including 1 (the previous value); got {string.Join(", ", Lags)}.", nameof(Lags));
            if (!Enum.IsDefined(Likelihood))
                throw new ArgumentOutOfRangeException(nameof(Likelihood), Likelihood, $"Option Likelihood must be Gaussian, StudentT or NegativeBinomial; it was {Likelihood}.");
            Positive(HiddenSize, nameof(HiddenSize));
            Positive(NumberOfLayers, nameof(NumberOfLayers));
            Positive(Epochs, nameof(Epochs));
            Positive(BatchesPerEpoch, nameof(BatchesPerEpoch));
            Positive(BatchSize, nameof(BatchSize));
            Positive(NumberOfSamples, nameof(NumberOfSamples));
            if (NumberOfThreads is int threads)
                Positive(threads, nameof(NumberOfThreads));
            if (!(Dropout >= 0 && Dropout < 1))
                throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, $"Option Dropout must be in [0, 1); it was {Dropout}.");
            if (!(LearningRate > 0) || !float.IsFinite(LearningRate))
                throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, $"Option LearningRate must be positive; it was {LearningRate}.");
            if (!(GradientClipNorm >= 0) || !float.IsFinite(GradientClipNorm))
                throw new ArgumentOutOfRangeException(nameof(GradientClipNorm), GradientClipNorm, $"Option GradientClipNorm must be 0 or positive; it was {GradientClipNorm}.");
            if (Quantiles == null || Quantiles.Length == 0 || Quantiles.Any(q => !(q > 0 && q < 1)))
                throw new ArgumentOutOfRangeException(nameof(Quantiles), $"Option Quantiles must hold levels strictly between 0 and 1; got {string.Join(", ", Quantiles ?? Array.Empty<float>())}.");
            for (int i = 1; i < Quantiles.Length; i++)
                if (Quantiles[i] <= Quantiles[i - 1])
                    throw new ArgumentOutOfRangeException(nameof(Quantiles), $"Option Quantiles must be strictly ascending; got {string.Join(", ", Quantiles)}.");
        }

        private static void Positive(int value, string name)
        {
            if (value <= 0)
                throw new ArgumentOutOfRangeException(name, value, $"Option {name} must be positive; it was {value}.");
        }
    }

    /// <summary>
    /// DeepAR (Salinas, Flunkert, Gasthaus and Januschowski, "DeepAR: Probabilistic forecasting with autoregressive
    /// recurrent networks", International Journal of Forecasting 36(3), 2020): one LSTM trained across all series, which
    /// at every step reads lagged values of the series (centred and scaled by the mean and standard deviation of the
    /// window's context; counts divided by 1 + their mean) and outputs a Gaussian, Student-t or negative-binomial distribution of the step's value. Forecasts are sample paths,
    /// each draw fed back as the next step's lag; the median of the paths is the point forecast and their quantiles the
    /// intervals. Create it with <c>mlContext.Forecasting.DeepAR(...)</c>.
    /// </summary>
    /// <remarks>
    /// Every training series must hold at least ContextLength + Horizon steps; windows of that length are drawn at random
    /// (a series uniformly, then a start), so training length is set in batches, not passes, and each series weighs the
    /// same. Lags that reach before a series' start read 0 in normalised units (the context's mean, for real values).
    /// Values must be finite; the negative binomial needs counts (non-negative whole numbers). A constant series is fine (its scale is its absolute level, or 1 when it is 0).
    /// </remarks>
    public sealed class DeepArForecaster : IEstimator<DeepArForecastTransformer>, IForecastingMethod
    {
        private readonly IHostEnvironment _env;
        private readonly DeepArForecasterOptions _o;

        internal DeepArForecaster(IHostEnvironment env, DeepArForecasterOptions options)
        {
            ArgumentNullException.ThrowIfNull(options);
            options.Validate();
            _env = env;
            _o = options;
        }

        /// <inheritdoc />
        public string Name => _o.Name ?? "DeepAR";

        internal DeepArForecastConfig Config() => new()
        {
            Name = Name,
            ValueColumnName = _o.ValueColumnName,
            TimeColumnName = _o.TimeColumnName,
            SeriesColumnName = _o.SeriesColumnName,
            TimeStepKind = _o.TimeStep?.Kind,
            TimeStepValue = _o.TimeStep?.Value ?? 0,
            Horizon = _o.Horizon,
            NumberOfSamples = _o.NumberOfSamples,
            Quantiles = _o.Quantiles.ToArray(),
            Network = new DeepArNetworkConfig
            {
                Likelihood = _o.Likelihood,
                HiddenSize = _o.HiddenSize,
                Layers = _o.NumberOfLayers,
                Dropout = _o.Dropout,
                ContextLength = _o.EffectiveContextLength,
                Lags = _o.EffectiveLags,
            },
        };

        /// <inheritdoc />
        public SchemaShape GetOutputSchema(SchemaShape inputSchema)
        {
            ArgumentNullException.ThrowIfNull(inputSchema);
            var value = inputSchema.FirstOrDefault(c => c.Name == _o.ValueColumnName);
            if (value.Name == null)
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Value column '{_o.ValueColumnName}' (option ValueColumnName) is not in the input.");
            if (value.Kind != SchemaShape.Column.VectorKind.Scalar || value.ItemType is not NumberDataViewType)
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Value column '{_o.ValueColumnName}' (option ValueColumnName) must be a numeric scalar; it is {value.ItemType}.");
            foreach (var (name, option) in new[] { (_o.TimeColumnName, "TimeColumnName"), (_o.SeriesColumnName, "SeriesColumnName") })
                if (name != null && inputSchema.All(c => c.Name != name))
                    throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{name}' (option {option}) is not in the input.");
            return new SchemaShape(DeepArForecastTransformer.OutputColumns(Config()).Select(c => SchemaShapeFactory.FromType(c.Name, c.Type)));
        }

        /// <summary>Reads the series (one per key of the series column) and trains the network on all of them.</summary>
        /// <param name="input">Rows of one or more series in time order (series contiguous).</param>
        /// <returns>The forecaster model; dispose it when done.</returns>
        public DeepArForecastTransformer Fit(IDataView input)
        {
            ArgumentNullException.ThrowIfNull(input);
            var frames = SeriesFrames.FromDataView(input, new[] { _o.ValueColumnName }, _o.TimeColumnName, _o.SeriesColumnName);
            return Train(frames);
        }

        /// <summary>Trains on in-memory series (as backtests do).</summary>
        /// <param name="training">The series (their first value column is the target).</param>
        /// <returns>The trained forecaster, with its <see cref="DeepArForecastTransformer.TrainingHistory"/>; dispose it when done.</returns>
        public DeepArForecastTransformer Train(IReadOnlyList<SeriesFrame> training)
        {
            ArgumentNullException.ThrowIfNull(training);
            if (training.Count == 0)
                throw new ArgumentException("The training data holds no series.", nameof(training));
            var config = Config();
            int C = config.Network.ContextLength, H = _o.Horizon;
            var series = new List<float[]>(training.Count);
            foreach (var f in training)
            {
                var z = f.Values[0];
                if (z.Length < C + H)
                    throw new ArgumentException($"Series '{f.Id}' has {z.Length} steps; DeepAR trains on windows of ContextLength + Horizon = {C} + {H} = {C + H}. Lower option ContextLength, or drop the series.", nameof(training));
                CheckValues(f.Id, z, _o.Likelihood);
                series.Add(z);
            }
            using var host = new MlNetHost(_env, nameof(DeepArForecaster));
            int seed = host.NextSeed();
            config.Seed = seed;
            var engine = DeepArEngine.Create(config.Network, seed);
            try
            {
                var history = engine.Train(series, new DeepArTrainingSettings
                {
                    PredictionLength = H,
                    Epochs = _o.Epochs,
                    BatchesPerEpoch = _o.BatchesPerEpoch,
                    BatchSize = _o.BatchSize,
                    LearningRate = _o.LearningRate,
                    GradientClipNorm = _o.GradientClipNorm,
                    Seed = seed,
                    Threads = _o.NumberOfThreads,
                    IsCanceled = host.IsCanceled,
                    Report = r =>
                    {
                        host.Info(r.ToString());
                        _o.Progress?.Invoke(r);
                    },
                });
                return new DeepArForecastTransformer(config, engine, history);
            }
            catch
            {
                engine.Dispose();
                throw;
            }
        }

        IForecaster IForecastingMethod.Train(IReadOnlyList<SeriesFrame> training) => Train(training);

        /// <summary>Finite values; non-negative ones for the negative binomial.</summary>
        internal static void CheckValues(string id, float[] z, DeepArLikelihood likelihood)
        {
            for (int t = 0; t < z.Length; t++)
            {
                if (!float.IsFinite(z[t]))
                    throw new ArgumentException($"Series '{id}' has a missing or infinite value at step {t + 1}; DeepAR needs finite values (fill or drop the gaps first).");
                if (likelihood == DeepArLikelihood.NegativeBinomial && (z[t] < 0 || z[t] != MathF.Floor(z[t])))
                    throw new ArgumentException($"Series '{id}' has the value {z[t]} at step {t + 1}; the negative binomial likelihood (option Likelihood) models counts (non-negative whole numbers). Use Gaussian or StudentT.");
            }
        }
    }
}
