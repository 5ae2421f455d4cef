using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Persistence;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms;
using MLNet.Sequence.Transforms.Internal;
using MLNet.Sequence.Transforms.Persistence;

namespace MLNet.Sequence.Anomaly
{
    /// <summary>
    /// A fitted sequence anomaly detector: every training series' streaming state (its latest points, scaling, network and
    /// calibration). <see cref="Transform"/> continues each series from that state (new series start their own probation)
    /// and adds two columns: <c>Prediction</c>, a vector of three doubles [Alert (0/1), RawScore, PValue] as ML.NET's
    /// <c>DetectIidSpike</c> writes it, and <c>AnomalyScore</c> in [0, 1]. Transform never changes this object: every
    /// cursor runs its own copy of the states. For point-by-point updates, use <see cref="CreateEngine"/>. Owns native
    /// networks: dispose it when done.
    /// </summary>
    public sealed class SequenceAnomalyTransformer : ITransformer, IDisposable, ISequencePersistable
    {
        private readonly AnomalyDetectorConfig _c;
        private WindowNetwork? _global;
        private readonly Dictionary<string, SeriesDetector> _states;
        private bool _disposed;

        internal SequenceAnomalyTransformer(AnomalyDetectorConfig config, WindowNetwork? global, Dictionary<string, SeriesDetector> states)
        {
            _c = config;
            _global = global;
            _states = states;
        }

        internal AnomalyDetectorConfig Config => _c;

        /// <summary>How points are scored.</summary>
        public AnomalyDetectionMethod Method => _c.Method;

        /// <summary>Points at the start of each new series that only teach the detector.</summary>
        public int ProbationaryPeriod => _c.ProbationaryPeriod;

        /// <summary>A series' network retrains after every this many scored points (0: never).</summary>
        public int RetrainInterval => _c.RetrainInterval;

        /// <summary>The series the detector holds a state for, in key order.</summary>
        public IReadOnlyList<string> Series => _states.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();

        /// <summary>The false-alarm rate alerts are thresholded at (PValue below it), or null when thresholding by score quantile.</summary>
        public double? FalseAlarmRate => _c.FalseAlarmRate;

        /// <summary>With score-quantile thresholding: the anomaly score at or above which a point is an alert (that quantile of the scores seen at Fit).</summary>
        public double AlertScoreThreshold => _c.AlertScore;

        /// <summary>Points seen so far by the state of <paramref name="series"/> (0 for an unknown series).</summary>
        /// <param name="series">The series key ("" when the detector has no series column).</param>
        /// <returns>The count.</returns>
        public long PointsSeen(string series) => _states.TryGetValue(series, out var s) ? s.Count : 0;

        /// <summary>False: a point's score depends on the rows before it.</summary>
        public bool IsRowToRowMapper => false;

        internal static IEnumerable<(string Name, DataViewType Type)> OutputColumns(string output, string score) => new (string, DataViewType)[]
        {
            (output, new VectorDataViewType(NumberDataViewType.Double, 3)),
            (score, NumberDataViewType.Double),
        };

        internal static void CheckInput(DataViewSchema schema, string value, string? series, string? time)
        {
            var v = ColumnChecks.Find(schema, value, "InputColumnName", TimeSeriesWindowTransformer.NumericExpected);
            TimeSeriesWindowTransformer.CheckNumeric(v, "InputColumnName");
            if (series != null)
                ColumnChecks.Find(schema, series, "SeriesColumnName", "a scalar Text, key or integer column");
            if (time != null)
                TimeFeaturesTransformer.CheckTime(ColumnChecks.Find(schema, time, "TimeColumnName", TimeSeriesWindowTransformer.TimeExpected));
        }

        private Binding Bind(DataViewSchema inputSchema)
        {
            CheckInput(inputSchema, _c.InputColumnName, _c.SeriesColumnName, _c.TimeColumnName);
            return new Binding(inputSchema, _c);
        }

        /// <summary>The input columns plus the two output columns.</summary>
        /// <param name="inputSchema">The input's schema.</param>
        /// <returns>The output schema.</returns>
        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
        {
            ArgumentNullException.ThrowIfNull(inputSchema);
            return Bind(inputSchema).OutputSchema;
        }

        /// <summary>Scores <paramref name="input"/> lazily, each series continuing from its fitted state; rows of a series must be in time order.</summary>
        /// <param name="input">The rows to score.</param>
        /// <returns>The input with the two output columns.</returns>
        public IDataView Transform(IDataView input)
        {
            ArgumentNullException.ThrowIfNull(input);
            ObjectDisposedException.ThrowIf(_disposed, this);
            return new AnomalyDataView(this, input, Bind(input.Schema));
        }

        /// <summary>Not available: a point's score depends on the rows before it. Use <see cref="Transform"/> or <see cref="CreateEngine"/>.</summary>
        /// <param name="inputSchema">Unused.</param>
        /// <returns>Never returns.</returns>
        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
            throw new NotSupportedException("An anomaly detector scores each point from the points before it, so it has no row-to-row mapper; use Transform or CreateEngine().");

        /// <summary>
        /// A streaming engine that continues every series from this detector's state and learns from each point it
        /// scores (retraining as configured). This detector is not changed; <see cref="AnomalyEngine.Snapshot"/> gives a
        /// detector holding the engine's state to save.
        /// </summary>
        /// <returns>The engine; dispose it when done.</returns>
        public AnomalyEngine CreateEngine()
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return new AnomalyEngine(this);
        }

        /// <summary>The state of a series the detector has seen (not a copy: read it, never feed it), or null.</summary>
        internal SeriesDetector? KnownState(string series)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _states.GetValueOrDefault(series);
        }

        /// <summary>A fresh or continued state for <paramref name="series"/>, for one cursor or engine (it shares networks, owning none).</summary>
        internal SeriesDetector StateFor(string series)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _states.TryGetValue(series, out var s) ? s.Clone() : new SeriesDetector(_c, series, _global);
        }

        /// <summary>
        /// A detector holding copies of <paramref name="states"/> and of this detector's other states, with copies of every
        /// network they read, so it is independent of this detector and of the engine the states came from.
        /// </summary>
        internal SequenceAnomalyTransformer WithStates(IEnumerable<SeriesDetector> states)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            WindowNetwork? global = _global?.Copy();
            var copies = new Dictionary<string, SeriesDetector>(StringComparer.Ordinal);
            try
            {
                foreach (var s in states)
                    copies[s.Id] = s.SnapshotCopy(_global, global);
                foreach (var (id, s) in _states)
                    if (!copies.ContainsKey(id))
                        copies[id] = s.SnapshotCopy(_global, global);
                return new SequenceAnomalyTransformer(_c, global, copies);
            }
            catch
            {
                foreach (var c in copies.Values)
                    c.Dispose();
                global?.Dispose();
                throw;
            }
        }

        /// <summary>Frees the networks (the global one and each series' own).</summary>
        public void Dispose()
        {
            if (_disposed)
                return;
            _disposed = true;
            foreach (var s in _states.Values)
                s.Dispose();
            _global?.Dispose();
            _global = null;
        }

        void ICanSaveModel.Save(ModelSaveContext ctx) => throw SaveErrors.CannotSaveWithMlNet(nameof(SequenceAnomalyTransformer));

        string ISequencePersistable.PartKind => "AnomalyDetector";
        int ISequencePersistable.PartVersion => 1;

        void ISequencePersistable.SavePart(ModelPartWriter writer)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            writer.WriteJson("config.json", AnomalyConfigV1.From(_c));
            if (_global != null)
                writer.Write("global.bin", _global.Save);
            var ordered = _states.Values.OrderBy(s => s.Id, StringComparer.Ordinal).ToList();
            writer.Write("states.bin", stream =>
            {
                using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
                w.Write(ordered.Count);
                foreach (var s in ordered)
                    s.Write(w);
            });
            for (int i = 0; i < ordered.Count; i++)
                if (ordered[i].OwnsNetwork)
                    writer.Write($"networks/{i:D6}.bin", ordered[i].Network!.Save);
        }

        internal static SequenceAnomalyTransformer Load(ModelPartReader reader)
        {
            reader.RequireVersion("AnomalyDetector", 1);
            var c = reader.ReadJson<AnomalyConfigV1>("config.json").ToConfig();
            WindowNetwork? global = null;
            var states = new Dictionary<string, SeriesDetector>(StringComparer.Ordinal);
            try
            {
                if (reader.Has("global.bin"))
                {
                    if (c.Network == null)
                        throw new InvalidDataException("The stored windowed Gaussian detector holds a network it does not use.");
                    using var g = reader.Open("global.bin");
                    global = WindowNetwork.Load(c.Network, g);
                }
                using var stream = reader.Open("states.bin");
                using var r = new BinaryReader(stream);
                int count = r.ReadInt32();
                if (count < 0)
                    throw new InvalidDataException("The stored detector's state count is negative.");
                for (int i = 0; i < count; i++)
                {
                    int index = i;
                    var s = SeriesDetector.Read(r, c, global, id =>
                    {
                        if (c.Network == null)
                            throw new InvalidDataException($"The stored state of series '{id}' has a network, but the windowed Gaussian detector uses none.");
                        using var n = reader.Open($"networks/{index:D6}.bin");
                        return WindowNetwork.Load(c.Network, n);
                    });
                    if (!states.TryAdd(s.Id, s))
                    {
                        s.Dispose();
                        throw new InvalidDataException($"The stored detector holds series '{s.Id}' twice.");
                    }
                }
                return new SequenceAnomalyTransformer(c, global, states);
            }
            catch
            {
                foreach (var s in states.Values)
                    s.Dispose();
                global?.Dispose();
                throw;
            }
        }

        /// <summary>The schema of the scored view: the input's columns and the two added ones.</summary>
        internal sealed class Binding : ColumnBinding
        {
            private readonly AddedColumn[] _added;
            private readonly int[] _dependencies;

            public Binding(DataViewSchema input, AnomalyDetectorConfig c) : base(input)
            {
                _added = OutputColumns(c.OutputColumnName, c.AnomalyScoreColumnName).Select(o => new AddedColumn(o.Name, o.Type)).ToArray();
                _dependencies = new[] { c.InputColumnName, c.SeriesColumnName, c.TimeColumnName }.Where(n => n != null).Select(n => input[n!].Index).ToArray();
            }

            public override IReadOnlyList<AddedColumn> Added => _added;
            public override IEnumerable<int> Dependencies(int added) => _dependencies;

            public override Delegate?[] MakeGetters(DataViewRow input, Func<int, bool> isAddedActive) =>
                throw new NotSupportedException("Anomaly scores are computed by the scored view's cursor.");
        }
    }

    /// <summary>The scored view: a main cursor serves the input columns while a look-ahead cursor feeds the detector in chunks.</summary>
    internal sealed class AnomalyDataView : IDataView
    {
        private readonly SequenceAnomalyTransformer _model;
        private readonly IDataView _input;
        private readonly SequenceAnomalyTransformer.Binding _binding;

        public AnomalyDataView(SequenceAnomalyTransformer model, IDataView input, SequenceAnomalyTransformer.Binding binding)
        {
            _model = model; _input = input; _binding = binding;
        }

        public bool CanShuffle => false;
        public DataViewSchema Schema => _binding.OutputSchema;
        public long? GetRowCount() => _input.GetRowCount();

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        {
            var (inputActive, addedActive) = _binding.Plan(columnsNeeded);
            var main = _input.GetRowCursor(_binding.InputColumns(inputActive));
            if (!addedActive.Any(a => a))
                return new MappedCursor(main, _binding, addedActive);
            try
            {
                return new AnomalyCursor(_model, _input, main, _binding, addedActive);
            }
            catch
            {
                main.Dispose();
                throw;
            }
        }

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
            new[] { GetRowCursor(columnsNeeded, rand) };
    }

    internal sealed class AnomalyCursor : DataViewRowCursor
    {
        private readonly DataViewRowCursor _main;
        private readonly SequenceAnomalyTransformer.Binding _binding;
        private readonly bool[] _addedActive;
        private readonly Delegate?[] _getters;
        private readonly Dictionary<string, SeriesDetector> _states = new(StringComparer.Ordinal);
        private readonly IEnumerator<(DetectorRow Row, AnomalyOutput Output)> _scored;
        private readonly ValueGetter<DataViewRowId> _mainId;
        private AnomalyOutput _current;

        public AnomalyCursor(SequenceAnomalyTransformer model, IDataView input, DataViewRowCursor main, SequenceAnomalyTransformer.Binding binding, bool[] addedActive)
        {
            _main = main; _binding = binding; _addedActive = addedActive;
            var stream = new DetectorStream(model.Config, _states, model.StateFor);
            _scored = stream.Run(input).GetEnumerator();
            _mainId = main.GetIdGetter();
            _getters = new Delegate?[2];
            if (addedActive[0])
                _getters[0] = (ValueGetter<VBuffer<double>>)((ref VBuffer<double> dst) =>
                {
                    var editor = VBufferEditor.Create(ref dst, 3);
                    editor.Values[0] = _current.Alert ? 1 : 0;
                    editor.Values[1] = _current.Raw;
                    editor.Values[2] = _current.PValue;
                    dst = editor.Commit();
                });
            if (addedActive[1])
                _getters[1] = (ValueGetter<double>)((ref double dst) => dst = _current.Score);
        }

        public override DataViewSchema Schema => _binding.OutputSchema;
        public override long Position => _main.Position;
        public override long Batch => _main.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => _main.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => MappedGetters.IsActive(_binding, _main, _addedActive, column);
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => MappedGetters.Get<TValue>(_binding, _main, _getters, column);

        public override bool MoveNext()
        {
            if (!_main.MoveNext())
                return false;
            if (!_scored.MoveNext())
                throw new InvalidOperationException("The input data changed while it was being scored: the look-ahead cursor ended before the main cursor.");
            DataViewRowId id = default;
            _mainId(ref id);
            if (!id.Equals(_scored.Current.Row.Id))
                throw new InvalidOperationException(
                    "The input data gave two cursors its rows in different orders, so scores cannot be matched to rows. Cache it first (mlContext.Data.Cache) or score with CreateEngine().");
            _current = _scored.Current.Output;
            return true;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _scored.Dispose();
                _main.Dispose();
                foreach (var s in _states.Values)
                    s.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
