using System;
using System.Globalization;
using MLNet.Sequence.Transforms;

namespace MLNet.Sequence.Cli.Config;

/// <summary>Reads a config's time step: "1 month", "3 months", "1 day", "7 days", "1 hour", "30 minutes", "1 week", or a number.</summary>
internal static class StepParser
{
    public static TimeStep Parse(string text, bool dateColumn)
    {
        var parts = text.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (!dateColumn)
        {
            if (parts.Length == 1 && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double step) && step > 0 && double.IsFinite(step))
                return TimeStep.Numeric(step);
            throw new FormatException($"a numeric time column needs a positive number as its step; it was '{text}'.");
        }
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n < 1)
            throw new FormatException($"expected a count and a unit, e.g. \"1 month\", \"7 days\", \"30 minutes\"; it was '{text}'.");
        return parts[1].TrimEnd('s') switch
        {
            "month" => TimeStep.Months(n),
            "year" => TimeStep.Months(12 * n),
            "week" => TimeStep.Duration(TimeSpan.FromDays(7 * n)),
            "day" => TimeStep.Duration(TimeSpan.FromDays(n)),
            "hour" => TimeStep.Duration(TimeSpan.FromHours(n)),
            "minute" => TimeStep.Duration(TimeSpan.FromMinutes(n)),
            "second" => TimeStep.Duration(TimeSpan.FromSeconds(n)),
            _ => throw new FormatException($"unknown unit '{parts[1]}': use seconds, minutes, hours, days, weeks, months or years."),
        };
    }
}
