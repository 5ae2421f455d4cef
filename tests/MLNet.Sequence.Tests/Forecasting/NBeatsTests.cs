using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Forecasting;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Trainers.Network;
using MLNet.Sequence.Transforms;
using TorchSharp;

namespace MLNet.Sequence.Tests.Forecasting;

[TestClass]
public sealed class NBeatsTests
{
    public TestContext TestContext { get; set; } = null!;

    private static double[] D(IEnumerable<float> x) => x.Select(v => (double)v).ToArray();

    private static SequenceForecasterOptions AirNBeats(bool interpretable, float[]? quantiles = null) => new()
    {
        ValueColumns = new[] { "Value" }, TimeColumnName = "Time", TimeStep = TimeStep.Months(1), WindowLength = 24, Horizon = 12, Quantiles = quantiles,
        // One thread, fixed: the automatic choice times candidate counts on this machine, and the interpretable
        // network's 100 epochs on one short series amplify float differences (sMAPE 2.6-6.1 seen with the automatic
        // count depending on what ran before it in the process; 3.1-4.2 with one thread, where the remaining spread is
        // rounding that depends on where the tensors sit in memory).
        Model = new NBeatsOptions { Interpretable = interpretable, LayerWidth = 64, NumberOfBlocks = 4, NumberOfEpochs = 100, BatchSize = 16, Dropout = 0, NumberOfThreads = 1 },
    };

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void AirPassengers1960BeatsSeasonalNaiveAndSurvivesSaving(bool interpretable)
    {
        var ml = new MLContext(1);
        var all = ForecasterTests.Monthly("timeseries/AirPassengers.csv", "AirPassengers");
        var train = all.Slice(0, 132);
        var actual = D(all.Values[0].Skip(132));
        using var model = ml.Forecasting.SequenceForecaster(AirNBeats(interpretable, new[] { 0.1f, 0.5f, 0.9f })).Train(new[] { train });
        var f = model.Forecast(train, 12);
        var p = D(f.Point[0]);
        double smape = ForecastMetrics.Smape(actual, p), mase = ForecastMetrics.Mase(D(train.Values[0]), actual, p, 12);
        TestContext.WriteLine($"N-BEATS{(interpretable ? " (interpretable)" : "")}: sMAPE {smape:F2}, MASE {mase:F3} (seasonal naive: sMAPE 10.57, MASE 1.57)");
        Assert.IsLessThan(10.57, smape, "beats seasonal naive's sMAPE");
        // Generic: 3.60 in every order; interpretable: 3.1-4.2 with one thread (see AirNBeats). The LSTM recipe: 3.55.
        Assert.IsLessThan(interpretable ? 6.5 : 5.0, smape, "N-BEATS on AirPassengers 1960");
        for (int h = 0; h < 12; h++)
            Assert.IsTrue(f.Quantiles![0][0][h] <= f.Quantiles[0][1][h] && f.Quantiles[0][1][h] <= f.Quantiles[0][2][h], $"quantiles ordered at step {h}");

        var path = Path.Combine(Path.GetTempPath(), $"nbeats-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.SaveSequenceModel(model, SeriesFrames.ToDataView(new[] { train }, new[] { "Value" }).Schema, path);
            using var loaded = (Microsoft.ML.Data.TransformerChain<ITransformer>)ml.Model.LoadSequenceModel(path, out _);
            var restored = loaded.OfType<SequenceForecastTransformer>().Single();
            CollectionAssert.AreEqual(f.Point[0], restored.Forecast(train, 12).Point[0], "identical forecasts after saving");
            var engine = restored.CreateEngine();
            engine.Observe(train);
            CollectionAssert.AreEqual(f.Point[0], engine.Forecast("AirPassengers").Point[0], "the engine forecasts the same");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void InterpretableBasesSpanOneCurveOverWindowAndHorizon()
    {
        // With trend degree 1 and a single trend block whose coefficients are set by hand, the backcast and forecast are
        // one straight line through the window and the horizon: a + b τ/H for τ = −T..H−1.
        var config = new NetworkConfig
        {
            Encoder = EncoderKind.NBeats, FeaturesPerStep = 1, SequenceLength = 6, HiddenSize = 4, Layers = 2, BlockLayers = 1,
            Interpretable = true, TrendDegree = 1, Outputs = 4, OutputSteps = 4,
        };
        using var scope = torch.NewDisposeScope();
        using var network = new SequenceNetwork(config);
        network.eval();
        using (torch.no_grad())
            foreach (var (name, parameter) in network.named_parameters())
            {
                parameter.zero_();
                // Block 0 (trend): hidden layer passes a constant 1 through unit 0; its forecast coefficients are a = 2, b = 3.
                if (name.EndsWith("hidden.0.bias", StringComparison.Ordinal)) parameter[0] = torch.tensor(1f);
                if (name.EndsWith("forecast.0.weight", StringComparison.Ordinal)) { parameter[0, 0] = torch.tensor(2f); parameter[1, 0] = torch.tensor(3f); }
            }
        var x = torch.zeros(1, 6, 1);
        var mask = torch.ones(1, 6, dtype: torch.ScalarType.Bool);
        var y = network.forward(x, mask);
        var values = y.data<float>().ToArray();
        CollectionAssert.AreEqual(new[] { 4, 4 }.Take(1).ToArray(), new[] { values.Length }, "one output per horizon step");
        for (int h = 0; h < 4; h++)
            Assert.AreEqual(2 + 3 * h / 4.0, values[h], 1e-6, $"trend forecast at step {h}");
    }

    [TestMethod]
    public void SeveralFramesTrainAsSeparateSeries()
    {
        // Two series of exactly one window + horizon each: two training windows. Read as one run they would make
        // window + horizon + 1 windows straddling the boundary.
        var ml = new MLContext(1);
        var a = SeriesFrame.Univariate("a", Enumerable.Range(0, 16).Select(i => (float)i).ToArray());
        var b = SeriesFrame.Univariate("b", Enumerable.Range(0, 16).Select(i => 100f - i).ToArray());
        int batches = -1;
        var options = new SequenceForecasterOptions
        {
            ValueColumns = new[] { "Value" }, WindowLength = 12, Horizon = 4,
            Model = new NBeatsOptions { LayerWidth = 16, NumberOfBlocks = 2, NumberOfEpochs = 1, BatchSize = 1,
                BatchProgress = new SyncProgress<TrainingProgress>(p => batches = p.BatchesPerEpoch) },
        };
        using var model = ml.Forecasting.SequenceForecaster(options).Train(new[] { a, b });
        Assert.AreEqual(2, batches, "one window per series");
    }

    [TestMethod]
    public void BadOptionsAndInputGiveClearErrors()
    {
        var ml = new MLContext(1);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Forecasting.SequenceForecaster(new SequenceForecasterOptions
        {
            WindowLength = 12, Horizon = 4, Model = new NBeatsOptions { LayerWidth = 0 },
        }));
        Assert.Contains("LayerWidth", e.Message);
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Forecasting.SequenceForecaster(new SequenceForecasterOptions
        {
            WindowLength = 12, Horizon = 4, Model = new NBeatsOptions { Interpretable = true, NumberOfBlocks = 1 },
        }));
        Assert.Contains("NumberOfBlocks", e.Message);
        // Tokens are not windows of numbers.
        var rows = ml.Data.LoadFromEnumerable(new[] { new TextRow { Text = "a b c", Label = 1f }, new TextRow { Text = "b c", Label = 0f } });
        var tokens = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text").Append(ml.Transforms.EncodeTokens("Ids", "Tokens"))
            .Append(ml.Transforms.PadSequences("Features", "Ids", length: 4)).Fit(rows).Transform(rows);
        var nbeats = new NBeatsOptions { LabelColumnName = "Label", FeatureColumnName = "Features", NumberOfEpochs = 1 };
        var a = Assert.ThrowsExactly<ArgumentException>(() => ml.Regression.Trainers.SequenceNBeats(nbeats).Fit(tokens));
        Assert.Contains("N-BEATS", a.Message);
        Assert.Contains("Features", a.Message);
    }

    [TestMethod]
    public void ConformalCalibrationBringsCoverageToTheNominalLevel()
    {
        // 60 M4 Hourly series: a small N-BEATS with 80% intervals (10% and 90% quantiles), trained briefly so its raw
        // quantiles are off; calibrated on each series' last 96 steps (two horizons), it is scored on the held-out 48.
        var series = M4Benchmark.Load(TestData.PathOf("timeseries/m4/Hourly-train.csv"), TestData.PathOf("timeseries/m4/Hourly-test.csv")).Take(60).ToArray();
        var frames = series.Select(s => s.ToFrame()).ToArray();
        double Coverage(int? calibration, bool refit = false)
        {
            var ml = new MLContext(1);
            using var model = ml.Forecasting.SequenceForecaster(new SequenceForecasterOptions
            {
                ValueColumns = new[] { "Value" }, WindowLength = 96, Horizon = 48, Quantiles = new[] { 0.1f, 0.5f, 0.9f }, CalibrationSteps = calibration, RefitAfterCalibration = refit,
                Model = new NBeatsOptions { LayerWidth = 64, NumberOfBlocks = 2, NumberOfEpochs = 2, BatchSize = 128 },
            }).Train(frames);
            int inside = 0, total = 0;
            for (int i = 0; i < series.Length; i++)
            {
                var f = model.Forecast(frames[i], 48);
                for (int h = 0; h < 48; h++, total++)
                    if (series[i].Test[h] >= f.Lower()![h] && series[i].Test[h] <= f.Upper()![h])
                        inside++;
            }
            return inside / (double)total;
        }
        // Measured 2026-12-04: raw 0.890; calibrated 0.823 (refit on every step after calibrating: 0.850). The 2,880
        // scored points come from 60 series, so the coverage itself is uncertain by about ±0.04.
        double raw = Coverage(null), calibrated = Coverage(96);
        TestContext.WriteLine($"80% intervals on 60 M4 Hourly series: coverage {raw:F3} raw, {calibrated:F3} calibrated");
        Assert.IsLessThan(Math.Abs(raw - 0.8), Math.Abs(calibrated - 0.8), "calibration moves coverage towards 80%");
        Assert.IsLessThan(0.05, Math.Abs(calibrated - 0.8), "within 5 points of 80%");
    }

    [TestMethod]
    public void CalibratedForecastersKeepTheirOffsetsThroughSaving()
    {
        var ml = new MLContext(1);
        var all = ForecasterTests.Monthly("timeseries/AirPassengers.csv", "AirPassengers");
        var train = all.Slice(0, 132);
        var options = AirNBeats(interpretable: false, new[] { 0.1f, 0.5f, 0.9f });
        options.Model.NumberOfEpochs = 30;
        options.CalibrationSteps = 36;
        using var model = ml.Forecasting.SequenceForecaster(options).Train(new[] { train });
        var f = model.Forecast(train, 12);
        for (int h = 0; h < 12; h++)
            Assert.IsTrue(f.Quantiles![0][0][h] <= f.Quantiles[0][1][h] && f.Quantiles[0][1][h] <= f.Quantiles[0][2][h], $"calibrated quantiles stay ordered at step {h}");
        var path = Path.Combine(Path.GetTempPath(), $"nbeats-calibrated-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.SaveSequenceModel(model, SeriesFrames.ToDataView(new[] { train }, new[] { "Value" }).Schema, path);
            using var loaded = (Microsoft.ML.Data.TransformerChain<ITransformer>)ml.Model.LoadSequenceModel(path, out _);
            var again = loaded.OfType<SequenceForecastTransformer>().Single().Forecast(train, 12);
            for (int q = 0; q < 3; q++)
                CollectionAssert.AreEqual(f.Quantiles![0][q], again.Quantiles![0][q], $"level {q} after saving");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void CalibrationOptionsAreChecked()
    {
        var ml = new MLContext(1);
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.Forecasting.SequenceForecaster(new SequenceForecasterOptions
        {
            WindowLength = 12, Horizon = 4, CalibrationSteps = 8, Model = new NBeatsOptions(),
        }));
        Assert.Contains("Quantiles", e.Message);
        var r = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Forecasting.SequenceForecaster(new SequenceForecasterOptions
        {
            WindowLength = 12, Horizon = 4, CalibrationSteps = 2, Quantiles = new[] { 0.1f, 0.5f, 0.9f }, Model = new NBeatsOptions(),
        }));
        Assert.Contains("CalibrationSteps", r.Message);
        var air = ForecasterTests.Monthly("timeseries/AirPassengers.csv", "AirPassengers");
        var shortSeries = Assert.ThrowsExactly<ArgumentException>(() => ml.Forecasting.SequenceForecaster(new SequenceForecasterOptions
        {
            WindowLength = 24, Horizon = 12, CalibrationSteps = 120, Quantiles = new[] { 0.1f, 0.5f, 0.9f }, Model = new NBeatsOptions { NumberOfEpochs = 1 },
        }).Train(new[] { air }));
        Assert.Contains("CalibrationSteps", shortSeries.Message);
    }

    private sealed class TextRow
    {
        public string Text { get; set; } = "";
        public float Label { get; set; }
    }

}
