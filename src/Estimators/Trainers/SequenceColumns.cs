using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms.Internal;

namespace MLNet.Sequence.Estimators
{
    /// <summary>Checks of feature and label columns shared by GetOutputSchema (SchemaShape) and Fit/Transform (DataViewSchema).</summary>
    internal static class SequenceColumns
    {
        public const string FeatureExpected = "a vector of keys (token ids, e.g. from EncodeTokens then PadSequences), a vector of Int32 ids, or a Single vector of numeric steps";

        public static string LabelExpected(SequenceTask task) => task switch
        {
            SequenceTask.BinaryClassification => "Boolean (convert with mlContext.Transforms.Conversion.ConvertType or a custom mapping)",
            SequenceTask.MulticlassClassification => "a key (map the label with mlContext.Transforms.Conversion.MapValueToKey)",
            _ => "Single, or a Single vector of known size",
        };

        /// <summary>Checks the feature columns; returns whether the input is tokens.</summary>
        public static bool CheckFeatures(Func<string, string, string, ColumnTypeInfo> find, SequenceTrainerOptions o)
        {
            var main = find(o.FeatureColumnName, nameof(SequenceTrainerOptions.FeatureColumnName), FeatureExpected);
            if (!main.IsVector)
                throw ColumnChecks.WrongType(main, nameof(SequenceTrainerOptions.FeatureColumnName), FeatureExpected);
            bool tokens = main.IsKey || main.RawType == typeof(int);
            if (!tokens && main.RawType != typeof(float))
                throw ColumnChecks.WrongType(main, nameof(SequenceTrainerOptions.FeatureColumnName), FeatureExpected);
            if (main.IsKey && main.RawType != typeof(uint))
                throw ColumnChecks.WrongType(main, nameof(SequenceTrainerOptions.FeatureColumnName), "a vector of Key<UInt32>");
            if (tokens && o.AdditionalFeatureColumnNames.Length > 0)
                throw new ArgumentOutOfRangeException(nameof(SequenceTrainerOptions.AdditionalFeatureColumnNames),
                    $"Option AdditionalFeatureColumnNames adds numeric features, but '{main.Name}' holds token ids; use one token column.");
            foreach (var extra in o.AdditionalFeatureColumnNames)
            {
                var c = find(extra, nameof(SequenceTrainerOptions.AdditionalFeatureColumnNames), "a Single vector of the same size as the feature column");
                if (!c.IsVector || c.IsKey || c.RawType != typeof(float))
                    throw ColumnChecks.WrongType(c, nameof(SequenceTrainerOptions.AdditionalFeatureColumnNames), "a Single vector of the same size as the feature column");
                if (c.Size != main.Size || c.Form != main.Form)
                    throw new ArgumentOutOfRangeException(nameof(SequenceTrainerOptions.AdditionalFeatureColumnNames),
                        $"Feature columns '{main.Name}' ({main.Describe()}) and '{c.Name}' ({c.Describe()}) differ in size; every feature column needs one value per step.");
            }
            if (o.StaticFeatureColumnName != null)
            {
                var st = find(o.StaticFeatureColumnName, nameof(SequenceTrainerOptions.StaticFeatureColumnName), "a Single vector of known size");
                if (st.Form != ColumnForm.Vector || st.IsKey || st.RawType != typeof(float))
                    throw ColumnChecks.WrongType(st, nameof(SequenceTrainerOptions.StaticFeatureColumnName), "a Single vector of known size");
            }
            if (o.LengthColumnName != null && tokens)
                throw new ArgumentOutOfRangeException(nameof(SequenceTrainerOptions.LengthColumnName),
                    $"Option LengthColumnName applies to numeric steps; in the token ids of '{main.Name}' padding is id 0 (or set MaskColumnName).");
            if (o.LengthColumnName != null)
            {
                var len = find(o.LengthColumnName, nameof(SequenceTrainerOptions.LengthColumnName), "Int32");
                if (len.IsVector || len.RawType != typeof(int) || len.IsKey)
                    throw ColumnChecks.WrongType(len, nameof(SequenceTrainerOptions.LengthColumnName), "Int32");
            }
            if (o.MaskColumnName != null)
            {
                const string expected = "a Boolean vector with one value per step of the feature column";
                var mask = find(o.MaskColumnName, nameof(SequenceTrainerOptions.MaskColumnName), expected);
                if (!mask.IsVector || mask.ItemType is not BooleanDataViewType)
                    throw ColumnChecks.WrongType(mask, nameof(SequenceTrainerOptions.MaskColumnName), expected);
            }
            return tokens;
        }

        public static ColumnTypeInfo CheckLabel(Func<string, string, string, ColumnTypeInfo> find, SequenceTrainerOptions o, SequenceTask task)
        {
            var expected = LabelExpected(task);
            var l = find(o.LabelColumnName, nameof(SequenceTrainerOptions.LabelColumnName), expected);
            bool ok = task switch
            {
                SequenceTask.BinaryClassification => !l.IsVector && l.ItemType is BooleanDataViewType,
                SequenceTask.MulticlassClassification => !l.IsVector && l.IsKey && l.RawType == typeof(uint),
                _ => !l.IsKey && l.RawType == typeof(float) && l.Form != ColumnForm.VariableVector,
            };
            if (!ok)
                throw ColumnChecks.WrongType(l, nameof(SequenceTrainerOptions.LabelColumnName), expected);
            return l;
        }

        public static Func<string, string, string, ColumnTypeInfo> Finder(SchemaShape s) => (n, opt, exp) => ColumnChecks.Find(s, n, opt, exp);
        public static Func<string, string, string, ColumnTypeInfo> Finder(DataViewSchema s) => (n, opt, exp) => ColumnChecks.Find(s, n, opt, exp);

        /// <summary>The standard annotation of a score column, read by ML.NET's evaluators and transforms.</summary>
        public static DataViewSchema.Annotations ScoreAnnotations(string kind, string valueKind, string[]? slotNames = null)
        {
            var b = new DataViewSchema.Annotations.Builder();
            ValueGetter<ReadOnlyMemory<char>> k = (ref ReadOnlyMemory<char> v) => v = kind.AsMemory();
            ValueGetter<ReadOnlyMemory<char>> vk = (ref ReadOnlyMemory<char> v) => v = valueKind.AsMemory();
            b.Add("ScoreColumnKind", TextDataViewType.Instance, k);
            b.Add("ScoreValueKind", TextDataViewType.Instance, vk);
            if (slotNames != null)
            {
                ValueGetter<VBuffer<ReadOnlyMemory<char>>> names = (ref VBuffer<ReadOnlyMemory<char>> dst) =>
                {
                    var editor = VBufferEditor.Create(ref dst, slotNames.Length);
                    for (int i = 0; i < slotNames.Length; i++) editor.Values[i] = slotNames[i].AsMemory();
                    dst = editor.Commit();
                };
                b.Add("SlotNames", new VectorDataViewType(TextDataViewType.Instance, slotNames.Length), names);
            }
            return b.ToAnnotations();
        }

        /// <summary>KeyValues annotations holding <paramref name="values"/> as text.</summary>
        public static DataViewSchema.Annotations KeyValues(string[] values)
        {
            var b = new DataViewSchema.Annotations.Builder();
            ValueGetter<VBuffer<ReadOnlyMemory<char>>> g = (ref VBuffer<ReadOnlyMemory<char>> dst) =>
            {
                var editor = VBufferEditor.Create(ref dst, values.Length);
                for (int i = 0; i < values.Length; i++) editor.Values[i] = values[i].AsMemory();
                dst = editor.Commit();
            };
            b.Add("KeyValues", new VectorDataViewType(TextDataViewType.Instance, values.Length), g);
            return b.ToAnnotations();
        }

        /// <summary>The text of a column's KeyValues annotation, or null.</summary>
        public static string[]? ReadKeyValues(DataViewSchema.Column c)
        {
            var kv = c.Annotations.Schema.GetColumnOrNull("KeyValues");
            if (kv == null || kv.Value.Type is not VectorDataViewType v)
                return null;
            if (v.ItemType is TextDataViewType)
            {
                VBuffer<ReadOnlyMemory<char>> buf = default;
                c.Annotations.GetValue("KeyValues", ref buf);
                return buf.DenseValues().Select(x => x.ToString()).ToArray();
            }
            return ItemTypes.Dispatch(v.ItemType.RawType, new KeyValuesAsText(c));
        }

        private readonly struct KeyValuesAsText : IItemTypeFunc<string[]>
        {
            private readonly DataViewSchema.Column _c;
            public KeyValuesAsText(DataViewSchema.Column c) => _c = c;

            public string[] Invoke<T>()
            {
                VBuffer<T> buf = default;
                _c.Annotations.GetValue("KeyValues", ref buf);
                return buf.DenseValues().Select(x => Convert.ToString(x, System.Globalization.CultureInfo.InvariantCulture) ?? "").ToArray();
            }
        }
    }
}
