using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using MLNet.Sequence.Trainers.Native;
using MLNet.Sequence.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers
{
    /// <summary>One sentence as the tagging engine takes it: ids per token, optional per-token features and tags.</summary>
    internal sealed class TaggedSentence
    {
        /// <summary>Word ids (1 = unknown), one per token; at least one token.</summary>
        public long[] Words { get; init; } = Array.Empty<long>();
        /// <summary>Character ids per token (0 padding, 1 unknown), or null without character features.</summary>
        public int[][]? Characters { get; init; }
        /// <summary>Casing classes from 1, one per token, or null.</summary>
        public long[]? Casing { get; init; }
        /// <summary>Extra features, tokens × features row-major, or null.</summary>
        public float[]? Extra { get; init; }
        /// <summary>Tag ids from 0, one per token (training), or null.</summary>
        public long[]? Tags { get; init; }

        public int Length => Words.Length;
    }

    /// <summary>
    /// The engine boundary for taggers: sentences in as arrays, tags and probabilities out as arrays; no tensor crosses
    /// it. Scoring is thread-safe (stateless forward pass, a dispose scope per call). Ownership as
    /// <see cref="SequenceEngine"/>'s: the creator's share plus one per lease; the last release frees the native memory.
    /// </summary>
    internal sealed class TaggingEngine : NetworkEngine<TaggingNetwork>
    {
        private volatile int _scoringThreads;
        private readonly object _threadGate = new();

        private TaggingEngine(TaggingNetwork network, Device device) : base(network, device, "SequenceTaggingModel", "tagging model") { }

        private protected override TaggingNetwork NewNetworkLikeThis() => new TaggingNetwork(Network.Config);

        public TaggingNetworkConfig Config => Network.Config;

        /// <summary>libtorch threads used to train (0 when loaded) and the fixed count, if the user set one.</summary>
        public int TrainingThreads { get; private set; }
        public int? FixedThreads { get; set; }

        /// <summary>A new network on <paramref name="device"/>; its weights come from libtorch's generator, which the caller seeds.</summary>
        public static TaggingEngine Create(TaggingNetworkConfig config, ComputeDevice device) =>
            Build(() => new TaggingNetwork(config), device, (network, on) => new TaggingEngine(network, on));

        /// <summary>A network rebuilt from its configuration and saved weights, on the CPU.</summary>
        /// <exception cref="InvalidDataException">The weights do not match the configuration.</exception>
        public static TaggingEngine Load(TaggingNetworkConfig config, Stream weights) =>
            Restore(() => new TaggingNetwork(config), weights, "tagging model", (network, on) => new TaggingEngine(network, on));

        /// <summary>Trains the network (not while it scores); returns the per-epoch history.</summary>
        public TrainingHistory Train(TrainingSettings settings, IBatchSource<TaggedSentence> train, IBatchSource<TaggedSentence>? validation)
        {
            using var _ = Ownership.Use();
            var model = new Trainable(this);
            FixedThreads = settings.Threads;
            int threads = settings.Threads ?? TrainingThreadChoice.Fastest(Network, train, rows => model.Loss(rows, out int _), settings.Log);
            using (ThreadCount.Use(threads))
            {
                var history = TrainingLoop.Run(model, settings, train, validation);
                TrainingThreads = threads;
                return history.WithThreads(threads);
            }
        }

        /// <summary>
        /// Tags and the chosen tags' probabilities for each sentence (an empty sentence gives empty arrays); with
        /// <paramref name="of"/> (one tag array per sentence), the probabilities of those tags instead.
        /// </summary>
        public (long[][] Tags, float[][] Probabilities) Predict(IReadOnlyList<TaggedSentence> sentences, IReadOnlyList<long[]>? of = null)
        {
            var tags = new long[sentences.Count][];
            var probabilities = new float[sentences.Count][];
            var nonEmpty = new List<int>();
            for (int i = 0; i < sentences.Count; i++)
            {
                if (sentences[i].Length == 0)
                {
                    tags[i] = Array.Empty<long>();
                    probabilities[i] = Array.Empty<float>();
                }
                else
                    nonEmpty.Add(i);
            }
            if (nonEmpty.Count == 0)
                return (tags, probabilities);
            using var running = Ownership.Use();
            var rows = nonEmpty.Select(i => sentences[i]).ToList();
            using var threads = ThreadCount.Use(ScoringThreads(rows));
            using var scope = torch.NewDisposeScope();
            var batch = Build(rows, withTags: false);
            var (t, p) = Network.Predict(batch, of == null ? null : nonEmpty.Select(i => of[i]).ToArray());
            for (int j = 0; j < nonEmpty.Count; j++)
            {
                tags[nonEmpty[j]] = t[j];
                probabilities[nonEmpty[j]] = p[j];
            }
            return (tags, probabilities);
        }

        private int ScoringThreads(IReadOnlyList<TaggedSentence> rows)
        {
            if (FixedThreads is int fixedCount)
                return fixedCount;
            if (_scoringThreads > 0)
                return _scoringThreads;
            lock (_threadGate)
            {
                if (_scoringThreads > 0)
                    return _scoringThreads;
                // One measurement, on the first batch scored (other threads wait for it rather than measure alongside).
                var (threads, _) = ThreadCount.Fastest(() =>
                {
                    using var scope = torch.NewDisposeScope();
                    Network.Predict(Build(rows, withTags: false));
                });
                return _scoringThreads = threads;
            }
        }

        /// <summary>Copies sentences into a left-aligned, padded batch on the engine's device.</summary>
        internal TaggingBatch Build(IReadOnlyList<TaggedSentence> rows, bool withTags)
        {
            var c = Config;
            int b = rows.Count;
            int t = 1;
            foreach (var r in rows)
                t = Math.Max(t, r.Length);
            var words = new long[b * t];
            var mask = new bool[b * t];
            var lengths = new long[b];
            long[]? tags = withTags ? new long[b * t] : null;
            long[]? casing = c.CasingClasses > 0 ? new long[b * t] : null;
            int chars = c.MaxCharacters;
            long[]? characters = c.CharacterFeatures ? new long[b * t * chars] : null;
            float[]? extra = c.ExtraFeatures > 0 ? new float[b * t * c.ExtraFeatures] : null;
            bool allReal = true;
            for (int i = 0; i < b; i++)
            {
                var r = rows[i];
                int n = r.Length;
                if (n == 0)
                    throw new InvalidOperationException("A batch holds an empty sentence; the engine skips those before building batches.");
                allReal &= n == t;
                lengths[i] = n;
                r.Words.CopyTo(words, i * t);
                mask.AsSpan(i * t, n).Fill(true);
                if (tags != null)
                    r.Tags!.CopyTo(tags, i * t);
                if (casing != null)
                    r.Casing!.CopyTo(casing, i * t);
                if (characters != null)
                    for (int j = 0; j < n; j++)
                    {
                        var w = r.Characters![j];
                        for (int k = 0; k < w.Length && k < chars; k++)
                            characters[(i * t + j) * chars + k] = w[k];
                    }
                if (extra != null)
                    r.Extra!.CopyTo(extra, i * t * c.ExtraFeatures);
            }
            Tensor On(Tensor x) => NetworkDevice.type == DeviceType.CPU ? x : x.to(NetworkDevice);
            return new TaggingBatch
            {
                Words = On(torch.tensor(words, new long[] { b, t })),
                Mask = On(torch.tensor(mask, new long[] { b, t })),
                Lengths = torch.tensor(lengths),
                Tags = tags != null ? On(torch.tensor(tags, new long[] { b, t })) : null,
                Casing = casing != null ? On(torch.tensor(casing, new long[] { b, t })) : null,
                Characters = characters != null ? On(torch.tensor(characters, new long[] { b, t, chars })) : null,
                Extra = extra != null ? On(torch.tensor(extra, new long[] { b, t, c.ExtraFeatures })) : null,
                AllReal = allReal,
                Count = b,
            };
        }

        /// <summary>The training loop's view: loss per batch; validation loss and token accuracy.</summary>
        private sealed class Trainable : ITrainable<TaggedSentence>
        {
            private readonly TaggingEngine _engine;

            public Trainable(TaggingEngine engine) => _engine = engine;

            public nn.Module Module => _engine.Network;

            public string MetricName => "token accuracy";

            public Tensor Loss(IReadOnlyList<TaggedSentence> rows, out int count)
            {
                count = rows.Count;
                return _engine.Network.Loss(_engine.Build(rows, withTags: true));
            }

            public BatchScore ValidationScore(IReadOnlyList<TaggedSentence> rows)
            {
                var batch = _engine.Build(rows, withTags: true);
                double loss = _engine.Network.Loss(batch).item<float>() * rows.Count;
                var (tags, _) = _engine.Network.Predict(batch);
                long correct = 0, tokens = 0;
                for (int i = 0; i < rows.Count; i++)
                    for (int j = 0; j < tags[i].Length; j++)
                    {
                        correct += tags[i][j] == rows[i].Tags![j] ? 1 : 0;
                        tokens++;
                    }
                return new BatchScore(loss, rows.Count, correct, tokens);
            }

            public double Metric(double sum, long items) => items == 0 ? 0 : sum / items;
        }
    }
}
