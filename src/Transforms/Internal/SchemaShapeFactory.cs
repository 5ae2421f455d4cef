using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Sequence.Transforms.Internal
{
    /// <summary>
    /// Reaches one ML.NET internal: the constructor of <see cref="SchemaShape.Column"/>, which every estimator needs
    /// for <c>GetOutputSchema</c> (EstimatorChain.Fit calls it). ML.NET marks it [BestFriend] internal; .NET 8+'s
    /// UnsafeAccessor binds to it without reflection. The estimators read three more internals by reflection
    /// (src/Estimators/Internal/MlNetInternals.cs). Internals carry no compatibility promise: MlNetInternalsTests
    /// fails when this one stops binding.
    /// </summary>
    internal static class SchemaShapeFactory
    {
        [UnsafeAccessor(UnsafeAccessorKind.Constructor)]
        private static extern SchemaShape.Column NewColumn(string name, SchemaShape.Column.VectorKind vecKind, DataViewType itemType, bool isKey, SchemaShape? annotations);

        /// <summary>Creates a shape column; <paramref name="itemType"/> must not be a key or vector type (use <paramref name="isKey"/>).</summary>
        public static SchemaShape.Column Column(string name, SchemaShape.Column.VectorKind kind, DataViewType itemType, bool isKey = false, SchemaShape? annotations = null)
            => NewColumn(name, kind, itemType, isKey, annotations);

        /// <summary>The shape of a concrete column type (key, vector or scalar), with optional annotation names.</summary>
        public static SchemaShape.Column FromType(string name, DataViewType type, params (string Name, DataViewType Type)[] annotations)
        {
            var kind = SchemaShape.Column.VectorKind.Scalar;
            var item = type;
            if (type is VectorDataViewType v)
            {
                kind = v.IsKnownSize ? SchemaShape.Column.VectorKind.Vector : SchemaShape.Column.VectorKind.VariableVector;
                item = v.ItemType;
            }
            bool isKey = item is KeyDataViewType;
            if (item is KeyDataViewType k)
                item = ItemTypeOfKey(k);
            SchemaShape? ann = null;
            if (annotations.Length > 0)
            {
                var cols = new List<SchemaShape.Column>();
                foreach (var a in annotations)
                    cols.Add(FromType(a.Name, a.Type));
                ann = new SchemaShape(cols);
            }
            return NewColumn(name, kind, item, isKey, ann);
        }

        /// <summary>The primitive type behind a key type (its raw type), as SchemaShape wants it.</summary>
        public static DataViewType ItemTypeOfKey(KeyDataViewType key) =>
            key.RawType == typeof(uint) ? NumberDataViewType.UInt32 :
            key.RawType == typeof(ulong) ? NumberDataViewType.UInt64 :
            key.RawType == typeof(ushort) ? NumberDataViewType.UInt16 :
            NumberDataViewType.Byte;

        /// <summary>The shape of every column of a concrete schema (visible columns only).</summary>
        public static SchemaShape FromSchema(DataViewSchema schema)
        {
            var cols = new List<SchemaShape.Column>();
            foreach (var c in schema)
            {
                if (c.IsHidden)
                    continue;
                var ann = new List<(string, DataViewType)>();
                foreach (var a in c.Annotations.Schema)
                    ann.Add((a.Name, a.Type));
                cols.Add(FromType(c.Name, c.Type, ann.ToArray()));
            }
            return new SchemaShape(cols);
        }

        /// <summary>Finds a column of a shape by name (SchemaShape's own lookup is internal).</summary>
        public static bool TryFind(this SchemaShape shape, string name, out SchemaShape.Column column)
        {
            foreach (var c in shape)
            {
                if (c.Name == name)
                {
                    column = c;
                    return true;
                }
            }
            column = default;
            return false;
        }

        /// <summary><paramref name="input"/> with <paramref name="added"/> appended; an added column replaces an input column of the same name.</summary>
        public static SchemaShape With(SchemaShape input, IEnumerable<SchemaShape.Column> added)
        {
            var result = new List<SchemaShape.Column>();
            var addedList = new List<SchemaShape.Column>(added);
            var names = new HashSet<string>();
            foreach (var a in addedList)
                names.Add(a.Name);
            foreach (var c in input)
                if (!names.Contains(c.Name))
                    result.Add(c);
            result.AddRange(addedList);
            return new SchemaShape(result);
        }
    }
}
