using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Transforms;
using MLNet.Sequence.Transforms.Internal;

namespace MLNet.Sequence.Forecasting
{
    /// <summary>Converts between in-memory series and IDataView rows (one row per step; series contiguous).</summary>
    public static class SeriesFrames
    {
        /// <summary>
        /// Rows of <paramref name="frames"/> as an IDataView: a Text column <paramref name="seriesColumnName"/>, the time
        /// (DateTime or Double) in <paramref name="timeColumnName"/> when the frames have times, and one Single column per
        /// value, past covariate and future covariate, named by the arguments. Rows stream; nothing is copied.
        /// </summary>
        /// <param name="frames">The series.</param>
        /// <param name="valueColumns">Names of the value columns, in the frames' order.</param>
        /// <param name="pastCovariateColumns">Names of the past covariates.</param>
        /// <param name="futureCovariateColumns">Names of the future covariates.</param>
        /// <param name="timeColumnName">Name of the time column.</param>
        /// <param name="seriesColumnName">Name of the series column.</param>
        /// <returns>The data view.</returns>
        public static IDataView ToDataView(IReadOnlyList<SeriesFrame> frames, IReadOnlyList<string> valueColumns, IReadOnlyList<string>? pastCovariateColumns = null,
            IReadOnlyList<string>? futureCovariateColumns = null, string timeColumnName = "Time", string seriesColumnName = "Series")
        {
            ArgumentNullException.ThrowIfNull(frames);
            ArgumentNullException.ThrowIfNull(valueColumns);
            return new FramesDataView(frames, valueColumns, pastCovariateColumns ?? Array.Empty<string>(), futureCovariateColumns ?? Array.Empty<string>(), timeColumnName, seriesColumnName);
        }

        /// <summary>
        /// Reads series from rows: one series per run of equal <paramref name="seriesColumnName"/> values (or one series
        /// when it is null), in row order, which must be time order.
        /// </summary>
        /// <param name="data">The rows.</param>
        /// <param name="valueColumns">Scalar numeric value columns.</param>
        /// <param name="timeColumnName">Optional DateTime or numeric time column.</param>
        /// <param name="seriesColumnName">Optional series key column.</param>
        /// <param name="pastCovariateColumns">Optional past covariates.</param>
        /// <param name="futureCovariateColumns">Optional future covariates.</param>
        /// <returns>The series in order of appearance.</returns>
        public static List<SeriesFrame> FromDataView(IDataView data, IReadOnlyList<string> valueColumns, string? timeColumnName = null, string? seriesColumnName = null,
            IReadOnlyList<string>? pastCovariateColumns = null, IReadOnlyList<string>? futureCovariateColumns = null) =>
            Read(data, valueColumns, timeColumnName, seriesColumnName, pastCovariateColumns, futureCovariateColumns, keepLast: null).ToList();

        /// <summary>
        /// Streams series from rows, keeping only each series' last <paramref name="keepLast"/> steps in memory (what a
        /// forecast needs); memory does not grow with the number of series or rows.
        /// </summary>
        internal static IEnumerable<SeriesFrame> Tails(IDataView data, IReadOnlyList<string> valueColumns, string? timeColumnName, string? seriesColumnName,
            IReadOnlyList<string>? pastCovariateColumns, int keepLast) =>
            Read(data, valueColumns, timeColumnName, seriesColumnName, pastCovariateColumns, null, keepLast);

        private static IEnumerable<SeriesFrame> Read(IDataView data, IReadOnlyList<string> valueColumns, string? timeColumnName, string? seriesColumnName,
            IReadOnlyList<string>? pastCovariateColumns, IReadOnlyList<string>? futureCovariateColumns, int? keepLast)
        {
            ArgumentNullException.ThrowIfNull(data);
            var past = pastCovariateColumns ?? Array.Empty<string>();
            var future = futureCovariateColumns ?? Array.Empty<string>();
            var numeric = valueColumns.Concat(past).Concat(future).ToList();
            foreach (var n in numeric)
                TimeSeriesWindowTransformer.CheckNumeric(ColumnChecks.Find(data.Schema, n, "ValueColumns", TimeSeriesWindowTransformer.NumericExpected), "ValueColumns");
            var needed = numeric.Select(n => data.Schema[n]).ToList();
            bool isDate = false;
            if (timeColumnName != null)
            {
                var t = ColumnChecks.Find(data.Schema, timeColumnName, "TimeColumnName", TimeSeriesWindowTransformer.TimeExpected);
                isDate = TimeFeaturesTransformer.CheckTime(t);
                needed.Add(data.Schema[timeColumnName]);
            }
            if (seriesColumnName != null)
            {
                ColumnChecks.Find(data.Schema, seriesColumnName, "SeriesColumnName", "a scalar Text, key or integer column");
                needed.Add(data.Schema[seriesColumnName]);
            }
            using var cursor = data.GetRowCursor(needed.Distinct());
            var readers = numeric.Select(n => NumberReader.Make(cursor, data.Schema[n])).ToArray();
            Func<double>? time = null;
            if (timeColumnName != null)
            {
                if (isDate)
                {
                    var g = cursor.GetGetter<DateTime>(data.Schema[timeColumnName]);
                    DateTime d = default;
                    time = () => { g(ref d); return d.Ticks; };
                }
                else
                    time = NumberReader.Make(cursor, data.Schema[timeColumnName]);
            }
            Func<string> series = seriesColumnName != null ? new SeriesKeyReader(cursor, data.Schema[seriesColumnName]).Name : () => "series";
            string? current = null;
            var columns = numeric.Select(_ => new List<float>()).ToArray();
            var times = new List<double>();
            var seen = new HashSet<string>();
            SeriesFrame? Flush()
            {
                if (current == null) return null;
                int v = valueColumns.Count, p = past.Count;
                var frame = new SeriesFrame(current,
                    columns.Take(v).Select(c => c.ToArray()).ToArray(),
                    timeColumnName != null && isDate ? times.Select(t => new DateTime((long)t)).ToArray() : null,
                    timeColumnName != null && !isDate ? times.ToArray() : null,
                    columns.Skip(v).Take(p).Select(c => c.ToArray()).ToArray(),
                    columns.Skip(v + p).Select(c => c.ToArray()).ToArray());
                foreach (var c in columns) c.Clear();
                times.Clear();
                return frame;
            }
            while (cursor.MoveNext())
            {
                var name = series();
                if (name != current)
                {
                    if (Flush() is { } done)
                        yield return done;
                    if (!seen.Add(name))
                        throw new InvalidOperationException($"Rows of series '{name}' (column '{seriesColumnName}') are not contiguous. Sort the data by series, then time.");
                    current = name;
                }
                for (int i = 0; i < readers.Length; i++)
                {
                    columns[i].Add((float)readers[i]());
                    if (keepLast is int k && columns[i].Count > 2 * k)
                        columns[i].RemoveRange(0, columns[i].Count - k);
                }
                if (time != null)
                {
                    times.Add(time());
                    if (keepLast is int k && times.Count > 2 * k)
                        times.RemoveRange(0, times.Count - k);
                }
            }
            if (Flush() is { } last)
                yield return last;
        }

        /// <summary>An IDataView over in-memory series; cursors enumerate the list (never index it), so lazy lists stream.</summary>
        private sealed class FramesDataView : IDataView
        {
            private readonly IReadOnlyList<SeriesFrame> _frames;
            private readonly int _values, _past, _future;
            private readonly bool _hasTime, _isDate;

            public FramesDataView(IReadOnlyList<SeriesFrame> frames, IReadOnlyList<string> values, IReadOnlyList<string> past, IReadOnlyList<string> future, string time, string series)
            {
                _frames = frames;
                _values = values.Count;
                _past = past.Count;
                _future = future.Count;
                var first = frames.FirstOrDefault();
                _hasTime = first != null && (first.Times != null || first.NumericTimes != null);
                _isDate = first?.Times != null;
                var b = new DataViewSchema.Builder();
                b.AddColumn(series, TextDataViewType.Instance);
                if (_hasTime)
                    b.AddColumn(time, _isDate ? DateTimeDataViewType.Instance : NumberDataViewType.Double);
                foreach (var n in values.Concat(past).Concat(future))
                    b.AddColumn(n, NumberDataViewType.Single);
                Schema = b.ToSchema();
            }

            public bool CanShuffle => false;
            public DataViewSchema Schema { get; }
            public long? GetRowCount() => null;
            public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this);
            public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => new[] { GetRowCursor(columnsNeeded, rand) };

            private void Check(SeriesFrame f)
            {
                if (f.Values.Count != _values || f.PastCovariates.Count != _past || f.FutureCovariates.Count != _future)
                    throw new ArgumentException($"Series '{f.Id}' has {f.Values.Count} value, {f.PastCovariates.Count} past and {f.FutureCovariates.Count} future columns; the names given are {_values}, {_past} and {_future}.");
                if ((f.Times != null) != _isDate || (_hasTime && !_isDate && f.NumericTimes == null))
                    throw new ArgumentException($"Series '{f.Id}' does not have the same kind of times as the first series.");
            }

            private sealed class Cursor : DataViewRowCursor
            {
                private readonly FramesDataView _v;
                private readonly IEnumerator<SeriesFrame> _e;
                private SeriesFrame? _f;
                private int _step = -1;
                private long _position = -1;

                public Cursor(FramesDataView v)
                {
                    _v = v;
                    _e = v._frames.GetEnumerator();
                }

                public override DataViewSchema Schema => _v.Schema;
                public override long Position => _position;
                public override long Batch => 0;
                public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);
                public override bool IsColumnActive(DataViewSchema.Column column) => true;

                public override bool MoveNext()
                {
                    while (true)
                    {
                        if (_f != null && ++_step < _f.Length)
                        {
                            _position++;
                            return true;
                        }
                        if (!_e.MoveNext())
                            return false;
                        _f = _e.Current;
                        _v.Check(_f);
                        _step = -1;
                    }
                }

                protected override void Dispose(bool disposing)
                {
                    if (disposing) _e.Dispose();
                    base.Dispose(disposing);
                }

                public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
                {
                    int i = column.Index;
                    Delegate g;
                    if (i == 0)
                        g = (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> d) => d = _f!.Id.AsMemory());
                    else if (_v._hasTime && i == 1)
                        g = _v._isDate
                            ? (ValueGetter<DateTime>)((ref DateTime d) => d = _f!.Times![_step])
                            : (ValueGetter<double>)((ref double d) => d = _f!.NumericTimes![_step]);
                    else
                    {
                        int k = i - (_v._hasTime ? 2 : 1);
                        g = (ValueGetter<float>)((ref float d) =>
                        {
                            var f = _f!;
                            d = k < _v._values ? f.Values[k][_step]
                                : k < _v._values + _v._past ? f.PastCovariates[k - _v._values][_step]
                                : f.FutureCovariates[k - _v._values - _v._past][_step];
                        });
                    }
                    return g as ValueGetter<TValue> ?? throw new InvalidOperationException($"Column '{column.Name}' holds {column.Type}; a getter of {typeof(TValue).Name} was asked for.");
                }
            }
        }
    }
}
