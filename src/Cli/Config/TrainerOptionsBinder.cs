using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using MLNet.Sequence.Forecasting;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Cli.Config;

/// <summary>
/// Sets a trainer's options from a config's JSON object by their C# names (HiddenSize, Pooling, NumberOfEpochs, ...).
/// Only plain settings bind (numbers, booleans, enums by name, strings, number arrays); an unknown or unsettable name,
/// or a value of the wrong type, is a <see cref="ConfigException"/> that lists what the family accepts.
/// </summary>
internal static class TrainerOptionsBinder
{
    /// <summary>Options the workflow sets itself (columns, data, callbacks); a config cannot.</summary>
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        nameof(SequenceTrainerOptions.LabelColumnName), nameof(SequenceTrainerOptions.FeatureColumnName),
        nameof(SequenceTrainerOptions.AdditionalFeatureColumnNames), nameof(SequenceTrainerOptions.LengthColumnName),
        nameof(SequenceTrainerOptions.MaskColumnName), nameof(SequenceTrainerOptions.StaticFeatureColumnName),
        nameof(SequenceTrainerOptions.FeaturesPerStep), nameof(SequenceTrainerOptions.Quantiles), nameof(SequenceTrainerOptions.CheckpointPath),
        nameof(SequenceTaggerOptions.TokensColumnName), nameof(SequenceTaggerOptions.PredictedLabelColumnName), nameof(SequenceTaggerOptions.ScoreColumnName),
    };

    /// <summary>A tagger's options from a config's trainer section (lstm, gru, transformer or cnn).</summary>
    public static SequenceTaggerOptions Tagger(string family, JsonObject? values, string field)
    {
        SequenceTaggerOptions options = family switch
        {
            "lstm" => new LstmTaggerOptions(),
            "gru" => new GruTaggerOptions(),
            "transformer" => new TransformerTaggerOptions(),
            "cnn" => new CnnTaggerOptions(),
            _ => throw new ConfigException("trainer.family", $"must be lstm, gru, transformer or cnn for task 'tagging'; it was '{family}'."),
        };
        Apply(options, values, field);
        return options;
    }

    /// <summary>Options the seq2seq workflow sets (its columns, seed, callbacks).</summary>
    private static readonly HashSet<string> SequenceToSequenceReserved = new(StringComparer.Ordinal)
    {
        nameof(SequenceToSequenceOptions.SourceColumnName), nameof(SequenceToSequenceOptions.LabelColumnName),
        nameof(SequenceToSequenceOptions.PredictedLabelColumnName), nameof(SequenceToSequenceOptions.ScoreColumnName),
    };

    /// <summary>An encoder-decoder's options from a config's trainer section (lstm, gru or transformer).</summary>
    public static SequenceToSequenceOptions SequenceToSequence(string family, JsonObject? values, string field)
    {
        SequenceToSequenceOptions options = family switch
        {
            "lstm" => new LstmSequenceToSequenceOptions(),
            "gru" => new GruSequenceToSequenceOptions(),
            "transformer" => new TransformerSequenceToSequenceOptions(),
            _ => throw new ConfigException("trainer.family", $"must be lstm, gru or transformer for task 'seq2seq'; it was '{family}'."),
        };
        if (values != null)
            foreach (var (name, _) in values)
                if (SequenceToSequenceReserved.Contains(name))
                    throw new ConfigException($"{field}.{name}", "is set by the tool (input names the source column, label the target).");
        Apply(options, values, field);
        return options;
    }

    /// <summary>Options the recommendation and generation workflows set (their column, the recommendation count, leaving seen items out).</summary>
    private static readonly HashSet<string> NextElementReserved = new(StringComparer.Ordinal)
    {
        nameof(NextElementOptions.SequenceColumnName), nameof(NextElementOptions.PredictedLabelColumnName), nameof(NextElementOptions.ScoreColumnName),
        nameof(NextElementOptions.NumberOfPredictions), nameof(NextElementOptions.ExcludeSeenElements),
    };

    /// <summary>A next-element model's options from a config's trainer section (lstm, gru or transformer).</summary>
    public static NextElementOptions NextElement(string family, JsonObject? values, string field)
    {
        NextElementOptions options = family switch
        {
            "lstm" => new LstmNextElementOptions(),
            "gru" => new GruNextElementOptions(),
            "transformer" => new TransformerNextElementOptions(),
            _ => throw new ConfigException("trainer.family", $"must be lstm, gru or transformer for a next-item model; it was '{family}'."),
        };
        if (values != null)
            foreach (var (name, _) in values)
                if (NextElementReserved.Contains(name))
                    throw new ConfigException($"{field}.{name}", "is set by the tool (its column; for recommendation the count is recommendation.numberOfRecommendations and seen items are always left out).");
        Apply(options, values, field);
        return options;
    }

    /// <summary>The next-element trainer of the family the options are for.</summary>
    public static NextElementEstimator NextElementTrainer(Microsoft.ML.MLContext ml, NextElementOptions options)
    {
        var t = ml.NextElement.Trainers;
        return options switch
        {
            LstmNextElementOptions o => t.SequenceLstm(o),
            GruNextElementOptions o => t.SequenceGru(o),
            TransformerNextElementOptions o => t.SequenceTransformer(o),
            _ => throw new ArgumentException($"unknown next-element options {options.GetType().Name}"),
        };
    }

    /// <summary>Options the anomaly workflow sets from the config's anomaly section and family.</summary>
    private static readonly HashSet<string> AnomalyReserved = new(StringComparer.Ordinal)
    {
        nameof(MLNet.Sequence.Anomaly.SequenceAnomalyDetectorOptions.InputColumnName), nameof(MLNet.Sequence.Anomaly.SequenceAnomalyDetectorOptions.OutputColumnName),
        nameof(MLNet.Sequence.Anomaly.SequenceAnomalyDetectorOptions.AnomalyScoreColumnName), nameof(MLNet.Sequence.Anomaly.SequenceAnomalyDetectorOptions.SeriesColumnName),
        nameof(MLNet.Sequence.Anomaly.SequenceAnomalyDetectorOptions.TimeColumnName), nameof(MLNet.Sequence.Anomaly.SequenceAnomalyDetectorOptions.Method),
    };

    /// <summary>An anomaly detector's options from a config's trainer section (family: the method).</summary>
    public static MLNet.Sequence.Anomaly.SequenceAnomalyDetectorOptions Anomaly(string family, JsonObject? values, string field)
    {
        var options = new MLNet.Sequence.Anomaly.SequenceAnomalyDetectorOptions
        {
            Method = family switch
            {
                "reconstruction" => MLNet.Sequence.Anomaly.AnomalyDetectionMethod.Reconstruction,
                "windowedGaussian" => MLNet.Sequence.Anomaly.AnomalyDetectionMethod.WindowedGaussian,
                _ => MLNet.Sequence.Anomaly.AnomalyDetectionMethod.ForecastResidual,
            },
        };
        if (values != null)
            foreach (var (name, _) in values)
                if (AnomalyReserved.Contains(name))
                    throw new ConfigException($"{field}.{name}", $"is set by the tool (the anomaly section names the columns, trainer.family the method).");
        Apply(options, values, field);
        return options;
    }

    public static SequenceTrainerOptions New(string family) => family switch
    {
        "lstm" => new LstmOptions(),
        "gru" => new GruOptions(),
        "transformer" => new TransformerOptions(),
        "cnn" => new CnnOptions(),
        "nbeats" => new NBeatsOptions(),
        _ => throw new ConfigException("trainer.family", $"must be lstm, gru, transformer, cnn or nbeats; it was '{family}'."),
    };

    /// <summary>The settable plain options of a family, by name.</summary>
    public static IReadOnlyDictionary<string, PropertyInfo> Settable(Type optionsType) =>
        optionsType.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.SetMethod!.IsPublic && IsPlain(p.PropertyType) && !Reserved.Contains(p.Name))
            .ToDictionary(p => p.Name, StringComparer.Ordinal);

    private static bool IsPlain(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        return t.IsEnum || t == typeof(int) || t == typeof(float) || t == typeof(double) || t == typeof(bool) || t == typeof(string) || t == typeof(float[]) || t == typeof(int[]);
    }

    /// <summary>DeepAR's options the workflow sets from the config's forecasting section (columns, horizon, season, quantiles).</summary>
    private static readonly HashSet<string> DeepArReserved = new(StringComparer.Ordinal)
    {
        nameof(DeepArForecasterOptions.ValueColumnName), nameof(DeepArForecasterOptions.TimeColumnName), nameof(DeepArForecasterOptions.SeriesColumnName),
        nameof(DeepArForecasterOptions.Horizon), nameof(DeepArForecasterOptions.ContextLength), nameof(DeepArForecasterOptions.SeasonLength),
        nameof(DeepArForecasterOptions.Quantiles), nameof(DeepArForecasterOptions.Name),
    };

    /// <summary>DeepAR's options from a config's trainer.options (the forecasting section sets the rest).</summary>
    public static DeepArForecasterOptions DeepAr(JsonObject? values, string field)
    {
        var options = new DeepArForecasterOptions();
        if (values != null)
            foreach (var (name, _) in values)
                if (DeepArReserved.Contains(name))
                    throw new ConfigException($"{field}.{name}", $"is set by the forecasting section (valueColumns, timeColumn, horizon, windowLength = the context, seasonLength, quantiles), not in trainer.options.");
        Apply(options, values, field);
        return options;
    }

    public static SequenceTrainerOptions Create(string family, JsonObject? values, string field)
    {
        var options = New(family);
        Apply(options, values, field);
        return options;
    }

    public static void Apply(object options, JsonObject? values, string field)
    {
        if (values == null)
            return;
        var settable = Settable(options.GetType());
        foreach (var (name, node) in values)
        {
            if (!settable.TryGetValue(name, out var property))
                throw new ConfigException($"{field}.{name}", $"{options.GetType().Name} has no settable option '{name}'. Options: {string.Join(", ", settable.Keys.OrderBy(k => k, StringComparer.Ordinal))}.");
            object? value;
            try
            {
                value = Convert(node, property.PropertyType);
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException or JsonException or ArgumentException)
            {
                throw new ConfigException($"{field}.{name}", $"expected {Describe(property.PropertyType)}; it was {node?.ToJsonString() ?? "null"}.");
            }
            property.SetValue(options, value);
        }
    }

    private static object? Convert(JsonNode? node, Type type)
    {
        var inner = Nullable.GetUnderlyingType(type);
        if (node == null)
            return inner != null || !type.IsValueType ? null : throw new FormatException();
        var t = inner ?? type;
        // Through the JSON text, so values parsed from a file and values set in code (JsonValue.Create(0)) read alike.
        using var document = JsonDocument.Parse(node.ToJsonString());
        var e = document.RootElement;
        if (t.IsEnum)
        {
            var s = e.GetString() ?? throw new FormatException();
            var match = Enum.GetNames(t).FirstOrDefault(n => string.Equals(n, s, StringComparison.OrdinalIgnoreCase)) ?? throw new FormatException();
            return Enum.Parse(t, match);
        }
        if (t == typeof(int)) return e.TryGetInt32(out int i) ? i : throw new FormatException();
        if (t == typeof(float)) return (float)e.GetDouble();
        if (t == typeof(double)) return e.GetDouble();
        if (t == typeof(bool)) return e.GetBoolean();
        if (t == typeof(string)) return e.GetString();
        if (t == typeof(float[])) return e.EnumerateArray().Select(x => (float)x.GetDouble()).ToArray();
        if (t == typeof(int[])) return e.EnumerateArray().Select(x => x.TryGetInt32(out int v) ? v : throw new FormatException()).ToArray();
        throw new FormatException();
    }

    private static string Describe(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        string what = t.IsEnum ? $"one of {string.Join(", ", Enum.GetNames(t))}"
            : t == typeof(int) ? "an integer" : t == typeof(float) || t == typeof(double) ? "a number" : t == typeof(bool) ? "true or false"
            : t == typeof(float[]) ? "an array of numbers" : t == typeof(int[]) ? "an array of integers" : "a string";
        return Nullable.GetUnderlyingType(type) != null ? what + " (or null)" : what;
    }

    /// <summary>The options object as JSON, only the values that differ from the family's defaults (for reports and codegen).</summary>
    public static JsonObject Changed(SequenceTrainerOptions options) => Changed(options, New(FamilyOf(options)));

    /// <summary>The values of <paramref name="options"/> that differ from <paramref name="defaults"/> (an object of the same type).</summary>
    public static JsonObject Changed(object options, object defaults)
    {
        var result = new JsonObject();
        foreach (var (name, p) in Settable(options.GetType()).OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            var a = p.GetValue(options);
            var b = p.GetValue(defaults);
            if (Equals(a, b) || (a is float[] x && b is float[] y && x.SequenceEqual(y)) || (a is int[] xi && b is int[] yi && xi.SequenceEqual(yi)))
                continue;
            result[name] = a switch
            {
                null => null,
                Enum e => JsonValue.Create(e.ToString()),
                float[] arr => new JsonArray(arr.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
                int[] ints => new JsonArray(ints.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
                _ => JsonSerializer.SerializeToNode(a),
            };
        }
        return result;
    }

    public static string FamilyOf(SequenceTrainerOptions options) => options switch
    {
        LstmOptions => "lstm",
        GruOptions => "gru",
        TransformerOptions => "transformer",
        CnnOptions => "cnn",
        NBeatsOptions => "nbeats",
        _ => throw new ArgumentException($"unknown options type {options.GetType().Name}"),
    };

    /// <summary>C# for one value, for generated code.</summary>
    public static string CSharp(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        int i => i.ToString(CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture) + "f",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        string s => SymbolDisplay(s),
        Enum e => $"{e.GetType().Name}.{e}",
        float[] a => $"new[] {{ {string.Join(", ", a.Select(v => v.ToString("R", CultureInfo.InvariantCulture) + "f"))} }}",
        int[] a => $"new[] {{ {string.Join(", ", a.Select(v => v.ToString(CultureInfo.InvariantCulture)))} }}",
        _ => throw new ArgumentException($"no C# for {value.GetType().Name}"),
    };

    private static string SymbolDisplay(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
