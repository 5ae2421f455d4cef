using System;
using Microsoft.ML;
using MLNet.Sequence.Anomaly;
using MLNet.Sequence.Estimators;

namespace MLNet.Sequence
{
    /// <summary>
    /// Sequence anomaly detectors on <c>mlContext.AnomalyDetection</c>. Each adds ML.NET's anomaly output (a vector
    /// [Alert, RawScore, PValue], as <c>DetectIidSpike</c> writes it) and a [0, 1] anomaly score, scoring each point from
    /// the points before it.
    /// </summary>
    public static class SequenceAnomalyCatalog
    {
        /// <summary>A detector with every option (<see cref="SequenceAnomalyDetectorOptions"/>).</summary>
        /// <param name="catalog">The anomaly detection catalog.</param>
        /// <param name="options">The options.</param>
        /// <returns>The estimator.</returns>
        public static SequenceAnomalyDetector DetectSequenceAnomalies(this AnomalyDetectionCatalog catalog, SequenceAnomalyDetectorOptions options)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new SequenceAnomalyDetector(MlNetInternals.EnvironmentOf(catalog), options);
        }

        /// <summary>
        /// Forecast-residual detection: an LSTM forecasts each point from the <paramref name="windowLength"/> points before
        /// it, and the miss, calibrated against the series' usual misses, gives the p-value.
        /// </summary>
        /// <param name="catalog">The anomaly detection catalog.</param>
        /// <param name="outputColumnName">The [Alert, RawScore, PValue] column.</param>
        /// <param name="inputColumnName">The numeric value column.</param>
        /// <param name="probationaryPeriod">Points per series that only teach the detector (at least windowLength + 10).</param>
        /// <param name="windowLength">Points the network reads.</param>
        /// <param name="falseAlarmRate">Alerts are p-values below this rate.</param>
        /// <param name="seriesColumnName">Optional series key column.</param>
        /// <returns>The estimator.</returns>
        public static SequenceAnomalyDetector DetectByForecastResidual(this AnomalyDetectionCatalog catalog, string outputColumnName, string inputColumnName,
            int probationaryPeriod = 750, int windowLength = 32, double falseAlarmRate = 1e-5, string? seriesColumnName = null) =>
            catalog.DetectSequenceAnomalies(new SequenceAnomalyDetectorOptions
            {
                Method = AnomalyDetectionMethod.ForecastResidual, OutputColumnName = outputColumnName, InputColumnName = inputColumnName,
                ProbationaryPeriod = probationaryPeriod, WindowLength = windowLength, FalseAlarmRate = falseAlarmRate, SeriesColumnName = seriesColumnName,
            });

        /// <summary>
        /// Reconstruction detection: an LSTM autoencoder reconstructs the <paramref name="windowLength"/> points ending at
        /// each point through its hidden state, and the error, calibrated against the series' usual errors, gives the p-value.
        /// </summary>
        /// <param name="catalog">The anomaly detection catalog.</param>
        /// <param name="outputColumnName">The [Alert, RawScore, PValue] column.</param>
        /// <param name="inputColumnName">The numeric value column.</param>
        /// <param name="probationaryPeriod">Points per series that only teach the detector (at least windowLength + 10).</param>
        /// <param name="windowLength">Points per reconstructed window.</param>
        /// <param name="falseAlarmRate">Alerts are p-values below this rate.</param>
        /// <param name="seriesColumnName">Optional series key column.</param>
        /// <returns>The estimator.</returns>
        public static SequenceAnomalyDetector DetectByReconstruction(this AnomalyDetectionCatalog catalog, string outputColumnName, string inputColumnName,
            int probationaryPeriod = 750, int windowLength = 32, double falseAlarmRate = 1e-5, string? seriesColumnName = null) =>
            catalog.DetectSequenceAnomalies(new SequenceAnomalyDetectorOptions
            {
                Method = AnomalyDetectionMethod.Reconstruction, OutputColumnName = outputColumnName, InputColumnName = inputColumnName,
                ProbationaryPeriod = probationaryPeriod, WindowLength = windowLength, FalseAlarmRate = falseAlarmRate, SeriesColumnName = seriesColumnName,
            });

        /// <summary>
        /// NAB's windowed Gaussian reference detector as a transform: each value's tail probability under a normal fitted
        /// to the (up to 6,400) values before it. No network; its anomaly score is 1 − PValue, as NAB defines it.
        /// </summary>
        /// <param name="catalog">The anomaly detection catalog.</param>
        /// <param name="outputColumnName">The [Alert, RawScore, PValue] column.</param>
        /// <param name="inputColumnName">The numeric value column.</param>
        /// <param name="probationaryPeriod">Points per series reported as normal while the normal is first fitted.</param>
        /// <param name="falseAlarmRate">Alerts are p-values below this rate.</param>
        /// <param name="seriesColumnName">Optional series key column.</param>
        /// <returns>The estimator.</returns>
        public static SequenceAnomalyDetector DetectByWindowedGaussian(this AnomalyDetectionCatalog catalog, string outputColumnName, string inputColumnName,
            int probationaryPeriod = 750, double falseAlarmRate = 1e-5, string? seriesColumnName = null) =>
            catalog.DetectSequenceAnomalies(new SequenceAnomalyDetectorOptions
            {
                Method = AnomalyDetectionMethod.WindowedGaussian, OutputColumnName = outputColumnName, InputColumnName = inputColumnName,
                ProbationaryPeriod = probationaryPeriod, FalseAlarmRate = falseAlarmRate, SeriesColumnName = seriesColumnName,
            });
    }
}
