using System;
using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers.Network
{
    /// <summary>
    /// A sequence encoder: [batch, steps, input] plus a mask of real steps → [batch, steps, output]. Inputs arrive
    /// left-aligned (real steps first, padding after), so causal and unidirectional encoders never see padding
    /// before a real step; bidirectional and attention encoders mask it explicitly.
    /// </summary>
    internal abstract class Encoder : nn.Module
    {
        protected Encoder(string name) : base(name) { }

        /// <summary>Size of each step's output.</summary>
        public abstract int OutputSize { get; }

        /// <summary>True when the first half of the output runs forward and the second half backward.</summary>
        public virtual bool IsBidirectional => false;

        /// <summary>
        /// Encodes <paramref name="x"/> [batch, steps, input]. Stateless: everything a call needs comes in its arguments,
        /// so one encoder serves many threads at once.
        /// </summary>
        public abstract Tensor Encode(Tensor x, StepMask steps);

        /// <summary>
        /// The output at each row's last real step only, [batch, output]: what <c>Last</c> pooling reads from a
        /// unidirectional encoder. The same values as <see cref="Encode"/> followed by a gather; encoders whose last
        /// layer can skip the other steps' outputs (the Transformer) override it.
        /// </summary>
        public virtual Tensor EncodeLast(Tensor x, StepMask steps, Tensor lastIndex)
        {
            using var h = Encode(x, steps);
            return h.gather(1, lastIndex.view(h.shape[0], 1, 1).expand(h.shape[0], 1, h.shape[2])).squeeze(1);
        }
    }

    /// <summary>Which steps of a batch are real: the mask, the lengths, and whether there is any padding at all.</summary>
    internal sealed class StepMask
    {
        public StepMask(Tensor mask, Tensor lengths, bool allReal)
        {
            Mask = mask; Lengths = lengths; AllReal = allReal;
        }

        /// <summary>[batch, steps] booleans, true at real steps; real steps come first in every row.</summary>
        public Tensor Mask { get; }

        /// <summary>Real steps per row (int64, on the CPU), each at least 1.</summary>
        public Tensor Lengths { get; }

        /// <summary>True when every step of every row is real (no padding), which allows fast paths.</summary>
        public bool AllReal { get; }
    }

    /// <summary>LSTM or GRU layers (stacked, optionally bidirectional, dropout between layers).</summary>
    internal sealed class RecurrentEncoder : Encoder
    {
        private readonly LSTM? lstm;
        private readonly GRU? gru;
        private readonly int _hidden;
        private readonly int _layers;
        private readonly bool _bidirectional;
        private readonly double _between;

        public RecurrentEncoder(EncoderKind kind, int input, int hidden, int layers, bool bidirectional, double dropout) : base(kind.ToString())
        {
            _hidden = hidden;
            _layers = layers;
            _bidirectional = bidirectional;
            double between = layers > 1 ? dropout : 0.0;
            _between = between;
            if (kind == EncoderKind.Lstm)
                lstm = nn.LSTM(input, hidden, layers, batchFirst: true, dropout: between, bidirectional: bidirectional);
            else
                gru = nn.GRU(input, hidden, layers, batchFirst: true, dropout: between, bidirectional: bidirectional);
            RegisterComponents();
        }

        public override int OutputSize => _bidirectional ? 2 * _hidden : _hidden;
        public override bool IsBidirectional => _bidirectional;

        /// <summary>An LSTM's verdict from <see cref="LstmKernelChoice"/> (false for a GRU): benchmarks report it.</summary>
        internal bool InferenceKernelIsExact => lstm != null && LstmKernelChoice.InferenceKernelIsExact(lstm);

        /// <summary>Runs the GRU through libtorch's own kernel even on the CPU: the reference for tests and benchmarks.</summary>
        internal bool UseLibtorchGru { get; set; }

        public override Tensor Encode(Tensor x, StepMask steps)
        {
            // On the CPU the GRU runs through GruKernel (same parameters, same results, faster: docs/benchmarks.md);
            // on CUDA, libtorch's own (cuDNN) GRU.
            if (gru != null && !UseLibtorchGru && x.device_type == DeviceType.CPU && x.dtype == ScalarType.Float32)
                return EncodeGru(x, steps);
            // libtorch's CPU LSTM (oneDNN's fused kernel) is fast on one thread and several times slower on two when
            // each step's GEMM is small (docs/benchmarks.md): run it, forward and backward, on one thread then.
            // The rule looks only at the per-step recurrence: the input-side GEMMs (all steps at once, T·B·I·4H in
            // the forward pass, the same again for each gradient) then also run on one thread. They are the smaller
            // part whenever I ≤ H, as in every benchmark shape; with wide inputs (I ≫ H) a second thread could speed
            // them up, which this rule gives away.
            if (lstm != null && x.device_type == DeviceType.CPU && x.shape[0] * 4L * _hidden * _hidden < GruKernel.SmallStepWork)
            {
                int threads = ThreadCount.Current;
                if (threads > 1)
                {
                    using var one = ThreadCount.Use(1);
                    bool grad = torch.is_grad_enabled();
                    if (!grad)
                        return EncodeLibtorch(x, steps);
                    var input = x.requires_grad ? BackwardThreads.Restore(x, threads) : x;
                    return BackwardThreads.OneThread(EncodeLibtorch(input, steps));
                }
            }
            return EncodeLibtorch(x, steps);
        }

        /// <summary>libtorch's own LSTM or GRU.</summary>
        private Tensor EncodeLibtorch(Tensor x, StepMask steps)
        {
            // Unidirectional over left-aligned input: outputs at real steps never depend on the trailing padding.
            if (steps.AllReal || !_bidirectional)
            {
                if (lstm != null)
                {
                    using var exact = LstmKernelChoice.Exact(lstm, x);
                    var (o, h, c) = lstm.call(x);
                    h.Dispose();
                    c.Dispose();
                    return o;
                }
                var (go, gh) = gru!.call(x);
                gh.Dispose();
                return go;
            }
            // Bidirectional with padding: pack, so the backward direction starts at each row's last real step.
            long total = x.shape[1];
            using var packed = nn.utils.rnn.pack_padded_sequence(x, steps.Lengths, batch_first: true, enforce_sorted: false);
            nn.utils.rnn.PackedSequence output;
            if (lstm != null)
            {
                using var exact = LstmKernelChoice.Exact(lstm, x);
                var r = lstm.call(packed);
                r.Item2.Dispose();
                r.Item3.Dispose();
                output = r.Item1;
            }
            else
            {
                var r = gru!.call(packed);
                r.Item2.Dispose();
                output = r.Item1;
            }
            using (output)
            {
                var (padded, _) = nn.utils.rnn.pad_packed_sequence(output, batch_first: true, total_length: total);
                return padded;
            }
        }

        /// <summary>
        /// The GRU through <see cref="GruKernel"/>, with nn.GRU's parameters and semantics: stacked layers, dropout
        /// between them in training, and with padding in a bidirectional GRU the backward direction starts at each
        /// row's last real step and padded steps output zeros (what packing gives).
        /// </summary>
        private Tensor EncodeGru(Tensor x, StepMask steps)
        {
            using var scope = torch.NewDisposeScope();
            var parameters = new Dictionary<string, Tensor>();
            foreach (var (name, parameter) in gru!.named_parameters())
                parameters[name] = parameter;
            Tensor Layer(Tensor input, int layer, string suffix) => GruKernel.Run(input,
                parameters[$"weight_ih_l{layer}{suffix}"], parameters[$"weight_hh_l{layer}{suffix}"],
                parameters[$"bias_ih_l{layer}{suffix}"], parameters[$"bias_hh_l{layer}{suffix}"]);

            long total = x.shape[1], batch = x.shape[0];
            bool packed = _bidirectional && !steps.AllReal;
            Tensor? reverseIndex = null, realSteps = null;
            if (packed)
            {
                // Time-major index that reverses each row's real steps and leaves its padding in place.
                var t = ScalarOperands.Range(total).unsqueeze(1);
                var lengths = steps.Lengths.to(ScalarType.Int64).unsqueeze(0);
                reverseIndex = torch.where(t < lengths, lengths.Minus(1) - t, t).to(x.device);
                realSteps = steps.Mask.t().unsqueeze(2).to(x.dtype);
            }
            Tensor Reverse(Tensor input) => packed
                ? input.gather(0, reverseIndex!.unsqueeze(2).expand(total, batch, input.shape[2]))
                : input.flip(0);

            var h = x.transpose(0, 1);
            for (int layer = 0; layer < _layers; layer++)
            {
                var output = Layer(h, layer, "");
                if (_bidirectional)
                    output = torch.cat(new List<Tensor> { output, Reverse(Layer(Reverse(h), layer, "_reverse")) }, 2);
                if (packed)
                    output = output * realSteps!;
                if (layer < _layers - 1 && training && _between > 0)
                    output = nn.functional.dropout(output, _between, training: true);
                h = output;
            }
            return h.transpose(0, 1).MoveToOuterDisposeScope();
        }
    }

    /// <summary>One post-norm Transformer encoder layer, batch-first, with a key padding mask.</summary>
    internal sealed class TransformerLayer : nn.Module<Tensor, Tensor?, Tensor>
    {
        private readonly Linear qkv, proj, ff1, ff2;
        private readonly LayerNorm norm1, norm2;
        private readonly Dropout drop;
        private readonly int _heads;
        private readonly double _dropout;

        public TransformerLayer(int model, int heads, int feedForward, double dropout) : base("TransformerLayer")
        {
            _heads = heads;
            _dropout = dropout;
            qkv = nn.Linear(model, 3 * model);
            proj = nn.Linear(model, model);
            ff1 = nn.Linear(model, feedForward);
            ff2 = nn.Linear(feedForward, model);
            norm1 = nn.LayerNorm(model);
            norm2 = nn.LayerNorm(model);
            drop = nn.Dropout(dropout);
            RegisterComponents();
        }

        /// <summary>Dropout, skipped entirely (no kernel launched) when its probability is 0 or in eval mode.</summary>
        private Tensor Drop(Tensor x) => training && _dropout > 0 ? drop.call(x) : x;

        /// <param name="x">[batch, steps, model].</param>
        /// <param name="attend">Null, or [batch, 1, 1, steps] booleans: true where a key is a real step.</param>
        public override Tensor forward(Tensor x, Tensor? attend)
        {
            long b = x.shape[0], t = x.shape[1], d = x.shape[2];
            var packed = qkv.call(x).view(b, t, 3, _heads, d / _heads).permute(2, 0, 3, 1, 4);
            return Attend(x, packed[0], packed[1], packed[2], attend);
        }

        /// <summary>
        /// The layer's output at one step per row only, [batch, model]: keys and values from every step, the query,
        /// the attention and everything after it from that step alone (1/steps of the work past the key and value
        /// projections), the same values as <see cref="forward"/> at that step.
        /// </summary>
        /// <param name="x">[batch, steps, model].</param>
        /// <param name="attend">As in <see cref="forward"/>.</param>
        /// <param name="index">[batch] int64: the step of each row.</param>
        public Tensor ForwardAt(Tensor x, Tensor? attend, Tensor index)
        {
            long b = x.shape[0], t = x.shape[1], d = x.shape[2];
            var at = x.gather(1, index.view(b, 1, 1).expand(b, 1, d));
            var weight = qkv.weight!;
            var bias = qkv.bias!;
            var query = nn.functional.linear(at, weight.narrow(0, 0, d), bias.narrow(0, 0, d)).view(b, 1, _heads, d / _heads).transpose(1, 2);
            var keysValues = nn.functional.linear(x, weight.narrow(0, d, 2 * d), bias.narrow(0, d, 2 * d)).view(b, t, 2, _heads, d / _heads).permute(2, 0, 3, 1, 4);
            return Attend(at, query, keysValues[0], keysValues[1], attend).squeeze(1);
        }

        /// <summary>softmax(QKᵀ / √d_head) V over the heads, then the residual, norm and feed-forward blocks.</summary>
        /// <param name="x">[batch, queries, model]: the residual input at the query steps.</param>
        /// <param name="q">[batch, heads, queries, d_head].</param>
        /// <param name="k">[batch, heads, steps, d_head].</param>
        /// <param name="v">[batch, heads, steps, d_head].</param>
        /// <param name="attend">As in <see cref="forward"/>.</param>
        private Tensor Attend(Tensor x, Tensor q, Tensor k, Tensor v, Tensor? attend)
        {
            long b = x.shape[0], queries = x.shape[1], d = x.shape[2];
            // Attention written out: on CPU, libtorch 2.10's fused scaled_dot_product_attention made a training step
            // of this encoder 1.9x slower (docs/benchmarks.md).
            var scores = q.matmul(k.transpose(-2, -1)).Times(1.0 / Math.Sqrt(d / _heads));
            if (attend is not null)
                scores = scores.FilledWhere(attend.logical_not(), double.NegativeInfinity);
            var attn = Drop(torch.softmax(scores, -1)).matmul(v);
            var merged = attn.transpose(1, 2).reshape(b, queries, d);
            var h = norm1.Normalize(x.Plus(Drop(proj.call(merged))));
            var f = ff2.call(Drop(nn.functional.relu(ff1.call(h))));
            return norm2.Normalize(h.Plus(Drop(f)));
        }
    }

    /// <summary>Transformer encoder: input projection, sinusoidal positions, stacked layers with a key padding mask.</summary>
    internal sealed class TransformerEncoder : Encoder
    {
        private readonly Linear? input;
        private readonly Dropout drop;
        private readonly ModuleList<TransformerLayer> layers;
        private readonly Tensor positions;
        private readonly int _model;
        private readonly double _dropout;
        private readonly double _inputScale;

        public TransformerEncoder(int inputSize, int model, int heads, int layerCount, int feedForward, double dropout, int maxLength, bool tokenInput)
            : base("Transformer")
        {
            _model = model;
            _dropout = dropout;
            if (inputSize != model)
                input = nn.Linear(inputSize, model);
            // Token embeddings start small (±0.05); scaling by sqrt(d) keeps them comparable to the positions.
            _inputScale = tokenInput && input == null ? Math.Sqrt(model) : 1.0;
            drop = nn.Dropout(dropout);
            layers = new ModuleList<TransformerLayer>();
            for (int i = 0; i < layerCount; i++)
                layers.Add(new TransformerLayer(model, heads, feedForward, dropout));
            positions = SinusoidalPositions.Table(maxLength, model);
            RegisterComponents();
        }

        public override int OutputSize => _model;

        /// <summary>Rows longer than the table built for get positions computed on the fly (taggers) instead of an error.</summary>
        internal bool ExtendPositions { get; init; }

        public override Tensor Encode(Tensor x, StepMask steps) => Run(x, steps, lastIndex: null);

        /// <summary>
        /// Every layer but the last over all steps; the last one only at each row's last real step (no other output of
        /// it is read), which with <c>Last</c> pooling saves most of that layer's work in training and scoring alike.
        /// </summary>
        public override Tensor EncodeLast(Tensor x, StepMask steps, Tensor lastIndex) => Run(x, steps, lastIndex);

        private Tensor Run(Tensor x, StepMask steps, Tensor? lastIndex)
        {
            long t = x.shape[1];
            if (t > positions.shape[0] && !ExtendPositions)
                throw new InvalidOperationException($"A sequence of {t} steps is longer than the {positions.shape[0]} the Transformer was built for.");
            using var projected = input != null ? input.call(x) : x.alias();
            using var scaled = _inputScale != 1.0 ? projected.Times(_inputScale) : projected.alias();
            // Sinusoids are defined at every position: a longer row (a tagger's longest sentence) gets a longer table.
            using var pos = t > positions.shape[0] ? SinusoidalPositions.Table((int)t, _model).to(x.device) : positions.narrow(0, 0, t).to(x.device);
            var h = training && _dropout > 0 ? drop.call(scaled.Plus(pos)) : scaled.Plus(pos);
            using var attend = steps.AllReal ? null : steps.Mask.unsqueeze(1).unsqueeze(2);
            for (int i = 0; i < layers.Count; i++)
            {
                var next = lastIndex is not null && i == layers.Count - 1
                    ? layers[i].ForwardAt(h, attend, lastIndex)
                    : layers[i].call(h, attend);
                h.Dispose();
                h = next;
            }
            return h;
        }
    }

    /// <summary>
    /// Temporal CNN: residual blocks of causal, dilated 1-D convolutions (dilations 1, 2, 4, ...). Each convolution is
    /// computed as k time-shifted copies of the input concatenated and multiplied by one weight matrix (im2col), not
    /// with libtorch's conv1d: on CPU, libtorch 2.10's conv1d backward returned NaN input gradients in about 2 of 1000
    /// calls with two threads in our measurements (docs/benchmarks.md), which poisoned training at random.
    /// </summary>
    internal sealed class ConvolutionalEncoder : Encoder
    {
        private readonly ModuleList<Linear> convs;
        private readonly Linear? inputProjection;
        private readonly Dropout drop;
        private readonly int _channels;
        private readonly int _kernel;
        private readonly double _dropout;

        private readonly bool _centered;

        /// <param name="inputSize">Features per input step.</param>
        /// <param name="channels">Channels of every block (the output size).</param>
        /// <param name="kernel">Taps per convolution.</param>
        /// <param name="layerCount">Residual blocks; block i is dilated by 2^i.</param>
        /// <param name="dropout">Dropout after each block's activation, in training.</param>
        /// <param name="centered">
        /// Convolutions centred on each step (looking k/2 steps back and ahead, a tagger's view) instead of causal ones;
        /// padding is then zeroed after every block, so no real step reads it.
        /// </param>
        public ConvolutionalEncoder(int inputSize, int channels, int kernel, int layerCount, double dropout, bool centered = false) : base("Cnn")
        {
            if (centered && kernel % 2 == 0)
                throw new ArgumentOutOfRangeException(nameof(kernel), kernel, "A centred convolution needs an odd kernel size.");
            _centered = centered;
            _dropout = dropout;
            _channels = channels;
            _kernel = kernel;
            convs = new ModuleList<Linear>();
            for (int i = 0; i < layerCount; i++)
                convs.Add(nn.Linear((i == 0 ? inputSize : channels) * kernel, channels));
            if (inputSize != channels)
                inputProjection = nn.Linear(inputSize, channels, hasBias: false);
            drop = nn.Dropout(dropout);
            RegisterComponents();
        }

        public override int OutputSize => _channels;

        /// <summary>y[t] = W · [x[t − (k−1)d], ..., x[t − d], x[t]] + b, with zeros before the start.</summary>
        internal static Tensor CausalConvolution(Tensor x, Linear weights, int kernel, long dilation) => Convolution(x, weights, kernel, dilation, centered: false);

        /// <summary>
        /// Causal: y[t] = W · [x[t − (k−1)d], ..., x[t]] + b. Centred: y[t] = W · [x[t − (k−1)d/2], ..., x[t + (k−1)d/2]] + b.
        /// Zeros beyond either end.
        /// </summary>
        internal static Tensor Convolution(Tensor x, Linear weights, int kernel, long dilation, bool centered)
        {
            long t = x.shape[1];
            long reach = (kernel - 1) * dilation;
            var padded = nn.functional.pad(x, centered ? new long[] { 0, 0, reach / 2, reach / 2 } : new long[] { 0, 0, reach, 0 });
            var taps = new Tensor[kernel];
            for (int j = 0; j < kernel; j++)
                taps[j] = padded.narrow(1, j * dilation, t);
            return weights.call(torch.cat(taps, 2));
        }

        public override Tensor Encode(Tensor x, StepMask steps)
        {
            // [B, T, F]; padding steps are zeroed, and causal convolutions only look back, so real steps never see them.
            // Intermediates are left to the caller's dispose scope.
            var h = steps.AllReal ? x : x * steps.Mask.unsqueeze(-1).to(x.dtype);
            for (int i = 0; i < convs.Count; i++)
            {
                var act = nn.functional.relu(Convolution(h, convs[i], _kernel, 1L << i, _centered));
                if (training && _dropout > 0)
                    act = drop.call(act);
                var residual = i == 0 && inputProjection != null ? inputProjection.call(h) : h;
                h = act.Plus(residual);
                if (_centered && !steps.AllReal)
                    h = h * steps.Mask.unsqueeze(-1).to(h.dtype);
            }
            return h;
        }
    }
}
