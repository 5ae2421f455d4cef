using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Cli.Config;
using MLNet.Sequence.Cli.Data;
using MLNet.Sequence.Forecasting;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Cli.Workflow;

/// <summary>
/// Sequence to sequence from a config: a delimited file of (source text, target text) pairs, each text split into
/// characters or words; an encoder-decoder trained on the training pairs (rows sharing a source stay on one side of the
/// split: they are alternate targets of one example), scored on the test pairs by sequence and token error rates with
/// beam search and greedily, and saved with the tokenizing step before it and the step that turns its keys into tokens.
/// </summary>
internal sealed class Seq2SeqWorkflow
{
    /// <summary>The source tokens the model reads (made by the saved model's first step).</summary>
    public const string SourceColumn = "SourceTokens";

    /// <summary>The target tokens it learns (training and evaluation only).</summary>
    public const string TargetColumn = "TargetTokens";

    /// <summary>The predicted tokens as text, the saved model's last column.</summary>
    public const string PredictionColumn = "PredictedTokens";

    private readonly WorkflowConfig _c;
    private readonly Seq2SeqConfig _s;
    private readonly IRunObserver _observer;
    private readonly MLContext _ml;

    public Seq2SeqWorkflow(WorkflowConfig config, IRunObserver observer)
    {
        _c = config;
        _s = config.Seq2Seq!;
        _observer = observer;
        _ml = new MLContext(config.Seed);
    }

    /// <summary>
    /// The rows of a pairs file, checked against the config's columns: every source holds text, and (unless predicting,
    /// when the target column may be absent) every target too.
    /// </summary>
    public DelimitedFile Read(string path, string field, bool targetMayBeMissing = false)
    {
        var file = DelimitedFile.Read(path, _c.Data.SeparatorChar, _c.Data.HasHeader, _c.Data.Columns!.Select(c => c.Name).ToList(), field);
        var columns = new List<string> { _c.Input! };
        if (!targetMayBeMissing || Array.IndexOf(file.Header, _c.Label) >= 0)
            columns.Add(_c.Label!);
        foreach (var column in columns)
        {
            int index = file.IndexOf(column, field);
            for (int r = 0; r < file.Rows.Count; r++)
                if (string.IsNullOrWhiteSpace(file.Rows[r][index]) && !(targetMayBeMissing && column == _c.Label))
                    throw new DataException(field, $"line {file.LineOf(r, _c.Data.HasHeader)} of '{Path.GetFileName(path)}', column '{column}': empty; every {(column == _c.Input ? "source" : "target")} needs at least one token.");
        }
        return file;
    }

    private IDataView Load(DelimitedFile file) => TabularData.Load(_ml, file, _c.Data.Columns!);

    /// <summary>The training and test pairs: data.testPath, or a seeded split that keeps each source's rows together.</summary>
    public (IDataView Train, IDataView Test) LoadSplit()
    {
        var all = Load(Read(_c.Resolve(_c.Data.Path), "data.path"));
        if (_c.Data.TestPath != null)
            return (all, Load(Read(_c.Resolve(_c.Data.TestPath), "data.testPath")));
        var split = _ml.Data.TrainTestSplit(all, _c.Split!.EffectiveTestFraction, samplingKeyColumnName: _c.Input, seed: _c.Seed);
        return (split.TrainSet, split.TestSet);
    }

    /// <summary>A text column split into tokens: every character, or the words between spaces (case kept).</summary>
    private IEstimator<ITransformer> Tokenize(string output, string input, string tokens) => tokens == "characters"
        ? _ml.Transforms.Text.TokenizeIntoCharactersAsKeys(output, input, useMarkerCharacters: false).Append(_ml.Transforms.Conversion.MapKeyToValue(output))
        : _ml.Transforms.Text.TokenizeIntoWords(output, input, new[] { ' ' });

    public RunReport Run(CancellationToken token = default)
    {
        var (train, test) = LoadSplit();
        var options = TrainerOptionsBinder.SequenceToSequence(_c.Trainer!.Family, _c.Trainer.Options, "trainer.options");
        var defaults = TrainerOptionsBinder.SequenceToSequence(_c.Trainer.Family, null, "trainer.options");
        var report = new RunReport { Task = _c.Task, Trainer = new JsonObject { ["family"] = _c.Trainer.Family, ["options"] = TrainerOptionsBinder.Changed(options, defaults) } };
        options.SourceColumnName = SourceColumn;
        options.LabelColumnName = TargetColumn;
        options.Seed ??= _c.Seed;
        options.CancellationToken = token;
        options.Progress = new ObserverProgress(_observer);
        Directory.CreateDirectory(_c.OutputDirectory);

        var source = Tokenize(SourceColumn, _c.Input!, _s.SourceTokens).Fit(train);
        var target = Tokenize(TargetColumn, _c.Label!, _s.TargetTokens).Fit(train);
        var prepared = target.Transform(source.Transform(train));
        long pairs = TabularData.CountRows(prepared);
        _observer.Info($"Training a {_c.Trainer.Family} encoder-decoder on {pairs} pairs ({_s.SourceTokens} to {_s.TargetTokens}) for {options.NumberOfEpochs} epochs.");
        var clock = Stopwatch.StartNew();
        using var model = Trainer(options).Fit(prepared);
        report.TrainingSeconds = clock.Elapsed.TotalSeconds;

        var testPrepared = target.Transform(source.Transform(test));
        report.Rows.Add(Row(options.BeamWidth > 1 ? $"{_c.Trainer.Family}, beam {options.BeamWidth}" : $"{_c.Trainer.Family}, greedy", Evaluate(model, testPrepared)));
        if (options.BeamWidth > 1)
        {
            using var greedy = model.WithDecoding(1);
            report.Rows.Add(Row($"{_c.Trainer.Family}, greedy", Evaluate(greedy, testPrepared)));
        }

        var tokens = _ml.Transforms.Conversion.MapKeyToValue(PredictionColumn, "PredictedLabel").Fit(model.Transform(testPrepared));
        var saved = new TransformerChain<ITransformer>(source, model, tokens);
        var modelPath = Path.Combine(_c.OutputDirectory, TabularWorkflow.ModelFileName);
        _ml.Model.SaveSequenceModel(saved, train.Schema, modelPath);
        report.Files["model"] = modelPath;
        report.SaveLearningCurve(_c.OutputDirectory, model.TrainingHistory, "encoder-decoder: loss per epoch");
        report.SaveMetrics(_c.OutputDirectory);
        return report;
    }

    private SequenceToSequenceMetrics Evaluate(ITransformer model, IDataView prepared) =>
        _ml.SequenceToSequence.Evaluate(model.Transform(prepared), TargetColumn, "PredictedLabel", SourceColumn);

    private static MetricsRow Row(string name, SequenceToSequenceMetrics m) =>
        new MetricsRow(name).Add("sequenceErrorRate", m.SequenceErrorRate).Add("tokenErrorRate", m.TokenErrorRate).Add("examples", m.Examples);

    private SequenceToSequenceEstimator Trainer(SequenceToSequenceOptions options)
    {
        var t = _ml.SequenceToSequence.Trainers;
        return options switch
        {
            LstmSequenceToSequenceOptions o => t.SequenceLstm(o),
            GruSequenceToSequenceOptions o => t.SequenceGru(o),
            TransformerSequenceToSequenceOptions o => t.SequenceTransformer(o),
            _ => throw new ArgumentException($"unknown sequence-to-sequence options {options.GetType().Name}"),
        };
    }

    /// <summary>
    /// Metrics of a saved model on labelled pairs (a file with the config's columns), or on the config's test pairs. The
    /// saved model's own tokenizer reads the sources; the targets are split as training split them.
    /// </summary>
    public MetricsRow Evaluate(ITransformer model, string? dataPath)
    {
        var test = dataPath != null ? Load(Read(Path.GetFullPath(dataPath), "--data")) : LoadSplit().Test;
        var target = Tokenize(TargetColumn, _c.Label!, _s.TargetTokens).Fit(test);
        var scored = model.Transform(target.Transform(test));
        var m = _ml.SequenceToSequence.Evaluate(scored, TargetColumn, "PredictedLabel", SourceColumn);
        return Row("model", m);
    }

    private sealed class Predicted
    {
        [ColumnName(PredictionColumn)]
        public string[] Tokens { get; set; } = Array.Empty<string>();

        public float Score { get; set; }
    }

    /// <summary>
    /// The predicted target of each source (tokens joined as the target's text joins them) and its log-probability,
    /// decoded in one pass.
    /// </summary>
    public List<(string Name, string[] Values)> Score(ITransformer model, DelimitedFile file)
    {
        string separator = _s.TargetTokens == "characters" ? "" : " ";
        var rows = _ml.Data.CreateEnumerable<Predicted>(model.Transform(Load(file)), reuseRowObject: false).ToList();
        return new List<(string, string[])>
        {
            ("Prediction", rows.Select(r => string.Join(separator, r.Tokens)).ToArray()),
            ("LogProbability", rows.Select(r => r.Score.ToString("R", System.Globalization.CultureInfo.InvariantCulture)).ToArray()),
        };
    }

    /// <summary>Predicts the target of every row of <paramref name="inputPath"/> (the source column; the target may be absent).</summary>
    public int Predict(ITransformer model, string inputPath, string outputPath)
    {
        var file = Read(Path.GetFullPath(inputPath), "--input", targetMayBeMissing: true);
        SavedModel.WriteRows(file, Score(model, file), _c.Data.SeparatorChar, outputPath);
        return file.Rows.Count;
    }

    /// <summary>The first source of the data file (what generated code predicts as its example).</summary>
    public string FirstSource()
    {
        var file = Read(_c.Resolve(_c.Data.Path), "data.path");
        return file.Rows[0][file.IndexOf(_c.Input!, "data.path")];
    }
}
