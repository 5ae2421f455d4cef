using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Transforms.Internal;
using MLNet.Sequence.Transforms.Persistence;

namespace MLNet.Sequence.Transforms
{
    /// <summary>Which windows <see cref="TimeSeriesWindowTransformer"/> produces.</summary>
    public enum WindowMode
    {
        /// <summary>Every window that has a full horizon of targets after it (training and backtesting data).</summary>
        Training,
        /// <summary>One window per series: its last <c>WindowLength</c> rows, no target (the input of a forecast).</summary>
        Latest,
    }

    /// <summary>
    /// Turns time-ordered rows of one or more series into windows: each output row holds a past window of
    /// <c>WindowLength</c> steps of the value (and past-covariate) columns and, in training mode, the next
    /// <c>Horizon</c> steps of the value columns as the target. Several series are keyed by a series column; their rows
    /// must be contiguous and time-ordered. The view streams: memory does not grow with the number of rows.
    /// </summary>
    public sealed class TimeSeriesWindowEstimator : IEstimator<TimeSeriesWindowTransformer>
    {
        /// <summary>Options of <see cref="TimeSeriesWindowEstimator"/>.</summary>
        public sealed class Options
        {
            /// <summary>The series to window and forecast: scalar numeric columns (Single, Double or integers). Required.</summary>
            public string[] ValueColumns { get; set; } = Array.Empty<string>();

            /// <summary>Scalar numeric columns observed only up to the forecast origin; appended to the window's features after the values.</summary>
            public string[] PastCovariateColumns { get; set; } = Array.Empty<string>();

            /// <summary>Scalar numeric columns known in advance (e.g. calendar features); their values over the horizon form <see cref="FutureCovariatesColumnName"/>. Training mode only.</summary>
            public string[] FutureCovariateColumns { get; set; } = Array.Empty<string>();

            /// <summary>Columns (scalar or vector, e.g. scaling statistics) copied from the window's last row (the forecast origin) into the output.</summary>
            public string[] CarryColumns { get; set; } = Array.Empty<string>();

            /// <summary>Optional time column (numeric or DateTime): rows must be strictly increasing in it within a series; copied to the output at the origin.</summary>
            public string? TimeColumnName { get; set; }

            /// <summary>Optional expected spacing of <see cref="TimeColumnName"/>; a gap is then an error.</summary>
            public TimeStep? TimeStep { get; set; }

            /// <summary>Optional series key column (Text, key or integer) for several series; copied to the output.</summary>
            public string? SeriesColumnName { get; set; }

            /// <summary>Past window length L (&gt; 0).</summary>
            public int WindowLength { get; set; }

            /// <summary>Forecast horizon H (&gt; 0): the number of target steps after each window.</summary>
            public int Horizon { get; set; } = 1;

            /// <summary>Steps between consecutive window origins within a series (&gt; 0). Default 1.</summary>
            public int Stride { get; set; } = 1;

            /// <summary>Which windows to produce. Default <see cref="WindowMode.Training"/>.</summary>
            public WindowMode Mode { get; set; } = WindowMode.Training;

            /// <summary>Output column of the past window: Single vector of shape [L, values + past covariates].</summary>
            public string WindowColumnName { get; set; } = "Window";

            /// <summary>Output column of the target: Single vector of shape [H, values] (training mode).</summary>
            public string TargetColumnName { get; set; } = "Target";

            /// <summary>Output column of the future covariates: Single vector of shape [H, future covariates].</summary>
            public string FutureCovariatesColumnName { get; set; } = "FutureCovariates";

            /// <summary>With one value column and horizon 1: write the target as a Single scalar (for one-step regression and ML.NET's regression evaluator) instead of a 1x1 vector.</summary>
            public bool ScalarTarget { get; set; }

            /// <summary>When false (default) a series too short for one window is an error; when true it is skipped.</summary>
            public bool SkipShortSeries { get; set; }

            /// <summary>When false (default) a NaN or infinite value is an error; when true windows that touch one are skipped.</summary>
            public bool SkipWindowsWithMissingValues { get; set; }

            internal void Validate()
            {
                if (ValueColumns == null || ValueColumns.Length == 0 || ValueColumns.Any(string.IsNullOrWhiteSpace))
                    throw new ArgumentException($"Option {nameof(ValueColumns)} must name at least one numeric column, with no empty names.", nameof(ValueColumns));
                ColumnChecks.RequirePositive(WindowLength, nameof(WindowLength));
                ColumnChecks.RequirePositive(Horizon, nameof(Horizon));
                ColumnChecks.RequirePositive(Stride, nameof(Stride));
                ColumnChecks.RequireDefined(Mode, nameof(Mode));
                ColumnChecks.RequireNonEmpty(WindowColumnName, nameof(WindowColumnName));
                ColumnChecks.RequireNonEmpty(TargetColumnName, nameof(TargetColumnName));
                ColumnChecks.RequireNonEmpty(FutureCovariatesColumnName, nameof(FutureCovariatesColumnName));
                PastCovariateColumns ??= Array.Empty<string>();
                FutureCovariateColumns ??= Array.Empty<string>();
                CarryColumns ??= Array.Empty<string>();
                if (Mode == WindowMode.Latest && FutureCovariateColumns.Length > 0)
                    throw new ArgumentException($"Option {nameof(FutureCovariateColumns)} applies to training windows; in {nameof(WindowMode.Latest)} mode the horizon's covariates are given to the forecast itself.", nameof(FutureCovariateColumns));
                if (ScalarTarget && (Horizon != 1 || ValueColumns.Length != 1))
                    throw new ArgumentException($"Option {nameof(ScalarTarget)} needs Horizon = 1 and one value column; got Horizon = {Horizon} and {ValueColumns.Length} value columns.", nameof(ScalarTarget));
                if (TimeStep != null && string.IsNullOrEmpty(TimeColumnName))
                    throw new ArgumentException($"Option {nameof(TimeStep)} needs option {nameof(TimeColumnName)}.", nameof(TimeStep));
                var inputs = ValueColumns.Concat(PastCovariateColumns).Concat(FutureCovariateColumns).ToList();
                var dup = inputs.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
                if (dup != null)
                    throw new ArgumentException($"Column '{dup.Key}' is listed twice among {nameof(ValueColumns)}, {nameof(PastCovariateColumns)} and {nameof(FutureCovariateColumns)}.");
            }
        }

        private readonly Options _options;

        /// <summary>Creates the estimator; prefer <c>mlContext.Transforms.CreateWindows(...)</c>.</summary>
        /// <param name="options">The options; validated here.</param>
        public TimeSeriesWindowEstimator(Options options)
        {
            ArgumentNullException.ThrowIfNull(options);
            options.Validate();
            _options = options;
        }

        /// <inheritdoc />
        public SchemaShape GetOutputSchema(SchemaShape inputSchema)
        {
            ArgumentNullException.ThrowIfNull(inputSchema);
            var config = TimeSeriesWindowTransformer.ToConfig(_options);
            var cols = new List<SchemaShape.Column>();
            foreach (var (name, option) in config.Carried())
            {
                var info = ColumnChecks.Find(inputSchema, name, option, "a column");
                if (option != nameof(Options.CarryColumns))
                    TimeSeriesWindowTransformer.CheckScalar(info, option);
                inputSchema.TryFind(name, out var shape);
                cols.Add(shape);
            }
            foreach (var (name, option) in config.Numeric())
                TimeSeriesWindowTransformer.CheckNumeric(ColumnChecks.Find(inputSchema, name, option, TimeSeriesWindowTransformer.NumericExpected), option);
            if (config.TimeColumnName != null)
                TimeSeriesWindowTransformer.CheckTime(ColumnChecks.Find(inputSchema, config.TimeColumnName, nameof(Options.TimeColumnName), TimeSeriesWindowTransformer.TimeExpected), config);
            foreach (var (name, type) in config.OutputVectors())
                cols.Add(SchemaShapeFactory.FromType(name, type));
            return new SchemaShape(cols);
        }

        /// <summary>Checks the columns; windows hold no learned state.</summary>
        /// <param name="input">Training data.</param>
        /// <returns>The transformer.</returns>
        public TimeSeriesWindowTransformer Fit(IDataView input)
        {
            ArgumentNullException.ThrowIfNull(input);
            var t = new TimeSeriesWindowTransformer(TimeSeriesWindowTransformer.ToConfig(_options));
            t.GetOutputSchema(input.Schema);
            return t;
        }
    }

    /// <summary>The windowing transform; see <see cref="TimeSeriesWindowEstimator"/>. Not row-to-row: it changes the number of rows.</summary>
    public sealed class TimeSeriesWindowTransformer : ITransformer, ISequencePersistable
    {
        internal const string NumericExpected = "a scalar numeric column (Single, Double or an integer type)";
        internal const string TimeExpected = "a scalar numeric or DateTime column";

        internal sealed class Config
        {
            public string[] ValueColumns { get; set; } = Array.Empty<string>();
            public string[] PastCovariateColumns { get; set; } = Array.Empty<string>();
            public string[] FutureCovariateColumns { get; set; } = Array.Empty<string>();
            public string[] CarryColumns { get; set; } = Array.Empty<string>();
            public string? TimeColumnName { get; set; }
            public string? TimeStepKind { get; set; }
            public double TimeStepValue { get; set; }
            public string? SeriesColumnName { get; set; }
            public int WindowLength { get; set; }
            public int Horizon { get; set; }
            public int Stride { get; set; }
            public WindowMode Mode { get; set; }
            public string WindowColumnName { get; set; } = "Window";
            public string TargetColumnName { get; set; } = "Target";
            public string FutureCovariatesColumnName { get; set; } = "FutureCovariates";
            public bool SkipShortSeries { get; set; }
            public bool SkipWindowsWithMissingValues { get; set; }
            public bool ScalarTarget { get; set; }

            internal TimeStep? Step => TimeStepKind == null ? null : TimeStep.FromStored(TimeStepKind, TimeStepValue);

            /// <summary>Columns copied to the output: series, time, then carry columns (distinct, in that order).</summary>
            internal IEnumerable<(string Name, string Option)> Carried()
            {
                var seen = new HashSet<string>();
                if (SeriesColumnName != null && seen.Add(SeriesColumnName))
                    yield return (SeriesColumnName, nameof(TimeSeriesWindowEstimator.Options.SeriesColumnName));
                if (TimeColumnName != null && seen.Add(TimeColumnName))
                    yield return (TimeColumnName, nameof(TimeSeriesWindowEstimator.Options.TimeColumnName));
                foreach (var c in CarryColumns)
                    if (seen.Add(c))
                        yield return (c, nameof(TimeSeriesWindowEstimator.Options.CarryColumns));
            }

            internal IEnumerable<(string Name, string Option)> Numeric() =>
                ValueColumns.Select(c => (c, nameof(TimeSeriesWindowEstimator.Options.ValueColumns)))
                    .Concat(PastCovariateColumns.Select(c => (c, nameof(TimeSeriesWindowEstimator.Options.PastCovariateColumns))))
                    .Concat(FutureCovariateColumns.Select(c => (c, nameof(TimeSeriesWindowEstimator.Options.FutureCovariateColumns))));

            internal int Features => ValueColumns.Length + PastCovariateColumns.Length;

            internal IEnumerable<(string Name, DataViewType Type)> OutputVectors()
            {
                yield return (WindowColumnName, new VectorDataViewType(NumberDataViewType.Single, WindowLength, Features));
                if (Mode == WindowMode.Training)
                {
                    yield return (TargetColumnName, ScalarTarget ? NumberDataViewType.Single : new VectorDataViewType(NumberDataViewType.Single, Horizon, ValueColumns.Length));
                    if (FutureCovariateColumns.Length > 0)
                        yield return (FutureCovariatesColumnName, new VectorDataViewType(NumberDataViewType.Single, Horizon, FutureCovariateColumns.Length));
                }
            }
        }

        private readonly Config _config;

        internal TimeSeriesWindowTransformer(Config config) => _config = config;

        internal static Config ToConfig(TimeSeriesWindowEstimator.Options o) => new()
        {
            ValueColumns = o.ValueColumns.ToArray(),
            PastCovariateColumns = o.PastCovariateColumns.ToArray(),
            FutureCovariateColumns = o.FutureCovariateColumns.ToArray(),
            CarryColumns = o.CarryColumns.ToArray(),
            TimeColumnName = string.IsNullOrEmpty(o.TimeColumnName) ? null : o.TimeColumnName,
            TimeStepKind = o.TimeStep?.Kind,
            TimeStepValue = o.TimeStep?.Value ?? 0,
            SeriesColumnName = string.IsNullOrEmpty(o.SeriesColumnName) ? null : o.SeriesColumnName,
            WindowLength = o.WindowLength,
            Horizon = o.Horizon,
            Stride = o.Stride,
            Mode = o.Mode,
            WindowColumnName = o.WindowColumnName,
            TargetColumnName = o.TargetColumnName,
            FutureCovariatesColumnName = o.FutureCovariatesColumnName,
            SkipShortSeries = o.SkipShortSeries,
            SkipWindowsWithMissingValues = o.SkipWindowsWithMissingValues,
            ScalarTarget = o.ScalarTarget,
        };

        /// <summary>Past window length L.</summary>
        public int WindowLength => _config.WindowLength;

        /// <summary>Forecast horizon H.</summary>
        public int Horizon => _config.Horizon;

        /// <summary>Features per window step: the value columns, then the past covariates.</summary>
        public IReadOnlyList<string> WindowFeatures => _config.ValueColumns.Concat(_config.PastCovariateColumns).ToArray();

        /// <summary>The value (target) columns.</summary>
        public IReadOnlyList<string> ValueColumns => _config.ValueColumns;

        /// <summary>The mode this transformer windows in.</summary>
        public WindowMode Mode => _config.Mode;

        /// <summary>False: windows change the number of rows.</summary>
        public bool IsRowToRowMapper => false;

        /// <summary>The same windows in <see cref="WindowMode.Latest"/> mode: one window per series, its last L rows, for forecasting.</summary>
        /// <param name="input">Time-ordered rows.</param>
        /// <returns>One row per series.</returns>
        public IDataView TransformLatest(IDataView input) => Latest().Transform(input);

        private TimeSeriesWindowTransformer? _latest;

        /// <summary>
        /// This transformer in <see cref="WindowMode.Latest"/> mode (same columns, lengths, time step and checks; no
        /// target or future covariates): the one implementation of "the window at the forecast origin".
        /// </summary>
        internal TimeSeriesWindowTransformer Latest()
        {
            if (_config.Mode == WindowMode.Latest)
                return this;
            if (_latest != null)
                return _latest;
            var c = Clone();
            c.Mode = WindowMode.Latest;
            c.FutureCovariateColumns = Array.Empty<string>();
            return _latest = new TimeSeriesWindowTransformer(c);
        }

        private Config Clone() => TimeSeriesWindowsConfigV1.From(_config).ToConfig();

        /// <inheritdoc />
        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
        {
            ArgumentNullException.ThrowIfNull(inputSchema);
            return new Plan(_config, inputSchema).OutputSchema;
        }

        /// <summary>Not supported: windows change the number of rows, so they cannot map single rows.</summary>
        /// <param name="inputSchema">Unused.</param>
        /// <returns>Never returns.</returns>
        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
            throw new NotSupportedException("TimeSeriesWindowTransformer changes the number of rows, so it has no row-to-row mapper. Use TransformLatest to form the latest window of each series, or a forecast engine.");

        /// <summary>Windows the input lazily; cursors stream through it.</summary>
        /// <param name="input">Time-ordered rows, series contiguous.</param>
        /// <returns>The windows.</returns>
        public IDataView Transform(IDataView input)
        {
            ArgumentNullException.ThrowIfNull(input);
            return new WindowDataView(input, new Plan(_config, input.Schema));
        }

        void ICanSaveModel.Save(ModelSaveContext ctx) => throw SaveErrors.CannotSaveWithMlNet(nameof(TimeSeriesWindowTransformer));

        string ISequencePersistable.PartKind => "TimeSeriesWindows";
        int ISequencePersistable.PartVersion => 1;
        void ISequencePersistable.SavePart(ModelPartWriter writer) => writer.WriteJson("config.json", TimeSeriesWindowsConfigV1.From(_config));

        internal static TimeSeriesWindowTransformer Load(ModelPartReader reader)
        {
            reader.RequireVersion("TimeSeriesWindows", 1);
            return new TimeSeriesWindowTransformer(reader.ReadJson<TimeSeriesWindowsConfigV1>("config.json").ToConfig());
        }

        internal static void CheckNumeric(ColumnTypeInfo c, string option)
        {
            if (c.IsVector || !ColumnChecks.IsNumeric(c))
                throw ColumnChecks.WrongType(c, option, NumericExpected);
        }

        internal static void CheckScalar(ColumnTypeInfo c, string option)
        {
            if (c.IsVector)
                throw ColumnChecks.WrongType(c, option, "a scalar column");
        }

        internal static void CheckTime(ColumnTypeInfo c, Config config)
        {
            bool isDate = c.ItemType is DateTimeDataViewType;
            if (c.IsVector || !(isDate || ColumnChecks.IsNumeric(c)))
                throw ColumnChecks.WrongType(c, nameof(TimeSeriesWindowEstimator.Options.TimeColumnName), TimeExpected);
            var step = config.Step;
            if (step != null && step.RequiresDateTime != isDate)
                throw new ArgumentException(isDate
                    ? $"Time column '{c.Name}' is DateTime; option TimeStep must be TimeStep.Duration or TimeStep.Months, not numeric."
                    : $"Time column '{c.Name}' is numeric; option TimeStep must be TimeStep.Numeric.", nameof(TimeSeriesWindowEstimator.Options.TimeStep));
        }

        /// <summary>The output schema and column indices for one input schema.</summary>
        internal sealed class Plan
        {
            public Plan(Config config, DataViewSchema input)
            {
                Config = config;
                Input = input;
                var b = new DataViewSchema.Builder();
                var carried = new List<DataViewSchema.Column>();
                foreach (var (name, option) in config.Carried())
                {
                    var info = ColumnChecks.Find(input, name, option, "a column");
                    if (option != nameof(TimeSeriesWindowEstimator.Options.CarryColumns))
                        CheckScalar(info, option);
                    var col = input[name];
                    carried.Add(col);
                    b.AddColumn(col.Name, col.Type, col.Annotations);
                }
                Carried = carried.ToArray();
                Numeric = config.Numeric().Select(n =>
                {
                    CheckNumeric(ColumnChecks.Find(input, n.Name, n.Option, NumericExpected), n.Option);
                    return input[n.Name];
                }).ToArray();
                if (config.TimeColumnName != null)
                {
                    CheckTime(ColumnChecks.Find(input, config.TimeColumnName, nameof(TimeSeriesWindowEstimator.Options.TimeColumnName), TimeExpected), config);
                    Time = input[config.TimeColumnName];
                }
                if (config.SeriesColumnName != null)
                {
                    var info = ColumnTypeInfo.From(input[config.SeriesColumnName]);
                    if (!(info.IsText || info.IsKey || ColumnChecks.IsNumeric(info)) || info.IsVector)
                        throw ColumnChecks.WrongType(info, nameof(TimeSeriesWindowEstimator.Options.SeriesColumnName), "a scalar Text, key or integer column");
                    Series = input[config.SeriesColumnName];
                }
                foreach (var (name, type) in config.OutputVectors())
                {
                    var ann = new DataViewSchema.Annotations.Builder();
                    b.AddColumn(name, type, ann.ToAnnotations());
                }
                OutputSchema = b.ToSchema();
            }

            public Config Config { get; }
            public DataViewSchema Input { get; }
            public DataViewSchema OutputSchema { get; }
            public DataViewSchema.Column[] Carried { get; }
            public DataViewSchema.Column[] Numeric { get; }
            public DataViewSchema.Column? Time { get; }
            public DataViewSchema.Column? Series { get; }

            public IEnumerable<DataViewSchema.Column> InputColumns()
            {
                var set = new HashSet<int>();
                foreach (var c in Carried.Concat(Numeric))
                    set.Add(c.Index);
                if (Time is { } t) set.Add(t.Index);
                if (Series is { } s) set.Add(s.Index);
                return set.Select(i => Input[i]);
            }
        }
    }

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

    /// <summary>Reads any numeric scalar column as double.</summary>
    internal static class NumberReader
    {
        public static Func<double> Make(DataViewRow row, DataViewSchema.Column c)
        {
            var t = c.Type.RawType;
            if (t == typeof(float)) { var g = row.GetGetter<float>(c); float v = 0; return () => { g(ref v); return v; }; }
            if (t == typeof(double)) { var g = row.GetGetter<double>(c); double v = 0; return () => { g(ref v); return v; }; }
            if (t == typeof(int)) { var g = row.GetGetter<int>(c); int v = 0; return () => { g(ref v); return v; }; }
            if (t == typeof(long)) { var g = row.GetGetter<long>(c); long v = 0; return () => { g(ref v); return v; }; }
            if (t == typeof(short)) { var g = row.GetGetter<short>(c); short v = 0; return () => { g(ref v); return v; }; }
            if (t == typeof(sbyte)) { var g = row.GetGetter<sbyte>(c); sbyte v = 0; return () => { g(ref v); return v; }; }
            if (t == typeof(uint)) { var g = row.GetGetter<uint>(c); uint v = 0; return () => { g(ref v); return v; }; }
            if (t == typeof(ulong)) { var g = row.GetGetter<ulong>(c); ulong v = 0; return () => { g(ref v); return v; }; }
            if (t == typeof(ushort)) { var g = row.GetGetter<ushort>(c); ushort v = 0; return () => { g(ref v); return v; }; }
            if (t == typeof(byte)) { var g = row.GetGetter<byte>(c); byte v = 0; return () => { g(ref v); return v; }; }
            throw new ArgumentOutOfRangeException(c.Name, $"Column '{c.Name}' has type {c.Type}; expected a numeric type.");
        }
    }

    /// <summary>A carried column: captures values into a ring slot, then serves the emitted window's origin value.</summary>
    internal interface ICarrySlot
    {
        void Resize(int span);
        void Capture(int slot);
        void Select(int slot);
        ValueGetter<T> Getter<T>(DataViewRowCursor cursor, string name);
    }

    internal static class CarrySlots
    {
        public static ICarrySlot Make(DataViewRow row, DataViewSchema.Column c)
        {
            var t = c.Type.RawType;
            if (t == typeof(ReadOnlyMemory<char>))
                return new CarrySlot<ReadOnlyMemory<char>>(row.GetGetter<ReadOnlyMemory<char>>(c), CopyText);
            var flags = System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static;
            var make = c.Type is VectorDataViewType v
                ? typeof(CarrySlots).GetMethod(nameof(MakeVector), flags)!.MakeGenericMethod(v.ItemType.RawType)
                : typeof(CarrySlots).GetMethod(nameof(MakeTyped), flags)!.MakeGenericMethod(t);
            return (ICarrySlot)make.Invoke(null, new object[] { row, c })!;
        }

        /// <summary>Text is copied: the input cursor may reuse its characters' memory for the next row.</summary>
        private static void CopyText(ref ReadOnlyMemory<char> src, ref ReadOnlyMemory<char> dst)
        {
            if (!src.Span.SequenceEqual(dst.Span))
                dst = src.ToString().AsMemory();
        }

        private static ICarrySlot MakeTyped<T>(DataViewRow row, DataViewSchema.Column c) =>
            new CarrySlot<T>(row.GetGetter<T>(c), (ref T src, ref T dst) => dst = src);

        /// <summary>Vectors are copied into the slot's own buffer, reused from row to row.</summary>
        private static ICarrySlot MakeVector<T>(DataViewRow row, DataViewSchema.Column c) =>
            new CarrySlot<VBuffer<T>>(row.GetGetter<VBuffer<T>>(c), (ref VBuffer<T> src, ref VBuffer<T> dst) => src.CopyTo(ref dst));
    }

    internal delegate void CopyInto<T>(ref T src, ref T dst);

    internal sealed class CarrySlot<T> : ICarrySlot
    {
        private readonly ValueGetter<T> _getter;
        private readonly CopyInto<T> _copy;
        private T[] _ring = Array.Empty<T>();
        private T _read = default!;
        private int _current;

        public CarrySlot(ValueGetter<T> getter, CopyInto<T> copy)
        {
            _getter = getter;
            _copy = copy;
        }

        public void Resize(int span) => _ring = new T[span];

        public void Capture(int slot)
        {
            _getter(ref _read);
            _copy(ref _read, ref _ring[slot]);
        }

        public void Select(int slot) => _current = slot;

        public ValueGetter<TValue> Getter<TValue>(DataViewRowCursor cursor, string name)
        {
            ValueGetter<T> g = (ref T dst) => _copy(ref _ring[_current], ref dst);
            return g as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{name}' holds {typeof(T).Name}; a getter of {typeof(TValue).Name} was asked for.");
        }
    }
}
