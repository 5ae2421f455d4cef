using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using MLNet.Sequence;
using MLNet.Sequence.Anomaly;

namespace MLNet.Sequence.Benchmarks;

/// <summary>
/// Points per second and peak memory of the anomaly detectors streaming long series through Transform: each run is a
/// child process (its peak working set is its own) that fits a detector on NAB's machine-temperature probation (750
/// points) and then scores N points generated lazily by cycling that series. Flat memory across N means streaming.
/// </summary>
public static class AnomalySpeed
{
    public sealed class Point
    {
        public double Value { get; set; }
    }

    public static int Run(string[] args)
    {
        var runs = args.Length > 0
            ? args.Select(a => (a.Split(':')[0], long.Parse(a.Split(':')[1], CultureInfo.InvariantCulture))).ToArray()
            : new[]
            {
                ("gaussian", 1_000_000L), ("gaussian", 10_000_000L),
                ("residual", 100_000L), ("residual", 1_000_000L), ("residual", 10_000_000L),
                ("reconstruction", 100_000L), ("reconstruction", 1_000_000L), ("reconstruction", 10_000_000L),
            };
        Console.WriteLine("| detector | points | seconds | points/s | alerts | peak working set (MB) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (method, n) in runs)
        {
            var psi = new ProcessStartInfo(Environment.ProcessPath!, $"{typeof(Program).Assembly.Location} anomaly-child {method} {n}")
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            if (Environment.ProcessPath!.EndsWith("MLNet.Sequence.Benchmarks", StringComparison.Ordinal))
                psi.Arguments = $"anomaly-child {method} {n}";
            using var p = Process.Start(psi)!;
            Console.WriteLine(p.StandardOutput.ReadToEnd().Trim());
            p.WaitForExit();
        }
        return 0;
    }

    public static int Child(string method, long points)
    {
        var ml = new MLContext(1);
        var values = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "data", "anomaly", "nab", "data", "realKnownCause", "machine_temperature_system_failure.csv"))
            .Skip(1).Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToArray();
        var options = method switch
        {
            "gaussian" => new SequenceAnomalyDetectorOptions { Method = AnomalyDetectionMethod.WindowedGaussian },
            "residual" => new SequenceAnomalyDetectorOptions { Method = AnomalyDetectionMethod.ForecastResidual },
            "reconstruction" => new SequenceAnomalyDetectorOptions { Method = AnomalyDetectionMethod.Reconstruction, WindowLength = 16, HiddenSize = 8 },
            _ => throw new ArgumentException($"Unknown detector '{method}'."),
        };
        using var detector = ml.AnomalyDetection.DetectSequenceAnomalies(options).Fit(ml.Data.LoadFromEnumerable(values.Take(750).Select(v => new Point { Value = v })));
        IEnumerable<Point> Stream()
        {
            for (long i = 0; i < points; i++)
                yield return new Point { Value = values[(int)((750 + i) % values.Length)] };
        }
        var clock = Stopwatch.StartNew();
        var scored = detector.Transform(ml.Data.LoadFromEnumerable(Stream()));
        long count = 0, alerts = 0;
        using (var cursor = scored.GetRowCursor(scored.Schema.Where(c => c.Name == "Prediction")))
        {
            var get = cursor.GetGetter<Microsoft.ML.Data.VBuffer<double>>(scored.Schema["Prediction"]);
            Microsoft.ML.Data.VBuffer<double> v = default;
            while (cursor.MoveNext())
            {
                get(ref v);
                if (v.GetValues()[0] == 1)
                    alerts++;
                count++;
            }
        }
        var s = clock.Elapsed.TotalSeconds;
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        Console.WriteLine($"| {method} | {count:N0} | {s:F1} | {count / s:N0} | {alerts:N0} | {self.PeakWorkingSet64 / 1048576.0:F0} |");
        return 0;
    }
}
