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
using MLNet.Sequence.Cli.Config;
using MLNet.Sequence.Cli.Data;
using MLNet.Sequence.Forecasting;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms;
using MLNet.Sequence.Transforms.Audio;

namespace MLNet.Sequence.Cli.Workflow;

/// <summary>
/// Binary and multiclass classification and regression from a config: load and check the data, split, build the
/// preprocessing (words, characters or one-hot symbols, padded), train one trainer or sweep, evaluate with ML.NET's
/// evaluator on the test rows, save the whole pipeline in one zip, and write metrics and plots.
/// </summary>
internal sealed class TabularWorkflow
{
    /// <summary>The key column a multiclass label becomes; its values map back to the label's.</summary>
    internal const string LabelKey = "LabelKey";

    private readonly WorkflowConfig _c;
    private readonly IRunObserver _observer;
    private readonly MLContext _ml;

    public TabularWorkflow(WorkflowConfig config, IRunObserver observer)
    {
        _c = config;
        _observer = observer;
        _ml = new MLContext(config.Seed);
    }

    public static string ModelFileName => "model.zip";

    /// <summary>The training rows and the test rows (data.testPath, or a seeded split of data.path).</summary>
    public (IDataView Train, IDataView Test) LoadSplit(bool split = true)
    {
        var columns = _c.Data.Columns!;
        var file = DelimitedFile.Read(_c.Resolve(_c.Data.Path), _c.Data.SeparatorChar, _c.Data.HasHeader, columns.Select(c => c.Name).ToList(), "data.path");
        file.CheckTypes(columns, _c.Data.HasHeader, "data.path");
        var all = TabularData.Load(_ml, file.WithAudioPathsResolved(_c), columns);
        if (_c.Data.TestPath != null)
        {
            var testFile = DelimitedFile.Read(_c.Resolve(_c.Data.TestPath), _c.Data.SeparatorChar, _c.Data.HasHeader, columns.Select(c => c.Name).ToList(), "data.testPath");
            testFile.CheckTypes(columns, _c.Data.HasHeader, "data.testPath");
            return (all, TabularData.Load(_ml, testFile.WithAudioPathsResolved(_c), columns));
        }
        if (!split)
            return (all, all);
        var parts = _ml.Data.TrainTestSplit(all, _c.Split!.EffectiveTestFraction, seed: _c.Seed);
        return (parts.TrainSet, parts.TestSet);
    }

    /// <summary>
    /// Label conversion and the input column to padded ids (or one-hot steps) in "Features"; for speech, the recordings
    /// to padded feature frames in "Features" with a "Mask".
    /// </summary>
    public IEstimator<ITransformer> Preprocessing()
    {
        IEstimator<ITransformer> chain = _c.TaskKind == WorkflowTask.Multiclass
            ? _ml.Transforms.Conversion.MapValueToKey(LabelKey, _c.Label)
            : new EstimatorChain<ITransformer>();
        if (_c.IsSpeech)
        {
            var a = _c.Audio!;
            return chain.Append(_ml.Transforms.LoadAudio("Audio", _c.Input, a.SampleRate))
                .Append(_ml.Transforms.ExtractAudioFeatures(new AudioFeaturesEstimator.Options { OutputColumnName = "Frames", InputColumnName = "Audio", Kind = a.Kind, DeltaOrder = a.DeltaOrder }))
                .Append(_ml.Transforms.PadSequences(new PadSequencesEstimator.Options
                {
                    OutputColumnName = "Features", InputColumnName = "Frames", LengthPercentile = a.LengthPercentile, Padding = SequenceEnd.Post, Truncation = SequenceEnd.Post,
                    MaskColumnName = "Mask",
                }));
        }
        var p = _c.Preprocessing!;
        int vocabulary = p.MaximumVocabularySize ?? 20000;
        switch (p.Tokenizer)
        {
            case "words":
                return chain.Append(_ml.Transforms.Text.NormalizeText("Normalized", _c.Input, keepPunctuations: false))
                    .Append(_ml.Transforms.Text.TokenizeIntoWords("Tokens", "Normalized"))
                    .Append(_ml.Transforms.EncodeTokens("Ids", "Tokens", vocabulary, p.MinimumCount))
                    .Append(_ml.Transforms.PadSequences("Features", "Ids", length: p.PadLength));
            case "characters":
                return chain.Append(_ml.Transforms.Text.TokenizeIntoCharactersAsKeys("CharacterKeys", _c.Input, useMarkerCharacters: false))
                    .Append(_ml.Transforms.Conversion.MapKeyToValue("Tokens", "CharacterKeys"))
                    .Append(_ml.Transforms.EncodeTokens("Ids", "Tokens", vocabulary, p.MinimumCount))
                    .Append(_ml.Transforms.PadSequences("Features", "Ids", length: p.PadLength));
            default:
                return chain.Append(_ml.Transforms.OneHotEncodeSequence(new OneHotSequenceEstimator.Options
                {
                    OutputColumnName = "Features", InputColumnName = _c.Input, Alphabet = p.Alphabet!, SequenceLength = p.PadLength, TruncateLonger = true,
                }));
        }
    }

    private string TrainerLabel => _c.TaskKind == WorkflowTask.Multiclass ? LabelKey : _c.Label!;

    private SequenceTask SequenceTaskKind => _c.TaskKind switch
    {
        WorkflowTask.Binary => SequenceTask.BinaryClassification,
        WorkflowTask.Multiclass => SequenceTask.MulticlassClassification,
        _ => SequenceTask.Regression,
    };

    /// <summary>The configured trainer with the workflow's columns, progress and cancellation.</summary>
    public SequenceTrainer Trainer(SequenceTrainerOptions options, CancellationToken token)
    {
        options.LabelColumnName = TrainerLabel;
        options.FeatureColumnName = "Features";
        if (_c.IsSpeech)
            options.MaskColumnName = "Mask";
        options.Seed ??= _c.Seed;
        if (_c.Split!.ValidationFraction is double fraction and > 0 && options.ValidationData == null)
            options.ValidationFraction = fraction;
        var progress = new ObserverProgress(_observer);
        options.Progress = progress;
        options.BatchProgress = progress;
        options.CancellationToken = token;
        var t = _ml.BinaryClassification.Trainers;
        var m = _ml.MulticlassClassification.Trainers;
        var r = _ml.Regression.Trainers;
        return (_c.TaskKind, options) switch
        {
            (WorkflowTask.Binary, LstmOptions o) => t.SequenceLstm(o),
            (WorkflowTask.Binary, GruOptions o) => t.SequenceGru(o),
            (WorkflowTask.Binary, TransformerOptions o) => t.SequenceTransformer(o),
            (WorkflowTask.Binary, CnnOptions o) => t.SequenceCnn(o),
            (WorkflowTask.Multiclass, LstmOptions o) => m.SequenceLstm(o),
            (WorkflowTask.Multiclass, GruOptions o) => m.SequenceGru(o),
            (WorkflowTask.Multiclass, TransformerOptions o) => m.SequenceTransformer(o),
            (WorkflowTask.Multiclass, CnnOptions o) => m.SequenceCnn(o),
            (_, LstmOptions o) => r.SequenceLstm(o),
            (_, GruOptions o) => r.SequenceGru(o),
            (_, TransformerOptions o) => r.SequenceTransformer(o),
            (_, CnnOptions o) => r.SequenceCnn(o),
            _ => throw new ArgumentException($"unknown options type {options.GetType().Name}"),
        };
    }

    /// <summary>The pipeline's tail (multiclass): PredictedLabel back to the label's values, its key kept as PredictedLabelKey.</summary>
    private IEstimator<ITransformer> Tail() => _c.TaskKind == WorkflowTask.Multiclass
        ? _ml.Transforms.CopyColumns("PredictedLabelKey", "PredictedLabel").Append(_ml.Transforms.Conversion.MapKeyToValue("PredictedLabel", "PredictedLabelKey"))
        : new EstimatorChain<ITransformer>();

    /// <summary>train (one trainer) or sweep: fits, evaluates on the test rows, saves model, metrics and plots.</summary>
    public RunReport Run(CancellationToken token = default)
    {
        if (_c.Split!.CrossValidationFolds is int k)
            return CrossValidate(k, token);
        var (train, test) = LoadSplit();
        Directory.CreateDirectory(_c.OutputDirectory);
        var clock = Stopwatch.StartNew();
        ITransformer model;
        var report = new RunReport { Task = _c.Task };
        TrainingHistory? history;
        if (_c.Sweep == null)
        {
            var options = _c.Trainer != null ? TrainerOptionsBinder.Create(_c.Trainer.Family, _c.Trainer.Options, "trainer.options") : Defaults();
            report.Trainer = new JsonObject { ["family"] = TrainerOptionsBinder.FamilyOf(options), ["options"] = TrainerOptionsBinder.Changed(options) };
            _observer.Info($"Training {TrainerOptionsBinder.FamilyOf(options)} on {_c.Task} ({Describe(train)} training rows).");
            var chain = Preprocessing().Append(Trainer(options, token)).Append(Tail());
            model = chain.Fit(train);
            history = FindTrainer(model)?.TrainingHistory;
        }
        else
        {
            (model, var sweep) = Sweep(train, token);
            var best = sweep.BestTrial!;
            report.Trainer = sweep.ModelTrials.Count > 1 ? EnsembleReport(sweep, _c.Sweep!.RefitSeeds)
                : new JsonObject { ["family"] = best.Configuration.Family.ToString().ToLowerInvariant(), ["sweepBest"] = best.Configuration.ToString() };
            report.Leaderboard = sweep.ToTable(10);
            history = FindTrainer(model)?.TrainingHistory;
        }
        report.TrainingSeconds = clock.Elapsed.TotalSeconds;
        using (model as IDisposable)
        {
            report.Rows.Add(Evaluate(model, test, report.Trainer!["family"]!.GetValue<string>()));
            if (Baseline() is var (baselineName, baseline))
                report.Rows.Add(Evaluate(baseline.Fit(train), test, baselineName));
            var modelPath = Path.Combine(_c.OutputDirectory, ModelFileName);
            _ml.Model.SaveSequenceModel(model, train.Schema, modelPath);
            report.Files["model"] = modelPath;
            WritePlots(model, test, history, report);
        }
        report.SaveMetrics(_c.OutputDirectory);
        return report;
    }

    /// <summary>
    /// split.crossValidationFolds: each fold's pipeline scored on its held-out rows (ML.NET's CrossValidationSplit with
    /// the config's seed), the mean and standard deviation reported for the model and the baseline, the confusion
    /// matrix summed over folds; the saved model is then trained on every row.
    /// </summary>
    private RunReport CrossValidate(int k, CancellationToken token)
    {
        var (all, _) = LoadSplit(split: false);
        Directory.CreateDirectory(_c.OutputDirectory);
        var clock = Stopwatch.StartNew();
        var report = new RunReport { Task = _c.Task };
        SequenceTrainerOptions Options() => _c.Trainer != null ? TrainerOptionsBinder.Create(_c.Trainer.Family, _c.Trainer.Options, "trainer.options") : Defaults();
        var family = TrainerOptionsBinder.FamilyOf(Options());
        report.Trainer = new JsonObject { ["family"] = family, ["options"] = TrainerOptionsBinder.Changed(Options()), ["crossValidationFolds"] = k };
        var comparison = Baseline();
        var models = new List<MetricsRow>();
        var baselines = new List<MetricsRow>();
        // Each fold learns its own label keys (in the order classes appear), so counts are summed by class name.
        var classes = new List<string>();
        var cells = new Dictionary<(string Actual, string Predicted), int>();
        int fold = 0;
        foreach (var split in _ml.Data.CrossValidationSplit(all, k, seed: _c.Seed))
        {
            _observer.Info($"Fold {++fold} of {k}: training {family} on {Describe(split.TrainSet)} rows.");
            using (var model = Preprocessing().Append(Trainer(Options(), token)).Append(Tail()).Fit(split.TrainSet) as IDisposable)
            {
                models.Add(Evaluate((ITransformer)model!, split.TestSet, family));
                if (_c.TaskKind is WorkflowTask.Binary or WorkflowTask.Multiclass)
                {
                    var (names, c) = ConfusionMatrix((ITransformer)model!, split.TestSet);
                    foreach (var n in names.Where(n => !classes.Contains(n)))
                        classes.Add(n);
                    for (int i = 0; i < names.Length; i++)
                        for (int j = 0; j < names.Length; j++)
                            cells[(names[i], names[j])] = cells.GetValueOrDefault((names[i], names[j])) + c[i][j];
                }
            }
            if (comparison is var (baselineName, baseline))
                baselines.Add(Evaluate(baseline.Fit(split.TrainSet), split.TestSet, baselineName));
        }
        report.Rows.Add(Summary($"{family} (mean of {k} folds)", models, sd: false));
        report.Rows.Add(Summary($"{family} (standard deviation)", models, sd: true));
        if (comparison is var (name, _))
            report.Rows.Add(Summary($"{name} (mean of {k} folds)", baselines, sd: false));
        _observer.Info($"Training the saved model on all {Describe(all)} rows.");
        using (var final = Preprocessing().Append(Trainer(Options(), token)).Append(Tail()).Fit(all) as IDisposable)
        {
            report.TrainingSeconds = clock.Elapsed.TotalSeconds;
            var modelPath = Path.Combine(_c.OutputDirectory, ModelFileName);
            _ml.Model.SaveSequenceModel((ITransformer)final!, all.Schema, modelPath);
            report.Files["model"] = modelPath;
            report.SaveLearningCurve(_c.OutputDirectory, FindTrainer((ITransformer)final!)?.TrainingHistory, $"{_c.Task}: loss per epoch (the model trained on every row)");
        }
        if (classes.Count > 0)
        {
            var counts = classes.Select(a => classes.Select(p => cells.GetValueOrDefault((a, p))).ToArray()).ToArray();
            var path = Path.Combine(_c.OutputDirectory, "confusion-matrix.png");
            ClassificationPlots.SaveConfusionMatrix(path, classes, counts, $"{_c.Task}: confusion matrix over {k} folds");
            report.Files["confusionMatrix"] = path;
        }
        report.SaveMetrics(_c.OutputDirectory);
        return report;
    }

    private static MetricsRow Summary(string name, List<MetricsRow> folds, bool sd)
    {
        var row = new MetricsRow(name);
        foreach (var metric in folds[0].Metrics.Select(m => m.Key))
        {
            var values = folds.Select(f => f[metric]).ToList();
            double mean = values.Average();
            row.Add(metric, sd ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / Math.Max(1, values.Count - 1)) : mean);
        }
        return row;
    }

    /// <summary>
    /// What an ML.NET user would train without this library, on the same rows, for the metrics table: bag of words and
    /// character n-grams (FeaturizeText) for text, the one-hot steps flattened for symbol strings, then a linear model.
    /// </summary>
    private (string Name, IEstimator<ITransformer> Pipeline)? Baseline()
    {
        if (_c.IsSpeech)
            return null;   // ML.NET has no audio features; docs/speech.md compares pooled MFCCs + SDCA by hand
        var p = _c.Preprocessing!;
        IEstimator<ITransformer> features;
        string what;
        if (p.Tokenizer == "onehot")
        {
            features = _ml.Transforms.OneHotEncodeSequence(new OneHotSequenceEstimator.Options
            {
                OutputColumnName = "Features", InputColumnName = _c.Input, Alphabet = p.Alphabet!, SequenceLength = p.PadLength, TruncateLonger = true,
            });
            what = "one-hot";
        }
        else
        {
            features = _ml.Transforms.Text.FeaturizeText("Features", _c.Input);
            what = "FeaturizeText";
        }
        return _c.TaskKind switch
        {
            WorkflowTask.Binary => ($"ML.NET {what} + AveragedPerceptron", features.Append(_ml.BinaryClassification.Trainers.AveragedPerceptron(_c.Label, "Features"))),
            WorkflowTask.Multiclass => ($"ML.NET {what} + LbfgsMaximumEntropy", _ml.Transforms.Conversion.MapValueToKey(LabelKey, _c.Label).Append(features)
                .Append(_ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(LabelKey, "Features")).Append(Tail())),
            _ => ($"ML.NET {what} + Sdca", features.Append(_ml.Regression.Trainers.Sdca(_c.Label, "Features"))),
        };
    }

    /// <summary>Without a trainer section: a temporal CNN with max pooling (words, characters) or flatten (one-hot symbols, whose position matters).</summary>
    private SequenceTrainerOptions Defaults() => _c.IsSpeech
        ? new CnnOptions { Pooling = SequencePooling.Mean }
        : new CnnOptions
    {
        Pooling = _c.Preprocessing!.Tokenizer == "onehot" ? SequencePooling.Flatten : SequencePooling.Max,
        Dropout = _c.Preprocessing.Tokenizer == "onehot" ? 0.3f : 0.5f,
    };

    private static string Describe(IDataView data) => (data.GetRowCount() ?? data.Preview(int.MaxValue).RowView.Length).ToString(CultureInfo.InvariantCulture);

    internal static SequencePredictionTransformer? FindTrainer(ITransformer model) => model switch
    {
        SequencePredictionTransformer t => t,
        TransformerChain<ITransformer> chain => chain.Select(FindTrainer).LastOrDefault(t => t != null),
        _ => null,
    };

    /// <summary>The report's trainer entry for an averaged model: its configurations (with their weights) and seed copies.</summary>
    private static JsonObject EnsembleReport(SequenceSweepResult sweep, int seeds)
    {
        var weights = (sweep.Model as SequenceEnsembleTransformer)?.Weights;
        var configurations = sweep.ModelTrials.Select((t, k) => (Trial: t, Weight: weights?[k] ?? 0))
            .GroupBy(m => m.Trial.Id).Select(g => (g.First().Trial, Weight: g.Sum(m => m.Weight))).ToList();
        string family = configurations.Count == 1
            ? $"{configurations[0].Trial.Configuration.Family.ToString().ToLowerInvariant()} × {seeds} seeds"
            : seeds > 1 ? $"ensemble of {sweep.ModelTrials.Count} ({configurations.Count} configurations × {seeds} seeds)"
            : $"ensemble of {sweep.ModelTrials.Count}";
        return new JsonObject
        {
            ["family"] = family,
            ["sweepBest"] = sweep.BestTrial!.Configuration.ToString(),
            ["members"] = new JsonArray(configurations.Select(c => (JsonNode)JsonValue.Create(
                string.Create(CultureInfo.InvariantCulture, $"#{c.Trial.Id} × {c.Weight:0.###} {c.Trial.Configuration}"))!).ToArray()),
        };
    }

    private (ITransformer Model, SequenceSweepResult Result) Sweep(IDataView train, CancellationToken token)
    {
        var s = _c.Sweep!;
        var prep = Preprocessing().Fit(train);
        // Speech: every trial reads the same feature frames; decode and featurize the recordings once, not per trial.
        var ready = _c.IsSpeech ? _ml.Data.Cache(prep.Transform(train)) : prep.Transform(train);
        var families = (s.Families ?? TrainerConfig.Families.ToList()).Select(f => f switch
        {
            "lstm" => EncoderKind.Lstm, "gru" => EncoderKind.Gru, "transformer" => EncoderKind.Transformer, _ => EncoderKind.Cnn,
        }).ToArray();
        var space = CpuSizedSpace(families);
        // Symbol strings (one-hot steps) keep position, which the class often depends on (splice: 0.51 with max
        // pooling, 0.96 flattened; docs/results.md); word ids have no fixed positions to flatten.
        // Feature frames (speech) have no ids to embed and vary in length: pooling over the masked frames.
        space = _c.IsSpeech ? space.Remove("EmbeddingDimension").Narrow("Pooling", "Mean", "Max", "Attention")
            : _c.Preprocessing!.Tokenizer == "onehot"
            ? space.Remove("EmbeddingDimension").Narrow("Pooling", "Flatten", "Last", "Attention")
            : space.Narrow("Pooling", "Last", "Mean", "Max", "Attention");
        var progress = new ObserverProgress(_observer);
        var options = new SequenceSweepOptions
        {
            LabelColumnName = TrainerLabel,
            FeatureColumnName = "Features",
            SearchSpace = space,
            Tuner = s.Tuner switch { "random" => SweepTunerKind.Random, "grid" => SweepTunerKind.Grid, _ => SweepTunerKind.Tpe },
            Metric = s.MetricFor(_c.TaskKind),
            MaximumTrials = s.MaximumTrials,
            TimeBudget = s.Minutes is double m ? TimeSpan.FromMinutes(m) : null,
            MaximumEpochs = s.MaximumEpochs,
            CrossValidationFolds = s.CrossValidationFolds,
            EnsembleSize = s.EnsembleSize,
            RefitSeeds = s.RefitSeeds,
            Seed = _c.Seed,
            Progress = progress,
            CancellationToken = token,
            TrialLogPath = Path.Combine(_c.OutputDirectory, "trials.json"),
            ConfigureTrainer = _c.IsSpeech ? o => o.MaskColumnName = "Mask" : null,
        };
        _observer.Info($"Sweeping {string.Join(", ", families)} ({s.Tuner}, {(s.Minutes is double min ? $"{min.ToString(CultureInfo.InvariantCulture)} min" : "")}" +
            $"{(s.Minutes != null && s.MaximumTrials != null ? ", " : "")}{(s.MaximumTrials is int n ? $"{n} trials" : "")}, metric {options.Metric}); trial log {options.TrialLogPath}");
        var experiment = _c.TaskKind switch
        {
            WorkflowTask.Binary => _ml.BinaryClassification.SweepSequenceModels(options),
            WorkflowTask.Multiclass => _ml.MulticlassClassification.SweepSequenceModels(options),
            _ => _ml.Regression.SweepSequenceModels(options),
        };
        var result = experiment.Execute(ready);
        if (result.Model == null)
            throw new InvalidOperationException("No sweep trial produced a metric; see the trial log for each trial's error.");
        ITransformer tail = Tail().Fit(result.Model.Transform(ready));
        return (new TransformerChain<ITransformer>(prep, result.Model, tail), result);
    }

    /// <summary>Sizes a 2-core CPU trains in seconds to a minute per epoch (the attributes' full ranges reach far larger models).</summary>
    internal static SequenceSearchSpace CpuSizedSpace(params EncoderKind[] families) =>
        (families.Contains(EncoderKind.NBeats)
            ? SequenceSearchSpace.ForFamilies(EncoderKind.Lstm, EncoderKind.Gru, EncoderKind.Transformer, EncoderKind.Cnn, EncoderKind.NBeats)
                .Narrow("LayerWidth", 32, 512).Narrow("NumberOfBlocks", 2, 12)
            : SequenceSearchSpace.ForFamilies(EncoderKind.Lstm, EncoderKind.Gru, EncoderKind.Transformer, EncoderKind.Cnn))
            .Narrow("EmbeddingDimension", 16, 128).Narrow("HiddenSize", 16, 128).Narrow("ModelDimension", 16, 128)
            .Narrow("FeedForwardDimension", 32, 256).Narrow("Transformer.NumberOfLayers", 1, 3).Narrow("Channels", 16, 128)
            .Narrow("Cnn.NumberOfLayers", 1, 5).Narrow("Lstm.NumberOfLayers", 1, 2).Narrow("Gru.NumberOfLayers", 1, 2)
            .Narrow("BatchSize", 16, 128).Narrow("LearningRate", 3e-4, 1e-2).Fix("WeightDecay", 0.0)   // Adam's L2 decay collapsed the recurrent models on sentiment
            .Narrow(SequenceSearchSpace.EncoderParameter, families.Cast<object>().ToArray());

    /// <summary>ML.NET's evaluator for the task on scored rows.</summary>
    public MetricsRow Evaluate(ITransformer model, IDataView data, string name)
    {
        var scored = model.Transform(data);
        var row = new MetricsRow(name);
        switch (_c.TaskKind)
        {
            case WorkflowTask.Binary when !scored.Schema.Any(c => c.Name == "Probability"):
                // An uncalibrated baseline (the perceptron) has scores but no probabilities: no log-loss.
                var u = _ml.BinaryClassification.EvaluateNonCalibrated(scored, _c.Label);
                return row.Add("accuracy", u.Accuracy).Add("auc", u.AreaUnderRocCurve).Add("f1", u.F1Score);
            case WorkflowTask.Binary:
                var b = _ml.BinaryClassification.Evaluate(scored, _c.Label);
                return row.Add("accuracy", b.Accuracy).Add("auc", b.AreaUnderRocCurve).Add("f1", b.F1Score).Add("logLoss", b.LogLoss);
            case WorkflowTask.Multiclass:
                var m = _ml.MulticlassClassification.Evaluate(scored, LabelKey, predictedLabelColumnName: "PredictedLabelKey");
                return row.Add("macroAccuracy", m.MacroAccuracy).Add("microAccuracy", m.MicroAccuracy).Add("logLoss", m.LogLoss);
            default:
                var r = _ml.Regression.Evaluate(scored, _c.Label);
                return row.Add("rmse", r.RootMeanSquaredError).Add("mae", r.MeanAbsoluteError).Add("rSquared", r.RSquared);
        }
    }

    private void WritePlots(ITransformer model, IDataView test, TrainingHistory? history, RunReport report)
    {
        report.SaveLearningCurve(_c.OutputDirectory, history, $"{_c.Task}: loss per epoch");
        if (_c.TaskKind is WorkflowTask.Binary or WorkflowTask.Multiclass)
        {
            var (classes, counts) = ConfusionMatrix(model, test);
            var path = Path.Combine(_c.OutputDirectory, "confusion-matrix.png");
            ClassificationPlots.SaveConfusionMatrix(path, classes, counts, $"{_c.Task}: test confusion matrix");
            report.Files["confusionMatrix"] = path;
        }
    }

    /// <summary>Counts[actual][predicted] over the test rows, with the class names.</summary>
    internal (string[] Classes, int[][] Counts) ConfusionMatrix(ITransformer model, IDataView test)
    {
        var scored = model.Transform(test);
        if (_c.TaskKind == WorkflowTask.Binary)
        {
            var actual = scored.GetColumn<bool>(_c.Label).ToArray();
            var predicted = scored.GetColumn<bool>("PredictedLabel").ToArray();
            var counts = new[] { new int[2], new int[2] };
            for (int i = 0; i < actual.Length; i++)
                counts[actual[i] ? 1 : 0][predicted[i] ? 1 : 0]++;
            return (new[] { "false", "true" }, counts);
        }
        var m = _ml.MulticlassClassification.Evaluate(scored, LabelKey, predictedLabelColumnName: "PredictedLabelKey");
        var names = ClassNames(scored);
        int k = m.ConfusionMatrix.NumberOfClasses;
        var c = Enumerable.Range(0, k).Select(i => Enumerable.Range(0, k).Select(j => (int)m.ConfusionMatrix.Counts[i][j]).ToArray()).ToArray();
        return (names.Length == k ? names : Enumerable.Range(0, k).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray(), c);
    }

    private string[] ClassNames(IDataView scored)
    {
        var column = scored.Schema[LabelKey];
        VBuffer<ReadOnlyMemory<char>> text = default;
        if (column.Annotations.Schema.GetColumnOrNull("KeyValues")?.Type is VectorDataViewType { ItemType: TextDataViewType })
        {
            column.GetKeyValues(ref text);
            return text.DenseValues().Select(v => v.ToString()).ToArray();
        }
        VBuffer<float> numbers = default;
        column.GetKeyValues(ref numbers);
        return numbers.DenseValues().Select(v => v.ToString(CultureInfo.InvariantCulture)).ToArray();
    }
}
