using System;
using System.Threading;
using Microsoft.ML;
using Microsoft.ML.SearchSpace;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms;

namespace MLNet.Sequence
{
    /// <summary>How classes are weighted in the loss.</summary>
    public enum ClassWeighting
    {
        /// <summary>Every row counts the same.</summary>
        None,
        /// <summary>Each class weighted by n / (classes × count of the class), so rare classes count as much as common ones.</summary>
        Balanced,
        /// <summary>The weights in <see cref="SequenceTrainerOptions.ClassWeights"/>, one per class in key order (binary: negative, positive).</summary>
        Custom,
    }

    /// <summary>
    /// Options shared by every sequence trainer: columns, input, pooling, head and training loop. The defaults are a
    /// sound start for small data on CPU; properties marked with search-space attributes can be swept by ML.NET
    /// AutoML's <c>SearchSpace&lt;T&gt;</c> where a user has that package.
    /// </summary>
    public abstract class SequenceTrainerOptions
    {
        private protected SequenceTrainerOptions() { }

        // ---- columns ----

        /// <summary>The label: Boolean (binary), a key (multiclass; use MapValueToKey), Single or a Single vector (regression).</summary>
        public string LabelColumnName { get; set; } = "Label";

        /// <summary>
        /// The sequence: a vector of keys (token ids, e.g. from EncodeTokens and PadSequences; key 0 is padding) or a
        /// Single vector of numeric steps (shape [steps, features], or [steps] with <see cref="FeaturesPerStep"/>).
        /// </summary>
        public string FeatureColumnName { get; set; } = "Features";

        /// <summary>More Single vector columns of the same size as <see cref="FeatureColumnName"/>: each adds one feature per step.</summary>
        public string[] AdditionalFeatureColumnNames { get; set; } = Array.Empty<string>();

        /// <summary>For a one-dimensional numeric feature vector: the features per step (default 1).</summary>
        public int FeaturesPerStep { get; set; } = 1;

        /// <summary>Optional Int32 column of each numeric sequence's real length; the rest is padding at the <see cref="PaddingSide"/> end.</summary>
        public string? LengthColumnName { get; set; }

        /// <summary>Where numeric sequences with a <see cref="LengthColumnName"/> are padded (PadSequences' default: Pre).</summary>
        public SequenceEnd PaddingSide { get; set; } = SequenceEnd.Pre;

        /// <summary>
        /// Optional Boolean vector column, one value per step, true at real steps (the mask PadSequences and
        /// OneHotEncodeSequence write). Steps marked false are padding wherever they are: the encoder never sees them.
        /// Use it or <see cref="LengthColumnName"/>, not both.
        /// </summary>
        public string? MaskColumnName { get; set; }

        // ---- input ----

        /// <summary>Token embedding size (token input). Default 64.</summary>
        [Range(8, 512, 64, true)]
        public int EmbeddingDimension { get; set; } = 64;

        /// <summary>Optional GloVe-format text file ("token v1 v2 ... vd" per line) to initialise the embedding; its d replaces <see cref="EmbeddingDimension"/>.</summary>
        public string? PretrainedEmbeddingsPath { get; set; }

        /// <summary>Keep pretrained embeddings fixed during training (default false: fine-tune them).</summary>
        public bool FreezeEmbeddings { get; set; }

        /// <summary>
        /// For variable-length token vectors: the longest sequence the model takes; null learns the longest in the
        /// training data. Longer sequences at prediction are cut at the <see cref="LongSequenceTruncation"/> end.
        /// </summary>
        public int? MaximumSequenceLength { get; set; }

        /// <summary>Which end of a too-long variable-length sequence is dropped at prediction (default Pre: keep the last steps, as PadSequences does).</summary>
        public SequenceEnd LongSequenceTruncation { get; set; } = SequenceEnd.Pre;

        /// <summary>Standardise each numeric feature with its training mean and deviation (stored with the model). Default true.</summary>
        public bool NormalizeFeatures { get; set; } = true;

        // ---- architecture ----

        /// <summary>How per-step outputs become one vector (many-to-one). Default <see cref="SequencePooling.Last"/>.</summary>
        [Choice(new object[] { "Last", "Mean", "Max", "Attention", "Flatten" }, "Last")]
        public SequencePooling Pooling { get; set; } = SequencePooling.Last;

        /// <summary>Dropout between layers, after pooling and in the head. Default 0.1.</summary>
        [Range(0.0f, 0.5f, 0.1f, false)]
        public float Dropout { get; set; } = 0.1f;

        /// <summary>Size of a hidden layer in the head; 0 (default) for a linear head.</summary>
        public int HeadHiddenSize { get; set; }

        // ---- training ----

        /// <summary>
        /// Passes over the training data. Default null: scaled with the data, so that training takes at least
        /// <see cref="MinimumOptimizerSteps"/> optimizer steps, and never fewer than 5 or more than 300 epochs
        /// (53 rows in batches of 32 get 250 epochs; 2,400 rows get 7). A few optimizer steps leave a network at its
        /// initial guess, the majority class; see docs/results.md for the defaults on a tiny, a small and a medium set.
        /// </summary>
        [Range(1, 200, 10, true)]
        public int? NumberOfEpochs { get; set; }

        /// <summary>With <see cref="NumberOfEpochs"/> null: the fewest optimizer steps (batches) training takes. Default 500.</summary>
        public int MinimumOptimizerSteps { get; set; } = 500;

        /// <summary>Rows per minibatch. Default 32.</summary>
        [Range(8, 512, 32, true)]
        public int BatchSize { get; set; } = 32;

        /// <summary>The learning rate. Default 1e-3.</summary>
        [Range(1e-5, 1e-1, 1e-3, true)]
        public double LearningRate { get; set; } = 1e-3;

        /// <summary>The optimizer. Default Adam.</summary>
        public SequenceOptimizer Optimizer { get; set; } = SequenceOptimizer.Adam;

        /// <summary>Weight decay (L2 for Adam and SGD, decoupled for AdamW). Default 0.</summary>
        [Range(0.0, 0.1, 0.0, false)]
        public double WeightDecay { get; set; }

        /// <summary>SGD momentum. Default 0.9.</summary>
        public double Momentum { get; set; } = 0.9;

        /// <summary>How the learning rate changes over epochs. Default constant.</summary>
        public LearningRateSchedule LearningRateSchedule { get; set; } = LearningRateSchedule.Constant;

        /// <summary>For the step schedule: epochs between reductions. Default 10.</summary>
        public int StepScheduleEpochs { get; set; } = 10;

        /// <summary>For the step schedule: the factor applied at each reduction. Default 0.1.</summary>
        public double StepScheduleFactor { get; set; } = 0.1;

        /// <summary>For <see cref="LearningRateSchedule.ReduceOnPlateau"/>: epochs without improvement before the rate is reduced. Default 2.</summary>
        public int PlateauPatience { get; set; } = 2;

        /// <summary>For <see cref="LearningRateSchedule.ReduceOnPlateau"/>: the factor applied at each reduction. Default 0.5.</summary>
        public double PlateauFactor { get; set; } = 0.5;

        /// <summary>For <see cref="LearningRateSchedule.ReduceOnPlateau"/>: the rate is never reduced below this. Default 1e-6.</summary>
        public double MinimumLearningRate { get; set; } = 1e-6;

        /// <summary>Clip the gradients' global norm to this (backpropagation through time); 0 turns clipping off. Default 1.</summary>
        public double GradientClipNorm { get; set; } = 1.0;

        /// <summary>Class weights in the loss (classification). Default none.</summary>
        public ClassWeighting ClassWeighting { get; set; } = ClassWeighting.None;

        /// <summary>With <see cref="ClassWeighting.Custom"/>: one positive weight per class (binary: negative, positive).</summary>
        public float[]? ClassWeights { get; set; }

        /// <summary>Data to validate on after each epoch (early stopping, best-weight restore, validation metric).</summary>
        public IDataView? ValidationData { get; set; }

        /// <summary>Without <see cref="ValidationData"/>: the fraction of training rows held out for validation (0 = none). Default 0.</summary>
        public double ValidationFraction { get; set; }

        /// <summary>Stop after this many epochs without a better validation loss, keeping the best epoch's weights; 0 turns it off. Default 0.</summary>
        public int EarlyStoppingPatience { get; set; }

        /// <summary>Rows held in the shuffle buffer while streaming (bounded to about 256 MB). Default 10000.</summary>
        public int ShuffleBufferSize { get; set; } = 10000;

        /// <summary>Keep the rows in memory after the first epoch when they fit in about 512 MB (faster epochs). Default true.</summary>
        public bool CacheRowsInMemory { get; set; } = true;

        /// <summary>Seed for weights, dropout and shuffling; null takes one from the MLContext (so MLContext(seed) fixes the model).</summary>
        public int? Seed { get; set; }

        /// <summary>
        /// libtorch intra-op threads for training and scoring. Default null: chosen by measurement, separately for training
        /// (a training step timed at 1, 2, ... threads at Fit, logged to MLContext.Log and kept in the model's history),
        /// single-row prediction and batched Transform (timed on their first call). The count is set on the calling thread
        /// for the duration of each call and set back afterwards (docs/trainers.md, Threads).
        /// </summary>
        public int? NumberOfThreads { get; set; }

        /// <summary>Receives each epoch's figures (also written to MLContext.Log).</summary>
        public IProgress<EpochReport>? Progress { get; set; }

        /// <summary>Receives progress after every batch (loss so far, time left); <see cref="ConsoleTrainingProgress"/> draws it on the console.</summary>
        public IProgress<TrainingProgress>? BatchProgress { get; set; }

        /// <summary>Cancels training within one batch. ML.NET's own cancellation of the MLContext is honoured too. See <see cref="OnCancellation"/>.</summary>
        public CancellationToken CancellationToken { get; set; }

        /// <summary>On cancellation, throw <see cref="OperationCanceledException"/> (default) or return the best model so far.</summary>
        public CancellationBehavior OnCancellation { get; set; } = CancellationBehavior.Throw;

        /// <summary>
        /// Optional file for a resumable checkpoint, written atomically every <see cref="CheckpointEveryEpochs"/> epochs:
        /// weights, optimizer state, random state, best weights and the loop's counters. A Fit with the same options and
        /// data finds it and resumes after its epoch; a Fit with others refuses it. Deleted when training finishes; kept
        /// when it is canceled or the process dies, so that the next Fit resumes.
        /// </summary>
        public string? CheckpointPath { get; set; }

        /// <summary>With <see cref="CheckpointPath"/>: epochs between checkpoints. Default 1.</summary>
        public int CheckpointEveryEpochs { get; set; } = 1;

        /// <summary>Rows per forward pass when scoring with Transform. Default 256.</summary>
        public int ScoringBatchSize { get; set; } = 256;

        /// <summary>Regression loss. Default squared error.</summary>
        public RegressionLoss RegressionLoss { get; set; } = RegressionLoss.SquaredError;

        /// <summary>Standardise regression labels with their training mean and deviation (predictions are mapped back). Default true.</summary>
        public bool NormalizeLabel { get; set; } = true;

        /// <summary>
        /// Regression only: predict these quantiles (ascending, each in (0, 1), e.g. 0.1, 0.5, 0.9) with the pinball loss
        /// instead of a point value. The score then has one more dimension, the quantiles; they never cross.
        /// </summary>
        public float[]? Quantiles { get; set; }

        /// <summary>
        /// Optional Single vector column of per-row features that are not a sequence (e.g. known future covariates or
        /// series metadata); it is joined to the pooled sequence before the head.
        /// </summary>
        public string? StaticFeatureColumnName { get; set; }

        /// <summary>
        /// Optional SpecAugment-style masking of numeric training batches (e.g. audio frames); never applied to validation
        /// or prediction. Null (default): none. Token-id features cannot be masked this way.
        /// </summary>
        public FeatureMaskingOptions? Augmentation { get; set; }

        internal abstract EncoderKind Encoder { get; }

        /// <summary>A shallow copy, so callers can set column options without changing the user's object.</summary>
        internal SequenceTrainerOptions Clone() => (SequenceTrainerOptions)MemberwiseClone();

        /// <summary>The family's name for logs and messages, e.g. "SequenceLstm".</summary>
        internal abstract string TrainerName { get; }

        internal virtual void Validate()
        {
            Require(!string.IsNullOrWhiteSpace(LabelColumnName), nameof(LabelColumnName), "must name a column");
            Require(!string.IsNullOrWhiteSpace(FeatureColumnName), nameof(FeatureColumnName), "must name a column");
            AdditionalFeatureColumnNames ??= Array.Empty<string>();
            Require(FeaturesPerStep > 0, nameof(FeaturesPerStep), $"must be positive; it was {FeaturesPerStep}");
            Require(LengthColumnName == null || MaskColumnName == null, nameof(MaskColumnName), "and LengthColumnName both say which steps are padding; set one of them");
            Require(EmbeddingDimension > 0, nameof(EmbeddingDimension), $"must be positive; it was {EmbeddingDimension}");
            Require(MaximumSequenceLength is null or > 0, nameof(MaximumSequenceLength), $"must be positive; it was {MaximumSequenceLength}");
            Require(Dropout is >= 0 and < 1, nameof(Dropout), $"must be in [0, 1); it was {Dropout}");
            Require(HeadHiddenSize >= 0, nameof(HeadHiddenSize), $"must be 0 or positive; it was {HeadHiddenSize}");
            Require(NumberOfEpochs is null or > 0, nameof(NumberOfEpochs), $"must be positive, or null to scale with the data; it was {NumberOfEpochs}");
            Require(MinimumOptimizerSteps > 0, nameof(MinimumOptimizerSteps), $"must be positive; it was {MinimumOptimizerSteps}");
            Require(BatchSize > 0, nameof(BatchSize), $"must be positive; it was {BatchSize}");
            Require(LearningRate > 0 && double.IsFinite(LearningRate), nameof(LearningRate), $"must be positive; it was {LearningRate}");
            Require(WeightDecay >= 0, nameof(WeightDecay), $"must be 0 or positive; it was {WeightDecay}");
            Require(Momentum is >= 0 and < 1, nameof(Momentum), $"must be in [0, 1); it was {Momentum}");
            Require(StepScheduleEpochs > 0, nameof(StepScheduleEpochs), $"must be positive; it was {StepScheduleEpochs}");
            Require(StepScheduleFactor is > 0 and <= 1, nameof(StepScheduleFactor), $"must be in (0, 1]; it was {StepScheduleFactor}");
            Require(PlateauPatience > 0, nameof(PlateauPatience), $"must be positive; it was {PlateauPatience}");
            Require(PlateauFactor is > 0 and < 1, nameof(PlateauFactor), $"must be in (0, 1); it was {PlateauFactor}");
            Require(MinimumLearningRate >= 0 && double.IsFinite(MinimumLearningRate), nameof(MinimumLearningRate), $"must be 0 or positive; it was {MinimumLearningRate}");
            TrainingFingerprint.ValidateCheckpoint(CheckpointPath, CheckpointEveryEpochs);
            Require(GradientClipNorm >= 0, nameof(GradientClipNorm), $"must be 0 (off) or positive; it was {GradientClipNorm}");
            Require(ValidationFraction is >= 0 and < 1, nameof(ValidationFraction), $"must be in [0, 1); it was {ValidationFraction}");
            Require(EarlyStoppingPatience >= 0, nameof(EarlyStoppingPatience), $"must be 0 (off) or positive; it was {EarlyStoppingPatience}");
            Require(ShuffleBufferSize > 0, nameof(ShuffleBufferSize), $"must be positive; it was {ShuffleBufferSize}");
            Require(ScoringBatchSize > 0, nameof(ScoringBatchSize), $"must be positive; it was {ScoringBatchSize}");
            Require(NumberOfThreads is null or > 0, nameof(NumberOfThreads), $"must be positive; it was {NumberOfThreads}");
            Defined(Pooling, nameof(Pooling));
            Defined(Optimizer, nameof(Optimizer));
            Defined(LearningRateSchedule, nameof(LearningRateSchedule));
            Defined(ClassWeighting, nameof(ClassWeighting));
            Defined(OnCancellation, nameof(OnCancellation));
            Defined(RegressionLoss, nameof(RegressionLoss));
            Defined(PaddingSide, nameof(PaddingSide));
            Defined(LongSequenceTruncation, nameof(LongSequenceTruncation));
            if (ClassWeighting == ClassWeighting.Custom)
                Require(ClassWeights is { Length: > 0 } w && Array.TrueForAll(w, x => x > 0 && float.IsFinite(x)), nameof(ClassWeights), "must hold one positive weight per class when ClassWeighting is Custom");
            if (EarlyStoppingPatience > 0)
                Require(ValidationData != null || ValidationFraction > 0, nameof(EarlyStoppingPatience), "needs validation data: set ValidationData or ValidationFraction");
            if (Quantiles != null)
            {
                Require(Quantiles.Length > 0, nameof(Quantiles), "must list at least one quantile, or be null");
                for (int i = 0; i < Quantiles.Length; i++)
                {
                    Require(Quantiles[i] > 0 && Quantiles[i] < 1, nameof(Quantiles), $"must hold values in (0, 1); it has {Quantiles[i]}");
                    Require(i == 0 || Quantiles[i] > Quantiles[i - 1], nameof(Quantiles), "must be strictly ascending");
                }
            }
            Augmentation?.Validate();
            if (PretrainedEmbeddingsPath != null)
                Require(System.IO.File.Exists(PretrainedEmbeddingsPath), nameof(PretrainedEmbeddingsPath), $"names a file that does not exist: '{PretrainedEmbeddingsPath}'");
        }

        private protected static void Require(bool ok, string option, string message)
        {
            if (!ok)
                throw new ArgumentOutOfRangeException(option, $"Option {option} {message}.");
        }

        private static void Defined<TEnum>(TEnum value, string option) where TEnum : struct, Enum =>
            MLNet.Sequence.Transforms.Internal.ColumnChecks.RequireDefined(value, option);
    }

    /// <summary>Options of the LSTM and GRU trainers.</summary>
    public abstract class RecurrentSequenceOptions : SequenceTrainerOptions
    {
        private protected RecurrentSequenceOptions() { }

        /// <summary>Hidden state size per direction. Default 64.</summary>
        [Range(8, 512, 64, true)]
        public int HiddenSize { get; set; } = 64;

        /// <summary>Stacked layers (dropout between them). Default 1.</summary>
        [Range(1, 4, 1, false)]
        public int NumberOfLayers { get; set; } = 1;

        /// <summary>Run a backward direction too (outputs concatenated). Default false.</summary>
        [BooleanChoice(false)]
        public bool Bidirectional { get; set; }

        internal override void Validate()
        {
            base.Validate();
            Require(HiddenSize > 0, nameof(HiddenSize), $"must be positive; it was {HiddenSize}");
            Require(NumberOfLayers > 0, nameof(NumberOfLayers), $"must be positive; it was {NumberOfLayers}");
        }
    }

    /// <summary>Options of the LSTM trainers (<c>SequenceLstm</c>).</summary>
    public sealed class LstmOptions : RecurrentSequenceOptions
    {
        internal override EncoderKind Encoder => EncoderKind.Lstm;
        internal override string TrainerName => "SequenceLstm";
    }

    /// <summary>Options of the GRU trainers (<c>SequenceGru</c>).</summary>
    public sealed class GruOptions : RecurrentSequenceOptions
    {
        internal override EncoderKind Encoder => EncoderKind.Gru;
        internal override string TrainerName => "SequenceGru";
    }

    /// <summary>Options of the Transformer trainers (<c>SequenceTransformer</c>).</summary>
    public sealed class TransformerOptions : SequenceTrainerOptions
    {
        /// <summary>Model width d (token embeddings use it too). Default 64.</summary>
        [Range(16, 512, 64, true)]
        public int ModelDimension { get; set; } = 64;

        /// <summary>Attention heads; must divide <see cref="ModelDimension"/>. Default 4.</summary>
        [Choice(new object[] { 1, 2, 4, 8 }, 4)]
        public int NumberOfHeads { get; set; } = 4;

        /// <summary>Encoder layers. Default 2.</summary>
        [Range(1, 6, 2, false)]
        public int NumberOfLayers { get; set; } = 2;

        /// <summary>Feed-forward width. Default 128.</summary>
        [Range(32, 2048, 128, true)]
        public int FeedForwardDimension { get; set; } = 128;

        internal override EncoderKind Encoder => EncoderKind.Transformer;
        internal override string TrainerName => "SequenceTransformer";

        internal override void Validate()
        {
            base.Validate();
            Require(ModelDimension > 0, nameof(ModelDimension), $"must be positive; it was {ModelDimension}");
            Require(NumberOfHeads > 0 && ModelDimension % NumberOfHeads == 0, nameof(NumberOfHeads), $"must be positive and divide ModelDimension ({ModelDimension}); it was {NumberOfHeads}");
            Require(NumberOfLayers > 0, nameof(NumberOfLayers), $"must be positive; it was {NumberOfLayers}");
            Require(FeedForwardDimension > 0, nameof(FeedForwardDimension), $"must be positive; it was {FeedForwardDimension}");
        }
    }

    /// <summary>Options of the temporal CNN trainers (<c>SequenceCnn</c>).</summary>
    public sealed class CnnOptions : SequenceTrainerOptions
    {
        /// <summary>Channels of every convolution. Default 64.</summary>
        [Range(8, 512, 64, true)]
        public int Channels { get; set; } = 64;

        /// <summary>Kernel size. Default 3.</summary>
        [Range(2, 9, 3, false)]
        public int KernelSize { get; set; } = 3;

        /// <summary>Residual blocks; block i has dilation 2^i, so the receptive field is 1 + (k−1)(2^layers − 1). Default 4.</summary>
        [Range(1, 8, 4, false)]
        public int NumberOfLayers { get; set; } = 4;

        internal override EncoderKind Encoder => EncoderKind.Cnn;
        internal override string TrainerName => "SequenceCnn";

        internal override void Validate()
        {
            base.Validate();
            Require(Channels > 0, nameof(Channels), $"must be positive; it was {Channels}");
            Require(KernelSize > 1, nameof(KernelSize), $"must be at least 2; it was {KernelSize}");
            Require(NumberOfLayers > 0 && NumberOfLayers <= 16, nameof(NumberOfLayers), $"must be in 1..16; it was {NumberOfLayers}");
        }
    }

    /// <summary>
    /// Options of N-BEATS (Oreshkin, Carpov, Chapados and Bengio, ICLR 2020): fully connected blocks over the flattened
    /// fixed-length window, each removing what it explains from its input (backcast) and adding its part of the forecast.
    /// A forecasting network: use it through <c>mlContext.Forecasting.SequenceNBeats</c> or as
    /// <see cref="MLNet.Sequence.Forecasting.SequenceForecasterOptions.Model"/>; it takes numeric windows of a fixed length.
    /// <see cref="SequenceTrainerOptions.Pooling"/>, the embedding and head options do not apply.
    /// </summary>
    public sealed class NBeatsOptions : SequenceTrainerOptions
    {
        /// <summary>Units of every fully connected layer. Default 256 (the paper's 512 is slow on two CPU cores).</summary>
        [Range(32, 1024, 256, true)]
        public int LayerWidth { get; set; } = 256;

        /// <summary>Blocks (the paper's generic model stacks 30 blocks; its interpretable one 6). Default 6.</summary>
        [Range(1, 30, 6, true)]
        public int NumberOfBlocks { get; set; } = 6;

        /// <summary>Fully connected ReLU layers in each block. Default 4, as in the paper.</summary>
        [Range(1, 6, 4, false)]
        public int LayersPerBlock { get; set; } = 4;

        /// <summary>
        /// Interpretable stacks: the first half of the blocks forecast a polynomial trend of degree <see cref="TrendDegree"/>,
        /// the rest Fourier seasonality over the horizon; otherwise learned linear bases (the generic model). Default false.
        /// </summary>
        [BooleanChoice(false)]
        public bool Interpretable { get; set; }

        /// <summary>Degree of the interpretable trend polynomial. Default 3 (the paper uses 2 or 3).</summary>
        public int TrendDegree { get; set; } = 3;

        internal override EncoderKind Encoder => EncoderKind.NBeats;
        internal override string TrainerName => "SequenceNBeats";

        internal override void Validate()
        {
            base.Validate();
            Require(LayerWidth > 0, nameof(LayerWidth), $"must be positive; it was {LayerWidth}");
            Require(NumberOfBlocks > 0 && NumberOfBlocks <= 100, nameof(NumberOfBlocks), $"must be in 1..100; it was {NumberOfBlocks}");
            Require(LayersPerBlock > 0 && LayersPerBlock <= 16, nameof(LayersPerBlock), $"must be in 1..16; it was {LayersPerBlock}");
            Require(TrendDegree >= 0 && TrendDegree <= 8, nameof(TrendDegree), $"must be in 0..8; it was {TrendDegree}");
            Require(!Interpretable || NumberOfBlocks >= 2, nameof(NumberOfBlocks), $"must be at least 2 with Interpretable (trend blocks, then seasonality blocks); it was {NumberOfBlocks}");
        }
    }
}
