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
    public void PeriodicFeaturesOfNumericTimeSurviveSaving()
    {
        // taylor's time is in weeks (step 1/336): periods of 48 and 336 steps give daily and weekly cycles.
        var ml = new MLContext(1);
        var points = TestData.Taylor().Take(1500).ToList();
        var frame = new SeriesFrame("taylor", new[] { points.Select(p => p.Value).ToArray() }, numericTimes: points.Select(p => p.Index).ToArray());
        using var model = ml.Forecasting.SequenceForecaster(new SequenceForecasterOptions
        {
            ValueColumns = new[] { "Value" }, TimeColumnName = "Time", TimeStep = TimeStep.Numeric(1.0 / 336), WindowLength = 48, Horizon = 12,
            TimeFeatures = new TimeFeatureSpec { Periods = new[] { 48, 336 } },
            Model = new CnnOptions { Channels = 8, NumberOfLayers = 2, NumberOfEpochs = 1 },
        }).Fit(SeriesFrames.ToDataView(new[] { frame }, new[] { "Value" }));
        var f = model.Forecast(frame, 12);
        Assert.AreEqual(points[^1].Index + 1.0 / 336, f.NumericTimes![0], 1e-9, "forecast steps continue the numeric time");
        var path = System.IO.Path.GetTempFileName();
        try
        {
            ml.Model.SaveSequenceModel(model, SeriesFrames.ToDataView(new[] { frame }, new[] { "Value" }).Schema, path);
            using var loaded = (Microsoft.ML.Data.TransformerChain<ITransformer>)ml.Model.LoadSequenceModel(path, out _);
            CollectionAssert.AreEqual(f.Point[0], loaded.OfType<SequenceForecastTransformer>().Single().Forecast(frame, 12).Point[0]);
        }
        finally { System.IO.File.Delete(path); }
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

    [TestMethod]
    public void CalibratedInterpretableNBeatsForecasterContract()
    {
        // N-BEATS with time features joined to every block, conformal offsets, and the contract's checks (schema, saving,
        // bad input, no tensor leaks over repeated transforms).
        var ml = new MLContext(1);
        var data = TwoSeries(ml);
        EstimatorContract.Verify(ml, new EstimatorContract.Case<SequenceForecastTransformer>
        {
            Estimator = ml.Forecasting.SequenceForecaster(new SequenceForecasterOptions
            {
                ValueColumns = new[] { "Value" }, TimeColumnName = "Time", SeriesColumnName = "Series", TimeStep = TimeStep.Months(1),
                WindowLength = 12, Horizon = 3, Quantiles = new[] { 0.2f, 0.5f, 0.8f }, CalibrationSteps = 12,
                TimeFeatures = new TimeFeatureSpec { Calendar = CalendarFeatures.MonthOfYear },
                Model = new NBeatsOptions { Interpretable = true, LayerWidth = 16, NumberOfBlocks = 2, NumberOfEpochs = 2 },
            }),
            Train = data,
            OutputColumns = new[] { "Series", "Forecast", "ForecastLower", "ForecastUpper", "ForecastQuantiles" },
            BadInputs = new List<(string, IDataView, string)> { ("no value column", ml.Data.LoadFromEnumerable(new[] { new { Time = DateTime.Now, Series = "a" } }), "'Value'") },
            UsesTorch = true,
        }).Dispose();
    }
}
