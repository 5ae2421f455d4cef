using System;
using System.Diagnostics;
using System.Linq;
using MLNet.Sequence.Trainers.Native;
using TorchSharp;

namespace MLNet.Sequence.Benchmarks;

/// <summary>
/// Where the time goes when raw TorchSharp is slower than PyTorch: the same kernels timed in both (pytorch/kernels.py).
/// Usage: dotnet run -c Release --project benchmarks/MLNet.Sequence.Benchmarks -- kernels [threads]
/// </summary>
public static class KernelProfile
{
    public static int Run(int threads)
    {
        TorchNative.EnsureLoaded();
        torch.set_num_threads(threads);
        torch.manual_seed(1);
        foreach (var (m, k, n) in new[] { (3200, 64, 192), (3200, 64, 64), (3200, 128, 64), (64, 64, 192) })
        {
            using var a = torch.randn(m, k);
            using var b = torch.randn(k, n);
            int reps = m == 64 ? 2000 : 300;
            Console.WriteLine($"matmul {m}x{k}x{n}: {Time(reps, () => a.matmul(b)):F1} us");
        }
        using var x = torch.randn(64, 4, 50, 16);
        Console.WriteLine($"attention 64x4x50x16: {Time(300, () => torch.softmax(x.matmul(x.transpose(-1, -2)), -1).matmul(x)):F1} us");
        using var gru = torch.nn.GRU(8, 64, batchFirst: true);
        using var xi = torch.randn(64, 50, 8);
        Console.WriteLine($"GRU forward 64x50x8->64: {Time(100, () => gru.call(xi).Item1):F1} us");
        using var lstm = torch.nn.LSTM(8, 64, batchFirst: true);
        Console.WriteLine($"LSTM forward 64x50x8->64: {Time(100, () => lstm.call(xi).Item1):F1} us");
        // Last pooling lets the Transformer run its last layer at the last step only; Mean pooling needs every step.
        foreach (var (kind, pooling) in new[]
        {
            (MLNet.Sequence.Trainers.EncoderKind.Transformer, MLNet.Sequence.Trainers.SequencePooling.Last),
            (MLNet.Sequence.Trainers.EncoderKind.Transformer, MLNet.Sequence.Trainers.SequencePooling.Mean),
            (MLNet.Sequence.Trainers.EncoderKind.Gru, MLNet.Sequence.Trainers.SequencePooling.Last),
        })
        {
            using var net = new MLNet.Sequence.Trainers.Network.SequenceNetwork(new MLNet.Sequence.Trainers.NetworkConfig
            {
                Encoder = kind, FeaturesPerStep = 8, SequenceLength = 50, HiddenSize = 64, Layers = kind == MLNet.Sequence.Trainers.EncoderKind.Transformer ? 2 : 1,
                Heads = 4, FeedForwardDimension = 128, Outputs = 1, Pooling = pooling,
            });
            using var opt = torch.optim.Adam(net.parameters());
            using var xb = torch.randn(64, 50, 8);
            using var yb = torch.randn(64, 1);
            using var mask = torch.ones(new long[] { 64, 50 }, torch.ScalarType.Bool);
            net.train();
            double Step()
            {
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < 30; i++)
                {
                    using var s = torch.NewDisposeScope();
                    opt.zero_grad();
                    var loss = torch.nn.functional.mse_loss(net.call(xb, mask), yb);
                    loss.backward();
                    opt.step();
                }
                return clock.Elapsed.TotalMilliseconds / 30;
            }
            Step();
            Console.WriteLine($"{kind} training step, {pooling} pooling (network of this library): {Math.Min(Step(), Step()):F2} ms");
            if (kind == MLNet.Sequence.Trainers.EncoderKind.Transformer)
            {
                // Where a step's time goes: forward with the loss, backward, zero_grad with the optimizer step.
                var phases = new double[3][];
                for (int p = 0; p < 3; p++)
                    phases[p] = new double[60];
                for (int i = 0; i < 60; i++)
                {
                    using var s = torch.NewDisposeScope();
                    var clock = Stopwatch.StartNew();
                    var loss = torch.nn.functional.mse_loss(net.call(xb, mask), yb);
                    phases[0][i] = clock.Elapsed.TotalMilliseconds;
                    loss.backward();
                    phases[1][i] = clock.Elapsed.TotalMilliseconds - phases[0][i];
                    opt.step();
                    opt.zero_grad();
                    phases[2][i] = clock.Elapsed.TotalMilliseconds - phases[0][i] - phases[1][i];
                }
                double Median(double[] v) { var c = (double[])v.Clone(); Array.Sort(c); return c[c.Length / 2]; }
                string Both(double[] v) => $"{Median(v):F2} (min {v.Min():F2}) ms";
                Console.WriteLine($"{kind} ({pooling} pooling) phases, median (min): forward {Both(phases[0])}, backward {Both(phases[1])}, optimizer {Both(phases[2])}");
            }
        }
        return 0;
    }

    private static double Time(int reps, Func<torch.Tensor> op)
    {
        using (torch.no_grad())
        {
            for (int i = 0; i < Math.Min(50, reps); i++) { using var s = torch.NewDisposeScope(); op(); }
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < reps; i++) { using var s = torch.NewDisposeScope(); op(); }
            return clock.Elapsed.TotalMilliseconds * 1000 / reps;
        }
    }
}
