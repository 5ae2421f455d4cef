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
            return Convert.ToHexString(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(what, MLNet.Sequence.Transforms.Persistence.PartJson.Options)));
        }
    }
}
