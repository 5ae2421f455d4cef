using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Sequence.Transforms.Internal
{
    /// <summary>How a column is shaped: scalar, vector of known size, or vector of variable size.</summary>
    internal enum ColumnForm { Scalar, Vector, VariableVector }

    /// <summary>
    /// A column's type as both <see cref="DataViewSchema"/> (at Fit and Transform) and <see cref="SchemaShape"/>
    /// (at GetOutputSchema) describe it, so one validation serves both.
    /// </summary>
    internal readonly struct ColumnTypeInfo
    {
        public ColumnTypeInfo(string name, ColumnForm form, DataViewType itemType, bool isKey, int size, ulong keyCount)
        {
            Name = name; Form = form; ItemType = itemType; IsKey = isKey; Size = size; KeyCount = keyCount;
        }

        public string Name { get; }
        public ColumnForm Form { get; }
        /// <summary>The primitive item type (for a key: its raw type).</summary>
        public DataViewType ItemType { get; }
        public bool IsKey { get; }
        /// <summary>Vector size; 0 when variable or unknown (SchemaShape does not carry it).</summary>
        public int Size { get; }
        /// <summary>Key count; 0 when not a key or unknown.</summary>
        public ulong KeyCount { get; }

        public bool IsVector => Form != ColumnForm.Scalar;
        public bool IsText => ItemType is TextDataViewType;
        public Type RawType => ItemType.RawType;

        public static ColumnTypeInfo From(DataViewSchema.Column c)
        {
            var form = ColumnForm.Scalar;
            var item = c.Type;
            int size = 0;
            if (c.Type is VectorDataViewType v)
            {
                form = v.IsKnownSize ? ColumnForm.Vector : ColumnForm.VariableVector;
                size = v.Size;
                item = v.ItemType;
            }
            ulong keyCount = 0;
            bool isKey = false;
            if (item is KeyDataViewType k)
            {
                isKey = true;
                keyCount = k.Count;
                item = SchemaShapeFactory.ItemTypeOfKey(k);
            }
            return new ColumnTypeInfo(c.Name, form, item, isKey, size, keyCount);
        }

        public static ColumnTypeInfo From(SchemaShape.Column c)
        {
            var form = c.Kind switch
            {
                SchemaShape.Column.VectorKind.Vector => ColumnForm.Vector,
                SchemaShape.Column.VectorKind.VariableVector => ColumnForm.VariableVector,
                _ => ColumnForm.Scalar,
            };
            return new ColumnTypeInfo(c.Name, form, c.ItemType, c.IsKey, 0, 0);
        }

        /// <summary>A readable type, e.g. "vector of Single (size 60)", "variable-size vector of Key&lt;UInt32&gt;".</summary>
        public string Describe()
        {
            string item = IsKey ? $"Key<{ItemType.RawType.Name}>" : ItemType.RawType == typeof(ReadOnlyMemory<char>) ? "Text" : ItemType.RawType.Name;
            return Form switch
            {
                ColumnForm.Scalar => item,
                ColumnForm.Vector => Size > 0 ? $"vector of {item} (size {Size})" : $"vector of {item}",
                _ => $"variable-size vector of {item}",
            };
        }
    }

    /// <summary>Validation of input columns with messages that name the column, the option, what was expected and what was found.</summary>
    internal static class ColumnChecks
    {
        public static ColumnTypeInfo Find(DataViewSchema schema, string columnName, string optionName, string expected)
        {
            var col = schema.GetColumnOrNull(columnName);
            if (col == null)
                throw Missing(columnName, optionName, expected, schema.Where(c => !c.IsHidden).Select(c => c.Name));
            return ColumnTypeInfo.From(col.Value);
        }

        public static ColumnTypeInfo Find(SchemaShape shape, string columnName, string optionName, string expected)
        {
            if (!shape.TryFind(columnName, out var col))
                throw Missing(columnName, optionName, expected, shape.Select(c => c.Name));
            return ColumnTypeInfo.From(col);
        }

        public static ArgumentOutOfRangeException Missing(string columnName, string optionName, string expected, IEnumerable<string> available) =>
            new(optionName, $"Input column '{columnName}' (option {optionName}) was not found; expected a column of {expected}. " +
                            $"Available columns: {string.Join(", ", available.Distinct())}.");

        public static ArgumentOutOfRangeException WrongType(ColumnTypeInfo c, string optionName, string expected) =>
            new(optionName, $"Input column '{c.Name}' (option {optionName}) has type {c.Describe()}; expected {expected}.");

        /// <summary>True for Single, Double, the signed and unsigned integers (not keys).</summary>
        public static bool IsNumeric(ColumnTypeInfo c) => !c.IsKey && c.ItemType is NumberDataViewType;

        public static void RequireNonEmpty(string? value, string optionName)
        {
            if (string.IsNullOrWhiteSpace(value))
                throw new ArgumentException($"Option {optionName} must name a column; it was empty.", optionName);
        }

        public static void RequirePositive(int value, string optionName)
        {
            if (value <= 0)
                throw new ArgumentOutOfRangeException(optionName, value, $"Option {optionName} must be positive; it was {value}.");
        }

        public static void RequireDefined<TEnum>(TEnum value, string optionName) where TEnum : struct, Enum
        {
            if (!Enum.IsDefined(value))
                throw new ArgumentOutOfRangeException(optionName, value, $"Option {optionName} has unknown value {value}; expected one of {string.Join(", ", Enum.GetNames<TEnum>())}.");
        }
    }
}
