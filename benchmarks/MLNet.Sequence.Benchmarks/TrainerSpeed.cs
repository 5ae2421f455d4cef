using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Trainers.Native;
using MLNet.Sequence.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Benchmarks;

/// <summary>
/// Training and scoring speed, side by side in one run: (a) Fit on an IDataView through this library, (b) a raw
/// TorchSharp loop over pre-built tensors with the same network, (c) PyTorch (pytorch/train_speed.py, same shapes).
/// Shapes: batch 64, length 50, 8 features, hidden 64, Adam, MSE, no dropout or clipping; the Transformer has
/// d 64, 4 heads, 2 layers, feed-forward 128. Data: standard-normal features and labels (seeded); speed does not
/// depend on the values. Usage: dotnet run -c Release --project benchmarks/MLNet.Sequence.Benchmarks -- trainers [threads]
/// </summary>
public static class TrainerSpeed
{
    private const int B = 64, T = 50, F = 8, Rows = 64 * 60;

    public sealed class Row
    {
        [VectorType(T, F)] public float[] Features { get; set; } = new float[T * F];
        public float Label { get; set; }
    }

    public static int Run(int threads)
    {
        TorchNative.EnsureLoaded();
        Console.WriteLine($"libtorch default threads: {torch.get_num_threads()}; pinned to {threads} (PyTorch too).");
        torch.set_num_threads(threads);
        var rng = new Random(1);
        var rows = Enumerable.Range(0, Rows).Select(_ => new Row
        {
            Features = Enumerable.Range(0, T * F).Select(_ => (float)Normal(rng)).ToArray(),
            Label = (float)Normal(rng),
        }).ToList();
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(rows);

        var pyBefore = RunPyTorch(threads);
        var results = new List<string>();
        foreach (var kind in new[] { EncoderKind.Lstm, EncoderKind.Gru, EncoderKind.Transformer })
        {
            var (fit, raw, ratio) = FitAndRawInterleaved(ml, data, kind, out var model);
            var (engineMs, rawOneMs) = SingleRowLatency(ml, model, rows);
            var (transformRows, rawBatchRows) = BatchedThroughput(model, data, rows);
            model.Dispose();
            results.Add($"| {kind} | {fit:F1} | {raw:F1} | {ratio:F2} | " +
                        $"{engineMs:F3} | {rawOneMs:F3} | {engineMs / rawOneMs:F2} | {transformRows:F0} | {rawBatchRows:F0} | {transformRows / rawBatchRows:F2} |");
            Console.WriteLine(results[^1]);
        }
        var pyAfter = RunPyTorch(threads);
        Console.WriteLine();
        Console.WriteLine("| model | (a) Fit steps/s | (b) raw TorchSharp steps/s | a/b (median of per-epoch pairs) | PredictionEngine ms/row | raw batch-1 forward ms | ratio | Transform rows/s | raw batched forward rows/s | ratio |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results) Console.WriteLine(r);
        Console.WriteLine();
        Console.WriteLine("| model | (c) PyTorch steps/s, before | after |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var k in new[] { "lstm", "gru", "transformer" })
            Console.WriteLine($"| {k} | {pyBefore.GetValueOrDefault(k):F1} | {pyAfter.GetValueOrDefault(k):F1} |");
        return 0;
    }

    private static double Normal(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    private static NetworkConfig Config(EncoderKind kind) => new()
    {
        Encoder = kind,
        FeaturesPerStep = F,
        SequenceLength = T,
        HiddenSize = 64,
        Layers = kind == EncoderKind.Transformer ? 2 : 1,
        Heads = 4,
        FeedForwardDimension = 128,
        Dropout = 0,
        Pooling = SequencePooling.Last,
        Outputs = 1,
    };

    private static SequenceTrainerOptions Options(EncoderKind kind)
    {
        SequenceTrainerOptions o = kind switch
        {
            EncoderKind.Lstm => new LstmOptions { HiddenSize = 64 },
            EncoderKind.Gru => new GruOptions { HiddenSize = 64 },
            _ => new TransformerOptions { ModelDimension = 64, NumberOfHeads = 4, NumberOfLayers = 2, FeedForwardDimension = 128 },
        };
        o.BatchSize = B;
        o.NumberOfEpochs = 8;
        o.Dropout = 0;
        o.GradientClipNorm = 0;
        o.NormalizeFeatures = false;
        o.NormalizeLabel = false;
        o.Seed = 1;
        return o;
    }

    /// <summary>
    /// (a) and (b) interleaved, because these machines are noisy: after each Fit epoch, the progress callback runs 60
    /// steps of (b), the library's own network trained on pre-built tensors by a hand-written loop. Returns the medians
    /// of (a) and (b) over epochs 2-8 and the median of their per-epoch ratios.
    /// </summary>
    private static (double Fit, double Raw, double Ratio) FitAndRawInterleaved(MLContext ml, IDataView data, EncoderKind kind, out SequencePredictionTransformer model)
    {
        torch.manual_seed(1);
        using var net = new SequenceNetwork(Config(kind));
        var xs = Enumerable.Range(0, 20).Select(_ => torch.randn(B, T, F).DetachFromDisposeScope()).ToArray();
        var ys = Enumerable.Range(0, 20).Select(_ => torch.randn(B, 1).DetachFromDisposeScope()).ToArray();
        using var mask = torch.ones(new long[] { B, T }, ScalarType.Bool);
        using var opt = optim.Adam(net.parameters(), 1e-3);
        double RawEpoch()
        {
            net.train();
            var clock = Stopwatch.StartNew();
            for (int s = 0; s < 60; s++)
            {
                using var scope = torch.NewDisposeScope();
                opt.zero_grad();
                var loss = nn.functional.mse_loss(net.call(xs[s % 20], mask), ys[s % 20]);
                loss.item<float>();
                loss.backward();
                opt.step();
            }
            return 60 / clock.Elapsed.TotalSeconds;
        }
        var o = Options(kind);
        var fit = new List<double>();
        var raw = new List<double>();
        o.Progress = new Sync(r =>
        {
            fit.Add(r.RowsPerSecond / B);
            raw.Add(RawEpoch());
        });
        var trainer = kind switch
        {
            EncoderKind.Lstm => ml.Regression.Trainers.SequenceLstm((LstmOptions)o),
            EncoderKind.Gru => ml.Regression.Trainers.SequenceGru((GruOptions)o),
            _ => ml.Regression.Trainers.SequenceTransformer((TransformerOptions)o),
        };
        model = trainer.Fit(data);
        foreach (var t in xs.Concat(ys)) t.Dispose();
        var ratios = fit.Zip(raw, (a, b) => a / b).Skip(1).ToList();
        return (Median(fit.Skip(1).ToList()), Median(raw.Skip(1).ToList()), Median(ratios));
    }

    private sealed class Sync(Action<EpochReport> a) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => a(value);
    }

    public sealed class Output
    {
        public float Score { get; set; }
    }

    /// <summary>Median ms per single-row prediction: PredictionEngine vs the network's batch-1 forward (tensor from an array, read back).</summary>
    private static (double Engine, double Raw) SingleRowLatency(MLContext ml, SequencePredictionTransformer model, List<Row> rows)
    {
        var engine = ml.Model.CreatePredictionEngine<Row, Output>(model);
        var net = model.Engine.Network;
        using var mask = torch.ones(new long[] { 1, T }, ScalarType.Bool);
        double Block(Action<int> predict)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < 200; i++) predict(i);
            return clock.Elapsed.TotalMilliseconds / 200;
        }
        void Engine(int i) => engine.Predict(rows[i % rows.Count]);
        void Raw(int i)
        {
            using var scope = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            var x = torch.tensor(rows[i % rows.Count].Features, new long[] { 1, T, F });
            net.call(x, mask).data<float>().ToArray();
        }
        Block(Engine); Block(Raw);
        var e = new List<double>();
        var r = new List<double>();
        for (int k = 0; k < 9; k++) { e.Add(Block(Engine)); r.Add(Block(Raw)); }
        return (Median(e), Median(r));
    }

    /// <summary>Rows/s: Transform (batched internally, 256 rows per forward) vs the network on pre-built 256-row batches.</summary>
    private static (double Transform, double Raw) BatchedThroughput(SequencePredictionTransformer model, IDataView data, List<Row> rows)
    {
        var net = model.Engine.Network;
        var batches = Enumerable.Range(0, Rows / 256).Select(b => torch.tensor(rows.Skip(b * 256).Take(256).SelectMany(r => r.Features).ToArray(), new long[] { 256, T, F }).DetachFromDisposeScope()).ToArray();
        using var mask = torch.ones(new long[] { 256, T }, ScalarType.Bool);
        double TransformOnce()
        {
            var clock = Stopwatch.StartNew();
            var scored = model.Transform(data);
            using var cursor = scored.GetRowCursor(new[] { scored.Schema["Score"] });
            var g = cursor.GetGetter<float>(scored.Schema["Score"]);
            float s = 0;
            while (cursor.MoveNext()) g(ref s);
            return Rows / clock.Elapsed.TotalSeconds;
        }
        double RawOnce()
        {
            var clock = Stopwatch.StartNew();
            foreach (var x in batches)
            {
                using var scope = torch.NewDisposeScope();
                using var _ = torch.no_grad();
                net.call(x, mask).data<float>().ToArray();
            }
            return batches.Length * 256 / clock.Elapsed.TotalSeconds;
        }
        TransformOnce(); RawOnce();
        var t = new List<double>();
        var r = new List<double>();
        for (int k = 0; k < 5; k++) { t.Add(TransformOnce()); r.Add(RawOnce()); }
        foreach (var b in batches) b.Dispose();
        return (Median(t), Median(r));
    }

    private static Dictionary<string, double> RunPyTorch(int threads)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "pytorch", "train_speed.py");
        var result = new Dictionary<string, double>();
        try
        {
            var psi = new ProcessStartInfo("/usr/bin/python3", $"\"{script}\" {threads} 60") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = line.Split(' ');
                result[parts[0]] = double.Parse(parts[1], CultureInfo.InvariantCulture);
            }
            Console.WriteLine($"PyTorch: {output.Replace('\n', ';')}");
        }
        catch (Exception e)
        {
            Console.WriteLine($"PyTorch side skipped: {e.Message} (install Debian's python3-torch)");
        }
        return result;
    }

    private static double Median(List<double> v)
    {
        v.Sort();
        return v.Count == 0 ? double.NaN : v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
    }
}
