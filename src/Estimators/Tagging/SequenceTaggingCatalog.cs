using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.Tagging;

namespace MLNet.Sequence
{
    /// <summary>Sequence tagging on <c>mlContext.SequenceTagging</c>: a tag for every token.</summary>
    public sealed class SequenceTaggingCatalog
    {
        internal SequenceTaggingCatalog(MLContext context) => Context = context;

        internal MLContext Context { get; }

        /// <summary>
        /// Evaluates predicted tags against gold tags, row by row (one sentence per row): token accuracy, per-tag and
        /// chunk metrics (see <see cref="SequenceTaggingEvaluator"/>). Each column holds a vector of tags per row: text,
        /// or keys with their tag names (KeyValues), as <c>MapValueToKey</c> makes them.
        /// </summary>
        /// <param name="data">Scored data.</param>
        /// <param name="labelColumnName">The gold tags.</param>
        /// <param name="predictedLabelColumnName">The predicted tags, one per gold tag.</param>
        /// <param name="scheme">How tags mark chunks (<see cref="TaggingScheme.Plain"/>: token metrics only).</param>
        /// <param name="strict">Reject tag sequences the scheme does not allow (default: read them as conlleval does).</param>
        /// <returns>The metrics.</returns>
        public SequenceTaggingMetrics Evaluate(IDataView data, string labelColumnName = "Label", string predictedLabelColumnName = "PredictedLabel",
            TaggingScheme scheme = TaggingScheme.Iob2, bool strict = false)
        {
            ArgumentNullException.ThrowIfNull(data);
            var gold = new List<IReadOnlyList<string>>();
            var predicted = new List<IReadOnlyList<string>>();
            var label = Reader(data.Schema, labelColumnName, "labelColumnName");
            var guess = Reader(data.Schema, predictedLabelColumnName, "predictedLabelColumnName");
            using (var cursor = data.GetRowCursor(new[] { data.Schema[labelColumnName], data.Schema[predictedLabelColumnName] }.Distinct()))
            {
                var readLabel = label(cursor);
                var readGuess = guess(cursor);
                while (cursor.MoveNext())
                {
                    var g = readLabel(cursor.Position);
                    var p = readGuess(cursor.Position);
                    if (g.Length != p.Length)
                        throw new ArgumentException(
                            $"Row {cursor.Position + 1}: column '{labelColumnName}' holds {g.Length} tags and column '{predictedLabelColumnName}' {p.Length}; give one predicted tag per token.", nameof(data));
                    gold.Add(g);
                    predicted.Add(p);
                }
            }
            return SequenceTaggingEvaluator.Evaluate(gold, predicted, scheme, strict);
        }

        /// <summary>A reader of one tag column: text vectors, or key vectors with text KeyValues.</summary>
        private static Func<DataViewRowCursor, Func<long, string[]>> Reader(DataViewSchema schema, string name, string parameter)
        {
            var column = schema.GetColumnOrNull(name)
                ?? throw new ArgumentOutOfRangeException(parameter, $"Column '{name}' ({parameter}) is not in the data; expected a vector of tags (text, or keys with tag names).");
            var c = column;
            if (c.Type is VectorDataViewType { ItemType: TextDataViewType })
                return cursor =>
                {
                    var get = cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(c);
                    VBuffer<ReadOnlyMemory<char>> buffer = default;
                    return _ =>
                    {
                        get(ref buffer);
                        return buffer.DenseValues().Select(x => x.ToString()).ToArray();
                    };
                };
            if (c.Type is VectorDataViewType { ItemType: KeyDataViewType key } && key.RawType == typeof(uint))
            {
                var names = SequenceColumns.ReadKeyValues(c)
                    ?? throw new ArgumentOutOfRangeException(parameter, $"Column '{name}' ({parameter}) holds keys without tag names (KeyValues); map the tags with MapValueToKey, or give text tags.");
                return cursor =>
                {
                    var get = cursor.GetGetter<VBuffer<uint>>(c);
                    VBuffer<uint> buffer = default;
                    return row =>
                    {
                        get(ref buffer);
                        return buffer.DenseValues().Select((k, i) => k >= 1 && k <= names.Length
                            ? names[k - 1]
                            : throw new ArgumentException($"Row {row + 1}, token {i + 1}: column '{name}' holds the key {k}, which is no known tag (1 to {names.Length}); the tag was unknown when the keys were made.")).ToArray();
                    };
                };
            }
            throw new ArgumentOutOfRangeException(parameter, $"Column '{name}' ({parameter}) must be a vector of tags: text, or keys with tag names; it is {c.Type}.");
        }
    }

    /// <summary>Adds <c>SequenceTagging</c> to <see cref="MLContext"/>.</summary>
    public static class SequenceTaggingContextExtensions
    {
        /// <summary>Extension members of <see cref="MLContext"/>.</summary>
        /// <param name="mlContext">The context.</param>
        extension(MLContext mlContext)
        {
            /// <summary>Sequence tagging: a tag for every token (evaluation today; the taggers are coming).</summary>
            public SequenceTaggingCatalog SequenceTagging => new(mlContext);
        }
    }
}
