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
}
