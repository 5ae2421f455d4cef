using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.SearchSpace;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms;
using MLNet.Sequence.Transforms.Internal;

namespace MLNet.Sequence.Anomaly
{
    /// <summary>How a sequence anomaly detector scores a point.</summary>
    public enum AnomalyDetectionMethod
    {
        /// <summary>
        /// A network forecasts each point from the window before it; the raw score is the forecast's miss (in units of
        /// the series' scale, or of the predictive interval's half-width when quantiles are set), calibrated into a p-value.
        /// </summary>
        ForecastResidual,
        /// <summary>A network autoencoder reconstructs the window ending at each point; the raw score is its RMS reconstruction error, calibrated into a p-value.</summary>
        Reconstruction,
        /// <summary>NAB's windowed Gaussian: the tail probability of each value under a normal fitted to the values before it. No network.</summary>
        WindowedGaussian,
    }

    /// <summary>Whether each series trains its own network or all series share one.</summary>
    public enum AnomalyModelScope
    {
        /// <summary>Each series trains its own network on its probationary period (NAB's setting).</summary>
        PerSeries,
        /// <summary>One network is trained at Fit on the probationary periods of all training series (each scaled by its own statistics); new series only calibrate.</summary>
        Global,
    }

    /// <summary>
    /// Options of <see cref="SequenceAnomalyDetector"/>. The <c>Range</c> and <c>Choice</c> attributes are the ranges
    /// an anomaly detector sweep searches (<see cref="SequenceSearchSpace.ForAnomalyDetectors"/>).
    /// </summary>
    public sealed class SequenceAnomalyDetectorOptions
    {
        /// <summary>The numeric scalar column holding the series' values. Default "Value".</summary>
        public string InputColumnName { get; set; } = "Value";

        /// <summary>
        /// The output: a vector of three doubles [Alert (0 or 1), RawScore, PValue], as ML.NET's <c>DetectIidSpike</c>
        /// writes it. Default "Prediction".
        /// </summary>
        public string OutputColumnName { get; set; } = "Prediction";

        /// <summary>The [0, 1] anomaly score NAB thresholds (higher is more anomalous). Default "AnomalyScore".</summary>
        public string AnomalyScoreColumnName { get; set; } = "AnomalyScore";

        /// <summary>Optional series key column (text, key or integer): each key is its own stream. Rows of a series must be in time order.</summary>
        public string? SeriesColumnName { get; set; }

        /// <summary>Optional time column (DateTime or numeric): times must increase strictly within a series.</summary>
        public string? TimeColumnName { get; set; }

        /// <summary>How points are scored. Default <see cref="AnomalyDetectionMethod.ForecastResidual"/>.</summary>
        [Choice(new object[] { "ForecastResidual", "Reconstruction" }, "ForecastResidual")]
        public AnomalyDetectionMethod Method { get; set; } = AnomalyDetectionMethod.ForecastResidual;

        /// <summary>
        /// Points at the start of each series that only teach the detector (NAB's probationary period): the network trains
        /// on them, the calibration warms up on them, and they are reported as normal (PValue 1, score 0). Every series the
        /// detector is fitted on must be at least this long. Default 750 (NAB's cap).
        /// </summary>
        public int ProbationaryPeriod { get; set; } = 750;

        /// <summary>Points the network reads per window. Default 32.</summary>
        [Range(8, 96, 32, true)]
        public int WindowLength { get; set; } = 32;

        /// <summary>The encoder: <see cref="EncoderKind.Lstm"/> (default), <see cref="EncoderKind.Gru"/> or <see cref="EncoderKind.Cnn"/> (temporal CNN).</summary>
        public EncoderKind Encoder { get; set; } = EncoderKind.Lstm;

        /// <summary>Hidden units of the encoder (the autoencoder's bottleneck). Default 32.</summary>
        [Range(8, 128, 32, true)]
        public int HiddenSize { get; set; } = 32;

        /// <summary>Stacked encoder layers. Default 1.</summary>
        [Range(1, 2, 1, false)]
        public int NumberOfLayers { get; set; } = 1;

        /// <summary>
        /// For <see cref="AnomalyDetectionMethod.ForecastResidual"/>: quantile levels the network forecasts (pinball loss),
        /// ascending in (0, 1), including one nearest 0.5 as the point forecast; the raw score is then the distance from
        /// that median in half-widths of the outer interval. Null (default): a point forecast, raw score |x − forecast|.
        /// </summary>
        public float[]? Quantiles { get; set; }

        /// <summary>Training passes over the probation's windows. Default 40.</summary>
        public int Epochs { get; set; } = 40;

        /// <summary>Windows per training batch. Default 32.</summary>
        [Range(16, 128, 32, true)]
        public int BatchSize { get; set; } = 32;

        /// <summary>Adam's learning rate. Default 0.003.</summary>
        [Range(3e-4, 1e-2, 3e-3, true)]
        public double LearningRate { get; set; } = 3e-3;

        /// <summary>Per-series networks (default) or one global network.</summary>
        public AnomalyModelScope Scope { get; set; } = AnomalyModelScope.PerSeries;

        /// <summary>Retrain a series' network after every this many scored points, on its latest <see cref="RetrainHistory"/> points; 0 (default) never retrains.</summary>
        public int RetrainInterval { get; set; }

        /// <summary>Points the network retrains on. Default: the probationary period.</summary>
        public int? RetrainHistory { get; set; }

        /// <summary>Raw scores averaged before calibration (the short-term window of Ahmad et al. 2017). Default 10.</summary>
        [Range(1, 50, 10, true)]
        public int AveragingWindow { get; set; } = 10;

        /// <summary>Averaged raw scores the calibrating normal is fitted to (the latest ones). Default 8640.</summary>
        public int CalibrationWindow { get; set; } = 8640;

        /// <summary>Floor of the calibrating normal's standard deviation, in raw-score units (the series' scale). Default 0.05.</summary>
        public double MinimumDeviation { get; set; } = 0.05;

        /// <summary>
        /// After a p-value below <see cref="SuppressionPValue"/>, the next this many p-values are raised to at least it, so
        /// one event raises one alarm (NAB charges every later detection outside a window as a false positive). Default 75; 0 turns it off.
        /// </summary>
        public int SuppressionSteps { get; set; } = 75;

        /// <summary>The p-value level that starts and caps suppression (see <see cref="SuppressionSteps"/>). Default 1e-5.</summary>
        public double SuppressionPValue { get; set; } = 1e-5;

        /// <summary>
        /// Thresholding by false-alarm rate: a point is an alert when its PValue is below this rate. The rate is nominal:
        /// it holds as far as the averaged raw scores are normal, and real series have heavier tails (measure the alert
        /// fraction on your data, or threshold by <see cref="ScoreQuantile"/>). Default 1e-5, which equals
        /// <see cref="SuppressionPValue"/>, so suppressed points never alert; it is also about where NAB's threshold search
        /// lands for the sequence detectors. Set to null to threshold by <see cref="ScoreQuantile"/>.
        /// </summary>
        public double? FalseAlarmRate { get; set; } = 1e-5;

        /// <summary>
        /// Thresholding by score quantile: a point is an alert when its anomaly score reaches this quantile of the scores the
        /// detector computed while fitting (e.g. 0.999). Used when <see cref="FalseAlarmRate"/> is null.
        /// </summary>
        public double? ScoreQuantile { get; set; }

        /// <summary>For <see cref="AnomalyDetectionMethod.WindowedGaussian"/>: values the normal is fitted to. Default 6400 (NAB's).</summary>
        public int GaussianWindowSize { get; set; } = 6400;

        /// <summary>For <see cref="AnomalyDetectionMethod.WindowedGaussian"/>: values buffered before the full window slides. Default 100 (NAB's).</summary>
        public int GaussianStepSize { get; set; } = 100;

        /// <summary>Threads libtorch uses to train and score. Default 1 (series are small; one thread is fastest here).</summary>
        public int NumberOfThreads { get; set; } = 1;

        /// <summary>Seed of the networks' initial weights and batch order. Default null: drawn from the MLContext's seed.</summary>
        public int? Seed { get; set; }

        /// <summary>A copy (the quantile levels copied too).</summary>
        internal SequenceAnomalyDetectorOptions Clone()
        {
            var copy = (SequenceAnomalyDetectorOptions)MemberwiseClone();
            copy.Quantiles = Quantiles?.ToArray();
            return copy;
        }

        internal void Validate()
        {
            Require(!string.IsNullOrWhiteSpace(InputColumnName), nameof(InputColumnName), "must name the value column");
            Require(!string.IsNullOrWhiteSpace(OutputColumnName), nameof(OutputColumnName), "must name the output column");
            Require(!string.IsNullOrWhiteSpace(AnomalyScoreColumnName), nameof(AnomalyScoreColumnName), "must name the anomaly score column");
            Require(OutputColumnName != AnomalyScoreColumnName, nameof(AnomalyScoreColumnName), $"must differ from OutputColumnName ('{OutputColumnName}')");
            Require(Enum.IsDefined(Method), nameof(Method), $"must be one of {string.Join(", ", Enum.GetNames<AnomalyDetectionMethod>())}; it is {(int)Method}");
            Require(ProbationaryPeriod >= 0, nameof(ProbationaryPeriod), $"must be at least 0; it is {ProbationaryPeriod}");
            if (Method != AnomalyDetectionMethod.WindowedGaussian)
            {
                Require(WindowLength >= 2, nameof(WindowLength), $"must be at least 2; it is {WindowLength}");
                Require(ProbationaryPeriod >= WindowLength + 10, nameof(ProbationaryPeriod),
                    $"must leave the network at least 10 windows to learn from: at least WindowLength + 10 = {WindowLength + 10}; it is {ProbationaryPeriod}");
                Require(Encoder is EncoderKind.Lstm or EncoderKind.Gru or EncoderKind.Cnn, nameof(Encoder), $"must be Lstm, Gru or Cnn; it is {Encoder}");
                Require(HiddenSize >= 1, nameof(HiddenSize), $"must be at least 1; it is {HiddenSize}");
                Require(NumberOfLayers >= 1, nameof(NumberOfLayers), $"must be at least 1; it is {NumberOfLayers}");
                Require(Epochs >= 1, nameof(Epochs), $"must be at least 1; it is {Epochs}");
                Require(BatchSize >= 1, nameof(BatchSize), $"must be at least 1; it is {BatchSize}");
                Require(LearningRate > 0 && double.IsFinite(LearningRate), nameof(LearningRate), $"must be positive; it is {LearningRate}");
                Require(RetrainInterval >= 0, nameof(RetrainInterval), $"must be at least 0 (0: never); it is {RetrainInterval}");
                Require(RetrainHistory is null || RetrainHistory >= WindowLength + 10, nameof(RetrainHistory), $"must be at least WindowLength + 10 = {WindowLength + 10}; it is {RetrainHistory}");
                Require(NumberOfThreads >= 1, nameof(NumberOfThreads), $"must be at least 1; it is {NumberOfThreads}");
                if (Quantiles != null)
                {
                    Require(Method == AnomalyDetectionMethod.ForecastResidual, nameof(Quantiles), "apply to the ForecastResidual method only");
                    Require(Quantiles.Length >= 2 && Quantiles.All(q => q > 0 && q < 1) && Quantiles.Zip(Quantiles.Skip(1)).All(p => p.First < p.Second),
                        nameof(Quantiles), $"must be at least two levels ascending strictly inside (0, 1); they are [{string.Join(", ", Quantiles)}]");
                }
            }
            else
            {
                Require(GaussianWindowSize >= 1, nameof(GaussianWindowSize), $"must be at least 1; it is {GaussianWindowSize}");
                Require(GaussianStepSize >= 1 && GaussianStepSize <= GaussianWindowSize, nameof(GaussianStepSize), $"must be between 1 and GaussianWindowSize ({GaussianWindowSize}); it is {GaussianStepSize}");
            }
            Require(AveragingWindow >= 1 && AveragingWindow <= 100_000, nameof(AveragingWindow), $"must be between 1 and 100,000; it is {AveragingWindow}");
            Require(CalibrationWindow >= 2 && CalibrationWindow <= 10_000_000, nameof(CalibrationWindow), $"must be between 2 and 10,000,000; it is {CalibrationWindow}");
            Require(MinimumDeviation > 0 && double.IsFinite(MinimumDeviation), nameof(MinimumDeviation), $"must be positive; it is {MinimumDeviation}");
            Require(SuppressionSteps >= 0, nameof(SuppressionSteps), $"must be at least 0; it is {SuppressionSteps}");
            Require(SuppressionPValue > 0 && SuppressionPValue < 1, nameof(SuppressionPValue), $"must be in (0, 1); it is {SuppressionPValue}");
            Require(FalseAlarmRate != null || ScoreQuantile != null, nameof(FalseAlarmRate), "or ScoreQuantile must be set (how alerts are thresholded)");
            Require(FalseAlarmRate == null || ScoreQuantile == null, nameof(ScoreQuantile), "cannot be set together with FalseAlarmRate; set FalseAlarmRate to null to threshold by quantile");
            Require(FalseAlarmRate is null || FalseAlarmRate > 0 && FalseAlarmRate < 1, nameof(FalseAlarmRate), $"must be in (0, 1); it is {FalseAlarmRate}");
            Require(ScoreQuantile is null || ScoreQuantile > 0 && ScoreQuantile < 1, nameof(ScoreQuantile), $"must be in (0, 1); it is {ScoreQuantile}");
        }

        private static void Require(bool ok, string option, string what)
        {
            if (!ok)
                throw new ArgumentOutOfRangeException(option, $"Option {option} {what}.");
        }
    }

    /// <summary>
    /// Detects anomalies in one or many series as they stream: a sequence network (forecast residual or autoencoder) or
    /// NAB's windowed Gaussian, each point scored only from what came before it. Fit runs the detector over the training
    /// rows (each series' first <see cref="SequenceAnomalyDetectorOptions.ProbationaryPeriod"/> points teach it, the rest
    /// are scored and learned) and returns a transformer holding every series' state, so Transform and
    /// <see cref="SequenceAnomalyTransformer.CreateEngine"/> continue each series where training left it. Output columns
    /// follow ML.NET's <c>DetectIidSpike</c>: a [Alert, RawScore, PValue] vector, plus a [0, 1] anomaly score.
    /// </summary>
    public sealed class SequenceAnomalyDetector : IEstimator<SequenceAnomalyTransformer>
    {
        private readonly IHostEnvironment _env;
        private readonly SequenceAnomalyDetectorOptions _o;

        internal SequenceAnomalyDetector(IHostEnvironment env, SequenceAnomalyDetectorOptions options)
        {
            ArgumentNullException.ThrowIfNull(options);
            options.Validate();
            _env = env;
            _o = options;
        }

        internal AnomalyDetectorConfig Config(int seed) => ConfigOf(_o, seed);

        internal static AnomalyDetectorConfig ConfigOf(SequenceAnomalyDetectorOptions o, int seed) => new()
        {
            Method = o.Method,
            InputColumnName = o.InputColumnName,
            OutputColumnName = o.OutputColumnName,
            AnomalyScoreColumnName = o.AnomalyScoreColumnName,
            SeriesColumnName = o.SeriesColumnName,
            TimeColumnName = o.TimeColumnName,
            ProbationaryPeriod = o.ProbationaryPeriod,
            Scope = o.Scope,
            RetrainInterval = o.Method == AnomalyDetectionMethod.WindowedGaussian ? 0 : o.RetrainInterval,
            RetrainHistory = o.RetrainHistory ?? o.ProbationaryPeriod,
            Network = o.Method == AnomalyDetectionMethod.WindowedGaussian ? null : new WindowNetworkConfig
            {
                Task = o.Method == AnomalyDetectionMethod.ForecastResidual ? WindowTask.NextValue : WindowTask.Reconstruct,
                Encoder = o.Encoder,
                WindowLength = o.WindowLength,
                HiddenSize = o.HiddenSize,
                Layers = o.NumberOfLayers,
                Quantiles = o.Quantiles?.ToArray(),
                Epochs = o.Epochs,
                BatchSize = o.BatchSize,
                LearningRate = o.LearningRate,
                Threads = o.NumberOfThreads,
            },
            GaussianWindow = o.GaussianWindowSize,
            GaussianStep = o.GaussianStepSize,
            AveragingWindow = o.AveragingWindow,
            CalibrationWindow = o.CalibrationWindow,
            MinimumDeviation = o.MinimumDeviation,
            SuppressionSteps = o.SuppressionSteps,
            SuppressionPValue = o.SuppressionPValue,
            FalseAlarmRate = o.FalseAlarmRate,
            ScoreQuantile = o.ScoreQuantile,
            Seed = seed,
        };

        /// <summary>Checks the input columns and describes the two output columns.</summary>
        /// <param name="inputSchema">The input's shape.</param>
        /// <returns>The output's shape.</returns>
        public SchemaShape GetOutputSchema(SchemaShape inputSchema)
        {
            ArgumentNullException.ThrowIfNull(inputSchema);
            var value = ColumnChecks.Find(inputSchema, _o.InputColumnName, "InputColumnName", TimeSeriesWindowTransformer.NumericExpected);
            TimeSeriesWindowTransformer.CheckNumeric(value, "InputColumnName");
            if (_o.SeriesColumnName != null)
                ColumnChecks.Find(inputSchema, _o.SeriesColumnName, "SeriesColumnName", "a scalar Text, key or integer column");
            if (_o.TimeColumnName != null)
                TimeFeaturesTransformer.CheckTime(ColumnChecks.Find(inputSchema, _o.TimeColumnName, "TimeColumnName", TimeSeriesWindowTransformer.TimeExpected));
            var columns = inputSchema.ToDictionary(c => c.Name);
            foreach (var (name, type) in SequenceAnomalyTransformer.OutputColumns(_o.OutputColumnName, _o.AnomalyScoreColumnName))
                columns[name] = SchemaShapeFactory.FromType(name, type);
            return new SchemaShape(columns.Values);
        }

        /// <summary>
        /// Runs the detector over <paramref name="input"/>: per series, the probation trains the network and warms the
        /// calibration, later points are scored and learned. Throws when a series is shorter than the probationary period,
        /// or holds a missing value or times out of order.
        /// </summary>
        /// <param name="input">Rows of one or more series, each in time order.</param>
        /// <returns>The detector with every series' state; dispose it when done (it owns native networks).</returns>
        public SequenceAnomalyTransformer Fit(IDataView input) => Fit(input, CancellationToken.None);

        /// <summary>As <see cref="Fit(IDataView)"/>; throws <see cref="OperationCanceledException"/> between rows once <paramref name="token"/> is canceled (a sweep's refit).</summary>
        internal SequenceAnomalyTransformer Fit(IDataView input, CancellationToken token)
        {
            ArgumentNullException.ThrowIfNull(input);
            SequenceAnomalyTransformer.CheckInput(input.Schema, _o.InputColumnName, _o.SeriesColumnName, _o.TimeColumnName);
            using var host = new MlNetHost(_env, nameof(SequenceAnomalyDetector));
            var config = Config(_o.Seed ?? host.NextSeed());
            WindowNetwork? global = null;
            try
            {
                if (config.UsesNetwork && config.Scope == AnomalyModelScope.Global)
                    global = TrainGlobal(config, input);
                token.ThrowIfCancellationRequested();
                var sample = new ScoreSample(100_000, config.Seed);
                var states = new Dictionary<string, SeriesDetector>(StringComparer.Ordinal);
                try
                {
                    var stream = new DetectorStream(config, states, id => new SeriesDetector(config, id, global) { ScoreObserver = sample.Add });
                    foreach (var _ in stream.Run(input))
                        token.ThrowIfCancellationRequested();
                    foreach (var s in states.Values)
                    {
                        s.ScoreObserver = null;
                        if (!s.Ready)
                            throw new ArgumentException($"Series '{s.Id}' has {s.Count} points; the probationary period (option ProbationaryPeriod) is {config.ProbationaryPeriod}. Fit on at least that many points per series, or lower the option.", nameof(input));
                    }
                    if (states.Count == 0)
                        throw new ArgumentException("The training data holds no rows.", nameof(input));
                    if (config.FalseAlarmRate == null)
                        config.AlertScore = sample.Quantile(config.ScoreQuantile!.Value)
                            ?? throw new ArgumentException($"Option ScoreQuantile needs anomaly scores from Fit, and this training data gave none: fit on series longer than the probationary period ({config.ProbationaryPeriod}) plus the window ({_o.WindowLength}).", nameof(input));
                    var model = new SequenceAnomalyTransformer(config, global, states);
                    global = null;
                    return model;
                }
                catch
                {
                    foreach (var s in states.Values)
                        s.Dispose();
                    throw;
                }
            }
            finally
            {
                global?.Dispose();
            }
        }

        /// <summary>The global network: trained on each training series' probation, each scaled by its own mean and deviation.</summary>
        private static WindowNetwork TrainGlobal(AnomalyDetectorConfig config, IDataView input) => TrainGlobal(config, DetectorStream.ReadRows(config, input));

        /// <summary>The global network from rows already read (a sweep's trials).</summary>
        internal static WindowNetwork TrainGlobal(AnomalyDetectorConfig config, IEnumerable<DetectorRow> rows)
        {
            var probations = new Dictionary<string, List<double>>(StringComparer.Ordinal);
            foreach (var row in rows)
            {
                var (id, value) = (row.Series, row.Value);
                if (!probations.TryGetValue(id, out var list))
                    probations[id] = list = new List<double>();
                if (list.Count < config.ProbationaryPeriod)
                    list.Add(value);
            }
            var series = new List<float[]>();
            foreach (var (id, values) in probations)
            {
                if (values.Count < config.ProbationaryPeriod)
                    throw new ArgumentException($"Series '{id}' has {values.Count} points; the probationary period (option ProbationaryPeriod) is {config.ProbationaryPeriod}. Fit on at least that many points per series, or lower the option.");
                var (mean, scale) = SeriesDetector.ScaleOf(values);
                series.Add(values.Select(v => (float)((v - mean) / scale)).ToArray());
            }
            if (series.Count == 0)
                throw new ArgumentException("The training data holds no rows.");
            return WindowNetwork.Train(config.Network!, series, config.Seed);
        }

        /// <summary>A seeded reservoir sample of the scores seen at Fit, for the score-quantile threshold.</summary>
        internal sealed class ScoreSample
        {
            private readonly double[] _values;
            private readonly Random _random;
            private long _seen;

            public ScoreSample(int capacity, int seed)
            {
                _values = new double[capacity];
                _random = new Random(seed);
            }

            public void Add(double v)
            {
                if (_seen < _values.Length)
                    _values[_seen] = v;
                else
                {
                    long j = _random.NextInt64(_seen + 1);
                    if (j < _values.Length)
                        _values[j] = v;
                }
                _seen++;
            }

            public double? Quantile(double q)
            {
                int n = (int)Math.Min(_seen, _values.Length);
                if (n == 0)
                    return null;
                var sorted = _values.Take(n).OrderBy(v => v).ToArray();
                return sorted[Math.Min(n - 1, (int)Math.Ceiling(q * n) - 1 < 0 ? 0 : (int)Math.Ceiling(q * n) - 1)];
            }
        }
    }
}
