using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence
{
    /// <summary>The metric a sweep ranks trials by, computed by ML.NET's evaluator for the task on the validation data.</summary>
    public enum SweepMetric
    {
        /// <summary>Binary: accuracy (larger is better).</summary>
        Accuracy,
        /// <summary>Binary: area under the ROC curve; anomaly detection: the anomaly score's, against the labelled points.</summary>
        AreaUnderRocCurve,
        /// <summary>Binary: F1 score.</summary>
        F1Score,
        /// <summary>Binary or multiclass: log-loss (smaller is better).</summary>
        LogLoss,
        /// <summary>Multiclass: macro-averaged accuracy (mean per-class recall).</summary>
        MacroAccuracy,
        /// <summary>Multiclass: micro-averaged accuracy.</summary>
        MicroAccuracy,
        /// <summary>Regression: root mean squared error (smaller is better).</summary>
        RootMeanSquaredError,
        /// <summary>Regression: mean absolute error (smaller is better).</summary>
        MeanAbsoluteError,
        /// <summary>Regression: R² (larger is better).</summary>
        RSquared,
        /// <summary>Forecasting: symmetric MAPE, M4's definition (smaller is better), averaged over the backtest's folds.</summary>
        SymmetricMeanAbsolutePercentageError,
        /// <summary>Forecasting: mean absolute scaled error, M4's definition (smaller is better).</summary>
        MeanAbsoluteScaledError,
        /// <summary>Tagging: the share of tokens tagged right.</summary>
        TokenAccuracy,
        /// <summary>Tagging: F1 averaged over tags (every tag counts alike, rare ones included).</summary>
        TagMacroF1,
        /// <summary>Tagging under a chunk scheme (IOB2, IOBES, ...): entity F1 as conlleval counts it.</summary>
        EntityF1,
        /// <summary>
        /// Anomaly detection: the Numenta Anomaly Benchmark's standard-profile score of the alerts (0 detects nothing,
        /// 100 detects every labelled window at its start and raises no false alarm), runs of labelled points as windows.
        /// </summary>
        NabStandard,
    }

    /// <summary>What every sweep shares: the space, the tuner, the budgets, the trial log and progress.</summary>
    public abstract class SequenceSweepSettings
    {
        private protected SequenceSweepSettings() { }

        /// <summary>What to search. Default: <see cref="SequenceSearchSpace.Default"/> (all four families).</summary>
        public SequenceSearchSpace? SearchSpace { get; set; }

        /// <summary>The built-in tuner. Default TPE.</summary>
        public SweepTunerKind Tuner { get; set; } = SweepTunerKind.Tpe;

        /// <summary>A tuner of your own (built over the same <see cref="SearchSpace"/>); replaces <see cref="Tuner"/>.</summary>
        public ISweepTuner? CustomTuner { get; set; }

        /// <summary>For the grid tuner: values per range. Default 3.</summary>
        public int GridStepsPerRange { get; set; } = 3;

        /// <summary>Seed of the tuner, the validation split and every trial's training. Default 0.</summary>
        public int Seed { get; set; }

        /// <summary>Stop after this many trials (resumed ones count). Set it, <see cref="TimeBudget"/>, or both.</summary>
        public int? MaximumTrials { get; set; }

        /// <summary>Stop after this much time: no trial starts later, a running one is stopped and scored with its best weights so far.</summary>
        public TimeSpan? TimeBudget { get; set; }

        /// <summary>Epochs a trial trains at most. Default 20.</summary>
        public int MaximumEpochs { get; set; } = 20;

        /// <summary>Start with every family at its default (attribute) values, smallest model first, as AutoML's cost-frugal tuners do. Default true.</summary>
        public bool CostFrugalStart { get; set; } = true;

        /// <summary>Trials run at once; each gets (cores / parallelism) libtorch threads unless the template sets them. Default 1.</summary>
        public int Parallelism { get; set; } = 1;

        /// <summary>A JSON file of finished trials, rewritten atomically after each; a sweep given an existing log resumes after its trials.</summary>
        public string? TrialLogPath { get; set; }

        /// <summary>Sets anything else on every trial's network options (seed, class weights, clipping, ...); swept values are set after it.</summary>
        public Action<SequenceTrainerOptions>? ConfigureTrainer { get; set; }

        /// <summary>Refit the best configuration on all the training data and return it as <see cref="SequenceSweepResult.Model"/>. Default true.</summary>
        public bool RefitBestModel { get; set; } = true;

        /// <summary>Receives each finished trial (also written to MLContext.Log).</summary>
        public IProgress<SequenceTrialResult>? Progress { get; set; }

        /// <summary>
        /// Stops the sweep: no new trial, the running one is stopped; the result holds the trials so far. Canceled before
        /// or during the refit, the sweep skips or abandons it (disposing what it had fitted) and the result has no model.
        /// </summary>
        public CancellationToken CancellationToken { get; set; }

        /// <summary>
        /// Runs a refit under <see cref="CancellationToken"/>: null (and a log line) when the sweep was canceled before it
        /// starts or while it runs; the refit itself must stop by throwing <see cref="OperationCanceledException"/>.
        /// </summary>
        internal T? RefitUnlessCanceled<T>(MlNetHost host, string what, Func<T> refit) where T : class
        {
            if (CancellationToken.IsCancellationRequested)
            {
                host.Info($"The sweep was canceled: no refit of {what}; the result holds the trials and no model.");
                return null;
            }
            try
            {
                return refit();
            }
            catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
            {
                host.Info($"The sweep was canceled during the refit of {what}: the refit is abandoned; the result holds the trials and no model.");
                return null;
            }
        }

        private protected static void Require(bool ok, string option, string message)
        {
            if (!ok)
                throw new ArgumentOutOfRangeException(option, $"Option {option} {message}.");
        }

        private protected void ValidateCommon()
        {
            Require(MaximumTrials is null or > 0, nameof(MaximumTrials), $"must be positive; it was {MaximumTrials}");
            Require(TimeBudget is null || TimeBudget > TimeSpan.Zero, nameof(TimeBudget), $"must be positive; it was {TimeBudget}");
            Require(MaximumTrials != null || TimeBudget != null || (CustomTuner == null && Tuner == SweepTunerKind.Grid), nameof(MaximumTrials),
                "or TimeBudget must be set (only a grid ends by itself)");
            Require(MaximumEpochs > 0, nameof(MaximumEpochs), $"must be positive; it was {MaximumEpochs}");
            Require(GridStepsPerRange >= 2, nameof(GridStepsPerRange), $"must be at least 2; it was {GridStepsPerRange}");
            Require(Parallelism >= 1, nameof(Parallelism), $"must be at least 1; it was {Parallelism}");
            if (TrialLogPath != null)
            {
                var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(TrialLogPath));
                Require(folder != null && System.IO.Directory.Exists(folder), nameof(TrialLogPath), $"names a file in a folder that does not exist: '{TrialLogPath}'");
            }
            MLNet.Sequence.Transforms.Internal.ColumnChecks.RequireDefined(Tuner, nameof(Tuner));
        }

        internal ISweepTuner MakeTuner(SequenceSearchSpace space) => CustomTuner ?? Tuner switch
        {
            SweepTunerKind.Random => (ISweepTuner)new RandomSweepTuner(space, Seed),
            SweepTunerKind.Grid => new GridSweepTuner(space, GridStepsPerRange, Seed),
            _ => new TpeSweepTuner(space, Seed),
        };

        internal string TunerName => CustomTuner?.GetType().Name ?? Tuner.ToString();

        /// <summary>What must match for a trial log to resume this sweep.</summary>
        internal object[] CommonFingerprint(SequenceSearchSpace space) => new object[]
        {
            space, CustomTuner?.GetType().FullName ?? Tuner.ToString(), GridStepsPerRange, Seed, MaximumEpochs, CostFrugalStart,
        };

        internal static bool LargerIsBetter(SweepMetric m) =>
            m is not (SweepMetric.LogLoss or SweepMetric.RootMeanSquaredError or SweepMetric.MeanAbsoluteError
                or SweepMetric.SymmetricMeanAbsolutePercentageError or SweepMetric.MeanAbsoluteScaledError);
    }

    /// <summary>Options of a sweep of classifiers or regressors (see <see cref="SequenceSweepCatalog"/>).</summary>
    public sealed class SequenceSweepOptions : SequenceSweepSettings
    {
        /// <summary>The label column. Default "Label".</summary>
        public string LabelColumnName { get; set; } = "Label";

        /// <summary>The sequence column the trainers read (after the space's preprocessing, if any). Default "Features".</summary>
        public string FeatureColumnName { get; set; } = "Features";

        /// <summary>The ranking metric. Default: accuracy (binary), macro accuracy (multiclass), RMSE (regression).</summary>
        public SweepMetric? Metric { get; set; }

        /// <summary>Successive halving (ASHA) on epochs: bad trials stop at a rung. Default true.</summary>
        public bool EarlyStopping { get; set; } = true;

        /// <summary>The first rung, in epochs. Default 1.</summary>
        public int MinimumEpochs { get; set; } = 1;

        /// <summary>η: rungs at r, rη, rη², ... epochs; a trial continues past a rung only in the best 1/η there. Default 3.</summary>
        public double ReductionFactor { get; set; } = 3;

        /// <summary>Without validation data: the fraction of rows held out to score trials. Default 0.2.</summary>
        public double ValidationFraction { get; set; } = 0.2;

        /// <summary>k-fold cross-validation instead of one split (k ≥ 2; 0 = off): a trial's metric is the mean over folds. Default 0.</summary>
        public int CrossValidationFolds { get; set; }

        /// <summary>
        /// At most this many trials in the returned model (it needs <see cref="SequenceSweepSettings.RefitBestModel"/>): above 1, the trials <see cref="EnsembleMethod"/> picks are each
        /// refit on all the training data (member i with seed <see cref="SequenceSweepSettings.Seed"/> + i × <see cref="RefitSeeds"/> unless the template
        /// fixes one) and combined into a <see cref="SequenceEnsembleTransformer"/> (probabilities or values averaged with
        /// the picked weights). 1 returns the best pipeline alone. The refits run after the trials and outside
        /// <see cref="SequenceSweepSettings.TimeBudget"/>: each costs about one full-length trial on all rows. Default 1.
        /// </summary>
        public int EnsembleSize { get; set; } = 1;

        /// <summary>
        /// How an ensemble's trials are picked: greedy selection on the trials' validation predictions (out-of-fold with
        /// <see cref="CrossValidationFolds"/>), the default, or the leaderboard's best k. Greedy selection needs the
        /// predictions of at least two completed trials of this run (trials resumed from a log have none); otherwise the
        /// sweep falls back to the best k.
        /// </summary>
        public SweepEnsembleMethod EnsembleMethod { get; set; } = SweepEnsembleMethod.Greedy;

        /// <summary>
        /// Seed bagging: how many times each configuration of the returned model is refit on all the training data, each
        /// copy with its own seed (member i's copy j: <see cref="SequenceSweepSettings.Seed"/> + i × RefitSeeds + j, or the
        /// seed the template fixes + j), the copies averaged with equal shares of their
        /// configuration's weight. Above 1 the model is a <see cref="SequenceEnsembleTransformer"/> even for
        /// <see cref="EnsembleSize"/> 1; averaging copies that differ only in their initialisation and batch order lowers
        /// the variance a single small-data fit carries (the exception: pipelines that do not map rows one to one, which
        /// return the best trial's first copy alone). Each copy costs one more refit, outside
        /// <see cref="SequenceSweepSettings.TimeBudget"/>. As with <see cref="EnsembleSize"/>, the label must be a column of
        /// the training data. Default 1.
        /// </summary>
        public int RefitSeeds { get; set; } = 1;

        internal void Validate(SequenceTask task)
        {
            Require(!string.IsNullOrWhiteSpace(LabelColumnName), nameof(LabelColumnName), "must name a column");
            Require(!string.IsNullOrWhiteSpace(FeatureColumnName), nameof(FeatureColumnName), "must name a column");
            ValidateCommon();
            Require(MinimumEpochs > 0 && MinimumEpochs <= MaximumEpochs, nameof(MinimumEpochs), $"must be in 1..MaximumEpochs ({MaximumEpochs}); it was {MinimumEpochs}");
            Require(ReductionFactor >= 2 && double.IsFinite(ReductionFactor), nameof(ReductionFactor), $"must be at least 2; it was {ReductionFactor}");
            Require(ValidationFraction is > 0 and < 1, nameof(ValidationFraction), $"must be in (0, 1); it was {ValidationFraction}");
            Require(CrossValidationFolds == 0 || CrossValidationFolds >= 2, nameof(CrossValidationFolds), $"must be 0 (off) or at least 2; it was {CrossValidationFolds}");
            Require(EnsembleSize >= 1, nameof(EnsembleSize), $"must be at least 1 (the best model alone); it was {EnsembleSize}");
            Require(RefitSeeds >= 1, nameof(RefitSeeds), $"must be at least 1 (one refit per configuration); it was {RefitSeeds}");
            MLNet.Sequence.Transforms.Internal.ColumnChecks.RequireDefined(EnsembleMethod, nameof(EnsembleMethod));
            var metric = MetricOrDefault(task);
            MLNet.Sequence.Transforms.Internal.ColumnChecks.RequireDefined(metric, nameof(Metric));
            var allowed = task switch
            {
                SequenceTask.BinaryClassification => new[] { SweepMetric.Accuracy, SweepMetric.AreaUnderRocCurve, SweepMetric.F1Score, SweepMetric.LogLoss },
                SequenceTask.MulticlassClassification => new[] { SweepMetric.MacroAccuracy, SweepMetric.MicroAccuracy, SweepMetric.LogLoss },
                _ => new[] { SweepMetric.RootMeanSquaredError, SweepMetric.MeanAbsoluteError, SweepMetric.RSquared },
            };
            Require(allowed.Contains(metric), nameof(Metric), $"{metric} does not apply to {task}; use one of {string.Join(", ", allowed)}");
        }

        internal SweepMetric MetricOrDefault(SequenceTask task) => Metric ?? task switch
        {
            SequenceTask.BinaryClassification => SweepMetric.Accuracy,
            SequenceTask.MulticlassClassification => SweepMetric.MacroAccuracy,
            _ => SweepMetric.RootMeanSquaredError,
        };
    }

    /// <summary>A sweep over sequence pipelines for one task; <see cref="Execute"/> runs it.</summary>
    public sealed class SequenceSweepExperiment
    {
        private readonly IHostEnvironment _env;
        private readonly SequenceTask _task;
        private readonly SequenceSweepOptions _options;

        internal SequenceSweepExperiment(IHostEnvironment env, SequenceTask task, SequenceSweepOptions options)
        {
            options.Validate(task);
            _env = env;
            _task = task;
            _options = options;
        }

        /// <summary>
        /// Runs the sweep: trials fit on the training part and are scored on the validation data (given, held out by
        /// <see cref="SequenceSweepOptions.ValidationFraction"/>, or k folds), then the best configuration is refit on all
        /// of <paramref name="trainData"/> (for its best trial's epoch count).
        /// </summary>
        /// <param name="trainData">The training rows, before the space's preprocessing.</param>
        /// <param name="validationData">Optional validation rows with the same schema; null holds some of <paramref name="trainData"/> out.</param>
        /// <returns>The trials, the leaderboard and the refit model.</returns>
        public SequenceSweepResult Execute(IDataView trainData, IDataView? validationData = null)
        {
            ArgumentNullException.ThrowIfNull(trainData);
            var o = _options;
            using var host = new MlNetHost(_env, "SequenceSweep");
            var ml = _env as MLContext ?? new MLContext(o.Seed);
            var space = o.SearchSpace ?? SequenceSearchSpace.Default();
            var metric = o.MetricOrDefault(_task);
            if (space.ForTaggerOptions)
                throw new ArgumentException("The search space is a tagger space (SequenceSearchSpace.ForTaggers); sweep taggers with mlContext.SequenceTagging.SweepSequenceTaggers.", nameof(SequenceSweepOptions.SearchSpace));
            if (space.ForAnomalyDetectorOptions)
                throw new ArgumentException("The search space is an anomaly detector space (SequenceSearchSpace.ForAnomalyDetectors); sweep detectors with mlContext.AnomalyDetection.SweepSequenceAnomalyDetectors.", nameof(SequenceSweepOptions.SearchSpace));
            if (space.ForecasterParameters.Count > 0)
                throw new ArgumentException($"The search space has forecaster parameters ({string.Join(", ", space.ForecasterParameters)}), which only a forecasting sweep (mlContext.Forecasting.SweepSequenceForecasters) uses.", nameof(SequenceSweepOptions.SearchSpace));
            CheckColumns(space, trainData, validationData);
            if ((o.EnsembleSize > 1 || o.RefitSeeds > 1) && o.RefitBestModel && trainData.Schema.GetColumnOrNull(o.LabelColumnName) == null)
                throw new ArgumentOutOfRangeException(o.EnsembleSize > 1 ? nameof(SequenceSweepOptions.EnsembleSize) : nameof(SequenceSweepOptions.RefitSeeds),
                    $"Option {(o.EnsembleSize > 1 ? $"EnsembleSize = {o.EnsembleSize}" : $"RefitSeeds = {o.RefitSeeds}")} averages whole pipelines whose output keeps only the input's columns and the scores, so the label column '{o.LabelColumnName}' must be in the training data, not made by the search space's preprocessing: map it (MapValueToKey, say) before the sweep.");
            var tuner = o.MakeTuner(space);
            var halving = o.EarlyStopping ? new SuccessiveHalving(o.MinimumEpochs, o.ReductionFactor, o.MaximumEpochs) : null;

            // The folds (or the one split) every trial uses.
            var folds = new List<(IDataView Train, IDataView Valid)>();
            if (validationData != null)
                folds.Add((trainData, validationData));
            else if (o.CrossValidationFolds >= 2)
                folds.AddRange(ml.Data.CrossValidationSplit(trainData, o.CrossValidationFolds, seed: o.Seed).Select(s => (s.TrainSet, s.TestSet)));
            else
            {
                var split = ml.Data.TrainTestSplit(trainData, o.ValidationFraction, seed: o.Seed);
                folds.Add((split.TrainSet, split.TestSet));
            }

            string fingerprint = SweepEngine.FingerprintOf(o.CommonFingerprint(space).Concat(new object[] { _task, metric, o.EarlyStopping, o.MinimumEpochs,
                o.ReductionFactor, o.ValidationFraction, o.CrossValidationFolds, o.LabelColumnName, o.FeatureColumnName, validationData != null,
                string.Join(",", trainData.Schema.Select(c => $"{c.Name}:{c.Type}")) }).ToArray());
            var settings = new SweepEngine.SweepSettings(SequenceSweepSettings.LargerIsBetter(metric), o.MaximumTrials, o.TimeBudget,
                o.Parallelism, o.CostFrugalStart, halving, o.TrialLogPath, fingerprint, o.Progress, o.CancellationToken);
            host.Info($"Sweep: {_task}, metric {metric}, tuner {o.TunerName}, " +
                $"{(o.MaximumTrials is int n ? $"{n} trials" : "")}{(o.MaximumTrials != null && o.TimeBudget != null ? ", " : "")}{(o.TimeBudget is TimeSpan t ? $"{t.TotalMinutes:F1} min" : "")}; " +
                $"epochs up to {o.MaximumEpochs}{(halving != null ? $", rungs at {string.Join(", ", halving.Rungs)}" : "")}; space: {space}");
            var engine = new SweepEngine(space, tuner, settings, host.Info);
            var selection = o.RefitBestModel && o.EnsembleSize > 1 && o.EnsembleMethod == SweepEnsembleMethod.Greedy
                ? new EnsembleSelection(_task, o.LabelColumnName) : null;
            var trials = engine.Run((config, context) => RunTrial(ml, space, metric, folds, config, context, selection));
            var result = new SequenceSweepResult(trials, metric, SequenceSweepSettings.LargerIsBetter(metric));

            if (o.RefitBestModel && result.BestTrial != null)
            {
                var (chosen, weights) = PickModelTrials(result, selection, host);
                var refit = o.RefitUnlessCanceled(host, chosen.Count > 1 ? $"{chosen.Count} trials" : $"trial #{chosen[0].Id}", () =>
                {
                    var models = new List<ITransformer>();
                    var memberTrials = new List<SequenceTrialResult>();
                    var memberWeights = new List<double>();
                    int copies = o.RefitSeeds;
                    try
                    {
                        for (int i = 0; i < chosen.Count; i++)
                        {
                            var member = chosen[i];
                            for (int s = 0; s < copies; s++)
                            {
                                host.Info($"Refit of trial #{member.Id}{(chosen.Count > 1 ? $" (ensemble member {i + 1} of {chosen.Count})" : "")}{(copies > 1 ? $", seed copy {s + 1} of {copies}," : "")} on all {trainData.GetRowCount()?.ToString(CultureInfo.InvariantCulture) ?? ""} training rows for {Math.Max(1, member.BestEpoch)} epochs.");
                                models.Add(Fit(ml, space, member.Configuration, trainData, null, Math.Max(1, member.BestEpoch), null, o.CancellationToken, seedOffset: i * copies, copy: s).Model);
                                memberTrials.Add(member);
                                memberWeights.Add(weights[i] / copies);
                                if (models.Count == 1 && chosen.Count * copies > 1 && !models[0].IsRowToRowMapper)
                                {
                                    host.Info("The pipelines do not map rows one to one (the search space's preprocessing makes rows of its own), so they cannot be averaged: the best trial alone is returned.");
                                    chosen = chosen.Take(1).ToList();
                                    copies = 1;
                                    memberWeights[0] = 1;
                                    break;
                                }
                            }
                        }
                        var model = models.Count == 1 ? models[0]
                            : SequenceEnsembleTransformer.Create(models, trainData.Schema, o.EnsembleSize > 1 ? nameof(SequenceSweepOptions.EnsembleSize) : nameof(SequenceSweepOptions.RefitSeeds), memberWeights);
                        return Tuple.Create(model, (IReadOnlyList<SequenceTrialResult>)memberTrials);
                    }
                    catch
                    {
                        foreach (var m in models)
                            (m as IDisposable)?.Dispose();
                        throw;
                    }
                });
                if (refit != null)
                {
                    result.Model = refit.Item1;
                    result.ModelTrials = refit.Item2;
                }
            }
            return result;
        }

        /// <summary>The trials the returned model is refit from, and their weights (see <see cref="SequenceSweepOptions.EnsembleMethod"/>).</summary>
        private (List<SequenceTrialResult> Trials, List<double> Weights) PickModelTrials(SequenceSweepResult result, EnsembleSelection? selection, MlNetHost host)
        {
            int k = _options.EnsembleSize;
            var ranked = result.Leaderboard.Where(t => double.IsFinite(t.Loss)).ToList();
            // Trials stopped at a rung were refit for their rung's few epochs: ensembles take completed trials when there are any.
            var completed = ranked.Where(t => t.Status == TrialStatus.Completed).ToList();
            var pool = completed.Count > 0 ? completed : ranked;
            if (k > 1 && selection != null)
            {
                var candidates = completed.Where(t => selection.Has(t.Id)).Select(t => t.Id).ToList();
                string? why = selection.DisabledBecause != null ? $"its validation predictions could not be read ({selection.DisabledBecause})"
                    : !selection.Supported ? "regression with several outputs is not selected on"
                    : completed.Count == 0 || !selection.Has(completed[0].Id) ? "the best trial has no validation predictions from this run (it was resumed from the trial log)"
                    : candidates.Count < 2 ? $"only {candidates.Count} completed trial of this run has validation predictions"
                    : null;
                if (why == null)
                {
                    var (members, loss) = selection.Select(candidates, k, maximumRounds: 5 * k);
                    var (_, alone) = selection.Select(candidates.Take(1), 1, 1);
                    host.Info(string.Create(CultureInfo.InvariantCulture,
                        $"Ensemble selection over {candidates.Count} completed trials: {string.Join(", ", members.Select(m => $"#{m.Id} × {m.Weight:0.###}"))}; validation loss {loss:F4} (the best trial alone {alone:F4})."));
                    return (members.Select(m => ranked.First(t => t.Id == m.Id)).ToList(), members.Select(m => m.Weight).ToList());
                }
                host.Info($"Ensemble selection is not possible here: {why}. The best {k} trials are averaged instead.");
            }
            var top = pool.Take(k).ToList();
            return (top, top.Select(_ => 1.0 / top.Count).ToList());
        }

        private void CheckColumns(SequenceSearchSpace space, IDataView train, IDataView? valid)
        {
            if (space.Pipeline != null)
                return;   // the preprocessing makes the columns; the first trial reports what is missing
            foreach (var (name, option) in new[] { (_options.LabelColumnName, nameof(SequenceSweepOptions.LabelColumnName)), (_options.FeatureColumnName, nameof(SequenceSweepOptions.FeatureColumnName)) })
            {
                if (train.Schema.GetColumnOrNull(name) == null)
                    throw new ArgumentOutOfRangeException(option, $"Option {option}: the training data has no column '{name}'.");
                if (valid != null && valid.Schema.GetColumnOrNull(name) == null)
                    throw new ArgumentOutOfRangeException(option, $"Option {option}: the validation data has no column '{name}'.");
            }
        }

        private TrialOutcome RunTrial(MLContext ml, SequenceSearchSpace space, SweepMetric metric, List<(IDataView Train, IDataView Valid)> folds,
            SweepConfiguration config, TrialContext context, EnsembleSelection? selection)
        {
            double sum = 0;
            int epochs = 0, bestEpoch = 0;
            var predictions = selection != null ? new List<(float[], float[], int)>() : null;
            for (int k = 0; k < folds.Count; k++)
            {
                // Successive halving watches the first fold; the others run only for trials that pass every rung.
                var (model, history) = Fit(ml, space, config, folds[k].Train, folds[k].Valid, _options.MaximumEpochs, k == 0 ? context : null, context.Token);
                using (model as IDisposable)
                {
                    var scored = model.Transform(folds[k].Valid);
                    if (predictions != null && selection!.DisabledBecause == null)
                    {
                        // Kept for ensemble selection; the cache holds every column both readers use, so the rows are scored once.
                        scored = ml.Data.Cache(scored, selection.Columns.Concat(new[] { "Score", "Probability", "PredictedLabel" })
                            .Where(c => scored.Schema.GetColumnOrNull(c) != null).Distinct().ToArray());
                        try
                        {
                            predictions.Add(selection.Read(scored));
                        }
                        catch (InvalidOperationException e)
                        {
                            selection.Disable(e.Message);   // the trial itself goes on; the ensemble falls back to the best k
                        }
                    }
                    sum += Score(ml, metric, scored);
                    if (k == 0)
                    {
                        epochs = history?.Epochs.Count ?? 0;
                        bestEpoch = history?.BestEpoch ?? 0;
                    }
                }
                if (context.StoppedByHalving || context.Token.IsCancellationRequested)
                    return new TrialOutcome(sum / (k + 1), epochs, bestEpoch);
            }
            if (predictions != null && predictions.Count == folds.Count)
                selection!.Add(context.Id, predictions);
            return new TrialOutcome(sum / folds.Count, epochs, bestEpoch);
        }

        /// <summary>Fits preprocessing and trainer; with validation data the trainer validates every epoch (rungs, best weights).</summary>
        private (ITransformer Model, TrainingHistory? History) Fit(MLContext ml, SequenceSearchSpace space, SweepConfiguration config, IDataView train,
            IDataView? valid, int epochs, TrialContext? context, CancellationToken token = default, int seedOffset = 0, int copy = 0)
        {
            var o = _options;
            ITransformer? prep = space.Pipeline?.Invoke(config).Fit(train);
            var trainReady = prep?.Transform(train) ?? train;
            var options = config.ToOptions(space, o.ConfigureTrainer);
            options.LabelColumnName = o.LabelColumnName;
            options.FeatureColumnName = o.FeatureColumnName;
            options.NumberOfEpochs = epochs;
            options.Seed = (options.Seed ?? o.Seed + seedOffset) + copy;   // a seed the template fixes still differs between bagged copies
            if (o.Parallelism > 1)
                options.NumberOfThreads ??= Math.Max(1, Environment.ProcessorCount / o.Parallelism);
            if (valid != null)
            {
                options.ValidationData = prep?.Transform(valid) ?? valid;
                options.ValidationFraction = 0;
                options.CancellationToken = token;
                options.OnCancellation = CancellationBehavior.ReturnBestModel;
                var user = options.Progress;
                options.Progress = new EpochWatch(r =>
                {
                    user?.Report(r);
                    if (context != null && r.ValidationLoss is double loss)
                        context.EpochDone(r.Epoch, loss);
                });
            }
            else
            {
                // A refit has nothing to validate on: it trains the best trial's epochs, and stops (throws) when the sweep is canceled.
                options.ValidationData = null;
                options.ValidationFraction = 0;
                options.EarlyStoppingPatience = 0;
                options.CancellationToken = token;
                options.OnCancellation = CancellationBehavior.Throw;
            }
            var trainer = new SequenceTrainer(_env, _task, options);
            var model = trainer.Fit(trainReady);
            ITransformer full = prep == null ? model : new TransformerChain<ITransformer>(prep, model);
            return (full, model.TrainingHistory);
        }

        private double Score(MLContext ml, SweepMetric metric, IDataView scored)
        {
            string label = _options.LabelColumnName;
            switch (_task)
            {
                case SequenceTask.BinaryClassification:
                {
                    var m = ml.BinaryClassification.Evaluate(scored, label);
                    return metric switch
                    {
                        SweepMetric.AreaUnderRocCurve => m.AreaUnderRocCurve,
                        SweepMetric.F1Score => m.F1Score,
                        SweepMetric.LogLoss => m.LogLoss,
                        _ => m.Accuracy,
                    };
                }
                case SequenceTask.MulticlassClassification:
                {
                    var m = ml.MulticlassClassification.Evaluate(scored, label);
                    return metric switch
                    {
                        SweepMetric.MicroAccuracy => m.MicroAccuracy,
                        SweepMetric.LogLoss => m.LogLoss,
                        _ => m.MacroAccuracy,
                    };
                }
                default:
                {
                    var m = ml.Regression.Evaluate(scored, label);
                    return metric switch
                    {
                        SweepMetric.MeanAbsoluteError => m.MeanAbsoluteError,
                        SweepMetric.RSquared => m.RSquared,
                        _ => m.RootMeanSquaredError,
                    };
                }
            }
        }

    }

    /// <summary>A synchronous IProgress (Progress&lt;T&gt; would post to a synchronisation context and report late).</summary>
    internal sealed class EpochWatch(Action<EpochReport> report) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => report(value);
    }

    /// <summary>What a sweep found: every trial, the leaderboard, and the best configuration refit on all training data.</summary>
    public sealed class SequenceSweepResult
    {
        internal SequenceSweepResult(IReadOnlyList<SequenceTrialResult> trials, SweepMetric metric, bool largerIsBetter)
        {
            Trials = trials;
            Metric = metric;
            LargerIsBetter = largerIsBetter;
            // Successive halving's answer is the best trial that trained for the full budget (Li et al. 2018, ASHA):
            // a trial stopped at a low rung was scored earlier in training (and, with k folds, on the first fold only),
            // so its metric is not comparable and, being one of many, is the likeliest to be high by chance. Trials
            // that completed rank first; stopped and canceled ones follow; failed ones last.
            Leaderboard = trials.OrderBy(t => Tier(t)).ThenBy(t => t.Loss).ThenBy(t => t.Id).ToList();
        }

        private static int Tier(SequenceTrialResult t) =>
            !double.IsFinite(t.Loss) ? 2 : t.Status == TrialStatus.Completed ? 0 : 1;

        /// <summary>Every trial, in the order they started.</summary>
        public IReadOnlyList<SequenceTrialResult> Trials { get; }

        /// <summary>
        /// The trials by metric, best first: those that completed their epochs, then those stopped early (by successive
        /// halving, the time budget or cancellation), then failed ones.
        /// </summary>
        public IReadOnlyList<SequenceTrialResult> Leaderboard { get; }

        /// <summary>The metric trials were ranked by.</summary>
        public SweepMetric Metric { get; }

        /// <summary>True when a larger metric is better.</summary>
        public bool LargerIsBetter { get; }

        /// <summary>The best completed trial (or, when none completed, the best with a metric); null when none produced one.</summary>
        public SequenceTrialResult? BestTrial => Leaderboard.FirstOrDefault(t => double.IsFinite(t.Loss));

        /// <summary>
        /// The best configuration's pipeline (preprocessing, if the space has any, then the trainer) refit on all the
        /// training data: an ordinary transformer, saved with <c>mlContext.Model.SaveSequenceModel</c>; with
        /// <see cref="SequenceSweepOptions.EnsembleSize"/> above 1, a <see cref="SequenceEnsembleTransformer"/> of the picked
        /// trials' pipelines when more than one was picked; with <see cref="SequenceSweepOptions.RefitSeeds"/> above 1, an
        /// ensemble of every picked pipeline's seed copies (see <see cref="ModelTrials"/>). Null when
        /// <see cref="SequenceSweepSettings.RefitBestModel"/> is false, no trial produced a metric, or the sweep was canceled
        /// (<see cref="SequenceSweepSettings.CancellationToken"/>) before or during the refit. Dispose it when done.
        /// </summary>
        public ITransformer? Model { get; internal set; }

        /// <summary>
        /// The trials <see cref="Model"/> was refit from: the best trial alone, or one per ensemble member in the members'
        /// order (the best trial first, then as <see cref="SequenceSweepOptions.EnsembleMethod"/> picked them; with
        /// <see cref="SequenceSweepOptions.RefitSeeds"/> above 1 each trial repeats once per seed copy). Empty without a model.
        /// </summary>
        public IReadOnlyList<SequenceTrialResult> ModelTrials { get; internal set; } = Array.Empty<SequenceTrialResult>();

        /// <summary>
        /// The best metric after each trial (in start order), for best-so-far curves: among completed trials, as
        /// <see cref="BestTrial"/> ranks them (NaN until one completes), or among all when none completed.
        /// </summary>
        public IReadOnlyList<(int Trial, double Seconds, double BestMetric)> BestSoFar()
        {
            var curve = new List<(int, double, double)>();
            double best = double.PositiveInfinity, seconds = 0;
            bool anyCompleted = Trials.Any(t => t.Status == TrialStatus.Completed && double.IsFinite(t.Loss));
            foreach (var t in Trials)
            {
                seconds += t.Seconds;
                if (t.Loss < best && (!anyCompleted || t.Status == TrialStatus.Completed))
                    best = t.Loss;
                curve.Add((t.Id, seconds, double.IsFinite(best) ? (LargerIsBetter ? -best : best) : double.NaN));
            }
            return curve;
        }

        /// <summary>A printable leaderboard: rank, trial, family, metric, status, epochs, seconds and parameters.</summary>
        /// <param name="top">Rows to show. Default 10.</param>
        /// <returns>A Markdown table.</returns>
        public string ToTable(int top = 10)
        {
            var sb = new StringBuilder();
            sb.AppendLine($"| rank | trial | family | {Metric} | status | epochs | seconds | parameters |");
            sb.AppendLine("|---:|---:|---|---:|---|---:|---:|---|");
            int rank = 0;
            foreach (var t in Leaderboard.Take(top))
            {
                var parameters = string.Join(", ", t.Configuration.Values.Where(kv => kv.Key != SequenceSearchSpace.EncoderParameter)
                    .Select(kv => $"{kv.Key.Replace($"{t.Configuration.Family}.", "", StringComparison.Ordinal)}={SweepConfiguration.Format(kv.Value)}"));
                sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {++rank} | {t.Id} | {t.Configuration.Family} | {(double.IsFinite(t.Metric) ? t.Metric.ToString("F4", CultureInfo.InvariantCulture) : "-")} | {t.Status} | {t.Epochs} | {t.Seconds:F1} | {parameters} |"));
            }
            return sb.ToString();
        }
    }

    /// <summary>
    /// Sweeps over sequence pipelines on ML.NET's catalogs, as AutoML's experiments are:
    /// <c>mlContext.BinaryClassification.SweepSequenceModels(...)</c>, <c>mlContext.MulticlassClassification.SweepSequenceModels(...)</c>
    /// and <c>mlContext.Regression.SweepSequenceModels(...)</c>, then <see cref="SequenceSweepExperiment.Execute"/>.
    /// </summary>
    public static class SequenceSweepCatalog
    {
        private static SequenceSweepExperiment Make(object catalog, SequenceTask task, SequenceSweepOptions options)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            ArgumentNullException.ThrowIfNull(options);
            return new SequenceSweepExperiment(MlNetInternals.EnvironmentOf(catalog), task, options);
        }

        private static SequenceSweepOptions Simple(string label, string features, int maximumTrials) =>
            new() { LabelColumnName = label, FeatureColumnName = features, MaximumTrials = maximumTrials };

        /// <summary>A sweep of binary sequence classifiers over all four families (TPE, successive halving).</summary>
        /// <param name="catalog">The binary classification catalog.</param>
        /// <param name="labelColumnName">Boolean label.</param>
        /// <param name="featureColumnName">Token ids (keys) or numeric steps.</param>
        /// <param name="maximumTrials">Trials to run. Default 20.</param>
        /// <returns>The experiment; call Execute.</returns>
        public static SequenceSweepExperiment SweepSequenceModels(this BinaryClassificationCatalog catalog,
            string labelColumnName = "Label", string featureColumnName = "Features", int maximumTrials = 20) =>
            Make(catalog, SequenceTask.BinaryClassification, Simple(labelColumnName, featureColumnName, maximumTrials));

        /// <summary>A sweep of binary sequence classifiers.</summary>
        /// <param name="catalog">The binary classification catalog.</param>
        /// <param name="options">Space, tuner, budget, metric and data options.</param>
        /// <returns>The experiment; call Execute.</returns>
        public static SequenceSweepExperiment SweepSequenceModels(this BinaryClassificationCatalog catalog, SequenceSweepOptions options) =>
            Make(catalog, SequenceTask.BinaryClassification, options);

        /// <summary>A sweep of multiclass sequence classifiers over all four families (TPE, successive halving).</summary>
        /// <param name="catalog">The multiclass classification catalog.</param>
        /// <param name="labelColumnName">Key label (use MapValueToKey).</param>
        /// <param name="featureColumnName">Token ids (keys) or numeric steps.</param>
        /// <param name="maximumTrials">Trials to run. Default 20.</param>
        /// <returns>The experiment; call Execute.</returns>
        public static SequenceSweepExperiment SweepSequenceModels(this MulticlassClassificationCatalog catalog,
            string labelColumnName = "Label", string featureColumnName = "Features", int maximumTrials = 20) =>
            Make(catalog, SequenceTask.MulticlassClassification, Simple(labelColumnName, featureColumnName, maximumTrials));

        /// <summary>A sweep of multiclass sequence classifiers.</summary>
        /// <param name="catalog">The multiclass classification catalog.</param>
        /// <param name="options">Space, tuner, budget, metric and data options.</param>
        /// <returns>The experiment; call Execute.</returns>
        public static SequenceSweepExperiment SweepSequenceModels(this MulticlassClassificationCatalog catalog, SequenceSweepOptions options) =>
            Make(catalog, SequenceTask.MulticlassClassification, options);

        /// <summary>A sweep of sequence regressors over all four families (TPE, successive halving).</summary>
        /// <param name="catalog">The regression catalog.</param>
        /// <param name="labelColumnName">Single label.</param>
        /// <param name="featureColumnName">Token ids (keys) or numeric steps.</param>
        /// <param name="maximumTrials">Trials to run. Default 20.</param>
        /// <returns>The experiment; call Execute.</returns>
        public static SequenceSweepExperiment SweepSequenceModels(this RegressionCatalog catalog,
            string labelColumnName = "Label", string featureColumnName = "Features", int maximumTrials = 20) =>
            Make(catalog, SequenceTask.Regression, Simple(labelColumnName, featureColumnName, maximumTrials));

        /// <summary>A sweep of sequence regressors.</summary>
        /// <param name="catalog">The regression catalog.</param>
        /// <param name="options">Space, tuner, budget, metric and data options.</param>
        /// <returns>The experiment; call Execute.</returns>
        public static SequenceSweepExperiment SweepSequenceModels(this RegressionCatalog catalog, SequenceSweepOptions options) =>
            Make(catalog, SequenceTask.Regression, options);
    }
}
