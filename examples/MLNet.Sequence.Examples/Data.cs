using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace MLNet.Sequence.Examples;

/// <summary>The bundled data sets (copied next to the binary from the repository's data/ folder).</summary>
public static class Data
{
    public static string PathOf(string relative) => Path.Combine(AppContext.BaseDirectory, "data", relative);

    public sealed class Review
    {
        public string Source { get; set; } = "";
        public bool Label { get; set; }
        public string Text { get; set; } = "";
    }

    public static List<Review> Sentiment() =>
        File.ReadLines(PathOf("text/uci_sentiment_labelled_sentences.tsv")).Skip(1).Select(l => l.Split('\t'))
            .Select(p => new Review { Source = p[0], Label = p[1] == "1", Text = p[2] }).ToList();

    public sealed class Dna
    {
        public string Label { get; set; } = "";
        public string Sequence { get; set; } = "";
    }

    public static List<Dna> Splice() =>
        File.ReadLines(PathOf("bio/splice_dna.csv")).Skip(1).Select(l => l.Split(','))
            .Select(p => new Dna { Label = p[0], Sequence = p[1] }).ToList();

    public sealed class Weather
    {
        public DateTime Date { get; set; }
        public float Precipitation { get; set; }
        public float TempMax { get; set; }
        public float TempMin { get; set; }
        public float Wind { get; set; }
    }

    public static List<Weather> Seattle() =>
        File.ReadLines(PathOf("timeseries/seattle-weather.csv")).Skip(1).Select(l => l.Split(',')).Select(p => new Weather
        {
            Date = DateTime.ParseExact(p[0], "yyyy-MM-dd", CultureInfo.InvariantCulture),
            Precipitation = float.Parse(p[1], CultureInfo.InvariantCulture),
            TempMax = float.Parse(p[2], CultureInfo.InvariantCulture),
            TempMin = float.Parse(p[3], CultureInfo.InvariantCulture),
            Wind = float.Parse(p[4], CultureInfo.InvariantCulture),
        }).ToList();

    /// <summary>A fixed-seed random permutation; the first <paramref name="trainFraction"/> trains, the rest tests.</summary>
    public static (List<T> Train, List<T> Test) Split<T>(List<T> rows, double trainFraction = 0.8)
    {
        var rng = new Random(1);
        var order = Enumerable.Range(0, rows.Count).Select(i => (i, k: rng.Next())).OrderBy(t => t.k).Select(t => t.i).ToList();
        int n = (int)(rows.Count * trainFraction);
        return (order.Take(n).Select(i => rows[i]).ToList(), order.Skip(n).Select(i => rows[i]).ToList());
    }
}
