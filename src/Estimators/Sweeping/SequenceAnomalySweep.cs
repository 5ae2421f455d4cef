using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Sequence.Anomaly;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms.Internal;

namespace MLNet.Sequence
{
    /// <summary>Options of a sweep of sequence anomaly detectors (<c>mlContext.AnomalyDetection.SweepSequenceAnomalyDetectors</c>).</summary>
    /// <remarks>
    /// <see cref="SequenceSweepSettings.SearchSpace"/> must be an anomaly detector space
    /// (<see cref="SequenceSearchSpace.ForAnomalyDetectors"/>; the default is one over the three encoders), and
    /// <see cref="SequenceSweepSettings.ConfigureTrainer"/> does not apply: everything a trial does not sweep comes from
    /// <see cref="Detector"/>. Every trial trains its networks for <see cref="SequenceSweepSettings.MaximumEpochs"/>
    /// epochs; successive halving does not apply (a detector trains one network per series inside its run).
    /// </remarks>
    public sealed class SequenceAnomalySweepOptions : SequenceSweepSettings
    {
        /// <summary>
        /// The detector every trial starts from: the columns, the probationary period (which fixes the points every trial
        /// is scored on), the scope, retraining and thresholding. Each trial sets its encoder and swept options on a copy.
        /// </summary>
        public SequenceAnomalyDetectorOptions Detector { get; set; } = new();

        /// <summary>
        /// The label column: one value per row, true (or a non-zero number) where the point is anomalous, or inside a
        /// labelled anomaly window. Boolean or numeric. Default "Label".
        /// </summary>
        public string LabelColumnName { get; set; } = "Label";

        /// <summary>
        /// The ranking metric over every point after its series' probation: <see cref="SweepMetric.AreaUnderRocCurve"/>
        /// (default; the anomaly score against the labels, by ML.NET's anomaly evaluator) or
        /// <see cref="SweepMetric.NabStandard"/> (NAB's standard-profile score of the alerts, labelled runs as windows).
        /// </summary>
        public SweepMetric Metric { get; set; } = SweepMetric.AreaUnderRocCurve;

        internal void Validate()
        {
            ValidateCommon();
            Require(Detector != null, nameof(Detector), "must hold the detector's options (columns, probationary period)");
            Require(!string.IsNullOrWhiteSpace(LabelColumnName), nameof(LabelColumnName), "must name the label column");
            Require(ConfigureTrainer == null, nameof(ConfigureTrainer), "does not apply to anomaly detectors; set the template's options on Detector");
            Require(SearchSpace == null || SearchSpace.ForAnomalyDetectorOptions, nameof(SearchSpace), "must be an anomaly detector space (SequenceSearchSpace.ForAnomalyDetectors)");
            Require(SearchSpace?.Pipeline == null, nameof(SearchSpace), "must have no preprocessing pipeline: a detector reads the value column itself");
            Require(Metric is SweepMetric.AreaUnderRocCurve or SweepMetric.NabStandard, nameof(Metric),
                $"{Metric} does not apply to anomaly detection; use AreaUnderRocCurve or NabStandard");
            Require(LabelColumnName != Detector!.InputColumnName, nameof(LabelColumnName), $"must differ from the value column ('{Detector.InputColumnName}')");
            Require(Detector.Method != AnomalyDetectionMethod.WindowedGaussian || SearchSpace?.Parameters.Any(p => p.Name == nameof(SequenceAnomalyDetectorOptions.Method)) != false,
                nameof(Detector), "uses the windowed Gaussian, which has no network to sweep; set Method to ForecastResidual or Reconstruction (or keep Method in the space)");
            Detector.Validate();
        }
    }

    /// <summary>
    /// A sweep of sequence anomaly detectors on labelled series; <see cref="Execute"/> runs it. Each trial runs its
    /// detector over every series as <see cref="SequenceAnomalyDetector.Fit(IDataView)"/> does (each series' probation teaches it,
    /// every later point is scored from the points before it), and is scored on the points after the probation.
    /// </summary>
    /// <remarks>
    /// The metric is measured on the labels the sweep tunes on, as NAB tunes its thresholds on its corpus: for an
    /// estimate of how the chosen detector does on new series, sweep on some series and evaluate the best options on
    /// others (docs/anomaly.md).
    /// </remarks>
    public sealed class SequenceAnomalySweepExperiment
    {
        private readonly IHostEnvironment _env;
        private readonly SequenceAnomalySweepOptions _options;

        internal SequenceAnomalySweepExperiment(IHostEnvironment env, SequenceAnomalySweepOptions options)
        {
            options.Validate();
            _env = env;
            _options = options;
        }

        /// <summary>
        /// Runs the sweep on <paramref name="data"/> (rows of one or more series in time order, with the label column);
        /// the best configuration is then fitted on all of it and returned as <see cref="SequenceSweepResult.Model"/> (a
        /// <see cref="SequenceAnomalyTransformer"/> holding every series' state, as Fit returns it).
        /// </summary>
        /// <param name="data">The labelled series.</param>
        /// <returns>The trials, the leaderboard and the refit detector.</returns>
        public SequenceSweepResult Execute(IDataView data)
        {
            ArgumentNullException.ThrowIfNull(data);
            var o = _options;
            using var host = new MlNetHost(_env, "SequenceAnomalySweep");
            var space = o.SearchSpace ?? SequenceSearchSpace.ForAnomalyDetectors();
            if (space.Parameters.FirstOrDefault(p => p.Name == nameof(SequenceAnomalyDetectorOptions.WindowLength)) is { } window)
            {
                double longest = window.Kind == SweepParameterKind.Choice ? window.Candidates.Max(c => Convert.ToDouble(c, CultureInfo.InvariantCulture)) : window.Maximum;
                if (o.Detector.ProbationaryPeriod < longest + 10)
                    throw new ArgumentOutOfRangeException(nameof(SequenceAnomalyDetectorOptions.ProbationaryPeriod),
                        $"Option Detector.ProbationaryPeriod ({o.Detector.ProbationaryPeriod}) must leave the longest swept window ({longest}) at least 10 windows to learn from: at least {longest + 10}. Raise it, or narrow WindowLength.");
            }
            var rows = LabelledSeries.Read(o.Detector, o.LabelColumnName, data);
            // Every option of the template (a changed suppression or calibration makes old trials stale) and the data's shape.
            var template = typeof(SequenceAnomalyDetectorOptions).GetProperties().OrderBy(p => p.Name, StringComparer.Ordinal)
                .Select(p => $"{p.Name}={(p.GetValue(o.Detector) is float[] q ? string.Join(",", q) : Convert.ToString(p.GetValue(o.Detector), CultureInfo.InvariantCulture))}");
            string fingerprint = SweepEngine.FingerprintOf(o.CommonFingerprint(space).Concat(new object[]
            {
                "anomaly", o.Metric, string.Join(";", template), o.LabelColumnName, rows.Rows.Count, rows.SeriesCount, rows.Labels.Count(l => l),
            }).ToArray());
            var settings = new SweepEngine.SweepSettings(true, o.MaximumTrials, o.TimeBudget, o.Parallelism, o.CostFrugalStart, null,
                o.TrialLogPath, fingerprint, o.Progress, o.CancellationToken);
            host.Info($"Anomaly detector sweep: metric {o.Metric}, tuner {o.TunerName}, {rows.SeriesCount} series, {rows.Rows.Count} points; space: {space}");
            var engine = new SweepEngine(space, o.MakeTuner(space), settings, host.Info);
            var trials = engine.Run((config, context) =>
            {
                var options = Options(space, config);
                var scored = rows.Score(SequenceAnomalyDetector.ConfigOf(options, options.Seed!.Value), context.Token);
                return new TrialOutcome(rows.Metric(MlContextOf(), o.Metric, scored), o.MaximumEpochs, o.MaximumEpochs);
            });
            var sweep = new SequenceSweepResult(trials, o.Metric, largerIsBetter: true);
            if (o.RefitBestModel && sweep.BestTrial is { } best)
            {
                host.Info($"Refit of trial #{best.Id} on all {rows.SeriesCount.ToString(CultureInfo.InvariantCulture)} series.");
                sweep.Model = o.RefitUnlessCanceled(host, $"trial #{best.Id}", () => new SequenceAnomalyDetector(_env, Options(space, best.Configuration)).Fit(data, o.CancellationToken));
                sweep.ModelTrials = sweep.Model != null ? new[] { best } : Array.Empty<SequenceTrialResult>();
            }
            return sweep;
        }

        private MLContext MlContextOf() => _env as MLContext ?? new MLContext(_options.Seed);

        private SequenceAnomalyDetectorOptions Options(SequenceSearchSpace space, SweepConfiguration config)
        {
            var options = config.ToAnomalyDetectorOptions(space, _options.Detector);
            options.Epochs = _options.MaximumEpochs;
            options.Seed ??= _options.Seed;
            options.Validate();
            return options;
        }
    }

    /// <summary>A sweep's labelled series, read once: the detector's rows and each row's label.</summary>
    internal sealed class LabelledSeries
    {
        private LabelledSeries(List<DetectorRow> rows, List<bool> labels, int series, int probation)
        {
            Rows = rows;
            Labels = labels;
            SeriesCount = series;
            Probation = probation;
        }

        public List<DetectorRow> Rows { get; }
        public List<bool> Labels { get; }
        public int SeriesCount { get; }

        /// <summary>The points per series every trial learns from (the template's probationary period); the rest are scored.</summary>
        public int Probation { get; }

        public static LabelledSeries Read(SequenceAnomalyDetectorOptions detector, string labelColumn, IDataView data)
        {
            SequenceAnomalyTransformer.CheckInput(data.Schema, detector.InputColumnName, detector.SeriesColumnName, detector.TimeColumnName);
            var label = data.Schema.GetColumnOrNull(labelColumn)
                ?? throw new ArgumentOutOfRangeException(nameof(SequenceAnomalySweepOptions.LabelColumnName), $"Option LabelColumnName: the data has no column '{labelColumn}'.");
            if (label.Type is not (BooleanDataViewType or NumberDataViewType))
                throw new ArgumentOutOfRangeException(nameof(SequenceAnomalySweepOptions.LabelColumnName),
                    $"Option LabelColumnName: column '{labelColumn}' must be Boolean or numeric (non-zero: anomalous); it is {label.Type}.");
            var config = SequenceAnomalyDetector.ConfigOf(detector, 0);
            var columns = new List<DataViewSchema.Column> { data.Schema[detector.InputColumnName], label };
            if (detector.SeriesColumnName != null) columns.Add(data.Schema[detector.SeriesColumnName]);
            if (detector.TimeColumnName != null) columns.Add(data.Schema[detector.TimeColumnName]);
            using var cursor = data.GetRowCursor(columns);
            Func<bool> isAnomaly;
            if (label.Type is BooleanDataViewType)
            {
                var g = cursor.GetGetter<bool>(label);
                bool b = false;
                isAnomaly = () => { g(ref b); return b; };
            }
            else
            {
                var n = NumberReader.Make(cursor, label);
                isAnomaly = () =>
                {
                    double v = n();
                    if (double.IsNaN(v))
                        throw new InvalidOperationException($"Row {cursor.Position + 1}: label column '{labelColumn}' is missing (NaN); label every point (0 normal, non-zero anomalous) or drop unlabelled rows.");
                    return v != 0;
                };
            }
            var rows = new List<DetectorRow>();
            var labels = new List<bool>();
            var lastTime = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var row in DetectorStream.ReadRows(config, cursor))
            {
                // Time order once here, not in every trial (each would fail alike).
                if (detector.TimeColumnName != null && lastTime.TryGetValue(row.Series, out var last) && !(row.Time > last))
                    throw new InvalidOperationException($"Row {row.Position + 1}{(detector.SeriesColumnName != null ? $" (series '{row.Series}')" : "")}: time column '{detector.TimeColumnName}' does not increase; times must increase strictly within a series (sort the data by series, then time).");
                lastTime[row.Series] = row.Time;
                rows.Add(row);
                labels.Add(isAnomaly());
            }
            var counts = rows.GroupBy(r => r.Series).ToDictionary(g => g.Key, g => g.Count());
            foreach (var (id, count) in counts)
                if (count <= detector.ProbationaryPeriod)
                    throw new ArgumentException($"Series '{id}' has {count} points; a sweep scores the points after the probationary period (option ProbationaryPeriod, {detector.ProbationaryPeriod}), so each series needs more.", nameof(data));
            if (rows.Count == 0)
                throw new ArgumentException("The data holds no rows.", nameof(data));
            var scoredLabels = ScoredRows(rows, detector.ProbationaryPeriod).Select(i => labels[i]).ToList();
            if (!scoredLabels.Contains(true) || !scoredLabels.Contains(false))
                throw new ArgumentException($"Column '{labelColumn}' must mark some points after the probation as anomalous and some as normal; a sweep ranks detectors by how they separate the two.", nameof(data));
            return new LabelledSeries(rows, labels, counts.Count, detector.ProbationaryPeriod);
        }

        /// <summary>The rows after their series' first <paramref name="probation"/> points.</summary>
        private static IEnumerable<int> ScoredRows(IReadOnlyList<DetectorRow> rows, int probation)
        {
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < rows.Count; i++)
            {
                int n = seen.GetValueOrDefault(rows[i].Series);
                seen[rows[i].Series] = n + 1;
                if (n >= probation)
                    yield return i;
            }
        }

        /// <summary>
        /// Every row's output from a fresh detector of <paramref name="config"/>, as Fit computes them: one global network
        /// trained on every series' probation for <see cref="AnomalyModelScope.Global"/>, and with score-quantile
        /// thresholding the threshold Fit would set (the quantile of Fit's sample of scores), applied to every output.
        /// </summary>
        public AnomalyOutput[] Score(AnomalyDetectorConfig config, CancellationToken token)
        {
            var states = new Dictionary<string, SeriesDetector>(StringComparer.Ordinal);
            WindowNetwork? global = null;
            try
            {
                if (config.UsesNetwork && config.Scope == AnomalyModelScope.Global)
                    global = SequenceAnomalyDetector.TrainGlobal(config, Rows);
                var sample = new SequenceAnomalyDetector.ScoreSample(100_000, config.Seed);
                var stream = new DetectorStream(config, states, id => new SeriesDetector(config, id, global) { ScoreObserver = sample.Add });
                var outputs = new AnomalyOutput[Rows.Count];
                int i = 0;
                foreach (var (_, output) in stream.Run(Rows))
                {
                    if (i % DetectorStream.ChunkSize == 0)
                        token.ThrowIfCancellationRequested();
                    outputs[i++] = output;
                }
                if (config.FalseAlarmRate == null)
                {
                    config.AlertScore = sample.Quantile(config.ScoreQuantile!.Value) ?? double.PositiveInfinity;
                    for (int k = 0; k < outputs.Length; k++)
                        outputs[k].Alert = config.IsAlert(outputs[k].PValue, outputs[k].Score);
                }
                return outputs;
            }
            finally
            {
                foreach (var s in states.Values)
                    s.Dispose();
                global?.Dispose();
            }
        }

        /// <summary>The metric of a trial's outputs over the rows after the probation.</summary>
        public double Metric(MLContext ml, SweepMetric metric, AnomalyOutput[] outputs) =>
            metric == SweepMetric.NabStandard ? NabStandard(outputs) : AreaUnderRocCurve(ml, outputs);

        /// <summary>AUC of the anomaly score against the labels (ML.NET's anomaly evaluator), over the scored rows.</summary>
        private double AreaUnderRocCurve(MLContext ml, AnomalyOutput[] outputs)
        {
            var points = ScoredRows(Rows, Probation).Select(i => new ScoredPoint
            {
                Label = Labels[i] ? 1f : 0f, Score = (float)outputs[i].Score, PredictedLabel = outputs[i].Alert,
            });
            return ml.AnomalyDetection.Evaluate(ml.Data.LoadFromEnumerable(points)).AreaUnderRocCurve;
        }

        /// <summary>
        /// NAB's standard score of the alerts after each series' probation (the detector's, not NAB's 15%), summed over
        /// series and normalised over their windows (runs of labelled points); a run that ends inside the probation is
        /// left out, since no trial can detect it.
        /// </summary>
        private double NabStandard(AnomalyOutput[] outputs)
        {
            double raw = 0;
            int windows = 0;
            foreach (var group in Enumerable.Range(0, Rows.Count).GroupBy(i => Rows[i].Series))
            {
                var index = group.ToArray();
                var labels = index.Select(i => Labels[i]).ToArray();
                var runs = new List<(int First, int Last)>();
                for (int k = 0; k < labels.Length; k++)
                    if (labels[k] && (k == 0 || !labels[k - 1]))
                    {
                        int j = k;
                        while (j + 1 < labels.Length && labels[j + 1])
                            j++;
                        if (j >= Probation)
                            runs.Add((k, j));
                    }
                // The scorer reads rows by index; the timestamps are only carried.
                var times = index.Select((_, k) => DateTime.UnixEpoch.AddMinutes(k)).ToList();
                var file = new NabFile(group.Key, times, index.Select(i => Rows[i].Value).ToList(), runs);
                var flags = index.Select(i => outputs[i].Alert ? 1.0 : 0.0).ToList();
                raw += NabScorer.ScoreFile(file, flags, 0.5, NabProfile.Standard, Probation).Score;
                windows += runs.Count;
            }
            return windows == 0 ? double.NaN : NabScorer.Normalize(raw, windows, NabProfile.Standard);
        }

        private sealed class ScoredPoint
        {
            public float Label { get; set; }
            public float Score { get; set; }
            public bool PredictedLabel { get; set; }
        }
    }

    /// <summary>Anomaly detector sweeps on <c>mlContext.AnomalyDetection</c>.</summary>
    public static class SequenceAnomalySweepCatalog
    {
        /// <summary>
        /// A sweep of sequence anomaly detectors (the three encoders, forecast residual and reconstruction, TPE) ranked on
        /// labelled series; call <see cref="SequenceAnomalySweepExperiment.Execute"/> with the data.
        /// </summary>
        /// <param name="catalog">The anomaly detection catalog.</param>
        /// <param name="options">The detector template, the label column, the metric, the space and the budget.</param>
        /// <returns>The experiment.</returns>
        public static SequenceAnomalySweepExperiment SweepSequenceAnomalyDetectors(this AnomalyDetectionCatalog catalog, SequenceAnomalySweepOptions options)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            ArgumentNullException.ThrowIfNull(options);
            return new SequenceAnomalySweepExperiment(MlNetInternals.EnvironmentOf(catalog), options);
        }
    }
}
