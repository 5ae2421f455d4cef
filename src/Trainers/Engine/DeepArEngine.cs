using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using MLNet.Sequence.Trainers.Native;
using MLNet.Sequence.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers
{
    /// <summary>How a DeepAR network trains (the engine's view of the public options).</summary>
    internal sealed class DeepArTrainingSettings
    {
        /// <summary>Steps forecast after the context; training windows are ContextLength + PredictionLength long.</summary>
        public int PredictionLength { get; set; }
        public int Epochs { get; set; } = 50;
        public int BatchesPerEpoch { get; set; } = 50;
        public int BatchSize { get; set; } = 64;
        public double LearningRate { get; set; } = 1e-3;
        public double GradientClipNorm { get; set; } = 10;
        public int Seed { get; set; }
        /// <summary>libtorch intra-op threads; null uses up to the processor count (at most 8).</summary>
        public int? Threads { get; set; }
        public CancellationToken CancellationToken { get; set; }
        public Func<bool>? IsCanceled { get; set; }
        public Action<EpochReport>? Report { get; set; }
    }

    /// <summary>
    /// The engine boundary for DeepAR (<see cref="DeepArNetwork"/>): series in as float arrays, sample paths out as float
    /// arrays; no tensor crosses it. Forecasting is thread-safe (the forward pass is stateless and each call has its own
    /// generator and dispose scope). Dispose frees the native memory.
    /// </summary>
    internal sealed class DeepArEngine : IDisposable
    {
        private readonly DeepArNetwork _network;
        private readonly object _gate = new();
        private int _running;
        private bool _disposed, _freed;
        private static int _live;

        /// <summary>Engines whose native memory is not freed yet, in this process.</summary>
        internal static int LiveCount => Volatile.Read(ref _live);

        private DeepArEngine(DeepArNetworkConfig config, DeepArNetwork network)
        {
            Config = config;
            _network = network;
            Interlocked.Increment(ref _live);
        }

        /// <summary>The network's shape.</summary>
        public DeepArNetworkConfig Config { get; }

        /// <summary>Trainable weights.</summary>
        public long ParameterCount => _network.parameters().Sum(p => p.numel());

        /// <summary>A new network, its weights drawn from libtorch's generator seeded with <paramref name="seed"/>.</summary>
        public static DeepArEngine Create(DeepArNetworkConfig config, int seed)
        {
            TorchNative.EnsureLoaded();
            torch.manual_seed(seed);
            return new DeepArEngine(config, new DeepArNetwork(config));
        }

        /// <summary>A network rebuilt from its configuration and saved weights.</summary>
        /// <exception cref="InvalidDataException">The weights do not match the configuration.</exception>
        public static DeepArEngine Load(DeepArNetworkConfig config, Stream weights)
        {
            TorchNative.EnsureLoaded();
            var network = new DeepArNetwork(config);
            try
            {
                network.load(weights);
                network.eval();
                return new DeepArEngine(config, network);
            }
            catch (Exception e)
            {
                network.Dispose();
                throw new InvalidDataException($"The stored DeepAR model's weights do not match its configuration: {e.Message}", e);
            }
        }

        /// <summary>Writes the weights.</summary>
        public void Save(Stream destination)
        {
            ThrowIfDisposed();
            _network.save(destination);
        }

        /// <summary>
        /// The normalisation of a window, measured on its context: for the real-valued likelihoods its mean and standard
        /// deviation (the series enters centred and scaled, so a smooth series keeps its detail), the deviation floored at
        /// 1% of the mean absolute level (1 for an all-zero context); for counts, no shift and the DeepAR paper's scale
        /// 1 + mean.
        /// </summary>
        public static (float Location, float Scale) Normalization(ReadOnlySpan<float> context, DeepArLikelihood likelihood)
        {
            double sum = 0, sumAbs = 0;
            foreach (var x in context)
            {
                sum += x;
                sumAbs += Math.Abs(x);
            }
            int n = Math.Max(1, context.Length);
            double mean = sum / n, meanAbs = sumAbs / n;
            if (likelihood == DeepArLikelihood.NegativeBinomial)
                return (0f, (float)(1 + mean));
            double squares = 0;
            foreach (var x in context)
                squares += (x - mean) * (x - mean);
            double sd = Math.Sqrt(squares / n);
            // A context flat against its level (sd under 1% of it) is scaled by 1% of the level, so a later step does not
            // become enormous in scaled units; an all-zero context by 1.
            double scale = Math.Max(sd, 0.01 * meanAbs);
            if (scale <= 1e-12)
                scale = 1;
            return ((float)mean, (float)scale);
        }

        /// <summary>
        /// Writes the inputs of steps <paramref name="from"/> .. <paramref name="from"/> + <paramref name="steps"/> − 1 of
        /// <paramref name="series"/> into <paramref name="destination"/> ([steps, F]): each lag's normalised value (0
        /// before the series starts), then log(1 + scale).
        /// </summary>
        private void WriteInputs(float[] series, int from, int steps, (float Location, float Scale) n, Span<float> destination)
        {
            var lags = Config.Lags;
            int F = Config.InputSize;
            float logScale = MathF.Log(1 + n.Scale);
            for (int t = 0; t < steps; t++)
            {
                int at = from + t;
                for (int k = 0; k < lags.Length; k++)
                {
                    int j = at - lags[k];
                    destination[t * F + k] = j >= 0 ? (series[j] - n.Location) / n.Scale : 0f;
                }
                destination[t * F + lags.Length] = logScale;
            }
        }

        /// <summary>The training target of a value: normalised for the real-valued likelihoods, the count itself for the negative binomial.</summary>
        private float Target(float z, (float Location, float Scale) n) =>
            Config.Likelihood == DeepArLikelihood.NegativeBinomial ? z : (z - n.Location) / n.Scale;

        /// <summary>
        /// Trains on windows of ContextLength + PredictionLength steps drawn at random: a series uniformly, then a start
        /// uniformly within it, so every series weighs the same whatever its length. Every series must be at least that long.
        /// </summary>
        public TrainingHistory Train(IReadOnlyList<float[]> series, DeepArTrainingSettings s)
        {
            ThrowIfDisposed();
            int C = Config.ContextLength, P = s.PredictionLength, T = C + P, F = Config.InputSize, B = s.BatchSize;
            var likelihood = Config.Likelihood;
            var random = new Random(s.Seed);
            torch.manual_seed(s.Seed);
            int threads = s.Threads ?? ThreadCount.MaximumCandidate;
            var reports = new List<EpochReport>();
            bool canceled = false;
            var parameters = _network.parameters().ToList();
            using var optimizer = optim.Adam(parameters, s.LearningRate);
            var inputs = new float[B * T * F];
            var targets = new float[B * T];
            var scales = new float[B];
            var clock = Stopwatch.StartNew();
            using (ThreadCount.Use(threads))
            {
                _network.train();
                try
                {
                    for (int epoch = 1; epoch <= s.Epochs && !canceled; epoch++)
                    {
                        var epochClock = Stopwatch.StartNew();
                        double lossSum = 0;
                        int batches = 0;
                        for (int b = 0; b < s.BatchesPerEpoch; b++)
                        {
                            if (s.CancellationToken.IsCancellationRequested || (s.IsCanceled?.Invoke() ?? false))
                            {
                                if (epoch == 1)
                                    throw new OperationCanceledException($"DeepAR training was canceled in its first epoch, at batch {b + 1}.", s.CancellationToken);
                                canceled = true;
                                break;
                            }
                            for (int row = 0; row < B; row++)
                            {
                                var z = series[random.Next(series.Count)];
                                int start = random.Next(z.Length - T + 1);
                                var norm = Normalization(z.AsSpan(start, C), likelihood);
                                scales[row] = norm.Scale;
                                WriteInputs(z, start, T, norm, inputs.AsSpan(row * T * F, T * F));
                                for (int t = 0; t < T; t++)
                                    targets[row * T + t] = Target(z[start + t], norm);
                            }
                            using var scope = torch.NewDisposeScope();
                            optimizer.zero_grad();
                            var x = torch.tensor(inputs, new long[] { B, T, F });
                            var y = torch.tensor(targets, new long[] { B, T });
                            var nu = torch.tensor(scales, new long[] { B, 1 });
                            var (raw, _, _) = _network.Forward(x, null);
                            var loss = DeepArDistribution.NegativeLogLikelihood(likelihood, raw, y, nu);
                            double value = loss.item<float>();
                            if (!double.IsFinite(value))
                                throw new InvalidOperationException(
                                    $"DeepAR training diverged: the loss became {value} at epoch {epoch}, batch {b + 1}. Lower LearningRate, or check the series for extreme values.");
                            BackwardErrors.Backward(loss);
                            if (s.GradientClipNorm > 0)
                                nn.utils.clip_grad_norm_(parameters, s.GradientClipNorm);
                            optimizer.step();
                            lossSum += value;
                            batches++;
                        }
                        if (batches == 0)
                            break;
                        double seconds = epochClock.Elapsed.TotalSeconds;
                        var report = new EpochReport(epoch, s.Epochs, lossSum / batches, null, null, "nll", s.LearningRate,
                            batches * (double)B / Math.Max(seconds, 1e-9), clock.Elapsed, false);
                        reports.Add(report);
                        s.Report?.Invoke(report);
                    }
                }
                finally
                {
                    _network.eval();
                }
            }
            return new TrainingHistory(reports, reports.Count, false, canceled, 0, threads);
        }

        /// <summary>
        /// Draws <paramref name="samples"/> paths of <paramref name="horizon"/> steps after the end of
        /// <paramref name="history"/> (at least ContextLength values; lags reaching before its start read 0, as at the
        /// start of a training series). The network reads the last ContextLength observed steps, then each path feeds its
        /// own draws back as lags. Returns [samples][horizon] in original units; the same seed gives the same paths.
        /// </summary>
        public float[][] Sample(float[] history, int horizon, int samples, int seed)
        {
            Enter();
            try
            {
                return SampleCore(history, horizon, samples, seed);
            }
            finally
            {
                Exit();
            }
        }

        private float[][] SampleCore(float[] history, int horizon, int samples, int seed)
        {
            int C = Config.ContextLength, F = Config.InputSize, n = history.Length, S = samples;
            if (n < C)
                throw new ArgumentException($"The history has {n} steps; the model reads a context of {C}.", nameof(history));
            var likelihood = Config.Likelihood;
            var norm = Normalization(history.AsSpan(n - C, C), likelihood);
            var context = new float[C * F];
            WriteInputs(history, n - C, C, norm, context);
            var lags = Config.Lags;
            using var scope = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            using var generator = new Generator((ulong)(uint)seed);
            var (_, h0, c0) = _network.Forward(torch.tensor(context, new long[] { 1, C, F }), null);
            var h = h0.repeat(1, S, 1);
            var c = c0.repeat(1, S, 1);
            // The paths in normalised units: the history's last MaxLag steps, then the draws.
            int keep = Math.Min(n, Config.MaxLag);
            var past = new float[keep];
            for (int i = 0; i < keep; i++)
                past[i] = (history[n - keep + i] - norm.Location) / norm.Scale;
            var paths = torch.zeros(S, keep + horizon);
            paths.narrow(1, 0, keep).copy_(torch.tensor(past).unsqueeze(0).expand(S, keep));
            var nu = ScalarOperands.Filled(new long[] { S, 1 }, norm.Scale, ScalarType.Float32);
            var logScale = ScalarOperands.Filled(new long[] { S, 1 }, MathF.Log(1 + norm.Scale), ScalarType.Float32);
            var draws = torch.zeros(S, horizon);
            var zero = torch.zeros(S, 1);
            bool counts = likelihood == DeepArLikelihood.NegativeBinomial;
            for (int step = 0; step < horizon; step++)
            {
                int at = keep + step;   // the position being forecast in `paths`
                var columns = new Tensor[lags.Length + 1];
                for (int k = 0; k < lags.Length; k++)
                {
                    int j = at - lags[k];
                    columns[k] = j >= 0 ? paths.narrow(1, j, 1) : zero;
                }
                columns[lags.Length] = logScale;
                var x = torch.cat(columns, 1).unsqueeze(1);
                var (raw, h1, c1) = _network.Forward(x, (h, c));
                h = h1;
                c = c1;
                // A count comes back as a count; a real value normalised (draw · scale + location in original units).
                var draw = DeepArDistribution.Sample(likelihood, raw.squeeze(1), nu, generator);
                var value = counts ? draw : draw.Times(norm.Scale).Plus(norm.Location);
                draws.narrow(1, step, 1).copy_(value.unsqueeze(1));
                paths.narrow(1, at, 1).copy_((counts ? draw.Over(norm.Scale) : draw).unsqueeze(1));
            }
            var flat = draws.contiguous().data<float>().ToArray();
            var result = new float[S][];
            for (int i = 0; i < S; i++)
                result[i] = flat.AsSpan(i * horizon, horizon).ToArray();
            return result;
        }

        /// <summary>Mean negative log-likelihood of one window (tests: the loss the training minimises, at the current weights).</summary>
        internal double WindowNegativeLogLikelihood(float[] series, int start, int predictionLength)
        {
            int C = Config.ContextLength, T = C + predictionLength, F = Config.InputSize;
            var norm = Normalization(series.AsSpan(start, C), Config.Likelihood);
            var inputs = new float[T * F];
            WriteInputs(series, start, T, norm, inputs);
            var targets = Enumerable.Range(start, T).Select(t => Target(series[t], norm)).ToArray();
            using var scope = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            var (raw, _, _) = _network.Forward(torch.tensor(inputs, new long[] { 1, T, F }), null);
            return DeepArDistribution.NegativeLogLikelihood(Config.Likelihood, raw, torch.tensor(targets, new long[] { 1, T }), torch.tensor(new[] { norm.Scale }, new long[] { 1, 1 })).item<float>();
        }

        private void ThrowIfDisposed()
        {
            lock (_gate)
                if (_disposed)
                    throw new ObjectDisposedException(nameof(DeepArEngine), "The DeepAR model was disposed.");
        }

        /// <summary>Marks a forecast running, so that a Dispose on another thread waits for it to end before freeing the weights.</summary>
        private void Enter()
        {
            lock (_gate)
            {
                if (_disposed)
                    throw new ObjectDisposedException(nameof(DeepArEngine), "The DeepAR model was disposed.");
                _running++;
            }
        }

        private void Exit()
        {
            lock (_gate)
            {
                _running--;
                if (_disposed && _running == 0)
                    Free();
            }
        }

        /// <summary>Frees the network's native memory (after any forecast still running on another thread ends).</summary>
        public void Dispose()
        {
            lock (_gate)
            {
                if (_disposed)
                    return;
                _disposed = true;
                if (_running == 0)
                    Free();
            }
        }

        private void Free()
        {
            if (_freed)
                return;
            _freed = true;
            _network.Dispose();
            Interlocked.Decrement(ref _live);
        }
    }
}
