using System;

namespace MLNet.Sequence.Trainers
{
    /// <summary>
    /// One row in managed memory, as the engine takes it: token ids or numeric steps with a mask of real steps, optional
    /// static features, and the target. Readers fill rows in place (they are pooled and reused); the engine copies them
    /// into tensors. Padding may sit at either end: the network moves real steps to the front itself.
    /// </summary>
    internal sealed class SequenceRow
    {
        public SequenceRow(BatchLayout layout)
        {
            if (layout.Tokens) Ids = new long[layout.Steps];
            else Values = new float[layout.Steps * layout.Features];
            Mask = new bool[layout.Steps];
            Target = new float[Math.Max(1, layout.TargetValues)];
            Statics = new float[layout.StaticSize];
        }

        /// <summary>Token ids [Steps] (token input); 0 is padding.</summary>
        public readonly long[]? Ids;

        /// <summary>Numeric steps [Steps × Features], row-major (numeric input).</summary>
        public readonly float[]? Values;

        /// <summary>True at real steps; false at padding. A row with no real step is empty, and scores as an empty sequence.</summary>
        public readonly bool[] Mask;

        /// <summary>Steps used (at most Steps; less only for variable-length input).</summary>
        public int Length;

        /// <summary>Static (non-sequence) features.</summary>
        public readonly float[] Statics;

        /// <summary>Binary (0 or 1) or regression targets.</summary>
        public readonly float[] Target;

        /// <summary>Multiclass target: the class index from 0.</summary>
        public long Class;
    }

    /// <summary>The shape of the rows a network takes: fixed at Fit, stored with the model.</summary>
    internal sealed class BatchLayout
    {
        /// <summary>Token ids (true) or numeric steps (false).</summary>
        public bool Tokens { get; init; }

        /// <summary>Steps per row: the fixed size, or the most a variable-length row keeps.</summary>
        public int Steps { get; init; }

        /// <summary>Numeric features per step (1 for tokens).</summary>
        public int Features { get; init; } = 1;

        /// <summary>Static features per row (0 for none).</summary>
        public int StaticSize { get; init; }

        /// <summary>Rows may be shorter than <see cref="Steps"/>; batches are then as long as their longest row.</summary>
        public bool VariableLength { get; init; }

        /// <summary>Every batch has exactly <see cref="Steps"/> steps (flatten pooling needs positions fixed).</summary>
        public bool PadToSteps { get; init; }

        /// <summary>What the targets mean (binary, multiclass, regression, quantiles).</summary>
        public SequenceTask Task { get; init; }

        /// <summary>Target values per row (regression; 1 otherwise).</summary>
        public int TargetValues { get; init; } = 1;
    }
}
