using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Cli.Config;
using MLNet.Sequence.Cli.Data;
using MLNet.Sequence.Cli.Workflow;

namespace MLNet.Sequence.Cli.Serve;

/// <summary>
/// serve: a local web page over the same workflow as the command line. Pick or upload a data file, choose the task and
/// columns (inferred defaults shown), train or sweep with live progress (the page polls), see the metrics, the
/// leaderboard and the plots, try a prediction, download the model and the generated code. Listens on 127.0.0.1 only.
/// </summary>
internal static class WebServer
{
    /// <summary>Builds the app; <paramref name="port"/> 0 picks a free port (read it from the app's URLs after start).</summary>
    /// <param name="workspace">Uploads, configs and each run's output go here.</param>
    /// <param name="dataFolder">Data files offered in the page's list (CSV/TSV below it); null for uploads only.</param>
    /// <param name="port">The loopback port.</param>
    public static WebApplication Build(string workspace, string? dataFolder, int port)
    {
        workspace = Path.GetFullPath(workspace);
        Directory.CreateDirectory(Path.Combine(workspace, "uploads"));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var jobs = new JobManager(workspace);
        app.Lifetime.ApplicationStopping.Register(jobs.Dispose);

        app.MapGet("/", () => Results.Content(Page(), "text/html; charset=utf-8"));

        app.MapGet("/api/datasets", () => Results.Json(Datasets(workspace, dataFolder)));

        app.MapPost("/api/upload", async (HttpRequest request) =>
        {
            if (!request.HasFormContentType)
                return Error("file", "send the data file as multipart/form-data.");
            var form = await request.ReadFormAsync();
            var file = form.Files.FirstOrDefault();
            if (file == null || file.Length == 0)
                return Error("file", "no file, or an empty one.");
            var name = Path.GetFileName(file.FileName);
            if (!DataExtensions.Any(e => name.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
                return Error("file", $"'{name}' is not a .csv, .tsv, .txt or .conll file.");
            var path = Path.Combine(workspace, "uploads", name);
            await using (var stream = File.Create(path))
                await file.CopyToAsync(stream);
            return Results.Json(new JsonObject { ["path"] = path, ["name"] = "uploads/" + name });
        });

        app.MapPost("/api/infer", (JsonObject body) => Guard(() =>
        {
            var path = ResolveData(workspace, dataFolder, body["path"]?.GetValue<string>());
            var task = body["task"]?.GetValue<string>() ?? "";
            if (!WorkflowConfig.Tasks.Contains(task))
                throw new ConfigException("task", $"must be {string.Join(", ", WorkflowConfig.Tasks)}; it was '{task}'.");
            var config = ConfigInference.Infer(new ConfigInference.Request
            {
                DataPath = path, Task = task, ConfigPath = Path.Combine(workspace, Path.GetFileNameWithoutExtension(path) + ".json"),
                Label = Optional(body, "label"), Input = Optional(body, "input"), TimeColumn = Optional(body, "time"),
            });
            config.Data.Path = path;
            config.Schema = null;
            return Results.Json(new JsonObject { ["config"] = JsonNode.Parse(config.ToJson()) });
        }));

        app.MapPost("/api/jobs", (JsonObject body) => Guard(() =>
        {
            var text = body["config"]?.ToJsonString() ?? throw new ConfigException("config", "missing.");
            var config = WorkflowConfig.Parse(text, workspace);
            bool sweep = body["mode"]?.GetValue<string>() == "sweep";
            if (sweep && config.Sweep == null)
                throw new ConfigException("sweep", "missing: a sweep needs a 'sweep' section (minutes and/or maximumTrials).");
            if (!sweep && config.Sweep != null)
                throw new ConfigException("sweep", "this config sweeps; start a sweep, or give a 'trainer' section.");
            var job = jobs.Start(config, sweep);
            return Results.Json(new JsonObject { ["id"] = job.Id });
        }));

        app.MapGet("/api/jobs/{id}", (string id, int? from) =>
            jobs.Find(id) is { } job ? Results.Json(job.State(from ?? 0)) : Results.NotFound());

        app.MapGet("/api/jobs/{id}/files/{name}", (string id, string name) =>
        {
            if (jobs.Find(id) is not { Report: { } report } job)
                return Results.NotFound();
            var file = report.Files.Values.FirstOrDefault(f => Path.GetFileName(f) == name);
            if (file == null || !File.Exists(file))
                return Results.NotFound();
            var type = name.EndsWith(".png", StringComparison.Ordinal) ? "image/png" : name.EndsWith(".json", StringComparison.Ordinal) ? "application/json" : "application/zip";
            return Results.File(File.ReadAllBytes(file), type, type == "image/png" ? null : name);
        });

        app.MapGet("/api/jobs/{id}/code.zip", (string id) =>
        {
            if (jobs.Find(id) is not { Report: not null } job)
                return Results.NotFound();
            var folder = CodeGenerator.Write(job.Config, null);
            var zip = Path.Combine(job.Config.OutputDirectory, "code.zip");
            if (File.Exists(zip))
                File.Delete(zip);
            ZipFile.CreateFromDirectory(folder, zip);
            return Results.File(File.ReadAllBytes(zip), "application/zip", "code.zip");
        });

        app.MapPost("/api/jobs/{id}/predict", (string id, JsonObject body) => Guard(() =>
        {
            if (jobs.Find(id) is not { Report: not null } job)
                return Results.NotFound();
            var config = job.Config;
            var ml = new MLContext(config.Seed);
            var modelPath = Path.Combine(config.OutputDirectory, TabularWorkflow.ModelFileName);
            var loaded = job.Model(() => ml.Model.LoadSequenceModel(modelPath, out _));
            if (config.TaskKind == WorkflowTask.Forecasting)
            {
                int? horizon = body["horizon"] is JsonNode h ? h.GetValue<int>() : null;
                var forecaster = SavedModel.Forecaster(loaded);
                var (header, rows) = SavedModel.ForecastRows(config, forecaster, config.Resolve(config.Data.Path), horizon);
                // Occlusion explanations need a windowed sequence forecaster; DeepAR's answer has none.
                var why = forecaster is MLNet.Sequence.Forecasting.SequenceForecastTransformer windowed
                    ? SavedModel.ExplainForecasts(config, windowed, config.Resolve(config.Data.Path), horizon)[0].Steps
                    : new List<(string Time, float Value, float Contribution)>();
                return Results.Json(new JsonObject
                {
                    ["explanation"] = new JsonArray(why.Select(x => (JsonNode?)new JsonObject { ["step"] = x.Time, ["value"] = x.Value, ["contribution"] = Math.Round(x.Contribution, 4) }).ToArray()),
                    ["header"] = new JsonArray(header.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray()),
                    ["rows"] = new JsonArray(rows.Select(r => (JsonNode?)new JsonArray(r.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray())).ToArray()),
                });
            }
            if (config.TaskKind == WorkflowTask.Anomaly)
                return Results.Json(Alerts(config, loaded));
            var text = body["text"]?.GetValue<string>() ?? throw new DataException("text", "missing: the input to predict.");
            if (config.TaskKind == WorkflowTask.Tagging)
                return Results.Json(Tag(config, loaded, text));
            if (config.TaskKind == WorkflowTask.SequenceToSequence)
                return Results.Json(Transduce(config, loaded, text));
            if (config.TaskKind == WorkflowTask.Recommendation)
                return Results.Json(Recommend(config, loaded, text));
            if (config.TaskKind == WorkflowTask.Generation)
                return Results.Json(new JsonObject { ["Generated"] = new GenerationWorkflow(config, SilentObserver.Instance).Generate(GenerationWorkflow.LanguageModel(loaded), text) });
            if (config.IsSpeech)
                text = Recording(config, text);
            var header1 = config.Data.Columns!.Select(c => c.Name).ToArray();
            var row = header1.Select(c => c == config.Input ? text : "").ToArray();
            var file = DelimitedFile.FromRows("form", header1, new List<string[]> { row });
            var result = new JsonObject();
            foreach (var (name, values) in SavedModel.Score(ml, config, loaded, file, "text"))
                result[name] = values[0];
            var (_, steps) = SavedModel.Explain(ml, config, loaded, file, 1, "text")[0];
            if (config.IsSpeech)
                steps = SavedModel.Segments(steps, 0.1);
            result["explanation"] = new JsonArray(steps.Select(x => (JsonNode?)new JsonObject { ["step"] = x.Step, ["contribution"] = Math.Round(x.Contribution, 5) }).ToArray());
            return Results.Json(result);
        }));
        return app;
    }

    /// <summary>Anomaly: the alerts among the data file's rows after the probationary period (the rows train scored).</summary>
    private static JsonObject Alerts(WorkflowConfig config, ITransformer model)
    {
        var workflow = new AnomalyWorkflow(config, SilentObserver.Instance);
        var detector = AnomalyWorkflow.Detector(model);
        var rows = workflow.TestRows(detector.ProbationaryPeriod);
        var scored = model.Transform(TabularData.Load(new MLContext(config.Seed), rows, config.Data.Columns!));
        var predictions = scored.GetColumn<double[]>(AnomalyWorkflow.PredictionColumn).ToArray();
        var scores = scored.GetColumn<double>(AnomalyWorkflow.ScoreColumn).ToArray();
        var a = config.Anomaly!;
        int time = a.TimeColumn == null ? -1 : Array.IndexOf(rows.Header, a.TimeColumn), value = Array.IndexOf(rows.Header, a.ValueColumn);
        var alerts = Enumerable.Range(0, predictions.Length).Where(i => predictions[i][0] > 0).ToList();
        // The first alerts' explanations, in the same order (each alert's window reaches back into the rows before it).
        var explained = (alerts.Count == 0 || detector.Method == MLNet.Sequence.Anomaly.AnomalyDetectionMethod.WindowedGaussian
            ? new List<AnomalyWorkflow.ExplainedPoint>() : workflow.Explain(model, null, Math.Min(alerts.Count, 100)).Points).ToDictionary(e => e.ScoredRow);
        JsonNode? Why(int row) => !explained.TryGetValue(row, out var e) ? null : new JsonObject
        {
            ["expected"] = Math.Round(e.Expected, 4),
            ["rawScore"] = Math.Round(e.RawScore, 4),
            ["movedBy"] = new JsonArray(Enumerable.Range(0, e.Steps.Count).OrderByDescending(j => Math.Abs(e.Steps[j].Contribution)).Take(3)
                .Select(j => (JsonNode?)new JsonObject
                {
                    ["point"] = j == e.Steps.Count - 1 ? "itself" : e.Steps[j].Step,
                    ["contribution"] = Math.Round(e.Steps[j].Contribution, 4),
                }).ToArray()),
        };
        return new JsonObject
        {
            ["points"] = predictions.Length,
            ["alertCount"] = alerts.Count,
            ["alerts"] = new JsonArray(alerts.Take(100).Select(i => (JsonNode?)new JsonObject
            {
                ["why"] = Why(i),
                ["row"] = a.SeriesColumn == null ? i + detector.ProbationaryPeriod : null,   // the file's data row (one series)
                ["time"] = time >= 0 ? rows.Rows[i][time] : null,
                ["value"] = rows.Rows[i][value],
                ["pValue"] = predictions[i][2],
                ["anomalyScore"] = Math.Round(scores[i], 4),
            }).ToArray()),
        };
    }

    /// <summary>Tagging: the sentence's tokens (split at white space), their tags and probabilities, and what holds each tag up.</summary>
    private static JsonObject Tag(WorkflowConfig config, ITransformer model, string text)
    {
        var tokens = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length == 0)
            throw new DataException("text", "give a sentence: its tokens apart by spaces.");
        var e = new TaggingWorkflow(config, SilentObserver.Instance).Explain(model, new[] { tokens }, 1)[0];
        return new JsonObject
        {
            ["tokens"] = new JsonArray(e.Tokens.Select((t, i) => (JsonNode?)new JsonObject
            {
                ["token"] = t,
                ["tag"] = e.Tags[i],
                ["probability"] = Math.Round(e.Probabilities[i], 4),
                ["heldUpBy"] = new JsonArray(e.TopInfluences(i, 3).Where(j => e.Influence[i][j] > 0.005f).Select(j => (JsonNode?)new JsonObject
                {
                    ["token"] = j == i ? "itself" : e.Tokens[j], ["influence"] = Math.Round(e.Influence[i][j], 4),
                }).ToArray()),
            }).ToArray()),
        };
    }

    /// <summary>Recommendation: a history (item ids apart by spaces or commas, oldest first) in, the recommended items and their probabilities out.</summary>
    private static JsonObject Recommend(WorkflowConfig config, ITransformer model, string text)
    {
        var history = text.Split(new[] { ' ', ',', '\t', ';' }, StringSplitOptions.RemoveEmptyEntries);
        if (history.Length == 0)
            throw new DataException("text", "give a history: item ids apart by spaces or commas, oldest first.");
        var (items, probabilities) = new RecommendationWorkflow(config, SilentObserver.Instance).Recommend(model, new[] { history })[0];
        return new JsonObject
        {
            ["recommendations"] = new JsonArray(items.Select((item, i) => (JsonNode?)new JsonObject
            {
                ["item"] = item, ["probability"] = Math.Round(probabilities[i], 5),
            }).ToArray()),
        };
    }

    /// <summary>Seq2seq: the source's predicted target and its log-probability.</summary>
    private static JsonObject Transduce(WorkflowConfig config, ITransformer model, string text)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new DataException("text", "give a source text (e.g. a word).");
        var header = config.Data.Columns!.Select(c => c.Name).ToArray();
        var file = DelimitedFile.FromRows("form", header, new List<string[]> { header.Select(c => c == config.Input ? text.Trim() : "").ToArray() });
        var result = new JsonObject();
        foreach (var (name, values) in new Seq2SeqWorkflow(config, SilentObserver.Instance).Score(model, file))
            result[name] = values[0];
        return result;
    }

    /// <summary>
    /// Speech: the page names a recording by its path relative to the data file's folder (as the data file does); only
    /// WAV files inside that folder are read.
    /// </summary>
    private static string Recording(WorkflowConfig config, string text)
    {
        var folder = Path.GetDirectoryName(config.Resolve(config.Data.Path))!;
        var full = Path.GetFullPath(Path.Combine(folder, text.Trim()));
        if (!full.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !full.EndsWith(".wav", StringComparison.OrdinalIgnoreCase))
            throw new DataException("text", $"'{text}' is not a WAV file inside the data file's folder; give a path like those in the data file (e.g. a row's recording).");
        if (!File.Exists(full))
            throw new DataException("text", $"no recording at '{text}' (relative to the data file's folder).");
        return full;
    }

    private static string? Optional(JsonObject body, string name) =>
        body[name]?.GetValue<string>() is { Length: > 0 } v ? v : null;

    private static IResult Error(string field, string message) =>
        Results.Json(new JsonObject { ["field"] = field, ["error"] = $"{field}: {message}" }, statusCode: 400);

    /// <summary>Config and data problems become a 400 with the field and the message the command line would print.</summary>
    private static IResult Guard(Func<IResult> action)
    {
        try
        {
            return action();
        }
        catch (ConfigException e)
        {
            return Results.Json(new JsonObject { ["field"] = e.Field, ["error"] = e.Message }, statusCode: 400);
        }
        catch (DataException e)
        {
            return Results.Json(new JsonObject { ["field"] = e.Field, ["error"] = e.Message }, statusCode: 400);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or System.Text.Json.JsonException)
        {
            return Results.Json(new JsonObject { ["field"] = "", ["error"] = e.Message }, statusCode: 400);
        }
    }

    /// <summary>The data files the page takes: CSV, TSV, CoNLL, and uploaded .txt (CSV or CoNLL text).</summary>
    private static readonly string[] DataExtensions = { ".csv", ".tsv", ".conll", ".txt" };

    private static JsonArray Datasets(string workspace, string? dataFolder)
    {
        var list = new JsonArray();
        IEnumerable<(string Name, string Path)> Files(string root, string prefix) => Directory.Exists(root)
            ? Directory.EnumerateFiles(root, "*.*", SearchOption.AllDirectories)
                .Where(f => DataExtensions.Any(e => e != ".txt" && f.EndsWith(e, StringComparison.OrdinalIgnoreCase)) || (prefix.Length > 0 && f.EndsWith(".txt", StringComparison.OrdinalIgnoreCase)))
                .OrderBy(f => f, StringComparer.Ordinal)
                .Select(f => (prefix + Path.GetRelativePath(root, f).Replace('\\', '/'), f))
            : Enumerable.Empty<(string, string)>();
        foreach (var (name, path) in (dataFolder != null ? Files(dataFolder, "") : Enumerable.Empty<(string, string)>()).Concat(Files(Path.Combine(workspace, "uploads"), "uploads/")))
            list.Add(new JsonObject { ["name"] = name, ["path"] = path });
        return list;
    }

    /// <summary>A data file the page names: one it listed (bundled or uploaded), never any other path.</summary>
    private static string ResolveData(string workspace, string? dataFolder, string? path)
    {
        if (string.IsNullOrEmpty(path))
            throw new DataException("path", "choose or upload a data file first.");
        var full = Path.GetFullPath(path);
        bool allowed = Datasets(workspace, dataFolder).Any(d => d!["path"]!.GetValue<string>() == full);
        if (!allowed)
            throw new DataException("path", $"'{path}' is not one of the listed data files.");
        return full;
    }

    private static string Page()
    {
        using var stream = typeof(WebServer).Assembly.GetManifestResourceStream("index.html")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
