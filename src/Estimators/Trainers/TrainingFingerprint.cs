using System;
using System.Security.Cryptography;
using System.Text.Json;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.Persistence;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence
{
    /// <summary>
    /// Identifies a training for its checkpoint: a hash of the network, the feature and label settings (with the
    /// statistics learned from the data), every option that changes the weights, the seed, the row counts and a hash of
    /// every training row's values. A checkpoint is resumed only by a Fit with the same fingerprint.
    /// </summary>
    internal static class TrainingFingerprint
    {
        public static string Of(NetworkConfig network, FeatureSpec f, LabelSpec l, TrainingSettings s, int seed, SequenceTrainerOptions o, long rows, long heldOut, ulong dataHash)
        {
            var what = new
            {
                Network = NetworkV1.From(network),
                Features = FeaturesV2.From(f),
                Label = LabelV1.From(l),
                s.Task, s.Epochs, s.LearningRate, s.Optimizer, s.WeightDecay, s.Momentum, s.Schedule, s.StepEpochs, s.StepFactor, s.GradientClipNorm,
                s.EarlyStoppingPatience, s.ClassWeights, s.RegressionLoss, s.Quantiles, s.PlateauFactor, s.PlateauPatience, s.MinimumLearningRate,
                Seed = seed, o.BatchSize, o.ShuffleBufferSize, o.CacheRowsInMemory, o.ValidationFraction, HasValidationData = o.ValidationData != null,
                Rows = rows, HeldOut = heldOut, DataHash = dataHash, o.PretrainedEmbeddingsPath, o.FreezeEmbeddings,
                Masking = o.Augmentation is { } m ? new[] { m.TimeMasks, m.MaximumTimeMaskWidth, m.FeatureMasks, m.MaximumFeatureMaskWidth, m.MaximumTimeShift } : null,
            };
            return Hash(what);
        }

        /// <summary>The fingerprint of the training <paramref name="what"/> describes: its JSON, hashed (SHA-256).</summary>
        public static string Hash(object what) =>
            Convert.ToHexString(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(what, MLNet.Sequence.Transforms.Persistence.PartJson.Options)));

        /// <summary>
        /// The fingerprint of a training on rows held in memory (the sequence-to-sequence, tagging and next-element
        /// trainers): the network's configuration, what was learned from the data before training (vocabularies),
        /// every option of <paramref name="s"/> that changes the weights, the seed, the batching, and hashes of the
        /// training and validation rows.
        /// </summary>
        public static string OfRowsInMemory(string kind, object network, object learned, TrainingSettings s, int seed, int batchSize, bool bucketByLength,
            ulong trainHash, int trainRows, ulong validationHash, int? validationRows, object? extra = null) => Hash(new
        {
            Kind = kind, Network = network, Learned = learned,
            s.Task, s.Epochs, s.LearningRate, s.Optimizer, s.WeightDecay, s.Momentum, s.Schedule, s.StepEpochs, s.StepFactor, s.GradientClipNorm,
            s.EarlyStoppingPatience, s.PlateauFactor, s.PlateauPatience, s.MinimumLearningRate,
            Seed = seed, BatchSize = batchSize, BucketByLength = bucketByLength,
            Train = trainHash, TrainRows = trainRows, Validation = validationHash, ValidationRows = validationRows, Extra = extra,
        });

        /// <summary>FNV-1a over the length and bytes of <paramref name="values"/>, continuing from <paramref name="hash"/> (so [1, 2][3] and [1][2, 3] differ); null folds as empty.</summary>
        public static ulong Fold<T>(ulong hash, T[]? values) where T : struct => Fold(hash, new ReadOnlySpan<T>(values));

        /// <summary>FNV-1a over the length and bytes of <paramref name="values"/>, continuing from <paramref name="hash"/>.</summary>
        public static ulong Fold<T>(ulong hash, ReadOnlySpan<T> values) where T : struct
        {
            long length = values.Length;   // the length first, so that the concatenation of arrays is unambiguous
            foreach (byte b in System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<long>(ref length)))
                hash = (hash ^ b) * 1099511628211UL;
            foreach (byte b in System.Runtime.InteropServices.MemoryMarshal.AsBytes(values))
                hash = (hash ^ b) * 1099511628211UL;
            return hash;
        }

        /// <summary>The FNV-1a offset basis, where a fold starts.</summary>
        public const ulong EmptyHash = 14695981039346656037UL;

        /// <summary>
        /// Checks the checkpoint options every trainer shares: <paramref name="everyEpochs"/> positive and, when a path
        /// is given, a file name in a folder that exists.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">The message names the option and what it must be.</exception>
        public static void ValidateCheckpoint(string? path, int everyEpochs)
        {
            if (everyEpochs <= 0)
                throw new ArgumentOutOfRangeException("CheckpointEveryEpochs", $"Option CheckpointEveryEpochs must be positive; it was {everyEpochs}.");
            if (path == null)
                return;
            if (string.IsNullOrWhiteSpace(path))
                throw new ArgumentOutOfRangeException("CheckpointPath", "Option CheckpointPath must name a file, or be null.");
            string full;
            try
            {
                full = System.IO.Path.GetFullPath(path);
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or System.IO.PathTooLongException)
            {
                throw new ArgumentOutOfRangeException("CheckpointPath", $"Option CheckpointPath is not a valid file path: '{path}' ({e.Message}).");
            }
            if (System.IO.Directory.Exists(full))
                throw new ArgumentOutOfRangeException("CheckpointPath", $"Option CheckpointPath names a folder, '{path}'; it must name a file in a folder, e.g. '{System.IO.Path.Combine(path, "training.ckpt")}'.");
            var folder = System.IO.Path.GetDirectoryName(full);
            if (folder == null || !System.IO.Directory.Exists(folder))
                throw new ArgumentOutOfRangeException("CheckpointPath", $"Option CheckpointPath names a file in a folder that does not exist: '{path}'.");
        }
    }
}
