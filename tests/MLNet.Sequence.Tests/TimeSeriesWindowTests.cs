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
public sealed class TimeSeriesWindowTests
{
    [TestMethod]
    public void AirPassengersWindowsAndTargets()
    {
        var ml = new MLContext(1);
        var points = TestData.AirPassengers();
        var data = ml.Data.LoadFromEnumerable(points);
        var t = ml.Transforms.CreateWindows(new TimeSeriesWindowEstimator.Options
        {
            ValueColumns = new[] { "Value" }, WindowLength = 12, Horizon = 12, TimeColumnName = "Time", TimeStep = TimeStep.Months(1),
        }).Fit(data);
        var output = t.Transform(data);
        var windows = TestData.Vectors<float>(output, "Window");
        var targets = TestData.Vectors<float>(output, "Target");
        var times = TestData.Column(output, "Time").Cast<DateTime>().ToArray();
        Assert.HasCount(144 - 24 + 1, windows);
        for (int w = 0; w < windows.Length; w++)
        {
            CollectionAssert.AreEqual(points.Skip(w).Take(12).Select(p => p.Value).ToArray(), windows[w]);
            CollectionAssert.AreEqual(points.Skip(w + 12).Take(12).Select(p => p.Value).ToArray(), targets[w]);
            Assert.AreEqual(points[w + 11].Time, times[w], "the time column is the forecast origin");
        }
        // The last window forecasts 1960 from 1959.
        Assert.AreEqual(new DateTime(1959, 12, 1), times[^1]);
        CollectionAssert.AreEqual(new float[] { 417, 391, 419, 461, 472, 535, 622, 606, 508, 461, 390, 432 }, targets[^1]);
        CollectionAssert.AreEqual(new[] { 12, 1 }, ((VectorDataViewType)output.Schema["Window"].Type).Dimensions.ToArray());
    }

    [TestMethod]
    public void TaylorWeeklyWindowsWithDailyStride()
    {
        var ml = new MLContext(1);
        var points = TestData.Taylor();
        var data = ml.Data.LoadFromEnumerable(points);
        // One week of half-hours (336) predicts the next day (48), one window per day.
        var t = ml.Transforms.CreateWindows(new TimeSeriesWindowEstimator.Options
        {
            ValueColumns = new[] { "Value" }, WindowLength = 336, Horizon = 48, Stride = 48, TimeColumnName = "Index", TimeStep = TimeStep.Numeric(1.0 / 336),
        }).Fit(data);
        var output = t.Transform(data);
        var windows = TestData.Vectors<float>(output, "Window");
        var targets = TestData.Vectors<float>(output, "Target");
        Assert.HasCount((4032 - 384) / 48 + 1, windows);
        for (int w = 0; w < windows.Length; w++)
        {
            Assert.AreEqual(points[w * 48].Value, windows[w][0]);
            Assert.AreEqual(points[w * 48 + 335].Value, windows[w][335]);
            Assert.AreEqual(points[w * 48 + 336].Value, targets[w][0]);
            Assert.AreEqual(points[w * 48 + 383].Value, targets[w][47]);
        }
    }

    private static List<TestData.Point> TwoSeries()
    {
        var a = TestData.AirPassengers();
        var b = TestData.Monthly("timeseries/co2.csv", "co2");
        return a.Concat(b).ToList();
    }

    [TestMethod]
    public void SeveralSeriesAndLatestWindows()
    {
        var ml = new MLContext(1);
        var points = TwoSeries();
        var data = ml.Data.LoadFromEnumerable(points);
        var options = new TimeSeriesWindowEstimator.Options
        {
            ValueColumns = new[] { "Value" }, WindowLength = 24, Horizon = 6, Stride = 6, TimeColumnName = "Time", SeriesColumnName = "Series", TimeStep = TimeStep.Months(1),
        };
        var t = ml.Transforms.CreateWindows(options).Fit(data);
        var output = t.Transform(data);
        var series = TestData.Column(output, "Series").Cast<string>().ToList();
        int air = (144 - 30) / 6 + 1, co2 = (468 - 30) / 6 + 1;
        Assert.AreEqual(air, series.Count(s => s == "AirPassengers"));
        Assert.AreEqual(co2, series.Count(s => s == "co2"));
        var firstCo2 = series.IndexOf("co2");
        CollectionAssert.AreEqual(points.Where(p => p.Series == "co2").Take(24).Select(p => p.Value).ToArray(), TestData.Vectors<float>(output, "Window")[firstCo2],
            "a window never mixes series");

        var latest = t.TransformLatest(data);
        var latestWindows = TestData.Vectors<float>(latest, "Window");
        Assert.HasCount(2, latestWindows);
        CollectionAssert.AreEqual(points.Where(p => p.Series == "co2").TakeLast(24).Select(p => p.Value).ToArray(), latestWindows[1]);
        Assert.IsNull(latest.Schema.GetColumnOrNull("Target"), "the latest window has no target");
        CollectionAssert.AreEqual(new object[] { new DateTime(1960, 12, 1), new DateTime(1997, 12, 1) }, TestData.Column(latest, "Time"));
    }

    private sealed class Weather
    {
        public float TempMax { get; set; }
        public float Precipitation { get; set; }
        public float DayOfWeek { get; set; }
        public float Index { get; set; }
    }

    [TestMethod]
    public void CovariatesAreCarriedAlongside()
    {
        var ml = new MLContext(1);
        var rows = System.IO.File.ReadLines(TestData.PathOf("timeseries/seattle-weather.csv")).Skip(1).Select((l, i) =>
        {
            var p = l.Split(',');
            var date = DateTime.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture);
            return new Weather { Precipitation = float.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture), TempMax = float.Parse(p[2], System.Globalization.CultureInfo.InvariantCulture), DayOfWeek = (int)date.DayOfWeek, Index = i };
        }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var t = ml.Transforms.CreateWindows(new TimeSeriesWindowEstimator.Options
        {
            ValueColumns = new[] { "TempMax" }, PastCovariateColumns = new[] { "Precipitation" }, FutureCovariateColumns = new[] { "DayOfWeek" },
            CarryColumns = new[] { "Index" }, WindowLength = 14, Horizon = 2,
        }).Fit(data);
        var output = t.Transform(data);
        var w = TestData.Vectors<float>(output, "Window");
        var f = TestData.Vectors<float>(output, "FutureCovariates");
        var idx = TestData.Column(output, "Index").Cast<float>().ToArray();
        Assert.HasCount(rows.Count - 16 + 1, w);
        Assert.AreEqual(rows[0].TempMax, w[0][0]);
        Assert.AreEqual(rows[0].Precipitation, w[0][1]);
        Assert.AreEqual(rows[13].Precipitation, w[0][27]);
        CollectionAssert.AreEqual(new[] { rows[14].DayOfWeek, rows[15].DayOfWeek }, f[0]);
        Assert.AreEqual(13f, idx[0]);
        CollectionAssert.AreEqual(new[] { 14, 2 }, ((VectorDataViewType)output.Schema["Window"].Type).Dimensions.ToArray());
    }

    [TestMethod]
    public void MemoryDoesNotGrowWithRows()
    {
        // A streaming cursor over 2,000,000 rows: if windows were materialised this would allocate hundreds of MB.
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 2_000_000).Select(i => new TestData.Point { Index = i, Value = MathF.Sin(i * 0.01f) }));
        var t = ml.Transforms.CreateWindows(new[] { "Value" }, windowLength: 64, horizon: 8, timeColumnName: "Index").Fit(data);
        var output = t.Transform(data);
        GC.Collect();
        long before = GC.GetAllocatedBytesForCurrentThread();
        long rows = 0;
        using (var cursor = output.GetRowCursor(output.Schema))
        {
            var g = cursor.GetGetter<VBuffer<float>>(output.Schema["Window"]);
            VBuffer<float> buf = default;
            while (cursor.MoveNext()) { g(ref buf); rows++; }
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.AreEqual(2_000_000L - 72 + 1, rows);
        // LoadFromEnumerable allocates per row (boxed row objects, about 50 bytes); the windows must add nothing per row.
        Assert.IsLessThan(200L * rows, allocated, $"allocated {allocated / rows} bytes per window");
    }

    private static IDataView Air(MLContext ml, Func<List<TestData.Point>, IEnumerable<TestData.Point>> edit) =>
        ml.Data.LoadFromEnumerable(edit(TestData.AirPassengers()).ToList());

    private static InvalidOperationException Fails(MLContext ml, IDataView data, TimeSeriesWindowEstimator.Options? options = null)
    {
        options ??= new TimeSeriesWindowEstimator.Options { ValueColumns = new[] { "Value" }, WindowLength = 12, Horizon = 12, TimeColumnName = "Time", TimeStep = TimeStep.Months(1) };
        var t = ml.Transforms.CreateWindows(options).Fit(data);
        return Assert.ThrowsExactly<InvalidOperationException>(() => TestData.Column(t.Transform(data), "Window"));
    }

    [TestMethod]
    public void BadSeriesGiveClearErrors()
    {
        var ml = new MLContext(1);
        var unsorted = Fails(ml, Air(ml, p => p.OrderBy(x => x.Value)));
        Assert.Contains("not sorted", unsorted.Message);
        Assert.Contains("'Time'", unsorted.Message);

        var dup = Fails(ml, Air(ml, p => p.Take(50).Append(p[49]).Concat(p.Skip(50))));
        Assert.Contains("Duplicate timestamp 1953-02-01", dup.Message);

        var gap = Fails(ml, Air(ml, p => p.Where((x, i) => i != 60)));
        Assert.Contains("Gap", gap.Message);
        Assert.Contains("1953-12-01", gap.Message);

        var nan = Fails(ml, Air(ml, p => p.Select((x, i) => i == 70 ? new TestData.Point { Series = x.Series, Time = x.Time, Value = float.NaN } : x)));
        Assert.Contains("'Value'", nan.Message);
        Assert.Contains("row 70", nan.Message);
        Assert.Contains("SkipWindowsWithMissingValues", nan.Message);

        var shortSeries = Fails(ml, Air(ml, p => p.Take(20)));
        Assert.Contains("20 rows", shortSeries.Message);
        Assert.Contains("SkipShortSeries", shortSeries.Message);

        var mixed = TwoSeries();
        var interleaved = ml.Data.LoadFromEnumerable(mixed.Take(100).Concat(mixed.Skip(144).Take(100)).Concat(mixed.Skip(100).Take(44)).ToList());
        var split = Fails(ml, interleaved, new TimeSeriesWindowEstimator.Options { ValueColumns = new[] { "Value" }, WindowLength = 12, SeriesColumnName = "Series", TimeColumnName = "Time" });
        Assert.Contains("not contiguous", split.Message);
        Assert.Contains("'AirPassengers'", split.Message);

        // A long-format panel sorted by time alone: the series alternate row by row. The first series looks one row long
        // when the second begins, but the message names the real cause and the fix.
        var byTime = ml.Data.LoadFromEnumerable(mixed.Take(144).Zip(mixed.Skip(144)).SelectMany(p => new[] { p.First, p.Second }).ToList());
        var panel = Fails(ml, byTime, new TimeSeriesWindowEstimator.Options { ValueColumns = new[] { "Value" }, WindowLength = 12, SeriesColumnName = "Series", TimeColumnName = "Time" });
        Assert.Contains("not contiguous", panel.Message);
        Assert.Contains("input row 2", panel.Message);
        Assert.Contains("sort the data by series, then time", panel.Message);
    }

    [TestMethod]
    public void OptInSkipping()
    {
        var ml = new MLContext(1);
        var withNaN = Air(ml, p => p.Select((x, i) => i == 70 ? new TestData.Point { Time = x.Time, Value = float.NaN } : x));
        var t = ml.Transforms.CreateWindows(new TimeSeriesWindowEstimator.Options
        {
            ValueColumns = new[] { "Value" }, WindowLength = 12, Horizon = 1, SkipWindowsWithMissingValues = true,
        }).Fit(withNaN);
        // 132 windows without the NaN would exist; the 13 that touch row 70 (in the window or as target) are skipped.
        Assert.HasCount(132 - 13, TestData.Column(t.Transform(withNaN), "Window"));

        var points = TwoSeries();
        var shortAndLong = ml.Data.LoadFromEnumerable(points.Take(10).Concat(points.Skip(144)).ToList());
        var s = ml.Transforms.CreateWindows(new TimeSeriesWindowEstimator.Options
        {
            ValueColumns = new[] { "Value" }, WindowLength = 12, Horizon = 1, SeriesColumnName = "Series", SkipShortSeries = true,
        }).Fit(shortAndLong);
        Assert.IsTrue(TestData.Column(s.Transform(shortAndLong), "Series").All(x => (string)x! == "co2"));
    }

    [TestMethod]
    public void BadOptionsAndColumns()
    {
        var ml = new MLContext(1);
        Assert.Contains("WindowLength", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.CreateWindows(new[] { "Value" }, windowLength: 0)).Message);
        Assert.Contains("Horizon", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.CreateWindows(new[] { "Value" }, windowLength: 3, horizon: 0)).Message);
        Assert.Contains("Stride", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.CreateWindows(new[] { "Value" }, windowLength: 3, stride: -1)).Message);
        Assert.Contains("ValueColumns", Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.CreateWindows(Array.Empty<string>(), windowLength: 3)).Message);
        Assert.Contains("Mode", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.CreateWindows(new TimeSeriesWindowEstimator.Options { ValueColumns = new[] { "V" }, WindowLength = 2, Mode = (WindowMode)5 })).Message);
        var data = ml.Data.LoadFromEnumerable(TestData.AirPassengers());
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.CreateWindows(new[] { "Series" }, windowLength: 3).Fit(data));
        Assert.Contains("'Series'", e.Message);
        Assert.Contains("numeric", e.Message);
        var step = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.CreateWindows(new TimeSeriesWindowEstimator.Options
        {
            ValueColumns = new[] { "Value" }, WindowLength = 3, TimeColumnName = "Index", TimeStep = TimeStep.Months(1),
        }).Fit(data));
        Assert.Contains("TimeStep", step.Message);
    }
}
