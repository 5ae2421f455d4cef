using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Serialization;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.Forecasting;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Trainers.Network;
using MLNet.Sequence.Transforms;
using MLNet.Sequence.Transforms.Persistence;

namespace MLNet.Sequence.Persistence
{
    /// <summary>
    /// SequenceModel config.json: version 1, and version 2 with the optional mask column. An explicit record: the
    /// network, feature and label settings are copied into it from the engine's and the estimators' runtime types,
    /// with every JSON name fixed, and checked when read.
    /// </summary>
    internal sealed class SequenceModelConfigV2
    {
        [JsonPropertyName("Network")] public NetworkV1? Network { get; set; }
        [JsonPropertyName("Features")] public FeaturesV2? Features { get; set; }
        [JsonPropertyName("Label")] public LabelV1? Label { get; set; }
        [JsonPropertyName("ScoringBatchSize")] public int ScoringBatchSize { get; set; } = 256;
        [JsonPropertyName("History")] public List<EpochV1>? History { get; set; }
        [JsonPropertyName("BestEpoch")] public int BestEpoch { get; set; }
        [JsonPropertyName("StoppedEarly")] public bool StoppedEarly { get; set; }
        /// <summary>The thread count training ran with (0: not recorded, files before 2026-12-03).</summary>
        [JsonPropertyName("TrainingThreads")] public int TrainingThreads { get; set; }
        /// <summary>The thread count the user fixed with NumberOfThreads; null for automatic choices.</summary>
        [JsonPropertyName("FixedThreads"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? FixedThreads { get; set; }

        /// <summary>2 when a mask column is used; 1 otherwise, so version-1 readers still read such models.</summary>
        [JsonIgnore] public int Version => Features?.MaskColumn != null ? 2 : 1;

        public static SequenceModelConfigV2 From(NetworkConfig network, FeatureSpec f, LabelSpec l, int scoringBatch, TrainingHistory? history, int? fixedThreads) => new()
        {
            TrainingThreads = history?.Threads ?? 0,
            FixedThreads = fixedThreads,
            Network = NetworkV1.From(network),
            Features = FeaturesV2.From(f),
            Label = LabelV1.From(l),
            ScoringBatchSize = scoringBatch,
            History = history?.Epochs.Select(EpochV1.From).ToList(),
            BestEpoch = history?.BestEpoch ?? 0,
            StoppedEarly = history?.StoppedEarly ?? false,
        };

        public (NetworkConfig Network, FeatureSpec Features, LabelSpec Label, TrainingHistory? History) ToRuntime(int version)
        {
            const string part = "SequenceModel";
            var f = StoredCheck.Required(Features, part, "Features").ToSpec();
            if (version < 2 && f.MaskColumn != null)
                throw new InvalidDataException("The stored SequenceModel configuration (version 1) names a mask column, which version 1 does not have.");
            var l = StoredCheck.Required(Label, part, "Label").ToSpec();
            var n = StoredCheck.Required(Network, part, "Network").ToConfig();
            if (ScoringBatchSize <= 0)
                throw new InvalidDataException($"The stored SequenceModel configuration has ScoringBatchSize = {ScoringBatchSize}; it must be positive.");
            var history = History == null ? null : new TrainingHistory(History.Select(e => StoredCheck.Required(e, part, "History").ToReport()).ToList(), BestEpoch, StoppedEarly, threads: TrainingThreads);
            if (FixedThreads is int t && t <= 0)
                throw new InvalidDataException($"The stored SequenceModel configuration has FixedThreads = {t}; it must be positive.");
            CheckAgreement(n, f, l);
            return (n, f, l, history);
        }

        /// <summary>The network, the features and the label must describe one model: a mismatch would score at the wrong stride.</summary>
        private static void CheckAgreement(NetworkConfig n, FeatureSpec f, LabelSpec l)
        {
            void Require(bool ok, string what)
            {
                if (!ok)
                    throw new InvalidDataException($"The stored SequenceModel parts disagree: {what}.");
            }
            Require(f.Tokens == n.TokenInput, "the features say " + (f.Tokens ? "tokens" : "numbers") + " but the network takes the other");
            Require(!f.Tokens || f.VocabularySize == n.VocabularySize, $"a vocabulary of {f.VocabularySize} ids against the network's {n.VocabularySize}");
            Require(f.Tokens || f.Features == n.FeaturesPerStep, $"{f.Features} features per step against the network's {n.FeaturesPerStep}");
            Require(f.Steps == n.SequenceLength, $"{f.Steps} steps against the network's {n.SequenceLength}");
            Require(f.StaticSize == n.StaticFeatures, $"{f.StaticSize} static features against the network's {n.StaticFeatures}");
            Require(l.Outputs == n.Outputs, $"{l.Outputs} label outputs against the network's {n.Outputs}");
            Require((l.Quantiles?.Length ?? 0) == n.Quantiles, $"{l.Quantiles?.Length ?? 0} quantiles against the network's {n.Quantiles}");
            Require(l.Dimensions == null || l.Dimensions.Aggregate(1, (a, b) => a * b) == l.Values, "the label's dimensions do not multiply to its values");
            Require(l.Task is not (SequenceTask.Regression or SequenceTask.QuantileRegression) || l.Outputs == l.Values, "a regression label whose outputs are not its values");
        }
    }

    /// <summary>The network's configuration as stored, version 1.</summary>
    internal sealed class NetworkV1
    {
        [JsonPropertyName("Encoder")] public EncoderKind Encoder { get; set; }
        [JsonPropertyName("VocabularySize")] public int VocabularySize { get; set; }
        [JsonPropertyName("EmbeddingDimension")] public int EmbeddingDimension { get; set; }
        [JsonPropertyName("FreezeEmbeddings")] public bool FreezeEmbeddings { get; set; }
        [JsonPropertyName("FeaturesPerStep")] public int FeaturesPerStep { get; set; }
        [JsonPropertyName("SequenceLength")] public int SequenceLength { get; set; }
        [JsonPropertyName("HiddenSize")] public int HiddenSize { get; set; }
        [JsonPropertyName("Layers")] public int Layers { get; set; }
        [JsonPropertyName("Bidirectional")] public bool Bidirectional { get; set; }
        [JsonPropertyName("Heads")] public int Heads { get; set; }
        [JsonPropertyName("FeedForwardDimension")] public int FeedForwardDimension { get; set; }
        [JsonPropertyName("KernelSize")] public int KernelSize { get; set; }
        [JsonPropertyName("Dropout")] public double Dropout { get; set; }
        [JsonPropertyName("Pooling")] public SequencePooling Pooling { get; set; }
        [JsonPropertyName("HeadHiddenSize")] public int HeadHiddenSize { get; set; }
        [JsonPropertyName("Outputs")] public int Outputs { get; set; }
        [JsonPropertyName("StaticFeatures")] public int StaticFeatures { get; set; }
        [JsonPropertyName("Quantiles")] public int Quantiles { get; set; }
        [JsonPropertyName("TokenInput")] public bool TokenInput { get; set; }
        // Added with N-BEATS; files written before lack them and read the defaults, which those networks never use.
        [JsonPropertyName("BlockLayers")] public int BlockLayers { get; set; } = 4;
        [JsonPropertyName("Interpretable")] public bool Interpretable { get; set; }
        [JsonPropertyName("TrendDegree")] public int TrendDegree { get; set; } = 3;
        [JsonPropertyName("OutputSteps")] public int OutputSteps { get; set; }

        public static NetworkV1 From(NetworkConfig c) => new()
        {
            Encoder = c.Encoder, VocabularySize = c.VocabularySize, EmbeddingDimension = c.EmbeddingDimension, FreezeEmbeddings = c.FreezeEmbeddings,
            FeaturesPerStep = c.FeaturesPerStep, SequenceLength = c.SequenceLength, HiddenSize = c.HiddenSize, Layers = c.Layers, Bidirectional = c.Bidirectional,
            Heads = c.Heads, FeedForwardDimension = c.FeedForwardDimension, KernelSize = c.KernelSize, Dropout = c.Dropout, Pooling = c.Pooling,
            HeadHiddenSize = c.HeadHiddenSize, Outputs = c.Outputs, StaticFeatures = c.StaticFeatures, Quantiles = c.Quantiles, TokenInput = c.TokenInput,
            BlockLayers = c.BlockLayers, Interpretable = c.Interpretable, TrendDegree = c.TrendDegree, OutputSteps = c.OutputSteps,
        };

        public NetworkConfig ToConfig()
        {
            const string part = "SequenceModel network";
            var c = new NetworkConfig
            {
                Encoder = StoredCheck.Defined(Encoder, part, "Encoder"), VocabularySize = VocabularySize, EmbeddingDimension = EmbeddingDimension,
                FreezeEmbeddings = FreezeEmbeddings, FeaturesPerStep = FeaturesPerStep, SequenceLength = SequenceLength, HiddenSize = HiddenSize, Layers = Layers,
                Bidirectional = Bidirectional, Heads = Heads, FeedForwardDimension = FeedForwardDimension, KernelSize = KernelSize, Dropout = Dropout,
                Pooling = StoredCheck.Defined(Pooling, part, "Pooling"), HeadHiddenSize = HeadHiddenSize, Outputs = Outputs, StaticFeatures = StaticFeatures,
                Quantiles = Quantiles, BlockLayers = BlockLayers, Interpretable = Interpretable, TrendDegree = TrendDegree, OutputSteps = OutputSteps,
            };
            try
            {
                c.Validate();
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"The stored SequenceModel network configuration is invalid: {e.Message}", e);
            }
            return c;
        }
    }

    /// <summary>How the model reads its sequence, as stored: version 1, and version 2 with <see cref="MaskColumn"/>.</summary>
    internal sealed class FeaturesV2
    {
        [JsonPropertyName("Tokens")] public bool Tokens { get; set; }
        [JsonPropertyName("Columns")] public string[]? Columns { get; set; }
        [JsonPropertyName("Steps")] public int Steps { get; set; }
        [JsonPropertyName("Features")] public int Features { get; set; } = 1;
        [JsonPropertyName("VariableLength")] public bool VariableLength { get; set; }
        [JsonPropertyName("KeyInput")] public bool KeyInput { get; set; }
        [JsonPropertyName("VocabularySize")] public int VocabularySize { get; set; }
        [JsonPropertyName("LengthColumn")] public string? LengthColumn { get; set; }
        [JsonPropertyName("MaskColumn"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? MaskColumn { get; set; }
        [JsonPropertyName("PaddingSide")] public SequenceEnd PaddingSide { get; set; }
        [JsonPropertyName("Truncation")] public SequenceEnd Truncation { get; set; }
        [JsonPropertyName("FeatureMean")] public float[]? FeatureMean { get; set; }
        [JsonPropertyName("FeatureScale")] public float[]? FeatureScale { get; set; }
        [JsonPropertyName("StaticColumn")] public string? StaticColumn { get; set; }
        [JsonPropertyName("StaticSize")] public int StaticSize { get; set; }

        public static FeaturesV2 From(FeatureSpec f) => new()
        {
            Tokens = f.Tokens, Columns = f.Columns, Steps = f.Steps, Features = f.Features, VariableLength = f.VariableLength, KeyInput = f.KeyInput,
            VocabularySize = f.VocabularySize, LengthColumn = f.LengthColumn, MaskColumn = f.MaskColumn, PaddingSide = f.PaddingSide, Truncation = f.Truncation,
            FeatureMean = f.FeatureMean, FeatureScale = f.FeatureScale, StaticColumn = f.StaticColumn, StaticSize = f.StaticSize,
        };

        public FeatureSpec ToSpec()
        {
            const string part = "SequenceModel features";
            var columns = StoredCheck.Names(Columns, part, "Columns");
            if (columns.Length == 0)
                throw new InvalidDataException("The stored SequenceModel features name no column.");
            if ((FeatureMean == null) != (FeatureScale == null) || (FeatureMean != null && (FeatureMean.Length != Features || FeatureScale!.Length != Features)))
                throw new InvalidDataException("The stored SequenceModel feature statistics do not match the features per step.");
            return new FeatureSpec
            {
                Tokens = Tokens, Columns = columns, Steps = StoredCheck.Positive(Steps, part, "Steps"), Features = StoredCheck.Positive(Features, part, "Features"),
                VariableLength = VariableLength, KeyInput = KeyInput, VocabularySize = VocabularySize, LengthColumn = LengthColumn, MaskColumn = MaskColumn,
                PaddingSide = StoredCheck.Defined(PaddingSide, part, "PaddingSide"), Truncation = StoredCheck.Defined(Truncation, part, "Truncation"),
                FeatureMean = FeatureMean, FeatureScale = FeatureScale, StaticColumn = StaticColumn, StaticSize = StaticSize,
            };
        }
    }

    /// <summary>How the model reads and writes its label, as stored, version 1.</summary>
    internal sealed class LabelV1
    {
        [JsonPropertyName("Task")] public SequenceTask Task { get; set; }
        [JsonPropertyName("Column")] public string? Column { get; set; }
        [JsonPropertyName("Outputs")] public int Outputs { get; set; } = 1;
        [JsonPropertyName("Values")] public int Values { get; set; } = 1;
        [JsonPropertyName("ClassNames")] public string[]? ClassNames { get; set; }
        [JsonPropertyName("Mean")] public float[]? Mean { get; set; }
        [JsonPropertyName("Scale")] public float[]? Scale { get; set; }
        [JsonPropertyName("Dimensions")] public int[]? Dimensions { get; set; }
        [JsonPropertyName("Quantiles")] public float[]? Quantiles { get; set; }

        public static LabelV1 From(LabelSpec l) => new()
        {
            Task = l.Task, Column = l.Column, Outputs = l.Outputs, Values = l.Values, ClassNames = l.ClassNames, Mean = l.Mean, Scale = l.Scale,
            Dimensions = l.Dimensions, Quantiles = l.Quantiles,
        };

        public LabelSpec ToSpec()
        {
            const string part = "SequenceModel label";
            var task = StoredCheck.Defined(Task, part, "Task");
            if (task == SequenceTask.MulticlassClassification && (ClassNames == null || ClassNames.Length != Outputs))
                throw new InvalidDataException("The stored SequenceModel label has no class name for every class.");
            if ((Mean == null) != (Scale == null) || (Mean != null && (Mean.Length != Values || Scale!.Length != Values)))
                throw new InvalidDataException("The stored SequenceModel label statistics do not match the label's values.");
            return new LabelSpec
            {
                Task = task, Column = StoredCheck.Name(Column, part, "Column"), Outputs = StoredCheck.Positive(Outputs, part, "Outputs"),
                Values = StoredCheck.Positive(Values, part, "Values"), ClassNames = ClassNames, Mean = Mean, Scale = Scale, Dimensions = Dimensions, Quantiles = Quantiles,
            };
        }
    }

    /// <summary>SequenceForecaster config.json, version 1 (the network is stored beside it, under model/).</summary>
    internal sealed class ForecasterConfigV1
    {
        [JsonPropertyName("Name")] public string? Name { get; set; }
        [JsonPropertyName("ValueColumns")] public string[]? ValueColumns { get; set; }
        [JsonPropertyName("PastCovariateColumns")] public string[]? PastCovariateColumns { get; set; }
        [JsonPropertyName("FutureCovariateColumns")] public string[]? FutureCovariateColumns { get; set; }
        [JsonPropertyName("TimeFeatureNames")] public string[]? TimeFeatureNames { get; set; }
        [JsonPropertyName("TimeFeatures")] public TimeFeatureSpecV1? TimeFeatures { get; set; }
        [JsonPropertyName("TimeColumnName")] public string? TimeColumnName { get; set; }
        [JsonPropertyName("SeriesColumnName")] public string? SeriesColumnName { get; set; }
        [JsonPropertyName("TimeStepKind")] public string? TimeStepKind { get; set; }
        [JsonPropertyName("TimeStepValue")] public double TimeStepValue { get; set; }
        [JsonPropertyName("WindowLength")] public int WindowLength { get; set; }
        [JsonPropertyName("Horizon")] public int Horizon { get; set; }
        [JsonPropertyName("TrainedHorizon")] public int TrainedHorizon { get; set; }
        [JsonPropertyName("Strategy")] public ForecastStrategy Strategy { get; set; }
        [JsonPropertyName("Quantiles")] public float[]? Quantiles { get; set; }
        [JsonPropertyName("Scaling")] public ScalingMethod? Scaling { get; set; }
        // Added with conformal calibration (2026-12-04); absent in files written before and in uncalibrated models.
        [JsonPropertyName("QuantileOffsets"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public float[]? QuantileOffsets { get; set; }

        public static ForecasterConfigV1 From(ForecastConfig c) => new()
        {
            Name = c.Name, ValueColumns = c.ValueColumns, PastCovariateColumns = c.PastCovariateColumns, FutureCovariateColumns = c.FutureCovariateColumns,
            TimeFeatureNames = c.TimeFeatureNames, TimeFeatures = c.TimeFeatures == null ? null : TimeFeatureSpecV1.From(c.TimeFeatures),
            TimeColumnName = c.TimeColumnName, SeriesColumnName = c.SeriesColumnName, TimeStepKind = c.TimeStepKind, TimeStepValue = c.TimeStepValue,
            WindowLength = c.WindowLength, Horizon = c.Horizon, TrainedHorizon = c.TrainedHorizon, Strategy = c.Strategy, Quantiles = c.Quantiles, Scaling = c.Scaling,
            QuantileOffsets = c.QuantileOffsets,
        };

        public ForecastConfig ToConfig()
        {
            const string part = "SequenceForecaster";
            var values = StoredCheck.Names(ValueColumns, part, "ValueColumns");
            if (values.Length == 0)
                throw new InvalidDataException("The stored forecaster configuration has no value column.");
            var c = new ForecastConfig
            {
                Name = Name ?? "", ValueColumns = values,
                PastCovariateColumns = StoredCheck.Names(PastCovariateColumns ?? Array.Empty<string>(), part, "PastCovariateColumns"),
                FutureCovariateColumns = StoredCheck.Names(FutureCovariateColumns ?? Array.Empty<string>(), part, "FutureCovariateColumns"),
                TimeFeatureNames = StoredCheck.Names(TimeFeatureNames ?? Array.Empty<string>(), part, "TimeFeatureNames"),
                TimeFeatures = TimeFeatures?.ToSpec(), TimeColumnName = TimeColumnName, SeriesColumnName = SeriesColumnName,
                TimeStepKind = TimeStepKind, TimeStepValue = TimeStepValue,
                WindowLength = StoredCheck.Positive(WindowLength, part, "WindowLength"), Horizon = StoredCheck.Positive(Horizon, part, "Horizon"),
                TrainedHorizon = StoredCheck.Positive(TrainedHorizon, part, "TrainedHorizon"), Strategy = StoredCheck.Defined(Strategy, part, "Strategy"),
                Quantiles = Quantiles, Scaling = Scaling is ScalingMethod m ? StoredCheck.Defined(m, part, "Scaling") : null,
                QuantileOffsets = QuantileOffsets,
            };
            if (c.QuantileOffsets != null && (c.Quantiles == null || c.QuantileOffsets.Length != c.TrainedHorizon * c.ValueColumns.Length * c.Quantiles.Length
                || c.QuantileOffsets.Any(x => !float.IsFinite(x))))
                throw new InvalidDataException("The stored forecaster's quantile offsets do not match its horizon, value columns and quantiles, or are not finite.");
            if (c.TimeFeatures != null && (c.TimeColumnName == null || c.TimeFeatures.Names.Count != c.TimeFeatureNames.Length))
                throw new InvalidDataException("The stored forecaster's time features do not match its time column or feature names.");
            if (c.Strategy == ForecastStrategy.Direct ? c.TrainedHorizon != c.Horizon : c.TrainedHorizon != 1)
                throw new InvalidDataException($"The stored forecaster trains {c.TrainedHorizon} steps at once for a {c.Strategy} horizon of {c.Horizon}.");
            _ = c.Step;   // a stored time step of an unknown kind fails here
            return c;
        }
    }
    /// <summary>DeepAR config.json, version 1 (the weights are stored beside it, in weights.bin).</summary>
    internal sealed class DeepArConfigV1
    {
        [JsonPropertyName("Name")] public string? Name { get; set; }
        [JsonPropertyName("ValueColumnName")] public string? ValueColumnName { get; set; }
        [JsonPropertyName("TimeColumnName")] public string? TimeColumnName { get; set; }
        [JsonPropertyName("SeriesColumnName")] public string? SeriesColumnName { get; set; }
        [JsonPropertyName("TimeStepKind")] public string? TimeStepKind { get; set; }
        [JsonPropertyName("TimeStepValue")] public double TimeStepValue { get; set; }
        [JsonPropertyName("Horizon")] public int Horizon { get; set; }
        [JsonPropertyName("NumberOfSamples")] public int NumberOfSamples { get; set; }
        [JsonPropertyName("Quantiles")] public float[]? Quantiles { get; set; }
        [JsonPropertyName("Seed")] public int Seed { get; set; }
        [JsonPropertyName("Likelihood")] public DeepArLikelihood Likelihood { get; set; }
        [JsonPropertyName("HiddenSize")] public int HiddenSize { get; set; }
        [JsonPropertyName("Layers")] public int Layers { get; set; }
        [JsonPropertyName("Dropout")] public double Dropout { get; set; }
        [JsonPropertyName("ContextLength")] public int ContextLength { get; set; }
        [JsonPropertyName("Lags")] public int[]? Lags { get; set; }

        public static DeepArConfigV1 From(DeepArForecastConfig c) => new()
        {
            Name = c.Name, ValueColumnName = c.ValueColumnName, TimeColumnName = c.TimeColumnName, SeriesColumnName = c.SeriesColumnName,
            TimeStepKind = c.TimeStepKind, TimeStepValue = c.TimeStepValue, Horizon = c.Horizon, NumberOfSamples = c.NumberOfSamples,
            Quantiles = c.Quantiles, Seed = c.Seed, Likelihood = c.Network.Likelihood, HiddenSize = c.Network.HiddenSize, Layers = c.Network.Layers,
            Dropout = c.Network.Dropout, ContextLength = c.Network.ContextLength, Lags = c.Network.Lags,
        };

        public DeepArForecastConfig ToConfig()
        {
            const string part = "DeepAR";
            var lags = StoredCheck.Required(Lags, part, "Lags");
            if (lags.Length == 0 || lags[0] != 1 || lags.Zip(lags.Skip(1)).Any(p => p.Second <= p.First))
                throw new InvalidDataException("The stored DeepAR model's lags must start at 1 and ascend.");
            var quantiles = StoredCheck.Required(Quantiles, part, "Quantiles");
            if (quantiles.Length == 0 || quantiles.Any(q => !(q > 0 && q < 1)) || quantiles.Zip(quantiles.Skip(1)).Any(p => p.Second <= p.First))
                throw new InvalidDataException("The stored DeepAR model's quantile levels must ascend strictly between 0 and 1.");
            if (!(Dropout >= 0 && Dropout < 1))
                throw new InvalidDataException($"The stored DeepAR model's dropout {Dropout} is outside [0, 1).");
            var c = new DeepArForecastConfig
            {
                Name = Name ?? "DeepAR", ValueColumnName = StoredCheck.Name(ValueColumnName, part, "ValueColumnName"),
                TimeColumnName = TimeColumnName, SeriesColumnName = SeriesColumnName, TimeStepKind = TimeStepKind, TimeStepValue = TimeStepValue,
                Horizon = StoredCheck.Positive(Horizon, part, "Horizon"), NumberOfSamples = StoredCheck.Positive(NumberOfSamples, part, "NumberOfSamples"),
                Quantiles = quantiles, Seed = Seed,
                Network = new DeepArNetworkConfig
                {
                    Likelihood = StoredCheck.Defined(Likelihood, part, "Likelihood"), HiddenSize = StoredCheck.Positive(HiddenSize, part, "HiddenSize"),
                    Layers = StoredCheck.Positive(Layers, part, "Layers"), Dropout = Dropout,
                    ContextLength = StoredCheck.Positive(ContextLength, part, "ContextLength"), Lags = lags,
                },
            };
            _ = c.Step;   // a stored time step of an unknown kind fails here
            return c;
        }
    }
}
