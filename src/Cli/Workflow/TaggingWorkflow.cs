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
using MLNet.Sequence.Tagging;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Cli.Workflow;

/// <summary>
/// Sequence tagging from a config: the CoNLL file's sentences (split into train and test by a seeded random split of
/// sentences, or data.testPath), a tagger trained on the training sentences, scored on the test sentences (token
/// accuracy, macro F1, and entity precision, recall and F1 for a chunk scheme) next to the majority-tag-per-word
/// baseline, and saved with the step that turns its keys back into tag text.
/// </summary>
internal sealed class TaggingWorkflow
{
    /// <summary>The text tags column the saved model adds.</summary>
    public const string TagsColumn = "Tags";

    private readonly WorkflowConfig _c;
    private readonly TaggingConfig _t;
    private readonly IRunObserver _observer;
    private readonly MLContext _ml;

    public TaggingWorkflow(WorkflowConfig config, IRunObserver observer)
    {
        _c = config;
        _t = config.Tagging!;
        _observer = observer;
        _ml = new MLContext(config.Seed);
    }

    /// <summary>A CoNLL file's sentences (Tokens and Label text vectors).</summary>
    public IDataView Load(string path, string field)
    {
        try
        {
            return _ml.SequenceTagging.LoadFromConllFile(path, _t.TokenField, _t.TagField);
        }
        catch (FormatException e)
        {
            throw new DataException(field, e.Message);
        }
    }

    /// <summary>The training and test sentences: data.testPath, or a seeded random split of data.path's sentences.</summary>
    public (IDataView Train, IDataView Test) LoadSplit()
    {
        var all = Load(_c.Resolve(_c.Data.Path), "data.path");
        if (_c.Data.TestPath != null)
            return (all, Load(_c.Resolve(_c.Data.TestPath), "data.testPath"));
        var split = _ml.Data.TrainTestSplit(all, _c.Split!.EffectiveTestFraction, seed: _c.Seed);
        return (split.TrainSet, split.TestSet);
    }

    public RunReport Run(CancellationToken token = default)
    {
        if (_c.Sweep != null)
            return RunSweep(token);
        var (train, test) = LoadSplit();
        var options = TrainerOptionsBinder.Tagger(_c.Trainer!.Family, _c.Trainer.Options, "trainer.options");
        var defaults = TrainerOptionsBinder.Tagger(_c.Trainer.Family, null, "trainer.options");
        var report = new RunReport { Task = _c.Task, Trainer = new JsonObject { ["family"] = _c.Trainer.Family, ["options"] = TrainerOptionsBinder.Changed(options, defaults) } };
        options.Seed ??= _c.Seed;
        options.CancellationToken = token;
        options.Progress = new ObserverProgress(_observer);
        if (_t.ConstrainTransitions)
            options.CrfConstraints = _t.SchemeKind;
        Directory.CreateDirectory(_c.OutputDirectory);
        long sentences = TabularData.CountRows(train);
        _observer.Info($"Training a {_c.Trainer.Family} tagger{(options.UseCrf ? " with a CRF" : "")} on {sentences} sentences for {options.NumberOfEpochs} epochs.");
        var clock = Stopwatch.StartNew();
        using var tagger = Trainer(options).Fit(train);
        report.TrainingSeconds = clock.Elapsed.TotalSeconds;
        var metrics = _ml.SequenceTagging.Evaluate(tagger.Transform(test), "Label", "PredictedLabel", _t.SchemeKind);
        report.Rows.Add(Row($"{_c.Trainer.Family} tagger", metrics));
        report.Rows.Add(Row("majority tag per word", Baseline(train, test)));
        Save(tagger, train, test, metrics, report);
        return report;
    }

    /// <summary>
    /// sweep: taggers of the configured families (CPU-sized ranges) ranked on a fifth of the training sentences by the
    /// sweep's metric; the best refit on all of them is scored on the test sentences and saved as train saves one.
    /// </summary>
    private RunReport RunSweep(CancellationToken token)
    {
        var s = _c.Sweep!;
        var (train, test) = LoadSplit();
        Directory.CreateDirectory(_c.OutputDirectory);
        var families = (s.Families ?? TrainerConfig.Families.ToList()).Select(f => f switch
        {
            "lstm" => EncoderKind.Lstm, "gru" => EncoderKind.Gru, "transformer" => EncoderKind.Transformer, _ => EncoderKind.Cnn,
        }).ToArray();
        var options = new SequenceTaggerSweepOptions
        {
            SearchSpace = CpuSizedSpace(families),
            Tuner = s.Tuner switch { "random" => SweepTunerKind.Random, "grid" => SweepTunerKind.Grid, _ => SweepTunerKind.Tpe },
            Metric = s.MetricFor(WorkflowTask.Tagging),
            Scheme = _t.SchemeKind,
            MaximumTrials = s.MaximumTrials,
            TimeBudget = s.Minutes is double m ? TimeSpan.FromMinutes(m) : null,
            MaximumEpochs = s.MaximumEpochs,
            Seed = _c.Seed,
            Progress = new ObserverProgress(_observer),
            CancellationToken = token,
            TrialLogPath = Path.Combine(_c.OutputDirectory, "trials.json"),
            ConfigureTagger = _t.ConstrainTransitions ? o => o.CrfConstraints = _t.SchemeKind : null,
        };
        _observer.Info($"Sweeping {string.Join(", ", families)} taggers ({s.Tuner}, " +
            $"{string.Join(", ", new[] { s.Minutes is double min ? $"{min.ToString(CultureInfo.InvariantCulture)} min" : null, s.MaximumTrials is int n ? $"{n} trials" : null }.Where(x => x != null))}, " +
            $"metric {options.Metric}); trial log {options.TrialLogPath}");
        var clock = Stopwatch.StartNew();
        var result = _ml.SequenceTagging.SweepSequenceTaggers(options).Execute(train);
        if (result.Model is not SequenceTaggingTransformer tagger)
            throw new InvalidOperationException("No sweep trial produced a metric; see the trial log for each trial's error.");
        using (tagger)
        {
            var best = result.BestTrial!;
            var report = new RunReport
            {
                Task = _c.Task,
                Trainer = new JsonObject { ["family"] = best.Configuration.Family.ToString().ToLowerInvariant(), ["sweepBest"] = best.Configuration.ToString() },
                Leaderboard = result.ToTable(10),
                TrainingSeconds = clock.Elapsed.TotalSeconds,
            };
            var metrics = _ml.SequenceTagging.Evaluate(tagger.Transform(test), "Label", "PredictedLabel", _t.SchemeKind);
            report.Rows.Add(Row($"{report.Trainer["family"]} tagger (sweep's best)", metrics));
            report.Rows.Add(Row("majority tag per word", Baseline(train, test)));
            report.Files["trials"] = options.TrialLogPath;
            Save(tagger, train, test, metrics, report);
            return report;
        }
    }

    /// <summary>Tagger sizes a 2-core CPU trains in seconds to a minute per epoch on a few thousand sentences.</summary>
    internal static SequenceSearchSpace CpuSizedSpace(params EncoderKind[] families) =>
        SequenceSearchSpace.ForTaggers()
            .Narrow("WordEmbeddingDimension", 16, 128).Narrow("CharacterFilters", 10, 50).Narrow("HiddenSize", 16, 128)
            .Narrow("ModelDimension", 32, 128).Narrow("FeedForwardDimension", 64, 256).Narrow("Transformer.NumberOfLayers", 1, 2)
            .Narrow("Channels", 32, 128).Narrow("Cnn.NumberOfLayers", 1, 3).Narrow("Lstm.NumberOfLayers", 1, 2).Narrow("Gru.NumberOfLayers", 1, 2)
            .Narrow("BatchSize", 8, 64).Narrow(SequenceSearchSpace.EncoderParameter, families.Cast<object>().ToArray());

    /// <summary>Saves the tagger with the step that turns its keys back into tag text, the CoNLL report, the learning curve and the metrics.</summary>
    private void Save(SequenceTaggingTransformer tagger, IDataView train, IDataView test, SequenceTaggingMetrics metrics, RunReport report)
    {
        var model = new TransformerChain<ITransformer>(tagger, _ml.Transforms.Conversion.MapKeyToValue(TagsColumn, "PredictedLabel").Fit(tagger.Transform(test)));
        var modelPath = Path.Combine(_c.OutputDirectory, TabularWorkflow.ModelFileName);
        _ml.Model.SaveSequenceModel(model, train.Schema, modelPath);
        report.Files["model"] = modelPath;
        var conll = Path.Combine(_c.OutputDirectory, "conll-report.txt");
        File.WriteAllText(conll, metrics.ToConllReport());
        report.Files["conllReport"] = conll;
        report.SaveLearningCurve(_c.OutputDirectory, tagger.TrainingHistory, "tagger: loss per epoch");
        report.SaveMetrics(_c.OutputDirectory);
    }

    private SequenceTaggerEstimator Trainer(SequenceTaggerOptions options)
    {
        var t = _ml.SequenceTagging.Trainers;
        return options switch
        {
            LstmTaggerOptions o => t.SequenceLstm(o),
            GruTaggerOptions o => t.SequenceGru(o),
            TransformerTaggerOptions o => t.SequenceTransformer(o),
            CnnTaggerOptions o => t.SequenceCnn(o),
            _ => throw new ArgumentException($"unknown tagger options {options.GetType().Name}"),
        };
    }

    /// <summary>A metrics table row: token accuracy and macro F1, and the entity metrics under a chunk scheme.</summary>
    public MetricsRow Row(string name, SequenceTaggingMetrics m)
    {
        var row = new MetricsRow(name).Add("tokenAccuracy", m.TokenAccuracy).Add("macroF1", m.MacroF1);
        if (_t.SchemeKind != TaggingScheme.Plain)
            row.Add("entityPrecision", m.Entities.Precision).Add("entityRecall", m.Entities.Recall).Add("entityF1", m.Entities.F1);
        return row;
    }

    private sealed class Sentence
    {
        public string[] Tokens { get; set; } = Array.Empty<string>();
        public string[] Label { get; set; } = Array.Empty<string>();
    }

    /// <summary>The majority tag of each training word; unknown words get the most frequent training tag.</summary>
    private SequenceTaggingMetrics Baseline(IDataView train, IDataView test)
    {
        var counts = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        var tagCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var s in _ml.Data.CreateEnumerable<Sentence>(train, reuseRowObject: false))
            for (int i = 0; i < s.Tokens.Length; i++)
            {
                if (!counts.TryGetValue(s.Tokens[i], out var d))
                    counts[s.Tokens[i]] = d = new Dictionary<string, int>(StringComparer.Ordinal);
                d[s.Label[i]] = d.GetValueOrDefault(s.Label[i]) + 1;
                tagCounts[s.Label[i]] = tagCounts.GetValueOrDefault(s.Label[i]) + 1;
            }
        static string Top(Dictionary<string, int> d) => d.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).First().Key;
        string fallback = Top(tagCounts);
        var gold = new List<IReadOnlyList<string>>();
        var predicted = new List<IReadOnlyList<string>>();
        foreach (var s in _ml.Data.CreateEnumerable<Sentence>(test, reuseRowObject: false))
        {
            gold.Add(s.Label);
            predicted.Add(s.Tokens.Select(w => counts.TryGetValue(w, out var d) ? Top(d) : fallback).ToArray());
        }
        return SequenceTaggingEvaluator.Evaluate(gold, predicted, _t.SchemeKind);
    }

    /// <summary>The first sentence's tokens of a CoNLL file (what generated code tags as its example).</summary>
    public string[] FirstSentence(string path) =>
        _ml.Data.CreateEnumerable<Sentence>(Load(path, "data.path"), reuseRowObject: false).First().Tokens;

    /// <summary>Metrics of a saved tagger on labelled sentences (a CoNLL file), or on the config's test sentences.</summary>
    public MetricsRow Evaluate(ITransformer model, string? dataPath)
    {
        var test = dataPath != null ? Load(Path.GetFullPath(dataPath), "--data") : LoadSplit().Test;
        return Row("model", _ml.SequenceTagging.Evaluate(model.Transform(test), "Label", "PredictedLabel", _t.SchemeKind));
    }

    /// <summary>
    /// Tags the sentences of <paramref name="inputPath"/> (one token per line, blank lines between sentences; the token
    /// is the config's token field, any other fields are ignored) and writes "token TAB tag" lines, sentences apart.
    /// </summary>
    public int Predict(ITransformer model, string inputPath, string outputPath)
    {
        var sentences = ReadTokens(inputPath);
        var data = _ml.Data.LoadFromEnumerable(sentences.Select(t => new Tagged { Tokens = t }));
        var tagged = _ml.Data.CreateEnumerable<Tagged>(model.Transform(data), reuseRowObject: false).ToList();
        var output = new StringBuilder();
        for (int i = 0; i < sentences.Count; i++)
        {
            for (int j = 0; j < sentences[i].Length; j++)
                output.Append(sentences[i][j]).Append('\t').Append(tagged[i].Tags[j]).Append('\n');
            output.Append('\n');
        }
        var full = Path.GetFullPath(outputPath);
        var tmp = full + ".tmp";
        File.WriteAllText(tmp, output.ToString());
        File.Move(tmp, full, overwrite: true);
        return sentences.Count;
    }

    /// <summary>
    /// Why each token got its tag (<c>ExplainTags</c>: every token of the sentence occluded in turn) for the first
    /// <paramref name="maximumRows"/> sentences of a token file (as <see cref="Predict"/> reads it) or of given token arrays.
    /// </summary>
    public IReadOnlyList<TagExplanation> Explain(ITransformer model, IReadOnlyList<string[]> sentences, int maximumRows) =>
        _ml.SequenceTagging.ExplainTags(model, _ml.Data.LoadFromEnumerable(sentences.Select(t => new Tagged { Tokens = t })), maximumRows);

    /// <summary>The sentences of a token file: one token per line (the config's token field), blank lines between sentences.</summary>
    public List<string[]> ReadTokens(string inputPath)
    {
        var sentences = new List<string[]>();
        var current = new List<string>();
        int line = 0;
        foreach (var text in File.ReadLines(Path.GetFullPath(inputPath)).Append(""))
        {
            line++;
            var fields = text.Split(new[] { '\t', ' ' }, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0)
            {
                if (current.Count > 0)
                    sentences.Add(current.ToArray());
                current.Clear();
                continue;
            }
            if (fields[0] == "-DOCSTART-")
                continue;
            if (_t.TokenField >= fields.Length)
                throw new DataException("--input", $"line {line} has {fields.Length} fields; the token is field {_t.TokenField} (tagging.tokenField).");
            current.Add(fields[_t.TokenField]);
        }
        return sentences;
    }

    private sealed class Tagged
    {
        public string[] Tokens { get; set; } = Array.Empty<string>();
        public string[] Tags { get; set; } = Array.Empty<string>();
    }
}
