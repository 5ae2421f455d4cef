using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using Microsoft.ML;
using MLNet.Sequence.Cli.Config;
using MLNet.Sequence.Cli.Data;
using MLNet.Sequence.Forecasting;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Cli.Workflow;

/// <summary>
/// Forecasting from a config: the file becomes one series per series id (or one), the last test steps are held out,
/// a sequence forecaster is trained (or swept, each trial scored by a rolling-origin backtest inside the training
/// part), scored with sMAPE, MASE, MAE, RMSE and interval coverage next to seasonal naive, and saved.
/// </summary>
internal sealed class ForecastWorkflow
{
    private readonly WorkflowConfig _c;
    private readonly ForecastingConfig _f;
    private readonly IRunObserver _observer;
    private readonly MLContext _ml;

    public ForecastWorkflow(WorkflowConfig config, IRunObserver observer)
    {
        _c = config;
        _f = config.Forecasting!;
        _observer = observer;
        _ml = new MLContext(config.Seed);
    }

    private int TestSteps => _c.Split!.TestSteps ?? _f.Horizon;

    /// <summary>The series of a file with the config's columns, in file order within each series.</summary>
    public List<SeriesFrame> ReadSeries(string path, string field)
    {
        var columns = _c.Data.Columns!;
        var file = DelimitedFile.Read(path, _c.Data.SeparatorChar, _c.Data.HasHeader, columns.Select(c => c.Name).ToList(), field);
        var used = columns.Where(c => c.Name == _f.TimeColumn || _f.ValueColumns!.Contains(c.Name) || c.Name == _f.SeriesColumn).ToList();
        file.CheckTypes(used, _c.Data.HasHeader, field);
        int time = file.IndexOf(_f.TimeColumn, field);
        var values = _f.ValueColumns!.Select(v => file.IndexOf(v, field)).ToArray();
        int series = _f.SeriesColumn != null ? file.IndexOf(_f.SeriesColumn, field) : -1;
        bool dates = columns.First(c => c.Name == _f.TimeColumn).Type == "date";
        var frames = new List<SeriesFrame>();
        foreach (var group in file.Rows.Select((r, i) => (Row: r, Index: i)).GroupBy(r => series >= 0 ? r.Row[series] : "series"))
        {
            var rows = group.ToList();
            var v = values.Select(c => rows.Select(r => float.Parse(r.Row[c], NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray()).ToArray();
            try
            {
                frames.Add(dates
                    ? new SeriesFrame(group.Key, v, times: rows.Select(r => { DelimitedFile.TryDate(r.Row[time], out var d); return d; }).ToArray())
                    : new SeriesFrame(group.Key, v, numericTimes: rows.Select(r => double.Parse(r.Row[time], NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray()));
            }
            catch (ArgumentException e)
            {
                throw new DataException(field, e.Message);
            }
        }
        return frames;
    }

    /// <summary>DeepAR from the config: the forecasting section's value column, time, horizon, season and quantiles, windowLength as the context, trainer.options for the rest.</summary>
    public DeepArForecasterOptions DeepArOptions(CancellationToken token)
    {
        if (_f.ValueColumns!.Count != 1)
            throw new ConfigException("forecasting.valueColumns", $"DeepAR forecasts one value column; this config names {_f.ValueColumns.Count} ({string.Join(", ", _f.ValueColumns)}).");
        bool dates = _c.Data.Columns!.First(c => c.Name == _f.TimeColumn).Type == "date";
        var progress = new ObserverProgress(_observer);
        var o = TrainerOptionsBinder.DeepAr(_c.Trainer!.Options, "trainer.options");
        o.ValueColumnName = _f.ValueColumns[0];
        o.TimeColumnName = _f.TimeColumn;
        o.TimeStep = _f.TimeStep != null ? StepParser.Parse(_f.TimeStep, dates) : null;
        o.Horizon = _f.Horizon;
        o.ContextLength = _f.WindowLength;
        o.SeasonLength = _f.SeasonLength;
        if (_f.Quantiles is { Count: > 0 } q)
            o.Quantiles = q.ToArray();
        o.Progress = r =>
        {
            token.ThrowIfCancellationRequested();
            ((IProgress<EpochReport>)progress).Report(r);
        };
        o.Name = "deepar";
        return o;
    }

    /// <summary>The configured forecaster (or the template a sweep starts from).</summary>
    public SequenceForecasterOptions ForecasterOptions(SequenceTrainerOptions model, CancellationToken token)
    {
        bool dates = _c.Data.Columns!.First(c => c.Name == _f.TimeColumn).Type == "date";
        var progress = new ObserverProgress(_observer);
        model.Progress = progress;
        model.BatchProgress = progress;
        model.CancellationToken = token;
        model.Seed ??= _c.Seed;
        return new SequenceForecasterOptions
        {
            ValueColumns = _f.ValueColumns!.ToArray(),
            TimeColumnName = _f.TimeColumn,
            TimeStep = _f.TimeStep != null ? StepParser.Parse(_f.TimeStep, dates) : null,
            WindowLength = _f.WindowLength,
            Horizon = _f.Horizon,
            Quantiles = _f.Quantiles?.ToArray(),
            Model = model,
            Name = TrainerOptionsBinder.FamilyOf(model),
        };
    }

    /// <summary>Without a trainer section: the documented recipe (LSTM 32, 200 epochs, batch 16, no dropout).</summary>
    private static SequenceTrainerOptions Recipe() => new LstmOptions { HiddenSize = 32, NumberOfEpochs = 200, BatchSize = 16, Dropout = 0 };

    public RunReport Run(CancellationToken token = default)
    {
        var all = ReadSeries(_c.Resolve(_c.Data.Path), "data.path");
        List<SeriesFrame> train;
        List<float[][]> actual;
        if (_c.Data.TestPath != null)
        {
            train = all;
            var test = ReadSeries(_c.Resolve(_c.Data.TestPath), "data.testPath").ToDictionary(s => s.Id);
            actual = train.Select(s => test.TryGetValue(s.Id, out var t) ? t.Values.Select(v => v.Take(_f.Horizon).ToArray()).ToArray()
                : throw new DataException("data.testPath", $"has no rows for series '{s.Id}'.")).ToList();
        }
        else
        {
            foreach (var s in all)
                if (s.Length - TestSteps < _f.WindowLength + _f.Horizon)
                    throw new DataException("data.path", $"series '{s.Id}' has {s.Length} steps; holding out {TestSteps} leaves {s.Length - TestSteps}, fewer than windowLength + horizon = {_f.WindowLength + _f.Horizon} to train on.");
            train = all.Select(s => s.Slice(0, s.Length - TestSteps)).ToList();
            actual = all.Select(s => s.Values.Select(v => v.Skip(s.Length - TestSteps).Take(_f.Horizon).ToArray()).ToArray()).ToList();
        }
        Directory.CreateDirectory(_c.OutputDirectory);
        var report = new RunReport { Task = _c.Task };
        var clock = Stopwatch.StartNew();
        IForecaster model;
        if (_c.Sweep == null && _c.Trainer?.Family == "deepar")
        {
            var options = DeepArOptions(token);
            report.Trainer = new JsonObject { ["family"] = "deepar", ["options"] = TrainerOptionsBinder.Changed(TrainerOptionsBinder.DeepAr(_c.Trainer.Options, "trainer.options"), new DeepArForecasterOptions()) };
            _observer.Info($"Training a DeepAR forecaster on {train.Count} series ({train.Sum(s => s.Length)} steps), context {_f.WindowLength}, horizon {_f.Horizon}.");
            model = _ml.Forecasting.DeepAR(options).Train(train);
        }
        else if (_c.Sweep == null)
        {
            var options = _c.Trainer != null ? TrainerOptionsBinder.Create(_c.Trainer.Family, _c.Trainer.Options, "trainer.options") : Recipe();
            report.Trainer = new JsonObject { ["family"] = TrainerOptionsBinder.FamilyOf(options), ["options"] = TrainerOptionsBinder.Changed(options) };
            _observer.Info($"Training a {TrainerOptionsBinder.FamilyOf(options)} forecaster on {train.Count} series ({train.Sum(s => s.Length)} steps), window {_f.WindowLength}, horizon {_f.Horizon}.");
            model = _ml.Forecasting.SequenceForecaster(ForecasterOptions(options, token)).Train(train);
        }
        else
            model = Sweep(train, report, token);
        report.TrainingSeconds = clock.Elapsed.TotalSeconds;
        using (model as IDisposable)
        {
            var forecasts = train.Select(s => model.Forecast(s, _f.Horizon)).ToList();
            report.Rows.Add(Score(model.Name, train, forecasts, actual));
            var naive = _ml.Forecasting.SeasonalNaive(_f.SeasonLength);
            report.Rows.Add(Score(_f.SeasonLength > 1 ? $"seasonal naive (m={_f.SeasonLength})" : "naive", train, train.Select(s => naive.Forecast(s, _f.Horizon)).ToList(), actual));
            var modelPath = Path.Combine(_c.OutputDirectory, TabularWorkflow.ModelFileName);
            _ml.Model.SaveSequenceModel((ITransformer)model, SeriesFrames.ToDataView(train, _f.ValueColumns!).Schema, modelPath);
            report.Files["model"] = modelPath;
            var trained = model switch { SequenceForecastTransformer s => s.TrainingHistory, DeepArForecastTransformer d => d.TrainingHistory, _ => null };
            report.SaveLearningCurve(_c.OutputDirectory, trained, "forecaster: loss per epoch");
            var png = Path.Combine(_c.OutputDirectory, "forecast.png");
            ForecastPlots.SaveForecast(png, train[0], new[] { forecasts[0] }, actual[0][0], $"{train[0].Id}: forecast of the held-out {_f.Horizon} steps", historySteps: Math.Min(train[0].Length, 4 * _f.Horizon));
            report.Files["forecast"] = png;
        }
        report.SaveMetrics(_c.OutputDirectory);
        return report;
    }

    private SequenceForecastTransformer Sweep(List<SeriesFrame> train, RunReport report, CancellationToken token)
    {
        var s = _c.Sweep!;
        int shortest = train.Min(f => f.Length);
        // Up to three origins, one horizon apart, inside the training part; each needs a window and a horizon before it.
        int origins = Math.Min(3, (shortest - _f.WindowLength - _f.Horizon) / _f.Horizon);
        if (origins < 1)
            throw new DataException("data.path", $"the training part ({shortest} steps) is too short to backtest a sweep: it needs windowLength + 2 x horizon = {_f.WindowLength + 2 * _f.Horizon} steps.");
        var families = (s.Families ?? TrainerConfig.Families.ToList()).Select(f => f switch
        {
            "lstm" => EncoderKind.Lstm, "gru" => EncoderKind.Gru, "transformer" => EncoderKind.Transformer, "nbeats" => EncoderKind.NBeats, _ => EncoderKind.Cnn,
        }).ToArray();
        var space = TabularWorkflow.CpuSizedSpace(families).Remove("EmbeddingDimension").Narrow("BatchSize", 8, 64).Narrow("Dropout", 0.0, 0.2)
            .Narrow("Pooling", "Last", "Mean", "Flatten");
        var options = new SequenceForecastSweepOptions
        {
            Forecaster = ForecasterOptions(Recipe(), token),
            Backtest = new BacktestOptions { Horizon = _f.Horizon, InitialTrainingSize = shortest - origins * _f.Horizon, Stride = _f.Horizon, SeasonLength = _f.SeasonLength },
            SearchSpace = space,
            Tuner = s.Tuner switch { "random" => SweepTunerKind.Random, "grid" => SweepTunerKind.Grid, _ => SweepTunerKind.Tpe },
            Metric = s.MetricFor(WorkflowTask.Forecasting),
            MaximumTrials = s.MaximumTrials,
            TimeBudget = s.Minutes is double m ? TimeSpan.FromMinutes(m) : null,
            MaximumEpochs = s.MaximumEpochs,
            Seed = _c.Seed,
            Progress = new ObserverProgress(_observer),
            CancellationToken = token,
            TrialLogPath = Path.Combine(_c.OutputDirectory, "trials.json"),
        };
        _observer.Info($"Sweeping {string.Join(", ", families)} forecasters ({s.Tuner}); each trial backtested at {origins} origin(s) inside the training part; trial log {options.TrialLogPath}");
        var result = _ml.Forecasting.SweepSequenceForecasters(options).Execute(train);
        report.Leaderboard = result.ToTable(10);
        report.Trainer = new JsonObject { ["family"] = result.BestTrial?.Configuration.Family.ToString().ToLowerInvariant(), ["sweepBest"] = result.BestTrial?.Configuration.ToString() };
        return result.Model as SequenceForecastTransformer ?? throw new InvalidOperationException("No sweep trial produced a metric; see the trial log for each trial's error.");
    }

    private MetricsRow Score(string name, List<SeriesFrame> history, List<Forecast> forecasts, List<float[][]> actual)
    {
        double smape = 0, mase = 0, mae = 0, rmse = 0, coverage = 0;
        int n = 0, covered = 0;
        for (int s = 0; s < history.Count; s++)
            for (int v = 0; v < _f.ValueColumns!.Count; v++)
            {
                var a = actual[s][v].Select(x => (double)x).ToArray();
                var p = forecasts[s].Point[v].Take(a.Length).Select(x => (double)x).ToArray();
                var h = history[s].Values[v].Select(x => (double)x).ToArray();
                smape += ForecastMetrics.Smape(a, p);
                mase += ForecastMetrics.Mase(h, a, p, _f.SeasonLength);
                mae += ForecastMetrics.Mae(a, p);
                rmse += ForecastMetrics.Rmse(a, p);
                n++;
                if (forecasts[s].Quantiles != null)
                {
                    coverage += ForecastMetrics.Coverage(a, forecasts[s].Lower(v)!.Take(a.Length).Select(x => (double)x).ToArray(),
                        forecasts[s].Upper(v)!.Take(a.Length).Select(x => (double)x).ToArray());
                    covered++;
                }
            }
        var row = new MetricsRow(name).Add("smape", smape / n).Add("mase", mase / n).Add("mae", mae / n).Add("rmse", rmse / n);
        if (covered > 0)
            row.Add("coverage", coverage / covered);
        return row;
    }
}
