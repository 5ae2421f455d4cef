using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.Transforms.Internal;

namespace MLNet.Sequence.Tagging
{
    /// <summary>
    /// The tagger's input columns, checked against a schema with messages that name the column and the option: the
    /// tokens (text, or keys with text KeyValues), the tags (text, or keys with tag names), extra Single vectors.
    /// </summary>
    internal static class TaggingColumns
    {
        public const string TokensExpected = "a vector of tokens: text (e.g. string[] or TokenizeIntoWords), or keys with their text as KeyValues";
        public const string LabelExpected = "a vector of tags, one per token: text, or keys with tag names (MapValueToKey)";
        public const string ExtraExpected = "a Single vector with the same number of values for every token (tokens × features)";

        /// <summary>Checks the tokens column of a schema shape (GetOutputSchema).</summary>
        public static void CheckTokens(SchemaShape shape, string name)
        {
            var c = ColumnChecks.Find(shape, name, nameof(SequenceTaggerOptions.TokensColumnName), TokensExpected);
            if (!c.IsVector || !(c.IsText || c.IsKey))
                throw ColumnChecks.WrongType(c, nameof(SequenceTaggerOptions.TokensColumnName), TokensExpected);
        }

        public static void CheckLabel(SchemaShape shape, string name)
        {
            var c = ColumnChecks.Find(shape, name, nameof(SequenceTaggerOptions.LabelColumnName), LabelExpected);
            if (!c.IsVector || !(c.IsText || c.IsKey))
                throw ColumnChecks.WrongType(c, nameof(SequenceTaggerOptions.LabelColumnName), LabelExpected);
        }

        public static void CheckExtra(SchemaShape shape, string name)
        {
            var c = ColumnChecks.Find(shape, name, nameof(SequenceTaggerOptions.ExtraFeatureColumnNames), ExtraExpected);
            if (!c.IsVector || c.IsKey || c.RawType != typeof(float))
                throw ColumnChecks.WrongType(c, nameof(SequenceTaggerOptions.ExtraFeatureColumnNames), ExtraExpected);
        }

        /// <summary>A reader of the tokens column as strings: text vectors, or key vectors with text KeyValues (key 0, a token unseen when the keys were made, reads as an unknown word).</summary>
        public static Func<DataViewRow, Func<string[]>> Tokens(DataViewSchema schema, string name) =>
            TextVector(schema, name, nameof(SequenceTaggerOptions.TokensColumnName), TokensExpected, "token", missing: "");

        /// <summary>A reader of the tag column as strings (text, or keys through their names).</summary>
        public static Func<DataViewRow, Func<string[]>> Tags(DataViewSchema schema, string name) =>
            TextVector(schema, name, nameof(SequenceTaggerOptions.LabelColumnName), LabelExpected, "tag", missing: null);

        /// <summary>The tag names of a key-typed tag column, in key order; null for text tags.</summary>
        public static string[]? KeyTagNames(DataViewSchema schema, string name)
        {
            var c = schema[name];
            return c.Type is VectorDataViewType { ItemType: KeyDataViewType } ? SequenceColumns.ReadKeyValues(c) : null;
        }

        /// <summary>A reader of an extra feature column: the Single values of the row (checked by the caller against the token count).</summary>
        public static Func<DataViewRow, Func<float[]>> Extra(DataViewSchema schema, string name)
        {
            var col = schema.GetColumnOrNull(name);
            var info = col is { } found ? ColumnTypeInfo.From(found)
                : throw ColumnChecks.Missing(name, nameof(SequenceTaggerOptions.ExtraFeatureColumnNames), ExtraExpected, schema.Where(x => !x.IsHidden).Select(x => x.Name));
            if (col.Value.Type is not VectorDataViewType { ItemType: NumberDataViewType n } || n != NumberDataViewType.Single)
                throw ColumnChecks.WrongType(info, nameof(SequenceTaggerOptions.ExtraFeatureColumnNames), ExtraExpected);
            var column = col.Value;
            return row =>
            {
                var get = row.GetGetter<VBuffer<float>>(column);
                VBuffer<float> buffer = default;
                return () =>
                {
                    get(ref buffer);
                    return buffer.DenseValues().ToArray();
                };
            };
        }

        /// <summary>A reader of a vector of text, or of keys through their text KeyValues.</summary>
        /// <param name="schema">The data's schema.</param>
        /// <param name="name">The column.</param>
        /// <param name="option">The option that names it (for messages).</param>
        /// <param name="expected">What the column should hold (for messages).</param>
        /// <param name="what">"token" or "tag" (for messages).</param>
        /// <param name="missing">What key 0 (a value unseen when the keys were made) reads as; null makes it an error.</param>
        internal static Func<DataViewRow, Func<string[]>> TextVector(DataViewSchema schema, string name, string option, string expected, string what, string? missing)
        {
            var col = schema.GetColumnOrNull(name);
            if (col == null)
                throw ColumnChecks.Missing(name, option, expected, schema.Where(x => !x.IsHidden).Select(x => x.Name));
            var column = col.Value;
            var info = ColumnTypeInfo.From(column);
            if (column.Type is VectorDataViewType { ItemType: TextDataViewType })
                return row =>
                {
                    var get = row.GetGetter<VBuffer<ReadOnlyMemory<char>>>(column);
                    VBuffer<ReadOnlyMemory<char>> buffer = default;
                    return () =>
                    {
                        get(ref buffer);
                        return buffer.DenseValues().Select(x => x.ToString()).ToArray();
                    };
                };
            if (column.Type is VectorDataViewType { ItemType: KeyDataViewType key })
            {
                var names = SequenceColumns.ReadKeyValues(column)
                    ?? throw ColumnChecks.WrongType(info, option, expected + " (these keys have no text KeyValues)");
                string Name(ulong k, DataViewRow row, int i) =>
                    k >= 1 && k <= (ulong)names.Length ? names[k - 1]
                    : k == 0 && missing != null ? missing
                    : throw new InvalidOperationException(
                        $"Row {row.Position + 1}, {what} {i + 1}: column '{name}' (option {option}) holds key {k}, which names no {what} (keys 1 to {names.Length}); it was missing when the keys were made.");
                Func<DataViewRow, Func<string[]>> Keys<T>(Func<T, ulong> widen) => row =>
                {
                    var get = row.GetGetter<VBuffer<T>>(column);
                    VBuffer<T> buffer = default;
                    return () =>
                    {
                        get(ref buffer);
                        var values = buffer.DenseValues().ToArray();
                        var text = new string[values.Length];
                        for (int i = 0; i < values.Length; i++)
                            text[i] = Name(widen(values[i]), row, i);
                        return text;
                    };
                };
                if (key.RawType == typeof(uint))
                    return Keys<uint>(k => k);
                if (key.RawType == typeof(ushort))
                    return Keys<ushort>(k => k);   // e.g. TokenizeIntoCharactersAsKeys
                if (key.RawType == typeof(byte))
                    return Keys<byte>(k => k);
                if (key.RawType == typeof(ulong))
                    return Keys<ulong>(k => k);
            }
            throw ColumnChecks.WrongType(info, option, expected);
        }
    }
}
