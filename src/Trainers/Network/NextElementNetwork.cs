using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers.Network
{
    /// <summary>Everything needed to rebuild a next-element network; stored with the model as JSON.</summary>
    internal sealed class NextElementNetworkConfig
    {
        /// <summary>Ids the network reserves: padding, the start of a sequence, an unknown element.</summary>
        public const long Padding = 0, Begin = 1, Unknown = 2, FirstElement = 3;

        /// <summary>LSTM, GRU (unidirectional) or Transformer (causal self-attention).</summary>
        public EncoderKind Encoder { get; set; } = EncoderKind.Gru;

        /// <summary>Ids including padding, begin and unknown.</summary>
        public int VocabularySize { get; set; }

        public int EmbeddingDimension { get; set; } = 64;

        /// <summary>Recurrent hidden units, or the Transformer's width (then equal to the embedding size).</summary>
        public int HiddenSize { get; set; } = 128;

        public int Layers { get; set; } = 1;
        public int Heads { get; set; } = 2;
        public int FeedForwardDimension { get; set; } = 256;
        public double Dropout { get; set; } = 0.2;

        /// <summary>The output layer reuses the input embedding (transposed), through a projection when the widths differ.</summary>
        public bool TieEmbeddings { get; set; }

        /// <summary>The longest context the Transformer's position table covers (elements before it are dropped).</summary>
        public int MaxLength { get; set; } = 200;

        public void Validate()
        {
            if (Encoder is not (EncoderKind.Lstm or EncoderKind.Gru or EncoderKind.Transformer))
                throw new ArgumentOutOfRangeException(nameof(Encoder), $"A next-element network is Lstm, Gru or Transformer; it is {Encoder}.");
            if (VocabularySize < FirstElement + 1)
                throw new ArgumentOutOfRangeException(nameof(VocabularySize), $"The vocabulary needs padding, begin, unknown and at least one element; it has {VocabularySize} ids.");
            if (EmbeddingDimension <= 0 || HiddenSize <= 0 || Layers <= 0 || MaxLength <= 0)
                throw new ArgumentOutOfRangeException(nameof(HiddenSize), "Embedding size, hidden size, layers and the longest context must be positive.");
            if (Encoder == EncoderKind.Transformer && (Heads <= 0 || HiddenSize % Heads != 0 || FeedForwardDimension <= 0 || EmbeddingDimension != HiddenSize))
                throw new ArgumentOutOfRangeException(nameof(Heads), $"The Transformer's heads ({Heads}) must divide its width ({HiddenSize}), equal to the embedding size ({EmbeddingDimension}).");
            if (!(Dropout >= 0 && Dropout < 1))
                throw new ArgumentOutOfRangeException(nameof(Dropout), $"Dropout must be in [0, 1); it is {Dropout}.");
        }
    }

    /// <summary>
    /// A causal model of the next element: embeddings, then a unidirectional LSTM/GRU or a pre-norm Transformer with
    /// causal self-attention and sinusoidal positions (decoder-only, as SASRec, Kang and McAuley 2018), then logits over
    /// every element at each step (tied to the embedding when asked, as Press and Wolf 2017). Inputs are left-aligned:
    /// padding after the real steps never reaches them.
    /// </summary>
    internal sealed class NextElementNetwork : nn.Module
    {
        private readonly Embedding embedding;
        private readonly RecurrentEncoder? recurrent;
        private readonly ModuleList<Seq2SeqAttentionLayer>? layers;
        private readonly LayerNorm? norm;
        private readonly Linear? project, output;
        private readonly Parameter? outputBias;
        private readonly Dropout dropout;
        private readonly Tensor? positions;
        private readonly double _scale;

        public NextElementNetwork(NextElementNetworkConfig config) : base("NextElementNetwork")
        {
            config.Validate();
            Config = config;
            int e = config.EmbeddingDimension, h = config.HiddenSize;
            embedding = nn.Embedding(config.VocabularySize, e, padding_idx: NextElementNetworkConfig.Padding);
            dropout = nn.Dropout(config.Dropout);
            if (config.Encoder == EncoderKind.Transformer)
            {
                _scale = Math.Sqrt(h);
                using (torch.no_grad())
                {
                    nn.init.normal_(embedding.weight!, 0, 1 / _scale);
                    embedding.weight![NextElementNetworkConfig.Padding].zero_();
                }
                layers = new ModuleList<Seq2SeqAttentionLayer>();
                for (int i = 0; i < config.Layers; i++)
                    layers.Add(new Seq2SeqAttentionLayer(h, config.Heads, config.FeedForwardDimension, config.Dropout, crossAttention: false));
                norm = nn.LayerNorm(h);
                positions = SinusoidalPositions.Table(config.MaxLength + 1, h);
            }
            else
            {
                _scale = 1;
                recurrent = new RecurrentEncoder(config.Encoder, e, h, config.Layers, bidirectional: false, config.Dropout);
            }
            if (config.TieEmbeddings)
            {
                if (h != e)
                    project = nn.Linear(h, e);
                outputBias = nn.Parameter(torch.zeros(config.VocabularySize));
            }
            else
                output = nn.Linear(h, config.VocabularySize);
            RegisterComponents();
        }

        public NextElementNetworkConfig Config { get; }

        /// <summary>Each step's hidden state [B, T, H] for ids [B, T] (left-aligned, begin first) and their real lengths (CPU int64).</summary>
        public Tensor Hidden(Tensor ids, Tensor lengths)
        {
            var x = embedding.call(ids);
            if (recurrent != null)
            {
                var mask = ids.NotEqualTo(NextElementNetworkConfig.Padding);
                return dropout.call(recurrent.Encode(dropout.call(x), new StepMask(mask, lengths, allReal: mask.all().item<bool>())));
            }
            long t = ids.shape[1];
            if (t > positions!.shape[0])
                throw new InvalidOperationException($"A context of {t} steps is longer than the {positions.shape[0]} the Transformer was built for.");
            var h = dropout.call(x.Times(_scale).Plus(positions.narrow(0, 0, t).to(ids.device)));
            var causal = torch.ones(t, t, ScalarType.Bool, ids.device).tril().unsqueeze(0).unsqueeze(0);
            foreach (var layer in layers!)
                h = layer.Forward(h, causal, null, null);
            return norm!.Normalize(h);
        }

        /// <summary>Logits over every id [.., V] from hidden states [.., H].</summary>
        public Tensor Logits(Tensor hidden)
        {
            if (output != null)
                return output.call(hidden);
            var h = project != null ? project.call(hidden) : hidden;
            return h.matmul(embedding.weight!.t()).Plus(outputBias!);
        }
    }
}
