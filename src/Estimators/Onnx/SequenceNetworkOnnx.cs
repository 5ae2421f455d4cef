using System;
using System.Collections.Generic;
using System.Linq;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Trainers.Network;
using MLNet.Sequence.Transforms;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace MLNet.Sequence.OnnxExport
{
    /// <summary>
    /// Writes a trained <see cref="SequenceNetwork"/> (embedding or numeric steps → LSTM, GRU, Transformer or temporal
    /// CNN → pooling → head) and the score columns a <see cref="SequencePredictionTransformer"/> derives from it as ONNX
    /// nodes. Each step mirrors the TorchSharp forward pass: real steps moved to the front (a stable sort, written as
    /// TopK over "padding after position"), an empty row read as one step and its pooled vector zeroed, ONNX's own LSTM
    /// and GRU operators with per-row sequence lengths (their gate order differs from libtorch's: the weights are
    /// reordered), attention written out with MatMul, Softmax and LayerNormalization.
    /// </summary>
    internal sealed class SequenceNetworkOnnx
    {
        private readonly OnnxGraph _g;
        private readonly NetworkConfig _c;
        private readonly FeatureSpec _f;
        private readonly LabelSpec _l;
        private readonly Dictionary<string, WeightArray> _p;
        private readonly bool _dynamicSteps;

        private SequenceNetworkOnnx(OnnxGraph g, NetworkConfig config, Dictionary<string, WeightArray> weights, FeatureSpec f, LabelSpec l, bool dynamicSteps)
        {
            _dynamicSteps = dynamicSteps || f.VariableLength;
            _g = g;
            _c = config;
            _f = f;
            _l = l;
            _p = weights;
        }

        /// <summary>Why this model cannot be written as ONNX, or null when it can.</summary>
        public static string? Unsupported(NetworkConfig c, FeatureSpec f)
        {
            if (c.Encoder == EncoderKind.NBeats && (f.Tokens || f.VariableLength || f.MaskColumn != null || f.LengthColumn != null))
                return "N-BEATS reads full numeric windows of a fixed length, and this model's input is not one";
            return null;
        }

        /// <summary>Declares the inputs, writes the network and the score columns, declares the outputs.</summary>
        public static void Write(OnnxGraph g, NetworkConfig config, Dictionary<string, WeightArray> weights, FeatureSpec f, LabelSpec l, bool dynamicSteps) =>
            new SequenceNetworkOnnx(g, config, weights, f, l, dynamicSteps).Write();

        private WeightArray P(string name) => _p.TryGetValue(name, out var t)
            ? t
            : throw new InvalidOperationException($"The network has no parameter '{name}' (it has {string.Join(", ", _p.Keys)}).");

        private void Write()
        {
            var (x, mask, statics) = Inputs();
            var raw = Network(x, mask, statics);
            Outputs(raw);
        }

        // ---- inputs: the columns the model reads, as ML.NET hands them to ONNX Runtime ----

        private (string X, string Mask, string? Statics) Inputs()
        {
            string x, mask;
            if (_f.Tokens)
            {
                // Key<UInt32> columns arrive as uint32 (raw key values: the ids), Int32 columns as int32.
                var ids = _g.Input(_f.Columns[0], _f.KeyInput ? DataType.Uint32 : DataType.Int32, "batch", _dynamicSteps ? "steps" : (object)_f.Steps);
                x = Truncate(_g.Cast(ids, DataType.Int64));
                mask = _g.Node("Not", new[] { _g.Node("Equal", new[] { x, _g.LongScalar(0) }) });
                if (_f.MaskColumn != null)
                    mask = _g.Node("And", new[] { mask, Truncate(MaskInput()) });
                x = _g.Where(mask, x, _g.LongScalar(0));
            }
            else
            {
                int F = _f.Features;
                if (_f.Columns.Length == 1)
                {
                    var values = _g.Input(_f.Columns[0], DataType.Float, "batch", _dynamicSteps ? "values" : (object)(_f.Steps * F));
                    x = _g.Reshape(values, 0, -1, F);
                }
                else
                {
                    var columns = _f.Columns.Select(c => _g.Unsqueeze(_g.Input(c, DataType.Float, "batch", _dynamicSteps ? "steps" : (object)_f.Steps), 2)).ToArray();
                    x = _g.Concat(2, columns);
                }
                if (_f.MaskColumn != null)
                    mask = MaskInput();
                else if (_f.LengthColumn != null)
                    mask = MaskFromLength(x);
                else
                {
                    // Every step is real: true at every [row, step].
                    var shape = _g.Slice(_g.Node("Shape", new[] { x }), 0, 0, 2);
                    var truth = new TensorProto { DataType = (int)DataType.Bool };
                    truth.Dims.Add(1);
                    truth.Int32Data.Add(1);
                    mask = _g.Node("ConstantOfShape", new[] { shape }, null, ("value", truth));
                }
                x = Truncate(x);
                mask = Truncate(mask);
                if (_f.FeatureMean != null)
                    x = _g.Div(_g.Sub(x, _g.Constant("feature_mean", _f.FeatureMean, F)), _g.Constant("feature_scale", _f.FeatureScale!, F));
                // Padding steps are zeros, as the row reader writes them.
                x = _g.Where(_g.Unsqueeze(mask, 2), x, _g.Constant("zero", new[] { 0f }, 1));
            }
            string? statics = null;
            if (_f.StaticColumn != null)
                statics = _g.Input(_f.StaticColumn, DataType.Float, "batch", _f.StaticSize);
            return (x, mask, statics);
        }

        /// <summary>
        /// The real steps a length column names: the last <c>length</c> steps of the whole row when padding comes first
        /// (option PaddingSide = Pre), else the first ones; read before truncation, as the row reader does.
        /// </summary>
        private string MaskFromLength(string x)
        {
            var length = _g.Cast(_g.Input(_f.LengthColumn!, DataType.Int32, "batch", 1), DataType.Int64);
            var steps = _g.Dimension(x, 1);
            var positions = _g.Node("Range", new[] { _g.LongScalar(0), _g.Squeeze(steps, 0), _g.LongScalar(1) });
            return _f.PaddingSide == SequenceEnd.Pre
                ? _g.Node("Not", new[] { _g.Node("Less", new[] { positions, _g.Sub(steps, length) }) })
                : _g.Node("Less", new[] { positions, length });
        }

        private string MaskInput() => _g.Input(_f.MaskColumn!, DataType.Bool, "batch", _dynamicSteps ? "steps" : (object)_f.Steps);

        /// <summary>Rows longer than the model's steps keep their first or last steps (the option Truncation), as the row reader does.</summary>
        private string Truncate(string x)
        {
            if (!_dynamicSteps)
                return x;
            return _f.Truncation == SequenceEnd.Pre ? _g.Slice(x, 1, -_f.Steps, long.MaxValue) : _g.Slice(x, 1, 0, _f.Steps);
        }

        // ---- the network ----

        private string Network(string x, string mask, string? statics)
        {
            if (_c.Encoder == EncoderKind.NBeats)
            {
                var forecast = NBeats(x, statics);
                return _c.Quantiles > 1 ? MonotoneQuantiles(forecast, _c.Quantiles) : forecast;
            }
            // Real steps to the front, keeping their order: TopK (smallest first) of position + steps × padding.
            var steps = _g.Dimension(mask, 1);
            var positions = _g.Node("Range", new[] { _g.LongScalar(0), _g.Squeeze(steps, 0), _g.LongScalar(1) });
            var key = _g.Add(positions, _g.Mul(_g.Cast(_g.Node("Not", new[] { mask }), DataType.Int64), steps));
            var (_, order) = TopKSmallest(_g.Cast(key, DataType.Float), steps);
            mask = _g.Node("GatherElements", new[] { mask, order }, null, ("axis", 1L));
            if (_f.Tokens)
                x = _g.Node("GatherElements", new[] { x, order }, null, ("axis", 1L));
            else
                x = _g.Node("GatherElements", new[] { x, _g.Node("Expand", new[] { _g.Unsqueeze(order, 2), _g.Node("Shape", new[] { x }) }) }, null, ("axis", 1L));
            // An empty row reads its first step as real; its pooled vector is zeroed below.
            var maskFloat = _g.Cast(mask, DataType.Float);
            var hasSteps = _g.Node("Greater", new[] { _g.ReduceMax(maskFloat, 1, keepDims: true), _g.FloatScalar(0f) });
            var first = _g.Node("Equal", new[] { positions, _g.LongScalar(0) });
            mask = _g.Node("Or", new[] { mask, _g.Node("And", new[] { first, _g.Node("Not", new[] { hasSteps }) }) });
            var lengths = _g.ReduceSum(_g.Cast(mask, DataType.Int64), 1, keepDims: false);

            var input = _f.Tokens
                ? _g.Node("Gather", new[] { _g.Weight("embedding", P("embedding.weight")), x }, null, ("axis", 0L))
                : x;
            var (h, size) = _c.Encoder switch
            {
                EncoderKind.Lstm or EncoderKind.Gru => Recurrent(input, lengths),
                EncoderKind.Transformer => Transformer(input, mask),
                _ => Convolutional(input, mask),
            };
            var pooled = Pool(h, size, mask, lengths);
            pooled = _g.Mul(pooled, _g.Cast(hasSteps, DataType.Float));
            if (statics != null)
                pooled = _g.Concat(1, pooled, statics);
            if (_c.HeadHiddenSize > 0)
                pooled = _g.Node("Relu", new[] { _g.Linear(pooled, "head_hidden", P("headHidden.weight"), P("headHidden.bias")) });
            var output = _g.Linear(pooled, "head", P("head.weight"), P("head.bias"));
            return _c.Quantiles > 1 ? MonotoneQuantiles(output, _c.Quantiles) : output;
        }

        /// <summary>
        /// N-BEATS blocks over the flattened window: fully connected layers, each block's backcast subtracted from the
        /// residual it reads and its forecast added to the total; interpretable blocks expand their coefficients on the
        /// network's fixed trend and seasonality bases.
        /// </summary>
        private string NBeats(string x, string? statics)
        {
            int steps = _c.SequenceLength, features = _c.FeaturesPerStep, quantiles = Math.Max(1, _c.Quantiles);
            int outputSteps = _c.OutputSteps > 0 ? _c.OutputSteps : _c.Outputs, values = _c.Outputs / outputSteps;
            int trendBlocks = _c.Interpretable ? (_c.Layers + 1) / 2 : 0;
            int harmonics = Math.Max(1, outputSteps / 2 - 1);
            string Basis(string stem, (float[] Data, long Rows, long Columns) basis) => _g.Constant(stem, basis.Data, basis.Rows, basis.Columns);
            string? trendBack = null, trendFore = null, seasonBack = null, seasonFore = null;
            if (_c.Interpretable)
            {
                trendBack = Basis("trend_backcast", NBeatsBlocks.Trend(_c.TrendDegree + 1, -steps, steps, outputSteps));
                trendFore = Basis("trend_forecast", NBeatsBlocks.Trend(_c.TrendDegree + 1, 0, outputSteps, outputSteps));
                seasonBack = Basis("season_backcast", NBeatsBlocks.Seasonal(harmonics, -steps, steps, outputSteps));
                seasonFore = Basis("season_forecast", NBeatsBlocks.Seasonal(harmonics, 0, outputSteps, outputSteps));
            }
            var residual = _g.Reshape(x, 0, (long)steps * features);
            string? total = null;
            for (int k = 0; k < _c.Layers; k++)
            {
                var h = statics is null ? residual : _g.Concat(1, residual, statics);
                for (int l = 0; l < _c.BlockLayers; l++)
                {
                    int i = k * _c.BlockLayers + l;
                    h = _g.Node("Relu", new[] { _g.Linear(h, $"nbeats.hidden{i}", P($"nbeats.hidden.{i}.weight"), P($"nbeats.hidden.{i}.bias")) });
                }
                string back, fore;
                if (!_c.Interpretable)
                {
                    back = _g.Linear(h, $"nbeats.backcast{k}", P($"nbeats.backcast.{k}.weight"), P($"nbeats.backcast.{k}.bias"));
                    fore = _g.Linear(h, $"nbeats.forecast{k}", P($"nbeats.forecast.{k}.weight"), P($"nbeats.forecast.{k}.bias"));
                }
                else
                {
                    bool trend = k < trendBlocks;
                    long size = trend ? _c.TrendDegree + 1 : 2 * harmonics + 1;
                    var theta = _g.Reshape(_g.Linear(h, $"nbeats.backcast{k}", P($"nbeats.backcast.{k}.weight"), null), 0, features, size);
                    back = _g.Reshape(_g.Transpose(_g.Node("MatMul", new[] { theta, trend ? trendBack! : seasonBack! }), 0, 2, 1), 0, (long)steps * features);
                    var phi = _g.Reshape(_g.Linear(h, $"nbeats.forecast{k}", P($"nbeats.forecast.{k}.weight"), null), 0, (long)values * quantiles, size);
                    var expanded = _g.Reshape(_g.Node("MatMul", new[] { phi, trend ? trendFore! : seasonFore! }), 0, values, quantiles, outputSteps);
                    fore = _g.Reshape(_g.Transpose(expanded, 0, 3, 1, 2), 0, (long)outputSteps * values * quantiles);
                }
                residual = _g.Sub(residual, back);
                total = total is null ? fore : _g.Add(total, fore);
            }
            return total!;
        }

        private (string Values, string Indices) TopKSmallest(string x, string k)
        {
            var outputs = _g.Nodes("TopK", new[] { x, k }, new[] { _g.Fresh("topk_values"), _g.Fresh("topk_indices") },
                ("axis", 1L), ("largest", 0L), ("sorted", 1L));
            return (outputs[0], outputs[1]);
        }

        /// <summary>q1 = raw1, q(i+1) = q(i) + softplus(raw(i+1)): quantiles that never cross, as the network computes them.</summary>
        private string MonotoneQuantiles(string raw, int quantiles)
        {
            var r = _g.Reshape(raw, 0, -1, quantiles);
            var increments = _g.Node("Softplus", new[] { _g.Slice(r, 2, 1, quantiles) });
            var steps = _g.Concat(2, _g.Slice(r, 2, 0, 1), increments);
            return _g.Reshape(_g.Node("CumSum", new[] { steps, _g.LongScalar(2) }), 0, -1);
        }

        /// <summary>LSTM or GRU layers through ONNX's operators, [batch, steps, size] out.</summary>
        private (string, int) Recurrent(string x, string lengths)
        {
            bool lstm = _c.Encoder == EncoderKind.Lstm;
            string prefix = lstm ? "encoder.lstm." : "encoder.gru.";
            int hidden = _c.HiddenSize;
            int directions = _c.Bidirectional ? 2 : 1;
            // libtorch's gate blocks and ONNX's: LSTM i,f,g,o → i,o,f,c; GRU r,z,n → z,r,h.
            int[] order = lstm ? new[] { 0, 3, 1, 2 } : new[] { 1, 0, 2 };
            var sequenceLengths = directions == 2 ? _g.Cast(lengths, DataType.Int32) : "";
            var h = _g.Transpose(x, 1, 0, 2);   // time-major: [steps, batch, input]
            for (int layer = 0; layer < _c.Layers; layer++)
            {
                var suffixes = directions == 2 ? new[] { "", "_reverse" } : new[] { "" };
                WeightArray Reordered(string kind, string suffix) => P($"{prefix}{kind}_l{layer}{suffix}").ReorderBlocks(order.Length, order);
                WeightArray Stack(string kind) => WeightArray.Stack(suffixes.Select(s => Reordered(kind, s)).ToList());
                var w = _g.Weight($"rnn{layer}.W", Stack("weight_ih"));
                var r = _g.Weight($"rnn{layer}.R", Stack("weight_hh"));
                // B is [directions, 2 × gates × hidden]: each direction's input bias, then its recurrent bias.
                var b = _g.Weight($"rnn{layer}.B", WeightArray.Stack(suffixes.Select(s => WeightArray.ConcatLast(Reordered("bias_ih", s), Reordered("bias_hh", s))).ToList()));
                var attributes = new List<(string, object)> { ("hidden_size", (long)hidden), ("direction", directions == 2 ? "bidirectional" : "forward") };
                if (!lstm)
                    attributes.Add(("linear_before_reset", 1L));
                // Bidirectional layers read each row's real steps only (libtorch's packed sequence: the backward
                // direction starts at the last real step, padded outputs are zeros); unidirectional ones run over the
                // trailing padding as libtorch does, which never changes a real step's output.
                var y = _g.Nodes(lstm ? "LSTM" : "GRU", new[] { h, w, r, b, sequenceLengths }, new[] { _g.Fresh("rnn_y") }, attributes.ToArray())[0];
                // Y is [steps, directions, batch, hidden]: directions side by side, as libtorch concatenates them.
                h = _g.Reshape(_g.Transpose(y, 0, 2, 1, 3), 0, 0, -1);
            }
            return (_g.Transpose(h, 1, 0, 2), hidden * directions);
        }

        /// <summary>Input projection, √d scaling for token embeddings, sinusoidal positions, post-norm layers with a key padding mask.</summary>
        private (string, int) Transformer(string x, string mask)
        {
            int model = _c.HiddenSize;
            int input = _f.Tokens ? _c.EmbeddingDimension : _c.FeaturesPerStep;
            var h = x;
            if (input != model)
                h = _g.Linear(h, "encoder.input", P("encoder.input.weight"), P("encoder.input.bias"));
            else if (_f.Tokens)
                h = _g.Mul(h, _g.FloatScalar((float)Math.Sqrt(model)));
            var positions = _g.Constant("positions", SinusoidalPositions.Values(_c.SequenceLength, model), _c.SequenceLength, model);
            h = _g.Add(h, _g.Slice(positions, 0, _g.Longs(0), _g.Dimension(x, 1)));
            // [batch, 1, 1, steps]: true where a key is a real step.
            var attend = _g.Unsqueeze(mask, 1, 2);
            var minusInfinity = _g.FloatScalar(float.NegativeInfinity);
            int heads = _c.Heads, headSize = model / heads;
            var scale = _g.FloatScalar((float)(1.0 / Math.Sqrt(headSize)));
            for (int i = 0; i < _c.Layers; i++)
            {
                string p = $"encoder.layers.{i}.";
                var qkv = _g.Linear(h, $"layer{i}.qkv", P(p + "qkv.weight"), P(p + "qkv.bias"));
                var split = _g.Transpose(_g.Reshape(qkv, 0, 0, 3, heads, headSize), 2, 0, 3, 1, 4);   // [3, batch, heads, steps, d]
                string Part(long k) => _g.Node("Gather", new[] { split, _g.LongScalar(k) }, null, ("axis", 0L));
                var scores = _g.Mul(_g.Node("MatMul", new[] { Part(0), _g.Transpose(Part(1), 0, 1, 3, 2) }), scale);
                scores = _g.Where(attend, scores, minusInfinity);
                var attended = _g.Node("MatMul", new[] { _g.Softmax(scores, -1), Part(2) });
                var merged = _g.Reshape(_g.Transpose(attended, 0, 2, 1, 3), 0, 0, model);
                h = LayerNorm(_g.Add(h, _g.Linear(merged, $"layer{i}.proj", P(p + "proj.weight"), P(p + "proj.bias"))), p + "norm1", $"layer{i}.norm1");
                var f = _g.Linear(_g.Node("Relu", new[] { _g.Linear(h, $"layer{i}.ff1", P(p + "ff1.weight"), P(p + "ff1.bias")) }), $"layer{i}.ff2", P(p + "ff2.weight"), P(p + "ff2.bias"));
                h = LayerNorm(_g.Add(h, f), p + "norm2", $"layer{i}.norm2");
            }
            return (h, model);
        }

        private string LayerNorm(string x, string parameter, string stem) =>
            _g.Node("LayerNormalization", new[] { x, _g.Weight(stem + ".weight", P(parameter + ".weight")), _g.Weight(stem + ".bias", P(parameter + ".bias")) },
                null, ("axis", -1L), ("epsilon", 1e-5f));

        /// <summary>Causal dilated convolutions as time-shifted copies concatenated and multiplied by one matrix, residual blocks.</summary>
        private (string, int) Convolutional(string x, string mask)
        {
            int kernel = _c.KernelSize;
            int input = _f.Tokens ? _c.EmbeddingDimension : _c.FeaturesPerStep;
            var h = _g.Mul(x, _g.Cast(_g.Unsqueeze(mask, 2), DataType.Float));
            var steps = _g.Dimension(x, 1);
            for (int i = 0; i < _c.Layers; i++)
            {
                long dilation = 1L << i, reach = (kernel - 1) * dilation;
                var padded = _g.Node("Pad", new[] { h, _g.Longs(0, reach, 0, 0, 0, 0) });
                var taps = new string[kernel];
                for (int j = 0; j < kernel; j++)
                {
                    var start = _g.Longs(j * dilation);
                    taps[j] = _g.Slice(padded, 1, start, _g.Add(steps, start));
                }
                var act = _g.Node("Relu", new[] { _g.Linear(_g.Concat(2, taps), $"conv{i}", P($"encoder.convs.{i}.weight"), P($"encoder.convs.{i}.bias")) });
                var residual = i == 0 && input != _c.HiddenSize ? _g.Linear(h, "conv_input", P("encoder.inputProjection.weight"), null) : h;
                h = _g.Add(act, residual);
            }
            return (h, _c.HiddenSize);
        }

        private string Pool(string h, int size, string mask, string lengths)
        {
            switch (_c.Pooling)
            {
                case SequencePooling.Last:
                {
                    var index = _g.Node("Expand", new[] { _g.Reshape(_g.Sub(lengths, _g.LongScalar(1)), -1, 1, 1), _g.Longs(1, 1, size) });
                    var atLast = _g.Squeeze(_g.Node("GatherElements", new[] { h, index }, null, ("axis", 1L)), 1);
                    if (!(_c.Bidirectional && _c.Encoder is EncoderKind.Lstm or EncoderKind.Gru))
                        return atLast;
                    // Forward half at the last real step, backward half at the first (it has read the whole row).
                    int half = size / 2;
                    var firstStep = _g.Squeeze(_g.Slice(h, 1, 0, 1), 1);
                    return _g.Concat(1, _g.Slice(atLast, 1, 0, half), _g.Slice(firstStep, 1, half, size));
                }
                case SequencePooling.Mean:
                {
                    var sum = _g.ReduceSum(_g.Mul(h, _g.Cast(_g.Unsqueeze(mask, 2), DataType.Float)), 1, keepDims: false);
                    return _g.Div(sum, _g.Cast(_g.Unsqueeze(lengths, 1), DataType.Float));
                }
                case SequencePooling.Max:
                    return _g.ReduceMax(_g.Where(_g.Unsqueeze(mask, 2), h, _g.FloatScalar(float.NegativeInfinity)), 1, keepDims: false);
                case SequencePooling.Attention:
                {
                    var hidden = _g.Node("Tanh", new[] { _g.Linear(h, "attention_hidden", P("attentionHidden.weight"), P("attentionHidden.bias")) });
                    var scores = _g.Squeeze(_g.Linear(hidden, "attention_score", P("attentionScore.weight"), null), 2);
                    var weights = _g.Softmax(_g.Where(mask, scores, _g.FloatScalar(float.NegativeInfinity)), 1);
                    return _g.ReduceSum(_g.Mul(h, _g.Unsqueeze(weights, 2)), 1, keepDims: false);
                }
                default:
                    return _g.Reshape(h, 0, (long)size * _c.SequenceLength);
            }
        }

        // ---- outputs: the columns SequencePredictionTransformer adds ----

        private void Outputs(string raw)
        {
            switch (_l.Task)
            {
                case SequenceTask.BinaryClassification:
                    _g.Output("Score", raw, DataType.Float, "batch", 1);
                    _g.Output("Probability", _g.Node("Sigmoid", new[] { raw }), DataType.Float, "batch", 1);
                    _g.Output("PredictedLabel", _g.Node("Greater", new[] { raw, _g.FloatScalar(0f) }), DataType.Bool, "batch", 1);
                    break;
                case SequenceTask.MulticlassClassification:
                {
                    var probabilities = _g.Softmax(raw, 1);
                    _g.Output("Score", probabilities, DataType.Float, "batch", _l.Outputs);
                    var argMax = _g.Node("ArgMax", new[] { probabilities }, null, ("axis", 1L), ("keepdims", 1L), ("select_last_index", 0L));
                    _g.Output("PredictedLabel", _g.Cast(_g.Add(argMax, _g.LongScalar(1)), DataType.Uint32), DataType.Uint32, "batch", 1);
                    break;
                }
                default:
                {
                    int q = _l.Quantiles?.Length ?? 1;
                    int total = _l.Outputs * q;
                    var score = raw;
                    if (_l.Mean != null)
                    {
                        var mean = Enumerable.Range(0, total).Select(i => _l.Mean[i / q]).ToArray();
                        var scale = Enumerable.Range(0, total).Select(i => _l.Scale![i / q]).ToArray();
                        score = _g.Add(_g.Mul(raw, _g.Constant("label_scale", scale, total)), _g.Constant("label_mean", mean, total));
                    }
                    _g.Output("Score", score, DataType.Float, "batch", total);
                    break;
                }
            }
        }
    }
}
