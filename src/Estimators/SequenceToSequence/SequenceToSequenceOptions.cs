using System;
using System.Threading;
using Microsoft.ML;
using Microsoft.ML.SearchSpace;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence
{
    /// <summary>
    /// Options shared by the sequence-to-sequence trainers: columns, the decoder's search (greedy or beam, length
    /// penalty, maximum output length) and the training loop. Source and target are vectors of tokens of any lengths
    /// (characters and phonemes, words and words); the model adds the begin and end markers itself.
    /// </summary>
    public abstract class SequenceToSequenceOptions
    {
        private protected SequenceToSequenceOptions() { }

        // ---- columns ----

        /// <summary>
        /// The input sequence of each row: a variable-size vector of text (e.g. from TokenizeIntoWords, or a string[]
        /// field), or of keys with their token text as KeyValues (EncodeTokens, MapValueToKey,
        /// TokenizeIntoCharactersAsKeys). Default "Source".
        /// </summary>
        public string SourceColumnName { get; set; } = "Source";

        /// <summary>
        /// The output sequence to learn: a vector of text, or of keys with their token text as KeyValues; any length,
        /// unrelated to the source's. Needed at Fit only. With keys, the predictions use the same keys, so
        /// <c>MapKeyToValue</c> turns both into text. Default "Label".
        /// </summary>
        public string LabelColumnName { get; set; } = "Label";

        /// <summary>The output: a variable-size key vector of the predicted target tokens, their text as KeyValues. Default "PredictedLabel".</summary>
        public string PredictedLabelColumnName { get; set; } = "PredictedLabel";

        /// <summary>
        /// The output's score: the natural log of the predicted sequence's probability under the model (with its end
        /// marker; without one when decoding stopped at <see cref="MaximumOutputLength"/>). Default "Score".
        /// </summary>
        public string ScoreColumnName { get; set; } = "Score";

        // ---- decoding ----

        /// <summary>
        /// Hypotheses kept per step when decoding: 1 decodes greedily (fastest; one batch for many rows), more runs a beam
        /// search. Default 4. The trained model can decode with another width (<see cref="SequenceToSequenceTransformer.WithDecoding"/>).
        /// </summary>
        public int BeamWidth { get; set; } = 4;

        /// <summary>
        /// The beam's length normalisation α: finished hypotheses are ranked by log-probability / ((5 + length) / 6)^α
        /// (GNMT, Wu et al. 2016); 0 ranks by log-probability alone, which favours short outputs. Default 0.6.
        /// </summary>
        public double LengthPenalty { get; set; } = 0.6;

        /// <summary>
        /// The most tokens a prediction may hold; decoding stops there. Every training target must fit. Null (default):
        /// twice the longest training target, plus 5.
        /// </summary>
        public int? MaximumOutputLength { get; set; }

        // ---- network ----

        /// <summary>Dropout on embeddings and between blocks. Default 0.2 (recurrent) or 0.1 (Transformer).</summary>
        [Range(0.0f, 0.5f, 0.2f, false)]
        public float Dropout { get; set; } = 0.2f;

        /// <summary>
        /// Label smoothing ε of the training loss: the target distribution puts 1 − ε on the right token and spreads ε
        /// over all (Szegedy et al., 2016). Default 0 (recurrent) or 0.1 (Transformer).
        /// </summary>
        [Range(0.0, 0.2, 0.0, false)]
        public double LabelSmoothing { get; set; }

        // ---- training ----

        /// <summary>Passes over the training pairs. Default 10.</summary>
        [Range(1, 100, 10, true)]
        public int NumberOfEpochs { get; set; } = 10;

        /// <summary>Pairs per minibatch. Default 64.</summary>
        [Range(8, 256, 64, true)]
        public int BatchSize { get; set; } = 64;

        /// <summary>Batch pairs of similar source length (little padding; faster). Default true.</summary>
        public bool BucketByLength { get; set; } = true;

        /// <summary>The learning rate. Default 3e-3.</summary>
        [Range(1e-4, 1e-2, 3e-3, true)]
        public double LearningRate { get; set; } = 3e-3;

        /// <summary>The optimizer. Default Adam.</summary>
        public SequenceOptimizer Optimizer { get; set; } = SequenceOptimizer.Adam;

        /// <summary>Weight decay. Default 0.</summary>
        public double WeightDecay { get; set; }

        /// <summary>How the learning rate changes over epochs. Default constant.</summary>
        public LearningRateSchedule LearningRateSchedule { get; set; } = LearningRateSchedule.Constant;

        /// <summary>Clip the gradients' global norm to this (0 = off). Default 5.</summary>
        public double GradientClipNorm { get; set; } = 5.0;

        /// <summary>Pairs to validate on after each epoch (same columns); with <see cref="EarlyStoppingPatience"/>, the best epoch's weights are kept.</summary>
        public IDataView? ValidationData { get; set; }

        /// <summary>Epochs without a better validation loss before training stops (0 = never). Default 0.</summary>
        public int EarlyStoppingPatience { get; set; }

        /// <summary>The seed of weights, shuffling and dropout; null draws one from the MLContext's seed.</summary>
        public int? Seed { get; set; }

        /// <summary>libtorch threads for training and decoding; null measures the fastest count for training and decodes on one.</summary>
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
        /// pairs finds it and resumes after its epoch, ending with the model an uninterrupted Fit gives; a Fit with others
        /// refuses it. Deleted when training finishes; kept when it is canceled or the process dies.
        /// </summary>
        public string? CheckpointPath { get; set; }

        /// <summary>With <see cref="CheckpointPath"/>: epochs between checkpoints. Default 1.</summary>
        public int CheckpointEveryEpochs { get; set; } = 1;

        /// <summary>Rows per decoding batch in Transform. Default 256.</summary>
        public int ScoringBatchSize { get; set; } = 256;

        internal abstract EncoderKind Cell { get; }
        internal abstract string TrainerName { get; }

        /// <summary>Checks every option; the message names the option and what it must be.</summary>
        internal virtual void Validate()
        {
            foreach (var (value, option) in new[] { (SourceColumnName, nameof(SourceColumnName)), (LabelColumnName, nameof(LabelColumnName)),
                (PredictedLabelColumnName, nameof(PredictedLabelColumnName)), (ScoreColumnName, nameof(ScoreColumnName)) })
                if (string.IsNullOrWhiteSpace(value))
                    throw new ArgumentException($"Option {option} must name a column; it was empty.", option);
            if (PredictedLabelColumnName == ScoreColumnName)
                throw new ArgumentException($"Options PredictedLabelColumnName and ScoreColumnName both name '{ScoreColumnName}'; give the two outputs different names.", nameof(ScoreColumnName));
            if (SourceColumnName == LabelColumnName)
                throw new ArgumentException($"Options SourceColumnName and LabelColumnName both name '{LabelColumnName}'; the source and the target are two columns.", nameof(LabelColumnName));
            Positive(BeamWidth, nameof(BeamWidth));
            if (MaximumOutputLength is int most)
                Positive(most, nameof(MaximumOutputLength));
            if (!(LengthPenalty >= 0 && double.IsFinite(LengthPenalty)))
                throw new ArgumentOutOfRangeException(nameof(LengthPenalty), LengthPenalty, $"Option LengthPenalty must be 0 or more and finite; it was {LengthPenalty}.");
            Positive(NumberOfEpochs, nameof(NumberOfEpochs));
            Positive(BatchSize, nameof(BatchSize));
            Positive(ScoringBatchSize, nameof(ScoringBatchSize));
            if (NumberOfThreads is int threads)
                Positive(threads, nameof(NumberOfThreads));
            if (!(Dropout >= 0 && Dropout < 1))
                throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, $"Option Dropout must be in [0, 1); it was {Dropout}.");
            if (!(LabelSmoothing >= 0 && LabelSmoothing < 1))
                throw new ArgumentOutOfRangeException(nameof(LabelSmoothing), LabelSmoothing, $"Option LabelSmoothing must be in [0, 1); it was {LabelSmoothing}.");
            if (!(LearningRate > 0 && double.IsFinite(LearningRate)))
                throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, $"Option LearningRate must be positive and finite; it was {LearningRate}.");
            if (!(WeightDecay >= 0) || !(GradientClipNorm >= 0))
                throw new ArgumentOutOfRangeException(WeightDecay >= 0 ? nameof(GradientClipNorm) : nameof(WeightDecay), "Options WeightDecay and GradientClipNorm must be 0 or more.");
            if (EarlyStoppingPatience < 0)
                throw new ArgumentOutOfRangeException(nameof(EarlyStoppingPatience), EarlyStoppingPatience, "Option EarlyStoppingPatience must be 0 (off) or more.");
            if (!Enum.IsDefined(Optimizer) || !Enum.IsDefined(LearningRateSchedule) || !Enum.IsDefined(OnCancellation))
                throw new ArgumentOutOfRangeException(nameof(Optimizer), "Options Optimizer, LearningRateSchedule and OnCancellation must hold defined values.");
            TrainingFingerprint.ValidateCheckpoint(CheckpointPath, CheckpointEveryEpochs);
        }

        private protected static void Positive(int value, string option)
        {
            if (value <= 0)
                throw new ArgumentOutOfRangeException(option, value, $"Option {option} must be positive; it was {value}.");
        }
    }

    /// <summary>Options of the recurrent encoder-decoders (LSTM, GRU) with Luong attention.</summary>
    public abstract class RecurrentSequenceToSequenceOptions : SequenceToSequenceOptions
    {
        private protected RecurrentSequenceToSequenceOptions() { }

        /// <summary>Source and target token embedding size. Default 64.</summary>
        [Range(16, 512, 64, true)]
        public int EmbeddingDimension { get; set; } = 64;

        /// <summary>Hidden units of the decoder and of each encoder direction. Default 128.</summary>
        [Range(32, 512, 128, true)]
        public int HiddenSize { get; set; } = 128;

        /// <summary>Stacked layers of the encoder and of the decoder. Default 1.</summary>
        [Range(1, 3, 1, false)]
        public int NumberOfLayers { get; set; } = 1;

        /// <summary>Read the source both ways. Default true.</summary>
        [BooleanChoice(true)]
        public bool Bidirectional { get; set; } = true;

        internal override void Validate()
        {
            base.Validate();
            Positive(EmbeddingDimension, nameof(EmbeddingDimension));
            Positive(HiddenSize, nameof(HiddenSize));
            Positive(NumberOfLayers, nameof(NumberOfLayers));
        }
    }

    /// <summary>Options of <see cref="SequenceToSequenceTrainers.SequenceLstm(LstmSequenceToSequenceOptions)"/>: an LSTM encoder-decoder with attention.</summary>
    public sealed class LstmSequenceToSequenceOptions : RecurrentSequenceToSequenceOptions
    {
        internal override EncoderKind Cell => EncoderKind.Lstm;
        internal override string TrainerName => "SequenceLstmEncoderDecoder";
    }

    /// <summary>Options of <see cref="SequenceToSequenceTrainers.SequenceGru(GruSequenceToSequenceOptions)"/>: a GRU encoder-decoder with attention.</summary>
    public sealed class GruSequenceToSequenceOptions : RecurrentSequenceToSequenceOptions
    {
        internal override EncoderKind Cell => EncoderKind.Gru;
        internal override string TrainerName => "SequenceGruEncoderDecoder";
    }
}

namespace MLNet.Sequence
{
    /// <summary>
    /// Options of <see cref="SequenceToSequenceTrainers.SequenceTransformer(TransformerSequenceToSequenceOptions)"/>: a
    /// pre-norm Transformer encoder-decoder (self-attention over the source, causal self-attention and cross-attention
    /// in the decoder, sinusoidal positions).
    /// </summary>
    public sealed class TransformerSequenceToSequenceOptions : SequenceToSequenceOptions
    {
        /// <summary>Creates the options with the Transformer's defaults (dropout 0.1, label smoothing 0.1, learning rate 1e-3).</summary>
        public TransformerSequenceToSequenceOptions()
        {
            Dropout = 0.1f;
            LabelSmoothing = 0.1;
            LearningRate = 1e-3;
        }

        /// <summary>Model width (the token embeddings' size too). Default 128.</summary>
        [Range(32, 512, 128, true)]
        public int ModelDimension { get; set; } = 128;

        /// <summary>Attention heads (must divide <see cref="ModelDimension"/>). Default 4.</summary>
        [Choice(new object[] { 1, 2, 4, 8 }, 4)]
        public int NumberOfHeads { get; set; } = 4;

        /// <summary>Layers of the encoder and of the decoder. Default 3.</summary>
        [Range(1, 6, 3, false)]
        public int NumberOfLayers { get; set; } = 3;

        /// <summary>Width of each layer's feed-forward block. Default 512.</summary>
        [Range(64, 2048, 512, true)]
        public int FeedForwardDimension { get; set; } = 512;

        internal override EncoderKind Cell => EncoderKind.Transformer;
        internal override string TrainerName => "SequenceTransformerEncoderDecoder";

        internal override void Validate()
        {
            base.Validate();
            Positive(ModelDimension, nameof(ModelDimension));
            Positive(NumberOfHeads, nameof(NumberOfHeads));
            Positive(NumberOfLayers, nameof(NumberOfLayers));
            Positive(FeedForwardDimension, nameof(FeedForwardDimension));
            if (ModelDimension % NumberOfHeads != 0)
                throw new ArgumentOutOfRangeException(nameof(NumberOfHeads), NumberOfHeads, $"Option NumberOfHeads ({NumberOfHeads}) must divide ModelDimension ({ModelDimension}).");
        }
    }
}
