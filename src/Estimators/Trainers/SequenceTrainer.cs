using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms;
using MLNet.Sequence.Transforms.Internal;

namespace MLNet.Sequence
{
    /// <summary>
    /// A sequence model trainer (LSTM, GRU, Transformer or temporal CNN) for binary or multiclass classification or
    /// regression. Create it from the standard catalogs, e.g. <c>mlContext.BinaryClassification.Trainers.SequenceLstm(...)</c>.
    /// Its model writes the columns ML.NET's evaluators read, so <c>Evaluate</c>, <c>CrossValidate</c> and prediction
    /// engines work unchanged.
    /// </summary>
    public sealed class SequenceTrainer : IEstimator<SequencePredictionTransformer>
    {
        private readonly IHostEnvironment _env;
        private readonly SequenceTrainerOptions _options;

        internal SequenceTrainer(IHostEnvironment env, SequenceTask task, SequenceTrainerOptions options)
        {
            ArgumentNullException.ThrowIfNull(options);
            options.Validate();
            if (task == SequenceTask.Regression && options.ClassWeighting != ClassWeighting.None)
                throw new ArgumentOutOfRangeException(nameof(SequenceTrainerOptions.ClassWeighting), "Option ClassWeighting applies to classification, not regression.");
            if (task != SequenceTask.Regression && options.Quantiles != null)
                throw new ArgumentOutOfRangeException(nameof(SequenceTrainerOptions.Quantiles), "Option Quantiles applies to regression.");
            if (task == SequenceTask.Regression && options.Quantiles != null)
                task = SequenceTask.QuantileRegression;
            _env = env;
            _options = options;
            Task = task;
        }

        /// <summary>The task this trainer learns.</summary>
        public SequenceTask Task { get; }

        /// <summary>The encoder family.</summary>
        public EncoderKind Encoder => _options.Encoder;

        /// <inheritdoc />
        public SchemaShape GetOutputSchema(SchemaShape inputSchema)
        {
            ArgumentNullException.ThrowIfNull(inputSchema);
            var find = SequenceColumns.Finder(inputSchema);
            SequenceColumns.CheckFeatures(find, _options);
            var label = SequenceColumns.CheckLabel(find, _options, Task);
            var cols = new List<SchemaShape.Column>();
            var text = TextDataViewType.Instance;
            var kind = SchemaShapeFactory.Column("ScoreColumnKind", SchemaShape.Column.VectorKind.Scalar, text);
            var valueKind = SchemaShapeFactory.Column("ScoreValueKind", SchemaShape.Column.VectorKind.Scalar, text);
            switch (Task)
            {
                case SequenceTask.BinaryClassification:
                    cols.Add(SchemaShapeFactory.Column("Score", SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single, false, new SchemaShape(new[] { kind, valueKind })));
                    cols.Add(SchemaShapeFactory.Column("Probability", SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single, false, new SchemaShape(new[] { kind, valueKind })));
                    cols.Add(SchemaShapeFactory.Column("PredictedLabel", SchemaShape.Column.VectorKind.Scalar, BooleanDataViewType.Instance, false, new SchemaShape(new[] { kind, valueKind })));
                    break;
                case SequenceTask.MulticlassClassification:
                    var slots = SchemaShapeFactory.Column("SlotNames", SchemaShape.Column.VectorKind.Vector, text);
                    var keyValues = SchemaShapeFactory.Column("KeyValues", SchemaShape.Column.VectorKind.Vector, text);
                    cols.Add(SchemaShapeFactory.Column("Score", SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false, new SchemaShape(new[] { kind, valueKind, slots })));
                    cols.Add(SchemaShapeFactory.Column("PredictedLabel", SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.UInt32, true, new SchemaShape(new[] { kind, valueKind, keyValues })));
                    break;
                default:
                    cols.Add(SchemaShapeFactory.Column("Score", label.IsVector || Task == SequenceTask.QuantileRegression ? SchemaShape.Column.VectorKind.Vector : SchemaShape.Column.VectorKind.Scalar,
                        NumberDataViewType.Single, false, new SchemaShape(new[] { kind, valueKind })));
                    break;
            }
            return SchemaShapeFactory.With(inputSchema, cols);
        }

        /// <summary>Trains the model: one statistics pass over the data, then minibatch training.</summary>
        /// <param name="input">Training data.</param>
        /// <returns>The trained model; dispose it when done (it owns native memory).</returns>
        public SequencePredictionTransformer Fit(IDataView input)
        {
            ArgumentNullException.ThrowIfNull(input);
            var o = _options;
            var schema = input.Schema;
            using var host = new MlNetHost(_env, o.TrainerName);
            var find = SequenceColumns.Finder(schema);
            bool tokens = SequenceColumns.CheckFeatures(find, o);
            var labelInfo = SequenceColumns.CheckLabel(find, o, Task);
            if (o.ValidationData != null)
            {
                var vfind = SequenceColumns.Finder(o.ValidationData.Schema);
                SequenceColumns.CheckFeatures(vfind, o);
                SequenceColumns.CheckLabel(vfind, o, Task);
            }
            var device = host.ResolveDevice();
            int seed = o.Seed ?? host.NextSeed();

            var f = ResolveFeatures(schema, tokens, input);
            if (o.Augmentation != null && f.Tokens)
                throw new ArgumentOutOfRangeException(nameof(o.Augmentation),
                    $"Option Augmentation masks numeric steps (e.g. audio frames), but feature column '{o.FeatureColumnName}' holds token ids; remove it, or give numeric features.");
            var l = ResolveLabel(schema, labelInfo);
            Func<long, bool>? trainRows = null, validRows = null;
            if (o.ValidationData == null && o.ValidationFraction > 0)
            {
                double fraction = o.ValidationFraction;
                trainRows = p => !RowSplit.IsValidation(p, seed, fraction);
                validRows = p => RowSplit.IsValidation(p, seed, fraction);
            }
            var stats = Statistics(input, f, l, trainRows);
            if (stats.Rows == 0)
            {
                if (trainRows != null && stats.HeldOut > 0)
                    throw new InvalidOperationException(
                        $"Option ValidationFraction = {o.ValidationFraction} held out all {stats.HeldOut} rows of the training data for validation, leaving none to train on. Lower ValidationFraction, or pass ValidationData instead.");
                throw new InvalidOperationException("The training data has no rows.");
            }
            if (validRows != null && stats.HeldOut == 0)
                throw new InvalidOperationException(
                    $"Option ValidationFraction = {o.ValidationFraction} selected none of the {stats.Rows} training rows for validation. Raise ValidationFraction, or pass ValidationData instead.");
            float[]? classWeights = ClassWeights(stats, l);

            EngineRuntime.Seed(seed);
            var config = new NetworkConfig
            {
                Encoder = o.Encoder,
                VocabularySize = f.Tokens ? f.VocabularySize : 0,
                EmbeddingDimension = o.EmbeddingDimension,
                FreezeEmbeddings = o.FreezeEmbeddings,
                FeaturesPerStep = f.Tokens ? 0 : f.Features,
                SequenceLength = f.Steps,
                Dropout = o.Dropout,
                Pooling = o.Pooling,
                HeadHiddenSize = o.HeadHiddenSize,
                Outputs = l.Outputs,
                StaticFeatures = f.StaticSize,
                Quantiles = l.Quantiles?.Length ?? 0,
                OutputSteps = l.Dimensions is { Length: >= 1 } d ? d[0] : 0,
            };
            float[]? pretrained = null;
            if (o.PretrainedEmbeddingsPath != null)
            {
                if (!f.Tokens)
                    throw new ArgumentOutOfRangeException(nameof(SequenceTrainerOptions.PretrainedEmbeddingsPath), "Option PretrainedEmbeddingsPath applies to token input, but the feature column holds numbers.");
                (pretrained, config.EmbeddingDimension) = PretrainedEmbeddings.Read(o.PretrainedEmbeddingsPath, schema[o.FeatureColumnName], f.VocabularySize, seed, host);
            }
            switch (o)
            {
                case RecurrentSequenceOptions r:
                    config.HiddenSize = r.HiddenSize; config.Layers = r.NumberOfLayers; config.Bidirectional = r.Bidirectional;
                    break;
                case TransformerOptions t:
                    config.HiddenSize = t.ModelDimension; config.Layers = t.NumberOfLayers; config.Heads = t.NumberOfHeads; config.FeedForwardDimension = t.FeedForwardDimension;
                    if (f.Tokens && pretrained == null) config.EmbeddingDimension = t.ModelDimension;
                    break;
                case CnnOptions c:
                    config.HiddenSize = c.Channels; config.Layers = c.NumberOfLayers; config.KernelSize = c.KernelSize;
                    break;
                case NBeatsOptions nb:
                    if (f.Tokens)
                        throw new ArgumentException($"N-BEATS takes numeric windows of a fixed length; feature column '{o.FeatureColumnName}' holds tokens.", nameof(SequenceTrainerOptions.FeatureColumnName));
                    if (f.VariableLength)
                        throw new ArgumentException($"N-BEATS takes windows of a fixed length; feature column '{o.FeatureColumnName}' has a variable length.", nameof(SequenceTrainerOptions.FeatureColumnName));
                    config.HiddenSize = nb.LayerWidth; config.Layers = nb.NumberOfBlocks; config.BlockLayers = nb.LayersPerBlock;
                    config.Interpretable = nb.Interpretable; config.TrendDegree = nb.TrendDegree;
                    break;
            }
            if (o.Pooling == SequencePooling.Flatten && f.VariableLength)
                host.Warning("Flatten pooling on variable-length input: shorter sequences are padded to the longest, so positions are counted from the start.");

            int epochs = o.NumberOfEpochs ?? AutomaticEpochs(stats.Rows, o.BatchSize, o.MinimumOptimizerSteps);
            if (o.NumberOfEpochs == null)
                host.Info($"{o.TrainerName}: NumberOfEpochs not set: {epochs} epochs of {(stats.Rows + o.BatchSize - 1) / o.BatchSize} batches (MinimumOptimizerSteps = {o.MinimumOptimizerSteps}; 5 to 300 epochs).");
            var layout = f.Layout(l, padToSteps: o.Pooling == SequencePooling.Flatten || o is NBeatsOptions);
            var engine = SequenceEngine.Create(config, layout, device);
            try
            {
                if (pretrained != null)
                    engine.SetEmbedding(pretrained, o.FreezeEmbeddings);
                var train = new DataViewBatchSource(input, f, l, layout, o.BatchSize, o.ShuffleBufferSize, seed, trainRows, o.CacheRowsInMemory);
                IRowBatchSource? valid = o.ValidationData != null
                    ? new DataViewBatchSource(o.ValidationData, f, l, layout, Math.Max(o.BatchSize, 256), 1, seed, null, o.CacheRowsInMemory)
                    : validRows != null ? new DataViewBatchSource(input, f, l, layout, Math.Max(o.BatchSize, 256), 1, seed, validRows, o.CacheRowsInMemory) : null;
                host.Info($"{o.TrainerName}: {Task} on {f.Describe()}, {stats.Rows} training rows{(validRows != null ? $" (validation: {stats.HeldOut} rows, {o.ValidationFraction:P0}, held out)" : o.ValidationData != null ? " (validation data given)" : "")}, " +
                          $"{engine.ParameterCount} parameters, device {device}, seed {seed}.");
                var settings = new TrainingSettings
                {
                    Task = Task,
                    Epochs = epochs,
                    LearningRate = o.LearningRate,
                    Optimizer = o.Optimizer,
                    WeightDecay = o.WeightDecay,
                    Momentum = o.Momentum,
                    Schedule = o.LearningRateSchedule,
                    StepEpochs = o.StepScheduleEpochs,
                    StepFactor = o.StepScheduleFactor,
                    GradientClipNorm = o.GradientClipNorm,
                    EarlyStoppingPatience = o.EarlyStoppingPatience,
                    ClassWeights = classWeights,
                    RegressionLoss = o.RegressionLoss,
                    Quantiles = l.Quantiles,
                    Masking = o.Augmentation?.ToEngine(),
                    TargetScale = l.Scale is { Length: > 0 } sc ? sc.Average() : 1,
                    CancellationToken = o.CancellationToken,
                    IsCanceled = host.IsCanceled,
                    Report = r =>
                    {
                        host.Info($"{o.TrainerName}: {r}");
                        o.Progress?.Report(r);
                    },
                    BatchReport = o.BatchProgress != null ? o.BatchProgress.Report : null,
                    Log = host.Info,
                    RowsPerEpoch = stats.Rows,
                    BatchSize = o.BatchSize,
                    OnCancellation = o.OnCancellation,
                    PlateauPatience = o.PlateauPatience,
                    PlateauFactor = o.PlateauFactor,
                    MinimumLearningRate = o.MinimumLearningRate,
                    CheckpointPath = o.CheckpointPath != null ? System.IO.Path.GetFullPath(o.CheckpointPath) : null,
                    CheckpointEveryEpochs = o.CheckpointEveryEpochs,
                    Threads = o.NumberOfThreads,
                };
                settings.Fingerprint = TrainingFingerprint.Of(config, f, l, settings, seed, o, stats.Rows, stats.HeldOut, stats.DataHash);
                var history = engine.Train(settings, train, valid);
                return new SequencePredictionTransformer(engine, f, l, history, o.ScoringBatchSize);
            }
            catch
            {
                engine.Release();
                throw;
            }
        }

        private static ulong HashRow(ulong h, SequenceRow r)
        {
            static ulong Mix(ulong h, ReadOnlySpan<byte> bytes)
            {
                foreach (var b in bytes)
                    h = (h ^ b) * 1099511628211UL;
                return h;
            }
            h = Mix(h, System.Runtime.InteropServices.MemoryMarshal.AsBytes(r.Mask.AsSpan(0, r.Length)));
            if (r.Ids != null) h = Mix(h, System.Runtime.InteropServices.MemoryMarshal.AsBytes(r.Ids.AsSpan(0, r.Length)));
            if (r.Values != null) h = Mix(h, System.Runtime.InteropServices.MemoryMarshal.AsBytes(r.Values.AsSpan(0, r.Values.Length * r.Length / Math.Max(1, r.Mask.Length))));
            h = Mix(h, System.Runtime.InteropServices.MemoryMarshal.AsBytes(r.Target.AsSpan()));
            h = Mix(h, System.Runtime.InteropServices.MemoryMarshal.AsBytes(r.Statics.AsSpan()));
            long c = r.Class;
            return Mix(h, System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<long>(ref c)));
        }

        /// <summary>Epochs for at least <paramref name="minimumSteps"/> optimizer steps, within 5 to 300.</summary>
        internal static int AutomaticEpochs(long rows, int batchSize, int minimumSteps)
        {
            long batches = Math.Max(1, (rows + batchSize - 1) / batchSize);
            return (int)Math.Clamp((minimumSteps + batches - 1) / batches, 5, 300);
        }

        private FeatureSpec ResolveFeatures(DataViewSchema schema, bool tokens, IDataView input)
        {
            var o = _options;
            var col = schema[o.FeatureColumnName];
            var type = (VectorDataViewType)col.Type;
            var f = new FeatureSpec
            {
                Tokens = tokens,
                Columns = new[] { o.FeatureColumnName }.Concat(o.AdditionalFeatureColumnNames).ToArray(),
                VariableLength = !type.IsKnownSize,
                LengthColumn = o.LengthColumnName,
                MaskColumn = o.MaskColumnName,
                PaddingSide = o.PaddingSide,
                Truncation = o.LongSequenceTruncation,
                StaticColumn = o.StaticFeatureColumnName,
            };
            if (o.StaticFeatureColumnName != null)
            {
                var sc = schema[o.StaticFeatureColumnName];
                f.StaticSize = ((VectorDataViewType)sc.Type).Size;
            }
            if (tokens)
            {
                f.KeyInput = type.ItemType is KeyDataViewType;
                if (f.KeyInput)
                {
                    ulong count = ((KeyDataViewType)type.ItemType).Count;
                    if (count == 0 || count > int.MaxValue - 1)
                        throw new ArgumentOutOfRangeException(nameof(SequenceTrainerOptions.FeatureColumnName), $"Token column '{col.Name}' has keys of unknown or huge count ({count}); the embedding needs a known vocabulary size.");
                    f.VocabularySize = (int)count + 1;
                }
            }
            else
            {
                if (o.AdditionalFeatureColumnNames.Length > 0)
                    f.Features = 1 + o.AdditionalFeatureColumnNames.Length;
                else if (type.Dimensions.Length == 2)
                    f.Features = type.Dimensions[1];
                else
                    f.Features = o.FeaturesPerStep;
            }
            if (type.IsKnownSize)
            {
                int per = tokens || o.AdditionalFeatureColumnNames.Length > 0 ? 1 : f.Features;
                if (type.Size % per != 0)
                    throw new ArgumentOutOfRangeException(nameof(SequenceTrainerOptions.FeaturesPerStep),
                        $"Column '{col.Name}' has {type.Size} values, not a multiple of {per} features per step (option FeaturesPerStep).");
                f.Steps = type.Size / per;
            }
            int? max = o.MaximumSequenceLength;
            if (!type.IsKnownSize || (tokens && !f.KeyInput))
            {
                // Variable length: the longest training sequence, unless a maximum is given. Int32 ids: the largest id too.
                int longest = 0, maxId = 0;
                using var cursor = input.GetRowCursor(new[] { col });
                if (tokens && !f.KeyInput)
                {
                    var g = cursor.GetGetter<VBuffer<int>>(col);
                    VBuffer<int> buf = default;
                    while (cursor.MoveNext())
                    {
                        g(ref buf);
                        longest = Math.Max(longest, buf.Length);
                        foreach (var v in buf.DenseValues())
                        {
                            if (v < 0)
                                throw new InvalidOperationException($"Column '{col.Name}' has a negative token id ({v}) at row {cursor.Position}; ids must be 0 (padding) or positive.");
                            maxId = Math.Max(maxId, v);
                        }
                    }
                    f.VocabularySize = maxId + 1;
                }
                else
                {
                    var len = VectorLength.Getter(cursor, col);
                    while (cursor.MoveNext())
                        longest = Math.Max(longest, len());
                    if (!tokens && o.AdditionalFeatureColumnNames.Length == 0)
                        longest /= f.Features;
                }
                if (!type.IsKnownSize)
                    f.Steps = max ?? longest;
            }
            if (f.Steps <= 0)
                throw new InvalidOperationException($"Column '{col.Name}' has only empty sequences in the training data.");
            return f;
        }

        private LabelSpec ResolveLabel(DataViewSchema schema, ColumnTypeInfo info)
        {
            var col = schema[_options.LabelColumnName];
            var l = new LabelSpec { Task = Task, Column = col.Name };
            switch (Task)
            {
                case SequenceTask.BinaryClassification:
                    l.Outputs = 1;
                    break;
                case SequenceTask.MulticlassClassification:
                    ulong k = ((KeyDataViewType)col.Type).Count;
                    if (k < 2 || k > 100000)
                        throw new ArgumentOutOfRangeException(nameof(SequenceTrainerOptions.LabelColumnName), $"Label column '{col.Name}' has keys of count {k}; a multiclass label needs a known count of at least 2.");
                    l.Outputs = (int)k;
                    l.ClassNames = SequenceColumns.ReadKeyValues(col) ?? Enumerable.Range(1, (int)k).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
                    break;
                default:
                    if (col.Type is VectorDataViewType v)
                    {
                        l.Values = v.Size;
                        l.Dimensions = v.Dimensions.ToArray();
                    }
                    l.Outputs = l.Values;
                    l.Quantiles = _options.Quantiles?.ToArray();
                    break;
            }
            return l;
        }

        internal sealed class Stats
        {
            public long Rows;
            /// <summary>Rows set aside for validation by ValidationFraction.</summary>
            public long HeldOut;
            /// <summary>A hash (FNV-1a) of every training row as the engine sees it, for the checkpoint fingerprint.</summary>
            public ulong DataHash = 14695981039346656037UL;
            public long[] ClassCounts = Array.Empty<long>();
        }

        /// <summary>One pass over the training rows: checks every value, counts classes, learns feature and label scaling.</summary>
        private Stats Statistics(IDataView input, FeatureSpec f, LabelSpec l, Func<long, bool>? include)
        {
            var stats = new Stats { ClassCounts = new long[Task == SequenceTask.MulticlassClassification ? l.Outputs : 2] };
            var columns = f.InputColumns().Append(l.Column).Distinct().Select(n => input.Schema[n]);
            int F = f.Features;
            var sum = new double[F];
            var sumSq = new double[F];
            long steps = 0;
            var lsum = new double[l.Values];
            var lsumSq = new double[l.Values];
            using (var cursor = input.GetRowCursor(columns))
            {
                var reader = new RowReader(cursor, f, l);
                var row = new SequenceRow(f.Layout(l, padToSteps: false));
                long position = -1;
                while (cursor.MoveNext())
                {
                    position++;
                    if (include != null && !include(position))
                    {
                        stats.HeldOut++;
                        continue;
                    }
                    reader.ReadFeatures(row);
                    reader.ReadLabel(row);
                    stats.Rows++;
                    stats.DataHash = HashRow(stats.DataHash, row);
                    if (!f.Tokens)
                    {
                        for (int t = 0; t < row.Length; t++)
                        {
                            if (!row.Mask[t]) continue;
                            steps++;
                            for (int j = 0; j < F; j++)
                            {
                                double v = row.Values![t * F + j];
                                sum[j] += v;
                                sumSq[j] += v * v;
                            }
                        }
                    }
                    switch (Task)
                    {
                        case SequenceTask.BinaryClassification: stats.ClassCounts[(int)row.Target[0]]++; break;
                        case SequenceTask.MulticlassClassification: stats.ClassCounts[row.Class]++; break;
                        default:
                            for (int i = 0; i < l.Values; i++) { lsum[i] += row.Target[i]; lsumSq[i] += (double)row.Target[i] * row.Target[i]; }
                            break;
                    }
                }
            }
            if (stats.Rows == 0)
                return stats;
            if (Task is SequenceTask.BinaryClassification or SequenceTask.MulticlassClassification)
            {
                var present = Enumerable.Range(0, stats.ClassCounts.Length).Where(i => stats.ClassCounts[i] > 0).ToList();
                if (present.Count < 2)
                {
                    string which = Task == SequenceTask.BinaryClassification ? (present.Count == 1 && present[0] == 1 ? "true" : "false")
                        : present.Count == 1 ? (l.ClassNames?[present[0]] ?? (present[0] + 1).ToString(CultureInfo.InvariantCulture)) : "none";
                    throw new InvalidOperationException(
                        $"Label column '{l.Column}' has only one class ({which}) in the {stats.Rows} training rows; a classifier needs at least two.");
                }
            }
            if (!f.Tokens && _options.NormalizeFeatures && steps > 0)
            {
                f.FeatureMean = new float[F];
                f.FeatureScale = new float[F];
                for (int j = 0; j < F; j++)
                {
                    double mean = sum[j] / steps;
                    double sd = Math.Sqrt(Math.Max(0, sumSq[j] / steps - mean * mean));
                    f.FeatureMean[j] = (float)mean;
                    f.FeatureScale[j] = sd > 1e-8 * Math.Max(1, Math.Abs(mean)) ? (float)sd : 1f;
                }
            }
            if (Task is SequenceTask.Regression or SequenceTask.QuantileRegression && _options.NormalizeLabel)
            {
                l.Mean = new float[l.Values];
                l.Scale = new float[l.Values];
                for (int i = 0; i < l.Values; i++)
                {
                    double mean = lsum[i] / stats.Rows;
                    double sd = Math.Sqrt(Math.Max(0, lsumSq[i] / stats.Rows - mean * mean));
                    l.Mean[i] = (float)mean;
                    l.Scale[i] = sd > 1e-8 * Math.Max(1, Math.Abs(mean)) ? (float)sd : 1f;
                }
            }
            return stats;
        }

        private float[]? ClassWeights(Stats stats, LabelSpec l)
        {
            int classes = stats.ClassCounts.Length;
            switch (_options.ClassWeighting)
            {
                case ClassWeighting.Balanced:
                    return stats.ClassCounts.Select(c => c == 0 ? 0f : (float)(stats.Rows / (double)(classes * c))).ToArray();
                case ClassWeighting.Custom:
                    if (_options.ClassWeights!.Length != classes)
                        throw new ArgumentOutOfRangeException(nameof(SequenceTrainerOptions.ClassWeights),
                            $"Option ClassWeights has {_options.ClassWeights.Length} weights; label column '{l.Column}' has {classes} classes.");
                    return _options.ClassWeights.ToArray();
                default:
                    return null;
            }
        }
    }
}
