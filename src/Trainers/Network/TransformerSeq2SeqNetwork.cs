using System;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers.Network
{
    /// <summary>
    /// A Transformer encoder-decoder (Vaswani et al., 2017) in the pre-norm arrangement (layer norm before each block,
    /// a final norm after each stack; Xiong et al., 2020), which trains without a warm-up of the learning rate: token
    /// embeddings scaled by √d plus sinusoidal positions; the encoder's self-attention sees the real source steps; the
    /// decoder's self-attention is causal and its cross-attention reads the encoder's output. Teacher forcing decodes the
    /// whole target at once. Outside training, <see cref="Encode"/> also computes every decoder layer's cross-attention
    /// keys and values once (in <see cref="Encoded.Keys"/>), and step-by-step decoding runs only the new tokens through
    /// the decoder: its state holds the tokens so far and every layer's self-attention keys and values for them (both
    /// step-major, [t, B] and [t, B, layers · 2d], so the beam search selects rows on dimension 1 as for the recurrent
    /// state), which later steps attend to instead of recomputing them.
    /// </summary>
    internal sealed class TransformerSeq2SeqNetwork : Seq2SeqModule
    {
        private readonly Embedding sourceEmbedding, targetEmbedding;
        private readonly ModuleList<Seq2SeqAttentionLayer> encoderLayers, decoderLayers;
        private readonly LayerNorm encoderNorm, decoderNorm;
        private readonly Linear output;
        private readonly Dropout dropout;
        private readonly double _scale;
        private readonly Tensor positions;

        public TransformerSeq2SeqNetwork(Seq2SeqNetworkConfig config) : base("TransformerSeq2SeqNetwork", config)
        {
            int d = config.HiddenSize;
            _scale = Math.Sqrt(d);
            sourceEmbedding = nn.Embedding(config.SourceVocabularySize, d, padding_idx: 0);
            targetEmbedding = nn.Embedding(config.TargetVocabularySize, d, padding_idx: Seq2SeqNetworkConfig.Padding);
            // Embeddings start at N(0, 1/d) so that, scaled by √d, they are as large as the positions.
            using (torch.no_grad())
            {
                nn.init.normal_(sourceEmbedding.weight!, 0, 1 / _scale);
                nn.init.normal_(targetEmbedding.weight!, 0, 1 / _scale);
                sourceEmbedding.weight![0].zero_();
                targetEmbedding.weight![Seq2SeqNetworkConfig.Padding].zero_();
            }
            encoderLayers = new ModuleList<Seq2SeqAttentionLayer>();
            decoderLayers = new ModuleList<Seq2SeqAttentionLayer>();
            for (int i = 0; i < config.Layers; i++)
            {
                encoderLayers.Add(new Seq2SeqAttentionLayer(d, config.Heads, config.FeedForwardDimension, config.Dropout, crossAttention: false));
                decoderLayers.Add(new Seq2SeqAttentionLayer(d, config.Heads, config.FeedForwardDimension, config.Dropout, crossAttention: true));
            }
            encoderNorm = nn.LayerNorm(d);
            decoderNorm = nn.LayerNorm(d);
            output = nn.Linear(d, config.TargetVocabularySize);
            dropout = nn.Dropout(config.Dropout);
            positions = SinusoidalPositions.Table(256, d);
            RegisterComponents();
        }

        /// <summary>
        /// Whether decoding outside training keeps keys and values (true, the default); false runs the decoder over every
        /// token so far at each step, as before the cache existed (the benchmark compares the two; the outputs agree).
        /// </summary>
        internal bool CacheDecoding { get; set; } = true;

        /// <summary>
        /// Positions 0 to <paramref name="length"/> − 1 [length, d]: from the stored table, or for a longer sequence from
        /// a table computed for the call (sinusoids are defined at every position; the stored one never changes).
        /// </summary>
        private Tensor Positions(long length, Device device) =>
            length > positions.shape[0] ? SinusoidalPositions.Table((int)length, Config.HiddenSize).to(device) : positions.narrow(0, 0, length).to(device);

        private Tensor Embed(Embedding embedding, Tensor ids) =>
            dropout.call(embedding.call(ids).Times(_scale).Plus(Positions(ids.shape[1], ids.device)));

        public override Encoded Encode(Tensor source, Tensor lengths)
        {
            var mask = source.NotEqualTo(0);                                    // [B, S]
            var attend = mask.unsqueeze(1).unsqueeze(2);                // [B, 1, 1, S]
            var h = Embed(sourceEmbedding, source);
            foreach (var layer in encoderLayers)
                h = layer.Forward(h, attend, null, null);
            var memory = encoderNorm.Normalize(h);
            long b = source.shape[0];
            var start = torch.zeros(new long[] { 0, b }, ScalarType.Int64, source.device);
            // Training keeps its graph as it was (each layer projects the memory itself); decoding projects it once.
            var keys = training || !CacheDecoding ? memory : torch.cat(decoderLayers.Select(l => l.CrossKeysValues(memory)).ToArray(), 2);   // [B, S, layers · 2d]
            return new Encoded(memory, keys, mask, new DecoderState(start, null));
        }

        public override (Tensor Logits, DecoderState State) Decode(Tensor previous, DecoderState state, Encoded source)
        {
            long twoD = 2L * Config.HiddenSize;
            return source.Keys.shape[2] == decoderLayers.Count * twoD ? DecodeCached(previous, state, source, twoD) : DecodeAll(previous, state, source);
        }

        /// <summary>
        /// Runs only the new tokens (positions p to p + f − 1) through the decoder; each layer attends to the keys and values
        /// the state kept for positions before p and to the cross-attention keys and values <see cref="Encode"/> computed.
        /// </summary>
        private (Tensor Logits, DecoderState State) DecodeCached(Tensor previous, DecoderState state, Encoded source, long twoD)
        {
            long p = state.Hidden.shape[0], f = previous.shape[1];
            var history = p == 0 ? previous : torch.cat(new[] { state.Hidden.t(), previous }, 1);                      // [B, p + f]
            var causal = torch.ones(f, p + f, ScalarType.Bool, previous.device).tril(p).unsqueeze(0).unsqueeze(0);      // [1, 1, f, p + f]
            var cross = source.Mask.unsqueeze(1).unsqueeze(2);                                                          // [B, 1, 1, S]
            var h = dropout.call(targetEmbedding.call(previous).Times(_scale).Plus(Positions(p + f, previous.device).narrow(0, p, f)));
            var past = state.Cell?.transpose(0, 1);                                                                     // [B, p, layers · 2d]
            var kept = new Tensor[decoderLayers.Count];
            for (int l = 0; l < kept.Length; l++)
                (h, kept[l]) = decoderLayers[l].Step(h, past?.narrow(2, l * twoD, twoD), causal, source.Keys.narrow(2, l * twoD, twoD), cross);
            var cache = torch.cat(kept, 2).transpose(0, 1);                                                             // [p + f, B, layers · 2d]
            return (output.call(decoderNorm.Normalize(h)), new DecoderState(history.t(), cache));
        }

        /// <summary>Runs the decoder over every token so far (teacher forcing, training).</summary>
        private (Tensor Logits, DecoderState State) DecodeAll(Tensor previous, DecoderState state, Encoded source)
        {
            var history = state.Hidden.shape[0] == 0 ? previous : torch.cat(new[] { state.Hidden.t(), previous }, 1);   // [B, t]
            long t = history.shape[1], fresh = previous.shape[1];
            var causal = torch.ones(t, t, ScalarType.Bool, history.device).tril().unsqueeze(0).unsqueeze(0);          // [1, 1, t, t]
            var cross = source.Mask.unsqueeze(1).unsqueeze(2);                                                          // [B, 1, 1, S]
            var h = Embed(targetEmbedding, history);
            foreach (var layer in decoderLayers)
                h = layer.Forward(h, causal, source.Memory, cross);
            var last = decoderNorm.Normalize(h.narrow(1, t - fresh, fresh));
            return (output.call(last), new DecoderState(history.t(), null));
        }
    }

    /// <summary>
    /// One pre-norm Transformer layer, batch-first: self-attention (masked), optionally cross-attention to a memory,
    /// and a feed-forward block, each as x + dropout(block(norm(x))).
    /// </summary>
    internal sealed class Seq2SeqAttentionLayer : nn.Module
    {
        private readonly Linear selfQkv, selfOut, ff1, ff2;
        private readonly Linear? crossQ, crossKv, crossOut;
        private readonly LayerNorm norm1, norm3;
        private readonly LayerNorm? norm2;
        private readonly Dropout drop;
        private readonly int _heads;

        public Seq2SeqAttentionLayer(int model, int heads, int feedForward, double dropout, bool crossAttention) : base("Seq2SeqAttentionLayer")
        {
            _heads = heads;
            selfQkv = nn.Linear(model, 3 * model);
            selfOut = nn.Linear(model, model);
            if (crossAttention)
            {
                crossQ = nn.Linear(model, model);
                crossKv = nn.Linear(model, 2 * model);
                crossOut = nn.Linear(model, model);
                norm2 = nn.LayerNorm(model);
            }
            ff1 = nn.Linear(model, feedForward);
            ff2 = nn.Linear(feedForward, model);
            norm1 = nn.LayerNorm(model);
            norm3 = nn.LayerNorm(model);
            drop = nn.Dropout(dropout);
            RegisterComponents();
        }

        /// <summary>[B, heads, T, d_head] from [B, T, d].</summary>
        private Tensor Heads(Tensor x)
        {
            long b = x.shape[0], t = x.shape[1], d = x.shape[2];
            return x.view(b, t, _heads, d / _heads).transpose(1, 2);
        }

        /// <summary>softmax(QKᵀ / √d_head + mask) V, heads merged back to [B, T, d].</summary>
        private Tensor Attention(Tensor q, Tensor k, Tensor v, Tensor attend)
        {
            long b = q.shape[0], t = q.shape[2], dh = q.shape[3];
            var scores = q.matmul(k.transpose(-2, -1)).Times(1.0 / Math.Sqrt(dh));
            scores = scores.FilledWhere(attend.logical_not(), double.NegativeInfinity);
            var mixed = drop.call(scores.softmax(-1)).matmul(v);
            return mixed.transpose(1, 2).reshape(b, t, _heads * dh);
        }

        /// <param name="x">[B, T, d].</param>
        /// <param name="selfAttend">Booleans broadcast to [B, heads, T, T]: true where a query may see a key.</param>
        /// <param name="memory">The encoder's output [B, S, d] for cross-attention, or null.</param>
        /// <param name="crossAttend">Booleans broadcast to [B, heads, T, S], or null.</param>
        public Tensor Forward(Tensor x, Tensor selfAttend, Tensor? memory, Tensor? crossAttend)
        {
            long b = x.shape[0], t = x.shape[1], d = x.shape[2];
            var qkv = selfQkv.call(norm1.Normalize(x)).view(b, t, 3, d).unbind(2);
            x = x.Plus(drop.call(selfOut.call(Attention(Heads(qkv[0]), Heads(qkv[1]), Heads(qkv[2]), selfAttend))));
            if (memory is not null && crossQ != null)
                x = CrossAttend(x, CrossKeysValues(memory), crossAttend!);
            return FeedForward(x);
        }

        /// <summary>The cross-attention keys and values of a memory [B, S, d]: [B, S, 2d] (keys, then values).</summary>
        public Tensor CrossKeysValues(Tensor memory) =>
            crossKv?.call(memory) ?? throw new InvalidOperationException("This layer has no cross-attention.");

        /// <summary>
        /// A decoder layer for new positions only: <paramref name="x"/> [B, f, d] are the new positions,
        /// <paramref name="past"/> [B, p, 2d] the self-attention keys and values of the positions before them (null when
        /// none), <paramref name="selfAttend"/> broadcast to [B, heads, f, p + f], <paramref name="crossKeysValues"/>
        /// [B, S, 2d] from <see cref="CrossKeysValues"/>. Returns the layer's output [B, f, d] and the keys and values of all
        /// p + f positions [B, p + f, 2d].
        /// </summary>
        public (Tensor Output, Tensor KeysValues) Step(Tensor x, Tensor? past, Tensor selfAttend, Tensor crossKeysValues, Tensor crossAttend)
        {
            long b = x.shape[0], f = x.shape[1], d = x.shape[2];
            var qkv = selfQkv.call(norm1.Normalize(x)).view(b, f, 3, d);
            var fresh = qkv.narrow(2, 1, 2).reshape(b, f, 2 * d);
            var kv = past is null ? fresh : torch.cat(new[] { past, fresh }, 1);                                       // [B, p + f, 2d]
            var (k, v) = Split(kv, d);
            x = x.Plus(drop.call(selfOut.call(Attention(Heads(qkv.select(2, 0)), k, v, selfAttend))));
            return (FeedForward(CrossAttend(x, crossKeysValues, crossAttend)), kv);
        }

        /// <summary>Keys and values [B, heads, T, d_head] from [B, T, 2d].</summary>
        private (Tensor Keys, Tensor Values) Split(Tensor keysValues, long d)
        {
            var kv = keysValues.view(keysValues.shape[0], keysValues.shape[1], 2, d).unbind(2);
            return (Heads(kv[0]), Heads(kv[1]));
        }

        private Tensor CrossAttend(Tensor x, Tensor crossKeysValues, Tensor crossAttend)
        {
            var q = Heads(crossQ!.call(norm2!.Normalize(x)));
            var (k, v) = Split(crossKeysValues, x.shape[2]);
            return x.Plus(drop.call(crossOut!.call(Attention(q, k, v, crossAttend))));
        }

        private Tensor FeedForward(Tensor x) =>
            x.Plus(drop.call(ff2.call(drop.call(nn.functional.relu(ff1.call(norm3.Normalize(x)))))));
    }
}
