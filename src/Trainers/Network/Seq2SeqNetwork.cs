using System;
using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers.Network
{
    /// <summary>Everything needed to rebuild a sequence-to-sequence network; stored with the model as JSON.</summary>
    internal sealed class Seq2SeqNetworkConfig
    {
        /// <summary>Target ids the network reserves: padding, begin and end of the output.</summary>
        public const long Padding = 0, Begin = 1, End = 2, FirstToken = 3;

        /// <summary>The encoder and decoder: LSTM or GRU (with Luong attention), or Transformer.</summary>
        public EncoderKind Cell { get; set; } = EncoderKind.Gru;

        /// <summary>Source vocabulary size including padding (0) and unknown (1).</summary>
        public int SourceVocabularySize { get; set; }

        /// <summary>Target vocabulary size including padding (0), begin (1) and end (2).</summary>
        public int TargetVocabularySize { get; set; }

        /// <summary>Token embedding size (recurrent cells); the Transformer's embeddings are <see cref="HiddenSize"/> wide.</summary>
        public int EmbeddingDimension { get; set; } = 64;

        /// <summary>Hidden units of the decoder and of each encoder direction; the Transformer's model width.</summary>
        public int HiddenSize { get; set; } = 128;

        /// <summary>Layers of the encoder and of the decoder.</summary>
        public int Layers { get; set; } = 1;
        public bool Bidirectional { get; set; } = true;
        public double Dropout { get; set; } = 0.2;

        /// <summary>Transformer: attention heads (dividing <see cref="HiddenSize"/>).</summary>
        public int Heads { get; set; } = 4;

        /// <summary>Transformer: width of each layer's feed-forward block.</summary>
        public int FeedForwardDimension { get; set; } = 512;

        /// <summary>Label smoothing ε of the training loss (0: plain cross-entropy).</summary>
        public double LabelSmoothing { get; set; }

        public void Validate()
        {
            if (Cell is not (EncoderKind.Lstm or EncoderKind.Gru or EncoderKind.Transformer))
                throw new ArgumentOutOfRangeException(nameof(Cell), $"A sequence-to-sequence network is Lstm, Gru or Transformer; it is {Cell}.");
            if (Cell == EncoderKind.Transformer && (Heads <= 0 || HiddenSize % Heads != 0 || FeedForwardDimension <= 0))
                throw new ArgumentOutOfRangeException(nameof(Heads), $"The Transformer's heads ({Heads}) must divide its width ({HiddenSize}), and its feed-forward width ({FeedForwardDimension}) be positive.");
            if (!(LabelSmoothing >= 0 && LabelSmoothing < 1))
                throw new ArgumentOutOfRangeException(nameof(LabelSmoothing), $"Label smoothing must be in [0, 1); it is {LabelSmoothing}.");
            if (SourceVocabularySize < 3)
                throw new ArgumentOutOfRangeException(nameof(SourceVocabularySize), $"The source vocabulary needs padding, unknown and at least one symbol; it has {SourceVocabularySize} entries.");
            if (TargetVocabularySize < FirstToken + 1)
                throw new ArgumentOutOfRangeException(nameof(TargetVocabularySize), $"The target vocabulary needs padding, begin, end and at least one token; it has {TargetVocabularySize} entries.");
            if (EmbeddingDimension <= 0 || HiddenSize <= 0 || Layers <= 0)
                throw new ArgumentOutOfRangeException(nameof(HiddenSize), "Embedding size, hidden size and layers must be positive.");
            if (!(Dropout >= 0 && Dropout < 1))
                throw new ArgumentOutOfRangeException(nameof(Dropout), $"Dropout must be in [0, 1); it is {Dropout}.");
        }
    }

    /// <summary>
    /// What the engine asks of an encoder-decoder: encode a padded source, decode a batch of target prefixes (teacher
    /// forcing: the whole target at once; decoding: one step at a time, carrying the state), and the training loss.
    /// </summary>
    internal abstract class Seq2SeqModule : nn.Module
    {
        private protected Seq2SeqModule(string name, Seq2SeqNetworkConfig config) : base(name)
        {
            config.Validate();
            Config = config;
        }

        public Seq2SeqNetworkConfig Config { get; }

        /// <summary>The network <paramref name="config"/> describes.</summary>
        public static Seq2SeqModule Create(Seq2SeqNetworkConfig config) =>
            config.Cell == EncoderKind.Transformer ? new TransformerSeq2SeqNetwork(config) : new Seq2SeqNetwork(config);

        /// <summary>The source's encoding: memory [B, S, M], attention keys, the real-step mask [B, S] and the decoder's first state.</summary>
        public abstract Encoded Encode(Tensor source, Tensor lengths);

        /// <summary>Logits [B, T, V] of the next token after each of <paramref name="previous"/> [B, T], and the state after them.</summary>
        public abstract (Tensor Logits, DecoderState State) Decode(Tensor previous, DecoderState state, Encoded source);

        /// <summary>Teacher-forced cross-entropy per target token (padding ignored, optionally label-smoothed), averaged over the batch's tokens.</summary>
        public Tensor Loss(Tensor source, Tensor lengths, Tensor targetIn, Tensor targetOut)
        {
            var encoded = Encode(source, lengths);
            var (logits, _) = Decode(targetIn, encoded.State, encoded);
            return nn.functional.cross_entropy(logits.reshape(-1, Config.TargetVocabularySize), targetOut.reshape(-1),
                ignore_index: Seq2SeqNetworkConfig.Padding, label_smoothing: Config.LabelSmoothing);
        }
    }

    /// <summary>
    /// An encoder-decoder with attention: an (optionally bidirectional) LSTM or GRU reads the source; a decoder of the
    /// same cell, started from a projection of the source's mean encoding, reads the target so far; Luong's "general"
    /// attention (Luong, Pham and Manning, EMNLP 2015: score(h, m) = hᵀW m, softmax over the real source steps) gives a
    /// context, and tanh(W_c [context; h]) feeds the output layer. Without input feeding, training runs the decoder over
    /// the whole target at once (teacher forcing); decoding runs the same cell one step at a time.
    /// </summary>
    internal sealed class Seq2SeqNetwork : Seq2SeqModule
    {
        private readonly Embedding sourceEmbedding, targetEmbedding;
        private readonly RecurrentEncoder encoder;
        private readonly Linear bridge, attention, combine, output;
        private readonly GRU? gruDecoder;
        private readonly LSTM? lstmDecoder;
        private readonly Dropout dropout;

        public Seq2SeqNetwork(Seq2SeqNetworkConfig config) : base("Seq2SeqNetwork", config)
        {
            int e = config.EmbeddingDimension, h = config.HiddenSize;
            sourceEmbedding = nn.Embedding(config.SourceVocabularySize, e, padding_idx: 0);
            targetEmbedding = nn.Embedding(config.TargetVocabularySize, e, padding_idx: Seq2SeqNetworkConfig.Padding);
            encoder = new RecurrentEncoder(config.Cell, e, h, config.Layers, config.Bidirectional, config.Dropout);
            int memory = encoder.OutputSize;
            bridge = nn.Linear(memory, config.Layers * h);
            double between = config.Layers > 1 ? config.Dropout : 0.0;
            if (config.Cell == EncoderKind.Lstm)
                lstmDecoder = nn.LSTM(e, h, config.Layers, batchFirst: true, dropout: between);
            else
                gruDecoder = nn.GRU(e, h, config.Layers, batchFirst: true, dropout: between);
            attention = nn.Linear(memory, h, hasBias: false);
            combine = nn.Linear(memory + h, h);
            output = nn.Linear(h, config.TargetVocabularySize);
            dropout = nn.Dropout(config.Dropout);
            RegisterComponents();
        }

        /// <summary>The source's encoding: memory [B, S, M], its attention keys [B, S, H], the real-step mask [B, S] and the decoder's first state.</summary>
        public override Encoded Encode(Tensor source, Tensor lengths)
        {
            var mask = source.NotEqualTo(0);
            var steps = new StepMask(mask, lengths, allReal: mask.all().item<bool>());
            var memory = encoder.Encode(dropout.call(sourceEmbedding.call(source)), steps);
            var real = mask.unsqueeze(-1).to_type(memory.dtype);
            var mean = (memory * real).sum(1) / real.sum(1).AtLeast(1);
            long b = source.shape[0];
            var start = torch.tanh(bridge.call(mean)).view(b, Config.Layers, Config.HiddenSize).transpose(0, 1).contiguous();
            var state = new DecoderState(start, lstmDecoder != null ? torch.zeros_like(start) : null);
            return new Encoded(memory, attention.call(memory), mask, state);
        }

        /// <summary>Logits [B, T, V] of the next token after each of <paramref name="previous"/> [B, T], and the state after them.</summary>
        public override (Tensor Logits, DecoderState State) Decode(Tensor previous, DecoderState state, Encoded source)
        {
            var x = dropout.call(targetEmbedding.call(previous));
            Tensor hidden;
            DecoderState next;
            if (lstmDecoder != null)
            {
                Tensor o, h, c;
                using (var exact = LstmKernelChoice.Exact(lstmDecoder, x))
                {
                    (o, h, c) = lstmDecoder.call(x, (state.Hidden, state.Cell!));
                    // Detached, so a decoding loop's state does not chain one step's graph to the next.
                    if (exact != null)
                        (o, h, c) = (o.detach(), h.detach(), c.detach());
                }
                hidden = o;
                next = new DecoderState(h, c);
            }
            else
            {
                var (o, h) = gruDecoder!.call(x, state.Hidden);
                hidden = o;
                next = new DecoderState(h, null);
            }
            var scores = hidden.bmm(source.Keys.transpose(1, 2));                        // [B, T, S]
            scores = scores.FilledWhere(source.Mask.logical_not().unsqueeze(1), double.NegativeInfinity);
            var context = scores.softmax(-1).bmm(source.Memory);                           // [B, T, M]
            var attended = torch.tanh(combine.call(torch.cat(new[] { context, hidden }, -1)));
            return (output.call(dropout.call(attended)), next);
        }
    }

    /// <summary>
    /// The decoder's state: the recurrent hidden state [L, B, H] and the LSTM's cell state (null for a GRU); for the
    /// Transformer, the tokens decoded so far, step-major [t, B], and no cell.
    /// </summary>
    internal sealed record DecoderState(Tensor Hidden, Tensor? Cell)
    {
        /// <summary>The rows <paramref name="index"/> (a long tensor) of the state, e.g. the surviving beams.</summary>
        public DecoderState Select(Tensor index) => new(Hidden.index_select(1, index), Cell?.index_select(1, index));
    }

    /// <summary>An encoded source: memory, attention keys, real-step mask and the decoder's first state.</summary>
    internal sealed record Encoded(Tensor Memory, Tensor Keys, Tensor Mask, DecoderState State)
    {
        /// <summary>The rows <paramref name="index"/> of every part (a source repeated per beam).</summary>
        public Encoded Select(Tensor index) => new(Memory.index_select(0, index), Keys.index_select(0, index), Mask.index_select(0, index), State.Select(index));
    }
}
