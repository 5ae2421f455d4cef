using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using MLNet.Sequence.Cli.Config;
using MLNet.Sequence.Cli.Data;
using MLNet.Sequence.Cli.Workflow;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Cli.Serve;

/// <summary>
/// The web page's training and sweep runs: one at a time (two cores gain nothing from two trainings at once), each in
/// its own output folder under the workspace, with its progress kept for the page to poll.
/// </summary>
internal sealed class JobManager : IDisposable
{
    private readonly ConcurrentDictionary<string, Job> _jobs = new();
    private readonly SemaphoreSlim _one = new(1, 1);
    private int _next;

    public JobManager(string workspace) => Workspace = workspace;

    public string Workspace { get; }

    public Job? Find(string id) => _jobs.TryGetValue(id, out var job) ? job : null;

    /// <summary>Starts a run of <paramref name="config"/> (already validated); its output goes to the job's folder.</summary>
    public Job Start(WorkflowConfig config, bool sweep)
    {
        var id = Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture);
        config.Output = Path.Combine(Workspace, "jobs", id);
        var job = new Job(id, config, sweep);
        _jobs[id] = job;
        job.Task = Task.Run(async () =>
        {
            await _one.WaitAsync().ConfigureAwait(false);
            try
            {
                job.Run();
            }
            finally
            {
                _one.Release();
            }
        });
        return job;
    }

    public void Dispose()
    {
        foreach (var job in _jobs.Values)
            job.Cancel();
        _one.Dispose();
    }
}

/// <summary>One run: status, progress, log lines, and when done the report (metrics, leaderboard, files).</summary>
internal sealed class Job : IRunObserver
{
    private readonly object _gate = new();
    private readonly List<string> _log = new();
    private readonly CancellationTokenSource _cancel = new();
    private object? _model;

    public Job(string id, WorkflowConfig config, bool sweep)
    {
        Id = id;
        Config = config;
        Sweep = sweep;
    }

    public string Id { get; }
    public WorkflowConfig Config { get; }
    public bool Sweep { get; }
    public Task? Task { get; set; }
    public string Status { get; private set; } = "queued";
    public string? Error { get; private set; }
    public RunReport? Report { get; private set; }
    private (int Epoch, int Epochs, double Fraction, double Loss) _progress;
    private int _trials;

    public void Cancel() => _cancel.Cancel();

    internal void Run()
    {
        lock (_gate)
            Status = "running";
        try
        {
            var report = Config.TaskKind switch
            {
                WorkflowTask.Forecasting => new ForecastWorkflow(Config, this).Run(_cancel.Token),
                WorkflowTask.Tagging => new TaggingWorkflow(Config, this).Run(_cancel.Token),
                WorkflowTask.Anomaly => new AnomalyWorkflow(Config, this).Run(_cancel.Token),
                WorkflowTask.SequenceToSequence => new Seq2SeqWorkflow(Config, this).Run(_cancel.Token),
                WorkflowTask.Recommendation => new RecommendationWorkflow(Config, this).Run(_cancel.Token),
                WorkflowTask.Generation => new GenerationWorkflow(Config, this).Run(_cancel.Token),
                _ => new TabularWorkflow(Config, this).Run(_cancel.Token),
            };
            lock (_gate)
            {
                Report = report;
                Status = "done";
            }
        }
        catch (Exception e) when (e is ConfigException or DataException or ArgumentException or InvalidOperationException or OperationCanceledException or FormatException)
        {
            lock (_gate)
            {
                Error = e.Message;
                Status = e is OperationCanceledException ? "canceled" : "failed";
            }
        }
    }

    public void Info(string message) => Add(message);

    public void Batch(TrainingProgress p)
    {
        lock (_gate)
            _progress = (p.Epoch, p.Epochs, (p.Epoch - 1 + (double)p.Batch / Math.Max(1, p.BatchesPerEpoch)) / Math.Max(1, p.Epochs), p.TrainingLoss);
    }

    public void Epoch(EpochReport r) => Add(r.ToString());

    public void Trial(SequenceTrialResult t)
    {
        lock (_gate)
            _trials++;
        Add(string.Create(CultureInfo.InvariantCulture, $"trial #{t.Id} {t.Status}: {t.Metric:F4} after {t.Epochs} epochs, {t.Seconds:F1} s; {t.Configuration}"));
    }

    private void Add(string line)
    {
        lock (_gate)
            _log.Add(line);
    }

    /// <summary>The state the page polls: status, progress, the log since line <paramref name="from"/>, and the report when done.</summary>
    public JsonObject State(int from)
    {
        lock (_gate)
        {
            var state = new JsonObject
            {
                ["id"] = Id,
                ["task"] = Config.Task,
                ["status"] = Status,
                ["error"] = Error,
                ["epoch"] = _progress.Epoch,
                ["epochs"] = _progress.Epochs,
                ["fraction"] = Status == "done" ? 1.0 : Math.Round(_progress.Fraction, 4),
                ["loss"] = double.IsFinite(_progress.Loss) ? Math.Round(_progress.Loss, 5) : null,
                ["trials"] = _trials,
                ["logFrom"] = from,
                ["log"] = new JsonArray(_log.Skip(Math.Max(0, from)).Select(l => (JsonNode?)JsonValue.Create(l)).ToArray()),
            };
            if (Report is { } r)
            {
                var rows = new JsonArray();
                foreach (var row in r.Rows)
                {
                    var metrics = new JsonObject();
                    foreach (var (k, v) in row.Metrics)
                        metrics[k] = double.IsFinite(v) ? Math.Round(v, 4) : null;
                    rows.Add(new JsonObject { ["name"] = row.Name, ["metrics"] = metrics });
                }
                state["results"] = rows;
                state["leaderboard"] = r.Leaderboard;
                state["trainingSeconds"] = Math.Round(r.TrainingSeconds, 1);
                state["files"] = new JsonArray(r.Files.Select(f => (JsonNode?)new JsonObject { ["role"] = f.Key, ["name"] = Path.GetFileName(f.Value) }).ToArray());
            }
            return state;
        }
    }

    /// <summary>The saved model, loaded once for the page's predictions.</summary>
    public T Model<T>(Func<T> load) where T : class
    {
        lock (_gate)
            return (T)(_model ??= load());
    }
}
