using System;
using System.Collections.Generic;
using System.Diagnostics;
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

namespace MLNet.Sequence.Cli.Workflow;

/// <summary>
/// Text generation from a config: a delimited file's text column split into characters or words, a causal language
/// model trained on the training rows and scored on the test rows (perplexity, cross-entropy, top-5 accuracy of every
/// next element) next to unigram and interpolated-bigram baselines fit on the same tokens, the config's prompts
/// continued by the sampling settings of the generation section, and the model saved.
/// </summary>
internal sealed class GenerationWorkflow
{
    /// <summary>The token column the saved model reads.</summary>
    public const string TokensColumn = "Tokens";

    /// <summary>The cut-off of the top-k accuracy in the metrics.</summary>
    public const int K = 5;

    private readonly WorkflowConfig _c;
    private readonly GenerationConfig _g;
    private readonly IRunObserver _observer;
    private readonly MLContext _ml;

    public GenerationWorkflow(WorkflowConfig config, IRunObserver observer)
    {
        _c = config;
        _g = config.Generation!;
        _observer = observer;
        _ml = new MLContext(config.Seed);
    }

    private sealed class TokensRow
    {
        public string[] Tokens { get; set; } = Array.Empty<string>();
    }

    /// <summary>A text's tokens: every character, or the words between spaces.</summary>
    public string[] Tokens(string text) => _g.Tokens == "characters"
        ? text.Select(c => c.ToString()).ToArray()
        : text.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Tokens back to text: characters joined as they are, words apart by spaces.</summary>
    public string Text(IEnumerable<string> tokens) => string.Join(_g.Tokens == "characters" ? "" : " ", tokens);

    /// <summary>The input column's texts of a file (the other columns are not read).</summary>
    public (DelimitedFile File, List<string> Texts) Read(string path, string field)
    {
        var file = DelimitedFile.Read(path, _c.Data.SeparatorChar, _c.Data.HasHeader, _c.Data.Columns!.Select(c => c.Name).ToList(), field);
        int input = file.IndexOf(_c.Input!, field);
        return (file, file.Rows.Select(r => r[input]).ToList());
    }

    /// <summary>The training and test texts (non-empty): data.testPath, or a seeded shuffle of data.path's rows cut at the test fraction.</summary>
    public (List<string[]> Train, List<string[]> Test) LoadSplit()
    {
        var all = NonEmpty(_c.Resolve(_c.Data.Path), "data.path");
        if (_c.Data.TestPath != null)
            return (all, NonEmpty(_c.Resolve(_c.Data.TestPath), "data.testPath"));
        var order = Enumerable.Range(0, all.Count).ToArray();
        new Random(_c.Seed).Shuffle(order);
        int test = Math.Max(1, (int)Math.Round(_c.Split!.EffectiveTestFraction * all.Count));
        if (test >= all.Count)
            throw new DataException("data.path", $"{all.Count} non-empty row(s) in column '{_c.Input}' leave nothing to train on after the test fraction.");
        return (order.Skip(test).Select(i => all[i]).ToList(), order.Take(test).Select(i => all[i]).ToList());
    }

    /// <summary>The token sequences of a file's non-empty texts; a file without one is bad data.</summary>
    private List<string[]> NonEmpty(string path, string field)
    {
        var texts = Read(path, field).Texts.Select(Tokens).Where(t => t.Length > 0).ToList();
        if (texts.Count == 0)
            throw new DataException(field, $"column '{_c.Input}' of '{Path.GetFileName(path)}' holds no text (at least one token) to learn from or score.");
        return texts;
    }

    private IDataView View(IEnumerable<string[]> sequences) => _ml.Data.LoadFromEnumerable(sequences.Select(t => new TokensRow { Tokens = t }));

    public RunReport Run(CancellationToken token = default)
    {
        var (train, test) = LoadSplit();
        var options = TrainerOptionsBinder.NextElement(_c.Trainer!.Family, _c.Trainer.Options, "trainer.options");
        var defaults = TrainerOptionsBinder.NextElement(_c.Trainer.Family, null, "trainer.options");
        var report = new RunReport { Task = _c.Task, Trainer = new JsonObject { ["family"] = _c.Trainer.Family, ["options"] = TrainerOptionsBinder.Changed(options, defaults) } };
        options.SequenceColumnName = TokensColumn;
        options.Seed ??= _c.Seed;
        options.CancellationToken = token;
        options.Progress = new ObserverProgress(_observer);
        Directory.CreateDirectory(_c.OutputDirectory);

        if (_g.StopElement is { } stop && !train.Any(t => t.Contains(stop)))
            throw new ConfigException("generation.stopElement", $"'{stop}' never occurs in the training texts, so the model could never generate it.");
        var trainData = View(train);
        _observer.Info($"Training a {_c.Trainer.Family} language model on {train.Count} texts ({train.Sum(t => (long)t.Length)} {_g.Tokens}) for {options.NumberOfEpochs} epochs.");
        var clock = Stopwatch.StartNew();
        using var model = TrainerOptionsBinder.NextElementTrainer(_ml, options).Fit(trainData);
        report.TrainingSeconds = clock.Elapsed.TotalSeconds;

        var m = _ml.NextElement.Evaluate(model, View(test), k: K);
        report.Rows.Add(new MetricsRow($"{_c.Trainer.Family} language model").Add("perplexity", m.Perplexity).Add("crossEntropy", m.CrossEntropy).Add($"top{K}Accuracy", m.TopKAccuracy));
        var (unigram, bigram) = NGramBaselines.Perplexities(train, test.Cast<IReadOnlyList<string>>().ToList());
        report.Rows.Add(new MetricsRow("interpolated bigram").Add("perplexity", bigram).Add("crossEntropy", Math.Log(bigram)));
        report.Rows.Add(new MetricsRow("add-one unigram").Add("perplexity", unigram).Add("crossEntropy", Math.Log(unigram)));

        var modelPath = Path.Combine(_c.OutputDirectory, TabularWorkflow.ModelFileName);
        _ml.Model.SaveSequenceModel(model, trainData.Schema, modelPath);
        report.Files["model"] = modelPath;
        var samples = new StringBuilder();
        foreach (var prompt in _g.Prompts ?? new List<string>())
        {
            var continuation = Generate(model, prompt);
            _observer.Info($"{prompt}[{continuation}]");
            samples.Append(prompt).Append('[').Append(continuation).Append("]\n");
        }
        if (samples.Length > 0)
        {
            var samplesPath = Path.Combine(_c.OutputDirectory, "samples.txt");
            SavedModel.WriteAtomically(samplesPath, samples.ToString());
            report.Files["samples"] = samplesPath;
        }
        report.SaveLearningCurve(_c.OutputDirectory, model.TrainingHistory, "language model: loss per epoch");
        report.SaveMetrics(_c.OutputDirectory);
        return report;
    }

    /// <summary>The generation section's sampling settings, with the config's seed.</summary>
    public GenerationOptions Sampling => new()
    {
        MaximumLength = _g.MaximumLength, Temperature = _g.Temperature, TopK = _g.TopK, TopP = _g.TopP, StopElement = _g.StopElement, Seed = _c.Seed,
    };

    /// <summary>What the model writes after <paramref name="prompt"/>, as text.</summary>
    public string Generate(NextElementTransformer model, string prompt)
    {
        var tokens = Tokens(prompt);
        if (tokens.Length == 0)
            throw new DataException("prompt", "is empty; give the text to continue (at least one token).");
        return Text(model.Generate(tokens, Sampling));
    }

    /// <summary>The language model of a saved zip.</summary>
    internal static NextElementTransformer LanguageModel(ITransformer loaded) => loaded as NextElementTransformer
        ?? (loaded as TransformerChain<ITransformer>)?.OfType<NextElementTransformer>().SingleOrDefault()
        ?? throw new DataException("--model", "the model is not a language model; this config's task is generation.");

    /// <summary>Perplexity, cross-entropy and top-5 accuracy of a saved model on a file's texts, or on the config's test texts.</summary>
    public MetricsRow Evaluate(ITransformer loaded, string? dataPath)
    {
        var test = dataPath != null ? NonEmpty(Path.GetFullPath(dataPath), "--data") : LoadSplit().Test;
        var m = _ml.NextElement.Evaluate(LanguageModel(loaded), View(test), k: K);
        return new MetricsRow("model").Add("perplexity", m.Perplexity).Add("crossEntropy", m.CrossEntropy).Add($"top{K}Accuracy", m.TopKAccuracy);
    }

    /// <summary>Continues the text of every row of <paramref name="inputPath"/> (the input column: the prompts); writes the rows with a Generated column.</summary>
    public int Predict(ITransformer loaded, string inputPath, string outputPath)
    {
        var (file, prompts) = Read(Path.GetFullPath(inputPath), "--input");
        var model = LanguageModel(loaded);
        var generated = prompts.Select((p, i) =>
        {
            try
            {
                return Generate(model, p);
            }
            catch (DataException)
            {
                throw new DataException("--input", $"row {i + 1}: column '{_c.Input}' is empty; give the text to continue.");
            }
        }).ToArray();
        SavedModel.WriteRows(file, new List<(string, string[])> { ("Generated", generated) }, _c.Data.SeparatorChar, outputPath);
        return file.Rows.Count;
    }
}
