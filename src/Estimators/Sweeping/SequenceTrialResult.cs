using System;
using System.Collections.Generic;
using System.Globalization;

namespace MLNet.Sequence
{
    /// <summary>How a trial ended.</summary>
    public enum TrialStatus
    {
        /// <summary>Trained for the full epoch budget (or until the trainer's own early stopping).</summary>
        Completed,
        /// <summary>Stopped at a rung by successive halving: its validation loss was not in the best 1/η there.</summary>
        Stopped,
        /// <summary>Its options were invalid for the data, or training failed (the error is kept).</summary>
        Failed,
        /// <summary>Stopped by the sweep's time budget or cancellation; scored with the weights it had.</summary>
        Canceled,
    }

    /// <summary>One trial of a sweep: its configuration, how it ended, its metric and its cost.</summary>
    public sealed class SequenceTrialResult
    {
        internal SequenceTrialResult(int id, SweepConfiguration configuration, TrialStatus status, double metric, double loss,
            int epochs, int bestEpoch, double seconds, IReadOnlyList<double> rungLosses, string? error)
        {
            Id = id;
            Configuration = configuration;
            Status = status;
            Metric = metric;
            Loss = loss;
            Epochs = epochs;
            BestEpoch = bestEpoch;
            Seconds = seconds;
            RungLosses = rungLosses;
            Error = error;
        }

        /// <summary>The trial's number, from 1, in the order trials started.</summary>
        public int Id { get; }

        /// <summary>What it trained.</summary>
        public SweepConfiguration Configuration { get; }

        /// <summary>How it ended.</summary>
        public TrialStatus Status { get; }

        /// <summary>The sweep's metric on the validation data (mean over folds with cross-validation); NaN when it failed.</summary>
        public double Metric { get; }

        /// <summary>What tuners minimise: the metric, negated when larger is better; +∞ when the trial failed.</summary>
        public double Loss { get; }

        /// <summary>Epochs trained (the first fold's, with cross-validation).</summary>
        public int Epochs { get; }

        /// <summary>The epoch whose weights were kept (best validation loss): the epochs a refit trains.</summary>
        public int BestEpoch { get; }

        /// <summary>Wall-clock seconds, preprocessing and scoring included.</summary>
        public double Seconds { get; }

        /// <summary>Validation loss at each rung the trial reached (successive halving's evidence).</summary>
        public IReadOnlyList<double> RungLosses { get; }

        /// <summary>Why it failed, when it did.</summary>
        public string? Error { get; }

        /// <summary>"#3 Completed accuracy-like metric 0.8123 in 12 epochs, 41.2 s: Lstm: ...".</summary>
        public override string ToString() =>
            $"#{Id} {Status} metric {Metric.ToString("F4", CultureInfo.InvariantCulture)} in {Epochs} epochs, {Seconds.ToString("F1", CultureInfo.InvariantCulture)} s: {Configuration}" +
            (Error != null ? $" ({Error})" : "");
    }
}
