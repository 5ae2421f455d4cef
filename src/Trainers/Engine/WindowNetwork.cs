using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace MLNet.Sequence.Trainers
{
    /// <summary>What a <see cref="WindowNetwork"/> learns from the sliding windows of one scaled series.</summary>
    internal enum WindowTask
    {
        /// <summary>The value after each window (point, or the quantiles of <see cref="WindowNetworkConfig.Quantiles"/>).</summary>
        NextValue,
        /// <summary>The window itself, through the encoder's bottleneck (an autoencoder).</summary>
        Reconstruct,
    }

    /// <summary>The shape and training recipe of a <see cref="WindowNetwork"/> (stored with the detector that owns it).</summary>
    internal sealed class WindowNetworkConfig
    {
        public WindowTask Task { get; set; }
        public EncoderKind Encoder { get; set; } = EncoderKind.Lstm;
        public int WindowLength { get; set; } = 32;
        public int HiddenSize { get; set; } = 32;
        public int Layers { get; set; } = 1;
        public float[]? Quantiles { get; set; }
        public int Epochs { get; set; } = 20;
        public int BatchSize { get; set; } = 32;
        public double LearningRate { get; set; } = 3e-3;
        public int? Threads { get; set; } = 1;

        /// <summary>Network outputs per window: 1 (or one per quantile) for the next value, the window length for reconstruction.</summary>
        public int Outputs => Task == WindowTask.NextValue ? 1 : WindowLength;

        public NetworkConfig Network() => new()
        {
            Encoder = Encoder,
            FeaturesPerStep = 1,
            SequenceLength = WindowLength,
            HiddenSize = HiddenSize,
            Layers = Layers,
            Pooling = SequencePooling.Last,
            Outputs = Outputs,
            Quantiles = Task == WindowTask.NextValue ? Quantiles?.Length ?? 0 : 0,
        };

        public BatchLayout Layout() => new()
        {
            Steps = WindowLength,
            Features = 1,
            Task = TaskOf(),
            TargetValues = Outputs,
        };

        private SequenceTask TaskOf() => Task == WindowTask.NextValue && Quantiles is { Length: > 0 } ? SequenceTask.QuantileRegression : SequenceTask.Regression;

        public TrainingSettings Settings(int seed) => new()
        {
            Task = TaskOf(),
            Epochs = Epochs,
            BatchSize = BatchSize,
            LearningRate = LearningRate,
            Optimizer = SequenceOptimizer.Adam,
            GradientClipNorm = 1.0,
            Quantiles = TaskOf() == SequenceTask.QuantileRegression ? Quantiles : null,
            Threads = Threads,
            Fingerprint = $"window-{seed}",
        };
    }

    /// <summary>
    /// The project's sequence network (<see cref="SequenceEngine"/>: an LSTM, GRU or temporal-CNN encoder and a dense head)
    /// trained on the sliding windows of one already-scaled series, as the anomaly detectors use it: the next value after
    /// each window (optionally its quantiles), or the window itself through the encoder's last hidden state (an
    /// autoencoder with a dense decoder). Arrays in, arrays out; no tensor leaves this class. Not thread-safe for training;
    /// scoring takes a lock, so one network can serve several readers.
    /// </summary>
    internal sealed class WindowNetwork : IDisposable
    {
        /// <summary>Creating and seeding networks touches libtorch's global random state: one at a time.</summary>
        private static readonly object SeedGate = new();

        private readonly SequenceEngine _engine;
        private readonly SequenceEngine.Scorer _scorer;
        private readonly object _scoreGate = new();
        private bool _disposed;

        private WindowNetwork(WindowNetworkConfig config, SequenceEngine engine)
        {
            Config = config;
            _engine = engine;
            _scorer = engine.CreateScorer();
        }

        public WindowNetworkConfig Config { get; }

        /// <summary>Windows scored per network call.</summary>
        private const int ScoreBatch = 512;

        /// <summary>
        /// Trains a network on every window of each of <paramref name="series"/> (scaled values; windows never cross two series): for the next-value task, each
        /// window of W values and the value after it; for reconstruction, each window of W values. Seeded, so a series and
        /// a seed give one network.
        /// </summary>
        public static WindowNetwork Train(WindowNetworkConfig config, IReadOnlyList<float[]> series, int seed)
        {
            int W = config.WindowLength;
            int first = config.Task == WindowTask.NextValue ? W : W - 1;   // the first position a window ends at (inclusive target)
            var layout = config.Layout();
            var rows = new List<SequenceRow>();
            foreach (var s in series)
                for (int t = first; t < s.Length; t++)
                    rows.Add(RowAt(config, layout, s, t, withTarget: true));
            if (rows.Count == 0)
                throw new ArgumentException($"No series is long enough for a window network of length {W}: one needs at least {first + 1} values.");
            SequenceEngine engine;
            // The initial weights come from libtorch's global generator: seed and create under one lock. Training
            // draws nothing from it (no dropout; the shuffling is seeded here), so it runs outside the lock.
            lock (SeedGate)
            {
                EngineRuntime.Seed(seed);
                engine = SequenceEngine.Create(config.Network(), layout, ComputeDevice.Cpu);
            }
            try
            {
                engine.Train(config.Settings(seed), new InMemoryRows(rows, config.BatchSize, seed), null);
            }
            catch
            {
                engine.Release();
                throw;
            }
            return new WindowNetwork(config, engine);
        }

        /// <summary>Rebuilds a stored network.</summary>
        public static WindowNetwork Load(WindowNetworkConfig config, Stream weights) =>
            new(config, SequenceEngine.Load(config.Network(), config.Layout(), weights));

        /// <summary>An independent copy (its own native weights).</summary>
        public WindowNetwork Copy()
        {
            using var buffer = new MemoryStream();
            Save(buffer);   // libtorch's writer may close the stream; its bytes stay readable
            using var read = new MemoryStream(buffer.ToArray());
            return Load(Config, read);
        }

        /// <summary>Writes the weights.</summary>
        public void Save(Stream destination) => _engine.Save(destination);

        /// <summary>
        /// The network's outputs for the windows ending at (reconstruction) or just before (next value) each position in
        /// [<paramref name="from"/>, <paramref name="from"/> + <paramref name="count"/>) of <paramref name="series"/>:
        /// count × outputs-per-window values (the quantiles of one output are adjacent).
        /// </summary>
        public float[] Score(ReadOnlySpan<float> series, int from, int count)
        {
            int per = _engine.OutputsPerRow;
            var result = new float[count * per];
            var layout = _engine.Layout;
            var rows = new List<SequenceRow>(Math.Min(count, ScoreBatch));
            lock (_scoreGate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                for (int start = 0; start < count; start += ScoreBatch)
                {
                    int n = Math.Min(ScoreBatch, count - start);
                    while (rows.Count < n)
                        rows.Add(new SequenceRow(layout));
                    var batch = rows.Count == n ? rows : rows.GetRange(0, n);
                    for (int i = 0; i < n; i++)
                        Fill(Config, batch[i], series, from + start + i, withTarget: false);
                    var outputs = _scorer.Score(batch);
                    outputs.AsSpan(0, n * per).CopyTo(result.AsSpan(start * per));
                }
            }
            return result;
        }

        /// <summary>Outputs per window.</summary>
        public int OutputsPerWindow => _engine.OutputsPerRow;

        private static SequenceRow RowAt(WindowNetworkConfig c, BatchLayout layout, ReadOnlySpan<float> series, int t, bool withTarget)
        {
            var row = new SequenceRow(layout);
            Fill(c, row, series, t, withTarget);
            return row;
        }

        /// <summary>The window for position <paramref name="t"/>: the W values before it (next value) or ending at it (reconstruction).</summary>
        private static void Fill(WindowNetworkConfig c, SequenceRow row, ReadOnlySpan<float> series, int t, bool withTarget)
        {
            int W = c.WindowLength;
            int start = c.Task == WindowTask.NextValue ? t - W : t - W + 1;
            series.Slice(start, W).CopyTo(row.Values);
            Array.Fill(row.Mask, true);
            row.Length = W;
            if (!withTarget)
                return;
            if (c.Task == WindowTask.NextValue)
                row.Target[0] = series[t];
            else
                series.Slice(start, W).CopyTo(row.Target);
        }

        /// <summary>Native memory goes back once no scoring call is running.</summary>
        public void Dispose()
        {
            lock (_scoreGate)
            {
                if (_disposed)
                    return;
                _disposed = true;
            }
            _engine.Release();
        }

        /// <summary>Training rows held in memory, shuffled per epoch with a seeded generator.</summary>
        private sealed class InMemoryRows : IRowBatchSource
        {
            private readonly List<SequenceRow> _rows;
            private readonly int _batch, _seed;

            public InMemoryRows(List<SequenceRow> rows, int batch, int seed)
            {
                _rows = rows;
                _batch = batch;
                _seed = seed;
            }

            public IEnumerable<IReadOnlyList<SequenceRow>> Batches(int epoch)
            {
                var order = Enumerable.Range(0, _rows.Count).ToArray();
                if (epoch > 0)
                    new Random(unchecked(_seed * 31 + epoch)).Shuffle(order);
                for (int i = 0; i < order.Length; i += _batch)
                {
                    int n = Math.Min(_batch, order.Length - i);
                    var batch = new SequenceRow[n];
                    for (int k = 0; k < n; k++)
                        batch[k] = _rows[order[i + k]];
                    yield return batch;
                }
            }

            public void PrepareToResume() { }
        }
    }
}
