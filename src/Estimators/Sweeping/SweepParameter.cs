using System;
using System.Globalization;
using System.Linq;
using System.Text.Json;

namespace MLNet.Sequence
{
    /// <summary>What kind of values a <see cref="SweepParameter"/> takes.</summary>
    public enum SweepParameterKind
    {
        /// <summary>A real number in [min, max], uniform or on a log scale.</summary>
        Real,
        /// <summary>An integer in [min, max], uniform or on a log scale.</summary>
        Integer,
        /// <summary>One of a list of candidates (strings, numbers, enums or Booleans), unordered.</summary>
        Choice,
    }

    /// <summary>
    /// One dimension of a <see cref="SequenceSearchSpace"/>: a range (on a linear or log scale) or a choice, with the
    /// value a sweep starts from. Tuners see every dimension as the unit interval; this class maps it to values.
    /// </summary>
    public sealed class SweepParameter
    {
        private SweepParameter(string name, SweepParameterKind kind, double min, double max, bool logScale, object[] candidates, object defaultValue)
        {
            Name = name;
            Kind = kind;
            Minimum = min;
            Maximum = max;
            LogScale = logScale;
            Candidates = candidates;
            Default = defaultValue;
        }

        /// <summary>The option it sets (e.g. "LearningRate"), or a preprocessing parameter's name.</summary>
        public string Name { get; }

        /// <summary>Real, integer or choice.</summary>
        public SweepParameterKind Kind { get; }

        /// <summary>The lower bound (ranges).</summary>
        public double Minimum { get; }

        /// <summary>The upper bound (ranges).</summary>
        public double Maximum { get; }

        /// <summary>Sampled uniformly in log(value) (ranges; both bounds positive).</summary>
        public bool LogScale { get; }

        /// <summary>The candidates (choices); empty for ranges.</summary>
        public object[] Candidates { get; }

        /// <summary>The value the cost-frugal start uses and that a fixed parameter keeps.</summary>
        public object Default { get; }

        /// <summary>True when the parameter has a single value.</summary>
        public bool IsFixed => Kind == SweepParameterKind.Choice ? Candidates.Length == 1 : Minimum == Maximum;

        /// <summary>A real range.</summary>
        /// <param name="name">The option or parameter it sets.</param>
        /// <param name="min">Lower bound.</param>
        /// <param name="max">Upper bound (≥ min).</param>
        /// <param name="logScale">Sample on a log scale (both bounds must be positive).</param>
        /// <param name="defaultValue">The start value; null takes the geometric (log) or arithmetic middle.</param>
        /// <returns>The parameter.</returns>
        public static SweepParameter Real(string name, double min, double max, bool logScale = false, double? defaultValue = null)
        {
            CheckRange(name, min, max, logScale);
            double d = defaultValue ?? (logScale ? Math.Sqrt(min * max) : (min + max) / 2);
            if (!(d >= min && d <= max))
                throw new ArgumentOutOfRangeException(nameof(defaultValue), $"Sweep parameter '{name}': the default {d} is outside [{min}, {max}].");
            return new SweepParameter(name, SweepParameterKind.Real, min, max, logScale, Array.Empty<object>(), d);
        }

        /// <summary>An integer range.</summary>
        /// <param name="name">The option or parameter it sets.</param>
        /// <param name="min">Lower bound.</param>
        /// <param name="max">Upper bound (≥ min).</param>
        /// <param name="logScale">Sample on a log scale (both bounds must be positive).</param>
        /// <param name="defaultValue">The start value; null takes the middle.</param>
        /// <returns>The parameter.</returns>
        public static SweepParameter Integer(string name, int min, int max, bool logScale = false, int? defaultValue = null)
        {
            CheckRange(name, min, max, logScale);
            int d = defaultValue ?? (int)Math.Round(logScale ? Math.Sqrt((double)min * max) : (min + max) / 2.0);
            if (d < min || d > max)
                throw new ArgumentOutOfRangeException(nameof(defaultValue), $"Sweep parameter '{name}': the default {d} is outside [{min}, {max}].");
            return new SweepParameter(name, SweepParameterKind.Integer, min, max, logScale, Array.Empty<object>(), d);
        }

        /// <summary>A choice among candidates of one type.</summary>
        /// <param name="name">The option or parameter it sets.</param>
        /// <param name="candidates">At least one value, all of one type, no duplicates.</param>
        /// <returns>The parameter; its default is the first candidate.</returns>
        public static SweepParameter Choice(string name, params object[] candidates) => Choice(name, candidates, candidates is { Length: > 0 } ? candidates[0] : null!);

        /// <summary>A choice among candidates of one type, starting from <paramref name="defaultValue"/>.</summary>
        /// <param name="name">The option or parameter it sets.</param>
        /// <param name="candidates">At least one value, all of one type, no duplicates.</param>
        /// <param name="defaultValue">One of the candidates.</param>
        /// <returns>The parameter.</returns>
        public static SweepParameter Choice(string name, object[] candidates, object defaultValue)
        {
            CheckName(name);
            if (candidates is null || candidates.Length == 0)
                throw new ArgumentException($"Sweep parameter '{name}' needs at least one candidate.", nameof(candidates));
            if (candidates.Any(c => c is null) || candidates.Select(c => c.GetType()).Distinct().Count() != 1)
                throw new ArgumentException($"Sweep parameter '{name}': the candidates must be non-null values of one type.", nameof(candidates));
            if (candidates.Distinct().Count() != candidates.Length)
                throw new ArgumentException($"Sweep parameter '{name}' lists a candidate twice.", nameof(candidates));
            if (!candidates.Contains(defaultValue))
                throw new ArgumentException($"Sweep parameter '{name}': the default '{defaultValue}' is not one of the candidates.", nameof(defaultValue));
            return new SweepParameter(name, SweepParameterKind.Choice, 0, candidates.Length - 1, false, (object[])candidates.Clone(), defaultValue);
        }

        /// <summary>The same parameter over a new range (any range: the option's own validation judges the values).</summary>
        internal SweepParameter WithRange(double min, double max)
        {
            if (Kind == SweepParameterKind.Choice)
                throw new InvalidOperationException($"Sweep parameter '{Name}' is a choice: narrow it to candidates, not to a range.");
            double d = Math.Clamp(System.Convert.ToDouble(Default, CultureInfo.InvariantCulture), min, max);
            var narrowed = Kind == SweepParameterKind.Integer
                ? Integer(Name, checked((int)Math.Ceiling(min)), checked((int)Math.Floor(max)), LogScale && min > 0, (int)Math.Round(d))
                : Real(Name, min, max, LogScale && min > 0, d);
            return narrowed.WithValueType(ValueType);
        }

        /// <summary>The same parameter, converting to <paramref name="type"/> when it sets an option.</summary>
        internal SweepParameter WithValueType(Type? type) =>
            new(Name, Kind, Minimum, Maximum, LogScale, Candidates, Default) { ValueType = type };

        /// <summary>The same parameter limited to some of its candidates (or, for a range, to these values as a choice).</summary>
        internal SweepParameter WithCandidates(object[] values)
        {
            var converted = values.Select(Convert).ToArray();
            var start = converted.Contains(Default) ? Default : converted[0];
            if (converted.Distinct().Count() != converted.Length)
                throw new ArgumentException($"Sweep parameter '{Name}' lists a candidate twice.");
            return new SweepParameter(Name, SweepParameterKind.Choice, 0, converted.Length - 1, false, converted, start) { ValueType = ValueType };
        }

        /// <summary>The same parameter renamed (a family's qualified name).</summary>
        internal SweepParameter Renamed(string name) =>
            new(name, Kind, Minimum, Maximum, LogScale, Candidates, Default) { ValueType = ValueType };

        /// <summary>For options: the property's type, so that values convert (an enum from its name, a float from a double).</summary>
        internal Type? ValueType { get; init; }

        /// <summary>The value at position <paramref name="u"/> in [0, 1].</summary>
        internal object FromUnit(double u)
        {
            u = Math.Clamp(u, 0, 1);
            switch (Kind)
            {
                case SweepParameterKind.Choice:
                    return Candidates[Math.Min(Candidates.Length - 1, (int)(u * Candidates.Length))];
                case SweepParameterKind.Integer:
                {
                    // Each integer owns an equal share of the (log) interval around it.
                    double lo = Minimum - 0.5, hi = Maximum + 0.5;
                    double v = LogScale ? Math.Exp(Math.Log(lo) + u * (Math.Log(hi) - Math.Log(lo))) : lo + u * (hi - lo);
                    return (int)Math.Clamp(Math.Round(v), Minimum, Maximum);
                }
                default:
                    return LogScale ? Math.Exp(Math.Log(Minimum) + u * (Math.Log(Maximum) - Math.Log(Minimum))) : Minimum + u * (Maximum - Minimum);
            }
        }

        /// <summary>The position of <paramref name="value"/> in [0, 1] (the centre of a choice's or an integer's share).</summary>
        internal double ToUnit(object value)
        {
            switch (Kind)
            {
                case SweepParameterKind.Choice:
                {
                    int i = Array.IndexOf(Candidates, Convert(value));
                    if (i < 0)
                        throw new ArgumentException($"Sweep parameter '{Name}' has no candidate '{value}'.");
                    return (i + 0.5) / Candidates.Length;
                }
                case SweepParameterKind.Integer:
                {
                    double v = System.Convert.ToDouble(value, CultureInfo.InvariantCulture), lo = Minimum - 0.5, hi = Maximum + 0.5;
                    return Math.Clamp(LogScale ? (Math.Log(v) - Math.Log(lo)) / (Math.Log(hi) - Math.Log(lo)) : (v - lo) / (hi - lo), 0, 1);
                }
                default:
                {
                    if (Maximum == Minimum)
                        return 0.5;
                    double v = System.Convert.ToDouble(value, CultureInfo.InvariantCulture);
                    return Math.Clamp(LogScale ? (Math.Log(v) - Math.Log(Minimum)) / (Math.Log(Maximum) - Math.Log(Minimum)) : (v - Minimum) / (Maximum - Minimum), 0, 1);
                }
            }
        }

        /// <summary>A value as this parameter holds it (an int stays an int, an enum candidate accepts its name).</summary>
        internal object Convert(object value)
        {
            ArgumentNullException.ThrowIfNull(value);
            if (Kind == SweepParameterKind.Choice && Candidates.Length > 0)
            {
                var type = Candidates[0].GetType();
                if (value.GetType() == type)
                    return value;
                if (type.IsEnum && value is string s)
                    return Enum.Parse(type, s);
                if (type == typeof(string))
                    return System.Convert.ToString(value, CultureInfo.InvariantCulture)!;
                return System.Convert.ChangeType(value, type, CultureInfo.InvariantCulture);
            }
            return Kind == SweepParameterKind.Integer
                ? System.Convert.ToInt32(value, CultureInfo.InvariantCulture)
                : System.Convert.ToDouble(value, CultureInfo.InvariantCulture);
        }

        /// <summary>Reads a value written by the trial log.</summary>
        internal object FromJson(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.String => Convert(e.GetString()!),
            JsonValueKind.True => Convert(true),
            JsonValueKind.False => Convert(false),
            _ => Kind == SweepParameterKind.Integer ? e.GetInt32()
                : Kind == SweepParameterKind.Real ? e.GetDouble()
                : Convert(e.GetDouble()),
        };

        /// <inheritdoc/>
        public override string ToString() => Kind == SweepParameterKind.Choice
            ? $"{Name} ∈ {{{string.Join(", ", Candidates.Select(c => System.Convert.ToString(c, CultureInfo.InvariantCulture)))}}}"
            : $"{Name} ∈ [{Minimum.ToString(CultureInfo.InvariantCulture)}, {Maximum.ToString(CultureInfo.InvariantCulture)}]{(LogScale ? " (log)" : "")}";

        private static void CheckName(string name)
        {
            if (string.IsNullOrWhiteSpace(name))
                throw new ArgumentException("A sweep parameter needs a name.", nameof(name));
        }

        private static void CheckRange(string name, double min, double max, bool logScale)
        {
            CheckName(name);
            if (!double.IsFinite(min) || !double.IsFinite(max) || max < min)
                throw new ArgumentOutOfRangeException(nameof(max), $"Sweep parameter '{name}' needs finite bounds with min ≤ max; got [{min}, {max}].");
            if (logScale && min <= 0)
                throw new ArgumentOutOfRangeException(nameof(min), $"Sweep parameter '{name}' is on a log scale, so its minimum must be positive; got {min}.");
        }
    }
}
