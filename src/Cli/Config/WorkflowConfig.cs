using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace MLNet.Sequence.Cli.Config;

/// <summary>
/// A run's whole description, read from a versioned JSON file (<c>version</c> 1): the data, the task, the columns, the
/// preprocessing, the trainer (or a sweep), the split, the seed and the output folder. Relative paths are relative to
/// the config file's folder. Unknown fields are refused, so a misspelt option never goes silently unused.
/// </summary>
internal sealed class WorkflowConfig
{
    /// <summary>The format version this tool reads and writes.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Editors' schema hint; ignored by the tool.</summary>
    [JsonPropertyName("$schema")]
    public string? Schema { get; set; }

    public int Version { get; set; }

    /// <summary>binary, multiclass, regression, forecasting, tagging, speech, anomaly, seq2seq, recommendation or generation.</summary>
    public string Task { get; set; } = "";

    public DataConfig Data { get; set; } = new();

    /// <summary>The label column (classification, regression).</summary>
    public string? Label { get; set; }

    /// <summary>The sequence column the model reads (classification, regression): text, or a string of symbols.</summary>
    public string? Input { get; set; }

    public PreprocessingConfig? Preprocessing { get; set; }

    public ForecastingConfig? Forecasting { get; set; }

    public TaggingConfig? Tagging { get; set; }

    /// <summary>Task speech: how recordings (the input column holds WAV paths) become feature frames.</summary>
    public AudioConfig? Audio { get; set; }

    /// <summary>Task anomaly: the value, time, series and label columns, and labelled anomaly windows.</summary>
    public AnomalyConfig? Anomaly { get; set; }

    /// <summary>Task seq2seq: how the source (input) and target (label) texts split into tokens.</summary>
    [JsonPropertyName("seq2seq")]
    public Seq2SeqConfig? Seq2Seq { get; set; }

    /// <summary>Task recommendation: the user, item and time columns of the events, and how many items to recommend.</summary>
    public RecommendationConfig? Recommendation { get; set; }

    /// <summary>Task generation: how the input text splits into tokens, and how prompts are continued.</summary>
    public GenerationConfig? Generation { get; set; }

    public TrainerConfig? Trainer { get; set; }

    public SweepConfig? Sweep { get; set; }

    public SplitConfig? Split { get; set; }

    public int Seed { get; set; } = 1;

    /// <summary>Where the model, metrics, plots and generated code go.</summary>
    public string Output { get; set; } = "output";

    /// <summary>The folder relative paths start from (the config file's); not part of the file.</summary>
    [JsonIgnore]
    public string BaseDirectory { get; set; } = Directory.GetCurrentDirectory();

    [JsonIgnore]
    public WorkflowTask TaskKind => Task switch
    {
        "binary" => WorkflowTask.Binary,
        "multiclass" or "speech" => WorkflowTask.Multiclass,
        "regression" => WorkflowTask.Regression,
        "tagging" => WorkflowTask.Tagging,
        "anomaly" => WorkflowTask.Anomaly,
        "seq2seq" => WorkflowTask.SequenceToSequence,
        "recommendation" => WorkflowTask.Recommendation,
        "generation" => WorkflowTask.Generation,
        _ => WorkflowTask.Forecasting,
    };

    /// <summary>Task speech: multiclass classification whose input column names WAV files.</summary>
    [JsonIgnore]
    public bool IsSpeech => Task == "speech";

    /// <summary>A path from the config made absolute.</summary>
    public string Resolve(string path) => Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(BaseDirectory, path));

    [JsonIgnore]
    public string OutputDirectory => Resolve(Output);

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Reads and validates a config file; every problem is a <see cref="ConfigException"/> naming the field.</summary>
    public static WorkflowConfig Load(string path)
    {
        if (!File.Exists(path))
            throw new ConfigException("config", $"no config file at '{path}'.");
        return Parse(File.ReadAllText(path), Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Reads and validates a config's JSON text; relative paths start from <paramref name="baseDirectory"/>.</summary>
    public static WorkflowConfig Parse(string json, string baseDirectory)
    {
        WorkflowConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<WorkflowConfig>(json, Json);
        }
        catch (JsonException e)
        {
            throw new ConfigException(JsonField(e.Path), Explain(e));
        }
        if (config == null)
            throw new ConfigException("config", "the file holds no JSON object.");
        config.BaseDirectory = baseDirectory;
        config.Validate();
        return config;
    }

    /// <summary>The config as JSON text (what <see cref="Save"/> writes).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Writes the config (atomically: a temporary file renamed over the target).</summary>
    public void Save(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = full + ".tmp";
        File.WriteAllText(tmp, ToJson() + Environment.NewLine);
        File.Move(tmp, full, overwrite: true);
    }

    private static string JsonField(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "config" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;

    private static string Explain(JsonException e)
    {
        // System.Text.Json names the unknown member in its message; keep its words but drop the type names.
        var message = e.Message;
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0)
            message = message[..cut];
        if (message.Contains("could not be mapped", StringComparison.Ordinal))
            return $"unknown field ({message.Replace("MLNet.Sequence.Cli.Config.", "", StringComparison.Ordinal)}); see mlnet-sequence.schema.json for the fields a config has.";
        return $"not the expected JSON type ({message.Replace("MLNet.Sequence.Cli.Config.", "", StringComparison.Ordinal)}).";
    }

    internal static readonly string[] Tasks = { "binary", "multiclass", "regression", "forecasting", "tagging", "speech", "anomaly", "seq2seq", "recommendation", "generation" };

    /// <summary>Checks every field; the first problem found is thrown with the field's path.</summary>
    public void Validate()
    {
        if (Version != CurrentVersion)
            throw new ConfigException("version", Version == 0 ? $"missing; this tool reads version {CurrentVersion}." : $"is {Version}; this tool reads version {CurrentVersion}.");
        if (!Tasks.Contains(Task))
            throw new ConfigException("task", $"must be one of {string.Join(", ", Tasks)}; it was '{Task}'.");
        Data.Validate(this);
        if (TaskKind == WorkflowTask.SequenceToSequence)
        {
            ValidateSeq2Seq();
            return;
        }
        Require(Seq2Seq == null, "seq2seq", $"only applies to task 'seq2seq'; this task is '{Task}'.");
        if (TaskKind == WorkflowTask.Recommendation)
        {
            ValidateRecommendation();
            return;
        }
        Require(Recommendation == null, "recommendation", $"only applies to task 'recommendation'; this task is '{Task}'.");
        if (TaskKind == WorkflowTask.Generation)
        {
            ValidateGeneration();
            return;
        }
        Require(Generation == null, "generation", $"only applies to task 'generation'; this task is '{Task}'.");
        if (TaskKind == WorkflowTask.Tagging)
        {
            ValidateTagging();
            return;
        }
        Require(Tagging == null, "tagging", $"only applies to task 'tagging'; this task is '{Task}'.");
        if (TaskKind == WorkflowTask.Anomaly)
        {
            ValidateAnomaly();
            return;
        }
        Require(Anomaly == null, "anomaly", $"only applies to task 'anomaly'; this task is '{Task}'.");
        Require(Audio == null || IsSpeech, "audio", $"only applies to task 'speech'; this task is '{Task}'.");
        var columns = Data.Columns!.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        string Known() => string.Join(", ", Data.Columns!.Select(c => c.Name));
        if (TaskKind == WorkflowTask.Forecasting)
        {
            if (Forecasting == null)
                throw new ConfigException("forecasting", "a forecasting config needs a 'forecasting' section (timeColumn, valueColumns, horizon, windowLength).");
            if (Preprocessing != null)
                throw new ConfigException("preprocessing", "does not apply to forecasting (windows come from 'forecasting').");
            Forecasting.Validate(this, columns, Known);
        }
        else
        {
            if (Forecasting != null)
                throw new ConfigException("forecasting", $"only applies to task 'forecasting'; this task is '{Task}'.");
            Require(!string.IsNullOrWhiteSpace(Label), "label", $"required for task '{Task}': the column to predict (one of {Known()}).");
            Require(columns.Contains(Label!), "label", $"'{Label}' is not a column of data.columns ({Known()}).");
            Require(!string.IsNullOrWhiteSpace(Input), "input", $"required for task '{Task}': the sequence column the model reads (one of {Known()}).");
            Require(columns.Contains(Input!), "input", $"'{Input}' is not a column of data.columns ({Known()}).");
            Require(Input != Label, "input", "must differ from 'label'.");
            var labelType = Data.Columns!.First(c => c.Name == Label).Type;
            var inputType = Data.Columns!.First(c => c.Name == Input).Type;
            Require(inputType == "text", "input", IsSpeech
                ? $"column '{Input}' must have type 'text' (the path of a WAV file, relative to the data file's folder or absolute); it is '{inputType}'."
                : $"column '{Input}' must have type 'text' (a sentence or a string of symbols); it is '{inputType}'.");
            switch (TaskKind)
            {
                case WorkflowTask.Binary:
                    Require(labelType == "boolean", "label", $"task 'binary' needs a boolean label column (0/1, true/false); '{Label}' has type '{labelType}'.");
                    break;
                case WorkflowTask.Multiclass:
                    Require(labelType is "text" or "number", "label", $"task '{Task}' needs a text or number label column; '{Label}' has type '{labelType}'.");
                    break;
                case WorkflowTask.Regression:
                    Require(labelType == "number", "label", $"task 'regression' needs a number label column; '{Label}' has type '{labelType}'.");
                    break;
            }
            if (IsSpeech)
            {
                Require(Preprocessing == null, "preprocessing", "does not apply to task 'speech' (the 'audio' section says how recordings become frames).");
                (Audio ??= new AudioConfig()).Validate();
            }
            else
                (Preprocessing ??= new PreprocessingConfig()).Validate();
        }
        Require(Trainer == null || Sweep == null, "sweep", "give either 'trainer' (one model) or 'sweep' (a search), not both.");
        Trainer?.Validate(TaskKind);
        Sweep?.Validate(TaskKind);
        (Split ??= new SplitConfig()).Validate(this);
        Require(!string.IsNullOrWhiteSpace(Output), "output", "must name a folder.");
    }

    /// <summary>
    /// Anomaly detection: delimited data, an anomaly section naming the columns, a detector (trainer.family
    /// forecastResidual, reconstruction or windowedGaussian, with SequenceAnomalyDetectorOptions in trainer.options). The
    /// split is the detector's own: each series' probationary period teaches it, the rest is scored.
    /// </summary>
    private void ValidateAnomaly()
    {
        foreach (var (value, field) in new (object?, string)[] { (Label, "label"), (Input, "input"), (Preprocessing, "preprocessing"), (Forecasting, "forecasting"), (Audio, "audio"), (Split, "split") })
            Require(value == null, field, "does not apply to task 'anomaly' (the 'anomaly' section names the columns; each series' probationary period is what the detector learns from).");
        if (Anomaly == null)
            throw new ConfigException("anomaly", "an anomaly config needs an 'anomaly' section (valueColumn; optionally timeColumn, seriesColumn, labelColumn, windows).");
        Anomaly.Validate(this);
        Require(Trainer == null || Sweep == null, "sweep", "give either 'trainer' (one detector) or 'sweep' (a search), not both.");
        if (Sweep != null)
        {
            Sweep.Validate(WorkflowTask.Anomaly);
            Require(Anomaly.LabelColumn != null || Anomaly.Windows != null, "sweep",
                "ranks detectors by how they find labelled anomalies: give anomaly.labelColumn or anomaly.windows.");
        }
        else
            (Trainer ??= new TrainerConfig { Family = "forecastResidual" }).Validate(WorkflowTask.Anomaly);
        Require(!string.IsNullOrWhiteSpace(Output), "output", "must name a folder.");
    }

    /// <summary>Tagging: CoNLL data, a tagging section, one trainer (no sweep yet), a sentence split.</summary>
    private void ValidateTagging()
    {
        Require(Data.Format == "conll", "data.format", "task 'tagging' reads CoNLL files (one token per line, a blank line between sentences): set \"format\": \"conll\".");
        foreach (var (value, field) in new (object?, string)[] { (Label, "label"), (Input, "input"), (Preprocessing, "preprocessing"), (Forecasting, "forecasting") })
            Require(value == null, field, "does not apply to task 'tagging' (the tokens and tags come from the CoNLL fields named in 'tagging').");
        (Tagging ??= new TaggingConfig()).Validate();
        Require(Trainer == null || Sweep == null, "sweep", "give either 'trainer' (one model) or 'sweep' (a search), not both.");
        if (Sweep == null)
            (Trainer ??= new TrainerConfig()).Validate(WorkflowTask.Tagging);
        else
        {
            Sweep.Validate(WorkflowTask.Tagging);
            Require(Sweep.Metric != "entityF1" || Tagging.Scheme != "plain", "sweep.metric", "entityF1 needs a chunk scheme in tagging.scheme (iob2, iobes, ...); plain tags have no entities.");
            Require(Sweep.CrossValidationFolds == 0, "sweep.crossValidationFolds", "does not apply to task 'tagging' yet (trials are scored on a fifth of the training sentences).");
        }
        (Split ??= new SplitConfig()).Validate(this);
        Require(Split.ValidationFraction == null && Split.CrossValidationFolds == null,
            Split.ValidationFraction != null ? "split.validationFraction" : "split.crossValidationFolds", "does not apply to task 'tagging' yet; use split.testFraction or data.testPath.");
        Require(!string.IsNullOrWhiteSpace(Output), "output", "must name a folder.");
    }

    /// <summary>
    /// Sequence to sequence: delimited pairs (input: the source text column, label: the target text column), the seq2seq
    /// section, one lstm, gru or transformer encoder-decoder (no sweep yet), a test fraction or data.testPath.
    /// </summary>
    private void ValidateSeq2Seq()
    {
        foreach (var (value, field) in new (object?, string)[] { (Preprocessing, "preprocessing"), (Forecasting, "forecasting"), (Tagging, "tagging"), (Audio, "audio"), (Anomaly, "anomaly"), (Recommendation, "recommendation"), (Generation, "generation") })
            Require(value == null, field, "does not apply to task 'seq2seq' (the 'seq2seq' section says how the source and target texts split into tokens).");
        Require(Sweep == null, "sweep", "task 'seq2seq' trains one encoder-decoder (no sweep yet): give a 'trainer' section.");
        string Known() => string.Join(", ", Data.Columns!.Select(c => c.Name));
        foreach (var (name, field, role) in new[] { (Input, "input", "the source text (e.g. a word)"), (Label, "label", "the target text (e.g. its phonemes apart by spaces)") })
        {
            Require(!string.IsNullOrWhiteSpace(name), field, $"required for task 'seq2seq': the column holding {role} (one of {Known()}).");
            var column = Data.Columns!.FirstOrDefault(c => c.Name == name);
            Require(column != null, field, $"'{name}' is not a column of data.columns ({Known()}).");
            Require(column!.Type == "text", field, $"column '{name}' must have type 'text' ({role}); it is '{column.Type}'.");
        }
        Require(Input != Label, "input", "must differ from 'label'.");
        (Seq2Seq ??= new Seq2SeqConfig()).Validate();
        (Trainer ??= new TrainerConfig { Family = "gru" }).Validate(WorkflowTask.SequenceToSequence);
        (Split ??= new SplitConfig()).Validate(this);
        Require(Split.ValidationFraction == null && Split.CrossValidationFolds == null,
            Split.ValidationFraction != null ? "split.validationFraction" : "split.crossValidationFolds", "does not apply to task 'seq2seq' yet; use split.testFraction or data.testPath.");
        Require(!string.IsNullOrWhiteSpace(Output), "output", "must name a folder.");
    }

    /// <summary>
    /// Recommendation: delimited events, the recommendation section naming the user, item and time columns, one lstm,
    /// gru or transformer next-item model (no sweep yet). The split is the protocol's (leave-last-out), not configurable.
    /// </summary>
    private void ValidateRecommendation()
    {
        foreach (var (value, field) in new (object?, string)[] { (Label, "label"), (Input, "input"), (Preprocessing, "preprocessing"), (Forecasting, "forecasting"), (Tagging, "tagging"), (Audio, "audio"), (Anomaly, "anomaly"), (Generation, "generation"), (Split, "split"), (Data.TestPath, "data.testPath") })
            Require(value == null, field, "does not apply to task 'recommendation' (the 'recommendation' section names the columns; each user's last item is the test target, leave-last-out).");
        Require(Sweep == null, "sweep", "task 'recommendation' trains one next-item model (no sweep yet): give a 'trainer' section.");
        if (Recommendation == null)
            throw new ConfigException("recommendation", "a recommendation config needs a 'recommendation' section (userColumn, itemColumn, timeColumn).");
        Recommendation.Validate(this);
        (Trainer ??= new TrainerConfig { Family = "gru" }).Validate(WorkflowTask.Recommendation);
        Require(!string.IsNullOrWhiteSpace(Output), "output", "must name a folder.");
    }

    /// <summary>
    /// Generation: delimited texts (input: the text column), the generation section, one lstm, gru or transformer
    /// language model (no sweep yet), a test fraction or data.testPath.
    /// </summary>
    private void ValidateGeneration()
    {
        foreach (var (value, field) in new (object?, string)[] { (Label, "label"), (Preprocessing, "preprocessing"), (Forecasting, "forecasting"), (Tagging, "tagging"), (Audio, "audio"), (Anomaly, "anomaly") })
            Require(value == null, field, "does not apply to task 'generation' (the model learns the input column's text; the 'generation' section says how it splits into tokens).");
        Require(Sweep == null, "sweep", "task 'generation' trains one language model (no sweep yet): give a 'trainer' section.");
        string Known() => string.Join(", ", Data.Columns!.Select(c => c.Name));
        Require(!string.IsNullOrWhiteSpace(Input), "input", $"required for task 'generation': the text column to learn (one of {Known()}).");
        var column = Data.Columns!.FirstOrDefault(c => c.Name == Input);
        Require(column != null, "input", $"'{Input}' is not a column of data.columns ({Known()}).");
        Require(column!.Type == "text", "input", $"column '{Input}' must have type 'text'; it is '{column.Type}'.");
        (Generation ??= new GenerationConfig()).Validate();
        (Trainer ??= new TrainerConfig { Family = "gru" }).Validate(WorkflowTask.Generation);
        (Split ??= new SplitConfig()).Validate(this);
        Require(Split.ValidationFraction == null && Split.CrossValidationFolds == null,
            Split.ValidationFraction != null ? "split.validationFraction" : "split.crossValidationFolds", "does not apply to task 'generation' yet; use split.testFraction or data.testPath.");
        Require(!string.IsNullOrWhiteSpace(Output), "output", "must name a folder.");
    }

    internal static void Require(bool condition, string field, string message)
    {
        if (!condition)
            throw new ConfigException(field, message);
    }
}

/// <summary>The task a config runs.</summary>
internal enum WorkflowTask
{
    Binary,
    Multiclass,
    Regression,
    Forecasting,
    Tagging,
    Anomaly,
    SequenceToSequence,
    Recommendation,
    Generation,
}

/// <summary>The data file(s) and their columns.</summary>
internal sealed class DataConfig
{
    /// <summary>The training data (CSV or TSV).</summary>
    public string Path { get; set; } = "";

    /// <summary>Optional test data with the same columns; without it the split section carves a test set out of <see cref="Path"/>.</summary>
    public string? TestPath { get; set; }

    /// <summary>delimited (CSV or TSV with columns; default) or conll (one token per line, blank lines between sentences: task tagging).</summary>
    public string Format { get; set; } = "delimited";

    /// <summary>The field separator: "," (default), "\t" (or "tab"), ";" or "|".</summary>
    public string Separator { get; set; } = ",";

    public bool HasHeader { get; set; } = true;

    /// <summary>Every column of the file, in file order.</summary>
    public List<ColumnConfig>? Columns { get; set; }

    [JsonIgnore]
    public char SeparatorChar => Separator is "\t" or "tab" ? '\t' : Separator[0];

    internal static readonly string[] Types = { "text", "number", "boolean", "date" };

    internal void Validate(WorkflowConfig config)
    {
        WorkflowConfig.Require(!string.IsNullOrWhiteSpace(Path), "data.path", "required: the CSV or TSV file to train on.");
        WorkflowConfig.Require(File.Exists(config.Resolve(Path)), "data.path", $"no file at '{config.Resolve(Path)}'.");
        if (TestPath != null)
            WorkflowConfig.Require(File.Exists(config.Resolve(TestPath)), "data.testPath", $"no file at '{config.Resolve(TestPath)}'.");
        WorkflowConfig.Require(Format is "delimited" or "conll", "data.format", $"must be delimited or conll; it was '{Format}'.");
        WorkflowConfig.Require(Format == "conll" || config.TaskKind != WorkflowTask.Tagging, "data.format",
            "task 'tagging' reads CoNLL files (one token per line, a blank line between sentences): set \"format\": \"conll\".");
        if (Format == "conll")
        {
            WorkflowConfig.Require(Columns == null, "data.columns", "does not apply to CoNLL files (their fields are named in the 'tagging' section).");
            WorkflowConfig.Require(config.TaskKind == WorkflowTask.Tagging, "data.format", $"conll files serve task 'tagging'; this task is '{config.Task}'.");
            return;
        }
        WorkflowConfig.Require(Separator is "," or "\t" or "tab" or ";" or "|", "data.separator", $"must be \",\", \"\\t\" (or \"tab\"), \";\" or \"|\"; it was '{Separator}'.");
        WorkflowConfig.Require(Columns is { Count: > 0 }, "data.columns", "required: every column of the file in order, each with a name and a type (text, number, boolean, date). 'mlnet-sequence init' writes them for you.");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < Columns!.Count; i++)
        {
            var c = Columns[i];
            WorkflowConfig.Require(!string.IsNullOrWhiteSpace(c.Name), $"data.columns[{i}].name", "required.");
            WorkflowConfig.Require(seen.Add(c.Name), $"data.columns[{i}].name", $"'{c.Name}' appears twice.");
            WorkflowConfig.Require(Types.Contains(c.Type), $"data.columns[{i}].type", $"must be one of {string.Join(", ", Types)}; it was '{c.Type}'.");
        }
    }
}

/// <summary>One column of the data file.</summary>
internal sealed class ColumnConfig
{
    public string Name { get; set; } = "";

    /// <summary>text, number, boolean or date.</summary>
    public string Type { get; set; } = "text";
}

/// <summary>How the input column becomes a sequence of ids or vectors.</summary>
internal sealed class PreprocessingConfig
{
    /// <summary>
    /// words (normalised, split on spaces and punctuation, ids by frequency), characters (each character a token) or
    /// onehot (each character one-hot over <see cref="Alphabet"/>, e.g. ACGT for DNA).
    /// </summary>
    public string Tokenizer { get; set; } = "words";

    /// <summary>Tokens seen fewer times than this in training become the unknown id (words and characters).</summary>
    public int MinimumCount { get; set; } = 2;

    /// <summary>The vocabulary keeps at most this many most frequent tokens; null for no limit.</summary>
    public int? MaximumVocabularySize { get; set; }

    /// <summary>Every sequence is padded or truncated to this many steps.</summary>
    public int PadLength { get; set; } = 32;

    /// <summary>The symbols of a onehot input (other characters count as unknown).</summary>
    public string? Alphabet { get; set; }

    internal void Validate()
    {
        WorkflowConfig.Require(Tokenizer is "words" or "characters" or "onehot", "preprocessing.tokenizer", $"must be words, characters or onehot; it was '{Tokenizer}'.");
        WorkflowConfig.Require(MinimumCount >= 1, "preprocessing.minimumCount", $"must be at least 1; it was {MinimumCount}.");
        WorkflowConfig.Require(MaximumVocabularySize is null or >= 2, "preprocessing.maximumVocabularySize", $"must be at least 2 or null; it was {MaximumVocabularySize}.");
        WorkflowConfig.Require(PadLength is >= 1 and <= 100_000, "preprocessing.padLength", $"must be in [1, 100000]; it was {PadLength}.");
        if (Tokenizer == "onehot")
            WorkflowConfig.Require(!string.IsNullOrEmpty(Alphabet), "preprocessing.alphabet", "required for tokenizer 'onehot': the symbols, e.g. \"ACGT\".");
        else
            WorkflowConfig.Require(Alphabet == null, "preprocessing.alphabet", $"only applies to tokenizer 'onehot'; this one is '{Tokenizer}'.");
    }
}

/// <summary>Forecasting: which columns hold time and values, and the window.</summary>
internal sealed class ForecastingConfig
{
    /// <summary>The time column (type date or number).</summary>
    public string TimeColumn { get; set; } = "";

    /// <summary>The columns to forecast (type number); several make one multivariate model.</summary>
    public List<string>? ValueColumns { get; set; }

    /// <summary>A column naming the series, when the file holds several (one model for all).</summary>
    public string? SeriesColumn { get; set; }

    public int Horizon { get; set; }

    public int WindowLength { get; set; }

    /// <summary>The season for seasonal naive and MASE (12 for monthly data); 1 for none.</summary>
    public int SeasonLength { get; set; } = 1;

    /// <summary>
    /// The spacing of the time column: "1 month", "3 months", "1 day", "7 days", "1 hour", "30 minutes", or a number for
    /// a numeric time column. Rows must be evenly spaced by it.
    /// </summary>
    public string? TimeStep { get; set; }

    /// <summary>Quantile levels for prediction intervals, e.g. [0.1, 0.5, 0.9]; null for point forecasts.</summary>
    public List<float>? Quantiles { get; set; }

    internal void Validate(WorkflowConfig config, HashSet<string> columns, Func<string> known)
    {
        WorkflowConfig.Require(columns.Contains(TimeColumn), "forecasting.timeColumn", $"'{TimeColumn}' is not a column of data.columns ({known()}).");
        var timeType = config.Data.Columns!.First(c => c.Name == TimeColumn).Type;
        WorkflowConfig.Require(timeType is "date" or "number", "forecasting.timeColumn", $"column '{TimeColumn}' must have type date or number; it is '{timeType}'.");
        WorkflowConfig.Require(ValueColumns is { Count: > 0 }, "forecasting.valueColumns", "required: the number columns to forecast.");
        foreach (var v in ValueColumns!)
        {
            WorkflowConfig.Require(columns.Contains(v), "forecasting.valueColumns", $"'{v}' is not a column of data.columns ({known()}).");
            var t = config.Data.Columns!.First(c => c.Name == v).Type;
            WorkflowConfig.Require(t == "number", "forecasting.valueColumns", $"column '{v}' must have type number; it is '{t}'.");
        }
        if (SeriesColumn != null)
            WorkflowConfig.Require(columns.Contains(SeriesColumn), "forecasting.seriesColumn", $"'{SeriesColumn}' is not a column of data.columns ({known()}).");
        WorkflowConfig.Require(Horizon >= 1, "forecasting.horizon", $"must be at least 1 (steps to forecast); it was {Horizon}.");
        WorkflowConfig.Require(WindowLength >= 1, "forecasting.windowLength", $"must be at least 1 (past steps the model reads); it was {WindowLength}.");
        WorkflowConfig.Require(SeasonLength >= 1, "forecasting.seasonLength", $"must be at least 1; it was {SeasonLength}.");
        if (TimeStep != null)
        {
            try
            {
                StepParser.Parse(TimeStep, timeType == "date");
            }
            catch (FormatException e)
            {
                throw new ConfigException("forecasting.timeStep", e.Message);
            }
        }
        else
            WorkflowConfig.Require(timeType == "number", "forecasting.timeStep", "required for a date time column: e.g. \"1 month\", \"1 day\", \"1 hour\".");
        if (Quantiles != null)
        {
            WorkflowConfig.Require(Quantiles.Count > 0 && Quantiles.All(q => q is > 0 and < 1), "forecasting.quantiles", "each level must be in (0, 1), e.g. [0.1, 0.5, 0.9].");
            WorkflowConfig.Require(Quantiles.Zip(Quantiles.Skip(1)).All(p => p.First < p.Second), "forecasting.quantiles", "levels must be increasing.");
        }
    }
}

/// <summary>Task anomaly: the columns the detector reads, and the labels that score it.</summary>
internal sealed class AnomalyConfig
{
    /// <summary>The number column whose points are scored.</summary>
    public string ValueColumn { get; set; } = "";

    /// <summary>An optional date column: the plots' axis, and what <see cref="Windows"/> are written in.</summary>
    public string? TimeColumn { get; set; }

    /// <summary>An optional text column naming the series (several series in one file, each with its own state).</summary>
    public string? SeriesColumn { get; set; }

    /// <summary>An optional labelled column (boolean, or 0/1): anomalous points, for the metrics.</summary>
    public string? LabelColumn { get; set; }

    /// <summary>Optional labelled anomaly windows, each [first, last] time (NAB's combined_windows.json format), for the metrics.</summary>
    public List<List<string>>? Windows { get; set; }

    /// <summary>The windows as times.</summary>
    internal List<(DateTime First, DateTime Last)> WindowTimes() => (Windows ?? new List<List<string>>())
        .Select(w => (DateTime.Parse(w[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
            DateTime.Parse(w[1], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal))).ToList();

    internal void Validate(WorkflowConfig config)
    {
        var columns = config.Data.Columns!;
        string Known() => string.Join(", ", columns.Select(c => c.Name));
        string? TypeOf(string name) => columns.FirstOrDefault(c => c.Name == name)?.Type;
        WorkflowConfig.Require(!string.IsNullOrWhiteSpace(ValueColumn), "anomaly.valueColumn", $"required: the number column to score (one of {Known()}).");
        WorkflowConfig.Require(TypeOf(ValueColumn) == "number", "anomaly.valueColumn",
            TypeOf(ValueColumn) == null ? $"'{ValueColumn}' is not a column of data.columns ({Known()})." : $"column '{ValueColumn}' must have type 'number'; it is '{TypeOf(ValueColumn)}'.");
        if (TimeColumn != null)
            WorkflowConfig.Require(TypeOf(TimeColumn) == "date", "anomaly.timeColumn",
                TypeOf(TimeColumn) == null ? $"'{TimeColumn}' is not a column of data.columns ({Known()})." : $"column '{TimeColumn}' must have type 'date'; it is '{TypeOf(TimeColumn)}'.");
        if (SeriesColumn != null)
            WorkflowConfig.Require(TypeOf(SeriesColumn) == "text", "anomaly.seriesColumn",
                TypeOf(SeriesColumn) == null ? $"'{SeriesColumn}' is not a column of data.columns ({Known()})." : $"column '{SeriesColumn}' must have type 'text'; it is '{TypeOf(SeriesColumn)}'.");
        if (LabelColumn != null)
            WorkflowConfig.Require(TypeOf(LabelColumn) is "boolean" or "number", "anomaly.labelColumn",
                TypeOf(LabelColumn) == null ? $"'{LabelColumn}' is not a column of data.columns ({Known()})." : $"column '{LabelColumn}' must be boolean (or 0/1 numbers); it is '{TypeOf(LabelColumn)}'.");
        WorkflowConfig.Require(LabelColumn == null || Windows == null, "anomaly.windows", "give either labelColumn or windows, not both.");
        if (Windows != null)
        {
            WorkflowConfig.Require(TimeColumn != null, "anomaly.windows", "are written in times: set anomaly.timeColumn.");
            WorkflowConfig.Require(SeriesColumn == null, "anomaly.windows", "label one series; with several (anomaly.seriesColumn), give a labelColumn.");
            for (int i = 0; i < Windows.Count; i++)
            {
                WorkflowConfig.Require(Windows[i] is { Count: 2 }, $"anomaly.windows[{i}]", "must be [first, last]: two times.");
                foreach (var t in Windows[i])
                    WorkflowConfig.Require(DateTime.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _), $"anomaly.windows[{i}]", $"'{t}' is not a time (e.g. 2013-12-10 06:25:00).");
                DateTime.TryParse(Windows[i][0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var first);
                DateTime.TryParse(Windows[i][1], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var last);
                WorkflowConfig.Require(first <= last, $"anomaly.windows[{i}]", "must start before it ends.");
            }
        }
    }
}

/// <summary>Tagging: which CoNLL fields hold the token and the tag, and how tags mark chunks.</summary>
internal sealed class TaggingConfig
{
    /// <summary>The field of each line holding the token (from 0).</summary>
    public int TokenField { get; set; }

    /// <summary>The field holding the tag (from 0; −1 for the last).</summary>
    public int TagField { get; set; } = -1;

    /// <summary>plain (no chunks: part of speech), iob1, iob2, ioe1, ioe2 or iobes (entity metrics by chunk).</summary>
    public string Scheme { get; set; } = "plain";

    /// <summary>With a CRF trainer and scheme iob2 or iobes: rule out the scheme's invalid transitions.</summary>
    public bool ConstrainTransitions { get; set; }

    internal static readonly string[] Schemes = { "plain", "iob1", "iob2", "ioe1", "ioe2", "iobes" };

    [JsonIgnore]
    public MLNet.Sequence.Tagging.TaggingScheme SchemeKind => Enum.Parse<MLNet.Sequence.Tagging.TaggingScheme>(Scheme, ignoreCase: true);

    internal void Validate()
    {
        WorkflowConfig.Require(TokenField >= 0, "tagging.tokenField", $"must be 0 or more; it was {TokenField}.");
        WorkflowConfig.Require(TagField >= -1, "tagging.tagField", $"must be a field number, or -1 for the last; it was {TagField}.");
        WorkflowConfig.Require(TagField != TokenField, "tagging.tagField", "must differ from tagging.tokenField.");
        WorkflowConfig.Require(Schemes.Contains(Scheme), "tagging.scheme", $"must be one of {string.Join(", ", Schemes)}; it was '{Scheme}'.");
        WorkflowConfig.Require(!ConstrainTransitions || Scheme is "iob2" or "iobes", "tagging.constrainTransitions", $"needs scheme iob2 or iobes; it is '{Scheme}'.");
    }
}

/// <summary>Task seq2seq: how the source and target texts become token sequences.</summary>
internal sealed class Seq2SeqConfig
{
    /// <summary>characters (default: every character a token, e.g. a word's letters) or words (split at spaces, case kept).</summary>
    public string SourceTokens { get; set; } = "characters";

    /// <summary>words (default: split at spaces, case kept, e.g. "K AE T") or characters.</summary>
    public string TargetTokens { get; set; } = "words";

    internal void Validate()
    {
        WorkflowConfig.Require(SourceTokens is "characters" or "words", "seq2seq.sourceTokens", $"must be characters or words; it was '{SourceTokens}'.");
        WorkflowConfig.Require(TargetTokens is "characters" or "words", "seq2seq.targetTokens", $"must be characters or words; it was '{TargetTokens}'.");
    }
}

/// <summary>Task recommendation: which columns hold the events' user, item and time.</summary>
internal sealed class RecommendationConfig
{
    /// <summary>The column naming the user (any type).</summary>
    public string UserColumn { get; set; } = "";

    /// <summary>The column naming the item (text or number; its text is the item's id).</summary>
    public string ItemColumn { get; set; } = "";

    /// <summary>The column ordering each user's events (number or date); equal times are ordered by item id.</summary>
    public string TimeColumn { get; set; } = "";

    /// <summary>Items recommended per user, and the k of hit rate@k and NDCG@k. Default 10.</summary>
    public int NumberOfRecommendations { get; set; } = 10;

    /// <summary>Train on each user's latest this many events (shorter epochs); null (default) for whole histories.</summary>
    public int? MaximumTrainingHistory { get; set; }

    internal void Validate(WorkflowConfig config)
    {
        var columns = config.Data.Columns!;
        string Known() => string.Join(", ", columns.Select(c => c.Name));
        foreach (var (name, field) in new[] { (UserColumn, "recommendation.userColumn"), (ItemColumn, "recommendation.itemColumn"), (TimeColumn, "recommendation.timeColumn") })
        {
            WorkflowConfig.Require(!string.IsNullOrWhiteSpace(name), field, $"required (one of {Known()}).");
            WorkflowConfig.Require(columns.Any(c => c.Name == name), field, $"'{name}' is not a column of data.columns ({Known()}).");
        }
        WorkflowConfig.Require(new[] { UserColumn, ItemColumn, TimeColumn }.Distinct().Count() == 3, "recommendation", "userColumn, itemColumn and timeColumn must be three different columns.");
        var itemType = columns.First(c => c.Name == ItemColumn).Type;
        WorkflowConfig.Require(itemType is "text" or "number", "recommendation.itemColumn", $"column '{ItemColumn}' must have type text or number (an item id); it is '{itemType}'.");
        var timeType = columns.First(c => c.Name == TimeColumn).Type;
        WorkflowConfig.Require(timeType is "number" or "date", "recommendation.timeColumn", $"column '{TimeColumn}' must have type number or date; it is '{timeType}'.");
        WorkflowConfig.Require(NumberOfRecommendations >= 1, "recommendation.numberOfRecommendations", $"must be at least 1; it was {NumberOfRecommendations}.");
        WorkflowConfig.Require(MaximumTrainingHistory is null or >= 2, "recommendation.maximumTrainingHistory", $"must be at least 2, or null for whole histories; it was {MaximumTrainingHistory}.");
    }
}

/// <summary>Task generation: the tokens of the text, the prompts train continues, and the sampling settings.</summary>
internal sealed class GenerationConfig
{
    /// <summary>characters (default: every character a token) or words (split at spaces, case kept).</summary>
    public string Tokens { get; set; } = "characters";

    /// <summary>Texts that train continues after training (written to samples.txt); none by default.</summary>
    public List<string>? Prompts { get; set; }

    /// <summary>The most tokens generated per prompt. Default 100.</summary>
    public int MaximumLength { get; set; } = 100;

    /// <summary>Sampling temperature: 0 is greedy, below 1 sharper, above 1 flatter. Default 1.</summary>
    public double Temperature { get; set; } = 1.0;

    /// <summary>Sample among the k likeliest tokens only (0 = all). Default 0.</summary>
    public int TopK { get; set; }

    /// <summary>Nucleus sampling: among the likeliest tokens whose probabilities sum to p (1 = all). Default 1.</summary>
    public double TopP { get; set; } = 1.0;

    /// <summary>A token that ends a generation (left out of the text); null for none.</summary>
    public string? StopElement { get; set; }

    internal void Validate()
    {
        WorkflowConfig.Require(Tokens is "characters" or "words", "generation.tokens", $"must be characters or words; it was '{Tokens}'.");
        WorkflowConfig.Require(MaximumLength >= 1, "generation.maximumLength", $"must be at least 1; it was {MaximumLength}.");
        WorkflowConfig.Require(Temperature >= 0 && double.IsFinite(Temperature), "generation.temperature", $"must be 0 (greedy) or more; it was {Temperature.ToString(CultureInfo.InvariantCulture)}.");
        WorkflowConfig.Require(TopK >= 0, "generation.topK", $"must be 0 (all) or more; it was {TopK}.");
        WorkflowConfig.Require(TopP is > 0 and <= 1, "generation.topP", $"must be in (0, 1]; it was {TopP.ToString(CultureInfo.InvariantCulture)}.");
        WorkflowConfig.Require(StopElement is null || (Tokens == "characters" ? StopElement.Length == 1 : StopElement.Length > 0 && !StopElement.Contains(' ')),
            "generation.stopElement", Tokens == "characters" ? $"must be one character (the tokens are characters), or null for none; it was '{StopElement}'." : $"must be one word (no spaces), or null for none; it was '{StopElement}'.");
        if (Prompts != null)
            for (int i = 0; i < Prompts.Count; i++)
                WorkflowConfig.Require(Tokens == "characters" ? !string.IsNullOrEmpty(Prompts[i]) : !string.IsNullOrWhiteSpace(Prompts[i]), $"generation.prompts[{i}]",
                    Tokens == "characters" ? "is empty; give the text to continue." : "holds no word; give the text to continue.");
    }
}

/// <summary>Task speech: recordings to frames (LoadAudio, ExtractAudioFeatures, PadSequences with a mask).</summary>
internal sealed class AudioConfig
{
    /// <summary>Recordings are read at this rate in Hz (others resampled). Default 16000.</summary>
    public int SampleRate { get; set; } = 16000;

    /// <summary>mfcc (13 coefficients of 40 mel bands; default) or logmel (40 bands), over 25 ms frames every 10 ms.</summary>
    public string Features { get; set; } = "mfcc";

    /// <summary>0 (default): the features only; 1: with deltas; 2: with deltas and delta-deltas.</summary>
    public int DeltaOrder { get; set; }

    /// <summary>Recordings are padded or cut to this percentile of the training recordings' frame counts. Default 98.</summary>
    public double LengthPercentile { get; set; } = 98;

    [JsonIgnore]
    public MLNet.Sequence.Transforms.Audio.AudioFeatureKind Kind => Features == "logmel" ? MLNet.Sequence.Transforms.Audio.AudioFeatureKind.LogMel : MLNet.Sequence.Transforms.Audio.AudioFeatureKind.Mfcc;

    internal void Validate()
    {
        WorkflowConfig.Require(SampleRate is >= 1000 and <= 384000, "audio.sampleRate", $"must be between 1000 and 384000 Hz; it was {SampleRate}.");
        WorkflowConfig.Require(Features is "mfcc" or "logmel", "audio.features", $"must be mfcc or logmel; it was '{Features}'.");
        WorkflowConfig.Require(DeltaOrder is >= 0 and <= 2, "audio.deltaOrder", $"must be 0, 1 or 2; it was {DeltaOrder}.");
        WorkflowConfig.Require(LengthPercentile is > 0 and <= 100, "audio.lengthPercentile", $"must be in (0, 100]; it was {LengthPercentile.ToString(CultureInfo.InvariantCulture)}.");
    }
}

/// <summary>One trainer: its family and any of its options by their C# names (LstmOptions, GruOptions, ...).</summary>
internal sealed class TrainerConfig
{
    /// <summary>lstm, gru, transformer, cnn, or (forecasting only) nbeats or deepar.</summary>
    public string Family { get; set; } = "lstm";

    /// <summary>Options by name, e.g. { "HiddenSize": 64, "Pooling": "Max", "NumberOfEpochs": 5 }.</summary>
    public JsonObject? Options { get; set; }

    internal static readonly string[] Families = { "lstm", "gru", "transformer", "cnn" };

    /// <summary>Tasks seq2seq, recommendation and generation: the recurrent and Transformer families (no CNN).</summary>
    internal static readonly string[] SequenceToSequenceFamilies = { "lstm", "gru", "transformer" };

    /// <summary>Task anomaly: the detection methods.</summary>
    internal static readonly string[] AnomalyMethods = { "forecastResidual", "reconstruction", "windowedGaussian" };

    /// <summary>The families a task can use: N-BEATS and DeepAR forecast only; anomaly detection names its method.</summary>
    internal static string[] FamiliesFor(WorkflowTask task) => task switch
    {
        WorkflowTask.Forecasting => Families.Append("nbeats").Append("deepar").ToArray(),
        WorkflowTask.Anomaly => AnomalyMethods,
        WorkflowTask.SequenceToSequence or WorkflowTask.Recommendation or WorkflowTask.Generation => SequenceToSequenceFamilies,
        _ => Families,
    };

    /// <summary>
    /// The families a sweep can search (DeepAR has its own options, outside the sequence trainers' search space); for
    /// anomaly detection the methods with a network (the windowed Gaussian has nothing to tune).
    /// </summary>
    internal static string[] SweepableFor(WorkflowTask task) => FamiliesFor(task).Where(f => f is not ("deepar" or "windowedGaussian")).ToArray();

    internal void Validate(WorkflowTask task)
    {
        WorkflowConfig.Require(Family is not ("nbeats" or "deepar") || task == WorkflowTask.Forecasting, "trainer.family", $"{Family} is a forecasting model; use it with task \"forecasting\", or pick lstm, gru, transformer or cnn.");
        WorkflowConfig.Require(FamiliesFor(task).Contains(Family), "trainer.family", $"must be one of {string.Join(", ", FamiliesFor(task))}; it was '{Family}'.");
        if (task == WorkflowTask.Tagging)
            TrainerOptionsBinder.Tagger(Family, Options, "trainer.options");
        else if (task == WorkflowTask.Anomaly)
            TrainerOptionsBinder.Anomaly(Family, Options, "trainer.options");
        else if (task == WorkflowTask.SequenceToSequence)
            TrainerOptionsBinder.SequenceToSequence(Family, Options, "trainer.options");
        else if (task is WorkflowTask.Recommendation or WorkflowTask.Generation)
            TrainerOptionsBinder.NextElement(Family, Options, "trainer.options");
        else if (Family == "deepar")
            TrainerOptionsBinder.DeepAr(Options, "trainer.options");   // binds once to report bad options now
        else
            TrainerOptionsBinder.Create(Family, Options, "trainer.options");
    }
}

/// <summary>A sweep instead of one trainer.</summary>
internal sealed class SweepConfig
{
    /// <summary>Wall-clock budget in minutes.</summary>
    public double? Minutes { get; set; }

    /// <summary>Trial budget; with <see cref="Minutes"/> the first reached ends the sweep.</summary>
    public int? MaximumTrials { get; set; }

    /// <summary>tpe (default), random or grid.</summary>
    public string Tuner { get; set; } = "tpe";

    /// <summary>
    /// The metric trials are ranked by: accuracy, auc, f1 (binary); macroAccuracy, microAccuracy, logLoss (multiclass);
    /// rmse, mae, rSquared (regression); smape, mase, mae, rmse (forecasting); tokenAccuracy, macroF1, entityF1 (tagging);
    /// auc, nabStandard (anomaly).
    /// Default: the task's first.
    /// </summary>
    public string? Metric { get; set; }

    /// <summary>The families to compare; default all four (anomaly: the methods forecastResidual and reconstruction, each with every encoder).</summary>
    public List<string>? Families { get; set; }

    /// <summary>Epochs of a trial that survives every successive-halving rung.</summary>
    public int MaximumEpochs { get; set; } = 15;

    /// <summary>Score trials by k-fold cross-validation instead of one validation split (0: off).</summary>
    public int CrossValidationFolds { get; set; }

    /// <summary>Classification and regression: up to N trials, picked by ensemble selection, each refit on all training rows and averaged (1: the best alone).</summary>
    public int EnsembleSize { get; set; } = 1;

    /// <summary>Classification and regression: each configuration of the returned model refit this many times with different seeds and averaged (1: once).</summary>
    public int RefitSeeds { get; set; } = 1;

    internal static readonly Dictionary<WorkflowTask, (string Name, SweepMetric Metric)[]> Metrics = new()
    {
        [WorkflowTask.Binary] = new[] { ("accuracy", SweepMetric.Accuracy), ("auc", SweepMetric.AreaUnderRocCurve), ("f1", SweepMetric.F1Score) },
        [WorkflowTask.Multiclass] = new[] { ("macroAccuracy", SweepMetric.MacroAccuracy), ("microAccuracy", SweepMetric.MicroAccuracy), ("logLoss", SweepMetric.LogLoss) },
        [WorkflowTask.Regression] = new[] { ("rmse", SweepMetric.RootMeanSquaredError), ("mae", SweepMetric.MeanAbsoluteError), ("rSquared", SweepMetric.RSquared) },
        [WorkflowTask.Tagging] = new[] { ("tokenAccuracy", SweepMetric.TokenAccuracy), ("macroF1", SweepMetric.TagMacroF1), ("entityF1", SweepMetric.EntityF1) },
        [WorkflowTask.Anomaly] = new[] { ("auc", SweepMetric.AreaUnderRocCurve), ("nabStandard", SweepMetric.NabStandard) },
        [WorkflowTask.Forecasting] = new[] { ("smape", SweepMetric.SymmetricMeanAbsolutePercentageError), ("mase", SweepMetric.MeanAbsoluteScaledError), ("mae", SweepMetric.MeanAbsoluteError), ("rmse", SweepMetric.RootMeanSquaredError) },
    };

    internal SweepMetric MetricFor(WorkflowTask task)
    {
        var all = Metrics[task];
        return Metric == null ? all[0].Metric : all.First(m => m.Name == Metric).Metric;
    }

    internal void Validate(WorkflowTask task)
    {
        WorkflowConfig.Require(Minutes != null || MaximumTrials != null, "sweep", "needs a budget: 'minutes', 'maximumTrials' or both.");
        WorkflowConfig.Require(Minutes is null or > 0, "sweep.minutes", $"must be positive; it was {Minutes?.ToString(CultureInfo.InvariantCulture)}.");
        WorkflowConfig.Require(MaximumTrials is null or >= 1, "sweep.maximumTrials", $"must be at least 1; it was {MaximumTrials}.");
        WorkflowConfig.Require(Tuner is "tpe" or "random" or "grid", "sweep.tuner", $"must be tpe, random or grid; it was '{Tuner}'.");
        var names = Metrics[task].Select(m => m.Name).ToArray();
        WorkflowConfig.Require(Metric == null || names.Contains(Metric), "sweep.metric", $"for task '{task.ToString().ToLowerInvariant()}' must be one of {string.Join(", ", names)}; it was '{Metric}'.");
        if (Families != null)
        {
            WorkflowConfig.Require(Families.Count > 0, "sweep.families", "must name at least one family, or be left out for all four.");
            WorkflowConfig.Require(Families.Distinct().Count() == Families.Count, "sweep.families", $"names a family twice: {string.Join(", ", Families)}.");
            foreach (var f in Families)
                WorkflowConfig.Require(TrainerConfig.SweepableFor(task).Contains(f), "sweep.families", $"'{f}' is not one of {string.Join(", ", TrainerConfig.SweepableFor(task))}" + (f == "deepar" ? " (DeepAR is trained with a trainer section, not swept)." : "."));
        }
        WorkflowConfig.Require(MaximumEpochs >= 1, "sweep.maximumEpochs", $"must be at least 1; it was {MaximumEpochs}.");
        WorkflowConfig.Require(CrossValidationFolds == 0 || CrossValidationFolds >= 2, "sweep.crossValidationFolds", $"must be 0 (off) or at least 2; it was {CrossValidationFolds}.");
        WorkflowConfig.Require(EnsembleSize >= 1, "sweep.ensembleSize", $"must be at least 1 (the best model alone); it was {EnsembleSize}.");
        WorkflowConfig.Require(EnsembleSize == 1 || task is WorkflowTask.Binary or WorkflowTask.Multiclass or WorkflowTask.Regression, "sweep.ensembleSize",
            $"averages classifiers and regressors only; task '{task.ToString().ToLowerInvariant()}' refits its best trial alone.");
        WorkflowConfig.Require(RefitSeeds >= 1, "sweep.refitSeeds", $"must be at least 1 (one refit per configuration); it was {RefitSeeds}.");
        WorkflowConfig.Require(RefitSeeds == 1 || task is WorkflowTask.Binary or WorkflowTask.Multiclass or WorkflowTask.Regression, "sweep.refitSeeds",
            $"averages classifiers and regressors only; task '{task.ToString().ToLowerInvariant()}' refits its best trial once.");
        WorkflowConfig.Require(task != WorkflowTask.Forecasting || CrossValidationFolds == 0, "sweep.crossValidationFolds", "does not apply to forecasting (trials are scored by a rolling-origin backtest).");
        WorkflowConfig.Require(task != WorkflowTask.Anomaly || CrossValidationFolds == 0, "sweep.crossValidationFolds", "does not apply to anomaly detection (every trial scores each series after its probation).");
    }
}

/// <summary>How the test set is made when there is no data.testPath.</summary>
internal sealed class SplitConfig
{
    /// <summary>Classification and regression: the share of rows held out for testing (a seeded random split); default 0.2.</summary>
    public double? TestFraction { get; set; }

    [JsonIgnore]
    public double EffectiveTestFraction => TestFraction ?? 0.2;

    /// <summary>Forecasting: the last steps of each series held out for testing; default the horizon.</summary>
    public int? TestSteps { get; set; }

    /// <summary>Classification and regression: the share of training rows the trainer validates on each epoch (default none).</summary>
    public double? ValidationFraction { get; set; }

    /// <summary>
    /// Classification and regression, one trainer: k ≥ 2 scores the pipeline by k-fold cross-validation (the mean and
    /// standard deviation over folds, instead of one test split), then trains the saved model on every row.
    /// </summary>
    public int? CrossValidationFolds { get; set; }

    internal void Validate(WorkflowConfig config)
    {
        WorkflowConfig.Require(TestFraction is null or (> 0 and < 1), "split.testFraction", $"must be in (0, 1); it was {TestFraction?.ToString(CultureInfo.InvariantCulture)}.");
        WorkflowConfig.Require(ValidationFraction is null or (>= 0 and < 1), "split.validationFraction", $"must be in [0, 1); it was {ValidationFraction?.ToString(CultureInfo.InvariantCulture)}.");
        if (config.TaskKind == WorkflowTask.Forecasting)
        {
            WorkflowConfig.Require(TestSteps is null or >= 1, "split.testSteps", $"must be at least 1; it was {TestSteps}.");
            WorkflowConfig.Require(TestFraction == null && ValidationFraction == null && CrossValidationFolds == null,
                TestFraction != null ? "split.testFraction" : ValidationFraction != null ? "split.validationFraction" : "split.crossValidationFolds",
                "does not apply to forecasting; use split.testSteps (the last steps of each series held out).");
        }
        else
        {
            WorkflowConfig.Require(TestSteps == null, "split.testSteps", "only applies to forecasting; use split.testFraction.");
            WorkflowConfig.Require(CrossValidationFolds is null or (>= 2 and <= 20), "split.crossValidationFolds", $"must be between 2 and 20; it was {CrossValidationFolds}.");
            WorkflowConfig.Require(CrossValidationFolds == null || TestFraction == null, "split.crossValidationFolds", "give either crossValidationFolds or testFraction, not both.");
            WorkflowConfig.Require(CrossValidationFolds == null || config.Data.TestPath == null, "split.crossValidationFolds", "does not combine with data.testPath (the folds are the test sets).");
            WorkflowConfig.Require(CrossValidationFolds == null || config.Sweep == null, "split.crossValidationFolds", "a sweep cross-validates its trials with sweep.crossValidationFolds.");
        }
    }
}

/// <summary>A config problem, with the field it concerns (e.g. <c>data.columns[2].type</c>).</summary>
internal sealed class ConfigException : Exception
{
    public ConfigException(string field, string message) : base($"{field}: {message}") => Field = field;

    public string Field { get; }
}
