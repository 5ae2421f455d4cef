using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Transforms.Internal;

namespace MLNet.Sequence.Forecasting
{
    /// <summary>The forecasts of Transform, one row per series.</summary>
    internal sealed class ForecastDataView : IDataView
    {
        private readonly Func<IEnumerable<Forecast>> _forecasts;

        public ForecastDataView(DataViewSchema schema, Func<IEnumerable<Forecast>> forecasts)
        {
            Schema = schema;
            _forecasts = forecasts;
        }

        public bool CanShuffle => false;
        public DataViewSchema Schema { get; }
        public long? GetRowCount() => null;
        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this);
        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => new[] { GetRowCursor(columnsNeeded, rand) };

        private sealed class Cursor : DataViewRowCursor
        {
            private readonly ForecastDataView _v;
            private readonly IEnumerator<Forecast> _e;
            private long _i = -1;
            private Forecast _current = null!;

            public Cursor(ForecastDataView v)
            {
                _v = v;
                _e = v._forecasts().GetEnumerator();
            }

            public override DataViewSchema Schema => _v.Schema;
            public override long Position => _i;
            public override long Batch => 0;
            public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_i, 0);
            public override bool IsColumnActive(DataViewSchema.Column column) => true;

            public override bool MoveNext()
            {
                if (!_e.MoveNext())
                    return false;
                _current = _e.Current;
                _i++;
                return true;
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                    _e.Dispose();
                base.Dispose(disposing);
            }

            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
            {
                Delegate g = column.Name switch
                {
                    "Series" => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> d) => d = _current.SeriesId.AsMemory()),
                    "Forecast" => Vector(f => Interleave(f.Point)),
                    "ForecastLower" => Vector(f => Interleave(f.Quantiles!.Select(q => q[0]).ToArray())),
                    "ForecastUpper" => Vector(f => Interleave(f.Quantiles!.Select(q => q[^1]).ToArray())),
                    _ => Vector(f => QuantileLayout(f)),
                };
                return g as ValueGetter<TValue> ?? throw new InvalidOperationException($"Column '{column.Name}' holds {column.Type}; a getter of {typeof(TValue).Name} was asked for.");
            }

            private ValueGetter<VBuffer<float>> Vector(Func<Forecast, float[]> values) =>
                (ref VBuffer<float> d) => Buffers.Write(ref d, values(_current));

            /// <summary>[H, V] row-major from one array per value column.</summary>
            private static float[] Interleave(IReadOnlyList<float[]> perValue)
            {
                int h = perValue[0].Length, v = perValue.Count;
                var r = new float[h * v];
                for (int t = 0; t < h; t++)
                    for (int k = 0; k < v; k++)
                        r[t * v + k] = perValue[k][t];
                return r;
            }

            private static float[] QuantileLayout(Forecast f)
            {
                int h = f.Horizon, v = f.Point.Count, q = f.QuantileLevels!.Count;
                var r = new float[h * v * q];
                for (int t = 0; t < h; t++)
                    for (int k = 0; k < v; k++)
                        for (int j = 0; j < q; j++)
                            r[(t * v + k) * q + j] = f.Quantiles![k][j][t];
                return r;
            }
        }
    }
}
