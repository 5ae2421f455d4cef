using System;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Tests.Trainers;

[TestClass]
public sealed class EngineTests
{
    [TestMethod]
    public void CausalDilatedConvolutionMatchesItsDefinition()
    {
        // y[b, t, o] = bias[o] + sum_j sum_c W[o, j*C + c] * x[b, t - (k-1-j)*d, c], with x = 0 before the start.
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(3);
        int B = 2, T = 9, C = 3, O = 4, k = 3;
        using var linear = nn.Linear(C * k, O);
        var x = torch.randn(B, T, C);
        foreach (long d in new long[] { 1, 2, 4 })
        {
            var y = ConvolutionalEncoder.CausalConvolution(x, linear, k, d);
            var xs = x.data<float>().ToArray();
            var w = linear.weight!.data<float>().ToArray();
            var bias = linear.bias!.data<float>().ToArray();
            var ys = y.data<float>().ToArray();
            for (int b = 0; b < B; b++)
                for (int t = 0; t < T; t++)
                    for (int o = 0; o < O; o++)
                    {
                        double expected = bias[o];
                        for (int j = 0; j < k; j++)
                        {
                            long src = t - (k - 1 - j) * d;
                            if (src < 0) continue;
                            for (int c = 0; c < C; c++)
                                expected += w[o * C * k + j * C + c] * xs[(b * T + src) * C + c];
                        }
                        Assert.AreEqual(expected, ys[(b * T + t) * O + o], 1e-5, $"d {d}, b {b}, t {t}, o {o}");
                    }
        }
    }

    [TestMethod]
    public void PinballLossMatchesHandComputedValues()
    {
        // One row, one value, quantiles 0.1 and 0.9: y = 10, predictions 8 and 13.
        // e = y - ŷ: 2 and -3. Pinball: max(0.1*2, -0.9*2) = 0.2 ; max(0.9*-3, -0.1*-3) = 0.3. Mean = 0.25.
        using var scope = torch.NewDisposeScope();
        var output = torch.tensor(new float[] { 8, 13 }, new long[] { 1, 2 });
        var target = torch.tensor(new float[] { 10 }, new long[] { 1, 1 });
        var loss = TrainingLoop.Pinball(output, target, new[] { 0.1f, 0.9f }).item<float>();
        Assert.AreEqual(0.25f, loss, 1e-6f);
    }

    [TestMethod]
    public void LearningRateSchedules()
    {
        var s = new TrainingSettings { LearningRate = 0.01, Epochs = 10, Schedule = LearningRateSchedule.Cosine };
        Assert.AreEqual(0.01, TrainingLoop.LearningRateAt(s, 1), 1e-12);
        Assert.AreEqual(0.005, TrainingLoop.LearningRateAt(s, 6), 1e-12, "half way: cos(pi/2) = 0");
        s.Schedule = LearningRateSchedule.Step;
        s.StepEpochs = 3;
        s.StepFactor = 0.5;
        CollectionAssert.AreEqual(new[] { 0.01, 0.01, 0.01, 0.005, 0.005, 0.005, 0.0025 }, Enumerable.Range(1, 7).Select(e => TrainingLoop.LearningRateAt(s, e)).ToArray());
    }
}
