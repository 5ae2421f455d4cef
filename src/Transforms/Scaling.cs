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
    /// <summary>How a scaler computes location and scale; every method is inverted by x = scaled * scale + location.</summary>
    public enum ScalingMethod
    {
        /// <summary>Location the mean, scale the standard deviation (population).</summary>
        Standard,
        /// <summary>Location 0, scale the mean absolute value (DeepAR-style; keeps zero at zero).</summary>
        MeanAbsolute,
        /// <summary>Location the minimum, scale the range.</summary>
        MinMax,
    }

    /// <summary>What a fitted per-series scaler does with a series it did not see at Fit.</summary>
    public enum UnknownSeriesHandling
    {
        /// <summary>Throw an exception naming the series (default).</summary>
        Error,
        /// <summary>Use the statistics of all training rows together.</summary>
        UseGlobal,
    }

    /// <summary>Location and scale statistics.</summary>
    internal static class ScaleStats
    {
        /// <summary>A scale this small (relative to the location) is treated as 1: a constant series stays finite.</summary>
        public const double Floor = 1e-8;

        public static (float Location, float Scale) Compute(ScalingMethod method, ReadOnlySpan<float> values, int stride, int offset, int count)
        {
            var acc = new Accumulator();
            for (int i = 0; i < count; i++)
                acc.Add(values[offset + i * stride]);
            return acc.Result(method);
        }

        /// <summary>Streaming sums for the statistics; NaN values are ignored.</summary>
        internal struct Accumulator
        {
            public long N;
            public double Sum, SumSq, SumAbs, Min, Max;

            public void Add(double v)
            {
                if (!double.IsFinite(v)) return;
                if (N == 0) { Min = v; Max = v; }
                N++;
                Sum += v; SumSq += v * v; SumAbs += Math.Abs(v);
                if (v < Min) Min = v;
                if (v > Max) Max = v;
            }

            public (float Location, float Scale) Result(ScalingMethod method)
            {
                if (N == 0) return (0f, 1f);
                double loc, scale;
                switch (method)
                {
                    case ScalingMethod.Standard:
                        loc = Sum / N;
                        scale = Math.Sqrt(Math.Max(0, SumSq / N - loc * loc));
                        break;
                    case ScalingMethod.MeanAbsolute:
                        loc = 0;
                        scale = SumAbs / N;
                        break;
                    default:
                        loc = Min;
                        scale = Max - Min;
                        break;
                }
                if (!(scale > Floor * Math.Max(1, Math.Abs(loc))))
                    scale = 1;
                return ((float)loc, (float)scale);
            }
        }
    }

    /// <summary>
    /// Scales each window by its own statistics (per feature, over the window's steps) and scales the target with the
    /// statistics of the matching value features, so a model sees every window at one scale. Writes the location
    /// and scale as columns; <see cref="InverseScalingEstimator"/> maps forecasts back to original units.
    /// </summary>
    public sealed class WindowScalingEstimator : IEstimator<WindowScalingTransformer>
    {
        /// <summary>Options of <see cref="WindowScalingEstimator"/>.</summary>
        public sealed class Options
        {
            /// <summary>The window column: Single vector of shape [L, F] (as windows produce).</summary>
            public string WindowColumnName { get; set; } = "Window";

            /// <summary>Optional target column, Single vector of shape [H, V] with V ≤ F: scaled with the first V features' statistics.</summary>
            public string? TargetColumnName { get; set; } = "Target";

            /// <summary>The scaling method. Default <see cref="ScalingMethod.Standard"/>.</summary>
            public ScalingMethod Method { get; set; } = ScalingMethod.Standard;

            /// <summary>Output column of the per-feature locations (Single vector of size F).</summary>
            public string LocationColumnName { get; set; } = "ScaleLocation";

            /// <summary>Output column of the per-feature scales (Single vector of size F).</summary>
            public string ScaleColumnName { get; set; } = "ScaleFactor";

            internal void Validate()
            {
                ColumnChecks.RequireNonEmpty(WindowColumnName, nameof(WindowColumnName));
                ColumnChecks.RequireNonEmpty(LocationColumnName, nameof(LocationColumnName));
                ColumnChecks.RequireNonEmpty(ScaleColumnName, nameof(ScaleColumnName));
                ColumnChecks.RequireDefined(Method, nameof(Method));
                if (LocationColumnName == ScaleColumnName)
                    throw new ArgumentException($"Options {nameof(LocationColumnName)} and {nameof(ScaleColumnName)} must differ; both were '{ScaleColumnName}'.");
            }
        }

        private readonly Options _options;

        /// <summary>Creates the estimator; prefer <c>mlContext.Transforms.ScaleWindows(...)</c>.</summary>
        /// <param name="options">The options; validated here.</param>
        public WindowScalingEstimator(Options options)
        {
            ArgumentNullException.ThrowIfNull(options);
            options.Validate();
            _options = options;
        }

        private WindowScalingTransformer.Config ToConfig() => new()
        {
            WindowColumnName = _options.WindowColumnName,
            TargetColumnName = string.IsNullOrEmpty(_options.TargetColumnName) ? null : _options.TargetColumnName,
            Method = _options.Method,
            LocationColumnName = _options.LocationColumnName,
            ScaleColumnName = _options.ScaleColumnName,
        };

        /// <inheritdoc />
        public SchemaShape GetOutputSchema(SchemaShape inputSchema)
        {
            ArgumentNullException.ThrowIfNull(inputSchema);
            var c = ToConfig();
            var window = ColumnChecks.Find(inputSchema, c.WindowColumnName, nameof(Options.WindowColumnName), WindowScalingTransformer.Expected);
            if (!window.IsVector || window.RawType != typeof(float) || window.IsKey)
                throw ColumnChecks.WrongType(window, nameof(Options.WindowColumnName), WindowScalingTransformer.Expected);
            var added = new List<SchemaShape.Column>
            {
                SchemaShapeFactory.Column(c.WindowColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single),
                SchemaShapeFactory.Column(c.LocationColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single),
                SchemaShapeFactory.Column(c.ScaleColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single),
            };
            if (c.TargetColumnName != null && inputSchema.TryFind(c.TargetColumnName, out _))
                added.Add(SchemaShapeFactory.Column(c.TargetColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single));
            return SchemaShapeFactory.With(inputSchema, added);
        }

        /// <summary>Checks the columns; window scaling learns nothing.</summary>
        /// <param name="input">Data with windows.</param>
        /// <returns>The transformer.</returns>
        public WindowScalingTransformer Fit(IDataView input)
        {
            ArgumentNullException.ThrowIfNull(input);
            var t = new WindowScalingTransformer(ToConfig());
            t.GetOutputSchema(input.Schema);
            return t;
        }
    }

    /// <summary>The per-window scaler; see <see cref="WindowScalingEstimator"/>.</summary>
    public sealed class WindowScalingTransformer : SequenceTransformerBase, ISequencePersistable
    {
        internal const string Expected = "a Single vector of shape [steps, features] (e.g. the Window column of CreateWindows)";

        internal sealed class Config
        {
            public string WindowColumnName { get; set; } = "";
            public string? TargetColumnName { get; set; }
            public ScalingMethod Method { get; set; }
            public string LocationColumnName { get; set; } = "";
            public string ScaleColumnName { get; set; } = "";
        }

        private readonly Config _config;

        internal WindowScalingTransformer(Config config) => _config = config;

        /// <summary>The scaling method.</summary>
        public ScalingMethod Method => _config.Method;

        string ISequencePersistable.PartKind => "WindowScaling";
        int ISequencePersistable.PartVersion => 1;
        void ISequencePersistable.SavePart(ModelPartWriter writer) => writer.WriteJson("config.json", WindowScalingConfigV1.From(_config));

        internal static WindowScalingTransformer Load(ModelPartReader reader)
        {
            reader.RequireVersion("WindowScaling", 1);
            return new WindowScalingTransformer(reader.ReadJson<WindowScalingConfigV1>("config.json").ToConfig());
        }

        private protected override ColumnBinding Bind(DataViewSchema inputSchema) => new Binding(this, inputSchema);

        /// <summary>Reads [steps, features] from a vector type's dimensions.</summary>
        internal static (int Steps, int Features) Shape(DataViewSchema.Column c, string option)
        {
            var info = ColumnTypeInfo.From(c);
            if (c.Type is not VectorDataViewType v || !v.IsKnownSize || v.ItemType != NumberDataViewType.Single)
                throw ColumnChecks.WrongType(info, option, Expected);
            if (v.Dimensions.Length == 2)
                return (v.Dimensions[0], v.Dimensions[1]);
            if (v.Dimensions.Length == 1)
                return (v.Size, 1);
            throw ColumnChecks.WrongType(info, option, Expected + $"; it has {v.Dimensions.Length} dimensions");
        }

        private sealed class Binding : ColumnBinding
        {
            private readonly Config _c;
            private readonly int _window, _target = -1;
            private readonly int _L, _F, _H, _V;
            private readonly List<AddedColumn> _added = new();

            public Binding(WindowScalingTransformer p, DataViewSchema schema) : base(schema)
            {
                _c = p._config;
                ColumnChecks.Find(schema, _c.WindowColumnName, nameof(WindowScalingEstimator.Options.WindowColumnName), Expected);
                var w = schema[_c.WindowColumnName];
                (_L, _F) = Shape(w, nameof(WindowScalingEstimator.Options.WindowColumnName));
                _window = w.Index;
                _added.Add(new AddedColumn(_c.WindowColumnName, w.Type));
                _added.Add(new AddedColumn(_c.LocationColumnName, new VectorDataViewType(NumberDataViewType.Single, _F)));
                _added.Add(new AddedColumn(_c.ScaleColumnName, new VectorDataViewType(NumberDataViewType.Single, _F)));
                if (_c.TargetColumnName != null && schema.GetColumnOrNull(_c.TargetColumnName) is { } t)
                {
                    (_H, _V) = Shape(t, nameof(WindowScalingEstimator.Options.TargetColumnName));
                    if (_V > _F)
                        throw new ArgumentOutOfRangeException(nameof(WindowScalingEstimator.Options.TargetColumnName),
                            $"Target column '{t.Name}' has {_V} features per step but window column '{w.Name}' has only {_F}; the target's features must be the window's first features.");
                    _target = t.Index;
                    _added.Add(new AddedColumn(_c.TargetColumnName, t.Type));
                }
            }

            public override IReadOnlyList<AddedColumn> Added => _added;

            public override IEnumerable<int> Dependencies(int added) => added == 3 ? new[] { _window, _target } : new[] { _window };

            public override Delegate?[] MakeGetters(DataViewRow input, Func<int, bool> isAddedActive)
            {
                var result = new Delegate?[_added.Count];
                if (!Enumerable.Range(0, _added.Count).Any(isAddedActive))
                    return result;
                var gw = input.GetGetter<VBuffer<float>>(input.Schema[_window]);
                ValueGetter<VBuffer<float>>? gt = _target >= 0 && isAddedActive(3) ? input.GetGetter<VBuffer<float>>(input.Schema[_target]) : null;
                VBuffer<float> wbuf = default, tbuf = default;
                float[] ws = Array.Empty<float>(), ts = Array.Empty<float>();
                var loc = new float[_F];
                var scale = new float[_F];
                var scaled = new float[_L * _F];
                long pos = -1;
                void Ensure()
                {
                    if (pos == input.Position && pos >= 0) return;
                    gw(ref wbuf);
                    var x = Buffers.Dense(wbuf, ref ws);
                    for (int f = 0; f < _F; f++)
                    {
                        (loc[f], scale[f]) = ScaleStats.Compute(_c.Method, x, _F, f, _L);
                        for (int i = 0; i < _L; i++)
                            scaled[i * _F + f] = (x[i * _F + f] - loc[f]) / scale[f];
                    }
                    pos = input.Position;
                }
                if (isAddedActive(0)) result[0] = (ValueGetter<VBuffer<float>>)((ref VBuffer<float> d) => { Ensure(); Buffers.Write(ref d, scaled); });
                if (isAddedActive(1)) result[1] = (ValueGetter<VBuffer<float>>)((ref VBuffer<float> d) => { Ensure(); Buffers.Write(ref d, loc); });
                if (isAddedActive(2)) result[2] = (ValueGetter<VBuffer<float>>)((ref VBuffer<float> d) => { Ensure(); Buffers.Write(ref d, scale); });
                if (gt != null)
                {
                    var outT = new float[_H * _V];
                    result[3] = (ValueGetter<VBuffer<float>>)((ref VBuffer<float> d) =>
                    {
                        Ensure();
                        gt(ref tbuf);
                        var y = Buffers.Dense(tbuf, ref ts);
                        for (int i = 0; i < _H * _V; i++)
                        {
                            int v = i % _V;
                            outT[i] = (y[i] - loc[v]) / scale[v];
                        }
                        Buffers.Write(ref d, outT);
                    });
                }
                return result;
            }
        }
    }

    /// <summary>
    /// Learns location and scale per series (per value column) at Fit and scales those columns with them; writes the
    /// statistics of each row's series as columns so <see cref="InverseScalingEstimator"/> can map forecasts back.
    /// The statistics are stored with the model.
    /// </summary>
    public sealed class SeriesScalingEstimator : IEstimator<SeriesScalingTransformer>
    {
        /// <summary>Options of <see cref="SeriesScalingEstimator"/>.</summary>
        public sealed class Options
        {
            /// <summary>Scalar numeric columns to scale in place (the output replaces each with a Single column of the same name).</summary>
            public string[] Columns { get; set; } = Array.Empty<string>();

            /// <summary>Optional series key column (Text, key or integer); without it all rows form one series.</summary>
            public string? SeriesColumnName { get; set; }

            /// <summary>The scaling method. Default <see cref="ScalingMethod.Standard"/>.</summary>
            public ScalingMethod Method { get; set; } = ScalingMethod.Standard;

            /// <summary>Output column of the row's series locations (Single vector, one per column).</summary>
            public string LocationColumnName { get; set; } = "SeriesLocation";

            /// <summary>Output column of the row's series scales (Single vector, one per column).</summary>
            public string ScaleColumnName { get; set; } = "SeriesScale";

            /// <summary>What to do with a series unseen at Fit. Default <see cref="UnknownSeriesHandling.Error"/>.</summary>
            public UnknownSeriesHandling UnknownSeries { get; set; } = UnknownSeriesHandling.Error;

            internal void Validate()
            {
                if (Columns == null || Columns.Length == 0 || Columns.Any(string.IsNullOrWhiteSpace))
                    throw new ArgumentException($"Option {nameof(Columns)} must name at least one numeric column, with no empty names.", nameof(Columns));
                if (Columns.Distinct().Count() != Columns.Length)
                    throw new ArgumentException($"Option {nameof(Columns)} lists a column twice.", nameof(Columns));
                ColumnChecks.RequireDefined(Method, nameof(Method));
                ColumnChecks.RequireDefined(UnknownSeries, nameof(UnknownSeries));
                ColumnChecks.RequireNonEmpty(LocationColumnName, nameof(LocationColumnName));
                ColumnChecks.RequireNonEmpty(ScaleColumnName, nameof(ScaleColumnName));
            }
        }

        private readonly Options _options;

        /// <summary>Creates the estimator; prefer <c>mlContext.Transforms.ScaleSeries(...)</c>.</summary>
        /// <param name="options">The options; validated here.</param>
        public SeriesScalingEstimator(Options options)
        {
            ArgumentNullException.ThrowIfNull(options);
            options.Validate();
            _options = options;
        }

        /// <inheritdoc />
        public SchemaShape GetOutputSchema(SchemaShape inputSchema)
        {
            ArgumentNullException.ThrowIfNull(inputSchema);
            var added = new List<SchemaShape.Column>();
            foreach (var c in _options.Columns)
            {
                var info = ColumnChecks.Find(inputSchema, c, nameof(Options.Columns), TimeSeriesWindowTransformer.NumericExpected);
                TimeSeriesWindowTransformer.CheckNumeric(info, nameof(Options.Columns));
                added.Add(SchemaShapeFactory.Column(c, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single));
            }
            if (!string.IsNullOrEmpty(_options.SeriesColumnName))
                ColumnChecks.Find(inputSchema, _options.SeriesColumnName!, nameof(Options.SeriesColumnName), "a scalar Text, key or integer column");
            added.Add(SchemaShapeFactory.Column(_options.LocationColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single));
            added.Add(SchemaShapeFactory.Column(_options.ScaleColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single));
            return SchemaShapeFactory.With(inputSchema, added);
        }

        /// <summary>Learns each series' statistics in one pass over the data.</summary>
        /// <param name="input">Training data.</param>
        /// <returns>The fitted transformer.</returns>
        public SeriesScalingTransformer Fit(IDataView input)
        {
            ArgumentNullException.ThrowIfNull(input);
            var config = new SeriesScalingTransformer.Config
            {
                Columns = _options.Columns.ToArray(),
                SeriesColumnName = string.IsNullOrEmpty(_options.SeriesColumnName) ? null : _options.SeriesColumnName,
                Method = _options.Method,
                LocationColumnName = _options.LocationColumnName,
                ScaleColumnName = _options.ScaleColumnName,
                UnknownSeries = _options.UnknownSeries,
            };
            var probe = new SeriesScalingTransformer(config, new Dictionary<string, float[]>(), new float[0]);
            probe.GetOutputSchema(input.Schema);
            int n = config.Columns.Length;
            var perSeries = new Dictionary<string, ScaleStats.Accumulator[]>(StringComparer.Ordinal);
            var global = new ScaleStats.Accumulator[n];
            var cols = config.Columns.Select(c => input.Schema[c]).ToList();
            var needed = new List<DataViewSchema.Column>(cols);
            if (config.SeriesColumnName != null) needed.Add(input.Schema[config.SeriesColumnName]);
            using (var cursor = input.GetRowCursor(needed))
            {
                var readers = cols.Select(c => NumberReader.Make(cursor, c)).ToArray();
                Func<string>? series = config.SeriesColumnName != null ? new SeriesKeyReader(cursor, input.Schema[config.SeriesColumnName]).Name : null;
                string? lastName = null;
                ScaleStats.Accumulator[]? acc = null;
                while (cursor.MoveNext())
                {
                    if (series != null)
                    {
                        var name = series();
                        if (name != lastName)
                        {
                            if (!perSeries.TryGetValue(name, out acc))
                                perSeries[name] = acc = new ScaleStats.Accumulator[n];
                            lastName = name;
                        }
                    }
                    for (int j = 0; j < n; j++)
                    {
                        double v = readers[j]();
                        global[j].Add(v);
                        if (acc != null) acc[j].Add(v);
                    }
                }
            }
            if (global.All(a => a.N == 0))
                throw new InvalidOperationException($"Cannot learn scaling statistics: columns {string.Join(", ", config.Columns)} have no finite values in the training data.");
            var stats = perSeries.ToDictionary(kv => kv.Key, kv => Flatten(kv.Value, config.Method), StringComparer.Ordinal);
            return new SeriesScalingTransformer(config, stats, Flatten(global, config.Method));
        }

        private static float[] Flatten(ScaleStats.Accumulator[] acc, ScalingMethod method)
        {
            var r = new float[acc.Length * 2];
            for (int j = 0; j < acc.Length; j++)
                (r[j], r[acc.Length + j]) = acc[j].Result(method);
            return r;
        }
    }

    /// <summary>The fitted per-series scaler; see <see cref="SeriesScalingEstimator"/>.</summary>
    public sealed class SeriesScalingTransformer : SequenceTransformerBase, ISequencePersistable
    {
        internal sealed class Config
        {
            public string[] Columns { get; set; } = Array.Empty<string>();
            public string? SeriesColumnName { get; set; }
            public ScalingMethod Method { get; set; }
            public string LocationColumnName { get; set; } = "";
            public string ScaleColumnName { get; set; } = "";
            public UnknownSeriesHandling UnknownSeries { get; set; }
        }

        private readonly Config _config;
        private readonly Dictionary<string, float[]> _stats;
        private readonly float[] _global;

        internal SeriesScalingTransformer(Config config, Dictionary<string, float[]> stats, float[] global)
        {
            _config = config;
            _stats = stats;
            _global = global;
        }

        /// <summary>The series seen at Fit.</summary>
        public IReadOnlyCollection<string> Series => _stats.Keys;

        /// <summary>The location and scale of <paramref name="column"/> in <paramref name="series"/> (null: the global statistics).</summary>
        /// <param name="series">The series key as text (numbers in invariant culture), or null for the global statistics.</param>
        /// <param name="column">One of the scaled columns.</param>
        /// <returns>Location and scale; original = scaled * scale + location.</returns>
        public (float Location, float Scale) GetStatistics(string? series, string column)
        {
            int j = Array.IndexOf(_config.Columns, column);
            if (j < 0)
                throw new ArgumentException($"Column '{column}' is not scaled by this transformer; it scales {string.Join(", ", _config.Columns)}.", nameof(column));
            var s = series == null ? _global : Lookup(series);
            return (s[j], s[_config.Columns.Length + j]);
        }

        private float[] Lookup(string series)
        {
            if (_stats.TryGetValue(series, out var s))
                return s;
            if (_config.UnknownSeries == UnknownSeriesHandling.UseGlobal || _config.SeriesColumnName == null)
                return _global;
            throw new InvalidOperationException(
                $"Series '{series}' (column '{_config.SeriesColumnName}') was not seen when the scaler was fitted, so it has no statistics. Refit with it, or set option UnknownSeries = UseGlobal.");
        }

        string ISequencePersistable.PartKind => "SeriesScaling";
        int ISequencePersistable.PartVersion => 1;

        void ISequencePersistable.SavePart(ModelPartWriter writer)
        {
            writer.WriteJson("config.json", SeriesScalingConfigV1.From(_config));
            writer.WriteJson("statistics.json", new SeriesStatisticsV1 { Series = _stats, Global = _global });
        }

        internal static SeriesScalingTransformer Load(ModelPartReader reader)
        {
            reader.RequireVersion("SeriesScaling", 1);
            var c = reader.ReadJson<SeriesScalingConfigV1>("config.json").ToConfig();
            var (series, global) = reader.ReadJson<SeriesStatisticsV1>("statistics.json").ToStatistics(c.Columns.Length);
            return new SeriesScalingTransformer(c, series, global);
        }

        private protected override ColumnBinding Bind(DataViewSchema inputSchema) => new Binding(this, inputSchema);

        private sealed class Binding : ColumnBinding
        {
            private readonly SeriesScalingTransformer _p;
            private readonly int[] _inputs;
            private readonly int _series = -1;
            private readonly List<AddedColumn> _added = new();

            public Binding(SeriesScalingTransformer p, DataViewSchema schema) : base(schema)
            {
                _p = p;
                var c = p._config;
                _inputs = c.Columns.Select(name =>
                {
                    var info = ColumnChecks.Find(schema, name, nameof(SeriesScalingEstimator.Options.Columns), TimeSeriesWindowTransformer.NumericExpected);
                    TimeSeriesWindowTransformer.CheckNumeric(info, nameof(SeriesScalingEstimator.Options.Columns));
                    return schema[name].Index;
                }).ToArray();
                if (c.SeriesColumnName != null)
                {
                    var info = ColumnChecks.Find(schema, c.SeriesColumnName, nameof(SeriesScalingEstimator.Options.SeriesColumnName), "a scalar Text, key or integer column");
                    if (info.IsVector || !(info.IsText || info.IsKey || ColumnChecks.IsNumeric(info)))
                        throw ColumnChecks.WrongType(info, nameof(SeriesScalingEstimator.Options.SeriesColumnName), "a scalar Text, key or integer column");
                    _series = schema[c.SeriesColumnName].Index;
                }
                foreach (var name in c.Columns)
                    _added.Add(new AddedColumn(name, NumberDataViewType.Single));
                _added.Add(new AddedColumn(c.LocationColumnName, new VectorDataViewType(NumberDataViewType.Single, c.Columns.Length)));
                _added.Add(new AddedColumn(c.ScaleColumnName, new VectorDataViewType(NumberDataViewType.Single, c.Columns.Length)));
            }

            public override IReadOnlyList<AddedColumn> Added => _added;

            public override IEnumerable<int> Dependencies(int added)
            {
                var deps = new List<int>();
                if (added < _inputs.Length) deps.Add(_inputs[added]);
                if (_series >= 0) deps.Add(_series);
                return deps;
            }

            public override Delegate?[] MakeGetters(DataViewRow input, Func<int, bool> isAddedActive)
            {
                int n = _inputs.Length;
                var result = new Delegate?[_added.Count];
                if (!Enumerable.Range(0, _added.Count).Any(isAddedActive))
                    return result;
                Func<string>? series = _series >= 0 ? new SeriesKeyReader(input, input.Schema[_series]).Name : null;
                float[] stats = _p._global;
                long pos = -1;
                float[] Stats()
                {
                    if (series != null && (pos != input.Position || pos < 0))
                    {
                        stats = _p.Lookup(series());
                        pos = input.Position;
                    }
                    return stats;
                }
                for (int j = 0; j < n; j++)
                {
                    if (!isAddedActive(j)) continue;
                    int col = j;
                    var read = NumberReader.Make(input, input.Schema[_inputs[j]]);
                    result[j] = (ValueGetter<float>)((ref float d) =>
                    {
                        var s = Stats();
                        d = (float)((read() - s[col]) / s[n + col]);
                    });
                }
                if (isAddedActive(n)) result[n] = (ValueGetter<VBuffer<float>>)((ref VBuffer<float> d) => Buffers.Write(ref d, Stats().AsSpan(0, n)));
                if (isAddedActive(n + 1)) result[n + 1] = (ValueGetter<VBuffer<float>>)((ref VBuffer<float> d) => Buffers.Write(ref d, Stats().AsSpan(n, n)));
                return result;
            }
        }
    }

    /// <summary>
    /// Maps scaled values (e.g. a forecast) back to original units: x = scaled * scale[v] + location[v], where v is the
    /// value feature of each element. A scalar or 1-D input uses feature 0; an input of shape [H, V] uses its second
    /// index; [H, V, Q] (quantiles) its second index too.
    /// </summary>
    public sealed class InverseScalingEstimator : IEstimator<InverseScalingTransformer>
    {
        private readonly InverseScalingTransformer.Config _config;

        /// <summary>Creates the estimator; prefer <c>mlContext.Transforms.InverseScale(...)</c>.</summary>
        /// <param name="outputColumnName">The output column (Single, same shape as the input).</param>
        /// <param name="inputColumnName">The scaled Single scalar or vector column.</param>
        /// <param name="locationColumnName">The locations column written by a scaler.</param>
        /// <param name="scaleColumnName">The scales column written by a scaler.</param>
        public InverseScalingEstimator(string outputColumnName, string inputColumnName, string locationColumnName, string scaleColumnName)
        {
            ColumnChecks.RequireNonEmpty(outputColumnName, nameof(outputColumnName));
            ColumnChecks.RequireNonEmpty(inputColumnName, nameof(inputColumnName));
            ColumnChecks.RequireNonEmpty(locationColumnName, nameof(locationColumnName));
            ColumnChecks.RequireNonEmpty(scaleColumnName, nameof(scaleColumnName));
            _config = new InverseScalingTransformer.Config
            {
                OutputColumnName = outputColumnName,
                InputColumnName = inputColumnName,
                LocationColumnName = locationColumnName,
                ScaleColumnName = scaleColumnName,
            };
        }

        /// <inheritdoc />
        public SchemaShape GetOutputSchema(SchemaShape inputSchema)
        {
            ArgumentNullException.ThrowIfNull(inputSchema);
            var info = ColumnChecks.Find(inputSchema, _config.InputColumnName, "inputColumnName", "Single or a Single vector");
            if (info.RawType != typeof(float) || info.IsKey)
                throw ColumnChecks.WrongType(info, "inputColumnName", "Single or a Single vector");
            ColumnChecks.Find(inputSchema, _config.LocationColumnName, "locationColumnName", "a Single vector");
            ColumnChecks.Find(inputSchema, _config.ScaleColumnName, "scaleColumnName", "a Single vector");
            inputSchema.TryFind(_config.InputColumnName, out var shape);
            return SchemaShapeFactory.With(inputSchema, new[] { SchemaShapeFactory.Column(_config.OutputColumnName, shape.Kind, NumberDataViewType.Single) });
        }

        /// <summary>Checks the columns; nothing is learned.</summary>
        /// <param name="input">Data.</param>
        /// <returns>The transformer.</returns>
        public InverseScalingTransformer Fit(IDataView input)
        {
            ArgumentNullException.ThrowIfNull(input);
            var t = new InverseScalingTransformer(_config);
            t.GetOutputSchema(input.Schema);
            return t;
        }
    }

    /// <summary>Maps scaled values back to original units; see <see cref="InverseScalingEstimator"/>.</summary>
    public sealed class InverseScalingTransformer : SequenceTransformerBase, ISequencePersistable
    {
        internal sealed class Config
        {
            public string OutputColumnName { get; set; } = "";
            public string InputColumnName { get; set; } = "";
            public string LocationColumnName { get; set; } = "";
            public string ScaleColumnName { get; set; } = "";
        }

        private readonly Config _config;

        internal InverseScalingTransformer(Config config) => _config = config;

        string ISequencePersistable.PartKind => "InverseScaling";
        int ISequencePersistable.PartVersion => 1;
        void ISequencePersistable.SavePart(ModelPartWriter writer) => writer.WriteJson("config.json", InverseScalingConfigV1.From(_config));

        internal static InverseScalingTransformer Load(ModelPartReader reader)
        {
            reader.RequireVersion("InverseScaling", 1);
            return new InverseScalingTransformer(reader.ReadJson<InverseScalingConfigV1>("config.json").ToConfig());
        }

        private protected override ColumnBinding Bind(DataViewSchema inputSchema) => new Binding(this, inputSchema);

        private sealed class Binding : ColumnBinding
        {
            private readonly int _input, _loc, _scale;
            private readonly bool _vector;
            private readonly int _inner, _values;
            private readonly AddedColumn[] _added;

            public Binding(InverseScalingTransformer p, DataViewSchema schema) : base(schema)
            {
                var c = p._config;
                var info = ColumnChecks.Find(schema, c.InputColumnName, "inputColumnName", "Single or a Single vector");
                if (info.RawType != typeof(float) || info.IsKey)
                    throw ColumnChecks.WrongType(info, "inputColumnName", "Single or a Single vector");
                foreach (var (name, opt) in new[] { (c.LocationColumnName, "locationColumnName"), (c.ScaleColumnName, "scaleColumnName") })
                {
                    var i = ColumnChecks.Find(schema, name, opt, "a Single vector of known size");
                    if (i.Form != ColumnForm.Vector || i.RawType != typeof(float))
                        throw ColumnChecks.WrongType(i, opt, "a Single vector of known size");
                }
                var col = schema[c.InputColumnName];
                _input = col.Index;
                _loc = schema[c.LocationColumnName].Index;
                _scale = schema[c.ScaleColumnName].Index;
                _vector = col.Type is VectorDataViewType;
                int stats = ((VectorDataViewType)schema[_loc].Type).Size;
                _values = 1;
                _inner = 1;
                if (col.Type is VectorDataViewType v && v.Dimensions.Length >= 2)
                {
                    _values = v.Dimensions[1];
                    _inner = v.Dimensions.Skip(2).Aggregate(1, (a, b) => a * b);
                }
                if (_values > stats)
                    throw new ArgumentOutOfRangeException("inputColumnName",
                        $"Column '{c.InputColumnName}' has {_values} value features (its second dimension) but '{c.LocationColumnName}' holds statistics for only {stats}.");
                _added = new[] { new AddedColumn(c.OutputColumnName, col.Type is VectorDataViewType vt ? vt : NumberDataViewType.Single) };
            }

            public override IReadOnlyList<AddedColumn> Added => _added;
            public override IEnumerable<int> Dependencies(int added) => new[] { _input, _loc, _scale };

            public override Delegate?[] MakeGetters(DataViewRow input, Func<int, bool> isAddedActive)
            {
                if (!isAddedActive(0)) return new Delegate?[1];
                var gl = input.GetGetter<VBuffer<float>>(input.Schema[_loc]);
                var gs = input.GetGetter<VBuffer<float>>(input.Schema[_scale]);
                VBuffer<float> lb = default, sb = default;
                float[] ls = Array.Empty<float>(), ss = Array.Empty<float>();
                if (!_vector)
                {
                    var g = input.GetGetter<float>(input.Schema[_input]);
                    return new Delegate?[] { (ValueGetter<float>)((ref float d) =>
                    {
                        float x = 0; g(ref x); gl(ref lb); gs(ref sb);
                        d = x * Buffers.Dense(sb, ref ss)[0] + Buffers.Dense(lb, ref ls)[0];
                    }) };
                }
                var gv = input.GetGetter<VBuffer<float>>(input.Schema[_input]);
                VBuffer<float> xb = default;
                float[] xs = Array.Empty<float>();
                float[] output = Array.Empty<float>();
                return new Delegate?[] { (ValueGetter<VBuffer<float>>)((ref VBuffer<float> d) =>
                {
                    gv(ref xb); gl(ref lb); gs(ref sb);
                    var x = Buffers.Dense(xb, ref xs);
                    var loc = Buffers.Dense(lb, ref ls);
                    var scale = Buffers.Dense(sb, ref ss);
                    if (output.Length != x.Length) output = new float[x.Length];
                    for (int i = 0; i < x.Length; i++)
                    {
                        int v = (i / _inner) % _values;
                        output[i] = x[i] * scale[v] + loc[v];
                    }
                    Buffers.Write(ref d, output);
                }) };
            }
        }
    }
}
