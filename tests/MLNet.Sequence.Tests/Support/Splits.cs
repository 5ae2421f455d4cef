using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using MLNet.Sequence.Transforms;

namespace MLNet.Sequence.Tests.Support;

/// <summary>Fixed-seed splits and preparation pipelines of the real data sets, shared by tests.</summary>
public static class Splits
{
    /// <summary>A fixed-seed random permutation: the first 80% train, the rest test (as the example does).</summary>
    public static (List<T> Train, List<T> Test) Split<T>(List<T> rows, double trainFraction = 0.8)
    {
        var rng = new Random(1);
        var order = Enumerable.Range(0, rows.Count).Select(i => (i, k: rng.Next())).OrderBy(t => t.k).Select(t => t.i).ToList();
        int n = (int)(rows.Count * trainFraction);
        return (order.Take(n).Select(i => rows[i]).ToList(), order.Skip(n).Select(i => rows[i]).ToList());
    }

    /// <summary>Text → normalized words → ids (min count 2) → padded to 32 ("Features").</summary>
    public static IEstimator<ITransformer> SentimentPreparation(MLContext ml) =>
        ml.Transforms.Text.NormalizeText("Norm", "Text", keepPunctuations: false)
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Norm"))
            .Append(ml.Transforms.EncodeTokens("Ids", "Tokens", minimumCount: 2))
            .Append(ml.Transforms.PadSequences("Features", "Ids", length: 32));

    public sealed class Weather
    {
        public DateTime Date { get; set; }
        public float Precipitation { get; set; }
        public float TempMax { get; set; }
        public float TempMin { get; set; }
        public float Wind { get; set; }
    }

    public static List<Weather> Seattle() =>
        File.ReadLines(TestData.PathOf("timeseries/seattle-weather.csv")).Skip(1).Select(l =>
        {
            var p = l.Split(',');
            return new Weather
            {
                Date = DateTime.ParseExact(p[0], "yyyy-MM-dd", CultureInfo.InvariantCulture),
                Precipitation = float.Parse(p[1], CultureInfo.InvariantCulture),
                TempMax = float.Parse(p[2], CultureInfo.InvariantCulture),
                TempMin = float.Parse(p[3], CultureInfo.InvariantCulture),
                Wind = float.Parse(p[4], CultureInfo.InvariantCulture),
            };
        }).ToList();

    /// <summary>Past 14 days of all numeric columns → next day's temp_max ("Target", a scalar), daily steps checked.</summary>
    public static TimeSeriesWindowEstimator SeattleWindows(MLContext ml) =>
        ml.Transforms.CreateWindows(new TimeSeriesWindowEstimator.Options
        {
            ValueColumns = new[] { "TempMax" },
            PastCovariateColumns = new[] { "TempMin", "Precipitation", "Wind" },
            WindowLength = 14,
            Horizon = 1,
            ScalarTarget = true,
            TimeColumnName = "Date",
            TimeStep = TimeStep.Duration(TimeSpan.FromDays(1)),
        });
}
