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
    /// <summary>One example as the sequence-to-sequence engine takes it: source ids (1 = unknown) and target token ids.</summary>
    internal sealed class Seq2SeqPair
    {
        /// <summary>Source ids from 2 (0 padding, 1 unknown); at least one.</summary>
        public long[] Source { get; init; } = Array.Empty<long>();

        /// <summary>Target ids from <see cref="Seq2SeqNetworkConfig.FirstToken"/>, without begin and end (training), or null.</summary>
        public long[]? Target { get; init; }

        public int Length => Source.Length;
    }

    /// <summary>A decoded output: target token ids (without begin and end) and their log-probability under the model.</summary>
    internal readonly record struct Decoded(long[] Tokens, float LogProbability);

    /// <summary>
    /// The engine boundary for sequence-to-sequence models: pairs of id arrays in, decoded id arrays out; no tensor
    /// crosses it. Trains with teacher forcing through <see cref="TrainingLoop"/>; decodes greedily or by beam search
    /// with GNMT's length penalty ((5 + |Y|) / 6)^α (Wu et al., 2016). Ownership as <see cref="TaggingEngine"/>'s: the
    /// creator's share plus one per lease; the last release frees the native memory. Decoding is thread-safe.
    /// </summary>
    internal sealed class Seq2SeqEngine : NetworkEngine<Seq2SeqModule>
    {
        private Seq2SeqEngine(Seq2SeqModule network, Device device) : base(network, device, "SequenceToSequenceModel", "sequence-to-sequence model") { }

        private protected override Seq2SeqModule NewNetworkLikeThis() => Seq2SeqModule.Create(Network.Config);

        public Seq2SeqNetworkConfig Config => Network.Config;

        /// <summary>libtorch threads used to train (0 when loaded) and the fixed count, if the user set one.</summary>
        public int TrainingThreads { get; private set; }
        public int? FixedThreads { get; set; }

        /// <summary>A new network on <paramref name="device"/>; its weights come from libtorch's generator, which the caller seeds.</summary>
        public static Seq2SeqEngine Create(Seq2SeqNetworkConfig config, ComputeDevice device) =>
            Build(() => Seq2SeqModule.Create(config), device, (network, on) => new Seq2SeqEngine(network, on));

        /// <summary>A network rebuilt from its configuration and saved weights, on the CPU.</summary>
        /// <exception cref="InvalidDataException">The configuration is invalid or the weights do not match it.</exception>
        public static Seq2SeqEngine Load(Seq2SeqNetworkConfig config, Stream weights) =>
            Restore(() => Seq2SeqModule.Create(config), weights, "sequence-to-sequence model", (network, on) => new Seq2SeqEngine(network, on));

        /// <summary>Trains the network; returns the per-epoch history (validation metric: token accuracy under teacher forcing).</summary>
        public TrainingHistory Train(TrainingSettings settings, IBatchSource<Seq2SeqPair> train, IBatchSource<Seq2SeqPair>? validation)
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

        /// <summary>The padded source [B, S], its lengths, and with targets the decoder's input and expected output [B, T + 1].</summary>
        internal (Tensor Source, Tensor Lengths, Tensor? TargetIn, Tensor? TargetOut) Build(IReadOnlyList<Seq2SeqPair> rows, bool withTargets)
        {
            int b = rows.Count, s = rows.Max(r => r.Length);
            var source = new long[b * s];
            var lengths = new long[b];
            for (int i = 0; i < b; i++)
            {
                rows[i].Source.CopyTo(source, i * s);
                lengths[i] = rows[i].Length;
            }
            var src = torch.tensor(source, new long[] { b, s }, device: NetworkDevice);
            var len = torch.tensor(lengths);
            if (!withTargets)
                return (src, len, null, null);
            int t = rows.Max(r => r.Target!.Length) + 1;
            var input = new long[b * t];
            var expected = new long[b * t];
            for (int i = 0; i < b; i++)
            {
                var y = rows[i].Target!;
                input[i * t] = Seq2SeqNetworkConfig.Begin;
                y.CopyTo(input, i * t + 1);
                y.CopyTo(expected, i * t);
                expected[i * t + y.Length] = Seq2SeqNetworkConfig.End;
            }
            return (src, len, torch.tensor(input, new long[] { b, t }, device: NetworkDevice), torch.tensor(expected, new long[] { b, t }, device: NetworkDevice));
        }

        /// <summary>
        /// Decodes each source: greedily (<paramref name="beamWidth"/> 1, all sources in one batch) or by beam search (64 sources at a time),
        /// stopping at the end token or after <paramref name="maxLength"/> tokens.
        /// </summary>
        public Decoded[] Decode(IReadOnlyList<long[]> sources, int beamWidth, int maxLength, double lengthPenalty = 0.6) =>
            Decode(new[] { this }, sources, beamWidth, maxLength, lengthPenalty);

        /// <summary>
        /// Decodes each source with an ensemble: at every step the next token's probability is the mean of the members'
        /// probabilities (each member reads its own previous state; the beam keeps one hypothesis list for all), and the
        /// score is the log of the product of those means. One member decodes exactly as it does alone. The members share
        /// their vocabularies (the caller checks); decoding runs on the first member's thread count.
        /// </summary>
        public static Decoded[] Decode(IReadOnlyList<Seq2SeqEngine> members, IReadOnlyList<long[]> sources, int beamWidth, int maxLength, double lengthPenalty = 0.6)
        {
            if (members.Count == 0)
                throw new ArgumentException("An ensemble needs at least one model.", nameof(members));
            if (beamWidth < 1)
                throw new ArgumentOutOfRangeException(nameof(beamWidth), $"The beam width must be at least 1; it is {beamWidth}.");
            if (maxLength < 1)
                throw new ArgumentOutOfRangeException(nameof(maxLength), $"The maximum output length must be at least 1; it is {maxLength}.");
            var results = new Decoded[sources.Count];
            if (sources.Count == 0)
                return results;
            var running = new List<SharedOwnership.RunningCall>(members.Count);
            try
            {
                foreach (var m in members)
                {
                    running.Add(m.Ownership.Use());
                    m.Network.eval();
                }
                using var noGrad = torch.no_grad();
                using var threads = ThreadCount.Use(members[0].FixedThreads ?? 1);
                if (beamWidth == 1)
                {
                    const int Batch = 256;
                    for (int start = 0; start < sources.Count; start += Batch)
                    {
                        using var scope = torch.NewDisposeScope();
                        var rows = sources.Skip(start).Take(Batch).Select(s => new Seq2SeqPair { Source = s }).ToList();
                        var greedy = Greedy(members, rows, maxLength);
                        greedy.CopyTo(results, start);
                    }
                    return results;
                }
                const int BeamBatch = 64;   // sources searched together (64 · width rows a step)
                for (int start = 0; start < sources.Count; start += BeamBatch)
                {
                    using var scope = torch.NewDisposeScope();
                    Beam(members, sources.Skip(start).Take(BeamBatch).ToList(), beamWidth, maxLength, lengthPenalty).CopyTo(results, start);
                }
                return results;
            }
            finally
            {
                foreach (var r in running)
                    r.Dispose();
            }
        }

        /// <summary>Log-probabilities of the next token, with padding and begin ruled out.</summary>
        private static Tensor NextLogProbabilities(Tensor logits)
        {
            var lp = logits.select(1, -1).log_softmax(-1);
            lp.narrow(1, 0, Seq2SeqNetworkConfig.End).fill_(Scalars.NegativeInfinity);
            return lp;
        }

        /// <summary>Every member's next step from its state; the log of the mean of their next-token probabilities [B, V], on the first member's device.</summary>
        private static Tensor Step(IReadOnlyList<Seq2SeqEngine> members, Tensor previous, DecoderState[] states, Encoded[] encoded)
        {
            var each = new Tensor[members.Count];
            for (int m = 0; m < members.Count; m++)
            {
                var (logits, next) = members[m].Network.Decode(previous.to(members[m].NetworkDevice), states[m], encoded[m]);
                states[m] = next;
                each[m] = NextLogProbabilities(logits).to(members[0].NetworkDevice);
            }
            return each.Length == 1 ? each[0] : torch.stack(each, 0).logsumexp(0).Minus(Math.Log(each.Length));
        }

        private static Decoded[] Greedy(IReadOnlyList<Seq2SeqEngine> members, IReadOnlyList<Seq2SeqPair> rows, int maxLength)
        {
            var encoded = members.Select(m =>
            {
                var (source, lengths, _, _) = m.Build(rows, withTargets: false);
                return m.Network.Encode(source, lengths);
            }).ToArray();
            var states = encoded.Select(e => e.State).ToArray();
            int b = rows.Count;
            var previous = ScalarOperands.Filled(new long[] { b, 1 }, Seq2SeqNetworkConfig.Begin, ScalarType.Int64, members[0].NetworkDevice);
            var tokens = Enumerable.Range(0, b).Select(_ => new List<long>()).ToArray();
            var logp = new float[b];
            var done = new bool[b];
            for (int t = 0; t < maxLength && done.Contains(false); t++)
            {
                var lp = Step(members, previous, states, encoded);
                var (best, index) = lp.max(-1);
                var chosen = index.cpu().data<long>().ToArray();
                var scores = best.cpu().data<float>().ToArray();
                for (int i = 0; i < b; i++)
                {
                    if (done[i])
                        continue;
                    logp[i] += scores[i];
                    if (chosen[i] == Seq2SeqNetworkConfig.End)
                        done[i] = true;
                    else
                        tokens[i].Add(chosen[i]);
                }
                previous = index.unsqueeze(1);
            }
            return Enumerable.Range(0, b).Select(i => new Decoded(tokens[i].ToArray(), logp[i])).ToArray();
        }

        /// <summary>
        /// Beam search over a batch of sources at once. Each source owns <paramref name="width"/> rows (hypothesis slots);
        /// a slot without a hypothesis carries log-probability −∞, so nothing extends it. Each step runs every slot of the
        /// sources still searching through the members, then each source keeps its best extensions as it would alone:
        /// candidates in order of total log-probability, an extension by the end token finishing a hypothesis (ranked by
        /// log-probability / ((5 + length) / 6)^α), the others filling the slots; a source stops when it has
        /// <paramref name="width"/> finished hypotheses and no live one could still beat the best of them, and its rows
        /// leave the batch.
        /// </summary>
        private static Decoded[] Beam(IReadOnlyList<Seq2SeqEngine> members, IReadOnlyList<long[]> sources, int width, int maxLength, double alpha)
        {
            int n = sources.Count;
            var pairs = sources.Select(s => new Seq2SeqPair { Source = s }).ToList();
            var encodedAll = members.Select(m =>
            {
                var (src, lengths, _, _) = m.Build(pairs, withTargets: false);
                return m.Network.Encode(src, lengths);
            }).ToArray();
            var live = Enumerable.Range(0, n).Select(_ => new List<(List<long> Tokens, double LogP)> { (new List<long>(), 0.0) }).ToArray();
            var finished = Enumerable.Range(0, n).Select(_ => new List<(long[] Tokens, double LogP, double Score)>()).ToArray();
            var active = Enumerable.Range(0, n).ToList();                 // the sources still searching, in row order
            var device = members[0].NetworkDevice;
            double Penalty(int length) => Math.Pow((5.0 + length) / 6.0, alpha);
            Tensor Index(IEnumerable<long> rows, int m) => torch.tensor(rows.ToArray(), device: members[m].NetworkDevice);
            var rowsOf = active.SelectMany(s => Enumerable.Repeat((long)s, width)).ToArray();
            var encoded = encodedAll.Select((e, m) => e.Select(Index(rowsOf, m))).ToArray();
            var states = encoded.Select(e => e.State).ToArray();
            for (int t = 0; t < maxLength && active.Count > 0; t++)
            {
                int a = active.Count;
                var previous = new long[a * width];
                var slotLogP = new float[a * width];
                for (int i = 0; i < a; i++)
                {
                    var hypotheses = live[active[i]];
                    for (int k = 0; k < width; k++)
                    {
                        bool real = k < hypotheses.Count;
                        previous[i * width + k] = !real || hypotheses[k].Tokens.Count == 0 ? Seq2SeqNetworkConfig.Begin : hypotheses[k].Tokens[^1];
                        slotLogP[i * width + k] = real ? (float)hypotheses[k].LogP : float.NegativeInfinity;
                    }
                }
                var lp = Step(members, torch.tensor(previous, new long[] { a * width, 1 }, device: device), states, encoded);
                var total = lp.Plus(torch.tensor(slotLogP, device: device).unsqueeze(1));
                long v = total.shape[1];
                int count = (int)Math.Min(2L * width, width * v);
                var (values, indices) = total.reshape(a, width * v).topk(count);
                var candidates = values.cpu().data<float>().ToArray();
                var where = indices.cpu().data<long>().ToArray();
                var searching = new List<int>();
                var keep = new List<long>();                             // the new slots' rows in this step's batch
                var sourceRows = new List<long>();                       // a row of each source still searching
                for (int i = 0; i < a; i++)
                {
                    int s = active[i];
                    var next = new List<(List<long>, double)>();
                    var from = new List<long>();
                    for (int c = 0; c < count && next.Count < width; c++)
                    {
                        float value = candidates[i * count + c];
                        if (float.IsNegativeInfinity(value))
                            break;
                        int slot = (int)(where[i * count + c] / v);
                        long token = where[i * count + c] % v;
                        var tokens = live[s][slot].Tokens;
                        if (token == Seq2SeqNetworkConfig.End)
                            finished[s].Add((tokens.ToArray(), value, value / Penalty(tokens.Count + 1)));
                        else
                        {
                            next.Add((new List<long>(tokens) { token }, value));
                            from.Add(i * width + slot);
                        }
                    }
                    // Stop when the best finished output beats what any live one could still reach (log-probabilities only fall).
                    double bestFinished = finished[s].Count == 0 ? double.NegativeInfinity : finished[s].Max(f => f.Score);
                    live[s] = next;
                    if (finished[s].Count >= width && next.All(h => h.Item2 / Penalty(maxLength + 1) <= bestFinished))
                        live[s].Clear();
                    if (live[s].Count == 0)
                        continue;
                    searching.Add(s);
                    sourceRows.Add(i * width);
                    for (int k = 0; k < width; k++)
                        keep.Add(k < from.Count ? from[k] : from[0]);     // an empty slot copies a real one; −∞ keeps it out
                }
                if (searching.Count == 0)
                    break;
                for (int m = 0; m < members.Count; m++)
                {
                    states[m] = states[m].Select(Index(keep, m));
                    if (searching.Count < a)
                        encoded[m] = encoded[m].Select(Index(sourceRows.SelectMany(r => Enumerable.Repeat(r, width)), m));
                }
                active = searching;
            }
            var results = new Decoded[n];
            for (int s = 0; s < n; s++)
            {
                foreach (var (tokens, logp) in live[s])   // cut at the maximum length
                    finished[s].Add((tokens.ToArray(), logp, logp / Penalty(tokens.Count)));
                var best = finished[s].OrderByDescending(f => f.Score).First();
                results[s] = new Decoded(best.Tokens, (float)best.LogP);
            }
            return results;
        }

        private sealed class Trainable : ITrainable<Seq2SeqPair>
        {
            private readonly Seq2SeqEngine _engine;

            public Trainable(Seq2SeqEngine engine) => _engine = engine;

            public nn.Module Module => _engine.Network;

            public string MetricName => "token accuracy (teacher forcing)";

            public Tensor Loss(IReadOnlyList<Seq2SeqPair> rows, out int count)
            {
                count = rows.Count;
                var (source, lengths, input, expected) = _engine.Build(rows, withTargets: true);
                return _engine.Network.Loss(source, lengths, input!, expected!);
            }

            public BatchScore ValidationScore(IReadOnlyList<Seq2SeqPair> rows)
            {
                var (source, lengths, input, expected) = _engine.Build(rows, withTargets: true);
                var encoded = _engine.Network.Encode(source, lengths);
                var (logits, _) = _engine.Network.Decode(input!, encoded.State, encoded);
                var loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[2]), expected!.reshape(-1), ignore_index: Seq2SeqNetworkConfig.Padding);
                var real = expected!.NotEqualTo(Seq2SeqNetworkConfig.Padding);
                long tokens = real.sum().item<long>();
                long correct = logits.argmax(-1).eq(expected!).logical_and(real).sum().item<long>();
                return new BatchScore(loss.item<float>() * rows.Count, rows.Count, correct, tokens);
            }

            public double Metric(double sum, long items) => items == 0 ? 0 : sum / items;
        }
    }
}
