using System;
using System.Threading;
using Microsoft.ML;
using Microsoft.ML.SearchSpace;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence
{
    /// <summary>
    /// Options shared by the next-element trainers: a causal model of sequences (characters of text, words, the items a
    /// user chose) that predicts the element after any prefix: top-k outputs, generation, next-item recommendation.
    /// </summary>
    public abstract class NextElementOptions
    {
        private protected NextElementOptions() { }

        /// <summary>
        /// The sequences: a variable-size vector of text (a string[] field, TokenizeIntoWords) or of keys with their text
        /// as KeyValues (MapValueToKey, TokenizeIntoCharactersAsKeys). At Fit every row is a sequence to learn; when
        /// scoring, a row's elements are the context whose next element is predicted. Default "Sequence".
        /// </summary>
        public string SequenceColumnName { get; set; } = "Sequence";

        /// <summary>The output: a key vector of the <see cref="NumberOfPredictions"/> likeliest next elements, best first, their text as KeyValues. Default "PredictedLabel".</summary>
        public string PredictedLabelColumnName { get; set; } = "PredictedLabel";

        /// <summary>The output's probabilities, one per predicted element. Default "Score".</summary>
        public string ScoreColumnName { get; set; } = "Score";

        /// <summary>How many next elements each row gets (k). Default 10.</summary>
        public int NumberOfPredictions { get; set; } = 10;

        /// <summary>Leave the context's own elements out of the predictions (recommend only unseen items). Default false.</summary>
        public bool ExcludeSeenElements { get; set; }

        /// <summary>Elements seen fewer times than this in training read as one unknown element, never predicted. Default 1.</summary>
        public int MinimumCount { get; set; } = 1;

        /// <summary>
        /// The most elements of context the model reads: longer training sequences are cut into windows of this many
        /// (every element still learned once), and predictions read a context's latest ones. Default 200.
        /// </summary>
        public int MaximumContextLength { get; set; } = 200;

        /// <summary>Element embedding size (the Transformer's width). Default 64.</summary>
        [Range(16, 512, 64, true)]
        public int EmbeddingDimension { get; set; } = 64;

        /// <summary>Dropout on embeddings and between blocks. Default 0.2.</summary>
        [Range(0.0f, 0.6f, 0.2f, false)]
        public float Dropout { get; set; } = 0.2f;

        /// <summary>During training, the probability that an input element reads as unknown (item-id dropout; a regulariser for sparse data). Default 0.</summary>
        [Range(0.0, 0.5, 0.0, false)]
        public double ElementDropout { get; set; }

        /// <summary>The output layer reuses the element embedding (Press and Wolf, 2017): fewer weights, often better on small data. Default false.</summary>
        [BooleanChoice(false)]
        public bool TieEmbeddings { get; set; }

        /// <summary>Passes over the training sequences. Default 10.</summary>
        [Range(1, 200, 10, true)]
        public int NumberOfEpochs { get; set; } = 10;

        /// <summary>Sequences (windows) per minibatch. Default 32.</summary>
        [Range(8, 256, 32, true)]
        public int BatchSize { get; set; } = 32;

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

        /// <summary>Sequences to validate on after each epoch; with <see cref="EarlyStoppingPatience"/>, the best epoch's weights are kept.</summary>
        public IDataView? ValidationData { get; set; }

        /// <summary>Epochs without a better validation loss before training stops (0 = never). Default 0.</summary>
        public int EarlyStoppingPatience { get; set; }

        /// <summary>The seed of weights, shuffling and dropout; null draws one from the MLContext's seed.</summary>
        public int? Seed { get; set; }

        /// <summary>libtorch threads for training and scoring; null measures the fastest count for training and scores on one.</summary>
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

        internal abstract EncoderKind Encoder { get; }
        internal abstract string TrainerName { get; }

        /// <summary>Checks every option; the message names the option and what it must be.</summary>
        internal virtual void Validate()
        {
            foreach (var (value, option) in new[] { (SequenceColumnName, nameof(SequenceColumnName)), (PredictedLabelColumnName, nameof(PredictedLabelColumnName)), (ScoreColumnName, nameof(ScoreColumnName)) })
                if (string.IsNullOrWhiteSpace(value))
                    throw new ArgumentException($"Option {option} must name a column; it was empty.", option);
            if (PredictedLabelColumnName == ScoreColumnName)
                throw new ArgumentException($"Options PredictedLabelColumnName and ScoreColumnName both name '{ScoreColumnName}'; give the two outputs different names.", nameof(ScoreColumnName));
            Positive(NumberOfPredictions, nameof(NumberOfPredictions));
            Positive(MinimumCount, nameof(MinimumCount));
            Positive(EmbeddingDimension, nameof(EmbeddingDimension));
            Positive(NumberOfEpochs, nameof(NumberOfEpochs));
            Positive(BatchSize, nameof(BatchSize));
            if (MaximumContextLength < 2)
                throw new ArgumentOutOfRangeException(nameof(MaximumContextLength), MaximumContextLength, $"Option MaximumContextLength must be at least 2; it was {MaximumContextLength}.");
            if (NumberOfThreads is int threads)
                Positive(threads, nameof(NumberOfThreads));
            if (!(Dropout >= 0 && Dropout < 1))
                throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, $"Option Dropout must be in [0, 1); it was {Dropout}.");
            if (!(ElementDropout >= 0 && ElementDropout < 1))
                throw new ArgumentOutOfRangeException(nameof(ElementDropout), ElementDropout, $"Option ElementDropout must be in [0, 1); it was {ElementDropout}.");
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

    /// <summary>Options of the recurrent next-element models (LSTM, GRU; GRU4Rec-style for items).</summary>
    public abstract class RecurrentNextElementOptions : NextElementOptions
    {
        private protected RecurrentNextElementOptions() { }

        /// <summary>Hidden units. Default 128.</summary>
        [Range(16, 512, 128, true)]
        public int HiddenSize { get; set; } = 128;

        /// <summary>Stacked layers. Default 1.</summary>
        [Range(1, 3, 1, false)]
        public int NumberOfLayers { get; set; } = 1;

        internal override void Validate()
        {
            base.Validate();
            Positive(HiddenSize, nameof(HiddenSize));
            Positive(NumberOfLayers, nameof(NumberOfLayers));
        }
    }

    /// <summary>Options of <see cref="NextElementTrainers.SequenceLstm(LstmNextElementOptions)"/>.</summary>
    public sealed class LstmNextElementOptions : RecurrentNextElementOptions
    {
        internal override EncoderKind Encoder => EncoderKind.Lstm;
        internal override string TrainerName => "SequenceLstmNextElement";
    }

    /// <summary>Options of <see cref="NextElementTrainers.SequenceGru(GruNextElementOptions)"/> (GRU4Rec-style for items).</summary>
    public sealed class GruNextElementOptions : RecurrentNextElementOptions
    {
        internal override EncoderKind Encoder => EncoderKind.Gru;
        internal override string TrainerName => "SequenceGruNextElement";
    }

    /// <summary>
    /// Options of <see cref="NextElementTrainers.SequenceTransformer(TransformerNextElementOptions)"/>: causal
    /// self-attention (SASRec-style for items); its width is <see cref="NextElementOptions.EmbeddingDimension"/>.
    /// </summary>
    public sealed class TransformerNextElementOptions : NextElementOptions
    {
        /// <summary>Attention heads (must divide EmbeddingDimension). Default 2.</summary>
        [Choice(new object[] { 1, 2, 4, 8 }, 2)]
        public int NumberOfHeads { get; set; } = 2;

        /// <summary>Layers. Default 2.</summary>
        [Range(1, 6, 2, false)]
        public int NumberOfLayers { get; set; } = 2;

        /// <summary>Width of each layer's feed-forward block. Default 256.</summary>
        [Range(64, 2048, 256, true)]
        public int FeedForwardDimension { get; set; } = 256;

        internal override EncoderKind Encoder => EncoderKind.Transformer;
        internal override string TrainerName => "SequenceTransformerNextElement";

        internal override void Validate()
        {
            base.Validate();
            Positive(NumberOfHeads, nameof(NumberOfHeads));
            Positive(NumberOfLayers, nameof(NumberOfLayers));
            Positive(FeedForwardDimension, nameof(FeedForwardDimension));
            if (EmbeddingDimension % NumberOfHeads != 0)
                throw new ArgumentOutOfRangeException(nameof(NumberOfHeads), NumberOfHeads, $"Option NumberOfHeads ({NumberOfHeads}) must divide EmbeddingDimension ({EmbeddingDimension}).");
        }
    }

    /// <summary>How <see cref="NextElementTransformer.Generate"/> continues a prompt.</summary>
    public sealed class GenerationOptions
    {
        /// <summary>The most elements to add. Default 100.</summary>
        public int MaximumLength { get; set; } = 100;

        /// <summary>Divides the logits before sampling: below 1 sharper, above 1 flatter; 0 takes the likeliest element every step (greedy). Default 1.</summary>
        public double Temperature { get; set; } = 1.0;

        /// <summary>Sample among the k likeliest elements only (0: all). Default 0.</summary>
        public int TopK { get; set; }

        /// <summary>Nucleus sampling (Holtzman et al., 2020): sample among the fewest likeliest elements whose probabilities reach p (1: all). Default 1.</summary>
        public double TopP { get; set; } = 1.0;

        /// <summary>An element that ends the generation (not included in the output), or null.</summary>
        public string? StopElement { get; set; }

        /// <summary>The seed of the sampler: the same prompt, options and seed give the same output. Default 0.</summary>
        public int Seed { get; set; }

        internal void Validate()
        {
            if (MaximumLength <= 0)
                throw new ArgumentOutOfRangeException(nameof(MaximumLength), MaximumLength, $"Option MaximumLength must be positive; it was {MaximumLength}.");
            if (!(Temperature >= 0 && double.IsFinite(Temperature)))
                throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, $"Option Temperature must be 0 (greedy) or more and finite; it was {Temperature}.");
            if (TopK < 0)
                throw new ArgumentOutOfRangeException(nameof(TopK), TopK, $"Option TopK must be 0 (off) or positive; it was {TopK}.");
            if (!(TopP > 0 && TopP <= 1))
                throw new ArgumentOutOfRangeException(nameof(TopP), TopP, $"Option TopP must be in (0, 1]; it was {TopP}.");
        }
    }
}
