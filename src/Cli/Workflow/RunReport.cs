using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Nodes;
using MLNet.Sequence.Cli.Config;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Cli.Workflow;

/// <summary>What a run tells the user as it goes (the console tool draws it live; tests record it).</summary>
internal interface IRunObserver
{
    void Info(string message);

    void Batch(TrainingProgress progress);

    void Epoch(EpochReport report);

    void Trial(SequenceTrialResult trial);
}

/// <summary>An observer that ignores everything.</summary>
internal sealed class SilentObserver : IRunObserver
{
    public static readonly SilentObserver Instance = new();

    public void Info(string message) { }

    public void Batch(TrainingProgress progress) { }

    public void Epoch(EpochReport report) { }

    public void Trial(SequenceTrialResult trial) { }
}

/// <summary>Adapts the observer to the trainers' progress interfaces.</summary>
internal sealed class ObserverProgress : IProgress<EpochReport>, IProgress<TrainingProgress>, IProgress<SequenceTrialResult>
{
    private readonly IRunObserver _observer;

    public ObserverProgress(IRunObserver observer) => _observer = observer;

    public void Report(EpochReport value) => _observer.Epoch(value);

    public void Report(TrainingProgress value) => _observer.Batch(value);

    public void Report(SequenceTrialResult value) => _observer.Trial(value);
}

/// <summary>The outcome of train, sweep or evaluate: metrics by name, in the order to print them, and the files written.</summary>
internal sealed class RunReport
{
    public string Task { get; set; } = "";

    /// <summary>Rows of the metrics table: the model first, then any baseline.</summary>
    public List<MetricsRow> Rows { get; } = new();

    /// <summary>Files written (model, plots, metrics.json), by role.</summary>
    public Dictionary<string, string> Files { get; } = new(StringComparer.Ordinal);

    /// <summary>The trainer that made the model: family and its non-default options.</summary>
    public JsonObject? Trainer { get; set; }

    /// <summary>A sweep's leaderboard table, when the run was a sweep.</summary>
    public string? Leaderboard { get; set; }

    public double TrainingSeconds { get; set; }

    /// <summary>The model's metrics row (the first).</summary>
    public MetricsRow Model => Rows[0];

    /// <summary>Plots the loss per epoch into <paramref name="folder"/>'s learning-curve.png and records it (nothing without epochs).</summary>
    public void SaveLearningCurve(string folder, TrainingHistory? history, string title)
    {
        if (history is not { Epochs.Count: > 0 })
            return;
        var curve = Path.Combine(folder, "learning-curve.png");
        MLNet.Sequence.Forecasting.ForecastPlots.SaveTrainingHistory(curve, history, title);
        Files["learningCurve"] = curve;
    }

    /// <summary>Records and writes <paramref name="folder"/>'s metrics.json (so the file lists itself among the files).</summary>
    public void SaveMetrics(string folder)
    {
        var path = Path.Combine(folder, "metrics.json");
        Files["metrics"] = path;
        Save(path);
    }

    public void Save(string path)
    {
        var json = new JsonObject
        {
            ["task"] = Task,
            ["trainer"] = Trainer?.DeepClone(),
            ["trainingSeconds"] = Math.Round(TrainingSeconds, 2),
        };
        var rows = new JsonArray();
        foreach (var r in Rows)
        {
            var metrics = new JsonObject();
            foreach (var (k, v) in r.Metrics)
                metrics[k] = double.IsFinite(v) ? JsonValue.Create(v) : null;
            rows.Add(new JsonObject { ["name"] = r.Name, ["metrics"] = metrics });
        }
        json["results"] = rows;
        var files = new JsonObject();
        foreach (var (k, v) in Files)
            files[k] = Path.GetFileName(v);
        json["files"] = files;
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, json.ToJsonString(WorkflowConfig.Json) + Environment.NewLine);
        File.Move(tmp, path, overwrite: true);
    }
}

/// <summary>One row of a metrics table.</summary>
internal sealed class MetricsRow
{
    public MetricsRow(string name) => Name = name;

    public string Name { get; }

    public List<KeyValuePair<string, double>> Metrics { get; } = new();

    public MetricsRow Add(string metric, double value)
    {
        Metrics.Add(new(metric, value));
        return this;
    }

    public double this[string metric] => Metrics.Find(m => m.Key == metric).Value;
}
