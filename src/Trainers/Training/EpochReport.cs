using System;
using System.Collections.Generic;

namespace MLNet.Sequence.Trainers
{
    /// <summary>One epoch's figures, reported through progress callbacks and the MLContext log.</summary>
    public sealed class EpochReport
    {
        internal EpochReport(int epoch, int epochs, double trainingLoss, double? validationLoss, double? validationMetric, string metricName,
            double learningRate, double rowsPerSecond, TimeSpan elapsed, bool isBest)
        {
            Epoch = epoch; Epochs = epochs; TrainingLoss = trainingLoss; ValidationLoss = validationLoss; ValidationMetric = validationMetric;
            MetricName = metricName; LearningRate = learningRate; RowsPerSecond = rowsPerSecond; Elapsed = elapsed; IsBest = isBest;
        }

        /// <summary>The epoch just finished, from 1.</summary>
        public int Epoch { get; }
        /// <summary>The number of epochs planned.</summary>
        public int Epochs { get; }
        /// <summary>Mean training loss over the epoch.</summary>
        public double TrainingLoss { get; }
        /// <summary>Mean validation loss, when there is validation data.</summary>
        public double? ValidationLoss { get; }
        /// <summary>The validation metric (<see cref="MetricName"/>), when there is validation data.</summary>
        public double? ValidationMetric { get; }
        /// <summary>"accuracy" for classification, "rmse" (in label units) for regression, "pinball" for quantiles, "token accuracy" for taggers.</summary>
        public string MetricName { get; }
        /// <summary>The learning rate used in this epoch.</summary>
        public double LearningRate { get; }
        /// <summary>Training rows per second in this epoch.</summary>
        public double RowsPerSecond { get; }
        /// <summary>Time since training started.</summary>
        public TimeSpan Elapsed { get; }
        /// <summary>Whether this epoch has the best validation loss so far (its weights are kept).</summary>
        public bool IsBest { get; }

        /// <summary>A one-line summary.</summary>
        /// <returns>The summary.</returns>
        public override string ToString() =>
            $"epoch {Epoch}/{Epochs}: loss {TrainingLoss:F4}" +
            (ValidationLoss is double v ? $", validation loss {v:F4}, validation {MetricName} {ValidationMetric:F4}{(IsBest ? " (best)" : "")}" : "") +
            $", lr {LearningRate:G3}, {RowsPerSecond:F0} rows/s";
    }

    /// <summary>The result of training: per-epoch figures and which epoch's weights were kept.</summary>
    public sealed class TrainingHistory
    {
        internal TrainingHistory(IReadOnlyList<EpochReport> epochs, int bestEpoch, bool stoppedEarly, bool canceled = false, int resumedAfterEpoch = 0, int threads = 0)
        {
            Epochs = epochs; BestEpoch = bestEpoch; StoppedEarly = stoppedEarly; Canceled = canceled; ResumedAfterEpoch = resumedAfterEpoch; Threads = threads;
        }

        internal TrainingHistory WithThreads(int threads) => new(Epochs, BestEpoch, StoppedEarly, Canceled, ResumedAfterEpoch, threads);

        /// <summary>libtorch's intra-op thread count training ran with (chosen by measurement unless NumberOfThreads fixed it); 0 when not recorded.</summary>
        public int Threads { get; }

        /// <summary>Every epoch trained, in order.</summary>
        public IReadOnlyList<EpochReport> Epochs { get; }
        /// <summary>The epoch whose weights the model holds (the best validation loss, or the last without validation).</summary>
        public int BestEpoch { get; }
        /// <summary>Whether early stopping ended training before the planned epochs.</summary>
        public bool StoppedEarly { get; }
        /// <summary>Whether training was canceled and the best model so far returned (CancellationBehavior.ReturnBestModel).</summary>
        public bool Canceled { get; }
        /// <summary>The epoch of the checkpoint this training resumed from; 0 when it started from scratch.</summary>
        public int ResumedAfterEpoch { get; }
    }

    /// <summary>Progress within an epoch, reported after every batch (for progress bars and ETAs).</summary>
    public sealed class TrainingProgress
    {
        internal TrainingProgress(int epoch, int epochs, int batch, int batchesPerEpoch, double trainingLoss, double learningRate, TimeSpan elapsed, TimeSpan? remaining)
        {
            Epoch = epoch; Epochs = epochs; Batch = batch; BatchesPerEpoch = batchesPerEpoch; TrainingLoss = trainingLoss; LearningRate = learningRate;
            Elapsed = elapsed; Remaining = remaining;
        }

        /// <summary>The epoch under way, from 1.</summary>
        public int Epoch { get; }
        /// <summary>The number of epochs planned.</summary>
        public int Epochs { get; }
        /// <summary>Batches finished in this epoch.</summary>
        public int Batch { get; }
        /// <summary>Batches in an epoch (from the training rows and the batch size).</summary>
        public int BatchesPerEpoch { get; }
        /// <summary>Mean training loss over this epoch's batches so far.</summary>
        public double TrainingLoss { get; }
        /// <summary>The learning rate of this epoch.</summary>
        public double LearningRate { get; }
        /// <summary>Time since training started.</summary>
        public TimeSpan Elapsed { get; }
        /// <summary>Estimated time to the last planned epoch's end (validation excluded), from the pace so far; null before the first batch ends.</summary>
        public TimeSpan? Remaining { get; }
    }
}
