using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Serialization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.Tagging;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Trainers.Network;
using MLNet.Sequence.Transforms;
using MLNet.Sequence.Transforms.Internal;
using MLNet.Sequence.Transforms.Persistence;

namespace MLNet.Sequence
{
    /// <summary>
    /// A trained sequence tagger. It adds two columns, each with one value per token of the tokens column:
    /// <c>PredictedLabel</c>, a variable-size key vector whose KeyValues are the tag names (so <c>MapKeyToValue</c> gives
    /// the tags as text), and <c>Score</c>, a variable-size Single vector holding each predicted tag's probability (the
    /// softmax, or with a CRF the tag's marginal probability given the whole sentence). An empty sentence gets empty
    /// vectors. <see cref="Transform"/> tags in batches; prediction engines tag one sentence at a time.
    /// </summary>
    /// <remarks>
    /// It owns native memory (the network's weights), shared with the prediction engines and open cursors made from it,
    /// as <see cref="SequencePredictionTransformer"/> does: disposing it while they exist keeps the memory until they are
    /// gone too. Save it in a chain with <c>mlContext.Model.SaveSequenceModel</c>.
    /// </remarks>
    public sealed class SequenceTaggingTransformer : ITransformer, IDisposable, ISequencePersistable
    {
        private readonly TaggingEngine _engine;
        private readonly TokenFeaturizer _featurizer;
        private readonly TaggerSpec _spec;
        private readonly int _scoringBatch;
        private int _disposed;
        private EngineLease? _keptShare;

        internal SequenceTaggingTransformer(TaggingEngine engine, TokenFeaturizer featurizer, TaggerSpec spec, TrainingHistory? history, int scoringBatch)
        {
            _engine = engine;
            _featurizer = featurizer;
            _spec = spec;
            _scoringBatch = scoringBatch;
            TrainingHistory = history;
        }

        /// <summary>The tag names in key order: key k is <c>Tags[k − 1]</c>.</summary>
        public IReadOnlyList<string> Tags => _engine.Config.TagNames;

        /// <summary>The encoder family.</summary>
        public EncoderKind Encoder => _engine.Config.Encoder;

        /// <summary>Whether the output layer is a linear-chain CRF.</summary>
        public bool UsesCrf => _engine.Config.Crf;

        /// <summary>Per-epoch training figures; null for a loaded model.</summary>
        public TrainingHistory? TrainingHistory { get; }

        /// <summary>The number of weights.</summary>
        public long ParameterCount => _engine.ParameterCount;

        /// <summary>True when <paramref name="token"/> is in the training vocabulary (other words are unknown words to the tagger).</summary>
        /// <param name="token">A token as the tokens column holds it.</param>
        /// <returns>Whether the word embedding knows it.</returns>
        public bool IsKnownWord(string token)
        {
            ArgumentNullException.ThrowIfNull(token);
            return _featurizer.IsKnown(token);
        }

        internal TaggingEngine Engine => _engine;
        internal TokenFeaturizer Featurizer => _featurizer;
        internal TaggerSpec Spec => _spec;

        /// <summary>True: each output row comes from one input row.</summary>
        public bool IsRowToRowMapper => true;

        /// <inheritdoc />
        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
        {
            ArgumentNullException.ThrowIfNull(inputSchema);
            return new Binding(this, inputSchema).OutputSchema;
        }

        /// <summary>Tags lazily, in batches of the trainer's ScoringBatchSize sentences per forward pass.</summary>
        /// <param name="input">Data with the tokens column (and any extra feature columns).</param>
        /// <returns>The input with the tag and score columns.</returns>
        public IDataView Transform(IDataView input)
        {
            ArgumentNullException.ThrowIfNull(input);
            ThrowIfDisposed();
            var binding = new Binding(this, input.Schema);
            return new LookaheadScoredView(input, binding, _scoringBatch, (lookahead, active) => new BatchState(this, binding, lookahead, active));
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

        void ICanSaveModel.Save(ModelSaveContext ctx) => throw SaveErrors.CannotSaveWithMlNet(nameof(SequenceTaggingTransformer));

        /// <summary>
        /// Ends the creator's share of the native memory: freed now when nothing else holds the model, else once the
        /// prediction engines and cursors holding it are gone. Later calls do nothing.
        /// </summary>
        public void Dispose()
        {
            if (System.Threading.Interlocked.Exchange(ref _disposed, 1) == 0)
                _keptShare = _engine.ReleaseOrKeepWhileShared();
        }

        private void ThrowIfDisposed()
        {
            if (_engine.IsReleased)
                throw new ObjectDisposedException(nameof(SequenceTaggingTransformer), "This tagging model was disposed; load or train it again.");
        }

        /// <summary>The output columns and how one row's sentence is read.</summary>
        internal sealed class Binding : ColumnBinding
        {
            private readonly SequenceTaggingTransformer _p;
            private readonly AddedColumn[] _added;
            private readonly int[] _inputs;

            public Binding(SequenceTaggingTransformer p, DataViewSchema schema) : base(schema)
            {
                _p = p;
                var spec = p._spec;
                TaggingColumns.Tokens(schema, spec.TokensColumn);
                foreach (var extra in spec.ExtraColumns)
                    TaggingColumns.Extra(schema, extra);
                _inputs = new[] { spec.TokensColumn }.Concat(spec.ExtraColumns).Distinct().Select(n => schema[n].Index).ToArray();
                var tags = p._engine.Config.TagNames;
                var b = new DataViewSchema.Annotations.Builder();
                b.Add(SequenceColumns.KeyValues(tags), _ => true);
                _added = new[]
                {
                    new AddedColumn(spec.PredictedLabelColumn, new VectorDataViewType(new KeyDataViewType(typeof(uint), tags.Length)), b.ToAnnotations()),
                    new AddedColumn(spec.ScoreColumn, new VectorDataViewType(NumberDataViewType.Single)),
                };
            }

            public SequenceTaggingTransformer Model => _p;

            public override IReadOnlyList<AddedColumn> Added => _added;

            public override IEnumerable<int> Dependencies(int added) => _inputs;

            /// <summary>Reads a row's sentence as the engine takes it.</summary>
            public Func<TaggedSentence> Reader(DataViewRow row)
            {
                var spec = _p._spec;
                var tokens = TaggingColumns.Tokens(InputSchema, spec.TokensColumn)(row);
                var extras = spec.ExtraColumns.Select(n => TaggingColumns.Extra(InputSchema, n)(row)).ToArray();
                return () =>
                {
                    var t = tokens();
                    var extra = t.Length == 0 ? null
                        : SequenceTaggerEstimator.InterleaveExtra(t.Length, extras.Select(e => e()).ToArray(), spec.ExtraWidths, spec.ExtraColumns, row.Position + 1);
                    return _p._featurizer.Featurize(t, extra: extra);
                };
            }

            /// <summary>Single-row tagging (prediction engines): one forward pass per new row.</summary>
            public override Delegate?[] MakeGetters(DataViewRow input, Func<int, bool> isAddedActive)
            {
                if (!isAddedActive(0) && !isAddedActive(1))
                    return new Delegate?[2];
                var read = Reader(input);
                var output = new Output();
                var lease = _p._engine.Lease();   // the row holds a share of the model while its holder lives
                var sentence = new TaggedSentence[1];
                long position = -1;
                void Ensure()
                {
                    GC.KeepAlive(lease);
                    if (position == input.Position && position >= 0)
                        return;
                    sentence[0] = read();
                    var (tags, probabilities) = _p._engine.Predict(sentence);
                    output.Set(tags[0], probabilities[0]);
                    position = input.Position;
                }
                return output.Getters(isAddedActive, Ensure);
            }
        }

        /// <summary>One row's tags and probabilities, and the getters that hand them out.</summary>
        private sealed class Output
        {
            private long[] _tags = Array.Empty<long>();
            private float[] _probabilities = Array.Empty<float>();

            public void Set(long[] tags, float[] probabilities)
            {
                _tags = tags;
                _probabilities = probabilities;
            }

            public Delegate?[] Getters(Func<int, bool> active, Action ensure) => new Delegate?[]
            {
                active(0) ? (ValueGetter<VBuffer<uint>>)((ref VBuffer<uint> d) =>
                {
                    ensure();
                    var keys = new uint[_tags.Length];
                    for (int i = 0; i < keys.Length; i++)
                        keys[i] = (uint)_tags[i] + 1;
                    Buffers.Write(ref d, keys);
                }) : null,
                active(1) ? (ValueGetter<VBuffer<float>>)((ref VBuffer<float> d) =>
                {
                    ensure();
                    Buffers.Write(ref d, _probabilities);
                }) : null,
            };
        }

        /// <summary>Batch tagging for <see cref="Transform"/>: sentences read ahead, tagged in one pass.</summary>
        private sealed class BatchState : IBatchScoringState
        {
            private readonly SequenceTaggingTransformer _p;
            private readonly Func<TaggedSentence> _read;
            private readonly List<TaggedSentence> _sentences = new();
            private readonly EngineLease _lease;
            private readonly Output _output = new();
            private long[][] _tags = Array.Empty<long[]>();
            private float[][] _probabilities = Array.Empty<float[]>();

            public BatchState(SequenceTaggingTransformer p, Binding binding, DataViewRowCursor lookahead, bool[] active)
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
                    _sentences.Clear();
                _sentences.Add(_read());
            }

            public void Score(int count) => (_tags, _probabilities) = _p._engine.Predict(_sentences.GetRange(0, count));

            public void Select(int slot) => _output.Set(_tags[slot], _probabilities[slot]);

            public void Dispose() => _lease.Release();
        }

        // ---- persistence ----

        string ISequencePersistable.PartKind => "SequenceTagger";

        int ISequencePersistable.PartVersion => 1;

        void ISequencePersistable.SavePart(ModelPartWriter writer)
        {
            ThrowIfDisposed();
            writer.WriteJson("config.json", TaggerConfigV1.From(this));
            writer.Write("weights.bin", _engine.Save);
        }

        internal static SequenceTaggingTransformer Load(ModelPartReader reader)
        {
            reader.RequireVersion("SequenceTagger", 1);
            var stored = reader.ReadJson<TaggerConfigV1>("config.json");
            var (network, featurizer, spec) = stored.ToRuntime();
            TaggingEngine engine;
            using (var weights = new MemoryStream(reader.ReadBytes("weights.bin")))
                engine = TaggingEngine.Load(network, weights);
            engine.FixedThreads = stored.FixedThreads;
            return new SequenceTaggingTransformer(engine, featurizer, spec, null, stored.ScoringBatchSize);
        }

        /// <summary>A tagger's config.json, version 1: columns, vocabularies, the network's shape.</summary>
        internal sealed class TaggerConfigV1
        {
            [JsonPropertyName("TokensColumnName")] public string? TokensColumnName { get; set; }
            [JsonPropertyName("ExtraFeatureColumnNames")] public string[]? ExtraFeatureColumnNames { get; set; }
            [JsonPropertyName("ExtraFeatureWidths")] public int[]? ExtraFeatureWidths { get; set; }
            [JsonPropertyName("PredictedLabelColumnName")] public string? PredictedLabelColumnName { get; set; }
            [JsonPropertyName("ScoreColumnName")] public string? ScoreColumnName { get; set; }
            [JsonPropertyName("Words")] public string[]? Words { get; set; }
            [JsonPropertyName("Characters")] public string[]? Characters { get; set; }
            [JsonPropertyName("LowercaseWords")] public bool LowercaseWords { get; set; }
            [JsonPropertyName("Casing")] public bool Casing { get; set; }
            [JsonPropertyName("Network")] public TaggingNetworkConfig? Network { get; set; }
            [JsonPropertyName("ScoringBatchSize")] public int ScoringBatchSize { get; set; }
            [JsonPropertyName("FixedThreads")] public int? FixedThreads { get; set; }

            public static TaggerConfigV1 From(SequenceTaggingTransformer t) => new()
            {
                TokensColumnName = t._spec.TokensColumn, ExtraFeatureColumnNames = t._spec.ExtraColumns, ExtraFeatureWidths = t._spec.ExtraWidths,
                PredictedLabelColumnName = t._spec.PredictedLabelColumn, ScoreColumnName = t._spec.ScoreColumn,
                Words = t._featurizer.Words.ToArray(), Characters = t._featurizer.Characters?.ToArray(),
                LowercaseWords = t._featurizer.Lowercase, Casing = t._featurizer.Casing, Network = t._engine.Config,
                ScoringBatchSize = t._scoringBatch, FixedThreads = t._engine.FixedThreads,
            };

            /// <summary>The runtime pieces, checked: a damaged file fails here, naming the field.</summary>
            public (TaggingNetworkConfig Network, TokenFeaturizer Featurizer, TaggerSpec Spec) ToRuntime()
            {
                const string part = "SequenceTagger";
                var network = Network ?? throw new InvalidDataException("The stored tagger has no network configuration (field Network).");
                var words = Words ?? throw new InvalidDataException("The stored tagger has no word vocabulary (field Words).");
                var extraNames = ExtraFeatureColumnNames ?? Array.Empty<string>();
                var widths = ExtraFeatureWidths ?? Array.Empty<int>();
                if (extraNames.Length != widths.Length || widths.Any(w => w <= 0) || widths.Sum() != network.ExtraFeatures)
                    throw new InvalidDataException("The stored tagger's extra feature columns (fields ExtraFeatureColumnNames, ExtraFeatureWidths) do not match its network.");
                if (words.Length + 2 != network.WordVocabularySize || (Characters?.Length + 2 ?? 0) != network.CharacterVocabularySize)
                    throw new InvalidDataException("The stored tagger's vocabularies (fields Words, Characters) do not match its network's sizes.");
                if (Casing != network.CasingClasses > 0 || ScoringBatchSize <= 0 || FixedThreads <= 0)
                    throw new InvalidDataException("The stored tagger's casing, scoring batch size or thread count is invalid.");
                var featurizer = new TokenFeaturizer(words, Characters, LowercaseWords, Casing, network.MaxCharacters);
                var spec = new TaggerSpec(StoredCheck.Name(TokensColumnName, part, "TokensColumnName"), extraNames, widths,
                    StoredCheck.Name(PredictedLabelColumnName, part, "PredictedLabelColumnName"), StoredCheck.Name(ScoreColumnName, part, "ScoreColumnName"));
                return (network, featurizer, spec);
            }
        }
    }
}
