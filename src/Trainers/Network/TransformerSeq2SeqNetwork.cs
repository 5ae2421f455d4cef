using System;
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
    /// whole target at once; step-by-step decoding carries the tokens so far as its state (step-major [t, B], so the
    /// beam search selects rows on dimension 1 as for the recurrent state) and runs the decoder over them again.
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
            return new Encoded(memory, memory, mask, new DecoderState(start, null));
        }

        public override (Tensor Logits, DecoderState State) Decode(Tensor previous, DecoderState state, Encoded source)
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
            {
                var q = Heads(crossQ.call(norm2!.Normalize(x)));
                var kv = crossKv!.call(memory).view(memory.shape[0], memory.shape[1], 2, d).unbind(2);
                x = x.Plus(drop.call(crossOut!.call(Attention(q, Heads(kv[0]), Heads(kv[1]), crossAttend!))));
            }
            return x.Plus(drop.call(ff2.call(drop.call(nn.functional.relu(ff1.call(norm3.Normalize(x)))))));
        }
    }
}
