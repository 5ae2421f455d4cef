using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Forecasting;
using MLNet.Sequence.Tests.Support;

namespace MLNet.Sequence.Tests.Forecasting;

[TestClass]
public sealed class MetricsAndBaselineTests
{
    // A worked example, every number derived by hand from the definitions:
    // actual 10, 20, 30; forecast 12, 18, 33 → errors -2, 2, -3.
    private static readonly double[] Actual = { 10, 20, 30 };
    private static readonly double[] Predicted = { 12, 18, 33 };

    [TestMethod]
    public void PointMetricsMatchHandComputedValues()
    {
        Assert.AreEqual(7.0 / 3, ForecastMetrics.Mae(Actual, Predicted), 1e-12, "(2 + 2 + 3) / 3");
        Assert.AreEqual(Math.Sqrt(17.0 / 3), ForecastMetrics.Rmse(Actual, Predicted), 1e-12, "sqrt((4 + 4 + 9) / 3)");
        Assert.AreEqual(100.0 / 3 * (0.2 + 0.1 + 0.1), ForecastMetrics.Mape(Actual, Predicted), 1e-12, "(2/10 + 2/20 + 3/30) / 3, in percent");
        // M4 sMAPE: (200 / h) Σ |y − ŷ| / (|y| + |ŷ|) = (200 / 3) (2/22 + 2/38 + 3/63).
        Assert.AreEqual(200.0 / 3 * (2.0 / 22 + 2.0 / 38 + 3.0 / 63), ForecastMetrics.Smape(Actual, Predicted), 1e-12);
        // M4 MASE with m = 2 on history 1, 3, 2, 6, 4: seasonal errors |2−1|, |6−3|, |4−2| → scale (1 + 3 + 2) / 3 = 2.
        Assert.AreEqual((7.0 / 3) / 2, ForecastMetrics.Mase(new double[] { 1, 3, 2, 6, 4 }, Actual, Predicted, 2), 1e-12);
        Assert.AreEqual(2.0, ForecastMetrics.SeasonalNaiveScale(new double[] { 1, 3, 2, 6, 4 }, 2), 1e-12);
    }

    [TestMethod]
    public void ProbabilisticMetricsMatchHandComputedValues()
    {
        // Quantiles 0.1 and 0.9; y = 10 with forecasts (8, 13); y = 20 with (21, 25).
        // Step 1: e = 2 and -3 → 0.1·2 = 0.2 and 0.1·3 = 0.3. Step 2: e = -1 and -5 → 0.9·1 = 0.9 and 0.1·5 = 0.5.
        var q = new[] { new double[] { 8, 13 }, new double[] { 21, 25 } };
        Assert.AreEqual((0.2 + 0.3 + 0.9 + 0.5) / 4, ForecastMetrics.Pinball(new double[] { 10, 20 }, q, new[] { 0.1f, 0.9f }), 1e-7);
        Assert.AreEqual(0.5, ForecastMetrics.Coverage(new double[] { 10, 20 }, new double[] { 8, 21 }, new double[] { 13, 25 }), 1e-12, "10 inside [8, 13], 20 below [21, 25]");
    }

    [TestMethod]
    public void MetricEdgeCasesAreExplicit()
    {
        Assert.Contains("MAPE is undefined", Assert.ThrowsExactly<ArgumentException>(() => ForecastMetrics.Mape(new double[] { 0, 1 }, new double[] { 1, 1 })).Message);
        Assert.AreEqual(0.0, ForecastMetrics.Smape(new double[] { 0 }, new double[] { 0 }), "0/0 counts 0");
        Assert.Contains("perfect", Assert.ThrowsExactly<ArgumentException>(() => ForecastMetrics.Mase(new double[] { 5, 5, 5 }, new double[] { 5 }, new double[] { 6 }, 1)).Message);
        Assert.ThrowsExactly<ArgumentException>(() => ForecastMetrics.Mae(new double[] { 1 }, new double[] { 1, 2 }));
    }

    [TestMethod]
    public void AirPassengersSeasonalNaiveMatchesThePublishedFigures()
    {
        // Train 1949-1959, forecast 1960 with last year's values: sMAPE 10.57 and MASE 1.57 (the figures the issue gives).
        var points = TestData.AirPassengers();
        var train = SeriesFrame.Univariate("air", points.Take(132).Select(p => p.Value).ToArray(), points.Take(132).Select(p => p.Time).ToArray());
        var actual = points.Skip(132).Select(p => (double)p.Value).ToArray();
        var ml = new MLContext(1);
        var f = ml.Forecasting.SeasonalNaive(12).Forecast(train, 12).Point[0].Select(x => (double)x).ToArray();
        CollectionAssert.AreEqual(points.Skip(120).Take(12).Select(p => (double)p.Value).ToArray(), f, "1960 forecast = 1959");
        Assert.AreEqual(10.57, ForecastMetrics.Smape(actual, f), 0.005);
        Assert.AreEqual(1.57, ForecastMetrics.Mase(train.Values[0].Select(x => (double)x).ToArray(), actual, f, 12), 0.005);
    }

    [TestMethod]
    public void BaselinesForecastByTheirDefinitions()
    {
        var s = SeriesFrame.Univariate("s", new float[] { 1, 3, 2, 6, 4 });
        CollectionAssert.AreEqual(new float[] { 4, 4, 4 }, new NaiveForecaster().Forecast(s, 3).Point[0]);
        CollectionAssert.AreEqual(new float[] { 6, 4, 6 }, new SeasonalNaiveForecaster(2).Forecast(s, 3).Point[0]);
        // Drift: slope (4 − 1) / 4 = 0.75 → 4.75, 5.5, 6.25.
        CollectionAssert.AreEqual(new float[] { 4.75f, 5.5f, 6.25f }, new DriftForecaster().Forecast(s, 3).Point[0]);
        Assert.Contains("greater than 1", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SeasonalNaiveForecaster(1)).Message);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLContext(1).Forecasting.SeasonalNaive(0));
        Assert.Contains("at least one season", Assert.ThrowsExactly<ArgumentException>(() => new SeasonalNaiveForecaster(12).Forecast(s, 1)).Message);
    }
}

[TestClass]
public sealed class BacktestFoldTests
{
    /// <summary>Records what each training call saw; forecasts the last value.</summary>
    private sealed class Recorder : IForecastingMethod
    {
        public List<(int Start, int Length)> Trained { get; } = new();
        public string Name => "recorder";

        public IForecaster Train(IReadOnlyList<SeriesFrame> training)
        {
            var s = training[0];
            Trained.Add(((int)s.NumericTimes![0], s.Length));
            return new NaiveForecaster();
        }
    }

    private static SeriesFrame Ramp(int n) => new("ramp", new[] { Enumerable.Range(0, n).Select(i => (float)(i * i % 13 + 1)).ToArray() },
        numericTimes: Enumerable.Range(0, n).Select(i => (double)i).ToArray());

    [TestMethod]
    public void ExpandingAndSlidingWindowsAndRetraining()
    {
        var expanding = new Recorder();
        var r = Backtester.Run(new[] { Ramp(100) }, new BacktestOptions { Horizon = 5, InitialTrainingSize = 60, Stride = 10, SeasonLength = 7 }, new IForecastingMethod[] { expanding });
        CollectionAssert.AreEqual(new[] { 60, 70, 80, 90 }, r.Folds.Select(f => f.Origin).ToArray(), "origins 60, 70, 80, 90 (95 + 5 would pass the end)");
        CollectionAssert.AreEqual(new[] { (0, 60), (0, 70), (0, 80), (0, 90) }, expanding.Trained);

        var sliding = new Recorder();
        Backtester.Run(new[] { Ramp(100) }, new BacktestOptions { Horizon = 5, InitialTrainingSize = 60, Stride = 10, Expanding = false, RetrainEvery = 2, SeasonLength = 7 },
            new IForecastingMethod[] { sliding });
        CollectionAssert.AreEqual(new[] { (0, 60), (20, 60) }, sliding.Trained, "a 60-step window, retrained at folds 0 and 2");

        var limited = Backtester.Run(new[] { Ramp(100) }, new BacktestOptions { Horizon = 5, InitialTrainingSize = 60, MaximumFolds = 2 }, new IForecastingMethod[] { new NaiveForecaster() });
        CollectionAssert.AreEqual(new[] { 60, 65 }, limited.Folds.Select(f => f.Origin).ToArray(), "stride defaults to the horizon");
        var periodic = new SeriesFrame("weekly", new[] { Enumerable.Range(0, 100).Select(i => (float)(i % 7 + 1)).ToArray() });
        var perfect = Backtester.Run(new[] { periodic }, new BacktestOptions { Horizon = 7, InitialTrainingSize = 70, SeasonLength = 7 }, new IForecastingMethod[] { new SeasonalNaiveForecaster(7) });
        Assert.IsTrue(perfect.Folds.All(f => double.IsNaN(f.Mase) && f.Mae == 0), "MASE is undefined on a perfectly periodic series: NaN, not an exception");
        Assert.Contains("No fold fits", Assert.ThrowsExactly<ArgumentException>(() =>
            Backtester.Run(new[] { Ramp(50) }, new BacktestOptions { Horizon = 5, InitialTrainingSize = 60 }, new IForecastingMethod[] { new NaiveForecaster() })).Message);
    }
}
