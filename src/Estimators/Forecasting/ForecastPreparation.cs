using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Transforms;
using MLNet.Sequence.Transforms.Internal;

namespace MLNet.Sequence.Forecasting
{
    /// <summary>
    /// The fitted preprocessing of a sequence forecaster, built once from its configuration and used both to train the
    /// network and to forecast, so the two cannot drift apart: time features (the same transformer computes the training
    /// rows' features and the forecast steps'), the windows (training windows, and the same transformer's latest-window
    /// mode at the forecast origin), per-window scaling and its inverse. The network's own standardisation, when window
    /// scaling is off, lives in the network's model and applies to both paths too.
    /// </summary>
    internal sealed class ForecastPreparation
    {
        public const string Window = "Window", Target = "Target", FutureCovariates = "FutureCovariates";
        public const string Location = "ScaleLocation", Scale = "ScaleFactor", Score = "Score", Output = "Forecast";

        private readonly ForecastConfig _c;
        private TimeSeriesWindowTransformer? _latestWithoutTime;

        public ForecastPreparation(ForecastConfig config)
        {
            _c = config;
            if (config.TimeFeatures != null)
                TimeFeatures = new TimeFeaturesTransformer(config.TimeColumnName!, config.TimeFeatures);
            Windows = new TimeSeriesWindowTransformer(TimeSeriesWindowTransformer.ToConfig(WindowOptions(config, config.TimeColumnName)));
            if (config.Scaling is ScalingMethod m)
            {
                Scaler = new WindowScalingTransformer(new WindowScalingTransformer.Config
                {
                    WindowColumnName = Window, TargetColumnName = Target, Method = m, LocationColumnName = Location, ScaleColumnName = Scale,
                });
                Inverse = new InverseScalingTransformer(new InverseScalingTransformer.Config
                {
                    OutputColumnName = Output, InputColumnName = Score, LocationColumnName = Location, ScaleColumnName = Scale,
                });
            }
        }

        /// <summary>Calendar and periodic features of the time column, or null.</summary>
        public TimeFeaturesTransformer? TimeFeatures { get; }

        /// <summary>The windows: training windows of length L with the trained horizon's targets and future covariates.</summary>
        public TimeSeriesWindowTransformer Windows { get; }

        /// <summary>Per-window scaling, or null.</summary>
        public WindowScalingTransformer? Scaler { get; }

        /// <summary>Maps the network's scaled outputs back to original units with each window's statistics, or null.</summary>
        public InverseScalingTransformer? Inverse { get; }

        /// <summary>The estimators' options of the windows, for schema checks before Fit.</summary>
        public static TimeSeriesWindowEstimator.Options WindowOptions(ForecastConfig c, string? timeColumn) => new()
        {
            ValueColumns = c.ValueColumns,
            PastCovariateColumns = c.PastCovariateColumns,
            FutureCovariateColumns = c.AllFutureColumns,
            TimeColumnName = timeColumn,
            TimeStep = timeColumn != null ? c.Step : null,
            SeriesColumnName = c.SeriesColumnName,
            WindowLength = c.WindowLength,
            Horizon = c.TrainedHorizon,
        };

        /// <summary>Training rows: time features, windows, window scaling (lazy, streaming).</summary>
        public IDataView ForTraining(IDataView input)
        {
            var rows = TimeFeatures?.Transform(input) ?? input;
            var windows = Windows.Transform(rows);
            return Scaler?.Transform(windows) ?? windows;
        }

        /// <summary>
        /// The network's input at the forecast origin of each series in <paramref name="history"/>: the latest window, scaled
        /// like the training windows, with <paramref name="futureCovariates"/> (one [H, K] vector per output row) added.
        /// </summary>
        public IDataView AtOrigin(IDataView history, bool historyHasTime, Func<long, float[]>? futureCovariates)
        {
            var latest = historyHasTime || _c.TimeColumnName == null ? Windows.Latest() : LatestWithoutTime();
            var windows = latest.Transform(history);
            var scaled = Scaler?.Transform(windows) ?? windows;
            if (futureCovariates == null)
                return scaled;
            var type = new VectorDataViewType(NumberDataViewType.Single, _c.TrainedHorizon, _c.AllFutureColumns.Length);
            return new MappedDataView(scaled, new PositionalVectorBinding(scaled.Schema, FutureCovariates, type, futureCovariates));
        }

        /// <summary>The forecast column of the network's scored rows, in original units.</summary>
        public IDataView Restore(IDataView scored) => Inverse?.Transform(scored) ?? scored;

        /// <summary>The name of the column <see cref="Restore"/> writes the forecasts to.</summary>
        public string RestoredColumn => Inverse != null ? Output : Score;

        /// <summary>For history without times when the forecaster has a time column (no time feature uses it): windows without time checks.</summary>
        private TimeSeriesWindowTransformer LatestWithoutTime() =>
            _latestWithoutTime ??= new TimeSeriesWindowTransformer(TimeSeriesWindowTransformer.ToConfig(WindowOptions(_c, null))).Latest();
    }
}
