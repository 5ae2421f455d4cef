using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Forecasting;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms;

namespace MLNet.Sequence.Tests.Sweeping;

/// <summary>Forecasting sweeps: trials scored by a rolling-origin backtest, the window length swept with the network.</summary>
[TestClass]
public sealed class ForecastSweepTests
{
    private static SeriesFrame Air1949To1959()
    {
        var points = TestData.AirPassengers().Take(132).ToList();
        return SeriesFrame.Univariate("air", points.Select(p => p.Value).ToArray(), points.Select(p => p.Time).ToArray());
    }

    private static SequenceForecasterOptions Template() => new()
    {
        ValueColumns = new[] { "Value" }, TimeColumnName = "Time", TimeStep = TimeStep.Months(1), WindowLength = 24, Horizon = 12,
    };

    [TestMethod]
    public void AForecastSweepBacktestsEachTrialAndRefitsTheBestOnTheWholeSeries()
    {
        var ml = new MLContext(1);
        var air = Air1949To1959();
        var space = SequenceSearchSpace.ForFamilies(EncoderKind.Lstm, EncoderKind.Cnn).Remove("EmbeddingDimension")
            .Narrow("HiddenSize", 8, 32).Narrow("Channels", 8, 32).Fix("Cnn.NumberOfLayers", 2).Fix("Lstm.NumberOfLayers", 1)
            .Fix("BatchSize", 16).Fix("Dropout", 0.0).Fix("WeightDecay", 0.0).Narrow("Pooling", "Last", "Flatten")
            .WithForecasterParameters(SweepParameter.Integer("WindowLength", 12, 30, defaultValue: 24));
        var result = ml.Forecasting.SweepSequenceForecasters(new SequenceForecastSweepOptions
        {
            Forecaster = Template(),
            Backtest = new BacktestOptions { Horizon = 12, InitialTrainingSize = 108, Stride = 12, SeasonLength = 12 },
            SearchSpace = space,
            MaximumTrials = 4,
            MaximumEpochs = 30,
            Seed = 3,
        }).Execute(new[] { air });

        Assert.HasCount(4, result.Trials);
        Assert.IsTrue(result.Trials.All(t => t.Status == TrialStatus.Completed && double.IsFinite(t.Metric) && t.Metric > 0), string.Join("; ", result.Trials.Select(t => t.Error)));
        Assert.IsTrue(result.Trials.All(t => t.Configuration.Get<int>("WindowLength") is >= 12 and <= 30));
        CollectionAssert.AreEqual(result.Leaderboard.Select(t => t.Metric).OrderBy(m => m).ToList(), result.Leaderboard.Select(t => t.Metric).ToList(), "sMAPE: smaller first");
        Assert.IsFalse(result.LargerIsBetter);

        // The trial's metric is the backtest's: the same configuration backtested by hand gives the same sMAPE.
        var best = result.BestTrial!;
        var options = best.Configuration.ToForecasterOptions(space, Template(), m => { m.NumberOfEpochs = 30; m.Seed = 3; });
        Assert.AreEqual(best.Configuration.Get<int>("WindowLength"), options.WindowLength);
        var forecaster = ml.Forecasting.SequenceForecaster(options);
        var again = ml.Forecasting.Backtest(new[] { air }, new BacktestOptions { Horizon = 12, InitialTrainingSize = 108, Stride = 12, SeasonLength = 12 },
            forecaster).Mean(forecaster.Name).Smape;
        Assert.AreEqual(best.Metric, again, 1e-6 * best.Metric);

        using var model = (SequenceForecastTransformer)result.Model!;
        var forecast = model.Forecast(air, 12);
        Assert.HasCount(12, forecast.Point[0]);
        Assert.IsTrue(forecast.Point[0].All(v => v is > 200 and < 800), "1960 in the series' range");
    }

    [TestMethod]
    public void ACanceledForecastSweepAbandonsItsRefitAndKeepsItsTrials()
    {
        var ml = new MLContext(1);
        using var cancel = new System.Threading.CancellationTokenSource();
        bool refitting = false, abandoned = false;
        ml.Log += (_, e) =>
        {
            // Canceled once the refit's network is built (the trainer logs its seed as training starts).
            refitting |= e.Message.Contains("Refit of trial #");
            if (refitting && System.Text.RegularExpressions.Regex.IsMatch(e.Message, @"device \S+, seed \d+\."))
                cancel.Cancel();
            abandoned |= e.Message.Contains("canceled during the refit");
        };
        int before = SequenceEngine.LiveCount;
        var result = ml.Forecasting.SweepSequenceForecasters(new SequenceForecastSweepOptions
        {
            Forecaster = Template(),
            Backtest = new BacktestOptions { Horizon = 12, InitialTrainingSize = 108, Stride = 12, SeasonLength = 12 },
            SearchSpace = SequenceSearchSpace.ForFamilies(EncoderKind.Lstm).Remove("EmbeddingDimension").Narrow("HiddenSize", 8, 16).Fix("Lstm.NumberOfLayers", 1),
            MaximumTrials = 1,
            MaximumEpochs = 10,
            Seed = 3,
            CancellationToken = cancel.Token,
        }).Execute(new[] { Air1949To1959() });
        Assert.HasCount(1, result.Trials);
        Assert.AreEqual(TrialStatus.Completed, result.Trials[0].Status);
        Assert.IsNull(result.Model, "the refit stopped at its first batch");
        Assert.IsTrue(cancel.IsCancellationRequested, "the refit started");
        Assert.IsEmpty(result.ModelTrials);
        Assert.IsTrue(abandoned, "the log says the refit was abandoned");
        Assert.AreEqual(before, SequenceEngine.LiveCount, "no network left alive");
    }

    [TestMethod]
    public void BadForecastSweepsAreRefusedWithTheOptionsName()
    {
        var ml = new MLContext(1);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Forecasting.SweepSequenceForecasters(new SequenceForecastSweepOptions
        { Forecaster = Template(), Backtest = new BacktestOptions { Horizon = 12 }, MaximumTrials = 2, Metric = SweepMetric.Accuracy })).Message, "Accuracy does not apply to forecasting");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Forecasting.SweepSequenceForecasters(new SequenceForecastSweepOptions
        { Forecaster = Template(), Backtest = new BacktestOptions { Horizon = 6 }, MaximumTrials = 2 })).Message, "horizon (6) must equal the forecaster's (12)");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SequenceSearchSpace.Default().WithForecasterParameters(SweepParameter.Integer("Window", 1, 2))).Message, "no settable option 'Window'");
        var forecastSpace = SequenceSearchSpace.ForFamilies(EncoderKind.Lstm).WithForecasterParameters(SweepParameter.Integer("WindowLength", 12, 24));
        var classify = ml.BinaryClassification.SweepSequenceModels(new SequenceSweepOptions { SearchSpace = forecastSpace, MaximumTrials = 1 });
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => classify.Execute(ml.Data.LoadFromEnumerable(new[] { new SequenceSweepTests.Review { Label = true, Text = "a" } }))).Message, "only a forecasting sweep");
    }
}
