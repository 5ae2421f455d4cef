using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Forecasting;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Benchmarks;

/// <summary>
/// Forecasting speed and memory. Usage: dotnet run -c Release --project benchmarks/MLNet.Sequence.Benchmarks -- forecast
/// (1) taylor: seconds per backtest fold (train + forecast) and per single forecast; (2) many short series trained as one
/// global model: training rows/s and forecasting series/s for 1,000 to 10,000 series, each size in a fresh process,
/// with its peak working set. The short series are synthesised from real ones (windows of taylor, US births, co2 and
/// AirPassengers, each multiplied by a random factor in [0.5, 2] and shifted by a random offset), stated as such.
/// </summary>
public static class ForecastSpeed
{
    private static string Data(string relative) => Path.Combine(AppContext.BaseDirectory, "data", relative);

    public static int Run()
    {
        Taylor();
        Console.WriteLine();
        Console.WriteLine("| series (length 200) | training rows (windows) | train s | training windows/s | forecast s | series/s | peak working set MB |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var n in new[] { 1_000, 3_000, 10_000 })
        {
            var psi = new ProcessStartInfo(Environment.ProcessPath!, $"forecast-child {n}") { RedirectStandardOutput = true, UseShellExecute = false };
            if (!Environment.ProcessPath!.EndsWith("MLNet.Sequence.Benchmarks", StringComparison.Ordinal))
                psi.Arguments = $"{typeof(Program).Assembly.Location} forecast-child {n}";
            using var p = Process.Start(psi)!;
            Console.WriteLine(p.StandardOutput.ReadToEnd().Trim());
            p.WaitForExit();
        }
        return 0;
    }

    private static void Taylor()
    {
        var rows = File.ReadLines(Data("timeseries/taylor.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        var taylor = new SeriesFrame("taylor", new[] { rows.Select(p => float.Parse(p[1], CultureInfo.InvariantCulture)).ToArray() },
            numericTimes: rows.Select(p => double.Parse(p[0], CultureInfo.InvariantCulture)).ToArray());
        var ml = new MLContext(1);
        var cnn = ml.Forecasting.SequenceForecaster(new SequenceForecasterOptions
        {
            ValueColumns = new[] { "Value" }, WindowLength = 336, Horizon = 48, Name = "temporal CNN",
            Model = new CnnOptions { Channels = 8, NumberOfLayers = 4, NumberOfEpochs = 15, BatchSize = 64, Pooling = SequencePooling.Flatten, Dropout = 0 },
        });
        var result = ml.Forecasting.Backtest(new[] { taylor }, new BacktestOptions { Horizon = 48, InitialTrainingSize = 4032 - 3 * 48, Stride = 48, SeasonLength = 336 }, cnn);
        var folds = result.Folds.ToList();
        Console.WriteLine("taylor, temporal CNN (8 channels, 4 layers, flatten pooling; the docs/results.md recipe), window 336, horizon 48, 15 epochs, retrained at each of 3 origins:");
        foreach (var f in folds)
            Console.WriteLine($"  fold {f.Fold}: train {f.TrainSeconds:F1} s on {f.Origin - 336 - 48 + 1} windows, forecast {f.ForecastSeconds * 1000:F1} ms, MASE {f.Mase:F3}");
        using var model = cnn.Train(new[] { taylor.Slice(0, 3888) });
        var engine = model.CreateEngine();
        engine.Observe(taylor.Slice(0, 3888));
        var times = new List<double>();
        for (int block = 0; block < 9; block++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < 50; i++) engine.Forecast("taylor");
            times.Add(clock.Elapsed.TotalMilliseconds / 50);
        }
        times.Sort();
        Console.WriteLine($"  single forecast through the engine (48 steps from 336): median {times[4]:F2} ms over 9 blocks of 50");
    }

    /// <summary>One size of the many-series benchmark, in its own process so the peak working set is its own.</summary>
    public static int Child(int count)
    {
        var sources = new List<float[]>
        {
            File.ReadLines(Data("timeseries/taylor.csv")).Skip(1).Select(l => float.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToArray(),
            File.ReadLines(Data("timeseries/us-births-1969-1988.csv")).Skip(1).Select(l => float.Parse(l.Split(',')[4], CultureInfo.InvariantCulture)).ToArray(),
            File.ReadLines(Data("timeseries/co2.csv")).Skip(1).Select(l => float.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToArray(),
        };
        IEnumerable<SeriesFrame> Synthesised()
        {
            var rng = new Random(1);
            for (int i = 0; i < count; i++)
            {
                var src = sources[i % sources.Count];
                int start = rng.Next(src.Length - 200);
                float factor = (float)(0.5 + 1.5 * rng.NextDouble()), shift = (float)(rng.NextDouble() * 100);
                yield return SeriesFrame.Univariate($"s{i}", src.AsSpan(start, 200).ToArray().Select(v => v * factor + shift).ToArray());
            }
        }
        var ml = new MLContext(1);
        var data = SeriesFrames.ToDataView(new LazyList(Synthesised, count), new[] { "Value" });
        var forecaster = ml.Forecasting.SequenceForecaster(new SequenceForecasterOptions
        {
            ValueColumns = new[] { "Value" }, SeriesColumnName = "Series", WindowLength = 24, Horizon = 12,
            Model = new CnnOptions { Channels = 16, NumberOfLayers = 3, NumberOfEpochs = 1, BatchSize = 256, CacheRowsInMemory = false, ShuffleBufferSize = 4096 },
        });
        var clock = Stopwatch.StartNew();
        using var model = forecaster.Fit(data);
        double train = clock.Elapsed.TotalSeconds;
        long windows = count * (200L - 24 - 12 + 1);
        clock.Restart();
        var forecasts = model.Transform(data);
        long rows = 0;
        using (var cursor = forecasts.GetRowCursor(forecasts.Schema))
        {
            var g = cursor.GetGetter<VBuffer<float>>(forecasts.Schema["Forecast"]);
            VBuffer<float> buf = default;
            while (cursor.MoveNext()) { g(ref buf); rows++; }
        }
        double forecast = clock.Elapsed.TotalSeconds;
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        Console.WriteLine($"| {count:N0} | {windows:N0} | {train:F1} | {windows / train:N0} | {forecast:F1} | {rows / forecast:N0} | {self.PeakWorkingSet64 / 1048576.0:F0} |");
        return 0;
    }

    /// <summary>A read-only list whose items are regenerated on each enumeration (nothing held in memory).</summary>
    private sealed class LazyList : IReadOnlyList<SeriesFrame>
    {
        private readonly Func<IEnumerable<SeriesFrame>> _make;

        public LazyList(Func<IEnumerable<SeriesFrame>> make, int count)
        {
            _make = make;
            Count = count;
        }

        public int Count { get; }
        public SeriesFrame this[int index] => _make().ElementAt(index);
        public IEnumerator<SeriesFrame> GetEnumerator() => _make().GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
