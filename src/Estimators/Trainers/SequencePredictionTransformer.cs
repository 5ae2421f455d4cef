using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.Persistence;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms;
using MLNet.Sequence.Transforms.Internal;
using MLNet.Sequence.Transforms.Persistence;

namespace MLNet.Sequence
{
    /// <summary>
    /// A trained sequence model. It adds the columns ML.NET's evaluators read: binary <c>Score</c> (logit),
    /// <c>Probability</c>, <c>PredictedLabel</c>; multiclass <c>Score</c> (class probabilities) and
    /// <c>PredictedLabel</c> (key); regression <c>Score</c>. <see cref="Transform"/> scores in batches; prediction
    /// engines score single rows.
    /// </summary>
    /// <remarks>
    /// It owns native memory (the network's weights), shared by everything that scores with it: this object and, while
    /// they exist, every prediction engine made from it and every open cursor of <see cref="Transform"/>. Disposed while
    /// nothing else holds it, it frees the memory at once. ML.NET's <c>PredictionEngine.Dispose</c> disposes the model it
    /// was made from (and a <c>TransformerChain</c> passes only its first disposal on), so a disposal that arrives while
    /// engines hold the model cannot tell the application's from an engine's: it then keeps the memory until this object
    /// and those engines are garbage-collected. So engines may come and go on many threads while the application holds
    /// the model, and disposing one never ends the model under the others or under the application.
    /// </remarks>
    public sealed class SequencePredictionTransformer : ITransformer, IDisposable, ISequencePersistable
    {
        private readonly SequenceEngine _engine;
        private readonly FeatureSpec _features;
        private readonly LabelSpec _label;
        private readonly int _scoringBatch;
        private int _disposed;
        /// <summary>The creator's share, kept for as long as this object lives when engines still held the model at Dispose.</summary>
        private EngineLease? _keptShare;

        internal SequencePredictionTransformer(SequenceEngine engine, FeatureSpec features, LabelSpec label, TrainingHistory? history, int scoringBatch)
        {
            _engine = engine;
            _features = features;
            _label = label;
            _scoringBatch = scoringBatch;
            TrainingHistory = history;
        }

        /// <summary>The task the model was trained for.</summary>
        public SequenceTask Task => _label.Task;

        /// <summary>The encoder family.</summary>
        public EncoderKind Encoder => _engine.Config.Encoder;

        /// <summary>Per-epoch training figures; null for a model loaded from a file saved without them.</summary>
        public TrainingHistory? TrainingHistory { get; }

        /// <summary>The number of trainable and frozen weights.</summary>
        public long ParameterCount => _engine.ParameterCount;

        /// <summary>
        /// libtorch threads scoring uses for one row (prediction engines) and for a batch (<see cref="Transform"/>): the fixed
        /// NumberOfThreads, or counts measured on the first such call on this machine; 0 until then.
        /// </summary>
        public (int SingleRow, int Batch) ScoringThreads => _engine.ScoringThreads;

        /// <summary>Class names in key order (multiclass), else null.</summary>
        public IReadOnlyList<string>? ClassNames => _label.ClassNames;

        internal FeatureSpec Features => _features;
        internal LabelSpec Label => _label;
        internal SequenceEngine Engine => _engine;

        /// <summary>True: each output row comes from one input row.</summary>
        public bool IsRowToRowMapper => true;

        /// <inheritdoc />
        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
        {
            ArgumentNullException.ThrowIfNull(inputSchema);
            return new Binding(this, inputSchema).OutputSchema;
        }

        /// <summary>Scores lazily, in batches of the trainer's ScoringBatchSize rows per forward pass.</summary>
        /// <param name="input">Data with the feature columns.</param>
        /// <returns>The input with the score columns.</returns>
        public IDataView Transform(IDataView input)
        {
            ArgumentNullException.ThrowIfNull(input);
            ThrowIfDisposed();
            var binding = new Binding(this, input.Schema);
            return new LookaheadScoredView(input, binding, _scoringBatch, (lookahead, active) => new BatchState(this, lookahead, active));
        }

        /// <summary>A single-row mapper, as prediction engines use. Each row it maps holds a share of the model (see remarks).</summary>
        /// <param name="inputSchema">The schema of the rows.</param>
        /// <returns>The mapper.</returns>
        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
        {
            ArgumentNullException.ThrowIfNull(inputSchema);
            ThrowIfDisposed();
            return new BindingRowMapper(new Binding(this, inputSchema));
        }

        void ICanSaveModel.Save(ModelSaveContext ctx) => throw SaveErrors.CannotSaveWithMlNet(nameof(SequencePredictionTransformer));

        /// <summary>
        /// Ends the creator's share of the model's native memory (see remarks): with no prediction engine or open cursor
        /// holding the model, it is freed now. Otherwise it is freed once this object and every engine holding the model are
        /// gone, so a model that a prediction engine disposed (ML.NET's default) stays usable while the application holds
        /// it. Later calls do nothing.
        /// </summary>
        public void Dispose()
        {
            if (System.Threading.Interlocked.Exchange(ref _disposed, 1) == 0)
                _keptShare = _engine.ReleaseOrKeepWhileShared();
        }

        private void ThrowIfDisposed()
        {
            if (_engine.IsReleased)
                throw new ObjectDisposedException(nameof(SequencePredictionTransformer), "This sequence model was disposed; load or train it again.");
        }

        /// <summary>Output columns and how each is computed from one row's raw outputs.</summary>
        internal sealed class Binding : ColumnBinding
        {
            private readonly SequencePredictionTransformer _p;
            private readonly List<AddedColumn> _added = new();
            private readonly int[] _inputs;

            public Binding(SequencePredictionTransformer p, DataViewSchema schema) : base(schema)
            {
                _p = p;
                var f = p._features;
                _inputs = f.InputColumns().Select(name =>
                {
                    var info = ColumnChecks.Find(schema, name, nameof(SequenceTrainerOptions.FeatureColumnName), f.Describe());
                    CheckSame(info, schema[name], f, name);
                    return schema[name].Index;
                }).ToArray();
                var l = p._label;
                switch (l.Task)
                {
                    case SequenceTask.BinaryClassification:
                        _added.Add(new AddedColumn("Score", NumberDataViewType.Single, SequenceColumns.ScoreAnnotations("BinaryClassification", "Score")));
                        _added.Add(new AddedColumn("Probability", NumberDataViewType.Single, SequenceColumns.ScoreAnnotations("BinaryClassification", "Probability")));
                        _added.Add(new AddedColumn("PredictedLabel", BooleanDataViewType.Instance, SequenceColumns.ScoreAnnotations("BinaryClassification", "PredictedLabel")));
                        break;
                    case SequenceTask.MulticlassClassification:
                    {
                        int k = l.Outputs;
                        _added.Add(new AddedColumn("Score", new VectorDataViewType(NumberDataViewType.Single, k),
                            SequenceColumns.ScoreAnnotations("MulticlassClassification", "Score", l.ClassNames)));
                        var b = new DataViewSchema.Annotations.Builder();
                        b.Add(SequenceColumns.ScoreAnnotations("MulticlassClassification", "PredictedLabel"), _ => true);
                        b.Add(SequenceColumns.KeyValues(l.ClassNames!), _ => true);
                        _added.Add(new AddedColumn("PredictedLabel", new KeyDataViewType(typeof(uint), k), b.ToAnnotations()));
                        break;
                    }
                    default:
                    {
                        DataViewType type = l.Dimensions != null || l.Quantiles != null
                            ? new VectorDataViewType(NumberDataViewType.Single, ScoreDimensions(l))
                            : NumberDataViewType.Single;
                        _added.Add(new AddedColumn("Score", type, SequenceColumns.ScoreAnnotations("Regression", "Score")));
                        break;
                    }
                }
            }

            private static int[] ScoreDimensions(LabelSpec l) =>
                l.Quantiles is { Length: > 0 } q ? (l.Dimensions ?? Array.Empty<int>()).Append(q.Length).ToArray() : l.Dimensions!;

            private static void CheckSame(ColumnTypeInfo info, DataViewSchema.Column col, FeatureSpec f, string name)
            {
                if (name == f.StaticColumn)
                {
                    if (col.Type is not VectorDataViewType sv || sv.ItemType != NumberDataViewType.Single || sv.Size != f.StaticSize)
                        throw ColumnChecks.WrongType(info, nameof(SequenceTrainerOptions.StaticFeatureColumnName), $"a Single vector of size {f.StaticSize}, as at training");
                    return;
                }
                if (name == f.MaskColumn)
                {
                    if (col.Type is not VectorDataViewType mv || mv.ItemType is not BooleanDataViewType)
                        throw ColumnChecks.WrongType(info, nameof(SequenceTrainerOptions.MaskColumnName), "a Boolean vector with one value per step, as at training");
                    return;
                }
                if (name == f.LengthColumn)
                {
                    if (info.IsVector || info.RawType != typeof(int))
                        throw ColumnChecks.WrongType(info, nameof(SequenceTrainerOptions.LengthColumnName), "Int32, as at training");
                    return;
                }
                var type = col.Type as VectorDataViewType;
                string expected = f.Describe() + ", as at training";
                if (type == null)
                    throw ColumnChecks.WrongType(info, nameof(SequenceTrainerOptions.FeatureColumnName), expected);
                if (f.Tokens)
                {
                    if (f.KeyInput)
                    {
                        if (type.ItemType is not KeyDataViewType k || k.RawType != typeof(uint) || (int)k.Count + 1 != f.VocabularySize)
                            throw ColumnChecks.WrongType(info, nameof(SequenceTrainerOptions.FeatureColumnName),
                                $"keys with {f.VocabularySize - 1} values (the training vocabulary); ids outside it cannot be embedded");
                    }
                    else if (type.ItemType != NumberDataViewType.Int32)
                        throw ColumnChecks.WrongType(info, nameof(SequenceTrainerOptions.FeatureColumnName), expected);
                }
                else if (type.ItemType != NumberDataViewType.Single)
                    throw ColumnChecks.WrongType(info, nameof(SequenceTrainerOptions.FeatureColumnName), expected);
                if (!f.VariableLength)
                {
                    int per = f.Tokens || f.Columns.Length > 1 ? 1 : f.Features;
                    if (!type.IsKnownSize || type.Size != f.Steps * per)
                        throw ColumnChecks.WrongType(info, nameof(SequenceTrainerOptions.FeatureColumnName), $"a vector of size {f.Steps * per}, as at training");
                }
            }

            public SequencePredictionTransformer Model => _p;

            public override IReadOnlyList<AddedColumn> Added => _added;

            public override IEnumerable<int> Dependencies(int added) => _inputs;

            /// <summary>Single-row scoring (prediction engines): one forward pass per new row.</summary>
            public override Delegate?[] MakeGetters(DataViewRow input, Func<int, bool> isAddedActive)
            {
                if (!Enumerable.Range(0, _added.Count).Any(isAddedActive))
                    return new Delegate?[_added.Count];
                var reader = new RowReader(input, _p._features, null, singleRow: input is not DataViewRowCursor);
                var row = new SequenceRow(_p._engine.Layout);
                var rows = new[] { row };
                var scorer = _p._engine.CreateScorer();
                var state = new OutputState(_p._label);
                // The row holds a share of the model for as long as whoever holds the row (a prediction engine) lives.
                var lease = _p._engine.Lease();
                long position = -1;
                void Ensure()
                {
                    GC.KeepAlive(lease);
                    if (position == input.Position && position >= 0) return;
                    reader.ReadFeatures(row);
                    state.Set(scorer.Score(rows), 0);
                    position = input.Position;
                }
                return state.Getters(isAddedActive, Ensure);
            }
        }

        /// <summary>Batch scoring for <see cref="Transform"/>: rows read ahead into pooled rows, scored in one forward pass.</summary>
        private sealed class BatchState : IBatchScoringState
        {
            private readonly SequencePredictionTransformer _model;
            private readonly RowReader _reader;
            private readonly List<SequenceRow> _rows = new();
            private readonly SequenceEngine.Scorer _scorer;
            private readonly EngineLease _lease;
            private readonly OutputState _state;
            private float[] _outputs = Array.Empty<float>();

            public BatchState(SequencePredictionTransformer model, DataViewRowCursor lookahead, bool[] active)
            {
                _model = model;
                _reader = new RowReader(lookahead, model._features, null);
                _lease = model._engine.Lease();
                _scorer = model._engine.CreateScorer();
                _state = new OutputState(model._label);
                Getters = _state.Getters(a => active[a], () => { });
            }

            public Delegate?[] Getters { get; }

            public void Read(int slot)
            {
                if (_rows.Count <= slot)
                    _rows.Add(new SequenceRow(_model._engine.Layout));
                _reader.ReadFeatures(_rows[slot]);
            }

            public void Score(int count) => _outputs = _scorer.Score(_rows.GetRange(0, count));

            public void Select(int slot) => _state.Set(_outputs, slot);

            public void Dispose() => _lease.Release();
        }

        /// <summary>The current row's outputs and the getters that derive the score columns from them.</summary>
        internal sealed class OutputState
        {
            private readonly LabelSpec _l;
            private readonly float[] _raw;
            private readonly float[] _vector;

            public OutputState(LabelSpec l)
            {
                _l = l;
                _raw = new float[l.Outputs * (l.Quantiles?.Length ?? 1)];
                _vector = new float[_raw.Length];
            }

            /// <summary>Takes row <paramref name="row"/> of a batch's outputs and computes the derived values.</summary>
            public void Set(float[] outputs, int row)
            {
                Array.Copy(outputs, row * _raw.Length, _raw, 0, _raw.Length);
                switch (_l.Task)
                {
                    case SequenceTask.MulticlassClassification:
                    {
                        float max = _raw.Max();
                        double sum = 0;
                        for (int i = 0; i < _raw.Length; i++) { _vector[i] = MathF.Exp(_raw[i] - max); sum += _vector[i]; }
                        for (int i = 0; i < _raw.Length; i++) _vector[i] = (float)(_vector[i] / sum);
                        break;
                    }
                    case SequenceTask.Regression:
                    case SequenceTask.QuantileRegression:
                    {
                        int q = _l.Quantiles?.Length ?? 1;
                        for (int i = 0; i < _raw.Length; i++)
                        {
                            int v = i / q;
                            _vector[i] = _l.Mean != null ? _raw[i] * _l.Scale![v] + _l.Mean[v] : _raw[i];
                        }
                        break;
                    }
                }
            }

            public Delegate?[] Getters(Func<int, bool> active, Action ensure)
            {
                switch (_l.Task)
                {
                    case SequenceTask.BinaryClassification:
                        return new Delegate?[]
                        {
                            active(0) ? (ValueGetter<float>)((ref float d) => { ensure(); d = _raw[0]; }) : null,
                            active(1) ? (ValueGetter<float>)((ref float d) => { ensure(); d = 1f / (1f + MathF.Exp(-_raw[0])); }) : null,
                            active(2) ? (ValueGetter<bool>)((ref bool d) => { ensure(); d = _raw[0] > 0; }) : null,
                        };
                    case SequenceTask.MulticlassClassification:
                        return new Delegate?[]
                        {
                            active(0) ? (ValueGetter<VBuffer<float>>)((ref VBuffer<float> d) => { ensure(); Buffers.Write(ref d, _vector); }) : null,
                            active(1) ? (ValueGetter<uint>)((ref uint d) => { ensure(); d = (uint)ArgMax(_vector) + 1; }) : null,
                        };
                    default:
                        if (_l.Dimensions != null || _l.Quantiles != null)
                            return new Delegate?[] { active(0) ? (ValueGetter<VBuffer<float>>)((ref VBuffer<float> d) => { ensure(); Buffers.Write(ref d, _vector); }) : null };
                        return new Delegate?[] { active(0) ? (ValueGetter<float>)((ref float d) => { ensure(); d = _vector[0]; }) : null };
                }
            }

            private static int ArgMax(float[] v)
            {
                int best = 0;
                for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
                return best;
            }
        }

        // ---- persistence ----

        string ISequencePersistable.PartKind => "SequenceModel";

        /// <summary>Version 2 adds the mask column; a model without one stays readable by version-1 readers.</summary>
        int ISequencePersistable.PartVersion => _features.MaskColumn != null ? 2 : 1;

        void ISequencePersistable.SavePart(ModelPartWriter writer)
        {
            ThrowIfDisposed();
            writer.WriteJson("config.json", SequenceModelConfigV2.From(_engine.Config, _features, _label, _scoringBatch, TrainingHistory, _engine.FixedThreads));
            writer.Write("weights.bin", _engine.Save);
        }

        internal static SequencePredictionTransformer Load(ModelPartReader reader)
        {
            reader.RequireVersion("SequenceModel", 2);
            var stored = reader.ReadJson<SequenceModelConfigV2>("config.json");
            var (network, features, label, history) = stored.ToRuntime(reader.PartVersion);
            var layout = features.Layout(label, padToSteps: network.Pooling == SequencePooling.Flatten);
            SequenceEngine engine;
            using (var weights = new MemoryStream(reader.ReadBytes("weights.bin")))
                engine = SequenceEngine.Load(network, layout, weights);
            engine.FixedThreads = stored.FixedThreads;
            return new SequencePredictionTransformer(engine, features, label, history, stored.ScoringBatchSize);
        }
    }
}
