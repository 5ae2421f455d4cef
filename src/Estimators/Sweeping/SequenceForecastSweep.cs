using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.Forecasting;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence
{
    /// <summary>Options of a forecasting sweep (<c>mlContext.Forecasting.SweepSequenceForecasters</c>).</summary>
    public sealed class SequenceForecastSweepOptions : SequenceSweepSettings
    {
        /// <summary>
        /// The forecaster every trial starts from: columns, horizon, window length, quantiles, scaling, covariates. Each
        /// trial replaces its <c>Model</c> with the configuration's network and sets the space's forecaster parameters.
        /// </summary>
        public SequenceForecasterOptions Forecaster { get; set; } = new();

        /// <summary>The rolling-origin backtest that scores a trial (its folds retrain the trial's forecaster).</summary>
        public BacktestOptions Backtest { get; set; } = new();

        /// <summary>The ranking metric, averaged over the backtest's folds. Default sMAPE.</summary>
        public SweepMetric Metric { get; set; } = SweepMetric.SymmetricMeanAbsolutePercentageError;

        internal void Validate()
        {
            ValidateCommon();
            Require(Forecaster != null, nameof(Forecaster), "must hold the forecaster's options (columns, horizon, window length)");
            Require(Backtest != null, nameof(Backtest), "must hold the backtest that scores each trial");
            var allowed = new[] { SweepMetric.SymmetricMeanAbsolutePercentageError, SweepMetric.MeanAbsoluteScaledError, SweepMetric.MeanAbsoluteError, SweepMetric.RootMeanSquaredError };
            Require(allowed.Contains(Metric), nameof(Metric), $"{Metric} does not apply to forecasting; use one of {string.Join(", ", allowed)}");
            Require(Backtest!.Horizon == Forecaster!.Horizon, nameof(Backtest), $"horizon ({Backtest.Horizon}) must equal the forecaster's ({Forecaster.Horizon})");
        }
    }

    /// <summary>A sweep of sequence forecasters scored by a rolling-origin backtest; <see cref="Execute"/> runs it.</summary>
    /// <remarks>
    /// Every trial trains for <see cref="SequenceSweepSettings.MaximumEpochs"/> epochs at each retraining fold of the
    /// backtest; successive halving does not apply (a backtest has no single validation loss per epoch).
    /// </remarks>
    public sealed class SequenceForecastSweepExperiment
    {
        private readonly IHostEnvironment _env;
        private readonly SequenceForecastSweepOptions _options;

        internal SequenceForecastSweepExperiment(IHostEnvironment env, SequenceForecastSweepOptions options)
        {
            options.Validate();
            _env = env;
            _options = options;
        }

        /// <summary>
        /// Runs the sweep: each trial is backtested on <paramref name="series"/>; the best configuration is then trained
        /// on the whole of every series and returned as <see cref="SequenceSweepResult.Model"/> (a
        /// <see cref="SequenceForecastTransformer"/>).
        /// </summary>
        /// <param name="series">The series (aligned, as the backtest needs them).</param>
        /// <returns>The trials, the leaderboard and the refit forecaster.</returns>
        public SequenceSweepResult Execute(IReadOnlyList<SeriesFrame> series)
        {
            ArgumentNullException.ThrowIfNull(series);
            if (series.Count == 0)
                throw new ArgumentException("Give at least one series.", nameof(series));
            var o = _options;
            using var host = new MlNetHost(_env, "SequenceForecastSweep");
            var space = o.SearchSpace ?? SequenceSearchSpace.Default();
            if (!space.ForTrainerOptions)
                throw new ArgumentException($"The search space is a {(space.ForTaggerOptions ? "tagger space (SequenceSearchSpace.ForTaggers)" : "anomaly detector space (SequenceSearchSpace.ForAnomalyDetectors)")}; a forecasting sweep needs SequenceSearchSpace.ForFamilies.", nameof(SequenceForecastSweepOptions.SearchSpace));
            if (space.Pipeline != null)
                throw new ArgumentException("A forecasting sweep has no preprocessing pipeline: sweep the forecaster's own options with WithForecasterParameters (e.g. WindowLength).", nameof(SequenceForecastSweepOptions.SearchSpace));
            var b = o.Backtest;
            string fingerprint = SweepEngine.FingerprintOf(o.CommonFingerprint(space).Concat(new object[]
            {
                "forecast", o.Metric, b.Horizon, b.InitialTrainingSize, b.Stride ?? -1, b.MaximumFolds ?? -1, b.Expanding, b.RetrainEvery, b.SeasonLength,
                string.Join(",", o.Forecaster.ValueColumns), o.Forecaster.WindowLength, series.Count, string.Join(",", series.Select(s => s.Length)),
            }).ToArray());
            var settings = new SweepEngine.SweepSettings(false, o.MaximumTrials, o.TimeBudget, o.Parallelism, o.CostFrugalStart, null,
                o.TrialLogPath, fingerprint, o.Progress, o.CancellationToken);
            host.Info($"Forecast sweep: metric {o.Metric}, tuner {o.TunerName}, {series.Count} series, horizon {b.Horizon}; space: {space}");
            var engine = new SweepEngine(space, o.MakeTuner(space), settings, host.Info);
            var trials = engine.Run((config, context) =>
            {
                var forecaster = Forecaster(space, config, context.Token, $"trial {context.Id}");
                var result = Backtester.Run(series, b, new IForecastingMethod[] { forecaster });
                var mean = result.Mean(forecaster.Name);
                double metric = o.Metric switch
                {
                    SweepMetric.MeanAbsoluteScaledError => mean.Mase,
                    SweepMetric.MeanAbsoluteError => mean.Mae,
                    SweepMetric.RootMeanSquaredError => mean.Rmse,
                    _ => mean.Smape,
                };
                return new TrialOutcome(metric, o.MaximumEpochs, o.MaximumEpochs);
            });
            var sweep = new SequenceSweepResult(trials, o.Metric, largerIsBetter: false);
            if (o.RefitBestModel && sweep.BestTrial is { } best)
            {
                host.Info($"Refit of trial #{best.Id} on the whole of {series.Count.ToString(CultureInfo.InvariantCulture)} series.");
                sweep.Model = o.RefitUnlessCanceled(host, $"trial #{best.Id}",
                    () => Forecaster(space, best.Configuration, o.CancellationToken, o.Forecaster.Name, CancellationBehavior.Throw).Train(series));
                sweep.ModelTrials = sweep.Model != null ? new[] { best } : Array.Empty<SequenceTrialResult>();
            }
            return sweep;
        }

        private SequenceForecaster Forecaster(SequenceSearchSpace space, SweepConfiguration config, CancellationToken token, string? name,
            CancellationBehavior onCancellation = CancellationBehavior.ReturnBestModel)
        {
            var o = _options;
            var f = config.ToForecasterOptions(space, o.Forecaster, o.ConfigureTrainer);
            var model = f.Model;
            model.NumberOfEpochs = o.MaximumEpochs;
            model.Seed ??= o.Seed;
            if (o.Parallelism > 1)
                model.NumberOfThreads ??= Math.Max(1, Environment.ProcessorCount / o.Parallelism);
            model.CancellationToken = token;
            model.OnCancellation = onCancellation;
            f.Name = name;
            return new SequenceForecaster(_env, f);
        }
    }

    /// <summary>Forecasting sweeps on <c>mlContext.Forecasting</c>.</summary>
    public static class SequenceForecastSweepCatalog
    {
        /// <summary>
        /// A sweep of sequence forecasters (all four families by default, TPE), each trial scored by a rolling-origin
        /// backtest; call <see cref="SequenceForecastSweepExperiment.Execute"/> with the series.
        /// </summary>
        /// <param name="catalog">The forecasting catalog.</param>
        /// <param name="options">The forecaster template, the backtest, the space and the budget.</param>
        /// <returns>The experiment.</returns>
        public static SequenceForecastSweepExperiment SweepSequenceForecasters(this ForecastingCatalog catalog, SequenceForecastSweepOptions options)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            ArgumentNullException.ThrowIfNull(options);
            return new SequenceForecastSweepExperiment(MlNetInternals.EnvironmentOf(catalog), options);
        }
    }
}
