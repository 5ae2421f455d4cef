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
    /// A trained sequence-to-sequence model. It adds two columns: <c>PredictedLabel</c>, a variable-size key vector of
    /// the decoded target tokens (without begin and end markers) whose KeyValues are the target tokens, so
    /// <c>MapKeyToValue</c> gives them as text; and <c>Score</c>, the natural log of that output's probability under the
    /// model. <see cref="Transform"/> decodes in batches; prediction engines decode one row at a time.
    /// </summary>
    /// <remarks>
    /// It owns native memory (the network's weights), shared with the prediction engines, open cursors and the models
    /// <see cref="WithDecoding"/> makes from it: disposing it while they exist keeps the memory until they are gone too.
    /// Save it in a chain with <c>mlContext.Model.SaveSequenceModel</c>.
    /// </remarks>
    public sealed class SequenceToSequenceTransformer : ITransformer, IDisposable, ISequencePersistable
    {
        private readonly Seq2SeqEngine[] _engines;
        private readonly Seq2SeqVocabulary _vocabulary;
        private readonly Seq2SeqSpec _spec;
        private readonly EngineLease[]? _shares;
        private int _disposed;
        private EngineLease?[]? _keptShares;

        /// <summary>A model over <paramref name="engine"/>: the creator's (<paramref name="share"/> null) or one sharing another's engine through a lease.</summary>
        /// <param name="engine">The network.</param>
        /// <param name="vocabulary">Source and target tokens.</param>
        /// <param name="spec">Columns and decoding.</param>
        /// <param name="history">Per-epoch figures, or null.</param>
        /// <param name="share">Null for the engine's creator; a lease for a model that shares another's engine.</param>
        internal SequenceToSequenceTransformer(Seq2SeqEngine engine, Seq2SeqVocabulary vocabulary, Seq2SeqSpec spec, TrainingHistory? history, EngineLease? share)
            : this(new[] { engine }, vocabulary, spec, history, share == null ? null : new[] { share })
        {
        }

        /// <summary>A model over one network or an ensemble of several: the creator of <paramref name="engines"/> (<paramref name="shares"/> null) or a holder of a lease on each.</summary>
        private SequenceToSequenceTransformer(Seq2SeqEngine[] engines, Seq2SeqVocabulary vocabulary, Seq2SeqSpec spec, TrainingHistory? history, EngineLease[]? shares)
        {
            _engines = engines;
            _vocabulary = vocabulary;
            _spec = spec;
            _shares = shares;
            TrainingHistory = history;
        }

        /// <summary>
        /// An ensemble of <paramref name="members"/> (see <see cref="SequenceToSequenceCatalog.Ensemble(SequenceToSequenceTransformer[])"/>): columns and
        /// decoding settings of the first, a lease on every member's network.
        /// </summary>
        internal static SequenceToSequenceTransformer Ensemble(IReadOnlyList<SequenceToSequenceTransformer> members)
        {
            if (members.Count == 0)
                throw new ArgumentException("An ensemble needs at least one model; none was given.", nameof(members));
            for (int i = 0; i < members.Count; i++)
            {
                var m = members[i] ?? throw new ArgumentNullException(nameof(members), $"Ensemble member {i + 1} is null.");
                m.ThrowIfDisposed();
                if (i > 0 && (!m.SourceTokens.SequenceEqual(members[0].SourceTokens) || !m.TargetTokens.SequenceEqual(members[0].TargetTokens)))
                    throw new ArgumentException(
                        $"Ensemble member {i + 1} knows other source or target tokens than member 1 ({m.SourceTokens.Count} and {m.TargetTokens.Count}, against {members[0].SourceTokens.Count} and {members[0].TargetTokens.Count}); " +
                        "the members of an ensemble must be trained on the same prepared data, so that they share both vocabularies.", nameof(members));
            }
            var engines = members.SelectMany(m => m._engines).ToArray();
            var first = members[0];
            return new SequenceToSequenceTransformer(engines, first._vocabulary, first._spec, null, LeaseAll(engines));
        }

        /// <summary>The target tokens in key order: key k of <c>PredictedLabel</c> is <c>TargetTokens[k − 1]</c>.</summary>
        public IReadOnlyList<string> TargetTokens => _vocabulary.Target;

        /// <summary>The source tokens the model knows (others read as one unknown token).</summary>
        public IReadOnlyList<string> SourceTokens => _vocabulary.Source;

        /// <summary>Hypotheses kept per decoding step (1: greedy).</summary>
        public int BeamWidth => _spec.Decoding.BeamWidth;

        /// <summary>The beam's GNMT length-penalty exponent α.</summary>
        public double LengthPenalty => _spec.Decoding.LengthPenalty;

        /// <summary>The most tokens a prediction holds.</summary>
        public int MaximumOutputLength => _spec.Decoding.MaximumOutputLength;

        /// <summary>The encoder-decoder family: Lstm or Gru (with attention), or Transformer (an ensemble's first member's).</summary>
        public EncoderKind Cell => _engines[0].Config.Cell;

        /// <summary>The networks whose predictions are averaged: 1, or an ensemble's member count.</summary>
        public int EnsembleSize => _engines.Length;

        /// <summary>Per-epoch training figures; null for a loaded model and for an ensemble.</summary>
        public TrainingHistory? TrainingHistory { get; }

        /// <summary>The number of weights (of all members, for an ensemble).</summary>
        public long ParameterCount => _engines.Sum(e => e.ParameterCount);

        /// <summary>The (first member's) network, for the benchmarks' raw-loop comparison.</summary>
        internal Seq2SeqEngine Engine => _engines[0];

        /// <summary>A lease on each engine; if one fails (an engine freed meanwhile), those taken are released before the error goes on.</summary>
        private static EngineLease[] LeaseAll(Seq2SeqEngine[] engines)
        {
            var taken = new List<EngineLease>(engines.Length);
            try
            {
                foreach (var e in engines)
                    taken.Add(e.Lease());
                return taken.ToArray();
            }
            catch
            {
                foreach (var l in taken)
                    l.Release();
                throw;
            }
        }

        /// <summary>A share of every network, released together: what a cursor or a prediction engine holds.</summary>
        private sealed class Leases
        {
            private readonly EngineLease[] _leases;

            public Leases(Seq2SeqEngine[] engines) => _leases = LeaseAll(engines);

            public void Release()
            {
                foreach (var l in _leases)
                    l.Release();
            }
        }

        /// <summary>True: each output row comes from one input row.</summary>
        public bool IsRowToRowMapper => true;

        /// <summary>
        /// The same network decoding another way, e.g. greedily (<paramref name="beamWidth"/> 1) to compare with the beam.
        /// It shares the weights (no copy); dispose it too.
        /// </summary>
        /// <param name="beamWidth">Hypotheses kept per step (1: greedy).</param>
        /// <param name="lengthPenalty">The GNMT length penalty α; null keeps this model's.</param>
        /// <param name="maximumOutputLength">The most tokens per prediction; null keeps this model's.</param>
        /// <returns>A model that decodes with these settings.</returns>
        /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
        public SequenceToSequenceTransformer WithDecoding(int beamWidth, double? lengthPenalty = null, int? maximumOutputLength = null)
        {
            if (beamWidth <= 0)
                throw new ArgumentOutOfRangeException(nameof(beamWidth), beamWidth, $"The beam width must be positive (1 decodes greedily); it was {beamWidth}.");
            if (lengthPenalty is double a && !(a >= 0 && double.IsFinite(a)))
                throw new ArgumentOutOfRangeException(nameof(lengthPenalty), a, $"The length penalty must be 0 or more and finite; it was {a}.");
            if (maximumOutputLength is int m && m <= 0)
                throw new ArgumentOutOfRangeException(nameof(maximumOutputLength), m, $"The maximum output length must be positive; it was {m}.");
            ThrowIfDisposed();
            var decoding = new Seq2SeqDecoding(beamWidth, lengthPenalty ?? LengthPenalty, maximumOutputLength ?? MaximumOutputLength);
            return new SequenceToSequenceTransformer(_engines, _vocabulary, _spec with { Decoding = decoding }, TrainingHistory, LeaseAll(_engines));
        }

        /// <inheritdoc />
        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
        {
            ArgumentNullException.ThrowIfNull(inputSchema);
            return new Binding(this, inputSchema).OutputSchema;
        }

        /// <summary>Decodes lazily, ScoringBatchSize rows at a time (greedy decoding runs each batch as one pass).</summary>
        /// <param name="input">Data with the source column.</param>
        /// <returns>The input with the predicted sequence and its score.</returns>
        public IDataView Transform(IDataView input)
        {
            ArgumentNullException.ThrowIfNull(input);
            ThrowIfDisposed();
            var binding = new Binding(this, input.Schema);
            return new LookaheadScoredView(input, binding, _spec.ScoringBatchSize, (lookahead, active) => new BatchState(this, binding, lookahead, active));
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

        void ICanSaveModel.Save(ModelSaveContext ctx) => throw SaveErrors.CannotSaveWithMlNet(nameof(SequenceToSequenceTransformer));

        /// <summary>
        /// Ends this object's share of the native memory: freed now when nothing else holds the model, else once the
        /// prediction engines, cursors and models sharing it are gone. Later calls do nothing.
        /// </summary>
        public void Dispose()
        {
            if (System.Threading.Interlocked.Exchange(ref _disposed, 1) != 0)
                return;
            if (_shares != null)
                foreach (var share in _shares)
                    share.Release();
            else
                _keptShares = _engines.Select(e => e.ReleaseOrKeepWhileShared()).ToArray();
        }

        private void ThrowIfDisposed()
        {
            if (_disposed != 0 || _engines.Any(e => e.IsReleased))
                throw new ObjectDisposedException(nameof(SequenceToSequenceTransformer), "This sequence-to-sequence model was disposed; load or train it again.");
        }

        /// <summary>Decodes sources (ids) with this model's settings; outputs keys (target index + 1) and log-probabilities.</summary>
        private (uint[][] Keys, float[] Scores) Decode(IReadOnlyList<long[]> sources)
        {
            var d = _spec.Decoding;
            var decoded = Seq2SeqEngine.Decode(_engines, sources, d.BeamWidth, d.MaximumOutputLength, d.LengthPenalty);
            var keys = decoded.Select(x => x.Tokens.Select(t => (uint)(t - Seq2SeqNetworkConfig.FirstToken + 1)).ToArray()).ToArray();
            return (keys, decoded.Select(x => x.LogProbability).ToArray());
        }

        /// <summary>The output columns and how one row's source is read.</summary>
        internal sealed class Binding : ColumnBinding
        {
            private readonly SequenceToSequenceTransformer _p;
            private readonly AddedColumn[] _added;
            private readonly int[] _inputs;

            public Binding(SequenceToSequenceTransformer p, DataViewSchema schema) : base(schema)
            {
                _p = p;
                SequenceToSequenceEstimator.SourceReader(schema, p._spec.SourceColumn);
                _inputs = new[] { schema[p._spec.SourceColumn].Index };
                var tokens = p._vocabulary.Target.ToArray();
                var b = new DataViewSchema.Annotations.Builder();
                b.Add(SequenceColumns.KeyValues(tokens), _ => true);
                _added = new[]
                {
                    new AddedColumn(p._spec.PredictedLabelColumn, new VectorDataViewType(new KeyDataViewType(typeof(uint), tokens.Length)), b.ToAnnotations()),
                    new AddedColumn(p._spec.ScoreColumn, NumberDataViewType.Single),
                };
            }

            public override IReadOnlyList<AddedColumn> Added => _added;

            public override IEnumerable<int> Dependencies(int added) => _inputs;

            /// <summary>Reads a row's source as ids; an empty source is an error naming the row.</summary>
            public Func<long[]> Reader(DataViewRow row)
            {
                var column = _p._spec.SourceColumn;
                var read = SequenceToSequenceEstimator.SourceReader(InputSchema, column)(row);
                return () =>
                {
                    var tokens = read();
                    if (tokens.Length == 0)
                        throw new InvalidOperationException(
                            $"Row {row.Position + 1}: column '{column}' (option SourceColumnName) holds no token; a sequence-to-sequence model needs a source of at least one token.");
                    return _p._vocabulary.SourceIds(tokens);
                };
            }

            /// <summary>Single-row decoding (prediction engines).</summary>
            public override Delegate?[] MakeGetters(DataViewRow input, Func<int, bool> isAddedActive)
            {
                if (!isAddedActive(0) && !isAddedActive(1))
                    return new Delegate?[2];
                var read = Reader(input);
                var output = new Output();
                var lease = new Leases(_p._engines);   // the row holds a share of the model while its holder lives
                long position = -1;
                void Ensure()
                {
                    GC.KeepAlive(lease);
                    if (position == input.Position && position >= 0)
                        return;
                    var (keys, scores) = _p.Decode(new[] { read() });
                    output.Set(keys[0], scores[0]);
                    position = input.Position;
                }
                return output.Getters(isAddedActive, Ensure);
            }
        }

        /// <summary>One row's output and the getters that hand it out.</summary>
        private sealed class Output
        {
            private uint[] _keys = Array.Empty<uint>();
            private float _score;

            public void Set(uint[] keys, float score)
            {
                _keys = keys;
                _score = score;
            }

            public Delegate?[] Getters(Func<int, bool> active, Action ensure) => new Delegate?[]
            {
                active(0) ? (ValueGetter<VBuffer<uint>>)((ref VBuffer<uint> d) =>
                {
                    ensure();
                    Buffers.Write(ref d, _keys);
                }) : null,
                active(1) ? (ValueGetter<float>)((ref float d) =>
                {
                    ensure();
                    d = _score;
                }) : null,
            };
        }

        /// <summary>Batch decoding for <see cref="Transform"/>: sources read ahead, decoded together.</summary>
        private sealed class BatchState : IBatchScoringState
        {
            private readonly SequenceToSequenceTransformer _p;
            private readonly Func<long[]> _read;
            private readonly List<long[]> _sources = new();
            private readonly Leases _lease;
            private readonly Output _output = new();
            private uint[][] _keys = Array.Empty<uint[]>();
            private float[] _scores = Array.Empty<float>();

            public BatchState(SequenceToSequenceTransformer p, Binding binding, DataViewRowCursor lookahead, bool[] active)
            {
                _p = p;
                _read = binding.Reader(lookahead);
                _lease = new Leases(p._engines);
                Getters = _output.Getters(a => active[a], () => { });
            }

            public Delegate?[] Getters { get; }

            public void Read(int slot)
            {
                if (slot == 0)
                    _sources.Clear();
                _sources.Add(_read());
            }

            public void Score(int count) => (_keys, _scores) = _p.Decode(_sources.GetRange(0, count));

            public void Select(int slot) => _output.Set(_keys[slot], _scores[slot]);

            public void Dispose() => _lease.Release();
        }

        // ---- persistence ----

        string ISequencePersistable.PartKind => "SequenceToSequence";

        // Version 1: one network (config.json, weights.bin). Version 2, written for ensembles only: the first member as
        // in version 1, the others listed in config.json's Members with their weights in weights-2.bin, weights-3.bin, ...
        int ISequencePersistable.PartVersion => _engines.Length > 1 ? 2 : 1;

        private static string WeightsFile(int member) => member == 0 ? "weights.bin" : $"weights-{member + 1}.bin";

        void ISequencePersistable.SavePart(ModelPartWriter writer)
        {
            ThrowIfDisposed();
            writer.WriteJson("config.json", Seq2SeqConfigV1.From(this));
            for (int m = 0; m < _engines.Length; m++)
                writer.Write(WeightsFile(m), _engines[m].Save);
        }

        internal static SequenceToSequenceTransformer Load(ModelPartReader reader)
        {
            reader.RequireVersion("SequenceToSequence", 2);
            var stored = reader.ReadJson<Seq2SeqConfigV1>("config.json");
            var (network, vocabulary, spec) = stored.ToRuntime();
            var members = new List<(Seq2SeqNetworkConfig Network, int? Threads)> { (network, stored.FixedThreads) };
            foreach (var member in stored.Members ?? Array.Empty<Seq2SeqMemberV1>())
                members.Add(member.ToRuntime(network, members.Count + 1));
            var engines = new List<Seq2SeqEngine>();
            try
            {
                for (int m = 0; m < members.Count; m++)
                {
                    using var weights = new MemoryStream(reader.ReadBytes(WeightsFile(m)));
                    var engine = Seq2SeqEngine.Load(members[m].Network, weights);
                    engine.FixedThreads = members[m].Threads;
                    engines.Add(engine);
                }
            }
            catch
            {
                foreach (var e in engines)
                    e.Release();
                throw;
            }
            return new SequenceToSequenceTransformer(engines.ToArray(), vocabulary, spec, null, shares: null);
        }

        /// <summary>An ensemble member after the first, in config.json (part version 2): its network's shape and thread count.</summary>
        internal sealed class Seq2SeqMemberV1
        {
            [JsonPropertyName("FixedThreads")] public int? FixedThreads { get; set; }
            [JsonPropertyName("Network")] public Seq2SeqNetworkConfig? Network { get; set; }

            /// <summary>The member's network (<paramref name="member"/>: its number from 1), checked against the first member's vocabulary sizes.</summary>
            public (Seq2SeqNetworkConfig Network, int? Threads) ToRuntime(Seq2SeqNetworkConfig first, int member)
            {
                var network = StoredCheck.Required(Network, "SequenceToSequence", "Members.Network");
                if (network.SourceVocabularySize != first.SourceVocabularySize || network.TargetVocabularySize != first.TargetVocabularySize || FixedThreads <= 0)
                    throw new InvalidDataException($"Stored ensemble member {member}'s vocabulary sizes or thread count (field Members) do not match the model's.");
                return (network, FixedThreads);
            }
        }

        /// <summary>A sequence-to-sequence model's config.json, version 1: columns, vocabularies, decoding, the network's shape.</summary>
        internal sealed class Seq2SeqConfigV1
        {
            [JsonPropertyName("SourceColumnName")] public string? SourceColumnName { get; set; }
            [JsonPropertyName("PredictedLabelColumnName")] public string? PredictedLabelColumnName { get; set; }
            [JsonPropertyName("ScoreColumnName")] public string? ScoreColumnName { get; set; }
            [JsonPropertyName("SourceTokens")] public string[]? SourceTokens { get; set; }
            [JsonPropertyName("TargetTokens")] public string[]? TargetTokens { get; set; }
            [JsonPropertyName("BeamWidth")] public int BeamWidth { get; set; }
            [JsonPropertyName("LengthPenalty")] public double LengthPenalty { get; set; }
            [JsonPropertyName("MaximumOutputLength")] public int MaximumOutputLength { get; set; }
            [JsonPropertyName("ScoringBatchSize")] public int ScoringBatchSize { get; set; }
            [JsonPropertyName("FixedThreads")] public int? FixedThreads { get; set; }
            [JsonPropertyName("Network")] public Seq2SeqNetworkConfig? Network { get; set; }
            [JsonPropertyName("Members"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Seq2SeqMemberV1[]? Members { get; set; }

            public static Seq2SeqConfigV1 From(SequenceToSequenceTransformer t) => new()
            {
                SourceColumnName = t._spec.SourceColumn, PredictedLabelColumnName = t._spec.PredictedLabelColumn, ScoreColumnName = t._spec.ScoreColumn,
                SourceTokens = t._vocabulary.Source.ToArray(), TargetTokens = t._vocabulary.Target.ToArray(),
                BeamWidth = t.BeamWidth, LengthPenalty = t.LengthPenalty, MaximumOutputLength = t.MaximumOutputLength,
                ScoringBatchSize = t._spec.ScoringBatchSize, FixedThreads = t._engines[0].FixedThreads, Network = t._engines[0].Config,
                Members = t._engines.Length > 1 ? t._engines.Skip(1).Select(e => new Seq2SeqMemberV1 { FixedThreads = e.FixedThreads, Network = e.Config }).ToArray() : null,
            };

            /// <summary>The runtime pieces, checked: a damaged file fails here, naming the field.</summary>
            public (Seq2SeqNetworkConfig Network, Seq2SeqVocabulary Vocabulary, Seq2SeqSpec Spec) ToRuntime()
            {
                const string part = "SequenceToSequence";
                var network = StoredCheck.Required(Network, part, "Network");
                var source = StoredCheck.Required(SourceTokens, part, "SourceTokens");
                var target = StoredCheck.Required(TargetTokens, part, "TargetTokens");
                if (source.Length + 2 != network.SourceVocabularySize || target.Length + Seq2SeqNetworkConfig.FirstToken != network.TargetVocabularySize)
                    throw new InvalidDataException("The stored sequence-to-sequence model's vocabularies (fields SourceTokens, TargetTokens) do not match its network's sizes.");
                if (!(LengthPenalty >= 0 && double.IsFinite(LengthPenalty)) || FixedThreads <= 0)
                    throw new InvalidDataException("The stored sequence-to-sequence model's length penalty or thread count is invalid.");
                var decoding = new Seq2SeqDecoding(StoredCheck.Positive(BeamWidth, part, "BeamWidth"), LengthPenalty, StoredCheck.Positive(MaximumOutputLength, part, "MaximumOutputLength"));
                var spec = new Seq2SeqSpec(StoredCheck.Name(SourceColumnName, part, "SourceColumnName"), StoredCheck.Name(PredictedLabelColumnName, part, "PredictedLabelColumnName"),
                    StoredCheck.Name(ScoreColumnName, part, "ScoreColumnName"), decoding, StoredCheck.Positive(ScoringBatchSize, part, "ScoringBatchSize"));
                return (network, new Seq2SeqVocabulary(source, target), spec);
            }
        }
    }
}
