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

        /// <summary>
        /// Before resuming at an epoch after the first: brings the source into the state the first epoch leaves it in (a
        /// filled row cache), so a resumed run sees the rows in the order an uninterrupted one would.
        /// </summary>
        void PrepareToResume();
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
        /// <summary>Called after every training batch.</summary>
        public Action<TrainingProgress>? BatchReport { get; set; }
        /// <summary>Informational messages (a resumed checkpoint).</summary>
        public Action<string>? Log { get; set; }
        /// <summary>Training rows per epoch (for batches per epoch and the time estimate); 0 when unknown.</summary>
        public long RowsPerEpoch { get; set; }
        public int BatchSize { get; set; } = 32;
        public CancellationBehavior OnCancellation { get; set; }
        public double PlateauFactor { get; set; } = 0.5;
        public int PlateauPatience { get; set; } = 2;
        public double MinimumLearningRate { get; set; } = 1e-6;
        /// <summary>Where to keep the resumable training state; null for none.</summary>
        public string? CheckpointPath { get; set; }
        public int CheckpointEveryEpochs { get; set; } = 1;
        /// <summary>libtorch intra-op threads for training and scoring; null chooses by measurement.</summary>
        public int? Threads { get; set; }
        /// <summary>Identifies the training (options, data, network): a checkpoint is resumed only by a Fit with the same one.</summary>
        public string Fingerprint { get; set; } = "";
    }
}
