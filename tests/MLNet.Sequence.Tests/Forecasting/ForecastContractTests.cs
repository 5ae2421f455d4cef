using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Forecasting;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms;

namespace MLNet.Sequence.Tests.Forecasting;

[TestClass]
public sealed class ForecastContractTests
{
    private static IDataView TwoSeries(MLContext ml) => SeriesFrames.ToDataView(new[]
    {
        ForecasterTests.Monthly("timeseries/AirPassengers.csv", "AirPassengers"),
        ForecasterTests.Monthly("timeseries/co2.csv", "co2").Slice(0, 200),
    }, new[] { "Value" });

    [TestMethod]
    public void TimeFeaturesContract()
    {
        var ml = new MLContext(1);
        var data = TwoSeries(ml);
        var spec = new TimeFeatureSpec { Calendar = CalendarFeatures.MonthOfYear | CalendarFeatures.DayOfYear };
        var t = EstimatorContract.Verify(ml, new EstimatorContract.Case<TimeFeaturesTransformer>
        {
            Estimator = ml.Transforms.AddTimeFeatures("Time", spec),
            Train = data,
            OutputColumns = spec.Names.ToArray(),
            BadInputs = new List<(string, IDataView, string)> { ("text time", ml.Data.LoadFromEnumerable(new[] { new { Time = "1949-01" } }), "'Time'") },
        });
        var months = TestData.Column(t.Transform(data), "TimeMonthOfYearSin").Take(13).Cast<float>().ToArray();
        Assert.AreEqual(0f, months[0], 1e-6f, "January: sin 0");
        Assert.AreEqual(1f, months[3], 1e-6f, "April: sin(2π·3/12) = 1");
        Assert.AreEqual(months[0], months[12], 1e-6f, "a year later, the same");
        Assert.Contains("DateTime", Assert.ThrowsExactly<ArgumentException>(() =>
            ml.Transforms.AddTimeFeatures("Index", spec).Fit(ml.Data.LoadFromEnumerable(TestData.AirPassengers()))).Message);
    }

    [TestMethod]
    public void SequenceForecasterContract()
    {
        var ml = new MLContext(1);
        var data = TwoSeries(ml);
        EstimatorContract.Verify(ml, new EstimatorContract.Case<SequenceForecastTransformer>
        {
            Estimator = ml.Forecasting.SequenceForecaster(new SequenceForecasterOptions
            {
                ValueColumns = new[] { "Value" }, TimeColumnName = "Time", SeriesColumnName = "Series", TimeStep = TimeStep.Months(1),
                WindowLength = 12, Horizon = 3, Quantiles = new[] { 0.2f, 0.5f, 0.8f },
                TimeFeatures = new TimeFeatureSpec { Calendar = CalendarFeatures.MonthOfYear },
                Model = new LstmOptions { HiddenSize = 8, NumberOfEpochs = 2 },
            }),
            Train = data,
            OutputColumns = new[] { "Series", "Forecast", "ForecastLower", "ForecastUpper", "ForecastQuantiles" },
            BadInputs = new List<(string, IDataView, string)> { ("no value column", ml.Data.LoadFromEnumerable(new[] { new { Time = DateTime.Now, Series = "a" } }), "'Value'") },
            UsesTorch = true,
        }).Dispose();
    }
}
