using System;
using System.Diagnostics;
using System.Linq;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using Microsoft.ML;

namespace MLNet.Sequence.Benchmarks;

/// <summary>
/// Benchmarks (not part of the test run). Usage:
///   dotnet run -c Release --project benchmarks/MLNet.Sequence.Benchmarks -- transforms   BenchmarkDotNet throughput
///   dotnet run -c Release --project benchmarks/MLNet.Sequence.Benchmarks -- memory       peak memory versus row count
///   dotnet run -c Release --project benchmarks/MLNet.Sequence.Benchmarks -- trainers [1 2 auto]  training and scoring speed at thread settings vs raw TorchSharp and PyTorch
///   dotnet run -c Release --project benchmarks/MLNet.Sequence.Benchmarks -- kernels [threads]    libtorch vs PyTorch kernels
///   dotnet run -c Release --project benchmarks/MLNet.Sequence.Benchmarks -- gru [threads...]     the library's CPU GRU kernel vs libtorch's GRU
///   dotnet run -c Release --project benchmarks/MLNet.Sequence.Benchmarks -- forecast             backtest folds on taylor, many-series throughput and memory
///   dotnet run -c Release --project benchmarks/MLNet.Sequence.Benchmarks -- anomaly [method:points ...]  anomaly detectors: points/s and peak memory up to 10M points
///   dotnet run -c Release --project benchmarks/MLNet.Sequence.Benchmarks -- tagging [lstm lstm-bucketed crf crf-bucketed cnn transformer]  taggers: tokens/s of Fit and Transform vs a raw TorchSharp loop
///   dotnet run -c Release --project benchmarks/MLNet.Sequence.Benchmarks -- speech  audio: feature extraction (s of audio/s) vs NWaves alone; WAV-to-digit latency and streaming memory
///   dotnet run -c Release --project benchmarks/MLNet.Sequence.Benchmarks -- lstm-kernel  CPU LSTM scoring through libtorch's training kernel vs its inference kernel
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var mode = args.FirstOrDefault() ?? "transforms";
        switch (mode)
        {
            case "transforms":
                var config = DefaultConfig.Instance.AddJob(Job.Default.WithWarmupCount(1).WithIterationCount(5).WithLaunchCount(1));
                BenchmarkRunner.Run<TransformBenchmarks>(config, args.Skip(1).ToArray());
                return 0;
            case "trainers":
                return TrainerSpeed.Run(args.Length > 1 ? args.Skip(1).ToArray() : new[] { "1", "2", "auto" });
            case "gru":
                return GruSpeed.Run(args.Skip(1).Select(a => int.Parse(a, System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(1).ToArray());
            case "kernels":
                return KernelProfile.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2);
            case "forecast":
                return ForecastSpeed.Run();
            case "forecast-child":
                return ForecastSpeed.Child(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
            case "memory":
                return MemoryScaling.Run();
            case "anomaly":
                return AnomalySpeed.Run(args.Skip(1).ToArray());
            case "tagging":
                return TaggingSpeed.Run(args.Skip(1).ToArray());
            case "speech":
                return SpeechSpeed.Run(args.Skip(1).ToArray());
            case "seq2seq":
                return Seq2SeqSpeed.Run(args.Skip(1).ToArray());
            case "seq2seq-cache":
                return Seq2SeqSpeed.RunCache(args.Skip(1).ToArray());
            case "lstm-kernel":
                return LstmKernelSpeed.Run();
            case "anomaly-child":
                return AnomalySpeed.Child(args[1], long.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
            case "memory-child":
                return MemoryScaling.Child(args[1], long.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
            default:
                Console.Error.WriteLine($"Unknown mode '{mode}'; expected transforms, memory, trainers, kernels, gru, forecast, anomaly, tagging, speech, seq2seq, seq2seq-cache or lstm-kernel.");
                return 2;
        }
    }
}

/// <summary>Peak working set of a process that streams N rows through a pipeline, for growing N: flat means streaming.</summary>
public static class MemoryScaling
{
    public static int Run()
    {
        Console.WriteLine("| pipeline | rows | seconds | rows/s | peak working set (MB) |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var (what, sizes) in new[] { ("text", new long[] { 100_000, 1_000_000, 3_000_000 }), ("windows", new long[] { 1_000_000, 10_000_000, 30_000_000 }) })
        {
            foreach (var n in sizes)
            {
                var psi = new ProcessStartInfo(Environment.ProcessPath!, $"{typeof(Program).Assembly.Location} memory-child {what} {n}")
                {
                    RedirectStandardOutput = true,
                    UseShellExecute = false,
                };
                if (Environment.ProcessPath!.EndsWith("MLNet.Sequence.Benchmarks", StringComparison.Ordinal))
                    psi.Arguments = $"memory-child {what} {n}";
                using var p = Process.Start(psi)!;
                var line = p.StandardOutput.ReadToEnd().Trim();
                p.WaitForExit();
                Console.WriteLine(line);
            }
        }
        return 0;
    }

    public static int Child(string what, long rows)
    {
        var ml = new MLContext(1);
        var clock = Stopwatch.StartNew();
        long n;
        if (what == "text")
        {
            var texts = BenchData.SentimentTexts();
            var model = BenchData.TextPipeline(ml, texts);
            clock.Restart();
            n = BenchData.Drain<uint>(model.Transform(ml.Data.LoadFromEnumerable(BenchData.Sentences(texts, rows))), "Padded");
        }
        else
        {
            var values = BenchData.Taylor();
            var model = BenchData.Windows(ml, values);
            clock.Restart();
            n = BenchData.Drain<float>(model.Transform(ml.Data.LoadFromEnumerable(BenchData.Series(values, rows))), "Window");
        }
        var s = clock.Elapsed.TotalSeconds;
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        Console.WriteLine($"| {what} | {rows:N0} input rows ({n:N0} out) | {s:F1} | {rows / s:N0} | {self.PeakWorkingSet64 / 1048576.0:F0} |");
        return 0;
    }
}
