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
        private readonly Seq2SeqEngine _engine;
        private readonly Seq2SeqVocabulary _vocabulary;
        private readonly Seq2SeqSpec _spec;
        private readonly EngineLease? _share;
        private int _disposed;
        private EngineLease? _keptShare;

        /// <summary>A model over <paramref name="engine"/>: the creator's (<paramref name="share"/> null) or one sharing another's engine through a lease.</summary>
        /// <param name="engine">The network.</param>
        /// <param name="vocabulary">Source and target tokens.</param>
        /// <param name="spec">Columns and decoding.</param>
        /// <param name="history">Per-epoch figures, or null.</param>
        /// <param name="share">Null for the engine's creator; a lease for a model that shares another's engine.</param>
        internal SequenceToSequenceTransformer(Seq2SeqEngine engine, Seq2SeqVocabulary vocabulary, Seq2SeqSpec spec, TrainingHistory? history, EngineLease? share)
        {
            _engine = engine;
            _vocabulary = vocabulary;
            _spec = spec;
            _share = share;
            TrainingHistory = history;
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

        /// <summary>The encoder-decoder family: Lstm or Gru (with attention), or Transformer.</summary>
        public EncoderKind Cell => _engine.Config.Cell;

        /// <summary>Per-epoch training figures; null for a loaded model.</summary>
        public TrainingHistory? TrainingHistory { get; }

        /// <summary>The number of weights.</summary>
        public long ParameterCount => _engine.ParameterCount;

        internal Seq2SeqEngine Engine => _engine;

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
            return new SequenceToSequenceTransformer(_engine, _vocabulary, _spec with { Decoding = decoding }, TrainingHistory, _engine.Lease());
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
            if (_share != null)
                _share.Release();
            else
                _keptShare = _engine.ReleaseOrKeepWhileShared();
        }

        private void ThrowIfDisposed()
        {
            if (_disposed != 0 || _engine.IsReleased)
                throw new ObjectDisposedException(nameof(SequenceToSequenceTransformer), "This sequence-to-sequence model was disposed; load or train it again.");
        }

        /// <summary>Decodes sources (ids) with this model's settings; outputs keys (target index + 1) and log-probabilities.</summary>
        private (uint[][] Keys, float[] Scores) Decode(IReadOnlyList<long[]> sources)
        {
            var d = _spec.Decoding;
            var decoded = _engine.Decode(sources, d.BeamWidth, d.MaximumOutputLength, d.LengthPenalty);
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
                var lease = _p._engine.Lease();   // the row holds a share of the model while its holder lives
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
            private readonly EngineLease _lease;
            private readonly Output _output = new();
            private uint[][] _keys = Array.Empty<uint[]>();
            private float[] _scores = Array.Empty<float>();

            public BatchState(SequenceToSequenceTransformer p, Binding binding, DataViewRowCursor lookahead, bool[] active)
            {
                _p = p;
                _read = binding.Reader(lookahead);
                _lease = p._engine.Lease();
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

        int ISequencePersistable.PartVersion => 1;

        void ISequencePersistable.SavePart(ModelPartWriter writer)
        {
            ThrowIfDisposed();
            writer.WriteJson("config.json", Seq2SeqConfigV1.From(this));
            writer.Write("weights.bin", _engine.Save);
        }

        internal static SequenceToSequenceTransformer Load(ModelPartReader reader)
        {
            reader.RequireVersion("SequenceToSequence", 1);
            var stored = reader.ReadJson<Seq2SeqConfigV1>("config.json");
            var (network, vocabulary, spec) = stored.ToRuntime();
            Seq2SeqEngine engine;
            using (var weights = new MemoryStream(reader.ReadBytes("weights.bin")))
                engine = Seq2SeqEngine.Load(network, weights);
            engine.FixedThreads = stored.FixedThreads;
            return new SequenceToSequenceTransformer(engine, vocabulary, spec, null, share: null);
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

            public static Seq2SeqConfigV1 From(SequenceToSequenceTransformer t) => new()
            {
                SourceColumnName = t._spec.SourceColumn, PredictedLabelColumnName = t._spec.PredictedLabelColumn, ScoreColumnName = t._spec.ScoreColumn,
                SourceTokens = t._vocabulary.Source.ToArray(), TargetTokens = t._vocabulary.Target.ToArray(),
                BeamWidth = t.BeamWidth, LengthPenalty = t.LengthPenalty, MaximumOutputLength = t.MaximumOutputLength,
                ScoringBatchSize = t._spec.ScoringBatchSize, FixedThreads = t._engine.FixedThreads, Network = t._engine.Config,
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
