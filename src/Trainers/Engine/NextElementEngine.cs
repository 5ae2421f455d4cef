using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using MLNet.Sequence.Trainers.Native;
using MLNet.Sequence.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers
{
    /// <summary>One training row of a next-element model: the inputs (begin or the element before, then elements) and each step's next element.</summary>
    internal sealed class NextElementRow
    {
        public long[] Input { get; init; } = Array.Empty<long>();
        public long[] Target { get; init; } = Array.Empty<long>();
        public int Length => Input.Length;

        /// <summary>
        /// The rows that teach every element of <paramref name="sequence"/> once: windows of at most
        /// <paramref name="maxLength"/> steps, each input starting with the element before the window (begin for the first).
        /// </summary>
        public static IEnumerable<NextElementRow> Windows(long[] sequence, int maxLength)
        {
            for (int start = 0; start < sequence.Length; start += maxLength)
            {
                int n = Math.Min(maxLength, sequence.Length - start);
                var input = new long[n];
                input[0] = start == 0 ? NextElementNetworkConfig.Begin : sequence[start - 1];
                Array.Copy(sequence, start, input, 1, n - 1);
                yield return new NextElementRow { Input = input, Target = sequence.AsSpan(start, n).ToArray() };
            }
        }
    }

    /// <summary>Sums over predicted positions: −log p of the actual element, how many were in the top k, reciprocal ranks.</summary>
    internal readonly record struct PositionSums(double NegativeLogLikelihood, long Positions, long TopKHits, double ReciprocalRanks, double DiscountedGains);

    /// <summary>
    /// The engine boundary for next-element models: element id arrays in, distributions and sums out; no tensor crosses
    /// it. Ownership as <see cref="TaggingEngine"/>'s. Scoring is thread-safe.
    /// </summary>
    internal sealed class NextElementEngine : NetworkEngine<NextElementNetwork>
    {
        private NextElementEngine(NextElementNetwork network, Device device) : base(network, device, "NextElementModel", "next-element model") { }

        private protected override NextElementNetwork NewNetworkLikeThis() => new NextElementNetwork(Network.Config);

        public NextElementNetworkConfig Config => Network.Config;
        public int? FixedThreads { get; set; }
        public int TrainingThreads { get; private set; }

        /// <summary>During training, the probability that an input element reads as unknown (element dropout).</summary>
        public double ElementDropout { get; set; }

        public static NextElementEngine Create(NextElementNetworkConfig config, ComputeDevice device) =>
            Build(() => new NextElementNetwork(config), device, (network, on) => new NextElementEngine(network, on));

        /// <exception cref="InvalidDataException">The configuration is invalid or the weights do not match it.</exception>
        public static NextElementEngine Load(NextElementNetworkConfig config, Stream weights) =>
            Restore(() => new NextElementNetwork(config), weights, "next-element model", (network, on) => new NextElementEngine(network, on));

        public TrainingHistory Train(TrainingSettings settings, IBatchSource<NextElementRow> train, IBatchSource<NextElementRow>? validation)
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

        /// <summary>Left-aligned ids [B, T] and lengths (CPU).</summary>
        private (Tensor Ids, Tensor Lengths) Build(IReadOnlyList<long[]> rows)
        {
            int b = rows.Count, t = Math.Max(1, rows.Max(r => r.Length));
            var ids = new long[b * t];
            var lengths = new long[b];
            for (int i = 0; i < b; i++)
            {
                rows[i].CopyTo(ids, i * t);
                lengths[i] = rows[i].Length;
            }
            return (torch.tensor(ids, new long[] { b, t }, device: NetworkDevice), torch.tensor(lengths));
        }

        /// <summary>
        /// The model's input for a context, as training shows inputs: begin and the whole context when it fits the
        /// window; else its last MaxLength elements without begin (a training window after the first starts with the
        /// element before it, not with begin).
        /// </summary>
        private long[] Input(long[] context)
        {
            int window = Config.MaxLength;
            if (context.Length >= window)
                return context.AsSpan(context.Length - window).ToArray();
            var input = new long[context.Length + 1];
            input[0] = NextElementNetworkConfig.Begin;
            context.CopyTo(input, 1);
            return input;
        }

        /// <summary>
        /// The log-probability of every id as the next element after each context (padding and begin at −∞), the
        /// contexts decoded in one batch; a context longer than the model's window keeps its latest elements.
        /// </summary>
        public float[][] NextLogProbabilities(IReadOnlyList<long[]> contexts)
        {
            var results = new float[contexts.Count][];
            if (contexts.Count == 0)
                return results;
            using var running = Ownership.Use();
            Network.eval();
            using var noGrad = torch.no_grad();
            using var threads = ThreadCount.Use(FixedThreads ?? 1);
            const int Batch = 128;
            for (int start = 0; start < contexts.Count; start += Batch)
            {
                using var scope = torch.NewDisposeScope();
                var inputs = contexts.Skip(start).Take(Batch).Select(Input).ToList();
                var (ids, lengths) = Build(inputs);
                var hidden = Network.Hidden(ids, lengths);
                var last = lengths.Minus(1).to(NetworkDevice).view(-1, 1, 1).expand(-1, 1, hidden.shape[2]);
                var lp = Network.Logits(hidden.gather(1, last).squeeze(1)).log_softmax(-1);
                lp.narrow(1, 0, NextElementNetworkConfig.Unknown).fill_(Scalars.NegativeInfinity);
                var values = lp.cpu().data<float>().ToArray();
                int v = (int)lp.shape[1];
                for (int i = 0; i < inputs.Count; i++)
                    results[start + i] = values.AsSpan(i * v, v).ToArray();
            }
            return results;
        }

        /// <summary>
        /// Teacher-forced sums over every element of every sequence (each predicted from the elements before it, within
        /// the model's window): −log p, top-<paramref name="k"/> hits, reciprocal ranks and NDCG gains (rank among the
        /// known elements, ties at their expected rank; an unknown target is a miss but its probability counts in −log p).
        /// </summary>
        public PositionSums ScorePositions(IReadOnlyList<long[]> sequences, int k)
        {
            using var running = Ownership.Use();
            Network.eval();
            using var noGrad = torch.no_grad();
            using var threads = ThreadCount.Use(FixedThreads ?? 1);
            var rows = sequences.SelectMany(s => NextElementRow.Windows(s, Config.MaxLength)).ToList();
            double nll = 0, reciprocal = 0, gains = 0;
            long positions = 0, hits = 0;
            const int Batch = 64;
            for (int start = 0; start < rows.Count; start += Batch)
            {
                using var scope = torch.NewDisposeScope();
                var batch = rows.Skip(start).Take(Batch).ToList();
                var (ids, lengths) = Build(batch.Select(r => r.Input).ToList());
                var (targets, _) = Build(batch.Select(r => r.Target).ToList());
                var lp = Network.Logits(Network.Hidden(ids, lengths)).log_softmax(-1);
                lp.narrow(-1, 0, NextElementNetworkConfig.Unknown).fill_(Scalars.NegativeInfinity);
                var actual = lp.gather(2, targets.unsqueeze(-1));                                 // [B, T, 1]
                // Ranks as next-item mode counts them: the unknown element is no candidate, and an unknown target a miss
                // (its probability still counts in the cross-entropy, as an out-of-vocabulary word's does).
                var candidates = lp.index_fill(2, torch.tensor(new[] { NextElementNetworkConfig.Unknown }, device: lp.device), Scalars.NegativeInfinity);
                // Expected rank among ids but padding and begin: 1 + how many score higher + half the others that tie.
                var rank = candidates.gt(actual).sum(-1).to_type(ScalarType.Float64).Plus(candidates.eq(actual).sum(-1).to_type(ScalarType.Float64).Minus(1L).Over(2)).Plus(1L);
                var real = targets.NotEqualTo(NextElementNetworkConfig.Padding);
                var known = real.logical_and(targets.NotEqualTo(NextElementNetworkConfig.Unknown));
                var knownF = known.to_type(ScalarType.Float64);
                nll -= actual.squeeze(-1).FilledWhere(real.logical_not(), 0L).to_type(ScalarType.Float64).sum().item<double>();
                positions += real.sum().item<long>();
                hits += rank.AtMostMask(k).logical_and(known).sum().item<long>();
                reciprocal += (rank.reciprocal() * knownF).sum().item<double>();
                gains += (rank.AtMostMask(k).to_type(ScalarType.Float64) / rank.Plus(1L).log2() * knownF).sum().item<double>();
            }
            return new PositionSums(nll, positions, hits, reciprocal, gains);
        }

        private sealed class Trainable : ITrainable<NextElementRow>
        {
            private readonly NextElementEngine _engine;

            public Trainable(NextElementEngine engine) => _engine = engine;

            public nn.Module Module => _engine.Network;

            public string MetricName => "next-element accuracy";

            private Tensor Logits(IReadOnlyList<NextElementRow> rows, out Tensor targets)
            {
                var (ids, lengths) = _engine.Build(rows.Select(r => r.Input).ToList());
                (targets, _) = _engine.Build(rows.Select(r => r.Target).ToList());
                double p = _engine.ElementDropout;
                if (_engine.Network.training && p > 0)
                {
                    var drop = torch.rand(ids.shape, device: ids.device).LessThan(p).logical_and(ids.AtLeastMask(NextElementNetworkConfig.FirstElement));
                    ids = ids.FilledWhere(drop, NextElementNetworkConfig.Unknown);
                }
                return _engine.Network.Logits(_engine.Network.Hidden(ids, lengths));
            }

            public Tensor Loss(IReadOnlyList<NextElementRow> rows, out int count)
            {
                count = rows.Count;
                var logits = Logits(rows, out var targets);
                return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[2]), targets.reshape(-1), ignore_index: NextElementNetworkConfig.Padding);
            }

            public BatchScore ValidationScore(IReadOnlyList<NextElementRow> rows)
            {
                var logits = Logits(rows, out var targets);
                var loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[2]), targets.reshape(-1), ignore_index: NextElementNetworkConfig.Padding);
                var real = targets.NotEqualTo(NextElementNetworkConfig.Padding);
                long correct = logits.argmax(-1).eq(targets).logical_and(real).sum().item<long>();
                return new BatchScore(loss.item<float>() * rows.Count, rows.Count, correct, real.sum().item<long>());
            }

            public double Metric(double sum, long items) => items == 0 ? 0 : sum / items;
        }
    }
}
