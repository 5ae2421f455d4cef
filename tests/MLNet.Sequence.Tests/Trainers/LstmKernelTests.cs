using System;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Tests.Trainers;

/// <summary>
/// libtorch 2.10's CPU LSTM inference kernel (taken when no gradient is recorded) returns wrong outputs for small hidden
/// sizes; the encoders score through the training kernel instead. These checks hold the scoring path to a float64
/// step-by-step LSTM and to the training path, on the shapes where the inference kernel was seen to be wrong.
/// </summary>
[TestClass]
public sealed class LstmKernelTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>h, c ← LSTM step in float64: gates i, f, g, o as libtorch lays them out.</summary>
    private static double[] Reference(RecurrentEncoder encoder, Tensor x, int hidden)
    {
        using var scope = torch.NewDisposeScope();
        var p = encoder.named_parameters().ToDictionary(a => a.name, a => ((Tensor)a.parameter).detach().to(ScalarType.Float64));
        var w = p["lstm.weight_ih_l0"];
        var r = p["lstm.weight_hh_l0"];
        var b = p["lstm.bias_ih_l0"] + p["lstm.bias_hh_l0"];
        var h = torch.zeros(hidden, dtype: ScalarType.Float64);
        var c = torch.zeros(hidden, dtype: ScalarType.Float64);
        var xs = x.to(ScalarType.Float64);
        for (long t = 0; t < x.shape[1]; t++)
        {
            var gates = w.matmul(xs[0, t]) + r.matmul(h) + b;
            var g = gates.chunk(4);
            c = g[1].sigmoid() * c + g[0].sigmoid() * g[2].tanh();
            h = g[3].sigmoid() * c.tanh();
        }
        return h.data<double>().ToArray();
    }

    [TestMethod]
    [DataRow(4, 4)]
    [DataRow(16, 16)]
    [DataRow(64, 16)]
    [DataRow(8, 24)]
    public void ScoringMatchesAFloat64StepByStepLstm(int input, int hidden)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(5);
        using var encoder = new RecurrentEncoder(EncoderKind.Lstm, input, hidden, 1, bidirectional: false, dropout: 0);
        encoder.eval();
        using var x = torch.randn(1, 12, input);
        using var mask = torch.ones(1, 12, dtype: ScalarType.Bool);
        using var lengths = torch.tensor(new long[] { 12 });
        float[] scored;
        using (torch.no_grad())
        using (var h = encoder.Encode(x, new StepMask(mask, lengths, allReal: true)))
            scored = h[0, 11].data<float>().ToArray();
        var expected = Reference(encoder, x, hidden);
        double worst = scored.Zip(expected, (a, e) => Math.Abs(a - e)).Max();
        TestContext.WriteLine($"input {input}, hidden {hidden}: largest difference from the float64 reference {worst:E2}");
        Assert.IsLessThan(1e-5, worst);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void ScoringMatchesTrainingForAStackedBidirectionalLstm(bool padded)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(7);
        using var encoder = new RecurrentEncoder(EncoderKind.Lstm, 4, 48, 2, bidirectional: true, dropout: 0);
        encoder.eval();
        using var x = torch.randn(3, 30, 4);
        var lengthValues = padded ? new long[] { 30, 17, 5 } : new long[] { 30, 30, 30 };
        using var lengths = torch.tensor(lengthValues);
        using var mask = torch.arange(30).unsqueeze(0).lt(lengths.unsqueeze(1));
        var steps = new StepMask(mask, lengths, allReal: !padded);
        using var training = encoder.Encode(x, steps);   // gradients recorded: the training kernel
        using var scoring = torch.no_grad();
        using var scored = encoder.Encode(x, steps);
        using var diff = (training.detach() - scored).abs().max();
        double worst = diff.item<float>();
        TestContext.WriteLine($"padded {padded}: largest difference scoring vs training: {worst:E2}");
        Assert.IsLessThan(1e-5, worst);
    }

    [TestMethod]
    [DataRow(16, 16, 1, false)]
    [DataRow(8, 64, 1, false)]
    [DataRow(4, 48, 2, true)]
    [DataRow(64, 64, 1, true)]
    public void TheProbeSendsAnLstmToTheFastKernelOnlyWhereItIsRight(int input, int hidden, int layers, bool bidirectional)
    {
        // Whatever this machine's libtorch does, the verdict must match an independent comparison of the two kernels on
        // a different input; scoring then equals the training kernel either way.
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(11);
        using var lstm = nn.LSTM(input, hidden, layers, batchFirst: true, bidirectional: bidirectional);
        lstm.eval();
        var x = torch.randn(5, 23, input);
        Tensor fast, training;
        using (torch.no_grad())
            fast = lstm.call(x).Item1;
        training = lstm.call(x).Item1.detach();
        bool kernelsAgree = (fast - training).abs().max().item<float>() < 1e-4f;
        bool verdict = LstmKernelChoice.InferenceKernelIsExact(lstm);
        TestContext.WriteLine($"input {input}, hidden {hidden}, layers {layers}, bidirectional {bidirectional}: kernels agree {kernelsAgree}, probe says exact {verdict}");
        Assert.AreEqual(kernelsAgree, verdict);
        Tensor scored;
        using (torch.no_grad())
        using (LstmKernelChoice.Exact(lstm, x))
            scored = lstm.call(x).Item1;
        Assert.IsLessThan(1e-5f, (scored - training).abs().max().item<float>(), "scoring gives the training kernel's outputs");
    }
}
