using System;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Sequence.Transforms.Internal
{
    /// <summary>Reads the length of a vector column of any item type.</summary>
    internal static class VectorLength
    {
        public static Func<int> Getter(DataViewRow row, DataViewSchema.Column column) =>
            ItemTypes.Dispatch(((VectorDataViewType)column.Type).ItemType.RawType, new LengthOf(row, column));

        private readonly struct LengthOf : IItemTypeFunc<Func<int>>
        {
            private readonly DataViewRow _row;
            private readonly DataViewSchema.Column _column;

            public LengthOf(DataViewRow row, DataViewSchema.Column column) { _row = row; _column = column; }

            public Func<int> Invoke<T>()
            {
                var g = _row.GetGetter<VBuffer<T>>(_column);
                VBuffer<T> buf = default;
                return () => { g(ref buf); return buf.Length; };
            }
        }
    }
}
