using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Forecasting;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Tests.Forecasting;

/// <summary>Every forecaster the library makes saves in the one-zip format and forecasts the same after loading.</summary>
[TestClass]
public sealed class ForecasterPersistenceTests
{
    private static List<SeriesFrame> Weekly(int count) =>
        M4Benchmark.Load(TestData.PathOf("timeseries/m4/Weekly-train.csv"), TestData.PathOf("timeseries/m4/Weekly-test.csv"))
            .Take(count).Select(s => s.ToFrame()).ToList();

    private static string TempModel() => Path.Combine(Path.GetTempPath(), $"forecaster-{Guid.NewGuid():N}.zip");

    private static void AssertSameForecasts(IForecaster expected, IForecaster actual, IEnumerable<SeriesFrame> series, int horizon)
    {
        foreach (var s in series)
        {
            var a = expected.Forecast(s, horizon);
            var b = actual.Forecast(s, horizon);
            CollectionAssert.AreEqual(a.Point[0], b.Point[0], $"{s.Id}: point forecast after loading");
            Assert.AreEqual(a.Quantiles == null, b.Quantiles == null, $"{s.Id}: intervals kept");
            if (a.Quantiles != null)
                for (int q = 0; q < a.Quantiles[0].Length; q++)
                    CollectionAssert.AreEqual(a.Quantiles[0][q], b.Quantiles![0][q], $"{s.Id}: quantile {q} after loading");
        }
    }

    [TestMethod]
    public void CalibratedEnsembleOfNetworksAndM4MethodsSavesAndForecastsTheSame()
    {
        var ml = new MLContext(1);
        var series = Weekly(12);
        var nbeats = ml.Forecasting.SequenceForecaster(new SequenceForecasterOptions
        {
            ValueColumns = new[] { "Value" }, WindowLength = 26, Horizon = 13, Quantiles = new[] { 0.025f, 0.5f, 0.975f },
            Model = new NBeatsOptions { LayerWidth = 16, NumberOfBlocks = 2, NumberOfEpochs = 1 },
        });
        var deepAr = ml.Forecasting.DeepAR(new DeepArForecasterOptions
        {
            Horizon = 13, Lags = new[] { 1, 2, 52 }, HiddenSize = 8, NumberOfLayers = 1, Epochs = 1, BatchesPerEpoch = 5, BatchSize = 16,
            NumberOfSamples = 40, Quantiles = new[] { 0.025f, 0.5f, 0.975f },
        });
        var ensemble = new EnsembleForecaster(new IForecastingMethod[] { nbeats, deepAr, new NaiveForecaster(0.95) }, calibration: (13, 13));
        using var trained = ensemble.Train(series);
        Assert.IsTrue(trained.IsCalibrated);
        var path = TempModel();
        try
        {
            ml.Model.SaveForecaster(trained, path);
            var loaded = ml.Model.LoadForecaster(path);
            Assert.IsInstanceOfType<TrainedForecastEnsemble>(loaded);
            var restored = (TrainedForecastEnsemble)loaded;
            Assert.IsTrue(restored.IsCalibrated, "the calibration offsets are stored");
            CollectionAssert.AreEqual(trained.Members.Select(m => m.Name).ToArray(), restored.Members.Select(m => m.Name).ToArray());
            AssertSameForecasts(trained, restored, series.Take(4), 13);
            // Member by member too: a median hides a member that changed unless it is the middle one.
            for (int i = 0; i < trained.Members.Count; i++)
                AssertSameForecasts(trained.Members[i], restored.Members[i], series.Take(2), 13);
            restored.Dispose();
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void AutoForecasterSavesItsChoicesAndForecastsTheSame()
    {
        var ml = new MLContext(1);
        var series = Weekly(10);
        var options = new AutoForecasterOptions { Horizon = 13, SeasonLength = 1, Selection = AutoForecastSelection.InverseErrorWeights };
        using var trained = ml.Forecasting.Auto(options).Train(series);
        var path = TempModel();
        try
        {
            ml.Model.SaveForecaster(trained, path);
            var restored = (TrainedAutoForecaster)ml.Model.LoadForecaster(path);
            CollectionAssert.AreEqual(trained.CandidateNames.ToArray(), restored.CandidateNames.ToArray());
            foreach (var s in series.Take(3))
                CollectionAssert.AreEqual(trained.Weights(s.Id), restored.Weights(s.Id), $"{s.Id}: the same weights");
            CollectionAssert.AreEqual(trained.Weights("unseen"), restored.Weights("unseen"), "the overall weights for new series");
            AssertSameForecasts(trained, restored, series.Take(3), 13);

            // The engine keeps the latest observations and forecasts with the loaded forecaster, without retraining.
            var engine = ForecastEngine.Create(restored, horizon: 13, historyLength: 5000);
            engine.Observe(series[0]);
            CollectionAssert.AreEqual(trained.Forecast(series[0], 13).Point[0], engine.Forecast(series[0].Id).Point[0], "the engine forecasts the same");
            var next = series[0].Values[0].Append(series[0].Values[0][^1] * 1.1f).ToArray();
            engine.Observe(series[0].Id, next.Length - 1.0, new[] { next[^1] });
            CollectionAssert.AreEqual(trained.Forecast(SeriesFrame.Univariate(series[0].Id, next), 13).Point[0], engine.Forecast(series[0].Id).Point[0],
                "a new observation moves the origin");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class Foreign : IForecaster
    {
        public string Name => "foreign";
        public Forecast Forecast(SeriesFrame history, int horizon) => new NaiveForecaster().Forecast(history, horizon);
    }

    [TestMethod]
    public void ForeignMembersAreRefusedAndLeaveNoFile()
    {
        var ml = new MLContext(1);
        var series = Weekly(3);
        using var trained = new EnsembleForecaster(new IForecastingMethod[] { new NaiveForecaster(), new ForeignMethod() }).Train(series);
        var path = TempModel();
        var e = Assert.ThrowsExactly<NotSupportedException>(() => ml.Model.SaveForecaster(trained, path));
        StringAssert.Contains(e.Message, "'foreign'");
        Assert.IsFalse(File.Exists(path), "no half-written model file");
        Assert.AreEqual(0, Directory.GetFiles(Path.GetTempPath(), $".{Path.GetFileName(path)}*").Length, "no temporary file left");

        // A stored member folder outside members/ is refused at load.
        using (var ok = new EnsembleForecaster(new IForecastingMethod[] { new NaiveForecaster(), ml.Forecasting.DeepAR(new DeepArForecasterOptions
            { Horizon = 13, Lags = new[] { 1, 2 }, HiddenSize = 4, NumberOfLayers = 1, Epochs = 1, BatchesPerEpoch = 2, BatchSize = 8, NumberOfSamples = 10 }) }).Train(series))
        {
            ml.Model.SaveForecaster(ok, path);
            MLNet.Sequence.Tests.PersistenceTests.RewriteEntry(path, "parts/000-Forecaster/forecaster.json", j => j.Replace("\"Folder\": \"members/", "\"Folder\": \"../members/"));
            StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ml.Model.LoadForecaster(path)).Message, "outside its members/");
            File.Delete(path);
        }

        // A model file that holds a pipeline, not a forecaster, is refused by LoadForecaster.
        var data = ml.Data.LoadFromEnumerable(new[] { new { Text = "a b" } });
        var pipeline = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text").Fit(data);
        try
        {
            ml.Model.SaveSequenceModel(pipeline, data.Schema, path);
            StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ml.Model.LoadForecaster(path)).Message, "not one forecaster");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class ForeignMethod : IForecastingMethod
    {
        public string Name => "foreign";
        public IForecaster Train(IReadOnlyList<SeriesFrame> training) => new Foreign();
    }
}
