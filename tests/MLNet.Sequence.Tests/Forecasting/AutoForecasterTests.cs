using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Forecasting;
using MLNet.Sequence.Tests.Support;

namespace MLNet.Sequence.Tests.Forecasting;

[TestClass]
public sealed class AutoForecasterTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void PicksPerSeriesTheCandidateThatValidatedBest()
    {
        // A straight line and a pure 4-step cycle: drift forecasts the first exactly, seasonal naive the second.
        var line = SeriesFrame.Univariate("line", Enumerable.Range(0, 40).Select(i => 10f + 2 * i).ToArray());
        var cycle = SeriesFrame.Univariate("cycle", Enumerable.Range(0, 40).Select(i => new[] { 5f, 9f, 2f, 7f }[i % 4]).ToArray());
        var ml = new MLContext(1);
        using var auto = ml.Forecasting.Auto(new AutoForecasterOptions
        {
            Horizon = 4, SeasonLength = 4, Candidates = new IForecastingMethod[] { ml.Forecasting.Drift(), ml.Forecasting.SeasonalNaive(4) },
        }).Train(new[] { line, cycle });
        CollectionAssert.AreEqual(new[] { 1.0, 0.0 }, auto.Weights("line"), "drift validated perfectly on the line");
        CollectionAssert.AreEqual(new[] { 0.0, 1.0 }, auto.Weights("cycle"), "seasonal naive on the cycle");
        CollectionAssert.AreEqual(new[] { 90f, 92f, 94f, 96f }, auto.Forecast(line, 4).Point[0]);
        CollectionAssert.AreEqual(new[] { 5f, 9f, 2f, 7f }, auto.Forecast(cycle, 4).Point[0]);
        // A series not seen in training gets the candidate best on average.
        Assert.AreEqual(1.0, auto.Weights("unseen").Max());

        using var weighted = ml.Forecasting.Auto(new AutoForecasterOptions
        {
            Horizon = 4, SeasonLength = 4, Selection = AutoForecastSelection.InverseErrorWeights,
            Candidates = new IForecastingMethod[] { ml.Forecasting.Naive(), ml.Forecasting.SeasonalNaive(4) },
        }).Train(new[] { line });
        var w = weighted.Weights("line");
        Assert.AreEqual(1.0, w.Sum(), 1e-12);
        Assert.IsTrue(w[0] > w[1], $"naive errs less than seasonal naive on a line: {w[0]:F3} vs {w[1]:F3}");
    }

    [TestMethod]
    public void OnMonthlySeriesItLosesToNeitherSeasonalNaiveNorTheta()
    {
        // AirPassengers and co2, 1960 and 1997 held out: the default candidates validated on the year before.
        var ml = new MLContext(1);
        foreach (var (file, id) in new[] { ("timeseries/AirPassengers.csv", "AirPassengers"), ("timeseries/co2.csv", "co2") })
        {
            var all = ForecasterTests.Monthly(file, id);
            var train = all.Slice(0, all.Length - 12);
            var actual = all.Values[0].Skip(all.Length - 12).Select(v => (double)v).ToArray();
            double Smape(IForecaster f) => ForecastMetrics.Smape(actual, f.Forecast(train, 12).Point[0].Select(v => (double)v).ToArray());
            using var auto = ml.Forecasting.Auto(12, 12).Train(new[] { train });
            double a = Smape(auto), seasonal = Smape(ml.Forecasting.SeasonalNaive(12)), theta = Smape(ml.Forecasting.Theta(12));
            TestContext.WriteLine($"{id}: auto {a:F2} ({string.Join(", ", auto.CandidateNames.Zip(auto.Weights(id), (n, x) => $"{n} {x:F0}"))}), seasonal naive {seasonal:F2}, Theta {theta:F2}");
            Assert.IsLessThanOrEqualTo(seasonal, a, $"{id}: auto against seasonal naive");
            Assert.IsLessThanOrEqualTo(theta * 1.05, a, $"{id}: auto against Theta");
        }
    }

    [TestMethod]
    public void BadOptionsAreRefused()
    {
        var ml = new MLContext(1);
        Assert.Contains("Horizon", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Forecasting.Auto(0)).Message);
        Assert.Contains("Candidates", Assert.ThrowsExactly<ArgumentException>(() => ml.Forecasting.Auto(new AutoForecasterOptions
            { Horizon = 2, Candidates = Array.Empty<IForecastingMethod>() })).Message);
        var tooShort = Assert.ThrowsExactly<ArgumentException>(() => ml.Forecasting.Auto(12, 12).Train(new[] { SeriesFrame.Univariate("s", new float[20]) }));
        Assert.Contains("'s'", tooShort.Message);
    }
}
