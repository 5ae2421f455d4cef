using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Transforms.Internal;
using MLNet.Sequence.Transforms.Persistence;

namespace MLNet.Sequence.Transforms.Internal
{
    internal sealed class WindowDataView : IDataView
    {
        private readonly IDataView _input;
        private readonly TimeSeriesWindowTransformer.Plan _plan;

        public WindowDataView(IDataView input, TimeSeriesWindowTransformer.Plan plan)
        {
            _input = input;
            _plan = plan;
        }

        public bool CanShuffle => false;
        public DataViewSchema Schema => _plan.OutputSchema;
        public long? GetRowCount() => null;

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
            new WindowCursor(_input.GetRowCursor(_plan.InputColumns()), _plan);

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
            new[] { GetRowCursor(columnsNeeded, rand) };
    }

    /// <summary>Streams windows: a ring buffer of the last L+H rows of the current series.</summary>
    internal sealed class WindowCursor : DataViewRowCursor
    {
        private readonly DataViewRowCursor _input;
        private readonly TimeSeriesWindowTransformer.Plan _plan;
        private readonly TimeSeriesWindowTransformer.Config _c;
        private readonly Func<double>[] _numeric;
        private readonly ICarrySlot[] _carry;
        private readonly Func<double>? _time;
        private readonly bool _timeIsDate;
        private readonly TimeStep? _step;
        private readonly SeriesKeyReader? _series;
        private readonly int _span;     // L + H (training) or L (latest)
        private readonly int _nNumeric;
        private readonly double[] _ring; // [_span, _nNumeric]
        private readonly double[] _ringTime;
        private readonly float[] _window, _target, _future;
        private readonly HashSet<string> _finishedSeries = new(StringComparer.Ordinal);
        /// <summary>The first series found too short, reported when the input ends (unless a non-contiguous series is found first).</summary>
        private string? _shortSeries;
        private long _seriesRows;       // rows of the current series read so far
        private string? _seriesName;
        private bool _inputDone, _pendingRow;
        private long _position = -1;
        private long _inputRow = -1;

        public WindowCursor(DataViewRowCursor input, TimeSeriesWindowTransformer.Plan plan)
        {
            _input = input;
            _plan = plan;
            _c = plan.Config;
            _numeric = plan.Numeric.Select(c => NumberReader.Make(input, c)).ToArray();
            _nNumeric = _numeric.Length;
            _carry = plan.Carried.Select(c => CarrySlots.Make(input, c)).ToArray();
            if (plan.Time is { } t)
            {
                _timeIsDate = t.Type is DateTimeDataViewType;
                _time = _timeIsDate ? DateReader(input, t) : NumberReader.Make(input, t);
            }
            _step = _c.Step;
            if (plan.Series is { } s)
                _series = new SeriesKeyReader(input, s);
            _span = _c.Mode == WindowMode.Training ? _c.WindowLength + _c.Horizon : _c.WindowLength;
            _ring = new double[_span * _nNumeric];
            _ringTime = new double[_span];
            _window = new float[_c.WindowLength * _c.Features];
            _target = new float[_c.Horizon * _c.ValueColumns.Length];
            _future = new float[_c.Horizon * _c.FutureCovariateColumns.Length];
            foreach (var slot in _carry)
                slot.Resize(_span);
        }

        private static Func<double> DateReader(DataViewRow row, DataViewSchema.Column c)
        {
            var g = row.GetGetter<DateTime>(c);
            DateTime d = default;
            return () => { g(ref d); return d.Ticks; };
        }

        public override DataViewSchema Schema => _plan.OutputSchema;
        public override long Position => _position;
        public override long Batch => 0;
        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);
        public override bool IsColumnActive(DataViewSchema.Column column) => true;

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int nCarry = _carry.Length;
            if (column.Index < nCarry)
                return _carry[column.Index].Getter<TValue>(this, column.Name);
            int v = column.Index - nCarry;
            float[] source = v == 0 ? _window : v == 1 ? _target : _future;
            Delegate g = v == 1 && _c.ScalarTarget
                ? (ValueGetter<float>)((ref float dst) => dst = _target[0])
                : (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) => Buffers.Write(ref dst, source));
            return g as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' holds {column.Type}; a getter of {typeof(TValue).Name} was asked for.");
        }

        /// <summary>Ring slot of series row <paramref name="seriesIndex"/>.</summary>
        private int Slot(long seriesIndex) => (int)(seriesIndex % _span);

        public override bool MoveNext()
        {
            while (true)
            {
                if (!_pendingRow)
                {
                    if (_inputDone)
                        return false;
                    if (!_input.MoveNext())
                    {
                        _inputDone = true;
                        bool emitLast = FinishSeries();
                        if (_shortSeries != null)
                            throw new InvalidOperationException(_shortSeries);
                        if (emitLast)
                            return Emit(_seriesRows - 1);
                        return false;
                    }
                    _inputRow++;
                    _pendingRow = true;
                }
                // A row is pending: does it start a new series?
                if (_series != null && _seriesRows > 0 && !_series.SameAsCurrent())
                {
                    bool emit = FinishSeries();
                    long last = _seriesRows - 1;
                    _seriesRows = 0;
                    if (emit && Emit(last))
                        return true; // the pending row stays pending
                    continue;
                }
                _pendingRow = false;
                if (!Append())
                    continue;
                if (_c.Mode == WindowMode.Training)
                {
                    long origin = _seriesRows - 1 - _c.Horizon;
                    if (origin >= _c.WindowLength - 1 && (origin - (_c.WindowLength - 1)) % _c.Stride == 0 && Emit(origin))
                        return true;
                }
            }
        }

        /// <summary>Reads the pending row into the ring; checks time order, gaps and non-finite values.</summary>
        private bool Append()
        {
            if (_seriesRows == 0)
            {
                _seriesName = _series?.Name();
                if (_seriesName != null && _finishedSeries.Contains(_seriesName))
                    throw new InvalidOperationException(
                        $"Rows of series '{_seriesName}' (column '{_c.SeriesColumnName}') are not contiguous: it appears again at input row {_inputRow} after other series. " +
                        "Each series' rows must come together, in time order: sort the data by series, then time (a long-format table sorted by time alone interleaves the series).");
                _series?.Remember();
            }
            int slot = Slot(_seriesRows);
            if (_time != null)
            {
                double t = _time();
                if (double.IsNaN(t))
                    throw new InvalidOperationException($"Column '{_c.TimeColumnName}' has a missing time at input row {_inputRow}{SeriesText()}.");
                if (_seriesRows > 0)
                {
                    double prev = _ringTime[Slot(_seriesRows - 1)];
                    if (t == prev)
                        throw new InvalidOperationException($"Duplicate timestamp {FormatTime(t)} in column '{_c.TimeColumnName}' at input row {_inputRow}{SeriesText()}.");
                    if (t < prev)
                        throw new InvalidOperationException($"Column '{_c.TimeColumnName}' is not sorted: {FormatTime(t)} at input row {_inputRow} comes after {FormatTime(prev)}{SeriesText()}. Sort the data by time.");
                    if (_step != null && !_step.Follows(prev, t, _timeIsDate))
                        throw new InvalidOperationException(
                            $"Gap in column '{_c.TimeColumnName}': {FormatTime(prev)} is followed by {FormatTime(t)} at input row {_inputRow}{SeriesText()}, but the time step is {_step}. Fill the gap (e.g. interpolate) or split the series.");
                }
                _ringTime[slot] = t;
            }
            for (int j = 0; j < _nNumeric; j++)
            {
                double v = _numeric[j]();
                if (!double.IsFinite(v) && !_c.SkipWindowsWithMissingValues)
                    throw new InvalidOperationException(
                        $"Column '{_plan.Numeric[j].Name}' has a missing or infinite value ({v}) at input row {_inputRow}{SeriesText()}{(_time != null ? $", time {FormatTime(_ringTime[slot])}" : "")}. Fill it, or set option SkipWindowsWithMissingValues = true to skip the windows it touches.");
                _ring[slot * _nNumeric + j] = v;
            }
            foreach (var c in _carry)
                c.Capture(slot);
            _seriesRows++;
            return true;
        }

        /// <summary>At the end of a series: checks its length; true when a latest-mode window should be emitted.</summary>
        private bool FinishSeries()
        {
            if (_seriesRows == 0)
                return false;
            if (_seriesName != null)
                _finishedSeries.Add(_seriesName);
            if (_seriesRows < _span)
            {
                // Reported at the end of the input, not now: a series that looks short here may reappear later (rows
                // interleaved by time), and then the true cause, series that are not contiguous, is the message to give.
                if (!_c.SkipShortSeries)
                    _shortSeries ??= $"Series{(_seriesName != null ? $" '{_seriesName}'" : "")} has {_seriesRows} rows, fewer than WindowLength{(_c.Mode == WindowMode.Training ? " + Horizon" : "")} = {_span}. Use a shorter window, or set option SkipShortSeries = true to skip such series.";
                return false;
            }
            return _c.Mode == WindowMode.Latest;
        }

        /// <summary>Fills the output from the window ending at series row <paramref name="origin"/>; false when it touches a non-finite value (skipped).</summary>
        private bool Emit(long origin)
        {
            int L = _c.WindowLength, H = _c.Horizon, F = _c.Features, V = _c.ValueColumns.Length, K = _c.FutureCovariateColumns.Length;
            for (int i = 0; i < L; i++)
            {
                int slot = Slot(origin - L + 1 + i);
                for (int f = 0; f < F; f++)
                {
                    double v = _ring[slot * _nNumeric + f];
                    if (!double.IsFinite(v)) return false;
                    _window[i * F + f] = (float)v;
                }
            }
            if (_c.Mode == WindowMode.Training)
            {
                for (int h = 0; h < H; h++)
                {
                    int slot = Slot(origin + 1 + h);
                    for (int v = 0; v < V; v++)
                    {
                        double x = _ring[slot * _nNumeric + v];
                        if (!double.IsFinite(x)) return false;
                        _target[h * V + v] = (float)x;
                    }
                    for (int k = 0; k < K; k++)
                    {
                        double x = _ring[slot * _nNumeric + F + k];
                        if (!double.IsFinite(x)) return false;
                        _future[h * K + k] = (float)x;
                    }
                }
            }
            foreach (var c in _carry)
                c.Select(Slot(origin));
            _position++;
            return true;
        }

        private string SeriesText() => _seriesName != null ? $" (series '{_seriesName}')" : "";

        private string FormatTime(double t) => _timeIsDate
            ? new DateTime((long)t).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)
            : t.ToString(CultureInfo.InvariantCulture);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                _input.Dispose();
            base.Dispose(disposing);
        }
    }
}
