using System;
using Microsoft.ML;

namespace MLNet.Sequence.Transforms.Internal
{
    /// <summary>Reads any numeric scalar column as double.</summary>
    internal static class NumberReader
    {
        public static Func<double> Make(DataViewRow row, DataViewSchema.Column c)
        {
            var t = c.Type.RawType;
            if (!ItemTypes.IsNumeric(t))
                throw new ArgumentOutOfRangeException(c.Name, $"Column '{c.Name}' has type {c.Type}; expected a numeric type.");
            return ItemTypes.Dispatch(t, new Reader(row, c));
        }

        private readonly struct Reader : IItemTypeFunc<Func<double>>
        {
            private readonly DataViewRow _row;
            private readonly DataViewSchema.Column _column;

            public Reader(DataViewRow row, DataViewSchema.Column column) { _row = row; _column = column; }

            public Func<double> Invoke<T>()
            {
                var g = _row.GetGetter<T>(_column);
                T v = default!;
                return () => { g(ref v); return ItemTypes.ToDouble(v); };
            }
        }
    }
}
