using System;
using System.Collections.Generic;
using Microsoft.ML;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.Forecasting;

namespace MLNet.Sequence
{
    /// <summary>
    /// Forecasting on <c>mlContext.Forecasting</c>: sequence forecasters (LSTM, GRU, Transformer, temporal CNN, N-BEATS, DeepAR),
    /// the naive, seasonal naive and drift baselines, the M4 competition's statistical benchmarks (Naive2, SES, Holt,
    /// damped trend, Theta and their combination), and rolling-origin backtests that compare them.
    /// </summary>
    public static class SequenceForecastingCatalog
    {
        /// <summary>A sequence forecaster with every option.</summary>
        /// <param name="catalog">The forecasting catalog.</param>
        /// <param name="options">The options (network family in <see cref="SequenceForecasterOptions.Model"/>).</param>
        /// <returns>The estimator.</returns>
        public static SequenceForecaster SequenceForecaster(this ForecastingCatalog catalog, SequenceForecasterOptions options)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new SequenceForecaster(MlNetInternals.EnvironmentOf(catalog), options);
        }

        private static SequenceForecaster Make(ForecastingCatalog catalog, SequenceTrainerOptions model, string valueColumn, int windowLength, int horizon,
            string? timeColumnName, string? seriesColumnName, float[]? quantiles) =>
            catalog.SequenceForecaster(new SequenceForecasterOptions
            {
                ValueColumns = new[] { valueColumn },
                WindowLength = windowLength,
                Horizon = horizon,
                TimeColumnName = timeColumnName,
                SeriesColumnName = seriesColumnName,
                Quantiles = quantiles,
                Model = model,
            });

        /// <summary>An LSTM forecaster of one value column.</summary>
        /// <param name="catalog">The forecasting catalog.</param>
        /// <param name="valueColumn">The series to forecast.</param>
        /// <param name="windowLength">Past steps read.</param>
        /// <param name="horizon">Steps forecast.</param>
        /// <param name="timeColumnName">Optional time column.</param>
        /// <param name="seriesColumnName">Optional series key column.</param>
        /// <param name="quantiles">Optional quantiles for intervals.</param>
        /// <returns>The estimator.</returns>
        public static SequenceForecaster SequenceLstm(this ForecastingCatalog catalog, string valueColumn, int windowLength, int horizon,
            string? timeColumnName = null, string? seriesColumnName = null, float[]? quantiles = null) =>
            Make(catalog, new LstmOptions(), valueColumn, windowLength, horizon, timeColumnName, seriesColumnName, quantiles);

        /// <summary>A GRU forecaster of one value column.</summary>
        /// <param name="catalog">The forecasting catalog.</param>
        /// <param name="valueColumn">The series to forecast.</param>
        /// <param name="windowLength">Past steps read.</param>
        /// <param name="horizon">Steps forecast.</param>
        /// <param name="timeColumnName">Optional time column.</param>
        /// <param name="seriesColumnName">Optional series key column.</param>
        /// <param name="quantiles">Optional quantiles for intervals.</param>
        /// <returns>The estimator.</returns>
        public static SequenceForecaster SequenceGru(this ForecastingCatalog catalog, string valueColumn, int windowLength, int horizon,
            string? timeColumnName = null, string? seriesColumnName = null, float[]? quantiles = null) =>
            Make(catalog, new GruOptions(), valueColumn, windowLength, horizon, timeColumnName, seriesColumnName, quantiles);

        /// <summary>A Transformer forecaster of one value column.</summary>
        /// <param name="catalog">The forecasting catalog.</param>
        /// <param name="valueColumn">The series to forecast.</param>
        /// <param name="windowLength">Past steps read.</param>
        /// <param name="horizon">Steps forecast.</param>
        /// <param name="timeColumnName">Optional time column.</param>
        /// <param name="seriesColumnName">Optional series key column.</param>
        /// <param name="quantiles">Optional quantiles for intervals.</param>
        /// <returns>The estimator.</returns>
        public static SequenceForecaster SequenceTransformer(this ForecastingCatalog catalog, string valueColumn, int windowLength, int horizon,
            string? timeColumnName = null, string? seriesColumnName = null, float[]? quantiles = null) =>
            Make(catalog, new TransformerOptions(), valueColumn, windowLength, horizon, timeColumnName, seriesColumnName, quantiles);

        /// <summary>A temporal-CNN forecaster of one value column.</summary>
        /// <param name="catalog">The forecasting catalog.</param>
        /// <param name="valueColumn">The series to forecast.</param>
        /// <param name="windowLength">Past steps read.</param>
        /// <param name="horizon">Steps forecast.</param>
        /// <param name="timeColumnName">Optional time column.</param>
        /// <param name="seriesColumnName">Optional series key column.</param>
        /// <param name="quantiles">Optional quantiles for intervals.</param>
        /// <returns>The estimator.</returns>
        public static SequenceForecaster SequenceCnn(this ForecastingCatalog catalog, string valueColumn, int windowLength, int horizon,
            string? timeColumnName = null, string? seriesColumnName = null, float[]? quantiles = null) =>
            Make(catalog, new CnnOptions(), valueColumn, windowLength, horizon, timeColumnName, seriesColumnName, quantiles);

        /// <summary>
        /// An N-BEATS forecaster of one value column (Oreshkin et al., ICLR 2020; generic blocks at their defaults, see
        /// <see cref="NBeatsOptions"/>): fully connected blocks over the window, the whole horizon at once.
        /// </summary>
        /// <param name="catalog">The forecasting catalog.</param>
        /// <param name="valueColumn">The series to forecast.</param>
        /// <param name="windowLength">Past steps read (the paper uses 2 to 7 horizons).</param>
        /// <param name="horizon">Steps forecast.</param>
        /// <param name="timeColumnName">Optional time column.</param>
        /// <param name="seriesColumnName">Optional series key column.</param>
        /// <param name="quantiles">Optional quantiles for intervals.</param>
        /// <returns>The estimator.</returns>
        public static SequenceForecaster SequenceNBeats(this ForecastingCatalog catalog, string valueColumn, int windowLength, int horizon,
            string? timeColumnName = null, string? seriesColumnName = null, float[]? quantiles = null) =>
            Make(catalog, new NBeatsOptions(), valueColumn, windowLength, horizon, timeColumnName, seriesColumnName, quantiles);

        /// <summary>
        /// A DeepAR forecaster (Salinas et al., 2020): one autoregressive LSTM trained across all series with a Gaussian
        /// likelihood, forecasting by sample paths (median and quantiles 0.025, 0.1, 0.5, 0.9, 0.975). Other likelihoods
        /// (Student-t, negative binomial for counts), lags and training length are in <see cref="DeepArForecasterOptions"/>.
        /// </summary>
        /// <param name="catalog">The forecasting catalog.</param>
        /// <param name="valueColumn">The series to forecast.</param>
        /// <param name="horizon">Steps forecast.</param>
        /// <param name="seasonLength">The season length m (sets the default lags 1, 2, 3, m − 1, m, m + 1, 2m).</param>
        /// <param name="seriesColumnName">Optional series key column.</param>
        /// <param name="timeColumnName">Optional time column.</param>
        /// <returns>The estimator.</returns>
        public static DeepArForecaster DeepAR(this ForecastingCatalog catalog, string valueColumn, int horizon, int seasonLength = 1,
            string? seriesColumnName = null, string? timeColumnName = null) =>
            catalog.DeepAR(new DeepArForecasterOptions
            {
                ValueColumnName = valueColumn,
                Horizon = horizon,
                SeasonLength = seasonLength,
                SeriesColumnName = seriesColumnName,
                TimeColumnName = timeColumnName,
            });

        /// <summary>A DeepAR forecaster with every option.</summary>
        /// <param name="catalog">The forecasting catalog.</param>
        /// <param name="options">The options.</param>
        /// <returns>The estimator.</returns>
        public static DeepArForecaster DeepAR(this ForecastingCatalog catalog, DeepArForecasterOptions options)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new DeepArForecaster(MlNetInternals.EnvironmentOf(catalog), options);
        }

        /// <summary>The naive baseline: every step equals the last observation.</summary>
        /// <param name="catalog">The forecasting catalog.</param>
        /// <returns>The baseline.</returns>
        public static NaiveForecaster Naive(this ForecastingCatalog catalog)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new NaiveForecaster();
        }

        /// <summary>The seasonal naive baseline: each step equals the observation one season before.</summary>
        /// <param name="catalog">The forecasting catalog.</param>
        /// <param name="seasonLength">The season length (&gt; 1).</param>
        /// <returns>The baseline.</returns>
        public static SeasonalNaiveForecaster SeasonalNaive(this ForecastingCatalog catalog, int seasonLength)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new SeasonalNaiveForecaster(seasonLength);
        }

        /// <summary>The drift baseline: the line through the first and last observations.</summary>
        /// <param name="catalog">The forecasting catalog.</param>
        /// <returns>The baseline.</returns>
        public static DriftForecaster Drift(this ForecastingCatalog catalog)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new DriftForecaster();
        }

        /// <summary>Naive2, M4's reference method: the naive forecast of the seasonally adjusted series (see <see cref="Naive2Forecaster"/>).</summary>
        /// <param name="catalog">The forecasting catalog.</param>
        /// <param name="seasonLength">The season length m (1 = no seasonal adjustment).</param>
        /// <returns>The forecaster.</returns>
        public static Naive2Forecaster Naive2(this ForecastingCatalog catalog, int seasonLength)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new Naive2Forecaster(seasonLength);
        }

        /// <summary>Simple exponential smoothing on the seasonally adjusted series, as the M4 organisers ran it.</summary>
        /// <param name="catalog">The forecasting catalog.</param>
        /// <param name="seasonLength">The season length m (1 = no seasonal adjustment).</param>
        /// <returns>The forecaster.</returns>
        public static SimpleExponentialSmoothingForecaster SimpleExponentialSmoothing(this ForecastingCatalog catalog, int seasonLength = 1)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new SimpleExponentialSmoothingForecaster(seasonLength);
        }

        /// <summary>Holt's linear trend method, or its damped form, on the seasonally adjusted series, as the M4 organisers ran it.</summary>
        /// <param name="catalog">The forecasting catalog.</param>
        /// <param name="seasonLength">The season length m (1 = no seasonal adjustment).</param>
        /// <param name="damped">Damp the trend.</param>
        /// <returns>The forecaster.</returns>
        public static HoltForecaster Holt(this ForecastingCatalog catalog, int seasonLength = 1, bool damped = false)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new HoltForecaster(seasonLength, damped);
        }

        /// <summary>The Theta method on the seasonally adjusted series, as the M4 organisers ran it.</summary>
        /// <param name="catalog">The forecasting catalog.</param>
        /// <param name="seasonLength">The season length m (1 = no seasonal adjustment).</param>
        /// <returns>The forecaster.</returns>
        public static ThetaForecaster Theta(this ForecastingCatalog catalog, int seasonLength = 1)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new ThetaForecaster(seasonLength);
        }

        /// <summary>M4's "Com": the mean of SES, Holt and damped trend on the seasonally adjusted series.</summary>
        /// <param name="catalog">The forecasting catalog.</param>
        /// <param name="seasonLength">The season length m (1 = no seasonal adjustment).</param>
        /// <returns>The forecaster.</returns>
        public static SesHoltDampedCombinationForecaster SesHoltDampedCombination(this ForecastingCatalog catalog, int seasonLength = 1)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new SesHoltDampedCombinationForecaster(seasonLength);
        }

        /// <summary>
        /// An ensemble: every member trains on the same series and the forecasts combine step by step (median by default),
        /// e.g. N-BEATS models differing in seed and window length.
        /// </summary>
        /// <param name="catalog">The forecasting catalog.</param>
        /// <param name="members">At least one method.</param>
        /// <returns>The ensemble.</returns>
        public static EnsembleForecaster Ensemble(this ForecastingCatalog catalog, params IForecastingMethod[] members)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new EnsembleForecaster(members);
        }

        /// <summary>
        /// Model selection by backtest over the M4 statistical methods (seasonal naive, Naive2, SES, damped trend, Theta):
        /// per series, the candidate that forecast its last <paramref name="horizon"/> steps best (by MASE) forecasts it.
        /// </summary>
        /// <param name="catalog">The forecasting catalog.</param>
        /// <param name="horizon">Steps forecast (and held out to validate).</param>
        /// <param name="seasonLength">The season length m.</param>
        /// <returns>The forecaster.</returns>
        public static AutoForecaster Auto(this ForecastingCatalog catalog, int horizon, int seasonLength = 1) =>
            Auto(catalog, new AutoForecasterOptions { Horizon = horizon, SeasonLength = seasonLength });

        /// <summary>Model selection by backtest with every option (add sequence forecasters to the candidates to let them compete).</summary>
        /// <param name="catalog">The forecasting catalog.</param>
        /// <param name="options">Horizon, season, candidates, selection and validation windows.</param>
        /// <returns>The forecaster.</returns>
        public static AutoForecaster Auto(this ForecastingCatalog catalog, AutoForecasterOptions options)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new AutoForecaster(options);
        }

        /// <summary>A rolling-origin backtest of models and baselines side by side.</summary>
        /// <param name="catalog">The forecasting catalog.</param>
        /// <param name="series">The series.</param>
        /// <param name="options">Folds and metrics.</param>
        /// <param name="methods">Forecasters (trained at each retraining fold) and baselines.</param>
        /// <returns>Per-fold and aggregate metrics.</returns>
        public static BacktestResult Backtest(this ForecastingCatalog catalog, IReadOnlyList<SeriesFrame> series, BacktestOptions options, params IForecastingMethod[] methods)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return Backtester.Run(series, options, methods);
        }
    }
}
