using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Tests.Trainers;

/// <summary>
/// Last pooling over a Transformer runs its last layer at each row's last real step only: the same outputs and the
/// same gradients (input and every weight) as the full encoder followed by a gather, to 1e-5.
/// </summary>
[TestClass]
public sealed class TransformerLastStepTests
{
    [TestMethod]
    [DataRow(1, false)]
    [DataRow(2, false)]
    [DataRow(2, true)]
    [DataRow(3, true)]
    public void TheLastLayerAtTheLastStepEqualsTheFullEncoderThere(int layers, bool padded)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(7);
        const int B = 5, T = 9, I = 4;
        using var encoder = new TransformerEncoder(I, model: 8, heads: 2, layerCount: layers, feedForward: 16, dropout: 0.0, maxLength: 12, tokenInput: false);
        encoder.train();
        var lengths = padded ? new long[] { T, 3, 6, 1, 8 } : Enumerable.Repeat((long)T, B).ToArray();
        var mask = torch.arange(T).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1);
        var steps = new StepMask(mask, torch.tensor(lengths), allReal: !padded);
        var last = torch.tensor(lengths) - 1;
        var x = torch.randn(B, T, I);
        var weights = torch.randn(B, 8);

        (float[] Output, Dictionary<string, float[]> Grads) Run(bool lastOnly)
        {
            encoder.zero_grad();
            var input = x.detach().requires_grad_(true);
            var output = lastOnly
                ? encoder.EncodeLast(input, steps, last)
                : encoder.Encode(input, steps).gather(1, last.view(B, 1, 1).expand(B, 1, 8)).squeeze(1);
            CollectionAssert.AreEqual(new long[] { B, 8 }, output.shape);
            (output * weights).sum().backward();
            var grads = encoder.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.data<float>().ToArray());
            grads["input"] = input.grad!.data<float>().ToArray();
            return (output.detach().data<float>().ToArray(), grads);
        }

        var full = Run(lastOnly: false);
        var lastOnly = Run(lastOnly: true);
        AssertClose(full.Output, lastOnly.Output, "output");
        foreach (var (name, grad) in full.Grads)
            AssertClose(grad, lastOnly.Grads[name], $"gradient of {name}");
        // Not vacuous: the last layer's query weights and the earlier layers all receive gradient.
        Assert.IsTrue(full.Grads.Values.All(g => g.Any(v => Math.Abs(v) > 1e-5)), "every parameter gets a gradient");
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
