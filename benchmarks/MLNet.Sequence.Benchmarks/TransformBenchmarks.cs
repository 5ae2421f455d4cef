using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Transforms;

namespace MLNet.Sequence.Benchmarks;

/// <summary>Real data, repeated to benchmark sizes; rows are generated lazily so the source never holds them all.</summary>
public static class BenchData
{
    public sealed class Sentence
    {
        public string Text { get; set; } = "";
    }

    public sealed class Step
    {
        public double Time { get; set; }
        public float Value { get; set; }
    }

    private static string Data(string relative) => Path.Combine(AppContext.BaseDirectory, "data", relative);

    public static string[] SentimentTexts() =>
        File.ReadLines(Data("text/uci_sentiment_labelled_sentences.tsv")).Skip(1).Select(l => l.Split('\t')[2]).ToArray();

    public static float[] Taylor() =>
        File.ReadLines(Data("timeseries/taylor.csv")).Skip(1).Select(l => float.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToArray();

    /// <summary>The 3000 sentiment sentences, cycled to <paramref name="rows"/> rows.</summary>
    public static IEnumerable<Sentence> Sentences(string[] texts, long rows)
    {
        var s = new Sentence();
        for (long i = 0; i < rows; i++)
        {
            s.Text = texts[i % texts.Length];
            yield return s;
        }
    }

    /// <summary>taylor's 4032 half-hours, cycled to <paramref name="steps"/> steps (a synthetic long series built from real values).</summary>
    public static IEnumerable<Step> Series(float[] values, long steps)
    {
        var s = new Step();
        for (long i = 0; i < steps; i++)
        {
            s.Time = i;
            s.Value = values[i % values.Length];
            yield return s;
        }
    }

    public static ITransformer TextPipeline(MLContext ml, string[] texts)
    {
        var fitData = ml.Data.LoadFromEnumerable(Sentences(texts, texts.Length));
        return ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
            .Append(ml.Transforms.EncodeTokens("Ids", "Tokens"))
            .Append(ml.Transforms.PadSequences("Padded", "Ids", length: 32))
            .Fit(fitData);
    }

    public static ITransformer Windows(MLContext ml, float[] values) =>
        ml.Transforms.CreateWindows(new[] { "Value" }, windowLength: 48, horizon: 12, timeColumnName: "Time")
            .Fit(ml.Data.LoadFromEnumerable(Series(values, 100)));

    /// <summary>Reads one column of every row; returns the row count.</summary>
    public static long Drain<T>(IDataView data, string column)
    {
        var col = data.Schema[column];
        using var cursor = data.GetRowCursor(new[] { col });
        var g = cursor.GetGetter<VBuffer<T>>(col);
        VBuffer<T> buf = default;
        long n = 0;
        while (cursor.MoveNext())
        {
            g(ref buf);
            n++;
        }
        return n;
    }
}

[MemoryDiagnoser]
public class TransformBenchmarks
{
    private MLContext _ml = null!;
    private string[] _texts = null!;
    private float[] _taylor = null!;
    private ITransformer _text = null!;
    private ITransformer _windows = null!;

    [GlobalSetup]
    public void Setup()
    {
        _ml = new MLContext(1);
        _texts = BenchData.SentimentTexts();
        _taylor = BenchData.Taylor();
        _text = BenchData.TextPipeline(_ml, _texts);
        _windows = BenchData.Windows(_ml, _taylor);
    }

    /// <summary>Tokenize → encode → pad over the sentiment sentences cycled to 1M rows.</summary>
    [Benchmark(OperationsPerInvoke = 1_000_000)]
    public long TokenizeEncodePad_PerRow() =>
        BenchData.Drain<uint>(_text.Transform(_ml.Data.LoadFromEnumerable(BenchData.Sentences(_texts, 1_000_000))), "Padded");

    /// <summary>Tokenize only (ML.NET's TokenizeIntoWords), the same 1M rows: what our encode + pad add on top.</summary>
    [Benchmark(OperationsPerInvoke = 1_000_000, Baseline = true)]
    public long TokenizeOnly_PerRow() =>
        BenchData.Drain<ReadOnlyMemory<char>>(_text.Transform(_ml.Data.LoadFromEnumerable(BenchData.Sentences(_texts, 1_000_000))), "Tokens");

    /// <summary>Windows (L 48, H 12) over a 10M-step series.</summary>
    [Benchmark(OperationsPerInvoke = 10_000_000)]
    public long Windows_PerStep() =>
        BenchData.Drain<float>(_windows.Transform(_ml.Data.LoadFromEnumerable(BenchData.Series(_taylor, 10_000_000))), "Window");
}
