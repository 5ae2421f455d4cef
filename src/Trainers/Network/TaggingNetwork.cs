using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers.Network
{
    /// <summary>Which tag transitions a tagger's CRF rules out.</summary>
    internal enum TagTransitionRules
    {
        /// <summary>Every transition allowed.</summary>
        None,
        /// <summary>IOB2's: I-X only after B-X or I-X.</summary>
        Iob2,
        /// <summary>IOBES's: I-X and E-X only after B-X or I-X; after B-X or I-X only I-X or E-X.</summary>
        Iobes,
    }

    /// <summary>Everything needed to rebuild a tagging network; stored with the model as JSON.</summary>
    internal sealed class TaggingNetworkConfig
    {
        public EncoderKind Encoder { get; set; }

        /// <summary>Word vocabulary size including padding (0) and unknown (1).</summary>
        public int WordVocabularySize { get; set; }
        public int WordEmbeddingDimension { get; set; } = 100;

        /// <summary>Character vocabulary size including padding (0) and unknown (1); 0 = no character features.</summary>
        public int CharacterVocabularySize { get; set; }
        public int CharacterEmbeddingDimension { get; set; } = 25;
        /// <summary>The character encoder.</summary>
        public CharacterEncoder CharacterEncoder { get; set; } = CharacterEncoder.BiLstm;
        /// <summary>Filters of the character CNN, or hidden units per direction of the character BiLSTM.</summary>
        public int CharacterFilters { get; set; } = 50;
        public int CharacterKernelSize { get; set; } = 3;
        /// <summary>Characters kept per token (the first and last halves of a longer token).</summary>
        public int MaxCharacters { get; set; } = 20;

        /// <summary>Casing classes embedded per token (0 = off).</summary>
        public int CasingClasses { get; set; }
        public int CasingEmbeddingDimension { get; set; } = 4;

        /// <summary>Numeric features per token from extra columns (0 for none).</summary>
        public int ExtraFeatures { get; set; }

        public int HiddenSize { get; set; } = 100;
        public int Layers { get; set; } = 1;
        public bool Bidirectional { get; set; } = true;
        public int Heads { get; set; } = 4;
        public int FeedForwardDimension { get; set; } = 256;
        public int KernelSize { get; set; } = 3;
        public double Dropout { get; set; } = 0.5;
        /// <summary>Probability that a known word is read as unknown in training (so the unknown word's embedding learns).</summary>
        public double WordDropout { get; set; }

        /// <summary>Positions the Transformer's table holds (longer rows get positions computed on the fly).</summary>
        public int MaxLength { get; set; } = 256;

        public int Tags { get; set; }
        public bool Crf { get; set; }
        public TagTransitionRules Transitions { get; set; }
        /// <summary>Tag names in key order (for the CRF's transition rules).</summary>
        public string[] TagNames { get; set; } = Array.Empty<string>();

        public bool CharacterFeatures => CharacterVocabularySize > 0;

        public void Validate()
        {
            if (WordVocabularySize < 2 || WordEmbeddingDimension <= 0)
                throw new ArgumentOutOfRangeException(nameof(WordVocabularySize), "A tagger needs a word vocabulary (padding and unknown at least) and a positive embedding size.");
            if (Tags < 1 || TagNames.Length != Tags)
                throw new ArgumentOutOfRangeException(nameof(Tags), $"A tagger needs at least one tag and one name per tag; it has {Tags} tags and {TagNames.Length} names.");
            if (HiddenSize <= 0 || Layers <= 0)
                throw new ArgumentOutOfRangeException(nameof(HiddenSize), "Hidden size and layers must be positive.");
            if (CharacterFeatures && (CharacterEmbeddingDimension <= 0 || CharacterFilters <= 0 || CharacterKernelSize <= 0 || CharacterKernelSize % 2 == 0 || MaxCharacters <= 0))
                throw new ArgumentOutOfRangeException(nameof(CharacterFilters), "Character features need positive sizes and an odd kernel.");
            if (Encoder == EncoderKind.Transformer && HiddenSize % Heads != 0)
                throw new ArgumentOutOfRangeException("NumberOfHeads", $"The model dimension ({HiddenSize}) must be divisible by the number of heads ({Heads}).");
            if (Encoder == EncoderKind.NBeats)
                throw new ArgumentOutOfRangeException(nameof(Encoder), "N-BEATS reads fixed-length numeric windows; a tagger needs LSTM, GRU, Transformer or CNN.");
        }
    }

    /// <summary>
    /// Per-token features (word embedding, character CNN, casing, numeric extras) → sequence encoder → one score per tag
    /// and token (emissions), then either a softmax per token or a linear-chain CRF over the sentence. Rows are
    /// left-aligned: each row's real tokens come first.
    /// </summary>
    internal sealed class TaggingNetwork : nn.Module
    {
        private readonly Embedding words;
        private readonly Embedding? characters;
        private readonly Linear? characterConvolution;
        private readonly LSTM? characterLstm;
        private readonly Embedding? casing;
        private readonly Encoder encoder;
        private readonly Linear emissions;
        private readonly LinearChainCrf? crf;
        private readonly Dropout drop;
        private readonly TaggingNetworkConfig _config;

        public TaggingNetwork(TaggingNetworkConfig config) : base("TaggingNetwork")
        {
            config.Validate();
            _config = config;
            drop = nn.Dropout(config.Dropout);
            words = nn.Embedding(config.WordVocabularySize, config.WordEmbeddingDimension, padding_idx: 0);
            int input = config.WordEmbeddingDimension;
            if (config.CharacterFeatures)
            {
                characters = nn.Embedding(config.CharacterVocabularySize, config.CharacterEmbeddingDimension, padding_idx: 0);
                if (config.CharacterEncoder == CharacterEncoder.BiLstm)
                {
                    characterLstm = nn.LSTM(config.CharacterEmbeddingDimension, config.CharacterFilters, batchFirst: true, bidirectional: true);
                    input += 2 * config.CharacterFilters;
                }
                else
                {
                    characterConvolution = nn.Linear(config.CharacterEmbeddingDimension * config.CharacterKernelSize, config.CharacterFilters);
                    input += config.CharacterFilters;
                }
            }
            if (config.CasingClasses > 0)
            {
                casing = nn.Embedding(config.CasingClasses + 1, config.CasingEmbeddingDimension, padding_idx: 0);
                input += config.CasingEmbeddingDimension;
            }
            input += config.ExtraFeatures;
            encoder = config.Encoder switch
            {
                EncoderKind.Lstm or EncoderKind.Gru => new RecurrentEncoder(config.Encoder, input, config.HiddenSize, config.Layers, config.Bidirectional, config.Dropout),
                EncoderKind.Transformer => new TransformerEncoder(input, config.HiddenSize, config.Heads, config.Layers, config.FeedForwardDimension, config.Dropout, config.MaxLength, tokenInput: false)
                {
                    ExtendPositions = true,
                },
                _ => new ConvolutionalEncoder(input, config.HiddenSize, config.KernelSize, config.Layers, config.Dropout, centered: true),
            };
            emissions = nn.Linear(encoder.OutputSize, config.Tags);
            if (config.Crf)
            {
                var constraints = config.Transitions == TagTransitionRules.None
                    ? null
                    : TagConstraints.For(config.TagNames, iobes: config.Transitions == TagTransitionRules.Iobes);
                crf = new LinearChainCrf(config.Tags, constraints);
            }
            RegisterComponents();
            InitializeEmbeddings();
        }

        public TaggingNetworkConfig Config => _config;

        /// <summary>Small uniform starts (±0.05, Keras' default) for every embedding; padding rows zero. See <see cref="SequenceNetwork"/>.</summary>
        private void InitializeEmbeddings()
        {
            using var _ = torch.no_grad();
            foreach (var table in new[] { words, characters, casing })
            {
                if (table == null)
                    continue;
                using var weight = table.weight!;
                nn.init.uniform_(weight, -0.05, 0.05);
                using var padding = weight[0];
                nn.init.zeros_(padding);
            }
        }

        /// <summary>Emissions [B, T, tags] for a batch (intermediates in the caller's dispose scope).</summary>
        public Tensor Emissions(TaggingBatch batch)
        {
            var ids = batch.Words;
            if (training && _config.WordDropout > 0)
            {
                // Known words read as unknown (id 1) at random, so the unknown embedding is trained on real contexts.
                var replace = torch.rand(ids.shape, device: ids.device).LessThan(_config.WordDropout).logical_and(ids.GreaterThan(1));
                ids = torch.where(replace, torch.ones_like(ids), ids);
            }
            var parts = new List<Tensor> { words.call(ids) };
            if (characters != null)
                parts.Add(CharacterFeatures(batch.Characters!, batch.Mask));
            if (casing != null)
                parts.Add(casing.call(batch.Casing!));
            if (_config.ExtraFeatures > 0)
                parts.Add(batch.Extra!);
            var x = parts.Count == 1 ? parts[0] : torch.cat(parts, 2);
            x = Drop(x);
            bool allReal = batch.AllReal;
            var steps = new StepMask(batch.Mask, batch.Lengths, allReal);
            var h = Drop(encoder.Encode(x, steps));
            return emissions.call(h);
        }

        /// <summary>
        /// A character CNN per token (Ma and Hovy, ACL 2016): embed the characters, one centred convolution, the maximum over
        /// the token's characters. chars [B, T, C] int64 (0 = padding) → [B, T, filters]; tokens without characters give zeros.
        /// </summary>
        private Tensor CharacterFeatures(Tensor chars, Tensor tokenMask)
        {
            long b = chars.shape[0], t = chars.shape[1], c = chars.shape[2];
            var flat = chars.view(b * t, c);
            var e = Drop(characters!.call(flat));                                         // [N, C, Dc]
            if (characterLstm != null)
                return CharacterLstm(e, flat.GreaterThan(0)).view(b, t, -1);
            var conv = ConvolutionalEncoder.Convolution(e, characterConvolution!, _config.CharacterKernelSize, 1, centered: true);   // [N, C, F]
            var real = flat.GreaterThan(0);                                                       // [N, C]
            var pooled = conv.FilledWhere(real.logical_not().unsqueeze(-1), double.NegativeInfinity).amax(new long[] { 1 });
            var any = real.any(1).unsqueeze(-1);
            pooled = torch.where(any, pooled, torch.zeros_like(pooled));                  // no character: zeros, never −∞
            return pooled.view(b, t, -1);
        }

        /// <summary>
        /// The character BiLSTM: each token's characters read both ways (packed, so each direction starts at a real
        /// character), the forward and backward final states joined; tokens without characters give zeros.
        /// </summary>
        private Tensor CharacterLstm(Tensor embedded, Tensor real)
        {
            var lengths = real.sum(1, type: ScalarType.Int64);                          // [N]
            var any = lengths.GreaterThan(0);
            var safe = lengths.AtLeast(1).cpu();
            using var packed = nn.utils.rnn.pack_padded_sequence(embedded, safe, batch_first: true, enforce_sorted: false);
            nn.utils.rnn.PackedSequence output;
            Tensor h, c;
            using (LstmKernelChoice.Exact(characterLstm!, embedded))
                (output, h, c) = characterLstm!.call(packed);
            output.Dispose();
            c.Dispose();
            var joined = torch.cat(new[] { h[0], h[1] }, 1);                           // [N, 2H]: forward last, backward first
            return torch.where(any.unsqueeze(1), joined, torch.zeros_like(joined));
        }

        /// <summary>The training loss of a batch: the CRF's mean negative log-likelihood per sentence, or the mean cross-entropy per real token.</summary>
        public Tensor Loss(TaggingBatch batch)
        {
            var e = Emissions(batch);
            if (crf != null)
                return crf.NegativeLogLikelihood(e, batch.Tags!, batch.Mask).mean();
            var logits = e.view(-1, _config.Tags);
            var targets = batch.Tags!.view(-1);
            var mask = batch.Mask.view(-1);
            return nn.functional.cross_entropy(logits.index(mask), targets.index(mask));
        }

        /// <summary>
        /// Predicted tags per row (Viterbi with a CRF, else the most probable tag per token) and each tag's probability (the
        /// CRF's marginal probability of that tag at that token, else the softmax), as many as each row's real tokens.
        /// With <paramref name="of"/>, the probabilities are those of the given tags instead of the predicted ones.
        /// </summary>
        public (long[][] Tags, float[][] Probabilities) Predict(TaggingBatch batch, long[][]? of = null)
        {
            using var scope = torch.NewDisposeScope();
            Tensor e;
            using (torch.no_grad())
                e = Emissions(batch);
            long b = e.shape[0];
            var lengths = batch.Lengths.data<long>().ToArray();
            Tensor probabilities;
            long[][] tags;
            if (crf != null)
            {
                tags = crf.Decode(e, batch.Mask);
                probabilities = crf.Marginals(e, batch.Mask);
            }
            else
            {
                probabilities = torch.softmax(e, 2);
                var best = probabilities.argmax(2).cpu().data<long>().ToArray();
                long t = e.shape[1];
                tags = new long[b][];
                for (int i = 0; i < b; i++)
                    tags[i] = best.AsSpan((int)(i * t), (int)lengths[i]).ToArray();
            }
            var chosen = probabilities.gather(2, Padded(of ?? tags, e.shape[1]).to(e.device).unsqueeze(2)).squeeze(2).cpu().data<float>().ToArray();
            long steps = e.shape[1];
            var p = new float[b][];
            for (int i = 0; i < b; i++)
                p[i] = chosen.AsSpan((int)(i * steps), (int)lengths[i]).ToArray();
            return (tags, p);
        }

        private static Tensor Padded(long[][] tags, long steps)
        {
            var flat = new long[tags.Length * steps];
            for (int i = 0; i < tags.Length; i++)
                tags[i].CopyTo(flat, i * steps);
            return torch.tensor(flat, new long[] { tags.Length, steps });
        }

        private Tensor Drop(Tensor x) => training && _config.Dropout > 0 ? drop.call(x) : x;
    }

    /// <summary>A batch of sentences as tensors, left-aligned and padded to the longest.</summary>
    internal sealed class TaggingBatch
    {
        /// <summary>[B, T] int64 word ids (0 padding, 1 unknown).</summary>
        public Tensor Words { get; init; } = null!;
        /// <summary>[B, T, C] int64 character ids, or null.</summary>
        public Tensor? Characters { get; init; }
        /// <summary>[B, T] int64 casing classes (0 padding), or null.</summary>
        public Tensor? Casing { get; init; }
        /// <summary>[B, T, F] float32 extra features, or null.</summary>
        public Tensor? Extra { get; init; }
        /// <summary>[B, T] booleans, true at real tokens.</summary>
        public Tensor Mask { get; init; } = null!;
        /// <summary>[B] int64 tokens per row (CPU), each at least 1.</summary>
        public Tensor Lengths { get; init; } = null!;
        /// <summary>[B, T] int64 tag ids (0 at padding), or null when scoring.</summary>
        public Tensor? Tags { get; init; }
        /// <summary>True when no row is padded.</summary>
        public bool AllReal { get; init; }
        public int Count { get; init; }
    }
}
