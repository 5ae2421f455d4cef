using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Transforms;

namespace MLNet.Sequence.Tests;

[TestClass]
public sealed class ScalingTests
{
    private static IEstimator<ITransformer> Windows(MLContext ml) =>
        ml.Transforms.CreateWindows(new TimeSeriesWindowEstimator.Options { ValueColumns = new[] { "Value" }, WindowLength = 24, Horizon = 12, TimeColumnName = "Time" });

    [TestMethod]
    public void WindowScalingStandardisesEachWindowAndInverts()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(TestData.AirPassengers());
        var model = Windows(ml)
            .Append(ml.Transforms.CopyColumns("RawWindow", "Window"))
            .Append(ml.Transforms.CopyColumns("RawTarget", "Target"))
            .Append(ml.Transforms.ScaleWindows())
            .Append(ml.Transforms.InverseScale("Restored", "Target"))
            .Fit(data);
        var output = model.Transform(data);
        var raw = TestData.Vectors<float>(output, "RawWindow");
        var scaled = TestData.Vectors<float>(output, "Window");
        var loc = TestData.Vectors<float>(output, "ScaleLocation");
        var scale = TestData.Vectors<float>(output, "ScaleFactor");
        var rawTarget = TestData.Vectors<float>(output, "RawTarget");
        var restored = TestData.Vectors<float>(output, "Restored");
        for (int w = 0; w < raw.Length; w++)
        {
            double mean = raw[w].Average();
            double sd = Math.Sqrt(raw[w].Select(x => (x - mean) * (x - mean)).Average());
            Assert.AreEqual(mean, loc[w][0], 1e-3);
            Assert.AreEqual(sd, scale[w][0], 1e-3);
            Assert.AreEqual(0, scaled[w].Average(), 1e-4, "scaled window mean");
            Assert.AreEqual(1, Math.Sqrt(scaled[w].Select(x => (double)x * x).Average()), 1e-3, "scaled window sd");
            for (int h = 0; h < 12; h++)
                Assert.AreEqual(rawTarget[w][h], restored[w][h], 1e-3, "inverse of the scaled target is the original");
        }
    }

    [TestMethod]
    public void SeriesScalingIsLearnedPerSeriesAndStored()
    {
        var ml = new MLContext(1);
        var points = TestData.AirPassengers().Concat(TestData.Monthly("timeseries/co2.csv", "co2")).ToList();
        var data = ml.Data.LoadFromEnumerable(points);
        var pipeline = ml.Transforms.ScaleSeries(new[] { "Value" }, "Series", ScalingMethod.MeanAbsolute)
            .Append(ml.Transforms.CreateWindows(new TimeSeriesWindowEstimator.Options
            {
                ValueColumns = new[] { "Value" }, WindowLength = 12, Horizon = 3, SeriesColumnName = "Series", CarryColumns = new[] { "SeriesLocation", "SeriesScale" },
            }))
            .Append(ml.Transforms.InverseScale("Restored", "Target", "SeriesLocation", "SeriesScale"));
        var model = pipeline.Fit(data);
        var scaler = (SeriesScalingTransformer)model.First();
        foreach (var s in new[] { "AirPassengers", "co2" })
        {
            double meanAbs = points.Where(p => p.Series == s).Average(p => Math.Abs(p.Value));
            var (location, factor) = scaler.GetStatistics(s, "Value");
            Assert.AreEqual(0f, location);
            Assert.AreEqual(meanAbs, factor, meanAbs * 1e-6, s);
        }
        var output = model.Transform(data);
        var restored = TestData.Vectors<float>(output, "Restored");
        var series = TestData.Column(output, "Series").Cast<string>().ToArray();
        var air = points.Where(p => p.Series == "AirPassengers").ToList();
        CollectionAssert.AreEqual(air.Skip(12).Take(3).Select(p => p.Value).ToArray(), restored[0].Select(x => MathF.Round(x, 2)).ToArray());
        Assert.AreEqual("AirPassengers", series[0]);

        var path = System.IO.Path.GetTempFileName();
        try
        {
            ml.Model.SaveSequenceModel(model, data.Schema, path);
            var loaded = ml.Model.LoadSequenceModel(path, out _);
            TestData.AssertSameColumns(output, loaded.Transform(data), new[] { "Window", "Target", "Restored", "SeriesScale" });
        }
        finally { System.IO.File.Delete(path); }

        var unseen = ml.Data.LoadFromEnumerable(TestData.Monthly("timeseries/AirPassengers.csv", "elsewhere"));
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => TestData.Column(scaler.Transform(unseen), "Value"));
        Assert.Contains("'elsewhere'", e.Message);
        Assert.Contains("UnknownSeries", e.Message);
    }

    [TestMethod]
    public void ContractOfWindowScaling()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(TestData.AirPassengers());
        var windows = Windows(ml).Fit(data);
        EstimatorContract.Verify(ml, new EstimatorContract.Case<WindowScalingTransformer>
        {
            Estimator = ml.Transforms.ScaleWindows(),
            Prefix = windows,
            Train = data,
            OutputColumns = new[] { "Window", "Target", "ScaleLocation", "ScaleFactor" },
            BadInputs = new List<(string, IDataView, string)>
            {
                ("text window", ml.Data.LoadFromEnumerable(new[] { new { Window = "x" } }), "'Window'"),
            },
        });
    }

    [TestMethod]
    public void ContractOfSeriesScaling()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(TestData.AirPassengers());
        EstimatorContract.Verify(ml, new EstimatorContract.Case<SeriesScalingTransformer>
        {
            Estimator = ml.Transforms.ScaleSeries(new[] { "Value" }, "Series"),
            Train = data,
            OutputColumns = new[] { "Value", "SeriesLocation", "SeriesScale" },
            BadInputs = new List<(string, IDataView, string)>
            {
                ("text value", ml.Data.LoadFromEnumerable(new[] { new { Value = "x", Series = "a" } }), "'Value'"),
            },
        });
    }

    [TestMethod]
    public void ConstantWindowStaysFinite()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 40).Select(i => new TestData.Point { Index = i, Value = 5f }));
        var model = ml.Transforms.CreateWindows(new[] { "Value" }, windowLength: 10, horizon: 2).Append(ml.Transforms.ScaleWindows()).Fit(data);
        var scaled = TestData.Vectors<float>(model.Transform(data), "Window");
        Assert.IsTrue(scaled.SelectMany(x => x).All(x => x == 0f), "a constant window scales to zeros, not NaN");
    }
}
