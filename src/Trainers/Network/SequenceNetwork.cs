using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers.Network
{
    /// <summary>
    /// The whole model: input (token embedding or numeric steps) → encoder → pooling → head. Input is
    /// [batch, steps] int64 token ids (0 = padding) or [batch, steps, features] float32, plus a boolean mask of
    /// real steps. Rows may be padded at either end: the network first moves real steps to the front.
    /// </summary>
    internal sealed class SequenceNetwork : nn.Module<Tensor, Tensor, Tensor>
    {
        private readonly Embedding? embedding;
        private readonly Encoder? encoder;
        private readonly NBeatsBlocks? nbeats;
        private readonly Linear? attentionHidden, attentionScore;
        private readonly Linear? headHidden;
        private readonly Linear? head;
        private readonly Dropout drop;
        private readonly NetworkConfig _config;

        public SequenceNetwork(NetworkConfig config) : base("SequenceNetwork")
        {
            config.Validate();
            _config = config;
            int input = config.TokenInput ? config.EmbeddingDimension : config.FeaturesPerStep;
            drop = nn.Dropout(config.Dropout);
            if (config.Encoder == EncoderKind.NBeats)
            {
                // N-BEATS is the whole network: its blocks' summed forecasts are the output (no pooling, no head).
                if (config.TokenInput)
                    throw new ArgumentException("N-BEATS takes numeric windows of a fixed length, not tokens.");
                nbeats = new NBeatsBlocks(config);
                RegisterComponents();
                return;
            }
            if (config.TokenInput)
                embedding = nn.Embedding(config.VocabularySize, config.EmbeddingDimension, padding_idx: 0);
            encoder = config.Encoder switch
            {
                EncoderKind.Lstm or EncoderKind.Gru => new RecurrentEncoder(config.Encoder, input, config.HiddenSize, config.Layers, config.Bidirectional, config.Dropout),
                EncoderKind.Transformer => new TransformerEncoder(input, config.HiddenSize, config.Heads, config.Layers, config.FeedForwardDimension, config.Dropout, config.SequenceLength, config.TokenInput),
                _ => new ConvolutionalEncoder(input, config.HiddenSize, config.KernelSize, config.Layers, config.Dropout),
            };
            int pooled = (config.Pooling == SequencePooling.Flatten ? encoder.OutputSize * config.SequenceLength : encoder.OutputSize) + config.StaticFeatures;
            if (config.Pooling == SequencePooling.Attention)
            {
                attentionHidden = nn.Linear(encoder.OutputSize, encoder.OutputSize);
                attentionScore = nn.Linear(encoder.OutputSize, 1, hasBias: false);
            }
            if (config.HeadHiddenSize > 0)
            {
                headHidden = nn.Linear(pooled, config.HeadHiddenSize);
                pooled = config.HeadHiddenSize;
            }
            head = nn.Linear(pooled, config.Outputs * Math.Max(1, config.Quantiles));
            RegisterComponents();
            InitializeEmbedding();
        }

        public NetworkConfig Config => _config;

        /// <summary>The encoder (benchmarks switch the GRU's kernel through it).</summary>
        internal Encoder Encoder => encoder ?? throw new InvalidOperationException("An N-BEATS network has no sequence encoder.");

        /// <summary>
        /// Keras' default: uniform in ±0.05. torch's N(0, 1) start barely moves for rare words at lr 1e-3 on small data
        /// (measured on the sentiment and POS sets: 4-8 accuracy points lost). The padding row stays zero.
        /// </summary>
        private void InitializeEmbedding()
        {
            if (embedding == null)
                return;
            using var _ = torch.no_grad();
            // Embedding.weight hands out a new handle on every read: dispose each, or it pins the table until the GC runs.
            using var weight = embedding.weight!;
            nn.init.uniform_(weight, -0.05, 0.05);
            using var padding = weight[0];
            nn.init.zeros_(padding);   // Tensor.zero_() in TorchSharp 0.107 returns a new handle that would be left undisposed
        }

        /// <summary>Replaces the embedding table (pretrained vectors); optionally freezes it.</summary>
        public void SetEmbedding(float[] table, bool freeze)
        {
            if (embedding == null)
                throw new InvalidOperationException("The network takes numeric input; it has no embedding.");
            using var _ = torch.no_grad();
            using var t = torch.tensor(table, new long[] { _config.VocabularySize, _config.EmbeddingDimension });
            using var weight = embedding.weight!;
            weight.copy_(t);
            using var padding = weight[0];
            nn.init.zeros_(padding);   // Tensor.zero_() in TorchSharp 0.107 returns a new handle that would be left undisposed
            weight.requires_grad = !freeze;
        }

        /// <param name="x">Token ids [B, T] (int64) or numeric steps [B, T, F] (float32).</param>
        /// <param name="mask">[B, T] booleans, true at real steps.</param>
        /// <returns>[B, outputs] raw outputs (logits or regression values).</returns>
        public override Tensor forward(Tensor x, Tensor mask) => Forward(x, mask, null);

        /// <summary>
        /// The forward pass with an optional [B, StaticFeatures] tensor joined to the pooled sequence. Stateless: it reads
        /// no field that a call sets, so one network scores on many threads at once. An empty row (no real step) has a
        /// defined output: its pooled sequence vector is zeros, so the head sees only its static features and biases.
        /// </summary>
        public Tensor Forward(Tensor x, Tensor mask, Tensor? statics)
        {
            if (nbeats != null)
            {
                if (!mask.all().item<bool>())
                    throw new InvalidOperationException("N-BEATS reads full windows; this batch holds padded steps.");
                if (_config.StaticFeatures > 0 && (statics is null || statics.shape[1] != _config.StaticFeatures))
                    throw new InvalidOperationException($"The network needs {_config.StaticFeatures} static features per row.");
                var raw = nbeats.Forward(x, _config.StaticFeatures > 0 ? statics : null);
                return _config.Quantiles > 1 ? MonotoneQuantiles(raw, _config.Quantiles) : raw;
            }
            var encoder = this.encoder!;
            var head = this.head!;
            long b = mask.shape[0], t = mask.shape[1];
            bool allReal = mask.all().item<bool>();
            Tensor? nonEmpty = null;
            if (!allReal)
            {
                // Stable sort of "is padding" moves real steps to the front, keeping their order.
                var (_, order) = torch.sort((~mask).to(ScalarType.Int8), dim: 1, stable: true);
                mask = mask.gather(1, order);
                x = x.dim() == 2 ? x.gather(1, order) : x.gather(1, order.unsqueeze(-1).expand(b, t, x.shape[2]));
                // An empty row reads its first (padding) step as if it were real, so every encoder and pooling has a
                // defined, finite input; its pooled vector is zeroed below. (Attention over no key at all would give NaN,
                // and NaN poisons gradients even where it is later masked.)
                var hasSteps = mask.any(1);
                if (!hasSteps.all().item<bool>())
                {
                    nonEmpty = hasSteps;
                    var first = ScalarOperands.Range(t, device: mask.device).EqualTo(0).unsqueeze(0);
                    mask = mask.logical_or(first.logical_and(hasSteps.logical_not().unsqueeze(1)));
                }
            }
            var lengths = mask.sum(1, type: ScalarType.Int64);
            var steps = embedding != null ? embedding.call(x) : x;
            var stepMask = new StepMask(mask, lengths.cpu(), allReal);
            // Last pooling from a unidirectional encoder reads one step per row: the encoder may skip the rest.
            var pooled = _config.Pooling == SequencePooling.Last && !encoder.IsBidirectional
                ? encoder.EncodeLast(steps, stepMask, lengths.Minus(1))
                : Pool(encoder.Encode(steps, stepMask), mask, lengths, t);
            if (nonEmpty is not null)
                pooled = pooled * nonEmpty.unsqueeze(1).to(pooled.dtype);
            pooled = Drop(pooled);
            if (_config.StaticFeatures > 0)
            {
                if (statics is null || statics.shape[1] != _config.StaticFeatures)
                    throw new InvalidOperationException($"The network needs {_config.StaticFeatures} static features per row.");
                pooled = torch.cat(new[] { pooled, statics }, 1);
            }
            if (headHidden != null)
                pooled = Drop(nn.functional.relu(headHidden.call(pooled)));
            var output = head.call(pooled);
            return _config.Quantiles > 1 ? MonotoneQuantiles(output, _config.Quantiles) : output;
        }

        /// <summary>
        /// Quantiles that never cross: per output, the first raw value is the lowest quantile and each next one adds a
        /// softplus (positive) increment, so q1 ≤ q2 ≤ ... by construction.
        /// </summary>
        private static Tensor MonotoneQuantiles(Tensor raw, int quantiles)
        {
            var r = raw.view(raw.shape[0], -1, quantiles);
            var increments = nn.functional.softplus(r.narrow(2, 1, quantiles - 1));
            var steps = torch.cat(new[] { r.narrow(2, 0, 1), increments }, 2);
            return steps.cumsum(2).view(raw.shape[0], -1);
        }

        /// <summary>Dropout, skipped entirely when its probability is 0 or in eval mode.</summary>
        private Tensor Drop(Tensor x) => training && _config.Dropout > 0 ? drop.call(x) : x;

        private Tensor Pool(Tensor h, Tensor mask, Tensor lengths, long t)
        {
            long b = h.shape[0], size = h.shape[2];
            switch (_config.Pooling)
            {
                case SequencePooling.Last:
                {
                    // Bidirectional only (unidirectional encoders answer Last through EncodeLast):
                    var last = lengths.Minus(1).view(b, 1, 1).expand(b, 1, size);
                    var atLast = h.gather(1, last).squeeze(1);
                    // forward half at the last real step, backward half at the first (it has read the whole row).
                    long half = size / 2;
                    return torch.cat(new[] { atLast.narrow(1, 0, half), h.select(1, 0).narrow(1, half, half) }, 1);
                }
                case SequencePooling.Mean:
                {
                    var m = mask.unsqueeze(-1).to(h.dtype);
                    return (h * m).sum(1) / lengths.unsqueeze(-1).to(h.dtype);
                }
                case SequencePooling.Max:
                    return h.FilledWhere(~mask.unsqueeze(-1), double.NegativeInfinity).amax(new long[] { 1 });
                case SequencePooling.Attention:
                {
                    var scores = attentionScore!.call(torch.tanh(attentionHidden!.call(h))).squeeze(-1);
                    scores = scores.FilledWhere(~mask, double.NegativeInfinity);
                    var weights = torch.softmax(scores, 1).unsqueeze(-1);
                    return (h * weights).sum(1);
                }
                default:
                {
                    if (t != _config.SequenceLength)
                        throw new InvalidOperationException($"Flatten pooling needs sequences of exactly {_config.SequenceLength} steps; got {t}.");
                    return h.reshape(b, t * size);
                }
            }
        }
    }
}
