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
