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
    /// <summary>What a fitted per-series scaler does with a series it did not see at Fit.</summary>
    public enum UnknownSeriesHandling
    {
        /// <summary>Throw an exception naming the series (default).</summary>
        Error,
        /// <summary>Use the statistics of all training rows together.</summary>
        UseGlobal,
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
}
