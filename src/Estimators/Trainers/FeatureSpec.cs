using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms;
using MLNet.Sequence.Transforms.Internal;

namespace MLNet.Sequence.Estimators
{
    /// <summary>How a model reads its sequence from a row; fixed at Fit, stored with the model as <see cref="Persistence.FeaturesV2"/>.</summary>
    internal sealed class FeatureSpec
    {
        /// <summary>True for token ids (keys or integers), false for numeric steps.</summary>
        public bool Tokens { get; set; }
        /// <summary>The feature columns: one, or several (one numeric feature each).</summary>
        public string[] Columns { get; set; } = Array.Empty<string>();
        /// <summary>Steps the model takes: the fixed size, or the longest allowed for variable-length input.</summary>
        public int Steps { get; set; }
        /// <summary>Numeric features per step.</summary>
        public int Features { get; set; } = 1;
        /// <summary>The feature column has variable size.</summary>
        public bool VariableLength { get; set; }
        /// <summary>Token ids are keys (ids = raw key values) rather than Int32 values.</summary>
        public bool KeyInput { get; set; }
        /// <summary>Number of ids including padding 0 (tokens).</summary>
        public int VocabularySize { get; set; }
        public string? LengthColumn { get; set; }
        /// <summary>Optional Boolean vector column marking the real steps (absent from files of part version 1).</summary>
        public string? MaskColumn { get; set; }
        public SequenceEnd PaddingSide { get; set; }
        public SequenceEnd Truncation { get; set; }
        public float[]? FeatureMean { get; set; }
        public float[]? FeatureScale { get; set; }
        /// <summary>Optional column of static (non-sequence) features and its size.</summary>
        public string? StaticColumn { get; set; }
        public int StaticSize { get; set; }

        /// <summary>Every input column the model reads.</summary>
        public IEnumerable<string> InputColumns() =>
            Columns.Concat(LengthColumn != null ? new[] { LengthColumn } : Array.Empty<string>())
                .Concat(MaskColumn != null ? new[] { MaskColumn } : Array.Empty<string>())
                .Concat(StaticColumn != null ? new[] { StaticColumn } : Array.Empty<string>()).Distinct();

        /// <summary>The engine's view of these rows.</summary>
        public BatchLayout Layout(LabelSpec? label, bool padToSteps) => new()
        {
            Tokens = Tokens,
            Steps = Steps,
            Features = Tokens ? 1 : Features,
            StaticSize = StaticSize,
            VariableLength = VariableLength,
            PadToSteps = padToSteps,
            Task = label?.Task ?? SequenceTask.Regression,
            TargetValues = label?.Values ?? 1,
        };

        public string Describe() => Tokens
            ? $"token ids in '{Columns[0]}' ({(VariableLength ? "up to " : "")}{Steps} steps, {VocabularySize} ids)"
            : $"numeric steps in {string.Join(", ", Columns.Select(c => $"'{c}'"))} ({(VariableLength ? "up to " : "")}{Steps} steps x {Features} features)";
    }

    /// <summary>How a model reads and writes its label; fixed at Fit, stored with the model as <see cref="Persistence.LabelV1"/>.</summary>
    internal sealed class LabelSpec
    {
        public SequenceTask Task { get; set; }
        public string Column { get; set; } = "Label";
        /// <summary>Network outputs: 1 (binary), K classes, or the label vector's size (regression), times quantiles.</summary>
        public int Outputs { get; set; } = 1;
        /// <summary>Label values per row (regression vectors).</summary>
        public int Values { get; set; } = 1;
        /// <summary>Class names (KeyValues of a multiclass label), in key order.</summary>
        public string[]? ClassNames { get; set; }
        /// <summary>Regression: per value, the training mean and deviation used to standardise labels.</summary>
        public float[]? Mean { get; set; }
        public float[]? Scale { get; set; }
        /// <summary>Dimensions of a vector label (e.g. [horizon, values]) to give the score column the same shape.</summary>
        public int[]? Dimensions { get; set; }
        public float[]? Quantiles { get; set; }
    }
}
