using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Tests.Trainers;

/// <summary>
/// The CPU GRU kernel against libtorch's own GRU (the reference the library used before): same parameters, same
/// outputs and same gradients for the input and every weight, to 1e-5, in every shape the encoder supports.
/// </summary>
[TestClass]
public sealed class GruKernelTests
{
    [TestMethod]
    [DataRow(1, false, false)]
    [DataRow(1, false, true)]
    [DataRow(2, false, true)]
    [DataRow(1, true, false)]
    [DataRow(1, true, true)]
    [DataRow(2, true, false)]
    [DataRow(3, true, true)]
    [DataRow(1, true, false, 1)]
    [DataRow(2, true, true, 9, false)]
    [DataRow(1, false, false, 3, true, 256, 64)]   // B·3H·H ≥ GruKernel.SmallStepWork: the recurrence runs on two threads
    public void MatchesLibtorchGruInOutputsAndGradients(int layers, bool bidirectional, bool padded, int T = 9, bool inputGrad = true, int H = 6, int B = 5)
    {
        using var scope = torch.NewDisposeScope();
        using var threads = ThreadCount.Use(2);
        torch.manual_seed(11);
        const int I = 4;
        if (H > 6)
            Assert.IsGreaterThanOrEqualTo(GruKernel.SmallStepWork, (long)B * 3 * H * H, "this case covers the multi-threaded recurrence");
        using var encoder = new RecurrentEncoder(EncoderKind.Gru, I, H, layers, bidirectional, dropout: 0.0);
        encoder.train();
        var lengths = padded ? new long[] { T, 3, 6, 1, 8 } : Enumerable.Repeat((long)T, B).ToArray();
        Assert.AreEqual(B, lengths.Length);
        var mask = torch.arange(T).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1);
        var steps = new StepMask(mask, torch.tensor(lengths), allReal: !padded);
        var x = torch.randn(B, T, I);
        var weights = torch.randn(B, T, encoder.OutputSize);

        (float[] Output, Dictionary<string, float[]> Grads) Run(bool reference)
        {
            encoder.UseLibtorchGru = reference;
            encoder.zero_grad();
            // Without an input gradient (the first layer over numeric features) the kernel skips dx.
            var input = x.detach().requires_grad_(inputGrad);
            var output = encoder.Encode(input, steps);
            (output * weights).sum().backward();
            var grads = encoder.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.data<float>().ToArray());
            if (inputGrad)
                grads["input"] = input.grad!.data<float>().ToArray();
            else
                Assert.IsNull(input.grad);
            return (output.detach().data<float>().ToArray(), grads);
        }

        var expected = Run(reference: true);
        var actual = Run(reference: false);
        AssertClose(expected.Output, actual.Output, "output");
        Assert.AreEqual(layers * (bidirectional ? 2 : 1) * 4 + (inputGrad ? 1 : 0), expected.Grads.Count);
        foreach (var (name, grad) in expected.Grads)
            AssertClose(grad, actual.Grads[name], $"gradient of {name}");
        // The comparison is not vacuous: gradients reach every weight (with one step, W_hh sees only h₋₁ = 0).
        Assert.IsTrue(expected.Grads.Where(g => T > 1 || !g.Key.Contains("weight_hh")).All(g => g.Value.Any(v => Math.Abs(v) > 1e-4)));
    }

    [TestMethod]
    public void InferenceMatchesLibtorchGruAndKeepsNothingButTheOutput()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(5);
        using var encoder = new RecurrentEncoder(EncoderKind.Gru, 3, 8, 2, bidirectional: true, dropout: 0.3);
        encoder.eval();
        var x = torch.randn(4, 12, 3);
        var steps = new StepMask(torch.ones(new long[] { 4, 12 }, ScalarType.Bool), torch.full(new long[] { 4 }, 12L), allReal: true);
        using var noGrad = torch.no_grad();
        encoder.UseLibtorchGru = true;
        var expected = encoder.Encode(x, steps).data<float>().ToArray();
        encoder.UseLibtorchGru = false;
        EstimatorContract.SettleFinalizers();
        long before = torch.Tensor.TotalCount;
        var output = encoder.Encode(x, steps);
        Assert.AreEqual(before + 1, torch.Tensor.TotalCount, "no gate buffers or intermediate tensors outlive the call");
        AssertClose(expected, output.data<float>().ToArray(), "eval output");
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.AreEqual(expected.Length, actual.Length, what);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        Assert.IsTrue(worst <= 1e-5, $"{what}: largest difference {worst:G3}");
    }
}
