using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using MLNet.Sequence.Cli.Config;
using MLNet.Sequence.Cli.Data;
using MLNet.Sequence.Cli.Workflow;
using MLNet.Sequence.Trainers;
using Microsoft.Extensions.Hosting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MLNet.Sequence.Cli;

/// <summary>mlnet-sequence: init, train, sweep, evaluate, predict, codegen.</summary>
internal static class Program
{
    /// <summary>Exit codes, documented in docs/cli.md.</summary>
    internal static class ExitCodes
    {
        public const int Ok = 0;
        public const int BadArguments = 1;
        public const int BadConfig = 2;
        public const int BadData = 3;
        public const int TrainingFailed = 4;
        public const int Canceled = 130;
    }

    public static int Main(string[] args)
    {
        var app = new CommandApp();
        app.Configure(c =>
        {
            c.SetApplicationName("mlnet-sequence");
            c.AddCommand<InitCommand>("init").WithDescription("Infer a config from a data file and a task.")
                .WithExample("init", "--data", "reviews.tsv", "--task", "binary", "--config", "reviews.json");
            c.AddCommand<TrainCommand>("train").WithDescription("Train the config's trainer, evaluate it on the test rows, save model, metrics and plots.")
                .WithExample("train", "examples/configs/sentiment.json");
            c.AddCommand<SweepCommand>("sweep").WithDescription("Sweep model families and sizes within the config's budget; refit and save the best.");
            c.AddCommand<EvaluateCommand>("evaluate").WithDescription("Score a saved model on the config's test rows or another file.");
            c.AddCommand<PredictCommand>("predict").WithDescription("Predict every row of a file (or forecast each series of a history file) into a CSV.");
            c.AddCommand<CodegenCommand>("codegen").WithDescription("Write a small C# project that loads the saved model and predicts.");
            c.AddCommand<ExplainCommand>("explain").WithDescription("Show which steps (words, symbols) moved each prediction: occlusion attributions of the saved model.");
            c.AddCommand<ServeCommand>("serve").WithDescription("Start the local web page (127.0.0.1 only): pick data, train or sweep, see results, try predictions, download model and code.");
            c.PropagateExceptions();
        });
        try
        {
            return app.Run(args);
        }
        catch (CommandParseException e)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return ExitCodes.BadArguments;
        }
        catch (CommandRuntimeException e)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return ExitCodes.BadArguments;
        }
        catch (ConfigException e)
        {
            AnsiConsole.MarkupLine($"[red]config error[/] {Markup.Escape(e.Message)}");
            return ExitCodes.BadConfig;
        }
        catch (DataException e)
        {
            AnsiConsole.MarkupLine($"[red]data error[/] {Markup.Escape(e.Message)}");
            return ExitCodes.BadData;
        }
        catch (Exception e) when (UnreadableFile(e) is { } cause)
        {
            // A recording the data names is missing or unreadable (task speech): LoadAudio's message names the file and
            // row. ML.NET's parallel cursors wrap it ("Splitter/consolidator worker encountered exception"), so unwrap.
            AnsiConsole.MarkupLine($"[red]data error[/] {Markup.Escape(cause.Message)}");
            return ExitCodes.BadData;
        }
        catch (OperationCanceledException)
        {
            AnsiConsole.MarkupLine("[yellow]canceled[/]");
            return ExitCodes.Canceled;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            AnsiConsole.MarkupLine($"[red]training failed:[/] {Markup.Escape(e.Message)}");
            return ExitCodes.TrainingFailed;
        }
    }

    /// <summary>The missing or unreadable file behind <paramref name="e"/>, however deeply ML.NET wrapped it; null when there is none.</summary>
    internal static Exception? UnreadableFile(Exception e)
    {
        for (Exception? x = e; x != null; x = x is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerExceptions[0] : x.InnerException)
            if (x is FileNotFoundException or InvalidDataException)
                return x;
        return null;
    }

    /// <summary>Ctrl+C cancels training (the best model so far is kept where the trainer supports it).</summary>
    internal static CancellationToken CancelOnCtrlC()
    {
        var source = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            source.Cancel();
        };
        return source.Token;
    }

    internal static void PrintReport(RunReport report)
    {
        var metrics = report.Rows.SelectMany(r => r.Metrics.Select(m => m.Key)).Distinct().ToList();
        var table = new Table().Title("test metrics").AddColumn("model");
        foreach (var m in metrics)
            table.AddColumn(new TableColumn(m).RightAligned());
        foreach (var row in report.Rows)
            table.AddRow(new[] { Markup.Escape(row.Name) }.Concat(metrics.Select(m =>
                row.Metrics.Any(x => x.Key == m) ? row[m].ToString(m == "examples" ? "F0" : "F4", CultureInfo.InvariantCulture) : "")).ToArray());
        AnsiConsole.Write(table);
        if (report.Leaderboard != null)
            AnsiConsole.WriteLine(report.Leaderboard);
        if (report.TrainingSeconds > 0)
            AnsiConsole.MarkupLine($"trained in {report.TrainingSeconds.ToString("F1", CultureInfo.InvariantCulture)} s");
        foreach (var (role, path) in report.Files)
            AnsiConsole.MarkupLine($"{role,-16} [link]{Markup.Escape(path)}[/]");
    }
}

/// <summary>Settings every config-driven command shares.</summary>
internal class ConfigSettings : CommandSettings
{
    [CommandArgument(0, "<config>")]
    [Description("The JSON config file.")]
    public string Config { get; set; } = "";
}

internal sealed class InitSettings : CommandSettings
{
    [CommandOption("--data <FILE>")]
    [Description("The CSV or TSV data file (for tagging: a CoNLL file).")]
    public string Data { get; set; } = "";

    [CommandOption("--task <TASK>")]
    [Description("binary, multiclass, regression, forecasting, speech (a column of WAV paths and a class), tagging (a CoNLL file), anomaly (a number column over time), seq2seq (a source and a target text column), recommendation (user, item and time columns of events) or generation (a text column).")]
    public string Task { get; set; } = "";

    [CommandOption("--config <FILE>")]
    [Description("The config to write (default: the data file's name with .json).")]
    public string? Config { get; set; }

    [CommandOption("--label <COLUMN>")]
    [Description("The label column (seq2seq: the target text; recommendation: the user column).")]
    public string? Label { get; set; }

    [CommandOption("--input <COLUMN>")]
    [Description("The sequence column (seq2seq: the source text; recommendation: the item column).")]
    public string? Input { get; set; }

    [CommandOption("--time <COLUMN>")]
    public string? Time { get; set; }

    [CommandOption("--value <COLUMN>")]
    [Description("A column to forecast; repeat for several.")]
    public string[]? Values { get; set; }

    [CommandOption("--horizon <STEPS>")]
    public int? Horizon { get; set; }

    [CommandOption("--no-header")]
    public bool NoHeader { get; set; }

    [CommandOption("--force")]
    [Description("Overwrite an existing config.")]
    public bool Force { get; set; }

    public override ValidationResult Validate()
    {
        if (string.IsNullOrEmpty(Data))
            return ValidationResult.Error("--data is required: the CSV or TSV file to infer the config from.");
        if (!WorkflowConfig.Tasks.Contains(Task))
            return ValidationResult.Error($"--task must be {string.Join(", ", WorkflowConfig.Tasks)}; it was '{Task}'.");
        return ValidationResult.Success();
    }
}

internal sealed class InitCommand : Command<InitSettings>
{
    public override int Execute(CommandContext context, InitSettings settings, CancellationToken cancellationToken)
    {
        var path = settings.Config ?? Path.ChangeExtension(settings.Data, ".json");
        if (File.Exists(path) && !settings.Force)
            throw new ConfigException("--config", $"'{path}' exists; pass --force to overwrite it.");
        var config = ConfigInference.Infer(new ConfigInference.Request
        {
            DataPath = settings.Data, Task = settings.Task, Label = settings.Label, Input = settings.Input, TimeColumn = settings.Time,
            ValueColumns = settings.Values?.ToList(), Horizon = settings.Horizon, HasHeader = !settings.NoHeader, ConfigPath = path,
        });
        config.Save(path);
        var schema = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, ConfigInference.SchemaFileName);
        if (!File.Exists(schema))
            SavedModel.WriteAtomically(schema, ConfigInference.SchemaText());
        if (config.Tagging is { } t)
        {
            AnsiConsole.MarkupLine(Markup.Escape($"a CoNLL file: token field {t.TokenField}, tag field {t.TagField} (the last), tag scheme {t.Scheme}, " +
                $"a {config.Trainer!.Family} tagger{(config.Trainer.Options?["UseCrf"] is not null ? " with a CRF" : "")}"));
            AnsiConsole.MarkupLine($"wrote [green]{Markup.Escape(path)}[/]; edit it, then: mlnet-sequence train {Markup.Escape(path)}");
            return Program.ExitCodes.Ok;
        }
        var table = new Table().Title($"inferred columns of {Markup.Escape(Path.GetFileName(settings.Data))}").AddColumn("column").AddColumn("type").AddColumn("role");
        foreach (var c in config.Data.Columns!)
        {
            string role = c.Name == config.Recommendation?.UserColumn ? "user" : c.Name == config.Recommendation?.ItemColumn ? "item" : c.Name == config.Recommendation?.TimeColumn ? "time"
                : c.Name == config.Label || c.Name == config.Anomaly?.LabelColumn ? "label" : c.Name == config.Input ? "input"
                : c.Name == config.Anomaly?.ValueColumn ? "value" : c.Name == config.Anomaly?.TimeColumn ? "time" : c.Name == config.Anomaly?.SeriesColumn ? "series"
                : c.Name == config.Forecasting?.TimeColumn ? "time" : config.Forecasting?.ValueColumns?.Contains(c.Name) == true ? "value" : "";
            table.AddRow(Markup.Escape(c.Name), c.Type, role);
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"wrote [green]{Markup.Escape(path)}[/]; edit it, then: mlnet-sequence train {Markup.Escape(path)}");
        return Program.ExitCodes.Ok;
    }
}

internal sealed class TrainSettings : CommandSettings
{
    [CommandArgument(0, "<configs>")]
    [Description("One or more JSON config files, trained in turn.")]
    public string[] Configs { get; set; } = Array.Empty<string>();
}

internal sealed class TrainCommand : Command<TrainSettings>
{
    public override int Execute(CommandContext context, TrainSettings settings, CancellationToken cancellationToken)
    {
        // Every config is checked before the first training starts.
        var configs = settings.Configs.Select(WorkflowConfig.Load).ToList();
        foreach (var (config, path) in configs.Zip(settings.Configs))
            if (config.Sweep != null)
                throw new ConfigException("sweep", $"{path} sweeps; run 'mlnet-sequence sweep' (or replace 'sweep' by a 'trainer' section).");
        var token = Program.CancelOnCtrlC();
        foreach (var (config, path) in configs.Zip(settings.Configs))
        {
            if (configs.Count > 1)
                AnsiConsole.Write(new Rule($"[bold]{Markup.Escape(Path.GetFileName(path))}[/]: {config.Task}").LeftJustified());
            Runner.Run(config, token);
        }
        return Program.ExitCodes.Ok;
    }
}

internal sealed class SweepSettings : ConfigSettings
{
    [CommandOption("--restart")]
    [Description("Delete the output folder's trial log and start the sweep over (by default a sweep resumes from it).")]
    public bool Restart { get; set; }
}

internal sealed class SweepCommand : Command<SweepSettings>
{
    public override int Execute(CommandContext context, SweepSettings settings, CancellationToken cancellationToken)
    {
        var config = WorkflowConfig.Load(settings.Config);
        if (config.Sweep == null)
            throw new ConfigException("sweep", "missing: a sweep needs a 'sweep' section (minutes and/or maximumTrials, tuner, metric, families).");
        var log = Path.Combine(config.OutputDirectory, "trials.json");
        if (settings.Restart && File.Exists(log))
            File.Delete(log);
        return Runner.Run(config, Program.CancelOnCtrlC());
    }
}

internal sealed class EvaluateSettings : ConfigSettings
{
    [CommandOption("--model <FILE>")]
    [Description("The model zip (default: the config's output folder's model.zip).")]
    public string? Model { get; set; }

    [CommandOption("--data <FILE>")]
    [Description("A labelled file with the config's columns (default: the config's test rows).")]
    public string? Data { get; set; }
}

internal sealed class EvaluateCommand : Command<EvaluateSettings>
{
    public override int Execute(CommandContext context, EvaluateSettings settings, CancellationToken cancellationToken)
    {
        var config = WorkflowConfig.Load(settings.Config);
        Program.PrintReport(SavedModel.Evaluate(config, settings.Model, settings.Data));
        return Program.ExitCodes.Ok;
    }
}

internal sealed class PredictSettings : ConfigSettings
{
    [CommandOption("--input <FILE>")]
    [Description("Rows to score (the label column may be absent), or for forecasting the history of each series.")]
    public string Input { get; set; } = "";

    [CommandOption("--output <FILE>")]
    [Description("The CSV to write: the input's columns plus the predictions (forecasting: one row per series and step).")]
    public string Output { get; set; } = "";

    [CommandOption("--model <FILE>")]
    public string? Model { get; set; }

    [CommandOption("--horizon <STEPS>")]
    [Description("Forecasting: steps ahead (default the config's horizon).")]
    public int? Horizon { get; set; }

    public override ValidationResult Validate() =>
        string.IsNullOrEmpty(Input) || string.IsNullOrEmpty(Output) ? ValidationResult.Error("predict needs --input and --output.") : ValidationResult.Success();
}

internal sealed class PredictCommand : Command<PredictSettings>
{
    public override int Execute(CommandContext context, PredictSettings settings, CancellationToken cancellationToken)
    {
        var config = WorkflowConfig.Load(settings.Config);
        int rows = SavedModel.Predict(config, settings.Model, settings.Input, settings.Output, settings.Horizon);
        AnsiConsole.MarkupLine($"wrote {rows} rows to [green]{Markup.Escape(settings.Output)}[/]");
        return Program.ExitCodes.Ok;
    }
}

internal sealed class CodegenSettings : ConfigSettings
{
    [CommandOption("--output <FOLDER>")]
    [Description("Where to write the project (default: the config's output folder's 'code' folder).")]
    public string? Output { get; set; }

    [CommandOption("--library-source <FOLDER>")]
    [Description("A clone of the MLNet.Sequence repository to reference by project instead of the NuGet package (unreleased builds).")]
    public string? LibrarySource { get; set; }
}

internal sealed class CodegenCommand : Command<CodegenSettings>
{
    public override int Execute(CommandContext context, CodegenSettings settings, CancellationToken cancellationToken)
    {
        var config = WorkflowConfig.Load(settings.Config);
        var folder = CodeGenerator.Write(config, settings.Output, settings.LibrarySource);
        AnsiConsole.MarkupLine($"wrote a C# project to [green]{Markup.Escape(folder)}[/]; run it with: dotnet run --project {Markup.Escape(folder)}");
        return Program.ExitCodes.Ok;
    }
}

internal sealed class ExplainSettings : ConfigSettings
{
    [CommandOption("--input <FILE>")]
    [Description("Rows to explain (the config's columns; the label may be absent); for tagging, tokens one per line with blank lines between sentences (as predict reads them); for anomaly, rows that continue each series (default: the config's rows after the probation).")]
    public string Input { get; set; } = "";

    [CommandOption("--rows <N>")]
    [Description("Explain at most this many rows (default 10).")]
    public int Rows { get; set; } = 10;

    [CommandOption("--output <FILE>")]
    [Description("Also write the attributions as JSON.")]
    public string? Output { get; set; }

    [CommandOption("--model <FILE>")]
    public string? Model { get; set; }

    public override ValidationResult Validate() =>
        Rows < 1 ? ValidationResult.Error($"--rows must be at least 1; it was {Rows}.") : ValidationResult.Success();
}

internal sealed class ExplainCommand : Command<ExplainSettings>
{
    public override int Execute(CommandContext context, ExplainSettings settings, CancellationToken cancellationToken)
    {
        var config = WorkflowConfig.Load(settings.Config);
        if (config.TaskKind == WorkflowTask.SequenceToSequence)
            throw new ConfigException("task", "explain has no attributions for an encoder-decoder yet; 'predict' gives each prediction with its log-probability.");
        if (config.TaskKind == WorkflowTask.Recommendation)
            throw new ConfigException("task", "explain has no attributions for a next-item model yet; 'predict' gives each user's recommendations with their probabilities.");
        if (config.TaskKind == WorkflowTask.Generation)
            throw new ConfigException("task", "explain has no attributions for a language model yet; 'predict' continues each row's text.");
        if (string.IsNullOrEmpty(settings.Input) && config.TaskKind != WorkflowTask.Anomaly)
            throw new DataException("--input", "explain needs --input: the rows to explain (for anomaly detection it is optional).");
        var ml = new Microsoft.ML.MLContext(config.Seed);
        var path = SavedModel.ModelPath(config, settings.Model);
        if (!File.Exists(path))
            throw new DataException("--model", $"no model at '{path}'; run 'mlnet-sequence train' with this config first, or pass --model.");
        var model = ml.Model.LoadSequenceModel(path, out _);
        using var owned = model as IDisposable;
        if (config.TaskKind == WorkflowTask.Forecasting)
            return ExplainForecasts(config, SavedModel.Explainable(SavedModel.Forecaster(model)), settings);
        if (config.TaskKind == WorkflowTask.Tagging)
            return ExplainTags(config, model, settings);
        if (config.TaskKind == WorkflowTask.Anomaly)
            return ExplainAnomalies(config, model, settings);
        var file = DelimitedFile.Read(Path.GetFullPath(settings.Input), config.Data.SeparatorChar, config.Data.HasHeader, config.Data.Columns!.Select(c => c.Name).ToList(), "--input");
        var explained = SavedModel.Explain(ml, config, model, file, settings.Rows, "--input");
        AnsiConsole.MarkupLine("[grey]green: steps that pushed toward the prediction, red: against it (occlusion: the score without the step)[/]");
        if (config.IsSpeech)
            AnsiConsole.MarkupLine("[grey]speech: each 0.1 s segment shows the sum of its 10 ms frames' contributions; --output has every frame[/]");
        var json = new System.Text.Json.Nodes.JsonArray();
        foreach (var (prediction, frames) in explained)
        {
            var steps = config.IsSpeech ? SavedModel.Segments(frames, 0.1) : frames;
            double scale = Math.Max(1e-6, steps.Count == 0 ? 1 : steps.Max(x => Math.Abs(x.Contribution)));
            var line = string.Join(" ", steps.Select(x =>
            {
                double w = x.Contribution / scale;
                string style = w > 0.5 ? "bold green" : w > 0.15 ? "green" : w < -0.5 ? "bold red" : w < -0.15 ? "red" : "default";
                return $"[{style}]{Markup.Escape(x.Step)}[/]";
            }));
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(prediction)}[/]: {line}");
            json.Add(new System.Text.Json.Nodes.JsonObject
            {
                ["prediction"] = prediction,
                ["steps"] = new System.Text.Json.Nodes.JsonArray(frames.Select(x => (System.Text.Json.Nodes.JsonNode?)new System.Text.Json.Nodes.JsonObject
                {
                    ["step"] = x.Step, ["contribution"] = Math.Round(x.Contribution, 6),
                }).ToArray()),
            });
        }
        if (settings.Output != null)
        {
            SavedModel.WriteAtomically(settings.Output, json.ToJsonString(WorkflowConfig.Json) + Environment.NewLine);
            AnsiConsole.MarkupLine($"wrote [green]{Markup.Escape(settings.Output)}[/]");
        }
        return Program.ExitCodes.Ok;
    }

    /// <summary>Tagging: each token's tag, its probability, and the tokens that hold that tag up most (occlusion).</summary>
    private static int ExplainTags(WorkflowConfig config, Microsoft.ML.ITransformer model, ExplainSettings settings)
    {
        var workflow = new TaggingWorkflow(config, SilentObserver.Instance);
        var explained = workflow.Explain(model, workflow.ReadTokens(settings.Input), settings.Rows);
        var json = new System.Text.Json.Nodes.JsonArray();
        foreach (var e in explained)
        {
            var table = new Table().Title(Markup.Escape(string.Join(" ", e.Tokens))).AddColumn("token").AddColumn("tag")
                .AddColumn(new TableColumn("probability").RightAligned()).AddColumn("held up by (the tag's probability lost without the token)");
            for (int i = 0; i < e.Tokens.Count; i++)
                table.AddRow(Markup.Escape(e.Tokens[i]), Markup.Escape(e.Tags[i]), e.Probabilities[i].ToString("F3", CultureInfo.InvariantCulture),
                    Markup.Escape(string.Join(", ", e.TopInfluences(i, 3).Where(j => e.Influence[i][j] > 0.005f)
                        .Select(j => $"{(j == i ? "itself" : e.Tokens[j])} {e.Influence[i][j].ToString("F2", CultureInfo.InvariantCulture)}"))));
            AnsiConsole.Write(table);
            json.Add(new System.Text.Json.Nodes.JsonObject
            {
                ["tokens"] = new System.Text.Json.Nodes.JsonArray(e.Tokens.Select(t => (System.Text.Json.Nodes.JsonNode?)t).ToArray()),
                ["tags"] = new System.Text.Json.Nodes.JsonArray(e.Tags.Select(t => (System.Text.Json.Nodes.JsonNode?)t).ToArray()),
                ["probabilities"] = new System.Text.Json.Nodes.JsonArray(e.Probabilities.Select(p => (System.Text.Json.Nodes.JsonNode?)Math.Round(p, 6)).ToArray()),
                ["influence"] = new System.Text.Json.Nodes.JsonArray(e.Influence.Select(row =>
                    (System.Text.Json.Nodes.JsonNode?)new System.Text.Json.Nodes.JsonArray(row.Select(v => (System.Text.Json.Nodes.JsonNode?)Math.Round(v, 6)).ToArray())).ToArray()),
            });
        }
        if (settings.Output != null)
        {
            SavedModel.WriteAtomically(settings.Output, json.ToJsonString(WorkflowConfig.Json) + Environment.NewLine);
            AnsiConsole.MarkupLine($"wrote [green]{Markup.Escape(settings.Output)}[/]");
        }
        return Program.ExitCodes.Ok;
    }

    /// <summary>Anomaly: each alert (or highest score) with its expected value and the window points that moved its raw score.</summary>
    private static int ExplainAnomalies(WorkflowConfig config, Microsoft.ML.ITransformer model, ExplainSettings settings)
    {
        var (points, skipped) = new AnomalyWorkflow(config, SilentObserver.Instance).Explain(model, string.IsNullOrEmpty(settings.Input) ? null : settings.Input, settings.Rows);
        if (points.Count > 0 && points.All(p => !p.Alert))
            AnsiConsole.MarkupLine("[grey]no alerts in these rows: explaining the highest anomaly scores[/]");
        AnsiConsole.MarkupLine("[grey]raw score: the network's miss in units of the series' scale; contribution: the raw score lost when the point is replaced by the line between its neighbours[/]");
        var json = new System.Text.Json.Nodes.JsonArray();
        foreach (var p in points)
        {
            string where = p.Series.Length > 0 ? $"{p.Series} " : "";
            var table = new Table().Title(Markup.Escape($"{where}{p.Point}: value {p.Value:G6}, expected {p.Expected:G6}, raw score {p.RawScore:F3}{(p.Alert ? ", alert" : "")}"))
                .AddColumn("point").AddColumn(new TableColumn("value").RightAligned()).AddColumn(new TableColumn("contribution").RightAligned()).AddColumn("");
            double scale = Math.Max(1e-9, p.Steps.Max(x => Math.Abs(x.Contribution)));
            var top = Enumerable.Range(0, p.Steps.Count).OrderByDescending(j => Math.Abs(p.Steps[j].Contribution)).Take(5).OrderBy(j => j);
            foreach (int j in top)
            {
                var (step, value, c) = p.Steps[j];
                table.AddRow(Markup.Escape(j == p.Steps.Count - 1 ? $"{step} (itself)" : step), value.ToString("G6", CultureInfo.InvariantCulture), c.ToString("F3", CultureInfo.InvariantCulture),
                    $"[{(c >= 0 ? "red" : "green")}]{new string('#', (int)Math.Round(20 * Math.Abs(c) / scale))}[/]");
            }
            AnsiConsole.Write(table);
            json.Add(new System.Text.Json.Nodes.JsonObject
            {
                ["series"] = p.Series, ["point"] = p.Point, ["value"] = p.Value, ["expected"] = Math.Round(p.Expected, 6), ["rawScore"] = Math.Round(p.RawScore, 6),
                ["anomalyScore"] = Math.Round(p.AnomalyScore, 6), ["alert"] = p.Alert,
                ["steps"] = new System.Text.Json.Nodes.JsonArray(p.Steps.Select(x => (System.Text.Json.Nodes.JsonNode?)new System.Text.Json.Nodes.JsonObject
                {
                    ["point"] = x.Step, ["value"] = x.Value, ["contribution"] = Math.Round(x.Contribution, 6),
                }).ToArray()),
            });
        }
        if (points.Count == 0)
            AnsiConsole.MarkupLine("nothing to explain: the rows hold no alert and no point with a whole window before it.");
        if (skipped > 0)
            AnsiConsole.MarkupLine($"[grey]{skipped} point(s) too close to the start of --input for a whole window were left out.[/]");
        if (settings.Output != null)
        {
            SavedModel.WriteAtomically(settings.Output, json.ToJsonString(WorkflowConfig.Json) + Environment.NewLine);
            AnsiConsole.MarkupLine($"wrote [green]{Markup.Escape(settings.Output)}[/]");
        }
        return Program.ExitCodes.Ok;
    }

    /// <summary>Forecasting: each series' window steps with their value and how much the forecast moves without them.</summary>
    private static int ExplainForecasts(WorkflowConfig config, MLNet.Sequence.Forecasting.SequenceForecastTransformer model, ExplainSettings settings)
    {
        var explained = SavedModel.ExplainForecasts(config, model, settings.Input, null);
        var json = new System.Text.Json.Nodes.JsonArray();
        foreach (var (series, steps) in explained.Take(settings.Rows))
        {
            var table = new Table().Title($"{Markup.Escape(series)}: mean change of the forecast without each past step").AddColumn("time").AddColumn(new TableColumn("value").RightAligned()).AddColumn(new TableColumn("contribution").RightAligned()).AddColumn("");
            double scale = Math.Max(1e-6, steps.Max(x => Math.Abs(x.Contribution)));
            foreach (var (time, value, c) in steps)
                table.AddRow(time, value.ToString("G6", CultureInfo.InvariantCulture), c.ToString("F3", CultureInfo.InvariantCulture),
                    $"[{(c >= 0 ? "green" : "red")}]{new string('#', (int)Math.Round(20 * Math.Abs(c) / scale))}[/]");
            AnsiConsole.Write(table);
            json.Add(new System.Text.Json.Nodes.JsonObject
            {
                ["series"] = series,
                ["steps"] = new System.Text.Json.Nodes.JsonArray(steps.Select(x => (System.Text.Json.Nodes.JsonNode?)new System.Text.Json.Nodes.JsonObject
                {
                    ["time"] = x.Time, ["value"] = x.Value, ["contribution"] = Math.Round(x.Contribution, 6),
                }).ToArray()),
            });
        }
        if (settings.Output != null)
        {
            SavedModel.WriteAtomically(settings.Output, json.ToJsonString(WorkflowConfig.Json) + Environment.NewLine);
            AnsiConsole.MarkupLine($"wrote [green]{Markup.Escape(settings.Output)}[/]");
        }
        return Program.ExitCodes.Ok;
    }
}

internal sealed class ServeSettings : CommandSettings
{
    [CommandOption("--port <PORT>")]
    [Description("The port on 127.0.0.1 (default 5080; 0 picks a free one).")]
    public int Port { get; set; } = 5080;

    [CommandOption("--workspace <FOLDER>")]
    [Description("Uploads and each run's output (default ./mlnet-sequence-work).")]
    public string Workspace { get; set; } = "mlnet-sequence-work";

    [CommandOption("--data <FOLDER>")]
    [Description("A folder whose CSV/TSV files the page offers (e.g. the repository's data folder).")]
    public string? Data { get; set; }
}

internal sealed class ServeCommand : Command<ServeSettings>
{
    public override int Execute(CommandContext context, ServeSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Data != null && !Directory.Exists(settings.Data))
            throw new DataException("--data", $"no folder at '{Path.GetFullPath(settings.Data)}'.");
        var app = MLNet.Sequence.Cli.Serve.WebServer.Build(settings.Workspace, settings.Data != null ? Path.GetFullPath(settings.Data) : null, settings.Port);
        app.Start();
        AnsiConsole.MarkupLine($"serving on [link]{Markup.Escape(string.Join(", ", app.Urls))}[/] (local only); Ctrl+C stops");
        app.WaitForShutdown();
        return Program.ExitCodes.Ok;
    }
}

/// <summary>train and sweep share this: run with live progress, print the metrics table and the files written.</summary>
internal static class Runner
{
    public static int Run(WorkflowConfig config, CancellationToken token)
    {
        RunReport? report = null;
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                var observer = new ConsoleObserver(context);
                report = config.TaskKind switch
                {
                    WorkflowTask.Forecasting => new ForecastWorkflow(config, observer).Run(token),
                    WorkflowTask.Tagging => new TaggingWorkflow(config, observer).Run(token),
                    WorkflowTask.Anomaly => new AnomalyWorkflow(config, observer).Run(token),
                    WorkflowTask.SequenceToSequence => new Seq2SeqWorkflow(config, observer).Run(token),
                    WorkflowTask.Recommendation => new RecommendationWorkflow(config, observer).Run(token),
                    WorkflowTask.Generation => new GenerationWorkflow(config, observer).Run(token),
                    _ => new TabularWorkflow(config, observer).Run(token),
                };
                observer.Finish();
            });
        Program.PrintReport(report!);
        return Program.ExitCodes.Ok;
    }
}

/// <summary>
/// Live progress with Spectre.Console: a bar per training (batches of all planned epochs, loss, time remaining) and a
/// line per epoch (loss, validation loss and metric) and per sweep trial.
/// </summary>
internal sealed class ConsoleObserver : IRunObserver
{
    private readonly ProgressContext _context;
    private ProgressTask? _task;
    private int _trainings;

    public ConsoleObserver(ProgressContext context) => _context = context;

    public void Info(string message) => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(message)}[/]");

    public void Batch(TrainingProgress p)
    {
        if (_task == null || (p.Epoch == 1 && p.Batch == 1))
        {
            _task?.StopTask();
            _task = _context.AddTask($"training {++_trainings}", maxValue: Math.Max(1, p.Epochs * p.BatchesPerEpoch));
        }
        _task.MaxValue = Math.Max(1, p.Epochs * p.BatchesPerEpoch);
        _task.Value = (p.Epoch - 1) * p.BatchesPerEpoch + p.Batch;
        _task.Description = $"training {_trainings}: epoch {p.Epoch}/{p.Epochs}, loss {p.TrainingLoss.ToString("F4", CultureInfo.InvariantCulture)}";
    }

    public void Epoch(EpochReport r) => AnsiConsole.MarkupLine(Markup.Escape($"  {r}"));

    public void Trial(SequenceTrialResult t)
    {
        _task?.StopTask();
        _task = null;
        AnsiConsole.MarkupLine(Markup.Escape($"trial #{t.Id} {t.Status}: {t.Metric.ToString("F4", CultureInfo.InvariantCulture)} after {t.Epochs} epochs, {t.Seconds.ToString("F1", CultureInfo.InvariantCulture)} s; {t.Configuration}"));
    }

    public void Finish()
    {
        if (_task != null)
        {
            _task.Value = _task.MaxValue;
            _task.StopTask();
        }
    }
}
