using System;
using System.Collections.Generic;
using System.Threading;

namespace MLNet.Sequence.Trainers
{
    /// <summary>Where training and validation rows come from, in batches of managed rows (no tensors).</summary>
    internal interface IRowBatchSource
    {
        /// <summary>The batches of one pass; <paramref name="epoch"/> (from 1) seeds the shuffling, 0 keeps the stored order.</summary>
        IEnumerable<IReadOnlyList<SequenceRow>> Batches(int epoch);
    }

    /// <summary>Settings of the training loop (the engine's view of the public options).</summary>
    internal sealed class TrainingSettings
    {
        public SequenceTask Task { get; set; }
        public int Epochs { get; set; } = 10;
        public double LearningRate { get; set; } = 1e-3;
        public SequenceOptimizer Optimizer { get; set; }
        public double WeightDecay { get; set; }
        public double Momentum { get; set; } = 0.9;
        public LearningRateSchedule Schedule { get; set; }
        public int StepEpochs { get; set; } = 10;
        public double StepFactor { get; set; } = 0.1;
        public double GradientClipNorm { get; set; }
        public int EarlyStoppingPatience { get; set; }
        public float[]? ClassWeights { get; set; }
        public RegressionLoss RegressionLoss { get; set; }
        public float[]? Quantiles { get; set; }
        /// <summary>Multiplies the regression RMSE so that it is reported in label units.</summary>
        public double TargetScale { get; set; } = 1;
        public CancellationToken CancellationToken { get; set; }
        public Func<bool>? IsCanceled { get; set; }
        public Action<EpochReport>? Report { get; set; }
    }
}
