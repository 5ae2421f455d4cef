using System;
using System.Collections.Generic;
using System.Linq;
using Google.Protobuf;
using MLNet.Sequence.Trainers.Network;
using Onnx;

namespace MLNet.Sequence.OnnxExport
{
    /// <summary>
    /// Builds one ONNX graph (the protobuf classes of OnnxSharp): inputs, initializers, nodes and outputs, with fresh
    /// value names and small helpers for the operators the sequence networks use. Operators are written for the
    /// opset given; where an operator's signature changed between opsets (ReduceMax/ReduceMean take their axes as an
    /// attribute up to opset 17 and as an input from 18), the helper writes the form of that opset.
    /// </summary>
    internal sealed class OnnxGraph
    {
        private readonly GraphProto _graph = new() { Name = "sequence_model" };
        private readonly int _opset;
        private readonly Dictionary<string, int> _counts = new();
        private readonly Dictionary<string, string> _longConstants = new();

        public OnnxGraph(int opset) => _opset = opset;

        public int Opset => _opset;

        /// <summary>A value name not used yet, from <paramref name="stem"/>.</summary>
        public string Fresh(string stem)
        {
            _counts.TryGetValue(stem, out int n);
            _counts[stem] = n + 1;
            return n == 0 ? stem : $"{stem}_{n}";
        }

        private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, object[] dims)
        {
            var shape = new TensorShapeProto();
            foreach (var d in dims)
                shape.Dim.Add(d is string s
                    ? new TensorShapeProto.Types.Dimension { DimParam = s }
                    : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture) });
            return new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
            };
        }

        /// <summary>Declares a graph input; a string dimension is symbolic (dynamic), a number fixed.</summary>
        public string Input(string name, TensorProto.Types.DataType type, params object[] dims)
        {
            _counts[name] = 1;
            _graph.Input.Add(ValueInfo(name, type, dims));
            return name;
        }

        /// <summary>Declares a graph output named <paramref name="name"/> holding <paramref name="value"/>.</summary>
        public void Output(string name, string value, TensorProto.Types.DataType type, params object[] dims)
        {
            if (value != name)
                Node("Identity", new[] { value }, name);
            _graph.Output.Add(ValueInfo(name, type, dims));
        }

        /// <summary>A float initializer.</summary>
        public string Constant(string stem, float[] values, params long[] dims)
        {
            var t = new TensorProto { Name = Fresh(stem), DataType = (int)TensorProto.Types.DataType.Float };
            t.Dims.AddRange(dims);
            var bytes = new byte[values.Length * sizeof(float)];
            Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
            if (!BitConverter.IsLittleEndian)
                throw new PlatformNotSupportedException("ONNX raw tensor data is little-endian; this machine is not.");
            t.RawData = ByteString.CopyFrom(bytes);
            _graph.Initializer.Add(t);
            return t.Name;
        }

        /// <summary>A 1-D int64 initializer (shapes, axes, indices), shared between uses of the same values.</summary>
        public string Longs(params long[] values)
        {
            var key = string.Join(",", values);
            if (_longConstants.TryGetValue(key, out var existing))
                return existing;
            var t = new TensorProto { Name = Fresh("const_i64"), DataType = (int)TensorProto.Types.DataType.Int64 };
            t.Dims.Add(values.Length);
            t.Int64Data.AddRange(values);
            _graph.Initializer.Add(t);
            _longConstants[key] = t.Name;
            return t.Name;
        }

        /// <summary>An int64 scalar initializer.</summary>
        public string LongScalar(long value)
        {
            var key = "scalar:" + value;
            if (_longConstants.TryGetValue(key, out var existing))
                return existing;
            var t = new TensorProto { Name = Fresh("const_i64"), DataType = (int)TensorProto.Types.DataType.Int64 };
            t.Int64Data.Add(value);
            _graph.Initializer.Add(t);
            _longConstants[key] = t.Name;
            return t.Name;
        }

        /// <summary>A float scalar initializer.</summary>
        public string FloatScalar(float value)
        {
            var t = new TensorProto { Name = Fresh("const_f32"), DataType = (int)TensorProto.Types.DataType.Float };
            t.FloatData.Add(value);
            _graph.Initializer.Add(t);
            return t.Name;
        }

        /// <summary>A network weight as an initializer, optionally transposed (2-D).</summary>
        public string Weight(string stem, WeightArray weight, bool transpose = false)
        {
            var w = transpose ? weight.Transposed() : weight;
            return Constant(stem, w.Values, w.Shape);
        }

        /// <summary>Adds a node with one output and returns the output's name.</summary>
        public string Node(string op, string[] inputs, string? output = null, params (string Name, object Value)[] attributes) =>
            Nodes(op, inputs, new[] { output ?? Fresh(op.ToLowerInvariant()) }, attributes)[0];

        /// <summary>Adds a node with several outputs ("" for an output left out).</summary>
        public string[] Nodes(string op, string[] inputs, string[] outputs, params (string Name, object Value)[] attributes)
        {
            var node = new NodeProto { OpType = op, Name = Fresh("n_" + op) };
            node.Input.AddRange(inputs);
            node.Output.AddRange(outputs);
            foreach (var (name, value) in attributes)
                node.Attribute.Add(Attribute(name, value));
            _graph.Node.Add(node);
            return outputs;
        }

        private static AttributeProto Attribute(string name, object value) => value switch
        {
            long l => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = l },
            int i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
            float f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f },
            string s => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(s) },
            long[] ls => Ints(name, ls),
            string[] ss => Strings(name, ss),
            TensorProto t => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = t },
            _ => throw new ArgumentException($"Attribute '{name}' has an unsupported type {value.GetType().Name}."),
        };

        private static AttributeProto Ints(string name, long[] values)
        {
            var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
            a.Ints.AddRange(values);
            return a;
        }

        private static AttributeProto Strings(string name, string[] values)
        {
            var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Strings };
            a.Strings.AddRange(values.Select(ByteString.CopyFromUtf8));
            return a;
        }

        // ---- operator helpers ----

        public string Cast(string x, TensorProto.Types.DataType to) => Node("Cast", new[] { x }, null, ("to", (long)to));

        public string Transpose(string x, params long[] perm) => Node("Transpose", new[] { x }, null, ("perm", perm));

        public string Reshape(string x, params long[] shape) => Node("Reshape", new[] { x, Longs(shape) });

        public string Unsqueeze(string x, params long[] axes) => Node("Unsqueeze", new[] { x, Longs(axes) });

        public string Squeeze(string x, params long[] axes) => Node("Squeeze", new[] { x, Longs(axes) });

        public string Add(string a, string b) => Node("Add", new[] { a, b });

        public string Sub(string a, string b) => Node("Sub", new[] { a, b });

        public string Mul(string a, string b) => Node("Mul", new[] { a, b });

        public string Div(string a, string b) => Node("Div", new[] { a, b });

        public string Where(string condition, string a, string b) => Node("Where", new[] { condition, a, b });

        public string Concat(long axis, params string[] inputs) => Node("Concat", inputs, null, ("axis", axis));

        public string Softmax(string x, long axis) => Node("Softmax", new[] { x }, null, ("axis", axis));

        /// <summary>Elements <paramref name="start"/> to <paramref name="end"/> (exclusive; long.MaxValue = to the end) of <paramref name="axis"/>.</summary>
        public string Slice(string x, long axis, long start, long end) =>
            Node("Slice", new[] { x, Longs(start), Longs(end), Longs(axis) });

        /// <summary>Slice with an end computed in the graph (a 1-D int64 tensor of one value).</summary>
        public string Slice(string x, long axis, string start, string end) =>
            Node("Slice", new[] { x, start, end, Longs(axis) });

        public string ReduceSum(string x, long axis, bool keepDims) =>
            Node("ReduceSum", new[] { x, Longs(axis) }, null, ("keepdims", keepDims ? 1L : 0L));

        public string ReduceMax(string x, long axis, bool keepDims) => _opset >= 18
            ? Node("ReduceMax", new[] { x, Longs(axis) }, null, ("keepdims", keepDims ? 1L : 0L))
            : Node("ReduceMax", new[] { x }, null, ("axes", new[] { axis }), ("keepdims", keepDims ? 1L : 0L));

        /// <summary>x · Wᵀ + b over the last axis of any rank (MatMul with the stored transpose, then Add).</summary>
        public string Linear(string x, string stem, WeightArray weight, WeightArray? bias)
        {
            var y = Node("MatMul", new[] { x, Weight(stem + ".weight_t", weight, transpose: true) });
            return bias is null ? y : Add(y, Weight(stem + ".bias", bias));
        }

        /// <summary>The dimension <paramref name="axis"/> of <paramref name="x"/> as a 1-D int64 tensor of one value.</summary>
        public string Dimension(string x, long axis)
        {
            var shape = Node("Shape", new[] { x });
            return Node("Gather", new[] { shape, Longs(axis) }, null, ("axis", 0L));
        }

        /// <summary>The finished model: IR version 8, the default domain at the opset given.</summary>
        public ModelProto Build(string producerVersion, string docString)
        {
            var model = new ModelProto
            {
                IrVersion = 8,
                ProducerName = "MLNet.Sequence",
                ProducerVersion = producerVersion,
                DocString = docString,
                Graph = _graph,
            };
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = _opset });
            return model;
        }
    }
}
