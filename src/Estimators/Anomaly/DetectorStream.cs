using System;
using System.Collections.Generic;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Transforms.Internal;

namespace MLNet.Sequence.Anomaly
{
    /// <summary>One input row as the detectors read it.</summary>
    internal readonly record struct DetectorRow(string Series, double Value, double Time, DataViewRowId Id, long Position);

    /// <summary>
    /// Runs series states over rows in chunks: rows are read ahead (up to <see cref="ChunkSize"/>), grouped by series in
    /// their order, each series' points scored in one batched network pass, and the outputs handed back in row order.
    /// Memory is bounded by the chunk and the states, whatever the length of the data.
    /// </summary>
    internal sealed class DetectorStream
    {
        public const int ChunkSize = 1024;

        private readonly AnomalyDetectorConfig _c;
        private readonly Dictionary<string, SeriesDetector> _states;
        private readonly Func<string, SeriesDetector> _create;

        public DetectorStream(AnomalyDetectorConfig config, Dictionary<string, SeriesDetector> states, Func<string, SeriesDetector> create)
        {
            _c = config;
            _states = states;
            _create = create;
        }

        /// <summary>The outputs of every row of <paramref name="input"/>, in order (the states learn as they go).</summary>
        public IEnumerable<(DetectorRow Row, AnomalyOutput Output)> Run(IDataView input) => Run(ReadRows(_c, input));

        public IEnumerable<(DetectorRow Row, AnomalyOutput Output)> Run(IEnumerable<DetectorRow> rows)
        {
            var chunk = new List<DetectorRow>(ChunkSize);
            var outputs = new AnomalyOutput[ChunkSize];
            foreach (var row in rows)
            {
                chunk.Add(row);
                if (chunk.Count == ChunkSize)
                {
                    Process(chunk, outputs);
                    for (int i = 0; i < chunk.Count; i++)
                        yield return (chunk[i], outputs[i]);
                    chunk.Clear();
                }
            }
            if (chunk.Count > 0)
            {
                Process(chunk, outputs);
                for (int i = 0; i < chunk.Count; i++)
                    yield return (chunk[i], outputs[i]);
            }
        }

        /// <summary>Scores a chunk of rows (any mix of series) into <paramref name="outputs"/>.</summary>
        public void Process(IReadOnlyList<DetectorRow> chunk, AnomalyOutput[] outputs)
        {
            var groups = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            var order = new List<string>();
            for (int i = 0; i < chunk.Count; i++)
            {
                if (!groups.TryGetValue(chunk[i].Series, out var list))
                {
                    groups[chunk[i].Series] = list = new List<int>();
                    order.Add(chunk[i].Series);
                }
                list.Add(i);
            }
            foreach (var id in order)
            {
                var rows = groups[id];
                if (!_states.TryGetValue(id, out var state))
                    _states[id] = state = _create(id);
                var values = new double[rows.Count];
                for (int k = 0; k < rows.Count; k++)
                {
                    var row = chunk[rows[k]];
                    if (_c.TimeColumnName != null && !double.IsNaN(row.Time))   // the engine passes no times (NaN): it trusts the caller's order
                    {
                        if (!double.IsNaN(state.LastTime) && !(row.Time > state.LastTime))
                            throw new InvalidOperationException(
                                $"Row {row.Position + 1}{SeriesText(row)}: time column '{_c.TimeColumnName}' goes from {TimeText(state.LastTime)} to {TimeText(row.Time)}; times must increase strictly within a series (sort the data by series, then time).");
                        state.LastTime = row.Time;
                    }
                    values[k] = row.Value;
                }
                var result = new AnomalyOutput[rows.Count];
                state.Process(values, result);
                for (int k = 0; k < rows.Count; k++)
                    outputs[rows[k]] = result[k];
            }
        }

        private string SeriesText(DetectorRow row) => _c.SeriesColumnName != null ? $" (series '{row.Series}')" : "";

        private static string TimeText(double t) => t > 1e15 ? new DateTime((long)t).ToString("o") : t.ToString(System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>The rows of <paramref name="input"/> with their series, value and time; a missing or infinite value or time is an error naming the row.</summary>
        public static IEnumerable<DetectorRow> ReadRows(AnomalyDetectorConfig c, IDataView input)
        {
            var needed = new List<DataViewSchema.Column> { input.Schema[c.InputColumnName] };
            if (c.SeriesColumnName != null) needed.Add(input.Schema[c.SeriesColumnName]);
            if (c.TimeColumnName != null) needed.Add(input.Schema[c.TimeColumnName]);
            using var cursor = input.GetRowCursor(needed);
            foreach (var row in ReadRows(c, cursor))
                yield return row;
        }

        /// <summary>The rows under <paramref name="cursor"/> (which must have the value, series and time columns active).</summary>
        public static IEnumerable<DetectorRow> ReadRows(AnomalyDetectorConfig c, DataViewRowCursor cursor)
        {
            var schema = cursor.Schema;
            var value = NumberReader.Make(cursor, schema[c.InputColumnName]);
            Func<string> series = c.SeriesColumnName != null ? new SeriesKeyReader(cursor, schema[c.SeriesColumnName]).Name : () => "";
            Func<double>? time = null;
            if (c.TimeColumnName != null)
            {
                var column = schema[c.TimeColumnName];
                if (column.Type is DateTimeDataViewType)
                {
                    var g = cursor.GetGetter<DateTime>(column);
                    DateTime d = default;
                    time = () => { g(ref d); return d.Ticks; };
                }
                else
                    time = NumberReader.Make(cursor, column);
            }
            var idGetter = cursor.GetIdGetter();
            while (cursor.MoveNext())
            {
                double v = value();
                string s = series();
                if (!double.IsFinite(v))
                    throw new InvalidOperationException(
                        $"Row {cursor.Position + 1}{(c.SeriesColumnName != null ? $" (series '{s}')" : "")}: column '{c.InputColumnName}' is {v}; the anomaly detectors need finite values (fill or drop missing values first).");
                double t = double.NaN;
                if (time != null)
                {
                    t = time();
                    if (!double.IsFinite(t))
                        throw new InvalidOperationException($"Row {cursor.Position + 1}: time column '{c.TimeColumnName}' is {t}; times must be finite.");
                }
                DataViewRowId id = default;
                idGetter(ref id);
                yield return new DetectorRow(s, v, t, id, cursor.Position);
            }
        }
    }
}
