using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using MLNet.Sequence.Trainers.Native;
using MLNet.Sequence.Trainers.Network;
using TorchSharp;

namespace MLNet.Sequence.Trainers
{
    /// <summary>
    /// The engine boundary: a network and its device behind an API in plain arrays. Callers hand it managed rows
    /// (<see cref="SequenceRow"/>) to train on or to score, and get managed outputs back; no tensor crosses this line.
    /// </summary>
    /// <remarks>
    /// <para>Scoring is thread-safe: the forward pass is stateless and each call builds its own tensors in its own dispose
    /// scope, so many threads may score one engine at once.</para>
    /// <para>Ownership: an engine starts with one owner, its creator, who gives it back with <see cref="Release"/>. Each
    /// <see cref="Lease"/> adds an owner (a prediction engine's row, an open cursor) until the lease is released, or
    /// collected when its holder is dropped without releasing it. The native memory is freed when the last owner lets go
    /// and no call is still running; using it after that throws <see cref="ObjectDisposedException"/>.</para>
    /// </remarks>
    internal sealed class SequenceEngine
    {
        private readonly SequenceNetwork _network;
        private readonly ComputeDevice _device;
        private readonly SharedOwnership _ownership;
        private static int _live;

        /// <summary>Engines whose native memory is not freed yet, in this process (for tests of ownership).</summary>
        internal static int LiveCount => Volatile.Read(ref _live);

        private SequenceEngine(SequenceNetwork network, BatchLayout layout, ComputeDevice device)
        {
            _network = network;
            Layout = layout;
            _device = device;
            _ownership = new SharedOwnership("SequenceModel", "sequence model", () =>
            {
                _network.Dispose();
                Interlocked.Decrement(ref _live);
            });
        }

        /// <summary>The network's configuration.</summary>
        public NetworkConfig Config => _network.Config;

        /// <summary>The network itself, for tests and benchmarks that look inside; the library's own callers use the array API.</summary>
        internal SequenceNetwork Network => _network;

        /// <summary>The rows the network takes.</summary>
        public BatchLayout Layout { get; }

        /// <summary>Where it runs.</summary>
        public ComputeDevice Device => _device;

        /// <summary>Outputs per row: outputs × quantiles.</summary>
        public int OutputsPerRow => Config.Outputs * Math.Max(1, Config.Quantiles);

        /// <summary>Trainable and frozen weights.</summary>
        public long ParameterCount
        {
            get
            {
                using var _ = Use();
                return _network.parameters().Sum(p => p.numel());
            }
        }

        /// <summary>A new, untrained network on <paramref name="device"/>, seeded by the caller (<see cref="EngineRuntime.Seed"/>).</summary>
        public static SequenceEngine Create(NetworkConfig config, BatchLayout layout, ComputeDevice device)
        {
            TorchNative.EnsureLoaded();
            var network = new SequenceNetwork(config);
            try
            {
                network.to(device.Device);
                Interlocked.Increment(ref _live);
                return new SequenceEngine(network, layout, device);
            }
            catch
            {
                network.Dispose();
                throw;
            }
        }

        /// <summary>A network rebuilt from its configuration and saved weights, on the CPU.</summary>
        /// <exception cref="InvalidDataException">The weights do not match the configuration.</exception>
        public static SequenceEngine Load(NetworkConfig config, BatchLayout layout, Stream weights)
        {
            TorchNative.EnsureLoaded();
            var network = new SequenceNetwork(config);
            try
            {
                network.load(weights);
                network.eval();
                Interlocked.Increment(ref _live);
                return new SequenceEngine(network, layout, ComputeDevice.Cpu);
            }
            catch (Exception e)
            {
                network.Dispose();
                throw new InvalidDataException($"The stored sequence model's weights do not match its configuration: {e.Message}", e);
            }
        }

        /// <summary>Replaces the embedding table with pretrained vectors ([vocabulary × dimension], row-major); optionally frozen.</summary>
        public void SetEmbedding(float[] table, bool freeze)
        {
            using var _ = Use();
            _network.SetEmbedding(table, freeze);
        }

        /// <summary>Trains the network; returns the per-epoch history. Not to be called while the engine scores.</summary>
        public TrainingHistory Train(TrainingSettings settings, IRowBatchSource train, IRowBatchSource? validation)
        {
            using var _ = Use();
            var builder = new TensorBatchBuilder(Layout, _device.Device);
            _fixedThreads = settings.Threads;
            int threads = settings.Threads ?? ChooseTrainingThreads(settings, builder, train);
            using (ThreadCount.Use(threads))
            {
                var history = TrainingLoop.Run(_network, builder, settings, train, validation);
                TrainingThreads = threads;
                return history.WithThreads(threads);
            }
        }

        /// <summary>
        /// Automatic thread count for training: a forward and backward pass of the first training batch timed at 1, 2, ...
        /// threads. The weights do not change (no optimizer step) and libtorch's random state is restored, so the model is
        /// the one a fixed count would give.
        /// </summary>
        private int ChooseTrainingThreads(TrainingSettings s, TensorBatchBuilder builder, IRowBatchSource train)
        {
            List<SequenceRow> rows;
            using (var batches = train.Batches(0).GetEnumerator())
            {
                if (!batches.MoveNext())
                    return 1;
                rows = batches.Current.ToList();
                // Copied: the source reuses its rows once the enumerator moves on or is disposed.
                rows = rows.Select(r => Copy(r)).ToList();
            }
            using var rng = torch.get_rng_state();
            _network.train();
            var (threads, timings) = ThreadCount.Fastest(() =>
            {
                using var scope = torch.NewDisposeScope();
                var batch = builder.Build(rows, withTargets: true);
                var loss = TrainingLoop.Loss(_network.Forward(batch.Inputs, batch.Mask, batch.Statics), batch.Targets!, s);
                using (ThreadCount.Keep())
                    BackwardErrors.Backward(loss);
                _network.zero_grad();
            });
            torch.set_rng_state(rng);
            s.Log?.Invoke($"Threads: {threads} for training (a training step's forward and backward pass: {ThreadCount.Describe(timings)}; set NumberOfThreads to fix it).");
            return threads;
        }

        private SequenceRow Copy(SequenceRow r)
        {
            var c = new SequenceRow(Layout);
            r.Ids?.CopyTo(c.Ids!, 0);
            r.Values?.CopyTo(c.Values!, 0);
            r.Mask.CopyTo(c.Mask, 0);
            r.Statics.CopyTo(c.Statics, 0);
            r.Target.CopyTo(c.Target, 0);
            c.Length = r.Length;
            c.Class = r.Class;
            return c;
        }

        private int? _fixedThreads;
        private int _singleRowThreads, _batchThreads;
        private readonly object _threadGate = new();

        /// <summary>The thread count Fit trained with (0 for a model loaded from a file that did not record it).</summary>
        public int TrainingThreads { get; private set; }

        /// <summary>The count the user fixed (NumberOfThreads), or null for automatic choices.</summary>
        public int? FixedThreads
        {
            get => _fixedThreads;
            internal set => _fixedThreads = value;
        }

        /// <summary>The counts scoring uses for one row and for batches; 0 until measured (on first use).</summary>
        public (int SingleRow, int Batch) ScoringThreads => (_fixedThreads ?? _singleRowThreads, _fixedThreads ?? _batchThreads);

        /// <summary>
        /// The thread count for scoring <paramref name="rows"/>: the fixed one, or (automatic) the fastest for one row or for
        /// a batch, measured on the first such call by timing forward passes of these rows at 1, 2, ... threads.
        /// </summary>
        private int ScoringThreadsFor(IReadOnlyList<SequenceRow> rows, TensorBatchBuilder builder)
        {
            if (_fixedThreads is int fixedCount)
                return fixedCount;
            bool single = rows.Count == 1;
            int known = single ? _singleRowThreads : _batchThreads;
            if (known > 0)
                return known;
            lock (_threadGate)
            {
                known = single ? _singleRowThreads : _batchThreads;
                if (known > 0)
                    return known;
                var (threads, _) = ThreadCount.Fastest(() =>
                {
                    using var scope = torch.NewDisposeScope();
                    var batch = builder.Build(rows, withTargets: false);
                    _network.Forward(batch.Inputs, batch.Mask, batch.Statics);
                });
                if (single) _singleRowThreads = threads;
                else _batchThreads = threads;
                return threads;
            }
        }

        /// <summary>Every weight of the network by its parameter name, copied out as arrays (the ONNX export reads them).</summary>
        internal Dictionary<string, WeightArray> ReadWeights()
        {
            using var _ = Use();
            return NetworkWeights.Read(_network);
        }

        /// <summary>A scorer for one thread (it reuses its staging buffers); engines are shared, scorers are not.</summary>
        public Scorer CreateScorer() => new(this);

        /// <summary>Writes the weights. A network on a GPU is copied to a CPU network for the write, so scoring on other threads goes on undisturbed.</summary>
        public void Save(Stream destination)
        {
            using var _ = Use();
            ModuleFiles.Save(_network, _device.IsCpu, () => new SequenceNetwork(_network.Config), destination);
        }

        /// <summary>Adds an owner until the returned lease is released or collected; throws when the engine was already freed.</summary>
        public EngineLease Lease() => _ownership.Lease();

        /// <summary>
        /// The creator's share, handed to a lease (held by whatever should keep the engine alive, e.g. the model object) when
        /// other owners exist; released at once otherwise. Returns the lease, or null when the share was released.
        /// </summary>
        public EngineLease? ReleaseOrKeepWhileShared() => _ownership.ReleaseOrKeepWhileShared();

        /// <summary>Removes an owner; the last one frees the native memory (once running calls finish). Extra releases are ignored.</summary>
        public void Release() => _ownership.Release();

        /// <summary>True once the native memory has been freed (or is about to be, when the last running call ends).</summary>
        public bool IsReleased => _ownership.IsReleased;

        private SharedOwnership.RunningCall Use() => _ownership.Use();

        /// <summary>Scores rows for one thread: builds the batch, runs the network without gradients, copies the outputs out.</summary>
        internal sealed class Scorer
        {
            private readonly SequenceEngine _engine;
            private readonly TensorBatchBuilder _builder;
            private float[] _outputs = Array.Empty<float>();

            public Scorer(SequenceEngine engine)
            {
                _engine = engine;
                _builder = new TensorBatchBuilder(engine.Layout, engine._device.Device);
            }

            /// <summary>Raw outputs [rows × OutputsPerRow], in a buffer this scorer reuses (valid until its next call).</summary>
            public float[] Score(IReadOnlyList<SequenceRow> rows)
            {
                int n = rows.Count * _engine.OutputsPerRow;
                if (_outputs.Length < n)
                    _outputs = new float[n];
                using var running = _engine.Use();
                using var noGrad = torch.no_grad();
                using var threads = ThreadCount.Use(_engine.ScoringThreadsFor(rows, _builder));
                using var scope = torch.NewDisposeScope();
                var batch = _builder.Build(rows, withTargets: false);
                var output = _engine._network.Forward(batch.Inputs, batch.Mask, batch.Statics);
                TensorBatchBuilder.CopyOut(output, _outputs.AsSpan(0, n));
                return _outputs;
            }
        }
    }
}
