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
using Microsoft.ML.Data;
using MLNet.Sequence.Anomaly;
using MLNet.Sequence.Cli.Config;
using MLNet.Sequence.Cli.Data;

namespace MLNet.Sequence.Cli.Workflow;

/// <summary>
/// Anomaly detection from a config, as NAB runs a detector: the detector learns from each series' probationary period
/// (its first rows: trainer.options.ProbationaryPeriod, or NAB's min(15%, 750) of the shortest series), then scores the
/// rest, each point from the points before it. With labels (a label column, or labelled windows of times) the alerts
/// are scored: ML.NET's anomaly evaluator (AUC of the anomaly score, detection rate at 10 false positives), the share of
/// labelled windows detected, the false alerts, and (one series with windows) NAB's standard-profile score; NAB's
/// windowed Gaussian detector runs beside it as the baseline.
/// </summary>
internal sealed class AnomalyWorkflow
{
    /// <summary>The detector's output columns.</summary>
    public const string PredictionColumn = "Prediction", ScoreColumn = "AnomalyScore";

    private readonly WorkflowConfig _c;
    private readonly AnomalyConfig _a;
    private readonly IRunObserver _observer;
    private readonly MLContext _ml;

    public AnomalyWorkflow(WorkflowConfig config, IRunObserver observer)
    {
        _c = config;
        _a = config.Anomaly!;
        _observer = observer;
        _ml = new MLContext(config.Seed);
    }

    /// <summary>The data file, checked against the config's columns.</summary>
    public DelimitedFile Read(string path, string field)
    {
        var columns = _c.Data.Columns!;
        var file = DelimitedFile.Read(path, _c.Data.SeparatorChar, _c.Data.HasHeader, columns.Select(c => c.Name).ToList(), field);
        file.CheckTypes(columns.Where(c => file.Header.Contains(c.Name)), _c.Data.HasHeader, field);
        return file;
    }

    /// <summary>The detector's options: the config's method and options with the workflow's columns.</summary>
    public SequenceAnomalyDetectorOptions Options(int probation) => Options(probation, _c.Trainer?.Options);

    private SequenceAnomalyDetectorOptions Options(int probation, JsonObject? values)
    {
        var o = TrainerOptionsBinder.Anomaly(_c.Trainer?.Family ?? "forecastResidual", values, "trainer.options");
        o.InputColumnName = _a.ValueColumn;
        o.SeriesColumnName = _a.SeriesColumn;
        o.OutputColumnName = PredictionColumn;
        o.AnomalyScoreColumnName = ScoreColumn;
        if (values?[nameof(SequenceAnomalyDetectorOptions.ProbationaryPeriod)] is null)
            o.ProbationaryPeriod = probation;
        return o;
    }

    /// <summary>The series key of each row ("" without a series column).</summary>
    private string[] SeriesOf(DelimitedFile file)
    {
        int s = _a.SeriesColumn == null ? -1 : Array.IndexOf(file.Header, _a.SeriesColumn);
        return file.Rows.Select(r => s < 0 ? "" : r[s]).ToArray();
    }

    /// <summary>NAB's probationary period of the shortest series, at least the (longest swept) window plus 10 points.</summary>
    private int DefaultProbation(DelimitedFile file)
    {
        int shortest = SeriesOf(file).GroupBy(s => s).Min(g => g.Count());
        if (_c.Sweep != null)
            return Math.Max(NabScorer.ProbationaryPeriod(shortest), (int)SweepSpace().Parameters.Single(p => p.Name == nameof(SequenceAnomalyDetectorOptions.WindowLength)).Maximum + 10);
        var o = TrainerOptionsBinder.Anomaly(_c.Trainer!.Family, _c.Trainer.Options, "trainer.options");
        return Math.Max(NabScorer.ProbationaryPeriod(shortest), o.Method == AnomalyDetectionMethod.WindowedGaussian ? 1 : o.WindowLength + 10);
    }

    /// <summary>Each series' first <paramref name="probation"/> rows (what the detector learns from) and the rest (what it scores).</summary>
    private (DelimitedFile Train, DelimitedFile Test, bool[] IsTest) Split(DelimitedFile file, int probation)
    {
        var series = SeriesOf(file);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var isTest = new bool[file.Rows.Count];
        for (int i = 0; i < isTest.Length; i++)
        {
            int n = seen.GetValueOrDefault(series[i]);
            seen[series[i]] = n + 1;
            isTest[i] = n >= probation;
        }
        foreach (var (key, count) in seen)
            if (count <= probation)
                throw new DataException("data.path", $"series '{(key.Length == 0 ? "(the file)" : key)}' has {count} rows; the detector learns from the first {probation} (ProbationaryPeriod) and needs more to score.");
        return (new DelimitedFile(file.Path, file.Header, file.Rows.Where((_, i) => !isTest[i]).ToList()),
                new DelimitedFile(file.Path, file.Header, file.Rows.Where((_, i) => isTest[i]).ToList()), isTest);
    }

    private IDataView Load(DelimitedFile file) => TabularData.Load(_ml, file, _c.Data.Columns!);

    /// <summary>train: fit on the probation, score the rest, compare with the windowed Gaussian, save model, metrics and plot.</summary>
    public RunReport Run(CancellationToken token = default)
    {
        var file = Read(_c.Resolve(_c.Data.Path), "data.path");
        if (_c.Sweep != null)
            return RunSweep(file, token);
        int probation = DefaultProbation(file);
        var options = Options(probation);
        var report = new RunReport
        {
            Task = _c.Task,
            Trainer = new JsonObject { ["family"] = _c.Trainer!.Family, ["options"] = TrainerOptionsBinder.Changed(options, Options(probation, null)), ["probationaryPeriod"] = options.ProbationaryPeriod },
        };
        _observer.Info($"Fitting the {_c.Trainer.Family} detector on the first {options.ProbationaryPeriod} points of each series; scoring the other {file.Rows.Count - options.ProbationaryPeriod * SeriesOf(file).Distinct().Count()}.");
        return Detect(file, options, $"{_c.Trainer.Family} detector", report, token);
    }

    /// <summary>The space a sweep searches: every encoder, the configured methods (default both with a network).</summary>
    private SequenceSearchSpace SweepSpace()
    {
        var methods = (_c.Sweep!.Families ?? TrainerConfig.SweepableFor(WorkflowTask.Anomaly).ToList())
            .Select(f => (object)(f == "reconstruction" ? AnomalyDetectionMethod.Reconstruction : AnomalyDetectionMethod.ForecastResidual)).ToArray();
        return SequenceSearchSpace.ForAnomalyDetectors().Narrow(nameof(SequenceAnomalyDetectorOptions.Method), methods);
    }

    /// <summary>
    /// sweep: detectors ranked by how their scores (auc) or alerts (nabStandard) find the labelled points after each
    /// series' probation; the best is then fitted and scored as train does. The metrics are measured on the labels the
    /// sweep tuned on (as NAB tunes thresholds on its corpus); evaluate the saved detector on other labelled series for
    /// an estimate on new data.
    /// </summary>
    private RunReport RunSweep(DelimitedFile file, CancellationToken token)
    {
        var s = _c.Sweep!;
        int probation = DefaultProbation(file);
        var template = Options(probation, null);
        template.Method = AnomalyDetectionMethod.ForecastResidual;
        var space = SweepSpace();
        var labels = Labels(file)!;
        const string labelColumn = "__label";
        var labelled = new DelimitedFile(file.Path, file.Header.Append(labelColumn).ToArray(),
            file.Rows.Select((r, i) => r.Append(labels[i] ? "true" : "false").ToArray()).ToList());
        Directory.CreateDirectory(_c.OutputDirectory);
        var options = new SequenceAnomalySweepOptions
        {
            Detector = template,
            LabelColumnName = labelColumn,
            Metric = s.MetricFor(WorkflowTask.Anomaly),
            SearchSpace = space,
            Tuner = s.Tuner switch { "random" => SweepTunerKind.Random, "grid" => SweepTunerKind.Grid, _ => SweepTunerKind.Tpe },
            MaximumTrials = s.MaximumTrials,
            TimeBudget = s.Minutes is double m ? TimeSpan.FromMinutes(m) : null,
            MaximumEpochs = s.MaximumEpochs,
            Seed = _c.Seed,
            Progress = new ObserverProgress(_observer),
            CancellationToken = token,
            TrialLogPath = Path.Combine(_c.OutputDirectory, "trials.json"),
            RefitBestModel = false,
        };
        _observer.Info($"Sweeping anomaly detectors ({s.Tuner}, " +
            $"{string.Join(", ", new[] { s.Minutes is double min ? $"{min.ToString(CultureInfo.InvariantCulture)} min" : null, s.MaximumTrials is int n ? $"{n} trials" : null }.Where(x => x != null))}, " +
            $"metric {options.Metric}, each series' first {probation} points teach every trial); trial log {options.TrialLogPath}");
        var clock = Stopwatch.StartNew();
        var view = TabularData.Load(_ml, labelled, _c.Data.Columns!.Append(new ColumnConfig { Name = labelColumn, Type = "boolean" }).ToList());
        var result = _ml.AnomalyDetection.SweepSequenceAnomalyDetectors(options).Execute(view);
        var best = result.BestTrial ?? throw new InvalidOperationException("No sweep trial produced a metric; see the trial log for each trial's error.");
        var chosen = best.Configuration.ToAnomalyDetectorOptions(space, template);
        chosen.Epochs = s.MaximumEpochs;
        chosen.Seed = _c.Seed;
        string method = chosen.Method == AnomalyDetectionMethod.Reconstruction ? "reconstruction" : "forecastResidual";
        var report = new RunReport
        {
            Task = _c.Task,
            Trainer = new JsonObject
            {
                ["family"] = method, ["sweepBest"] = best.Configuration.ToString(),
                ["options"] = TrainerOptionsBinder.Changed(chosen, Defaults(method, probation)), ["probationaryPeriod"] = probation,
            },
            Leaderboard = result.ToTable(10),
            TrainingSeconds = clock.Elapsed.TotalSeconds,
        };
        report.Files["trials"] = options.TrialLogPath;
        _observer.Info($"The sweep's best (trial #{best.Id}) is scored below on the labels it was chosen by; evaluate it on other labelled series for an estimate on new data.");
        return Detect(file, chosen, $"{method} detector (sweep's best)", report, token);
    }

    /// <summary>A method's detector at its defaults with the workflow's columns (what metrics.json lists changed options against).</summary>
    private SequenceAnomalyDetectorOptions Defaults(string method, int probation)
    {
        var o = Options(probation, null);
        o.Method = TrainerOptionsBinder.Anomaly(method, null, "trainer.options").Method;
        return o;
    }

    /// <summary>Fits the detector on each series' probation, scores the rest beside the windowed Gaussian, saves model, metrics and plot.</summary>
    private RunReport Detect(DelimitedFile file, SequenceAnomalyDetectorOptions options, string name, RunReport report, CancellationToken token)
    {
        var (train, test, isTest) = Split(file, options.ProbationaryPeriod);
        Directory.CreateDirectory(_c.OutputDirectory);
        token.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        var trainView = Load(train);
        using var detector = _ml.AnomalyDetection.DetectSequenceAnomalies(options).Fit(trainView);
        report.TrainingSeconds += clock.Elapsed.TotalSeconds;
        var (alerts, scores) = Score(detector, Load(test));
        var labels = Labels(file);
        report.Rows.Add(Metrics(name, alerts, scores, labels, isTest, file));
        if (options.Method != AnomalyDetectionMethod.WindowedGaussian)
        {
            var gaussian = Options(options.ProbationaryPeriod, null);
            gaussian.Method = AnomalyDetectionMethod.WindowedGaussian;
            using var baseline = _ml.AnomalyDetection.DetectSequenceAnomalies(gaussian).Fit(trainView);
            var (ga, gs) = Score(baseline, Load(test));
            report.Rows.Add(Metrics("windowed Gaussian (NAB's reference)", ga, gs, labels, isTest, file));
        }
        var modelPath = Path.Combine(_c.OutputDirectory, TabularWorkflow.ModelFileName);
        _ml.Model.SaveSequenceModel(detector, trainView.Schema, modelPath);
        report.Files["model"] = modelPath;
        if (Plot(file, alerts, isTest, labels, name) is { } plot)
            report.Files["anomalies"] = plot;
        report.SaveMetrics(_c.OutputDirectory);
        return report;
    }

    /// <summary>Alert flags and anomaly scores of scored rows.</summary>
    private static (bool[] Alerts, double[] Scores) Score(ITransformer model, IDataView rows)
    {
        var scored = model.Transform(rows);
        var alerts = scored.GetColumn<double[]>(PredictionColumn).Select(p => p[0] > 0).ToArray();
        return (alerts, scored.GetColumn<double>(ScoreColumn).ToArray());
    }

    /// <summary>The labelled points of the file (label column, or inside a labelled window), or null without labels.</summary>
    private bool[]? Labels(DelimitedFile file)
    {
        if (_a.LabelColumn is { } label)
        {
            int c = Array.IndexOf(file.Header, label);
            if (c < 0)
                return null;
            return file.Rows.Select(r => DelimitedFile.TryBoolean(r[c], out bool b) ? b
                : float.TryParse(r[c], NumberStyles.Float, CultureInfo.InvariantCulture, out float f) && f != 0).ToArray();
        }
        if (_a.Windows == null)
            return null;
        var times = Times(file);
        var windows = _a.WindowTimes();
        return times.Select(t => windows.Any(w => t >= w.First && t <= w.Last)).ToArray();
    }

    private (DelimitedFile File, DateTime[] Times)? _times;

    /// <summary>The file's times (parsed once per file: the metrics of each detector and the plot read them).</summary>
    private DateTime[] Times(DelimitedFile file)
    {
        if (_times is { } cached && ReferenceEquals(cached.File, file))
            return cached.Times;
        int t = Array.IndexOf(file.Header, _a.TimeColumn);
        var times = file.Rows.Select((r, i) => DelimitedFile.TryDate(r[t], out var d) ? d
            : throw new DataException("data.path", $"line {file.LineOf(i, _c.Data.HasHeader)}, column '{_a.TimeColumn}': '{r[t]}' is not a date.")).ToArray();
        _times = (file, times);
        return times;
    }

    /// <summary>Runs of labelled points (first, last), in file rows.</summary>
    private static List<(int First, int Last)> Runs(bool[] labels)
    {
        var runs = new List<(int, int)>();
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] && (i == 0 || !labels[i - 1]))
            {
                int j = i;
                while (j + 1 < labels.Length && labels[j + 1])
                    j++;
                runs.Add((i, j));
            }
        return runs;
    }

    /// <summary>A metrics row: the alerts, and with labels ML.NET's anomaly evaluator, windows detected, false alerts and NAB's score.</summary>
    private MetricsRow Metrics(string name, bool[] alerts, double[] scores, bool[]? labels, bool[] isTest, DelimitedFile file)
    {
        var row = new MetricsRow(name).Add("alerts", alerts.Count(a => a));
        if (labels == null)
            return row;
        var testRows = Enumerable.Range(0, isTest.Length).Where(i => isTest[i]).ToArray();
        var testLabels = testRows.Select(i => labels[i]).ToArray();
        if (testLabels.Any(l => l) && testLabels.Any(l => !l))
        {
            var points = testLabels.Select((l, k) => new LabelledPoint { Label = l ? 1f : 0f, Score = (float)scores[k], PredictedLabel = alerts[k] });
            var m = _ml.AnomalyDetection.Evaluate(_ml.Data.LoadFromEnumerable(points), falsePositiveCount: 10);
            row.Add("auc", m.AreaUnderRocCurve).Add("detectionRateAt10FalsePositives", m.DetectionRateAtFalsePositiveCount);
        }
        // Windows: runs of labelled points that reach past the probation; detected when an alert falls inside.
        var alertAt = new bool[labels.Length];
        for (int k = 0; k < testRows.Length; k++)
            alertAt[testRows[k]] = alerts[k];
        var windows = Runs(labels).Where(w => isTest[w.Last]).ToList();
        if (windows.Count > 0)
            row.Add("windowsDetected", windows.Count(w => Enumerable.Range(w.First, w.Last - w.First + 1).Any(i => alertAt[i])) / (double)windows.Count);
        row.Add("falseAlerts", testRows.Where((i, k) => alerts[k] && !labels[i]).Count());
        if (_a.TimeColumn != null && _a.SeriesColumn == null && Runs(labels).Count > 0)
        {
            var nab = new NabFile(Path.GetFileName(file.Path), Times(file), Values(file), Runs(labels));
            var flags = alertAt.Select(a => a ? 1.0 : 0.0).ToArray();
            var s = NabScorer.ScoreFile(nab, flags, 0.5, NabProfile.Standard);
            row.Add("nabStandard", NabScorer.Normalize(s.Score, nab.Windows.Count, NabProfile.Standard));
        }
        return row;
    }

    private sealed class LabelledPoint
    {
        public float Label { get; set; }
        public float Score { get; set; }
        public bool PredictedLabel { get; set; }
    }

    private double[] Values(DelimitedFile file)
    {
        int v = Array.IndexOf(file.Header, _a.ValueColumn);
        return file.Rows.Select(r => double.Parse(r[v], NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>anomalies.png: the (first) series over time, its labelled windows, probation and alerts; null without a time column.</summary>
    private string? Plot(DelimitedFile file, bool[] alerts, bool[] isTest, bool[]? labels, string name)
    {
        if (_a.TimeColumn == null)
            return null;
        var series = SeriesOf(file);
        var rows = Enumerable.Range(0, series.Length).Where(i => series[i] == series[0]).ToArray();
        var one = new DelimitedFile(file.Path, file.Header, rows.Select(i => file.Rows[i]).ToList());
        var alertAt = new bool[file.Rows.Count];
        int k = 0;
        for (int i = 0; i < alertAt.Length; i++)
            if (isTest[i])
                alertAt[i] = alerts[k++];
        var nab = new NabFile(series[0].Length > 0 ? series[0] : Path.GetFileName(file.Path), Times(one), Values(one),
            labels == null ? new List<(int, int)>() : Runs(rows.Select(i => labels[i]).ToArray()));
        var path = Path.Combine(_c.OutputDirectory, "anomalies.png");
        AnomalyPlots.SaveDetections(path, nab, rows.Select(i => alertAt[i]).ToArray(), $"{name}: alerts (labelled windows red, probation grey)");
        return path;
    }

    /// <summary>evaluate: the saved detector on the config's rows after the probation, or on a file of rows that continue each series.</summary>
    public MetricsRow Evaluate(ITransformer model, string? dataPath)
    {
        var file = Read(dataPath != null ? Path.GetFullPath(dataPath) : _c.Resolve(_c.Data.Path), dataPath != null ? "--data" : "data.path");
        var detector = Detector(model);
        bool[] isTest;
        DelimitedFile test;
        if (dataPath == null)
            (_, test, isTest) = Split(file, detector.ProbationaryPeriod);
        else
            (test, isTest) = (file, Enumerable.Repeat(true, file.Rows.Count).ToArray());
        var (alerts, scores) = Score(model, Load(test));
        return Metrics("model", alerts, scores, Labels(file), isTest, file);
    }

    /// <summary>The anomaly detector a saved model holds (alone, or in a chain).</summary>
    internal static SequenceAnomalyTransformer Detector(ITransformer model) => model switch
    {
        SequenceAnomalyTransformer d => d,
        IEnumerable<ITransformer> chain => chain.Select(t => t as SequenceAnomalyTransformer).FirstOrDefault(d => d != null)
            ?? throw new DataException("--model", "the model holds no anomaly detector; train this config again."),
        _ => throw new DataException("--model", "the model is not an anomaly detector; train this config again."),
    };

    /// <summary>predict: each input row (continuing its series from the model's state) with Alert, RawScore, PValue and AnomalyScore.</summary>
    public int Predict(ITransformer model, string inputPath, string outputPath)
    {
        var file = Read(Path.GetFullPath(inputPath), "--input");
        var scored = model.Transform(Load(file));
        var predictions = scored.GetColumn<double[]>(PredictionColumn).ToArray();
        var scores = scored.GetColumn<double>(ScoreColumn).ToArray();
        char sep = _c.Data.SeparatorChar;
        var text = new StringBuilder();
        text.AppendJoin(sep, file.Header.Concat(new[] { "Alert", "RawScore", "PValue", "AnomalyScore" })).Append('\n');
        for (int r = 0; r < file.Rows.Count; r++)
            text.AppendJoin(sep, file.Rows[r].Concat(new[]
            {
                predictions[r][0].ToString("R", CultureInfo.InvariantCulture), predictions[r][1].ToString("R", CultureInfo.InvariantCulture),
                predictions[r][2].ToString("R", CultureInfo.InvariantCulture), scores[r].ToString("R", CultureInfo.InvariantCulture),
            })).Append('\n');
        SavedModel.WriteAtomically(outputPath, text.ToString());
        return file.Rows.Count;
    }

    /// <summary>One explained point: where it is, what the detector made of it, and each window point's contribution.</summary>
    internal sealed record ExplainedPoint(int ScoredRow, string Series, string Point, double Value, double Expected, double RawScore, double AnomalyScore, bool Alert,
        List<(string Step, double Value, double Contribution)> Steps);

    /// <summary>
    /// explain: the alerts (or, when there are none, the highest anomaly scores) among the config's rows after the
    /// probation, or among rows of <paramref name="inputPath"/> that continue each series; each with the points of its
    /// network window that moved its raw score (occlusion, <c>ExplainAnomaly</c>). Points named by time, else by line.
    /// </summary>
    public (List<ExplainedPoint> Points, int Skipped) Explain(ITransformer model, string? inputPath, int rows)
    {
        var file = Read(inputPath != null ? Path.GetFullPath(inputPath) : _c.Resolve(_c.Data.Path), inputPath != null ? "--input" : "data.path");
        var detector = Detector(model);
        if (detector.Method == AnomalyDetectionMethod.WindowedGaussian)
            throw new ConfigException("trainer.family", "explain needs a detector with a network (forecastResidual or reconstruction): the windowed Gaussian scores each value alone against the normal of the values before it.");
        if (detector.RetrainInterval > 0)
            _observer.Info("The detector retrains as it scores: explanations use the network it was saved with, which may differ from the one that scored a later point.");
        bool[] isTest = inputPath == null ? Split(file, detector.ProbationaryPeriod).IsTest : Enumerable.Repeat(true, file.Rows.Count).ToArray();
        var scoredRows = Enumerable.Range(0, file.Rows.Count).Where(i => isTest[i]).ToArray();
        var (alerts, scores) = Score(model, Load(new DelimitedFile(file.Path, file.Header, scoredRows.Select(i => file.Rows[i]).ToList())));
        var order = Enumerable.Range(0, scoredRows.Length).Where(k => alerts[k]).ToList();
        if (order.Count == 0)
        {
            _observer.Info("No alerts: explaining the highest anomaly scores.");
            order = Enumerable.Range(0, scoredRows.Length).OrderByDescending(k => scores[k]).ThenBy(k => k).ToList();
        }
        var series = SeriesOf(file);
        var values = Values(file);
        var rowsOf = Enumerable.Range(0, file.Rows.Count).GroupBy(i => series[i]).ToDictionary(g => g.Key, g => g.ToArray());
        int t = _a.TimeColumn == null ? -1 : Array.IndexOf(file.Header, _a.TimeColumn);
        string Name(int i) => t >= 0 ? file.Rows[i][t] : $"line {file.LineOf(i, _c.Data.HasHeader)}";
        var explained = new List<ExplainedPoint>();
        int skipped = 0;
        foreach (int k in order)
        {
            if (explained.Count == rows)
                break;
            int i = scoredRows[k];
            var own = rowsOf[series[i]];
            int position = Array.IndexOf(own, i);
            AnomalyExplanation e;
            try
            {
                e = detector.ExplainAnomaly(own.Select(r => values[r]).ToArray(), position, series[i]);
            }
            catch (ArgumentOutOfRangeException)
            {
                skipped++;   // too close to the start of --input for a whole window
                continue;
            }
            catch (ArgumentException x)
            {
                throw new DataException(inputPath != null ? "--input" : "data.path", x.Message);   // a series the detector was not fitted on
            }
            var steps = e.Contributions.Select((c, j) => (Name(own[e.FirstStep + j]), values[own[e.FirstStep + j]], c)).ToList();
            explained.Add(new ExplainedPoint(k, series[i], Name(i), e.Value, e.Expected, e.RawScore, scores[k], alerts[k], steps));
        }
        return (explained, skipped);
    }

    /// <summary>The config's rows after each series' probation (what train scores, and what generated code scores as its example).</summary>
    public DelimitedFile TestRows(int probation) => Split(Read(_c.Resolve(_c.Data.Path), "data.path"), probation).Test;
}
