using System;
using System.Globalization;

namespace MLNet.Sequence.Transforms
{
    /// <summary>
    /// The expected spacing of a time column, used to detect gaps: a number (for numeric time), a duration, or a
    /// number of calendar months (for DateTime time; months vary in length).
    /// </summary>
    public sealed class TimeStep
    {
        private TimeStep(string kind, double value)
        {
            Kind = kind;
            Value = value;
        }

        internal string Kind { get; }
        internal double Value { get; }

        /// <summary>Numeric time that advances by <paramref name="step"/> per row (relative tolerance 1e-6).</summary>
        /// <param name="step">The positive step.</param>
        /// <returns>The time step.</returns>
        public static TimeStep Numeric(double step) =>
            step > 0 && double.IsFinite(step) ? new TimeStep("numeric", step)
                : throw new ArgumentOutOfRangeException(nameof(step), step, "A numeric time step must be positive and finite.");

        /// <summary>DateTime time that advances by a fixed duration (e.g. 30 minutes, 1 day) per row.</summary>
        /// <param name="step">The positive duration.</param>
        /// <returns>The time step.</returns>
        public static TimeStep Duration(TimeSpan step) =>
            step > TimeSpan.Zero ? new TimeStep("duration", step.Ticks)
                : throw new ArgumentOutOfRangeException(nameof(step), step, "A time step must be a positive duration.");

        /// <summary>DateTime time that advances by <paramref name="months"/> calendar months per row (12 for yearly).</summary>
        /// <param name="months">The positive number of months.</param>
        /// <returns>The time step.</returns>
        public static TimeStep Months(int months) =>
            months > 0 ? new TimeStep("months", months)
                : throw new ArgumentOutOfRangeException(nameof(months), months, "A monthly time step must be at least one month.");

        internal static TimeStep FromStored(string kind, double value) => kind switch
        {
            "numeric" => Numeric(value),
            "duration" => Duration(TimeSpan.FromTicks((long)value)),
            "months" => Months((int)value),
            _ => throw new System.IO.InvalidDataException($"Unknown stored time step kind '{kind}'."),
        };

        /// <summary>Whether <paramref name="next"/> is exactly one step after <paramref name="previous"/>; times are numbers or DateTime ticks.</summary>
        internal bool Follows(double previous, double next, bool isDateTime)
        {
            switch (Kind)
            {
                case "numeric":
                    return Math.Abs(next - previous - Value) <= 1e-6 * Math.Max(1.0, Math.Abs(Value));
                case "duration":
                    return next - previous == Value;
                default:
                    if (!isDateTime)
                        return false;
                    var p = new DateTime((long)previous);
                    return p.AddMonths((int)Value).Ticks == (long)next;
            }
        }

        internal bool RequiresDateTime => Kind != "numeric";

        /// <summary>
        /// The time <paramref name="steps"/> steps after <paramref name="time"/> (DateTime ticks when <paramref name="isDateTime"/>):
        /// whole calendar months for a monthly step, fixed increments otherwise. Forecasters and baselines date their steps with it.
        /// </summary>
        internal double Advance(double time, int steps, bool isDateTime)
        {
            switch (Kind)
            {
                case "numeric":
                    return time + steps * Value;
                case "duration":
                    return time + steps * Value;
                default:
                    if (!isDateTime)
                        throw new InvalidOperationException("A monthly time step needs DateTime times.");
                    return new DateTime((long)time).AddMonths((int)Value * steps).Ticks;
            }
        }

        /// <summary>
        /// The step between the last two of <paramref name="times"/>: whole months when they are a whole number of months
        /// apart on the same day and time, the duration otherwise; null with fewer than two times.
        /// </summary>
        internal static TimeStep? InferFrom(System.Collections.Generic.IReadOnlyList<DateTime> times)
        {
            if (times.Count < 2 || times[^1] <= times[^2])
                return null;
            DateTime a = times[^2], b = times[^1];
            int months = (b.Year - a.Year) * 12 + b.Month - a.Month;
            return months > 0 && a.AddMonths(months) == b ? Months(months) : Duration(b - a);
        }

        /// <summary>The step between the last two of <paramref name="times"/>, or null with fewer than two increasing times.</summary>
        internal static TimeStep? InferFrom(System.Collections.Generic.IReadOnlyList<double> times) =>
            times.Count < 2 || !(times[^1] > times[^2]) ? null : Numeric(times[^1] - times[^2]);

        /// <summary>A readable description, e.g. "1 month(s)".</summary>
        /// <returns>The description.</returns>
        public override string ToString() => Kind switch
        {
            "numeric" => Value.ToString(CultureInfo.InvariantCulture),
            "duration" => TimeSpan.FromTicks((long)Value).ToString(),
            _ => $"{Value} month(s)",
        };
    }
}
