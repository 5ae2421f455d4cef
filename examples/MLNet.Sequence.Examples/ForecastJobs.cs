using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using MLNet.Sequence.Forecasting;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms;

namespace MLNet.Sequence.Examples;

/// <summary>Forecasting jobs: AirPassengers 1960 (the main job), and the longer backtests behind docs/results.md.</summary>
public static class ForecastJobs
{
    private static double[] D(IEnumerable<float> x) => x.Select(v => (double)v).ToArray();

    public static SeriesFrame Monthly(string file, string id)
    {
        var rows = File.ReadLines(Data.PathOf(file)).Skip(1).Select(l => l.Split(',')).ToList();
        return SeriesFrame.Univariate(id, rows.Select(p => float.Parse(p[1], CultureInfo.InvariantCulture)).ToArray(),
            rows.Select(p => DateTime.ParseExact(p[0], "yyyy-MM", CultureInfo.InvariantCulture)).ToArray());
    }

    private static SequenceForecasterOptions AirOptions(SequenceTrainerOptions model, float[]? quantiles = null, string? name = null) => new()
    {
        ValueColumns = new[] { "Value" }, TimeColumnName = "Time", TimeStep = TimeStep.Months(1), WindowLength = 24, Horizon = 12,
        Quantiles = quantiles, Model = model, Name = name,
    };

    private static T Recipe<T>(T o) where T : SequenceTrainerOptions
    {
        o.NumberOfEpochs = 200;
        o.BatchSize = 16;
        o.Dropout = 0;
        return o;
    }

    /// <summary>AirPassengers: train 1949-1959, forecast 1960; every family and the baselines; metrics table and PNGs.</summary>
    public static void AirPassengers(string outDir, bool allFamilies)
    {
        Console.WriteLine("== Forecasting: AirPassengers (monthly, 1949-1960); train 1949-1959, forecast the 12 months of 1960");
        var ml = new MLContext(seed: 1);
        var all = Monthly("timeseries/AirPassengers.csv", "AirPassengers");
        var train = all.Slice(0, 132);
        var actual = D(all.Values[0].Skip(132));
        var history = D(train.Values[0]);
        var candidates = new List<(string Name, Func<IForecaster> Make)>
        {
            ("naive", () => ml.Forecasting.Naive()),
            ("seasonal naive (m=12)", () => ml.Forecasting.SeasonalNaive(12)),
            ("drift", () => ml.Forecasting.Drift()),
            ("LSTM, 10/50/90% quantiles", () => ml.Forecasting.SequenceForecaster(AirOptions(Recipe(new LstmOptions { HiddenSize = 32 }), new[] { 0.1f, 0.5f, 0.9f }, "LSTM")).Train(new[] { train })),
        };
        if (allFamilies)
        {
            candidates.Add(("LSTM, point", () => ml.Forecasting.SequenceForecaster(AirOptions(Recipe(new LstmOptions { HiddenSize = 32 }))).Train(new[] { train })));
            candidates.Add(("GRU, point", () => ml.Forecasting.SequenceForecaster(AirOptions(Recipe(new GruOptions { HiddenSize = 32 }))).Train(new[] { train })));
            candidates.Add(("Transformer, point", () => ml.Forecasting.SequenceForecaster(AirOptions(Recipe(new TransformerOptions { ModelDimension = 32, NumberOfHeads = 4, FeedForwardDimension = 64 }))).Train(new[] { train })));
            candidates.Add(("temporal CNN, point", () => ml.Forecasting.SequenceForecaster(AirOptions(Recipe(new CnnOptions { Channels = 32 }))).Train(new[] { train })));
        }
        Console.WriteLine("   | method | MAPE % | sMAPE % | MASE (m=12) | RMSE | 80% coverage | train s |");
        Console.WriteLine("   |---|---:|---:|---:|---:|---:|---:|");
        var plotted = new List<(string, Forecast)>();
        SequenceForecastTransformer? lstm = null;
        foreach (var (name, make) in candidates)
        {
            var clock = Stopwatch.StartNew();
            var model = make();
            double seconds = clock.Elapsed.TotalSeconds;
            var f = model.Forecast(train, 12);
            var p = D(f.Point[0]);
            string coverage = f.Quantiles != null ? ForecastMetrics.Coverage(actual, D(f.Lower()!), D(f.Upper()!)).ToString("F2", CultureInfo.InvariantCulture) : "";
            Console.WriteLine($"   | {name} | {ForecastMetrics.Mape(actual, p):F2} | {ForecastMetrics.Smape(actual, p):F2} | {ForecastMetrics.Mase(history, actual, p, 12):F3} | {ForecastMetrics.Rmse(actual, p):F1} | {coverage} | {seconds:F1} |");
            if (name.StartsWith("seasonal", StringComparison.Ordinal))
                plotted.Add((name, f));
            if (name == "LSTM, 10/50/90% quantiles")
                plotted.Add(("LSTM median", f));
            if (name == "LSTM, 10/50/90% quantiles")
                lstm = (SequenceForecastTransformer)model;
            else
                (model as IDisposable)?.Dispose();
        }
        var png = Path.Combine(outDir, "airpassengers-1960.png");
        ForecastPlots.SaveComparison(png, train, plotted, all.Values[0].Skip(132).ToArray(), "AirPassengers: 1960 forecast vs actual", historySteps: 48);
        var lossPng = Path.Combine(outDir, "airpassengers-training.png");
        ForecastPlots.SaveTrainingHistory(lossPng, lstm!.TrainingHistory!, "AirPassengers LSTM: training loss per epoch");
        var modelPath = Path.Combine(outDir, "airpassengers-forecaster.zip");
        ml.Model.SaveSequenceModel(lstm, SeriesFrames.ToDataView(new[] { train }, new[] { "Value" }).Schema, modelPath);
        var engine = lstm.CreateEngine();
        engine.Observe(all.Slice(0, 133));
        var next = engine.Forecast("AirPassengers", 3);
        Console.WriteLine($"   plots: {png}, {lossPng}; model: {modelPath}");
        Console.WriteLine($"   engine, after observing January 1960 ({all.Values[0][132]}): Feb-Apr 1960 forecast {string.Join(", ", next.Point[0].Select(x => x.ToString("F0", CultureInfo.InvariantCulture)))} " +
                          $"(80% interval {next.Lower()![0]:F0}-{next.Upper()![0]:F0} for February; actual {all.Values[0][133]}, {all.Values[0][134]}, {all.Values[0][135]})");
        lstm.Dispose();
    }

    /// <summary>Rolling-origin backtests on co2, taylor, US births (with and without calendar covariates) and EuStockMarkets.</summary>
    public static void Backtests()
    {
        var ml = new MLContext(seed: 1);

        Console.WriteLine("== Backtest: co2 (monthly, 1959-1997); origins from 1989, every 12 months, horizon 12; LSTM retrained at each origin");
        var co2 = Monthly("timeseries/co2.csv", "co2");
        var co2Lstm = ml.Forecasting.SequenceForecaster(new SequenceForecasterOptions
        {
            ValueColumns = new[] { "Value" }, TimeColumnName = "Time", TimeStep = TimeStep.Months(1), WindowLength = 24, Horizon = 12, Name = "LSTM",
            Model = new LstmOptions { HiddenSize = 32, NumberOfEpochs = 60 },
        });
        Console.WriteLine(ml.Forecasting.Backtest(new[] { co2 }, new BacktestOptions { Horizon = 12, InitialTrainingSize = 360, Stride = 12, SeasonLength = 12 },
            co2Lstm, ml.Forecasting.SeasonalNaive(12), ml.Forecasting.Naive(), ml.Forecasting.Drift()).ToMarkdown());

        Console.WriteLine("== Backtest: taylor (half-hourly demand, 12 weeks); day-ahead (48 steps) from one week (336), origins every day of the last 2 weeks; trained once");
        var taylorRows = File.ReadLines(Data.PathOf("timeseries/taylor.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        var taylor = new SeriesFrame("taylor", new[] { taylorRows.Select(p => float.Parse(p[1], CultureInfo.InvariantCulture)).ToArray() },
            numericTimes: taylorRows.Select(p => double.Parse(p[0], CultureInfo.InvariantCulture)).ToArray());
        var taylorCnn = ml.Forecasting.SequenceForecaster(new SequenceForecasterOptions
        {
            ValueColumns = new[] { "Value" }, WindowLength = 336, Horizon = 48, Name = "temporal CNN, flatten pooling",
            Model = new CnnOptions { Channels = 8, NumberOfLayers = 4, NumberOfEpochs = 15, BatchSize = 64, Pooling = SequencePooling.Flatten, Dropout = 0 },
        });
        Console.WriteLine(ml.Forecasting.Backtest(new[] { taylor }, new BacktestOptions { Horizon = 48, InitialTrainingSize = 4032 - 14 * 48, Stride = 48, SeasonLength = 336, RetrainEvery = 100 },
            taylorCnn, ml.Forecasting.SeasonalNaive(336), ml.Forecasting.SeasonalNaive(48), ml.Forecasting.Naive()).ToMarkdown());

        Console.WriteLine("== Backtest: US births (daily, 1969-1988; the last 3 years); two weeks ahead from four weeks; origins every 4 weeks of the last year; with and without calendar covariates");
        var birthRows = File.ReadLines(Data.PathOf("timeseries/us-births-1969-1988.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        var births = SeriesFrame.Univariate("births", birthRows.Select(p => float.Parse(p[4], CultureInfo.InvariantCulture)).ToArray(),
            birthRows.Select(p => new DateTime(int.Parse(p[0], CultureInfo.InvariantCulture), int.Parse(p[1], CultureInfo.InvariantCulture), int.Parse(p[2], CultureInfo.InvariantCulture))).ToArray());
        SequenceForecasterOptions BirthOptions(bool calendar) => new()
        {
            ValueColumns = new[] { "Value" }, TimeColumnName = "Time", TimeStep = TimeStep.Duration(TimeSpan.FromDays(1)), WindowLength = 28, Horizon = 14,
            TimeFeatures = calendar ? new TimeFeatureSpec { Calendar = CalendarFeatures.DayOfWeek | CalendarFeatures.DayOfYear } : null,
            Name = calendar ? "temporal CNN + calendar (day of week, day of year)" : "temporal CNN, values only",
            Model = new CnnOptions { Channels = 16, NumberOfLayers = 3, NumberOfEpochs = 30, BatchSize = 64, Pooling = SequencePooling.Flatten, Dropout = 0 },
        };
        Console.WriteLine(ml.Forecasting.Backtest(new[] { births.Slice(births.Length - 3 * 365 - 14, 3 * 365 + 14) },
            new BacktestOptions { Horizon = 14, InitialTrainingSize = 2 * 365, Stride = 28, SeasonLength = 7, RetrainEvery = 100 },
            ml.Forecasting.SequenceForecaster(BirthOptions(false)), ml.Forecasting.SequenceForecaster(BirthOptions(true)), ml.Forecasting.SeasonalNaive(7), ml.Forecasting.Naive()).ToMarkdown());

        Console.WriteLine("== Backtest: EuStockMarkets (DAX, SMI, CAC, FTSE daily closes, 1991-1998), one multivariate model; 5 days ahead from 20; origins every 20 days of the last 400");
        var eu = File.ReadLines(Data.PathOf("timeseries/EuStockMarkets.csv")).Skip(1).Select(l => l.Split(',').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray()).ToList();
        var stocks = new SeriesFrame("EuStockMarkets", Enumerable.Range(1, 4).Select(c => eu.Select(r => (float)r[c]).ToArray()).ToArray(), numericTimes: eu.Select(r => r[0]).ToArray());
        var euGru = ml.Forecasting.SequenceForecaster(new SequenceForecasterOptions
        {
            ValueColumns = new[] { "DAX", "SMI", "CAC", "FTSE" }, WindowLength = 20, Horizon = 5, Name = "GRU (4 indices jointly)",
            Model = new GruOptions { HiddenSize = 32, NumberOfEpochs = 20 },
        });
        Console.WriteLine(ml.Forecasting.Backtest(new[] { stocks }, new BacktestOptions { Horizon = 5, InitialTrainingSize = eu.Count - 400, Stride = 20, SeasonLength = 1, RetrainEvery = 100 },
            euGru, ml.Forecasting.Naive(), ml.Forecasting.Drift()).ToMarkdown());
    }
}
