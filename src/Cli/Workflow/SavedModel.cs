using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Cli.Config;
using MLNet.Sequence.Cli.Data;
using MLNet.Sequence.Forecasting;

namespace MLNet.Sequence.Cli.Workflow;

/// <summary>evaluate and predict: a saved model (the output folder's model.zip) applied to a data file.</summary>
internal static class SavedModel
{
    public static string ModelPath(WorkflowConfig config, string? model) =>
        model != null ? Path.GetFullPath(model) : Path.Combine(config.OutputDirectory, TabularWorkflow.ModelFileName);

    private static ITransformer Load(MLContext ml, string path)
    {
        if (!File.Exists(path))
            throw new DataException("--model", $"no model at '{path}'; run 'mlnet-sequence train' with this config first, or pass --model.");
        return ml.Model.LoadSequenceModel(path, out _);
    }

    /// <summary>Metrics of the saved model on <paramref name="dataPath"/>, or on the config's test rows.</summary>
    public static RunReport Evaluate(WorkflowConfig config, string? modelPath, string? dataPath)
    {
        var ml = new MLContext(config.Seed);
        var report = new RunReport { Task = config.Task };
        using var model = Load(ml, ModelPath(config, modelPath)) as IDisposable;
        if (config.TaskKind == WorkflowTask.Forecasting)
            throw new ConfigException("task", "evaluate a forecaster with 'train' (it scores the held-out steps) or 'predict' on a history file; a saved forecaster has no test rows of its own.");
        if (config.TaskKind == WorkflowTask.Tagging)
        {
            report.Rows.Add(new TaggingWorkflow(config, SilentObserver.Instance).Evaluate((ITransformer)model!, dataPath));
            return report;
        }
        if (config.TaskKind == WorkflowTask.Anomaly)
        {
            report.Rows.Add(new AnomalyWorkflow(config, SilentObserver.Instance).Evaluate((ITransformer)model!, dataPath));
            return report;
        }
        if (config.TaskKind == WorkflowTask.SequenceToSequence)
        {
            report.Rows.Add(new Seq2SeqWorkflow(config, SilentObserver.Instance).Evaluate((ITransformer)model!, dataPath));
            return report;
        }
        if (config.TaskKind == WorkflowTask.Generation)
        {
            report.Rows.Add(new GenerationWorkflow(config, SilentObserver.Instance).Evaluate((ITransformer)model!, dataPath));
            return report;
        }
        if (config.TaskKind == WorkflowTask.Recommendation)
        {
            report.Rows.Add(new RecommendationWorkflow(config, SilentObserver.Instance).Evaluate((ITransformer)model!, dataPath));
            return report;
        }
        var workflow = new TabularWorkflow(config, SilentObserver.Instance);
        IDataView test;
        if (dataPath != null)
        {
            var file = DelimitedFile.Read(Path.GetFullPath(dataPath), config.Data.SeparatorChar, config.Data.HasHeader, config.Data.Columns!.Select(c => c.Name).ToList(), "--data");
            file.CheckTypes(config.Data.Columns!, config.Data.HasHeader, "--data");
            test = TabularData.Load(ml, file.WithAudioPathsResolved(config), config.Data.Columns!);
        }
        else if (config.Split!.CrossValidationFolds != null)
            throw new DataException("--data", "this config cross-validates, so its saved model was trained on every row and no rows are held out; pass --data with labelled rows to score.");
        else
            test = workflow.LoadSplit().Test;
        report.Rows.Add(workflow.Evaluate((ITransformer)model!, test, "model"));
        return report;
    }

    /// <summary>Scores every row of <paramref name="inputPath"/> and writes them, with the predictions, to <paramref name="outputPath"/>.</summary>
    public static int Predict(WorkflowConfig config, string? modelPath, string inputPath, string outputPath, int? horizon = null)
    {
        var ml = new MLContext(config.Seed);
        var transformer = Load(ml, ModelPath(config, modelPath));
        using var owned = transformer as IDisposable;
        return config.TaskKind switch
        {
            WorkflowTask.Forecasting => PredictForecast(config, Forecaster(transformer), inputPath, outputPath, horizon),
            WorkflowTask.Tagging => new TaggingWorkflow(config, SilentObserver.Instance).Predict(transformer, inputPath, outputPath),
            WorkflowTask.Anomaly => new AnomalyWorkflow(config, SilentObserver.Instance).Predict(transformer, inputPath, outputPath),
            WorkflowTask.SequenceToSequence => new Seq2SeqWorkflow(config, SilentObserver.Instance).Predict(transformer, inputPath, outputPath),
            WorkflowTask.Generation => new GenerationWorkflow(config, SilentObserver.Instance).Predict(transformer, inputPath, outputPath),
            WorkflowTask.Recommendation => new RecommendationWorkflow(config, SilentObserver.Instance).Predict(transformer, inputPath, outputPath),
            _ => PredictRows(ml, config, transformer, inputPath, outputPath),
        };
    }

    /// <summary>
    /// Per-step explanations (occlusion, <c>mlContext.Model.ExplainSteps</c>) of a saved classifier or regressor on the
    /// rows of a file: for each row the steps' text (the token, or the symbol for one-hot input) and contribution.
    /// </summary>
    internal static List<(string Explained, List<(string Step, float Contribution)> Steps)> Explain(
        MLContext ml, WorkflowConfig config, ITransformer model, DelimitedFile file, int maximumRows, string field)
    {
        if (config.TaskKind == WorkflowTask.Forecasting)
            throw new ConfigException("task", "a forecaster is explained by ExplainForecasts (each past step of the window occluded).");
        var columns = config.Data.Columns!;
        file.CheckTypes(columns.Where(c => c.Name == config.Input), config.Data.HasHeader, field);
        var explanations = ml.Model.ExplainSteps(model, TabularData.Load(ml, file.WithAudioPathsResolved(config), columns), maximumRows);
        // Speech: a step is a feature frame, named by its start time in the recording.
        double hop = new MLNet.Sequence.Transforms.Audio.AudioFeaturesEstimator.Options().HopDuration;
        int input = Array.IndexOf(file.Header, config.Input);
        var result = new List<(string, List<(string, float)>)>();
        for (int r = 0; r < explanations.Count; r++)
        {
            var e = explanations[r];
            var steps = new List<(string, float)>();
            // One-hot symbols: step t is character t of the (truncated) input; tokens name themselves.
            var text = file.Rows[r][input];
            int realSeen = 0;
            for (int t = 0; t < e.Contributions.Count; t++)
            {
                if (!e.IsReal[t])
                    continue;
                string step = config.IsSpeech ? FrameTime(t, hop)
                    : e.Tokens?[t] ?? (realSeen < text.Length ? text[realSeen].ToString() : "?");
                realSeen++;
                // Toward the predicted class: for a binary "false", a step that lowers the logit supports it.
                float sign = config.TaskKind == WorkflowTask.Binary && e.Score < 0 ? -1f : 1f;
                steps.Add((step, sign * e.Contributions[t]));
            }
            string explained = e.ExplainedClass ?? (config.TaskKind == WorkflowTask.Binary ? (e.Score > 0 ? "true" : "false") : F(e.Score));
            result.Add((explained, steps));
        }
        return result;
    }

    /// <summary>Frame <paramref name="t"/>'s start time, "0.25s".</summary>
    internal static string FrameTime(int t, double hop) => (t * hop).ToString("0.00", CultureInfo.InvariantCulture) + "s";

    /// <summary>
    /// Speech, for display: the frames' contributions summed over segments of <paramref name="seconds"/> ("0.1s" names
    /// the segment from 0.1 s), so a recording reads as a dozen segments rather than a hundred frames.
    /// </summary>
    internal static List<(string Step, float Contribution)> Segments(List<(string Step, float Contribution)> frames, double seconds)
    {
        double hop = new MLNet.Sequence.Transforms.Audio.AudioFeaturesEstimator.Options().HopDuration;
        int per = Math.Max(1, (int)Math.Round(seconds / hop));
        return frames.Select((f, i) => (f, i)).GroupBy(x => x.i / per)
            .Select(g => ((g.Key * per * hop).ToString("0.0", CultureInfo.InvariantCulture) + "s", g.Sum(x => x.f.Contribution))).ToList();
    }

    /// <summary>
    /// Which past observations moved the forecast of each series of a history file (<c>ExplainForecast</c>: each window
    /// step occluded in turn): the step's time and value and the mean change of the forecast without it.
    /// </summary>
    internal static List<(string Series, List<(string Time, float Value, float Contribution)> Steps)> ExplainForecasts(
        WorkflowConfig config, SequenceForecastTransformer model, string inputPath, int? horizon)
    {
        var series = new ForecastWorkflow(config, SilentObserver.Instance).ReadSeries(Path.GetFullPath(inputPath), "--input");
        var result = new List<(string, List<(string, float, float)>)>();
        foreach (var s in series)
        {
            var e = model.ExplainForecast(s, horizon);
            var steps = e.Contributions.Select((c, w) =>
            {
                int t = e.FirstStep + w;
                string time = s.Times != null ? s.Times[t].ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
                    : s.NumericTimes != null ? s.NumericTimes[t].ToString("R", CultureInfo.InvariantCulture) : t.ToString(CultureInfo.InvariantCulture);
                return (time, s.Values[0][t], c);
            }).ToList();
            result.Add((s.Id, steps));
        }
        return result;
    }

    /// <summary>A loaded forecaster zip holds a chain whose one forecasting step is the forecaster (a sequence forecaster or DeepAR).</summary>
    internal static IForecaster Forecaster(ITransformer loaded) => loaded switch
    {
        IForecaster f => f,
        TransformerChain<ITransformer> chain => chain.OfType<IForecaster>().SingleOrDefault()
            ?? throw new DataException("--model", "the model is not a forecaster; this config's task is forecasting."),
        _ => throw new DataException("--model", "the model is not a forecaster; this config's task is forecasting."),
    };

    /// <summary>The forecaster as a sequence forecaster, for explanations (window occlusion needs its fixed window).</summary>
    internal static SequenceForecastTransformer Explainable(IForecaster forecaster) => forecaster as SequenceForecastTransformer
        ?? throw new DataException("--model", $"explanations need a windowed sequence forecaster (lstm, gru, transformer, cnn, nbeats); this model is {forecaster.Name}.");

    private static int PredictRows(MLContext ml, WorkflowConfig config, ITransformer model, string inputPath, string outputPath)
    {
        var columns = config.Data.Columns!;
        var file = DelimitedFile.Read(Path.GetFullPath(inputPath), config.Data.SeparatorChar, config.Data.HasHeader, columns.Select(c => c.Name).ToList(), "--input");
        WriteRows(file, Score(ml, config, model, file, "--input"), config.Data.SeparatorChar, outputPath);
        return file.Rows.Count;
    }

    /// <summary>Writes the file's rows with the prediction columns after them (atomically), separated as the input.</summary>
    internal static void WriteRows(DelimitedFile file, List<(string Name, string[] Values)> extra, char sep, string outputPath)
    {
        var text = new StringBuilder();
        text.AppendJoin(sep, file.Header.Concat(extra.Select(e => e.Name)).Select(v => Quote(v, sep))).Append('\n');
        for (int r = 0; r < file.Rows.Count; r++)
            text.AppendJoin(sep, file.Rows[r].Concat(extra.Select(e => e.Values[r])).Select(v => Quote(v, sep))).Append('\n');
        WriteAtomically(outputPath, text.ToString());
    }

    /// <summary>The prediction columns (name, one value per row) of a saved classifier or regressor on rows of the config's columns.</summary>
    internal static List<(string Name, string[] Values)> Score(MLContext ml, WorkflowConfig config, ITransformer model, DelimitedFile file, string field)
    {
        var columns = config.Data.Columns!;
        file.CheckTypes(columns.Where(c => c.Name == config.Input), config.Data.HasHeader, field);
        var scored = model.Transform(TabularData.Load(ml, file.WithAudioPathsResolved(config), columns));
        var extra = new List<(string Name, string[] Values)>();
        switch (config.TaskKind)
        {
            case WorkflowTask.Binary:
                extra.Add(("PredictedLabel", scored.GetColumn<bool>("PredictedLabel").Select(b => b ? "true" : "false").ToArray()));
                extra.Add(("Probability", scored.GetColumn<float>("Probability").Select(F).ToArray()));
                break;
            case WorkflowTask.Multiclass:
                var predicted = scored.Schema["PredictedLabel"].Type is TextDataViewType
                    ? scored.GetColumn<ReadOnlyMemory<char>>("PredictedLabel").Select(v => v.ToString()).ToArray()
                    : scored.GetColumn<float>("PredictedLabel").Select(F).ToArray();
                extra.Add(("PredictedLabel", predicted));
                extra.Add(("Probability", scored.GetColumn<float[]>("Score").Select(s => F(s.Max())).ToArray()));
                break;
            default:
                extra.Add(("Score", scored.GetColumn<float>("Score").Select(F).ToArray()));
                break;
        }
        return extra;
    }

    private static int PredictForecast(WorkflowConfig config, IForecaster model, string inputPath, string outputPath, int? horizon)
    {
        var (header, rows) = ForecastRows(config, model, inputPath, horizon);
        var text = new StringBuilder();
        text.AppendJoin(',', header.Select(v => Quote(v, ','))).Append('\n');
        foreach (var line in rows)
            text.AppendJoin(',', line.Select(x => Quote(x, ','))).Append('\n');
        WriteAtomically(outputPath, text.ToString());
        return rows.Count;
    }

    /// <summary>The forecast of each series of a history file: a header and one row per series and step.</summary>
    internal static (List<string> Header, List<List<string>> Rows) ForecastRows(WorkflowConfig config, IForecaster model, string inputPath, int? horizon)
    {
        var f = config.Forecasting!;
        var series = new ForecastWorkflow(config, SilentObserver.Instance).ReadSeries(Path.GetFullPath(inputPath), "--input");
        int h = horizon ?? f.Horizon;
        var forecasts = series.Select(s => model.Forecast(s, h)).ToList();
        var header = new List<string> { "series", "step", f.TimeColumn };
        foreach (var v in f.ValueColumns!)
        {
            header.Add(v);
            foreach (var q in (IEnumerable<float>?)forecasts.FirstOrDefault()?.QuantileLevels ?? Array.Empty<float>())
                header.Add($"{v}_q{F(q)}");
        }
        var rows = new List<List<string>>();
        for (int i = 0; i < series.Count; i++)
        {
            var s = series[i];
            var forecast = forecasts[i];
            for (int step = 0; step < forecast.Horizon; step++)
            {
                var line = new List<string> { s.Id, (step + 1).ToString(CultureInfo.InvariantCulture), TimeOf(forecast, step) };
                for (int v = 0; v < f.ValueColumns!.Count; v++)
                {
                    line.Add(F(forecast.Point[v][step]));
                    if (forecast.Quantiles != null)
                        line.AddRange(forecast.Quantiles[v].Select(q => F(q[step])));
                }
                rows.Add(line);
            }
        }
        return (header, rows);
    }

    private static string TimeOf(Forecast f, int step) =>
        f.Times != null ? f.Times[step].ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture)
        : f.NumericTimes != null ? f.NumericTimes[step].ToString("R", CultureInfo.InvariantCulture) : "";

    private static string F(float v) => v.ToString("R", CultureInfo.InvariantCulture);

    internal static string Quote(string v, char sep) =>
        v.IndexOfAny(new[] { sep, '"', '\n' }) >= 0 && sep != '\t' ? "\"" + v.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : v;

    internal static void WriteAtomically(string path, string text)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = full + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, full, overwrite: true);
    }
}
