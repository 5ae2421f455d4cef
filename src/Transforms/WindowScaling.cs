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
}
