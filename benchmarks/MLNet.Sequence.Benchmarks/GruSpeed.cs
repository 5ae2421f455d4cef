using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Trainers.Native;
using MLNet.Sequence.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Benchmarks;

/// <summary>
/// The library's CPU GRU kernel (Network/GruKernel.cs) against libtorch's own GRU, same network and weights, side by
/// side: blocks of each alternate, medians reported. Shapes: batch 64, length 50, 8 features, hidden 64, one layer
/// (and a 2-layer bidirectional variant), Adam, MSE. Usage: ... -- gru [threads ...]
/// </summary>
public static class GruSpeed
{
    private const int B = 64, T = 50, F = 8;

    public static int Run(int[] threadCounts)
    {
        TorchNative.EnsureLoaded();
        Console.WriteLine("| threads | GRU | training step ms, libtorch | kernel | speed-up | batch-1 forward ms, libtorch | kernel | speed-up | 256-row forward ms, libtorch | kernel | speed-up |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (int threads in threadCounts)
        {
            torch.set_num_threads(threads);
            foreach (var (layers, bidirectional) in new[] { (1, false), (2, true) })
            {
                torch.manual_seed(1);
                using var net = new SequenceNetwork(new NetworkConfig
                {
                    Encoder = EncoderKind.Gru, FeaturesPerStep = F, SequenceLength = T, HiddenSize = 64, Layers = layers,
                    Bidirectional = bidirectional, Dropout = 0, Pooling = SequencePooling.Last, Outputs = 1,
                });
                var encoder = (RecurrentEncoder)net.Encoder;
                using var opt = optim.Adam(net.parameters(), 1e-3);
                using var x = torch.randn(B, T, F);
                using var y = torch.randn(B, 1);
                using var mask = torch.ones(new long[] { B, T }, ScalarType.Bool);
                using var x1 = torch.randn(1, T, F);
                using var mask1 = torch.ones(new long[] { 1, T }, ScalarType.Bool);
                using var x256 = torch.randn(256, T, F);
                using var mask256 = torch.ones(new long[] { 256, T }, ScalarType.Bool);
                double Train()
                {
                    net.train();
                    var clock = Stopwatch.StartNew();
                    for (int i = 0; i < 20; i++)
                    {
                        using var scope = torch.NewDisposeScope();
                        opt.zero_grad();
                        nn.functional.mse_loss(net.call(x, mask), y).backward();
                        opt.step();
                    }
                    return clock.Elapsed.TotalMilliseconds / 20;
                }
                double Forward(Tensor input, Tensor m, int reps)
                {
                    net.eval();
                    using var noGrad = torch.no_grad();
                    var clock = Stopwatch.StartNew();
                    for (int i = 0; i < reps; i++)
                    {
                        using var scope = torch.NewDisposeScope();
                        net.call(input, m).data<float>().ToArray();
                    }
                    return clock.Elapsed.TotalMilliseconds / reps;
                }
                var cells = new List<string>();
                foreach (var measure in new Func<double>[] { Train, () => Forward(x1, mask1, 200), () => Forward(x256, mask256, 10) })
                {
                    var old = new List<double>();
                    var kernel = new List<double>();
                    for (int block = 0; block < 8; block++)
                    {
                        encoder.UseLibtorchGru = true;
                        double a = measure();
                        encoder.UseLibtorchGru = false;
                        double b = measure();
                        if (block == 0) continue;   // warm-up
                        old.Add(a);
                        kernel.Add(b);
                    }
                    double mo = Median(old), mk = Median(kernel);
                    cells.Add($"{mo:F3} | {mk:F3} | {mo / mk:F2}");
                }
                Console.WriteLine($"| {threads} | {layers} layer{(layers > 1 ? "s" : "")}{(bidirectional ? ", bidirectional" : "")} | {string.Join(" | ", cells)} |");
            }
        }
        StepGemmThreads();
        return 0;
    }

    /// <summary>
    /// One recurrence step's GEMM, [B, H] × [H, 3H] accumulated in place, at one and two threads (best of 5 blocks of
    /// 200): where a second thread starts to pay, which sets GruKernel.SmallStepWork.
    /// </summary>
    private static void StepGemmThreads()
    {
        using var noGrad = torch.no_grad();
        int before = torch.get_num_threads();
        Console.WriteLine();
        Console.WriteLine("| B | H | multiply-adds per step | 1 thread µs | 2 threads µs |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        foreach (var (b, h) in new[] { (64, 64), (256, 64), (64, 128), (256, 128), (512, 128), (256, 256) })
        {
            using var x = torch.randn(b, h);
            using var w = torch.randn(3 * h, h);
            using var wt = w.t();
            using var acc = torch.randn(b, 3 * h);
            var best = new double[3];
            for (int threads = 1; threads <= 2; threads++)
            {
                torch.set_num_threads(threads);
                best[threads] = double.MaxValue;
                for (int block = 0; block < 5; block++)
                {
                    var clock = Stopwatch.StartNew();
                    for (int i = 0; i < 200; i++)
                    {
                        using var scope = torch.NewDisposeScope();
                        acc.addmm_(x, wt);
                    }
                    best[threads] = Math.Min(best[threads], clock.Elapsed.TotalMilliseconds * 1000 / 200);
                }
            }
            Console.WriteLine($"| {b} | {h} | {(long)b * h * h * 3 / 1e6:F1}M | {best[1]:F1} | {best[2]:F1} |");
        }
        torch.set_num_threads(before);
    }

    private static double Median(List<double> v)
    {
        v.Sort();
        return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
    }
}
