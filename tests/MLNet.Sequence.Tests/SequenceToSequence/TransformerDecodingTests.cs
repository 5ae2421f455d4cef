using System;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Tests.SequenceToSequence;

/// <summary>
/// The Transformer encoder-decoder's step-by-step decoding, which keeps each layer's self-attention keys and values in
/// its state, against running the decoder over every token so far (the teacher-forcing path).
/// </summary>
[TestClass]
public sealed class TransformerDecodingTests
{
    private static Seq2SeqModule Network(int layers)
    {
        torch.manual_seed(7);
        var network = Seq2SeqModule.Create(new Seq2SeqNetworkConfig
        {
            Cell = global::MLNet.Sequence.Trainers.EncoderKind.Transformer, SourceVocabularySize = 12, TargetVocabularySize = 15, HiddenSize = 32,
            Heads = 4, FeedForwardDimension = 64, Layers = layers, Dropout = 0.1,
        });
        network.eval();
        return network;
    }

    /// <summary>Sources of different lengths (0 pads), so the cross-attention masks matter.</summary>
    private static (Tensor Source, Tensor Lengths) Sources()
    {
        var source = torch.tensor(new long[,] { { 3, 4, 5, 6, 7 }, { 8, 9, 0, 0, 0 }, { 10, 11, 4, 0, 0 } });
        return (source, torch.tensor(new long[] { 5, 2, 3 }));
    }

    /// <summary>The decoder over all tokens at once: the same encoding without its precomputed keys.</summary>
    private static Tensor AllAtOnce(Seq2SeqModule network, Encoded e, Tensor tokens) =>
        network.Decode(tokens, e.State, new Encoded(e.Memory, e.Memory, e.Mask, e.State)).Logits;

    [TestMethod]
    [DataRow(1)]
    [DataRow(3)]
    public void StepByStepLogitsEqualTheWholeDecoderRun(int layers)
    {
        using var scope = torch.NewDisposeScope();
        using var network = Network(layers);
        using var _ = torch.no_grad();
        var (source, lengths) = Sources();
        var encoded = network.Encode(source, lengths);
        Assert.AreEqual(layers * 2L * 32, encoded.Keys.shape[2], "decoding precomputes every layer's cross-attention keys and values");
        var tokens = torch.tensor(new long[,] { { 1, 3, 7, 9, 4, 12 }, { 1, 14, 5, 5, 2, 6 }, { 1, 8, 3, 11, 10, 13 } });
        var whole = AllAtOnce(network, encoded, tokens);                                         // [3, 6, 15]
        var state = encoded.State;
        for (int t = 0; t < tokens.shape[1]; t++)
        {
            var (logits, next) = network.Decode(tokens.narrow(1, t, 1), state, encoded);
            Assert.AreEqual(t + 1L, next.Hidden.shape[0], "the state holds the tokens so far");
            Assert.AreEqual(t + 1L, next.Cell!.shape[0], "and every layer's keys and values for them");
            var expected = whole.narrow(1, t, 1);
            double gap = (logits - expected).abs().max().item<float>();
            Assert.IsLessThan(1e-5, gap, $"step {t}: logits against the whole decoder run");
            state = next;
        }
        // Two new tokens at once after a cached prefix: the causal mask sees the prefix and the earlier new token.
        var prefix = network.Decode(tokens.narrow(1, 0, 3), encoded.State, encoded).State;
        var rest = network.Decode(tokens.narrow(1, 3, 2), prefix, encoded).Logits;
        Assert.IsLessThan(1e-5, (rest - whole.narrow(1, 3, 2)).abs().max().item<float>(), "two new tokens after a cached prefix");
    }

    /// <summary>The beam search reorders states with <see cref="DecoderState.Select"/>; the kept keys and values follow their rows.</summary>
    [TestMethod]
    public void ReorderedStatesContinueTheirOwnRows()
    {
        using var scope = torch.NewDisposeScope();
        using var network = Network(2);
        using var _ = torch.no_grad();
        var (source, lengths) = Sources();
        var encoded = network.Encode(source, lengths);
        var tokens = torch.tensor(new long[,] { { 1, 3, 7, 9 }, { 1, 14, 5, 5 }, { 1, 8, 3, 11 } });
        var state = network.Decode(tokens.narrow(1, 0, 2), encoded.State, encoded).State;
        var order = torch.tensor(new long[] { 2, 0, 0 });           // row 2 first, row 0 twice (a beam that split)
        var moved = encoded.Select(order);
        var next = network.Decode(tokens.index_select(0, order).narrow(1, 2, 2), state.Select(order), moved).Logits;
        var whole = AllAtOnce(network, moved, tokens.index_select(0, order));
        Assert.IsLessThan(1e-5, (next - whole.narrow(1, 2, 2)).abs().max().item<float>(), "logits of reordered rows");
    }

    /// <summary>Training keeps the graph it had: no precomputed keys, so the decoder projects the memory in each layer.</summary>
    [TestMethod]
    public void TrainingEncodesWithoutPrecomputedKeys()
    {
        using var scope = torch.NewDisposeScope();
        using var network = Network(2);
        network.train();
        var (source, lengths) = Sources();
        var encoded = network.Encode(source, lengths);
        Assert.AreEqual(32L, encoded.Keys.shape[2], "training's keys are the memory itself");
        Assert.AreSame(encoded.Memory, encoded.Keys, "the same tensor");
    }
}
