using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using MLNet.Sequence.Cli.Config;
using MLNet.Sequence.Cli.Data;

namespace MLNet.Sequence.Cli.Workflow;

/// <summary>
/// init: a config inferred from a data file and a task. Column types come from the values; the label, input and
/// time columns from their names and types unless given; preprocessing and the trainer from the input's shape
/// (symbol strings such as DNA get one-hot steps and a position-keeping LSTM; sentences get words and a CNN with max
/// pooling; series get the forecasting recipe). Everything it chose is written out, so the file is the documentation.
/// </summary>
internal static class ConfigInference
{
    public sealed class Request
    {
        public string DataPath { get; set; } = "";
        public string Task { get; set; } = "";
        public string? Label { get; set; }
        public string? Input { get; set; }
        public string? TimeColumn { get; set; }
        public List<string>? ValueColumns { get; set; }
        public int? Horizon { get; set; }
        public bool HasHeader { get; set; } = true;
        public string? Separator { get; set; }
        /// <summary>The config file to write; paths inside it are made relative to its folder.</summary>
        public string ConfigPath { get; set; } = "";
    }

    /// <summary>The JSON schema init writes next to the config (editors complete and check fields with it).</summary>
    public const string SchemaFileName = "mlnet-sequence.schema.json";

    /// <summary>The schema's text (embedded in the tool).</summary>
    public static string SchemaText()
    {
        using var stream = typeof(ConfigInference).Assembly.GetManifestResourceStream(SchemaFileName)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static WorkflowConfig Infer(Request r)
    {
        var dataPath = Path.GetFullPath(r.DataPath);
        if (!File.Exists(dataPath))
            throw new DataException("--data", $"no file at '{dataPath}'.");
        if (r.Task == "tagging")
            return InferTagging(dataPath, r);
        string separator = r.Separator ?? GuessSeparator(dataPath);
        char sep = separator is "\t" or "tab" ? '\t' : separator[0];
        var file = DelimitedFile.Read(dataPath, sep, r.HasHeader, null, "--data");
        var columns = file.Header.Select((h, i) => new ColumnConfig { Name = h, Type = file.InferType(i) }).ToList();
        var configDir = Path.GetDirectoryName(Path.GetFullPath(r.ConfigPath))!;
        var config = new WorkflowConfig
        {
            Schema = SchemaFileName,
            Version = WorkflowConfig.CurrentVersion,
            Task = r.Task,
            Data = new DataConfig { Path = Path.GetRelativePath(configDir, dataPath).Replace('\\', '/'), Separator = separator == "\t" ? "\t" : separator, HasHeader = r.HasHeader, Columns = columns },
            Seed = 1,
            Output = Path.GetFileNameWithoutExtension(r.ConfigPath) + "-output",
            BaseDirectory = configDir,
        };
        if (r.Task == "forecasting")
            InferForecasting(config, file, r);
        else if (r.Task == "speech")
            InferSpeech(config, file, r);
        else if (r.Task == "anomaly")
            InferAnomaly(config, r);
        else if (r.Task == "seq2seq")
            InferSeq2Seq(config, file, r);
        else if (r.Task == "recommendation")
            InferRecommendation(config, r);
        else if (r.Task == "generation")
            InferGeneration(config, file, r);
        else
            InferTabular(config, file, r);
        config.Validate();
        return config;
    }

    /// <summary>
    /// Tagging: a CoNLL file (one token per line, fields apart by tabs or spaces, blank lines between sentences). The token
    /// is the first field and the tag the last; the scheme is read from the tags (B-/I-/E-/S- prefixes make IOBES, B-
    /// and I- IOB2, or IOB1 when an I- chunk starts without a B-; otherwise plain tags); a BiLSTM tagger with character
    /// features, and a CRF constrained to the scheme's transitions when the tags mark chunks.
    /// </summary>
    private static WorkflowConfig InferTagging(string dataPath, Request r)
    {
        if (r.Label != null || r.Input != null || r.TimeColumn != null || r.ValueColumns != null || r.Horizon != null)
            throw new ConfigException("--task", "tagging reads tokens and tags from the CoNLL fields; --label, --input, --time, --value and --horizon do not apply.");
        int fields = -1, sentences = 0, lineNumber = 0;
        var tags = new HashSet<string>(StringComparer.Ordinal);
        bool inSentence = false, iob1 = false;
        string previous = "O";
        foreach (var line in File.ReadLines(dataPath))
        {
            lineNumber++;
            var parts = line.Split(new[] { '\t', ' ' }, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || parts[0] == "-DOCSTART-")
            {
                inSentence = false;
                previous = "O";
                continue;
            }
            if (parts.Length < 2)
                throw new DataException("--data", $"line {lineNumber} has one field; a CoNLL file for tagging has a token and a tag on each line (blank lines between sentences).");
            fields = fields < 0 ? parts.Length : Math.Min(fields, parts.Length);
            if (!inSentence)
                sentences++;
            inSentence = true;
            var tag = parts[^1];
            tags.Add(tag);
            if (tag.StartsWith("I-", StringComparison.Ordinal) && !(previous.Length > 2 && previous[2..] == tag[2..] && previous[1] == '-'))
                iob1 = true;
            previous = tag;
        }
        if (sentences == 0)
            throw new DataException("--data", $"'{dataPath}' holds no sentence: expected one token and its tag per line, blank lines between sentences.");
        bool chunks = tags.All(t => t == "O" || (t.Length > 2 && t[1] == '-' && "BIES".Contains(t[0])));
        string scheme = !chunks ? "plain"
            : tags.Any(t => t.StartsWith("E-", StringComparison.Ordinal) || t.StartsWith("S-", StringComparison.Ordinal)) ? "iobes"
            : iob1 ? "iob1" : "iob2";
        var configDir = Path.GetDirectoryName(Path.GetFullPath(r.ConfigPath))!;
        var config = new WorkflowConfig
        {
            Schema = SchemaFileName,
            Version = WorkflowConfig.CurrentVersion,
            Task = "tagging",
            Data = new DataConfig { Path = Path.GetRelativePath(configDir, dataPath).Replace('\\', '/'), Format = "conll" },
            Tagging = new TaggingConfig { TokenField = 0, TagField = -1, Scheme = scheme, ConstrainTransitions = scheme is "iob2" or "iobes" },
            Trainer = new TrainerConfig { Family = "lstm", Options = scheme is "iob2" or "iobes" or "iob1" ? new JsonObject { ["UseCrf"] = true } : new JsonObject() },
            Seed = 1,
            Output = Path.GetFileNameWithoutExtension(r.ConfigPath) + "-output",
            BaseDirectory = configDir,
        };
        config.Validate();
        return config;
    }

    private static string GuessSeparator(string path)
    {
        if (path.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase))
            return "\t";
        var first = File.ReadLines(path).FirstOrDefault() ?? "";
        return new[] { "\t", ";", "|", "," }.OrderByDescending(s => first.Split(s[0]).Length).First();
    }

    private static string? Named(IEnumerable<ColumnConfig> columns, params string[] names) =>
        columns.FirstOrDefault(c => names.Contains(c.Name.ToLowerInvariant()))?.Name;

    /// <summary>
    /// Seq2seq: the first two text columns are source (input) and target (label) unless named; each splits into words
    /// when most of its values hold a space, else into characters; a GRU encoder-decoder, a tenth of the sources held out.
    /// </summary>
    private static void InferSeq2Seq(WorkflowConfig config, DelimitedFile file, Request r)
    {
        var columns = config.Data.Columns!;
        if (r.TimeColumn != null || r.ValueColumns != null || r.Horizon != null)
            throw new ConfigException("--task", "seq2seq reads a source and a target text column (--input, --label); --time, --value and --horizon do not apply.");
        foreach (var c in columns.Where(c => c.Name == r.Input || c.Name == r.Label))
            c.Type = "text";
        var text = columns.Where(c => c.Type == "text").Select(c => c.Name).ToList();
        config.Input = r.Input ?? text.FirstOrDefault(n => n != r.Label)
            ?? throw new ConfigException("input", $"found no text column to read as the source; pass --input (columns: {string.Join(", ", columns.Select(c => c.Name))}).");
        config.Label = r.Label ?? text.FirstOrDefault(n => n != config.Input)
            ?? throw new ConfigException("label", $"found no second text column to learn as the target; pass --label (columns: {string.Join(", ", columns.Select(c => c.Name))}).");
        string Tokens(string column)
        {
            int index = file.IndexOf(column, "--data");
            return file.Rows.Count(row => row[index].Trim().Contains(' ')) * 2 > file.Rows.Count ? "words" : "characters";
        }
        config.Seq2Seq = new Seq2SeqConfig { SourceTokens = Tokens(config.Input), TargetTokens = Tokens(config.Label) };
        config.Trainer = new TrainerConfig { Family = "gru", Options = new JsonObject { ["NumberOfEpochs"] = 10 } };
        config.Split = new SplitConfig { TestFraction = 0.1 };
    }

    /// <summary>
    /// Recommendation: the user column is --label's or the one named like a user, the item column --input's or the one
    /// named like an item, the time column --time's or the first date (or time-named number) column; a GRU next-item model.
    /// </summary>
    private static void InferRecommendation(WorkflowConfig config, Request r)
    {
        var columns = config.Data.Columns!;
        string Columns() => string.Join(", ", columns.Select(c => c.Name));
        // Keywords in priority order; among the columns a keyword matches, an id column ("movieId", "itemid") first.
        string? Like(params string[] words) => words.Select(w => columns.Where(c => c.Name.Contains(w, StringComparison.OrdinalIgnoreCase))
                .OrderByDescending(c => c.Name.EndsWith("id", StringComparison.OrdinalIgnoreCase)).FirstOrDefault()?.Name)
            .FirstOrDefault(n => n != null);
        var user = r.Label ?? Like("user", "customer", "session", "visitor")
            ?? throw new ConfigException("label", $"could not tell which column names the user; pass --label USER_COLUMN (columns: {Columns()}).");
        var item = r.Input ?? Like("item", "movie", "product", "song", "track", "page", "event")
            ?? throw new ConfigException("input", $"could not tell which column names the item; pass --input ITEM_COLUMN (columns: {Columns()}).");
        var time = r.TimeColumn ?? columns.FirstOrDefault(c => c.Type == "date")?.Name ?? Like("time", "date", "when")
            ?? throw new ConfigException("time", $"could not tell which column orders the events; pass --time (columns: {Columns()}).");
        // Ids are names, not quantities: a numeric user or item column is text to the model.
        foreach (var c in columns.Where(c => c.Name == user || c.Name == item))
            c.Type = "text";
        config.Recommendation = new RecommendationConfig { UserColumn = user, ItemColumn = item, TimeColumn = time };
        config.Trainer = new TrainerConfig { Family = "gru", Options = new JsonObject { ["NumberOfEpochs"] = 20 } };
    }

    /// <summary>
    /// Generation: the text column with the longest values (or --input) is the text; characters as tokens; a GRU
    /// language model; the first row's first two words as a prompt to continue.
    /// </summary>
    private static void InferGeneration(WorkflowConfig config, DelimitedFile file, Request r)
    {
        var columns = config.Data.Columns!;
        if (r.Label != null || r.TimeColumn != null || r.ValueColumns != null || r.Horizon != null)
            throw new ConfigException("--task", "generation learns one text column (--input); --label, --time, --value and --horizon do not apply.");
        config.Input = r.Input ?? columns.Where(c => c.Type == "text")
            .OrderByDescending(c => file.Rows.Average(row => row[Array.IndexOf(file.Header, c.Name)].Length)).FirstOrDefault()?.Name
            ?? throw new ConfigException("input", $"found no text column to learn; pass --input (columns: {string.Join(", ", columns.Select(c => c.Name))}).");
        foreach (var c in columns.Where(c => c.Name == config.Input))
            c.Type = "text";
        var first = file.Rows[0][file.IndexOf(config.Input, "--data")].Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(2);
        var prompt = string.Join(' ', first);
        config.Generation = new GenerationConfig { Prompts = prompt.Length > 0 ? new List<string> { prompt + " " } : null, Temperature = 0.8, TopP = 0.95, MaximumLength = 80 };
        config.Trainer = new TrainerConfig { Family = "gru", Options = new JsonObject { ["NumberOfEpochs"] = 8 } };
        config.Split = new SplitConfig { TestFraction = 0.2 };
    }

    private static void InferTabular(WorkflowConfig config, DelimitedFile file, Request r)
    {
        var columns = config.Data.Columns!;
        string wanted = config.Task switch { "binary" => "boolean", "regression" => "number", _ => "text" };
        config.Label = r.Label ?? Named(columns, "label", "target", "class", "y", "sentiment", "category")
            ?? columns.LastOrDefault(c => c.Type == wanted)?.Name
            ?? throw new ConfigException("label", $"could not tell which column is the label for task '{config.Task}'; pass --label (columns: {string.Join(", ", columns.Select(c => c.Name))}).");
        var labelColumn = columns.FirstOrDefault(c => c.Name == config.Label)
            ?? throw new ConfigException("label", $"'{config.Label}' is not a column of the file ({string.Join(", ", columns.Select(c => c.Name))}).");
        // A 0/1 label reads as boolean; multiclass and regression keep its numbers.
        if (config.Task != "binary" && labelColumn.Type == "boolean")
            labelColumn.Type = config.Task == "multiclass" ? "text" : "number";
        if (config.Task == "multiclass" && labelColumn.Type == "number")
            labelColumn.Type = "text";
        config.Input = r.Input ?? columns.Where(c => c.Type == "text" && c.Name != config.Label)
            .OrderByDescending(c => file.Rows.Average(row => row[Array.IndexOf(file.Header, c.Name)].Length)).FirstOrDefault()?.Name
            ?? throw new ConfigException("input", $"found no text column to read as a sequence; pass --input (columns: {string.Join(", ", columns.Select(c => c.Name))}).");
        var inputColumn = columns.FirstOrDefault(c => c.Name == config.Input)
            ?? throw new ConfigException("input", $"'{config.Input}' is not a column of the file ({string.Join(", ", columns.Select(c => c.Name))}).");
        inputColumn.Type = "text";
        int inputIndex = Array.IndexOf(file.Header, config.Input);
        var values = file.Rows.Select(row => row[inputIndex]).ToList();
        var symbols = values.SelectMany(v => v.ToUpperInvariant()).Distinct().OrderBy(c => c).ToArray();
        if (symbols.Length <= 8 && !symbols.Contains(' '))
        {
            // Strings of a few symbols (DNA, protein classes, event codes): one-hot steps, the full length, position kept.
            config.Preprocessing = new PreprocessingConfig { Tokenizer = "onehot", Alphabet = new string(symbols), PadLength = values.Max(v => v.Length), MinimumCount = 1 };
            config.Trainer = new TrainerConfig
            {
                Family = "lstm",
                Options = new JsonObject { ["HiddenSize"] = 32, ["Pooling"] = "Flatten", ["Dropout"] = 0.3, ["NumberOfEpochs"] = 10 },
            };
        }
        else
        {
            // Sentences: word ids, padded to the 95th percentile of the word count (a multiple of 8).
            var counts = values.Select(v => v.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries).Length).OrderBy(n => n).ToList();
            int p95 = counts[Math.Min(counts.Count - 1, (int)Math.Ceiling(0.95 * counts.Count) - 1)];
            config.Preprocessing = new PreprocessingConfig { Tokenizer = "words", MinimumCount = 2, PadLength = Math.Max(8, (p95 + 7) / 8 * 8) };
            config.Trainer = new TrainerConfig
            {
                Family = "cnn",
                Options = new JsonObject { ["Pooling"] = "Max", ["Dropout"] = 0.5 },
            };
        }
        config.Split = new SplitConfig { TestFraction = 0.2 };
    }

    /// <summary>
    /// Speech: the input is the text column whose values are WAV paths (most end in .wav), the label the class column;
    /// the sample rate is the first recording's, capped at 16 kHz; MFCC frames and a CNN with mean pooling.
    /// </summary>
    private static void InferSpeech(WorkflowConfig config, DelimitedFile file, Request r)
    {
        var columns = config.Data.Columns!;
        bool IsPaths(ColumnConfig c)
        {
            int i = Array.IndexOf(file.Header, c.Name);
            return file.Rows.Count > 0 && file.Rows.Count(row => row[i].EndsWith(".wav", StringComparison.OrdinalIgnoreCase)) * 2 > file.Rows.Count;
        }
        config.Input = r.Input ?? columns.FirstOrDefault(c => c.Type == "text" && IsPaths(c))?.Name
            ?? throw new ConfigException("input", $"found no column of WAV file paths (values ending in .wav); pass --input (columns: {string.Join(", ", columns.Select(c => c.Name))}).");
        var input = columns.FirstOrDefault(c => c.Name == config.Input)
            ?? throw new ConfigException("input", $"'{config.Input}' is not a column of the file ({string.Join(", ", columns.Select(c => c.Name))}).");
        input.Type = "text";
        config.Label = r.Label ?? Named(columns.Where(c => c.Name != config.Input), "label", "target", "class", "y", "digit", "word", "category")
            ?? columns.Where(c => c.Name != config.Input && c.Type is "text" or "number" or "boolean")
                .OrderBy(c => file.Rows.Select(row => row[Array.IndexOf(file.Header, c.Name)]).Distinct().Count()).FirstOrDefault()?.Name
            ?? throw new ConfigException("label", $"could not tell which column is the class; pass --label (columns: {string.Join(", ", columns.Select(c => c.Name))}).");
        var label = columns.FirstOrDefault(c => c.Name == config.Label)
            ?? throw new ConfigException("label", $"'{config.Label}' is not a column of the file ({string.Join(", ", columns.Select(c => c.Name))}).");
        label.Type = "text";
        // The first readable recording's rate, so nothing is resampled unless it is above 16 kHz.
        int rate = 16000;
        var first = file.WithAudioPathsResolved(config).Rows.Select(row => row[Array.IndexOf(file.Header, config.Input)]).FirstOrDefault(File.Exists);
        if (first != null)
        {
            try
            {
                using var reader = new NAudio.Wave.WaveFileReader(first);
                if (reader.WaveFormat.SampleRate is int r0 and >= 1000 and <= 384000)
                    rate = Math.Min(r0, 16000);
            }
            catch (Exception e) when (e is FormatException or EndOfStreamException or InvalidDataException or ArgumentException)
            {
                // Not readable here; train reports it with the row.
            }
        }
        config.Audio = new AudioConfig { SampleRate = rate, Features = "mfcc" };
        config.Trainer = new TrainerConfig { Family = "cnn", Options = new JsonObject { ["Pooling"] = "Mean" } };
        config.Split = new SplitConfig { TestFraction = 0.2 };
    }

    /// <summary>
    /// Anomaly detection: the time is the first date column, the value the first number column (or --value), a label
    /// the boolean column or --label; the forecast-residual detector at its defaults (NAB's probationary period).
    /// </summary>
    private static void InferAnomaly(WorkflowConfig config, Request r)
    {
        var columns = config.Data.Columns!;
        string Known() => string.Join(", ", columns.Select(c => c.Name));
        ColumnConfig Column(string name, string field) => columns.FirstOrDefault(c => c.Name == name) ?? throw new ConfigException(field, $"'{name}' is not a column of the file ({Known()}).");
        var time = r.TimeColumn ?? columns.FirstOrDefault(c => c.Type == "date")?.Name;
        var label = r.Label ?? Named(columns.Where(c => c.Type == "boolean"), "label", "anomaly", "is_anomaly", "outlier", "alert") ?? columns.FirstOrDefault(c => c.Type == "boolean")?.Name;
        var value = r.ValueColumns?.SingleOrDefault() ?? columns.FirstOrDefault(c => c.Type == "number" && c.Name != label && c.Name != time)?.Name
            ?? throw new ConfigException("anomaly.valueColumn", $"found no number column to score; pass --value (columns: {Known()}).");
        Column(value, "--value").Type = "number";
        if (time != null)
            Column(time, "--time").Type = "date";
        if (label != null && Column(label, "--label").Type == "number")
            Column(label, "--label").Type = "boolean";
        config.Anomaly = new AnomalyConfig { ValueColumn = value, TimeColumn = time, LabelColumn = label };
        config.Trainer = new TrainerConfig { Family = "forecastResidual", Options = new JsonObject() };
    }

    private static void InferForecasting(WorkflowConfig config, DelimitedFile file, Request r)
    {
        var columns = config.Data.Columns!;
        var time = r.TimeColumn ?? columns.FirstOrDefault(c => c.Type == "date")?.Name ?? Named(columns, "time", "t", "step", "date")
            ?? throw new ConfigException("forecasting.timeColumn", $"found no date column; pass --time (columns: {string.Join(", ", columns.Select(c => c.Name))}).");
        var values = r.ValueColumns ?? columns.Where(c => c.Type is "number" or "boolean" && c.Name != time).Select(c => c.Name).ToList();
        foreach (var v in values)
        {
            var c = columns.FirstOrDefault(x => x.Name == v) ?? throw new ConfigException("forecasting.valueColumns", $"'{v}' is not a column of the file.");
            c.Type = "number";
        }
        if (values.Count == 0)
            throw new ConfigException("forecasting.valueColumns", "found no number column to forecast; pass --value.");
        var timeColumn = columns.First(c => c.Name == time);
        int ti = Array.IndexOf(file.Header, time);
        string? step = null;
        int season = 1, horizon = r.Horizon ?? 0;
        if (timeColumn.Type == "date")
        {
            var dates = file.Rows.Select(row => { DelimitedFile.TryDate(row[ti], out var d); return d; }).ToList();
            var gaps = dates.Zip(dates.Skip(1), (a, b) => b - a).OrderBy(g => g).ToList();
            var median = gaps.Count > 0 ? gaps[gaps.Count / 2] : TimeSpan.FromDays(1);
            (step, season, int h) = median.TotalDays switch
            {
                >= 28 and <= 31 => ("1 month", 12, 12),
                >= 89 and <= 92 => ("3 months", 4, 8),
                >= 365 and <= 366 => ("12 months", 1, 6),
                7 => ("1 week", 52, 13),
                1 => ("1 day", 7, 14),
                _ when median.TotalHours == 1 => ("1 hour", 24, 48),
                _ => ($"{(int)median.TotalMinutes} minutes", 1, 24),
            };
            if (horizon == 0)
                horizon = h;
        }
        else
        {
            var numbers = file.Rows.Select(row => double.Parse(row[ti], NumberStyles.Float, CultureInfo.InvariantCulture)).ToList();
            step = numbers.Count > 1 ? (numbers[1] - numbers[0]).ToString("R", CultureInfo.InvariantCulture) : "1";
            if (horizon == 0)
                horizon = 12;
        }
        config.Forecasting = new ForecastingConfig
        {
            TimeColumn = time, ValueColumns = values, Horizon = horizon, WindowLength = 2 * horizon, SeasonLength = season, TimeStep = step,
            Quantiles = new List<float> { 0.1f, 0.5f, 0.9f },
        };
        config.Trainer = new TrainerConfig
        {
            Family = "lstm",
            Options = new JsonObject { ["HiddenSize"] = 32, ["NumberOfEpochs"] = 200, ["BatchSize"] = 16, ["Dropout"] = 0 },
        };
        config.Split = new SplitConfig { TestSteps = horizon };
    }
}
