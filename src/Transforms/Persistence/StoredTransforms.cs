using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Serialization;

namespace MLNet.Sequence.Transforms.Persistence
{
    /// <summary>
    /// The stored formats of the transforms' model-file parts: explicit records, one per entry and format version, with
    /// every JSON name fixed by an attribute, so renaming a property of a transformer's runtime configuration cannot
    /// change what is written or fail to read what was. Each maps to and from the runtime configuration and checks
    /// what it reads (a damaged entry gets a clear message, never a NullReferenceException). The committed fixtures in
    /// tests/MLNet.Sequence.Tests/Fixtures pin these names.
    /// </summary>
    internal static class StoredCheck
    {
        public static T Required<T>(T? value, string part, string field) where T : class =>
            value ?? throw new InvalidDataException($"The stored {part} configuration lacks '{field}'.");

        public static string Name(string? value, string part, string field) =>
            string.IsNullOrEmpty(value) ? throw new InvalidDataException($"The stored {part} configuration lacks '{field}'.") : value;

        public static int Positive(int value, string part, string field) =>
            value > 0 ? value : throw new InvalidDataException($"The stored {part} configuration has {field} = {value}; it must be positive.");

        public static TEnum Defined<TEnum>(TEnum value, string part, string field) where TEnum : struct, Enum =>
            Enum.IsDefined(value) ? value : throw new InvalidDataException($"The stored {part} configuration has an unknown {field} ({value}).");

        public static string[] Names(string[]? values, string part, string field) =>
            Required(values, part, field).Any(string.IsNullOrEmpty) ? throw new InvalidDataException($"The stored {part} configuration has an empty name in '{field}'.") : values!;
    }

    /// <summary>TokenEncoding config.json, version 1.</summary>
    internal sealed class TokenEncodingConfigV1
    {
        [JsonPropertyName("OutputColumnName")] public string? OutputColumnName { get; set; }
        [JsonPropertyName("InputColumnName")] public string? InputColumnName { get; set; }
        [JsonPropertyName("LowerCase")] public bool LowerCase { get; set; }
        [JsonPropertyName("SubwordKind")] public string? SubwordKind { get; set; }
        [JsonPropertyName("SubwordEncoding")] public string? SubwordEncoding { get; set; }
        /// <summary>Part version 2: "Int32" or "Int64" for integer ids; absent for keys.</summary>
        [JsonPropertyName("OutputKind"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? OutputKind { get; set; }

        public static TokenEncodingConfigV1 From(TokenEncodingTransformer.Config c) => new()
        {
            OutputColumnName = c.OutputColumnName, InputColumnName = c.InputColumnName, LowerCase = c.LowerCase, SubwordKind = c.SubwordKind, SubwordEncoding = c.SubwordEncoding,
            OutputKind = c.OutputKind,
        };

        public TokenEncodingTransformer.Config ToConfig() => new()
        {
            OutputColumnName = StoredCheck.Name(OutputColumnName, "TokenEncoding", "OutputColumnName"),
            InputColumnName = StoredCheck.Name(InputColumnName, "TokenEncoding", "InputColumnName"),
            LowerCase = LowerCase, SubwordKind = SubwordKind, SubwordEncoding = SubwordEncoding,
            OutputKind = OutputKind is null or "Int32" or "Int64"
                ? OutputKind
                : throw new InvalidDataException($"The stored TokenEncoding has OutputKind '{OutputKind}'; expected Int32, Int64 or none."),
        };
    }

    /// <summary>TokenEncoding vocabulary.json, version 1: the learned tokens (ids 2, 3, ...) and their training counts.</summary>
    internal sealed class TokenVocabularyV1
    {
        [JsonPropertyName("Tokens")] public string[]? Tokens { get; set; }
        [JsonPropertyName("Counts")] public long[]? Counts { get; set; }

        public TokenVocabulary ToVocabulary()
        {
            var tokens = StoredCheck.Required(Tokens, "TokenEncoding vocabulary", "Tokens");
            var counts = StoredCheck.Required(Counts, "TokenEncoding vocabulary", "Counts");
            if (tokens.Length != counts.Length)
                throw new InvalidDataException("The stored vocabulary's tokens and counts differ in length.");
            if (tokens.Any(t => t == null))
                throw new InvalidDataException("The stored vocabulary has an empty token.");
            return new TokenVocabulary(tokens, counts);
        }
    }

    /// <summary>PadSequences config.json: version 1, and version 2 with steps of several values.</summary>
    internal sealed class PadSequencesConfigV2
    {
        [JsonPropertyName("OutputColumnName")] public string? OutputColumnName { get; set; }
        [JsonPropertyName("InputColumnName")] public string? InputColumnName { get; set; }
        [JsonPropertyName("Length")] public int Length { get; set; }
        [JsonPropertyName("Padding")] public SequenceEnd Padding { get; set; }
        [JsonPropertyName("Truncation")] public SequenceEnd Truncation { get; set; }
        [JsonPropertyName("PadValue")] public double PadValue { get; set; }
        [JsonPropertyName("LengthColumnName")] public string? LengthColumnName { get; set; }
        [JsonPropertyName("MaskColumnName")] public string? MaskColumnName { get; set; }
        [JsonPropertyName("AllowEmpty")] public bool AllowEmpty { get; set; }
        /// <summary>Version 2: values per step (absent in version 1, meaning 1).</summary>
        [JsonPropertyName("ValuesPerStep"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? ValuesPerStep { get; set; }

        public static PadSequencesConfigV2 From(PadSequencesTransformer.Config c) => new()
        {
            OutputColumnName = c.OutputColumnName, InputColumnName = c.InputColumnName, Length = c.Length, Padding = c.Padding, Truncation = c.Truncation,
            PadValue = c.PadValue, LengthColumnName = c.LengthColumnName, MaskColumnName = c.MaskColumnName, AllowEmpty = c.AllowEmpty,
            ValuesPerStep = c.ValuesPerStep == 1 ? null : c.ValuesPerStep,
        };

        public PadSequencesTransformer.Config ToConfig() => new()
        {
            OutputColumnName = StoredCheck.Name(OutputColumnName, "PadSequences", "OutputColumnName"),
            InputColumnName = StoredCheck.Name(InputColumnName, "PadSequences", "InputColumnName"),
            Length = StoredCheck.Positive(Length, "PadSequences", "Length"),
            Padding = StoredCheck.Defined(Padding, "PadSequences", "Padding"),
            Truncation = StoredCheck.Defined(Truncation, "PadSequences", "Truncation"),
            PadValue = PadValue, LengthColumnName = LengthColumnName, MaskColumnName = MaskColumnName, AllowEmpty = AllowEmpty,
            ValuesPerStep = ValuesPerStep is int w ? StoredCheck.Positive(w, "PadSequences", "ValuesPerStep") : 1,
        };
    }

    /// <summary>OneHotSequence config.json: version 1, and version 2 with the optional length and mask outputs.</summary>
    internal sealed class OneHotSequenceConfigV2
    {
        [JsonPropertyName("OutputColumnName")] public string? OutputColumnName { get; set; }
        [JsonPropertyName("InputColumnName")] public string? InputColumnName { get; set; }
        [JsonPropertyName("Alphabet")] public string? Alphabet { get; set; }
        [JsonPropertyName("AddUnknownChannel")] public bool AddUnknownChannel { get; set; }
        [JsonPropertyName("IgnoreCase")] public bool IgnoreCase { get; set; }
        [JsonPropertyName("SequenceLength")] public int SequenceLength { get; set; }
        [JsonPropertyName("TruncateLonger")] public bool TruncateLonger { get; set; }
        [JsonPropertyName("KeyInput")] public bool KeyInput { get; set; }
        [JsonPropertyName("Channels")] public int Channels { get; set; }
        [JsonPropertyName("LengthColumnName"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? LengthColumnName { get; set; }
        [JsonPropertyName("MaskColumnName"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? MaskColumnName { get; set; }

        /// <summary>2 when the length or mask output is used; 1 otherwise, so version-1 readers still read such models.</summary>
        [JsonIgnore] public int Version => LengthColumnName != null || MaskColumnName != null ? 2 : 1;

        public static OneHotSequenceConfigV2 From(OneHotSequenceTransformer.Config c) => new()
        {
            OutputColumnName = c.OutputColumnName, InputColumnName = c.InputColumnName, Alphabet = c.Alphabet, AddUnknownChannel = c.AddUnknownChannel,
            IgnoreCase = c.IgnoreCase, SequenceLength = c.SequenceLength, TruncateLonger = c.TruncateLonger, KeyInput = c.KeyInput, Channels = c.Channels,
            LengthColumnName = c.LengthColumnName, MaskColumnName = c.MaskColumnName,
        };

        public OneHotSequenceTransformer.Config ToConfig(int version)
        {
            if (version < 2 && (LengthColumnName != null || MaskColumnName != null))
                throw new InvalidDataException("The stored OneHotSequence configuration (version 1) names length or mask outputs, which version 1 does not have.");
            return new()
            {
                OutputColumnName = StoredCheck.Name(OutputColumnName, "OneHotSequence", "OutputColumnName"),
                InputColumnName = StoredCheck.Name(InputColumnName, "OneHotSequence", "InputColumnName"),
                Alphabet = StoredCheck.Required(Alphabet, "OneHotSequence", "Alphabet"),
                AddUnknownChannel = AddUnknownChannel, IgnoreCase = IgnoreCase,
                SequenceLength = StoredCheck.Positive(SequenceLength, "OneHotSequence", "SequenceLength"),
                TruncateLonger = TruncateLonger, KeyInput = KeyInput,
                Channels = StoredCheck.Positive(Channels, "OneHotSequence", "Channels"),
                LengthColumnName = LengthColumnName, MaskColumnName = MaskColumnName,
            };
        }
    }

    /// <summary>TimeSeriesWindows config.json, version 1.</summary>
    internal sealed class TimeSeriesWindowsConfigV1
    {
        [JsonPropertyName("ValueColumns")] public string[]? ValueColumns { get; set; }
        [JsonPropertyName("PastCovariateColumns")] public string[]? PastCovariateColumns { get; set; }
        [JsonPropertyName("FutureCovariateColumns")] public string[]? FutureCovariateColumns { get; set; }
        [JsonPropertyName("CarryColumns")] public string[]? CarryColumns { get; set; }
        [JsonPropertyName("TimeColumnName")] public string? TimeColumnName { get; set; }
        [JsonPropertyName("TimeStepKind")] public string? TimeStepKind { get; set; }
        [JsonPropertyName("TimeStepValue")] public double TimeStepValue { get; set; }
        [JsonPropertyName("SeriesColumnName")] public string? SeriesColumnName { get; set; }
        [JsonPropertyName("WindowLength")] public int WindowLength { get; set; }
        [JsonPropertyName("Horizon")] public int Horizon { get; set; }
        [JsonPropertyName("Stride")] public int Stride { get; set; }
        [JsonPropertyName("Mode")] public WindowMode Mode { get; set; }
        [JsonPropertyName("WindowColumnName")] public string? WindowColumnName { get; set; }
        [JsonPropertyName("TargetColumnName")] public string? TargetColumnName { get; set; }
        [JsonPropertyName("FutureCovariatesColumnName")] public string? FutureCovariatesColumnName { get; set; }
        [JsonPropertyName("SkipShortSeries")] public bool SkipShortSeries { get; set; }
        [JsonPropertyName("SkipWindowsWithMissingValues")] public bool SkipWindowsWithMissingValues { get; set; }
        [JsonPropertyName("ScalarTarget")] public bool ScalarTarget { get; set; }

        public static TimeSeriesWindowsConfigV1 From(TimeSeriesWindowTransformer.Config c) => new()
        {
            ValueColumns = c.ValueColumns, PastCovariateColumns = c.PastCovariateColumns, FutureCovariateColumns = c.FutureCovariateColumns, CarryColumns = c.CarryColumns,
            TimeColumnName = c.TimeColumnName, TimeStepKind = c.TimeStepKind, TimeStepValue = c.TimeStepValue, SeriesColumnName = c.SeriesColumnName,
            WindowLength = c.WindowLength, Horizon = c.Horizon, Stride = c.Stride, Mode = c.Mode, WindowColumnName = c.WindowColumnName,
            TargetColumnName = c.TargetColumnName, FutureCovariatesColumnName = c.FutureCovariatesColumnName, SkipShortSeries = c.SkipShortSeries,
            SkipWindowsWithMissingValues = c.SkipWindowsWithMissingValues, ScalarTarget = c.ScalarTarget,
        };

        public TimeSeriesWindowTransformer.Config ToConfig()
        {
            const string part = "TimeSeriesWindows";
            var values = StoredCheck.Names(ValueColumns, part, "ValueColumns");
            if (values.Length == 0)
                throw new InvalidDataException("The stored TimeSeriesWindows configuration has no value column.");
            if (TimeStepKind != null)
                TimeStep.FromStored(TimeStepKind, TimeStepValue);
            return new()
            {
                ValueColumns = values,
                PastCovariateColumns = StoredCheck.Names(PastCovariateColumns ?? Array.Empty<string>(), part, "PastCovariateColumns"),
                FutureCovariateColumns = StoredCheck.Names(FutureCovariateColumns ?? Array.Empty<string>(), part, "FutureCovariateColumns"),
                CarryColumns = StoredCheck.Names(CarryColumns ?? Array.Empty<string>(), part, "CarryColumns"),
                TimeColumnName = TimeColumnName, TimeStepKind = TimeStepKind, TimeStepValue = TimeStepValue, SeriesColumnName = SeriesColumnName,
                WindowLength = StoredCheck.Positive(WindowLength, part, "WindowLength"),
                Horizon = StoredCheck.Positive(Horizon, part, "Horizon"),
                Stride = StoredCheck.Positive(Stride, part, "Stride"),
                Mode = StoredCheck.Defined(Mode, part, "Mode"),
                WindowColumnName = StoredCheck.Name(WindowColumnName, part, "WindowColumnName"),
                TargetColumnName = StoredCheck.Name(TargetColumnName, part, "TargetColumnName"),
                FutureCovariatesColumnName = StoredCheck.Name(FutureCovariatesColumnName, part, "FutureCovariatesColumnName"),
                SkipShortSeries = SkipShortSeries, SkipWindowsWithMissingValues = SkipWindowsWithMissingValues, ScalarTarget = ScalarTarget,
            };
        }
    }

    /// <summary>WindowScaling config.json, version 1.</summary>
    internal sealed class WindowScalingConfigV1
    {
        [JsonPropertyName("WindowColumnName")] public string? WindowColumnName { get; set; }
        [JsonPropertyName("TargetColumnName")] public string? TargetColumnName { get; set; }
        [JsonPropertyName("Method")] public ScalingMethod Method { get; set; }
        [JsonPropertyName("LocationColumnName")] public string? LocationColumnName { get; set; }
        [JsonPropertyName("ScaleColumnName")] public string? ScaleColumnName { get; set; }

        public static WindowScalingConfigV1 From(WindowScalingTransformer.Config c) => new()
        {
            WindowColumnName = c.WindowColumnName, TargetColumnName = c.TargetColumnName, Method = c.Method, LocationColumnName = c.LocationColumnName, ScaleColumnName = c.ScaleColumnName,
        };

        public WindowScalingTransformer.Config ToConfig() => new()
        {
            WindowColumnName = StoredCheck.Name(WindowColumnName, "WindowScaling", "WindowColumnName"),
            TargetColumnName = TargetColumnName,
            Method = StoredCheck.Defined(Method, "WindowScaling", "Method"),
            LocationColumnName = StoredCheck.Name(LocationColumnName, "WindowScaling", "LocationColumnName"),
            ScaleColumnName = StoredCheck.Name(ScaleColumnName, "WindowScaling", "ScaleColumnName"),
        };
    }

    /// <summary>SeriesScaling config.json, version 1.</summary>
    internal sealed class SeriesScalingConfigV1
    {
        [JsonPropertyName("Columns")] public string[]? Columns { get; set; }
        [JsonPropertyName("SeriesColumnName")] public string? SeriesColumnName { get; set; }
        [JsonPropertyName("Method")] public ScalingMethod Method { get; set; }
        [JsonPropertyName("LocationColumnName")] public string? LocationColumnName { get; set; }
        [JsonPropertyName("ScaleColumnName")] public string? ScaleColumnName { get; set; }
        [JsonPropertyName("UnknownSeries")] public UnknownSeriesHandling UnknownSeries { get; set; }

        public static SeriesScalingConfigV1 From(SeriesScalingTransformer.Config c) => new()
        {
            Columns = c.Columns, SeriesColumnName = c.SeriesColumnName, Method = c.Method, LocationColumnName = c.LocationColumnName,
            ScaleColumnName = c.ScaleColumnName, UnknownSeries = c.UnknownSeries,
        };

        public SeriesScalingTransformer.Config ToConfig() => new()
        {
            Columns = StoredCheck.Names(Columns, "SeriesScaling", "Columns"),
            SeriesColumnName = SeriesColumnName,
            Method = StoredCheck.Defined(Method, "SeriesScaling", "Method"),
            LocationColumnName = StoredCheck.Name(LocationColumnName, "SeriesScaling", "LocationColumnName"),
            ScaleColumnName = StoredCheck.Name(ScaleColumnName, "SeriesScaling", "ScaleColumnName"),
            UnknownSeries = StoredCheck.Defined(UnknownSeries, "SeriesScaling", "UnknownSeries"),
        };
    }

    /// <summary>SeriesScaling statistics.json, version 1: per series, the locations of every column, then the scales; and the global ones.</summary>
    internal sealed class SeriesStatisticsV1
    {
        [JsonPropertyName("Series")] public Dictionary<string, float[]>? Series { get; set; }
        [JsonPropertyName("Global")] public float[]? Global { get; set; }

        public (Dictionary<string, float[]> Series, float[] Global) ToStatistics(int columns)
        {
            var series = StoredCheck.Required(Series, "SeriesScaling statistics", "Series");
            var global = StoredCheck.Required(Global, "SeriesScaling statistics", "Global");
            int expected = columns * 2;
            if (global.Length != expected || series.Values.Any(v => v == null || v.Length != expected))
                throw new InvalidDataException("The stored series statistics do not match the scaled columns.");
            return (new Dictionary<string, float[]>(series, StringComparer.Ordinal), global);
        }
    }

    /// <summary>InverseScaling config.json, version 1.</summary>
    internal sealed class InverseScalingConfigV1
    {
        [JsonPropertyName("OutputColumnName")] public string? OutputColumnName { get; set; }
        [JsonPropertyName("InputColumnName")] public string? InputColumnName { get; set; }
        [JsonPropertyName("LocationColumnName")] public string? LocationColumnName { get; set; }
        [JsonPropertyName("ScaleColumnName")] public string? ScaleColumnName { get; set; }

        public static InverseScalingConfigV1 From(InverseScalingTransformer.Config c) => new()
        {
            OutputColumnName = c.OutputColumnName, InputColumnName = c.InputColumnName, LocationColumnName = c.LocationColumnName, ScaleColumnName = c.ScaleColumnName,
        };

        public InverseScalingTransformer.Config ToConfig() => new()
        {
            OutputColumnName = StoredCheck.Name(OutputColumnName, "InverseScaling", "OutputColumnName"),
            InputColumnName = StoredCheck.Name(InputColumnName, "InverseScaling", "InputColumnName"),
            LocationColumnName = StoredCheck.Name(LocationColumnName, "InverseScaling", "LocationColumnName"),
            ScaleColumnName = StoredCheck.Name(ScaleColumnName, "InverseScaling", "ScaleColumnName"),
        };
    }

    /// <summary>A time-feature definition as stored (TimeFeatures parts and forecasters), version 1.</summary>
    internal sealed class TimeFeatureSpecV1
    {
        [JsonPropertyName("Calendar")] public CalendarFeatures Calendar { get; set; }
        [JsonPropertyName("Periods")] public int[]? Periods { get; set; }
        [JsonPropertyName("TimeStepKind")] public string? TimeStepKind { get; set; }
        [JsonPropertyName("TimeStepValue")] public double TimeStepValue { get; set; }
        [JsonPropertyName("Prefix")] public string? Prefix { get; set; }

        public static TimeFeatureSpecV1 From(TimeFeatureSpec s) => new()
        {
            Calendar = s.Calendar, Periods = s.Periods.ToArray(), TimeStepKind = s.TimeStep?.Kind, TimeStepValue = s.TimeStep?.Value ?? 0, Prefix = s.Prefix,
        };

        public TimeFeatureSpec ToSpec() => new()
        {
            Calendar = Calendar,
            Periods = Periods ?? Array.Empty<int>(),
            TimeStep = TimeStepKind == null ? null : TimeStep.FromStored(TimeStepKind, TimeStepValue),
            Prefix = Prefix ?? "Time",
        };
    }

    /// <summary>TimeFeatures config.json, version 1.</summary>
    internal sealed class TimeFeaturesConfigV1
    {
        [JsonPropertyName("Time")] public string? Time { get; set; }
        [JsonPropertyName("Spec")] public TimeFeatureSpecV1? Spec { get; set; }
    }
}
