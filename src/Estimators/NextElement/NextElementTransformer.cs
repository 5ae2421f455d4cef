using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Serialization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Trainers.Network;
using MLNet.Sequence.Transforms;
using MLNet.Sequence.Transforms.Internal;
using MLNet.Sequence.Transforms.Persistence;

namespace MLNet.Sequence
{
    /// <summary>
    /// A trained next-element model. For each row it reads the sequence column as context and adds
    /// <c>PredictedLabel</c>, a key vector of the k likeliest next elements, best first (KeyValues: the elements, so
    /// <c>MapKeyToValue</c> gives them as text), and <c>Score</c>, their probabilities. The unknown element is never
    /// predicted; with ExcludeSeenElements, neither is any element of the context. <see cref="Generate"/> continues a
    /// prompt by sampling.
    /// </summary>
    /// <remarks>
    /// It owns native memory shared with prediction engines, cursors and the models <see cref="WithPredictions"/> makes:
    /// disposing it while they exist keeps the memory until they are gone too. Save it with <c>mlContext.Model.SaveSequenceModel</c>.
    /// </remarks>
    public sealed class NextElementTransformer : ITransformer, IDisposable, ISequencePersistable
    {
        private readonly NextElementEngine _engine;
        private readonly ElementVocabulary _vocabulary;
        private readonly NextElementSpec _spec;
        private readonly EngineLease? _share;
        private int _disposed;
        private EngineLease? _keptShare;

        /// <summary>A model over <paramref name="engine"/>: the creator's (<paramref name="share"/> null) or one sharing another's engine.</summary>
        /// <param name="engine">The network.</param>
        /// <param name="vocabulary">The elements.</param>
        /// <param name="spec">Columns and outputs.</param>
        /// <param name="history">Per-epoch figures, or null.</param>
        /// <param name="share">Null for the engine's creator; a lease for a model that shares another's engine.</param>
        internal NextElementTransformer(NextElementEngine engine, ElementVocabulary vocabulary, NextElementSpec spec, TrainingHistory? history, EngineLease? share)
        {
            _engine = engine;
            _vocabulary = vocabulary;
            _spec = spec;
            _share = share;
            TrainingHistory = history;
        }

        /// <summary>The elements in key order: key k of <c>PredictedLabel</c> is <c>Elements[k − 1]</c>.</summary>
        public IReadOnlyList<string> Elements => _vocabulary.Elements;

        /// <summary>How many next elements each row gets.</summary>
        public int NumberOfPredictions => _spec.Count;

        /// <summary>Whether the context's own elements are left out of the predictions.</summary>
        public bool ExcludesSeenElements => _spec.ExcludeSeen;

        /// <summary>The most elements of context the model reads (a longer context keeps its latest).</summary>
        public int MaximumContextLength => _engine.Config.MaxLength;

        /// <summary>The encoder family.</summary>
        public EncoderKind Encoder => _engine.Config.Encoder;

        /// <summary>Per-epoch training figures; null for a loaded model.</summary>
        public TrainingHistory? TrainingHistory { get; }

        /// <summary>The number of weights.</summary>
        public long ParameterCount => _engine.ParameterCount;

        internal NextElementEngine Engine => _engine;
        internal ElementVocabulary Vocabulary => _vocabulary;
        internal string SequenceColumn => _spec.SequenceColumn;

        /// <summary>True: each output row comes from one input row.</summary>
        public bool IsRowToRowMapper => true;

        /// <summary>The same network with other outputs (another k, or seen elements excluded or not); it shares the weights, dispose it too.</summary>
        /// <param name="numberOfPredictions">Next elements per row.</param>
        /// <param name="excludeSeenElements">Leave the context's elements out; null keeps this model's setting.</param>
        /// <returns>The model.</returns>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numberOfPredictions"/> is not positive.</exception>
        public NextElementTransformer WithPredictions(int numberOfPredictions, bool? excludeSeenElements = null)
        {
            if (numberOfPredictions <= 0)
                throw new ArgumentOutOfRangeException(nameof(numberOfPredictions), numberOfPredictions, $"The number of predictions must be positive; it was {numberOfPredictions}.");
            ThrowIfDisposed();
            return new NextElementTransformer(_engine, _vocabulary, _spec with { Count = numberOfPredictions, ExcludeSeen = excludeSeenElements ?? _spec.ExcludeSeen }, TrainingHistory, _engine.Lease());
        }

        /// <summary>
        /// Continues <paramref name="prompt"/>: each step draws the next element from the model's distribution given
        /// everything so far (shaped by the options' temperature, top-k and top-p), until the stop element or the
        /// maximum length. The unknown element is never drawn. Repeatable: the same prompt, options and seed give the
        /// same elements.
        /// </summary>
        /// <param name="prompt">The elements to continue (may be empty: the model starts a sequence); unknown ones read as unknown.</param>
        /// <param name="options">How to sample; null: plain sampling at temperature 1, seed 0, up to 100 elements.</param>
        /// <returns>The new elements (without the prompt and the stop element).</returns>
        /// <exception cref="ArgumentOutOfRangeException">An option is out of range, or the stop element is unknown to the model.</exception>
        public IReadOnlyList<string> Generate(IReadOnlyList<string> prompt, GenerationOptions? options = null)
        {
            ArgumentNullException.ThrowIfNull(prompt);
            options ??= new GenerationOptions();
            options.Validate();
            ThrowIfDisposed();
            long stop = -1;
            if (options.StopElement != null)
            {
                stop = _vocabulary.Id(options.StopElement);
                if (stop == NextElementNetworkConfig.Unknown)
                    throw new ArgumentOutOfRangeException(nameof(options), $"Option StopElement '{options.StopElement}' is not an element the model knows.");
            }
            var context = _vocabulary.Ids(prompt.ToArray()).ToList();
            var random = new Random(options.Seed);
            var output = new List<string>();
            for (int step = 0; step < options.MaximumLength; step++)
            {
                var lp = _engine.NextLogProbabilities(new[] { context.ToArray() })[0];
                long next = Sampling.Draw(lp, options, random);
                if (next == stop)
                    break;
                output.Add(_vocabulary.Element(next));
                context.Add(next);
            }
            return output;
        }

        /// <inheritdoc />
        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
        {
            ArgumentNullException.ThrowIfNull(inputSchema);
            return new Binding(this, inputSchema).OutputSchema;
        }

        /// <summary>Scores lazily, 128 rows per forward pass.</summary>
        /// <param name="input">Data with the sequence column.</param>
        /// <returns>The input with the predicted elements and their probabilities.</returns>
        public IDataView Transform(IDataView input)
        {
            ArgumentNullException.ThrowIfNull(input);
            ThrowIfDisposed();
            var binding = new Binding(this, input.Schema);
            return new LookaheadScoredView(input, binding, 128, (lookahead, active) => new BatchState(this, binding, lookahead, active));
        }

        /// <summary>A single-row mapper, as prediction engines use; each row it maps holds a share of the model.</summary>
        /// <param name="inputSchema">The schema of the rows.</param>
        /// <returns>The mapper.</returns>
        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
        {
            ArgumentNullException.ThrowIfNull(inputSchema);
            ThrowIfDisposed();
            return new BindingRowMapper(new Binding(this, inputSchema));
        }

        void ICanSaveModel.Save(ModelSaveContext ctx) => throw SaveErrors.CannotSaveWithMlNet(nameof(NextElementTransformer));

        /// <summary>
        /// Ends this object's share of the native memory: freed now when nothing else holds the model, else once the
        /// prediction engines, cursors and models sharing it are gone. Later calls do nothing.
        /// </summary>
        public void Dispose()
        {
            if (System.Threading.Interlocked.Exchange(ref _disposed, 1) != 0)
                return;
            if (_share != null)
                _share.Release();
            else
                _keptShare = _engine.ReleaseOrKeepWhileShared();
        }

        private void ThrowIfDisposed()
        {
            if (_disposed != 0 || _engine.IsReleased)
                throw new ObjectDisposedException(nameof(NextElementTransformer), "This next-element model was disposed; load or train it again.");
        }

        /// <summary>The top-k next elements (keys) and probabilities after each context.</summary>
        private (uint[][] Keys, float[][] Probabilities) Predict(IReadOnlyList<long[]> contexts)
        {
            var lp = _engine.NextLogProbabilities(contexts);
            var keys = new uint[contexts.Count][];
            var probabilities = new float[contexts.Count][];
            for (int i = 0; i < contexts.Count; i++)
            {
                var top = Sampling.Top(lp[i], _spec.Count, _spec.ExcludeSeen ? new HashSet<long>(contexts[i]) : null);
                keys[i] = top.Select(id => (uint)(id - NextElementNetworkConfig.FirstElement + 1)).ToArray();
                probabilities[i] = top.Select(id => MathF.Exp(lp[i][id])).ToArray();
            }
            return (keys, probabilities);
        }

        /// <summary>The output columns and how one row's context is read.</summary>
        internal sealed class Binding : ColumnBinding
        {
            private readonly NextElementTransformer _p;
            private readonly AddedColumn[] _added;
            private readonly int[] _inputs;

            public Binding(NextElementTransformer p, DataViewSchema schema) : base(schema)
            {
                _p = p;
                NextElementEstimator.SequenceReader(schema, p._spec.SequenceColumn);
                _inputs = new[] { schema[p._spec.SequenceColumn].Index };
                var elements = p._vocabulary.Elements.ToArray();
                var b = new DataViewSchema.Annotations.Builder();
                b.Add(SequenceColumns.KeyValues(elements), _ => true);
                _added = new[]
                {
                    new AddedColumn(p._spec.PredictedLabelColumn, new VectorDataViewType(new KeyDataViewType(typeof(uint), Math.Max(1, elements.Length)), p._spec.Count), b.ToAnnotations()),
                    new AddedColumn(p._spec.ScoreColumn, new VectorDataViewType(NumberDataViewType.Single, p._spec.Count)),
                };
            }

            public override IReadOnlyList<AddedColumn> Added => _added;

            public override IEnumerable<int> Dependencies(int added) => _inputs;

            public Func<long[]> Reader(DataViewRow row)
            {
                var column = _p._spec.SequenceColumn;
                var read = NextElementEstimator.SequenceReader(InputSchema, column)(row);
                return () =>
                {
                    var elements = read();
                    if (elements.Length == 0)
                        throw new InvalidOperationException(
                            $"Row {row.Position + 1}: column '{column}' (option SequenceColumnName) holds no element; a next-element model needs a context of at least one (for a user without history, recommend the most popular items).");
                    return _p._vocabulary.Ids(elements);
                };
            }

            public override Delegate?[] MakeGetters(DataViewRow input, Func<int, bool> isAddedActive)
            {
                if (!isAddedActive(0) && !isAddedActive(1))
                    return new Delegate?[2];
                var read = Reader(input);
                var output = new Output(_p._spec.Count);
                var lease = _p._engine.Lease();
                long position = -1;
                void Ensure()
                {
                    GC.KeepAlive(lease);
                    if (position == input.Position && position >= 0)
                        return;
                    var (keys, probabilities) = _p.Predict(new[] { read() });
                    output.Set(keys[0], probabilities[0]);
                    position = input.Position;
                }
                return output.Getters(isAddedActive, Ensure);
            }
        }

        /// <summary>One row's predictions, padded to k with missing keys (0) and probability 0 when fewer elements qualify.</summary>
        private sealed class Output
        {
            private readonly int _count;
            private uint[] _keys;
            private float[] _probabilities;

            public Output(int count)
            {
                _count = count;
                _keys = new uint[count];
                _probabilities = new float[count];
            }

            public void Set(uint[] keys, float[] probabilities)
            {
                _keys = new uint[_count];
                _probabilities = new float[_count];
                keys.CopyTo(_keys, 0);
                probabilities.CopyTo(_probabilities, 0);
            }

            public Delegate?[] Getters(Func<int, bool> active, Action ensure) => new Delegate?[]
            {
                active(0) ? (ValueGetter<VBuffer<uint>>)((ref VBuffer<uint> d) =>
                {
                    ensure();
                    Buffers.Write(ref d, _keys);
                }) : null,
                active(1) ? (ValueGetter<VBuffer<float>>)((ref VBuffer<float> d) =>
                {
                    ensure();
                    Buffers.Write(ref d, _probabilities);
                }) : null,
            };
        }

        private sealed class BatchState : IBatchScoringState
        {
            private readonly NextElementTransformer _p;
            private readonly Func<long[]> _read;
            private readonly List<long[]> _contexts = new();
            private readonly EngineLease _lease;
            private readonly Output _output;
            private uint[][] _keys = Array.Empty<uint[]>();
            private float[][] _probabilities = Array.Empty<float[]>();

            public BatchState(NextElementTransformer p, Binding binding, DataViewRowCursor lookahead, bool[] active)
            {
                _p = p;
                _read = binding.Reader(lookahead);
                _lease = p._engine.Lease();
                _output = new Output(p._spec.Count);
                Getters = _output.Getters(a => active[a], () => { });
            }

            public Delegate?[] Getters { get; }

            public void Read(int slot)
            {
                if (slot == 0)
                    _contexts.Clear();
                _contexts.Add(_read());
            }

            public void Score(int count) => (_keys, _probabilities) = _p.Predict(_contexts.GetRange(0, count));

            public void Select(int slot) => _output.Set(_keys[slot], _probabilities[slot]);

            public void Dispose() => _lease.Release();
        }

        // ---- persistence ----

        string ISequencePersistable.PartKind => "NextElement";

        int ISequencePersistable.PartVersion => 1;

        void ISequencePersistable.SavePart(ModelPartWriter writer)
        {
            ThrowIfDisposed();
            writer.WriteJson("config.json", NextElementConfigV1.From(this));
            writer.Write("weights.bin", _engine.Save);
        }

        internal static NextElementTransformer Load(ModelPartReader reader)
        {
            reader.RequireVersion("NextElement", 1);
            var stored = reader.ReadJson<NextElementConfigV1>("config.json");
            var (network, vocabulary, spec) = stored.ToRuntime();
            NextElementEngine engine;
            using (var weights = new MemoryStream(reader.ReadBytes("weights.bin")))
                engine = NextElementEngine.Load(network, weights);
            engine.FixedThreads = stored.FixedThreads;
            return new NextElementTransformer(engine, vocabulary, spec, null, share: null);
        }

        /// <summary>A next-element model's config.json, version 1.</summary>
        internal sealed class NextElementConfigV1
        {
            [JsonPropertyName("SequenceColumnName")] public string? SequenceColumnName { get; set; }
            [JsonPropertyName("PredictedLabelColumnName")] public string? PredictedLabelColumnName { get; set; }
            [JsonPropertyName("ScoreColumnName")] public string? ScoreColumnName { get; set; }
            [JsonPropertyName("Elements")] public string[]? Elements { get; set; }
            [JsonPropertyName("NumberOfPredictions")] public int NumberOfPredictions { get; set; }
            [JsonPropertyName("ExcludeSeenElements")] public bool ExcludeSeenElements { get; set; }
            [JsonPropertyName("FixedThreads")] public int? FixedThreads { get; set; }
            [JsonPropertyName("Network")] public NextElementNetworkConfig? Network { get; set; }

            public static NextElementConfigV1 From(NextElementTransformer t) => new()
            {
                SequenceColumnName = t._spec.SequenceColumn, PredictedLabelColumnName = t._spec.PredictedLabelColumn, ScoreColumnName = t._spec.ScoreColumn,
                Elements = t._vocabulary.Elements.ToArray(), NumberOfPredictions = t._spec.Count, ExcludeSeenElements = t._spec.ExcludeSeen,
                FixedThreads = t._engine.FixedThreads, Network = t._engine.Config,
            };

            public (NextElementNetworkConfig Network, ElementVocabulary Vocabulary, NextElementSpec Spec) ToRuntime()
            {
                const string part = "NextElement";
                var network = StoredCheck.Required(Network, part, "Network");
                var elements = StoredCheck.Required(Elements, part, "Elements");
                if (elements.Length + NextElementNetworkConfig.FirstElement != network.VocabularySize)
                    throw new InvalidDataException("The stored next-element model's elements (field Elements) do not match its network's vocabulary size.");
                if (FixedThreads <= 0)
                    throw new InvalidDataException("The stored next-element model's thread count is invalid.");
                var spec = new NextElementSpec(StoredCheck.Name(SequenceColumnName, part, "SequenceColumnName"), StoredCheck.Name(PredictedLabelColumnName, part, "PredictedLabelColumnName"),
                    StoredCheck.Name(ScoreColumnName, part, "ScoreColumnName"), StoredCheck.Positive(NumberOfPredictions, part, "NumberOfPredictions"), ExcludeSeenElements);
                return (network, new ElementVocabulary(elements), spec);
            }
        }
    }

    /// <summary>Choosing elements from a log-probability vector over network ids (ids below the first element never chosen).</summary>
    internal static class Sampling
    {
        /// <summary>The <paramref name="k"/> likeliest element ids, best first (ties by id), skipping <paramref name="exclude"/>.</summary>
        public static long[] Top(float[] logProbabilities, int k, HashSet<long>? exclude)
        {
            long first = NextElementNetworkConfig.FirstElement;
            if ((long)k * 8 > logProbabilities.Length)
            {
                // Many of them: one sort (stable, so ties stay in id order).
                var ids = new List<long>();
                for (long id = first; id < logProbabilities.Length; id++)
                    if (exclude == null || !exclude.Contains(id))
                        ids.Add(id);
                return ids.OrderByDescending(id => logProbabilities[id]).Take(k).ToArray();
            }
            var best = new List<(float Lp, long Id)>(k + 1);
            for (long id = NextElementNetworkConfig.FirstElement; id < logProbabilities.Length; id++)
            {
                float lp = logProbabilities[id];
                if (exclude != null && exclude.Contains(id))
                    continue;
                if (best.Count == k && lp <= best[^1].Lp)
                    continue;
                int at = best.Count;
                while (at > 0 && best[at - 1].Lp < lp)
                    at--;
                best.Insert(at, (lp, id));
                if (best.Count > k)
                    best.RemoveAt(k);
            }
            return best.Select(b => b.Id).ToArray();
        }

        /// <summary>One element drawn as <paramref name="options"/> say: greedy at temperature 0, else sampled after the temperature, top-k and top-p cuts.</summary>
        public static long Draw(float[] logProbabilities, GenerationOptions options, Random random)
        {
            if (options.Temperature == 0)
                return Top(logProbabilities, 1, null)[0];
            int count = logProbabilities.Length - (int)NextElementNetworkConfig.FirstElement;
            var ranked = Top(logProbabilities, options.TopK > 0 ? Math.Min(options.TopK, count) : count, null);
            var weights = new double[ranked.Length];
            double max = logProbabilities[ranked[0]] / options.Temperature, total = 0;
            for (int i = 0; i < ranked.Length; i++)
                total += weights[i] = Math.Exp(logProbabilities[ranked[i]] / options.Temperature - max);
            int keep = ranked.Length;
            if (options.TopP < 1)
            {
                double cumulative = 0;
                for (int i = 0; i < ranked.Length; i++)
                {
                    cumulative += weights[i] / total;
                    if (cumulative >= options.TopP)
                    {
                        keep = i + 1;
                        break;
                    }
                }
                total = weights.Take(keep).Sum();
            }
            double u = random.NextDouble() * total;
            for (int i = 0; i < keep; i++)
            {
                u -= weights[i];
                if (u < 0)
                    return ranked[i];
            }
            return ranked[keep - 1];
        }
    }
}
