using System;
using System.Threading;
using Microsoft.ML;
using Microsoft.ML.SearchSpace;
using MLNet.Sequence.Tagging;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence
{
    /// <summary>
    /// Options shared by the sequence taggers: columns, per-token features (words, characters, casing, extra numeric
    /// columns), the output layer (softmax or CRF) and the training loop. The defaults follow the BiLSTM-CNN(-CRF)
    /// taggers of Ma and Hovy (ACL 2016) and Lample et al. (NAACL 2016), measured on Brown POS in docs/tagging.md.
    /// </summary>
    public abstract class SequenceTaggerOptions
    {
        private protected SequenceTaggerOptions() { }

        // ---- columns ----

        /// <summary>
        /// The tokens of each sentence: a variable-size vector of text (e.g. from TokenizeIntoWords, or a string[] field),
        /// or of keys with their token text as KeyValues (MapValueToKey). Default "Tokens".
        /// </summary>
        public string TokensColumnName { get; set; } = "Tokens";

        /// <summary>
        /// One tag per token: a vector of text, or of keys with tag names (MapValueToKey), of the same length as the tokens.
        /// Needed at Fit only. Default "Label".
        /// </summary>
        public string LabelColumnName { get; set; } = "Label";

        /// <summary>
        /// More per-token features: Single vector columns holding F numbers per token (tokens × F, token-major), F the
        /// same on every row. Default none.
        /// </summary>
        public string[] ExtraFeatureColumnNames { get; set; } = Array.Empty<string>();

        /// <summary>The output tags: a variable-size key vector aligned to the tokens, with the tag names as KeyValues. Default "PredictedLabel".</summary>
        public string PredictedLabelColumnName { get; set; } = "PredictedLabel";

        /// <summary>The output confidence: a variable-size Single vector, per token the probability of its predicted tag. Default "Score".</summary>
        public string ScoreColumnName { get; set; } = "Score";

        // ---- per-token features ----

        /// <summary>Word embedding size. Default 100.</summary>
        [Range(16, 300, 100, true)]
        public int WordEmbeddingDimension { get; set; } = 100;

        /// <summary>Words seen fewer times than this in training are unknown words. Default 1 (every training word is known).</summary>
        public int MinimumWordCount { get; set; } = 1;

        /// <summary>Look words up in lower case (casing and characters keep the case). Default true.</summary>
        public bool LowercaseWords { get; set; } = true;

        /// <summary>
        /// Probability that a known word is read as unknown during training, so the unknown-word embedding learns from
        /// real contexts (and the tagger leans on the characters). Default 0.15.
        /// </summary>
        [Range(0.0, 0.3, 0.15, false)]
        public double WordDropout { get; set; } = 0.15;

        /// <summary>
        /// A character encoder per token (<see cref="CharacterEncoder"/>), joined to the word embedding: how unknown words
        /// get a representation (suffixes, capitals, digits). Needs text tokens, or keys with text KeyValues. Default true.
        /// </summary>
        [BooleanChoice(true)]
        public bool UseCharacterFeatures { get; set; } = true;

        /// <summary>
        /// The character encoder: a bidirectional LSTM (default; on Brown it tagged unknown words 0.77 right against the
        /// CNN's 0.72, docs/tagging.md) or a CNN.
        /// </summary>
        [Choice(new object[] { "BiLstm", "Cnn" }, "BiLstm")]
        public CharacterEncoder CharacterEncoder { get; set; } = CharacterEncoder.BiLstm;

        /// <summary>Character embedding size. Default 25.</summary>
        public int CharacterEmbeddingDimension { get; set; } = 25;

        /// <summary>Hidden units per direction of the character BiLSTM, or filters of the character CNN. Default 50.</summary>
        [Range(10, 200, 50, true)]
        public int CharacterFilters { get; set; } = 50;

        /// <summary>Characters per token the CNN reads; a longer token keeps its first and last halves. Default 20.</summary>
        public int MaximumCharactersPerToken { get; set; } = 20;

        /// <summary>A small embedding of each token's casing (lower, upper, capitalised, numeric, mixed, ...). Default true.</summary>
        public bool UseCasingFeatures { get; set; } = true;

        // ---- output layer ----

        /// <summary>
        /// A linear-chain CRF output layer: the loss is the sentence's negative log-likelihood (forward algorithm), tags
        /// are decoded by Viterbi, and the tag-to-tag transition scores are learned. Default false (a softmax per token).
        /// </summary>
        [BooleanChoice(false)]
        public bool UseCrf { get; set; }

        /// <summary>
        /// With <see cref="UseCrf"/>: rule out the transitions a chunk scheme forbids (<see cref="TaggingScheme.Iob2"/>: I-X
        /// only after B-X or I-X; <see cref="TaggingScheme.Iobes"/> likewise with E- and S-). Default
        /// <see cref="TaggingScheme.Plain"/>: no rule.
        /// </summary>
        public TaggingScheme CrfConstraints { get; set; } = TaggingScheme.Plain;

        /// <summary>Dropout on the token features and the encoder's outputs. Default 0.5.</summary>
        [Range(0.0f, 0.6f, 0.5f, false)]
        public float Dropout { get; set; } = 0.5f;

        // ---- training ----

        /// <summary>Passes over the training sentences. Default 10.</summary>
        [Range(1, 100, 10, true)]
        public int NumberOfEpochs { get; set; } = 10;

        /// <summary>Sentences per minibatch. Default 16.</summary>
        [Range(4, 128, 16, true)]
        public int BatchSize { get; set; } = 16;

        /// <summary>
        /// Batch sentences of similar length (each epoch: shuffle, sort pools of 50 batches by length, shuffle the
        /// batches), so batches carry little padding: training 1.3× (BiLSTM) to 1.7× (BiLSTM-CRF) faster on Brown, at a
        /// cost in accuracy on small data (0.947 against 0.950 there; docs/tagging.md). Default false.
        /// </summary>
        public bool BucketByLength { get; set; }

        /// <summary>The learning rate. Default 2e-3.</summary>
        [Range(1e-4, 1e-2, 2e-3, true)]
        public double LearningRate { get; set; } = 2e-3;

        /// <summary>The optimizer. Default Adam.</summary>
        public SequenceOptimizer Optimizer { get; set; } = SequenceOptimizer.Adam;

        /// <summary>Weight decay. Default 0.</summary>
        public double WeightDecay { get; set; }

        /// <summary>How the learning rate changes over epochs. Default constant.</summary>
        public LearningRateSchedule LearningRateSchedule { get; set; } = LearningRateSchedule.Constant;

        /// <summary>Clip the gradients' global norm to this (0 = off). Default 5.</summary>
        public double GradientClipNorm { get; set; } = 5.0;

        /// <summary>Sentences to validate on after each epoch (same columns); with <see cref="EarlyStoppingPatience"/>, the best epoch's weights are kept.</summary>
        public IDataView? ValidationData { get; set; }

        /// <summary>Epochs without a better validation loss before training stops (0 = never). Default 0.</summary>
        public int EarlyStoppingPatience { get; set; }

        /// <summary>The seed of weights, shuffling and dropout; null draws one from the MLContext's seed.</summary>
        public int? Seed { get; set; }

        /// <summary>libtorch threads for training and tagging; null measures the fastest count on this machine.</summary>
        public int? NumberOfThreads { get; set; }

        /// <summary>Receives each epoch's figures.</summary>
        public IProgress<EpochReport>? Progress { get; set; }

        /// <summary>Cancels training.</summary>
        public CancellationToken CancellationToken { get; set; }

        /// <summary>What a canceled training does: throw (default) or return the model of the last finished epoch.</summary>
        public CancellationBehavior OnCancellation { get; set; } = CancellationBehavior.Throw;

        /// <summary>
        /// Optional file for a resumable checkpoint, written atomically every <see cref="CheckpointEveryEpochs"/> epochs:
        /// weights, optimizer state, random state, best weights and the loop's counters. A Fit with the same options and
        /// data finds it and resumes after its epoch, ending with the model an uninterrupted Fit gives; a Fit with others
        /// refuses it. Deleted when training finishes; kept when it is canceled or the process dies.
        /// </summary>
        public string? CheckpointPath { get; set; }

        /// <summary>With <see cref="CheckpointPath"/>: epochs between checkpoints. Default 1.</summary>
        public int CheckpointEveryEpochs { get; set; } = 1;

        /// <summary>Sentences per forward pass in Transform. Default 64.</summary>
        public int ScoringBatchSize { get; set; } = 64;

        internal abstract EncoderKind Encoder { get; }
        internal abstract string TrainerName { get; }

        /// <summary>Checks every option; the message names the option and what it must be.</summary>
        internal virtual void Validate()
        {
            static void Positive(int value, string option)
            {
                if (value <= 0)
                    throw new ArgumentOutOfRangeException(option, value, $"Option {option} must be positive; it was {value}.");
            }
            foreach (var (value, option) in new[] { (TokensColumnName, nameof(TokensColumnName)), (LabelColumnName, nameof(LabelColumnName)),
                (PredictedLabelColumnName, nameof(PredictedLabelColumnName)), (ScoreColumnName, nameof(ScoreColumnName)) })
                if (string.IsNullOrWhiteSpace(value))
                    throw new ArgumentException($"Option {option} must name a column; it was empty.", option);
            if (PredictedLabelColumnName == ScoreColumnName)
                throw new ArgumentException($"Options PredictedLabelColumnName and ScoreColumnName both name '{ScoreColumnName}'; give the two outputs different names.", nameof(ScoreColumnName));
            ArgumentNullException.ThrowIfNull(ExtraFeatureColumnNames, nameof(ExtraFeatureColumnNames));
            Positive(WordEmbeddingDimension, nameof(WordEmbeddingDimension));
            Positive(MinimumWordCount, nameof(MinimumWordCount));
            Positive(CharacterEmbeddingDimension, nameof(CharacterEmbeddingDimension));
            Positive(CharacterFilters, nameof(CharacterFilters));
            Positive(MaximumCharactersPerToken, nameof(MaximumCharactersPerToken));
            Positive(NumberOfEpochs, nameof(NumberOfEpochs));
            Positive(BatchSize, nameof(BatchSize));
            Positive(ScoringBatchSize, nameof(ScoringBatchSize));
            if (NumberOfThreads is int threads)
                Positive(threads, nameof(NumberOfThreads));
            if (!(WordDropout >= 0 && WordDropout < 1))
                throw new ArgumentOutOfRangeException(nameof(WordDropout), WordDropout, $"Option WordDropout must be in [0, 1); it was {WordDropout}.");
            if (!(Dropout >= 0 && Dropout < 1))
                throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, $"Option Dropout must be in [0, 1); it was {Dropout}.");
            if (!(LearningRate > 0 && double.IsFinite(LearningRate)))
                throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, $"Option LearningRate must be positive and finite; it was {LearningRate}.");
            if (!(WeightDecay >= 0) || !(GradientClipNorm >= 0))
                throw new ArgumentOutOfRangeException(WeightDecay >= 0 ? nameof(GradientClipNorm) : nameof(WeightDecay), "Options WeightDecay and GradientClipNorm must be 0 or more.");
            if (EarlyStoppingPatience < 0)
                throw new ArgumentOutOfRangeException(nameof(EarlyStoppingPatience), EarlyStoppingPatience, "Option EarlyStoppingPatience must be 0 (off) or more.");
            if (CrfConstraints is not (TaggingScheme.Plain or TaggingScheme.Iob2 or TaggingScheme.Iobes))
                throw new ArgumentOutOfRangeException(nameof(CrfConstraints), CrfConstraints, $"Option CrfConstraints supports Plain (none), Iob2 and Iobes; it was {CrfConstraints}.");
            if (CrfConstraints != TaggingScheme.Plain && !UseCrf)
                throw new ArgumentException($"Option CrfConstraints = {CrfConstraints} needs UseCrf = true (the constraints are the CRF's).", nameof(CrfConstraints));
            if (!Enum.IsDefined(CharacterEncoder))
                throw new ArgumentOutOfRangeException(nameof(CharacterEncoder), CharacterEncoder, "Option CharacterEncoder must be Cnn or BiLstm.");
            if (!Enum.IsDefined(Optimizer) || !Enum.IsDefined(LearningRateSchedule) || !Enum.IsDefined(OnCancellation))
                throw new ArgumentOutOfRangeException(nameof(Optimizer), "Options Optimizer, LearningRateSchedule and OnCancellation must hold defined values.");
            TrainingFingerprint.ValidateCheckpoint(CheckpointPath, CheckpointEveryEpochs);
        }
    }

    /// <summary>Options of the recurrent taggers (LSTM, GRU).</summary>
    public abstract class RecurrentTaggerOptions : SequenceTaggerOptions
    {
        private protected RecurrentTaggerOptions() { }

        /// <summary>Hidden units per direction. Default 100.</summary>
        [Range(16, 512, 100, true)]
        public int HiddenSize { get; set; } = 100;

        /// <summary>Stacked layers. Default 1.</summary>
        [Range(1, 3, 1, false)]
        public int NumberOfLayers { get; set; } = 1;

        /// <summary>Read each sentence both ways (a tag depends on the words after it too). Default true.</summary>
        [BooleanChoice(true)]
        public bool Bidirectional { get; set; } = true;

        internal override void Validate()
        {
            base.Validate();
            if (HiddenSize <= 0 || NumberOfLayers <= 0)
                throw new ArgumentOutOfRangeException(HiddenSize <= 0 ? nameof(HiddenSize) : nameof(NumberOfLayers), "Options HiddenSize and NumberOfLayers must be positive.");
        }
    }

    /// <summary>Options of <see cref="SequenceTaggingTrainers.SequenceLstm(LstmTaggerOptions)"/>: a BiLSTM tagger.</summary>
    public sealed class LstmTaggerOptions : RecurrentTaggerOptions
    {
        internal override EncoderKind Encoder => EncoderKind.Lstm;
        internal override string TrainerName => "SequenceLstmTagger";
    }

    /// <summary>Options of <see cref="SequenceTaggingTrainers.SequenceGru(GruTaggerOptions)"/>: a BiGRU tagger.</summary>
    public sealed class GruTaggerOptions : RecurrentTaggerOptions
    {
        internal override EncoderKind Encoder => EncoderKind.Gru;
        internal override string TrainerName => "SequenceGruTagger";
    }

    /// <summary>Options of <see cref="SequenceTaggingTrainers.SequenceTransformer(TransformerTaggerOptions)"/>: a Transformer-encoder tagger.</summary>
    public sealed class TransformerTaggerOptions : SequenceTaggerOptions
    {
        /// <summary>Creates the options with the Transformer's defaults (dropout 0.1).</summary>
        public TransformerTaggerOptions() => Dropout = 0.1f;

        /// <summary>Model width. Default 128.</summary>
        [Range(32, 512, 128, true)]
        public int ModelDimension { get; set; } = 128;

        /// <summary>Attention heads (must divide <see cref="ModelDimension"/>). Default 4.</summary>
        [Choice(new object[] { 1, 2, 4, 8 }, 4)]
        public int NumberOfHeads { get; set; } = 4;

        /// <summary>Encoder layers. Default 2.</summary>
        [Range(1, 6, 2, false)]
        public int NumberOfLayers { get; set; } = 2;

        /// <summary>Width of each layer's feed-forward block. Default 256.</summary>
        [Range(64, 2048, 256, true)]
        public int FeedForwardDimension { get; set; } = 256;

        internal override EncoderKind Encoder => EncoderKind.Transformer;
        internal override string TrainerName => "SequenceTransformerTagger";

        internal override void Validate()
        {
            base.Validate();
            if (ModelDimension <= 0 || NumberOfHeads <= 0 || NumberOfLayers <= 0 || FeedForwardDimension <= 0)
                throw new ArgumentOutOfRangeException(nameof(ModelDimension), "Options ModelDimension, NumberOfHeads, NumberOfLayers and FeedForwardDimension must be positive.");
            if (ModelDimension % NumberOfHeads != 0)
                throw new ArgumentOutOfRangeException(nameof(NumberOfHeads), NumberOfHeads, $"Option NumberOfHeads ({NumberOfHeads}) must divide ModelDimension ({ModelDimension}).");
        }
    }

    /// <summary>Options of <see cref="SequenceTaggingTrainers.SequenceCnn(CnnTaggerOptions)"/>: a convolutional tagger (centred, dilated convolutions).</summary>
    public sealed class CnnTaggerOptions : SequenceTaggerOptions
    {
        /// <summary>Channels of every block. Default 128.</summary>
        [Range(32, 512, 128, true)]
        public int Channels { get; set; } = 128;

        /// <summary>Taps per convolution (odd: centred on the token). Default 3.</summary>
        [Choice(new object[] { 3, 5, 7 }, 3)]
        public int KernelSize { get; set; } = 3;

        /// <summary>Residual blocks, block i dilated by 2^i. Default 3 (each token sees 7 on either side with kernel 3).</summary>
        [Range(1, 6, 3, false)]
        public int NumberOfLayers { get; set; } = 3;

        internal override EncoderKind Encoder => EncoderKind.Cnn;
        internal override string TrainerName => "SequenceCnnTagger";

        internal override void Validate()
        {
            base.Validate();
            if (Channels <= 0 || NumberOfLayers <= 0)
                throw new ArgumentOutOfRangeException(Channels <= 0 ? nameof(Channels) : nameof(NumberOfLayers), "Options Channels and NumberOfLayers must be positive.");
            if (KernelSize <= 0 || KernelSize % 2 == 0)
                throw new ArgumentOutOfRangeException(nameof(KernelSize), KernelSize, $"Option KernelSize must be odd and positive (a convolution centred on the token); it was {KernelSize}.");
        }
    }
}
