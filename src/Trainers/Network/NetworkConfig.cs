using System;

namespace MLNet.Sequence.Trainers
{
    /// <summary>The sequence encoder of a network.</summary>
    public enum EncoderKind
    {
        /// <summary>Long short-term memory recurrent layers.</summary>
        Lstm,
        /// <summary>Gated recurrent unit layers.</summary>
        Gru,
        /// <summary>Transformer encoder layers (self-attention with a key padding mask, sinusoidal positions).</summary>
        Transformer,
        /// <summary>A temporal convolutional network: causal, dilated 1-D convolutions with residual connections.</summary>
        Cnn,
        /// <summary>
        /// N-BEATS (Oreshkin et al., ICLR 2020): fully connected blocks over the flattened fixed-length window, with
        /// backward (backcast) and forward (forecast) residual links; numeric input of a fixed length, regression only.
        /// </summary>
        NBeats,
    }

    /// <summary>How a tagger turns a token's characters into a vector.</summary>
    public enum CharacterEncoder
    {
        /// <summary>A bidirectional LSTM over the characters, its two final states joined (Lample et al., NAACL 2016).</summary>
        BiLstm,
        /// <summary>A convolution over the characters and the maximum over them (Ma and Hovy, ACL 2016).</summary>
        Cnn,
    }

    /// <summary>How the encoder's per-step outputs become one vector per sequence (many-to-one).</summary>
    public enum SequencePooling
    {
        /// <summary>The output at the last real (unpadded) step; for bidirectional RNNs, the forward last step and the backward first step.</summary>
        Last,
        /// <summary>The mean over real steps.</summary>
        Mean,
        /// <summary>The element-wise maximum over real steps.</summary>
        Max,
        /// <summary>A learned attention over real steps (additive scoring, masked softmax).</summary>
        Attention,
        /// <summary>All steps concatenated, keeping position (fixed-length inputs such as DNA windows or time-series windows).</summary>
        Flatten,
    }

    /// <summary>Everything needed to rebuild a network; stored with the model as JSON.</summary>
    internal sealed class NetworkConfig
    {
        public EncoderKind Encoder { get; set; }

        /// <summary>Token vocabulary size including padding id 0; 0 for numeric input.</summary>
        public int VocabularySize { get; set; }
        public int EmbeddingDimension { get; set; }
        public bool FreezeEmbeddings { get; set; }

        /// <summary>Numeric features per step (numeric input).</summary>
        public int FeaturesPerStep { get; set; }

        /// <summary>The longest sequence the network takes (positions, flatten pooling).</summary>
        public int SequenceLength { get; set; }

        public int HiddenSize { get; set; } = 64;
        public int Layers { get; set; } = 1;
        public bool Bidirectional { get; set; }
        public int Heads { get; set; } = 4;
        public int FeedForwardDimension { get; set; } = 128;
        public int KernelSize { get; set; } = 3;

        /// <summary>N-BEATS: fully connected layers per block.</summary>
        public int BlockLayers { get; set; } = 4;
        /// <summary>N-BEATS: trend and seasonality bases instead of learned linear ones.</summary>
        public bool Interpretable { get; set; }
        /// <summary>N-BEATS interpretable: the trend polynomial's degree.</summary>
        public int TrendDegree { get; set; } = 3;
        /// <summary>Steps of a multi-step output (the horizon: the first dimension of a [steps, values] label); 0 = Outputs.</summary>
        public int OutputSteps { get; set; }

        public double Dropout { get; set; }
        public SequencePooling Pooling { get; set; }
        public int HeadHiddenSize { get; set; }
        public int Outputs { get; set; } = 1;

        /// <summary>Size of a per-row vector of static features (e.g. known future covariates) joined to the pooled sequence before the head; 0 for none.</summary>
        public int StaticFeatures { get; set; }

        /// <summary>Quantiles per output (0 for point outputs): the head then emits Outputs × Quantiles values, monotone in the quantile.</summary>
        public int Quantiles { get; set; }

        public bool TokenInput => VocabularySize > 0;

        public void Validate()
        {
            if (TokenInput ? EmbeddingDimension <= 0 : FeaturesPerStep <= 0)
                throw new ArgumentOutOfRangeException(TokenInput ? "EmbeddingDimension" : "FeaturesPerStep", "The network's input size must be positive.");
            if (HiddenSize <= 0 || Layers <= 0 || Outputs <= 0 || SequenceLength <= 0)
                throw new ArgumentOutOfRangeException(nameof(HiddenSize), "Hidden size, layers, outputs and sequence length must be positive.");
            if (Encoder == EncoderKind.NBeats && (BlockLayers <= 0 || TrendDegree < 0 || (OutputSteps > 0 && Outputs % OutputSteps != 0)))
                throw new ArgumentOutOfRangeException(nameof(BlockLayers), "N-BEATS needs at least one layer per block, a trend degree of at least 0, and outputs that divide into steps.");
            if (Encoder == EncoderKind.Transformer && HiddenSize % Heads != 0)
                throw new ArgumentOutOfRangeException("NumberOfHeads", $"The model dimension ({HiddenSize}) must be divisible by the number of heads ({Heads}).");
        }
    }
}
