using System;
using System.Collections.Generic;
using System.Threading;

namespace MLNet.Sequence.Trainers
{
    /// <summary>Where training and validation rows come from, in batches of managed rows (no tensors).</summary>
    /// <typeparam name="TRow">The row type the network's batches are built from.</typeparam>
    internal interface IBatchSource<TRow>
    {
        /// <summary>The batches of one pass; <paramref name="epoch"/> (from 1) seeds the shuffling, 0 keeps the stored order.</summary>
        IEnumerable<IReadOnlyList<TRow>> Batches(int epoch);

        /// <summary>
        /// Before resuming at an epoch after the first: brings the source into the state the first epoch leaves it in (a
        /// filled row cache), so a resumed run sees the rows in the order an uninterrupted one would.
        /// </summary>
        void PrepareToResume();
    }

    /// <summary>Batches of <see cref="SequenceRow"/>s: what the many-to-one networks train on.</summary>
    internal interface IRowBatchSource : IBatchSource<SequenceRow> { }

    /// <summary>
    /// What the training loop needs from a network: its module (parameters, train/eval mode, state for snapshots and
    /// checkpoints), the loss of a training batch, and the loss and metric of a validation batch. Tensors stay inside.
    /// </summary>
    /// <typeparam name="TRow">The row type its batches are built from.</typeparam>
    internal interface ITrainable<TRow>
    {
        /// <summary>The network whose parameters train.</summary>
        TorchSharp.torch.nn.Module Module { get; }

        /// <summary>The name of <see cref="ValidationScore"/>'s metric, e.g. "accuracy".</summary>
        string MetricName { get; }

        /// <summary>The batch's training loss (a scalar, in the caller's dispose scope) and its number of rows.</summary>
        TorchSharp.torch.Tensor Loss(IReadOnlyList<TRow> rows, out int count);

        /// <summary>In eval mode without gradients: the batch's loss times its rows, its rows, and the metric's sum and item count.</summary>
        BatchScore ValidationScore(IReadOnlyList<TRow> rows);

        /// <summary>The metric from its sum and item count over a whole validation pass.</summary>
        double Metric(double sum, long items);
    }

    /// <summary>One validation batch's contribution: loss × rows, rows, metric sum and the items it sums over.</summary>
    internal readonly record struct BatchScore(double LossSum, int Rows, double MetricSum, long Items);

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
        /// <summary>Masking of numeric training batches; null for none.</summary>
        public FeatureMasking? Masking { get; set; }
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
