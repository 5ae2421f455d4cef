using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Sequence.Tests.Support;

/// <summary>The bundled real data sets (data/, copied next to the test assembly).</summary>
public static class TestData
{
    public static string PathOf(string relative)
    {
        var p = Path.Combine(AppContext.BaseDirectory, "data", relative);
        if (!File.Exists(p))
            throw new FileNotFoundException($"Test data '{relative}' was not found at {p}.");
        return p;
    }

    public sealed class Sentence
    {
        public string Source { get; set; } = "";
        public bool Label { get; set; }
        public string Text { get; set; } = "";
    }

    public static List<Sentence> Sentiment() =>
        File.ReadLines(PathOf("text/uci_sentiment_labelled_sentences.tsv")).Skip(1)
            .Select(l => l.Split('\t'))
            .Select(p => new Sentence { Source = p[0], Label = p[1] == "1", Text = p[2] })
            .ToList();

    public sealed class Splice
    {
        public string Label { get; set; } = "";
        public string Sequence { get; set; } = "";
    }

    public static List<Splice> SpliceDna() =>
        File.ReadLines(PathOf("bio/splice_dna.csv")).Skip(1)
            .Select(l => l.Split(','))
            .Select(p => new Splice { Label = p[0], Sequence = p[1] })
            .ToList();

    public sealed class Point
    {
        public string Series { get; set; } = "";
        public DateTime Time { get; set; }
        public double Index { get; set; }
        public float Value { get; set; }
    }

    /// <summary>A monthly series stored as "yyyy-MM,value".</summary>
    public static List<Point> Monthly(string file, string series)
    {
        return File.ReadLines(PathOf(file)).Skip(1)
            .Select((l, i) =>
            {
                var p = l.Split(',');
                return new Point
                {
                    Series = series,
                    Time = DateTime.ParseExact(p[0], "yyyy-MM", CultureInfo.InvariantCulture),
                    Index = i,
                    Value = float.Parse(p[1], CultureInfo.InvariantCulture),
                };
            }).ToList();
    }

    public static List<Point> AirPassengers() => Monthly("timeseries/AirPassengers.csv", "AirPassengers");

    /// <summary>taylor: half-hourly demand; time in weeks (1 + k/336).</summary>
    public static List<Point> Taylor() =>
        File.ReadLines(PathOf("timeseries/taylor.csv")).Skip(1)
            .Select((l, i) =>
            {
                var p = l.Split(',');
                return new Point { Series = "taylor", Index = double.Parse(p[0], CultureInfo.InvariantCulture), Value = float.Parse(p[1], CultureInfo.InvariantCulture) };
            }).ToList();

    /// <summary>Every value of a column, vectors as arrays, text as strings: for comparing outputs.</summary>
    public static List<object?> Column(IDataView data, string name)
    {
        var col = data.Schema[name];
        var item = col.Type is VectorDataViewType v ? v.ItemType.RawType : col.Type.RawType;
        var method = typeof(TestData).GetMethod(col.Type is VectorDataViewType ? nameof(VectorColumn) : nameof(ScalarColumn),
            System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.MakeGenericMethod(item);
        try
        {
            return (List<object?>)method.Invoke(null, new object[] { data, col })!;
        }
        catch (System.Reflection.TargetInvocationException e) when (e.InnerException != null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    private static List<object?> ScalarColumn<T>(IDataView data, DataViewSchema.Column col)
    {
        var result = new List<object?>();
        using var cursor = data.GetRowCursor(new[] { col });
        var g = cursor.GetGetter<T>(col);
        T value = default!;
        while (cursor.MoveNext())
        {
            g(ref value);
            result.Add(value is ReadOnlyMemory<char> m ? m.ToString() : value);
        }
        return result;
    }

    private static List<object?> VectorColumn<T>(IDataView data, DataViewSchema.Column col)
    {
        var result = new List<object?>();
        using var cursor = data.GetRowCursor(new[] { col });
        var g = cursor.GetGetter<VBuffer<T>>(col);
        VBuffer<T> value = default;
        while (cursor.MoveNext())
        {
            g(ref value);
            result.Add(value.DenseValues().Select(x => x is ReadOnlyMemory<char> m ? (object)m.ToString() : x).ToArray());
        }
        return result;
    }

    public static T[][] Vectors<T>(IDataView data, string name) =>
        Column(data, name).Select(o => ((object[])o!).Cast<T>().ToArray()).ToArray();

    public static void AssertSameColumns(IDataView expected, IDataView actual, IEnumerable<string> columns)
    {
        foreach (var c in columns)
        {
            var a = Column(expected, c);
            var b = Column(actual, c);
            Microsoft.VisualStudio.TestTools.UnitTesting.Assert.HasCount(a.Count, b, $"row count of column {c}");
            for (int i = 0; i < a.Count; i++)
            {
                if (a[i] is object[] va)
                    CollectionAssertEqual(va, (object[])b[i]!, $"column {c}, row {i}");
                else
                    Microsoft.VisualStudio.TestTools.UnitTesting.Assert.AreEqual(a[i], b[i], $"column {c}, row {i}");
            }
        }
    }

    private static void CollectionAssertEqual(object[] a, object[] b, string what)
    {
        Microsoft.VisualStudio.TestTools.UnitTesting.Assert.HasCount(a.Length, b, what + " length");
        for (int i = 0; i < a.Length; i++)
            Microsoft.VisualStudio.TestTools.UnitTesting.Assert.AreEqual(a[i], b[i], $"{what}, item {i}");
    }
}
