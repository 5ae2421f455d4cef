using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Trainers.Native;
using MLNet.Sequence.Trainers.Network;
using MLNet.Sequence.Transforms;
using MLNet.Sequence.Transforms.Internal;
using MLNet.Sequence.Transforms.Persistence;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence
{
    /// <summary>
    /// A trained sequence model. It adds the columns ML.NET's evaluators read: binary <c>Score</c> (logit),
    /// <c>Probability</c>, <c>PredictedLabel</c>; multiclass <c>Score</c> (class probabilities) and
    /// <c>PredictedLabel</c> (key); regression <c>Score</c>. <see cref="Transform"/> scores in batches; prediction
    /// engines score single rows. It owns native memory: dispose it when done.
    /// </summary>
    public sealed class SequencePredictionTransformer : ITransformer, IDisposable, ISequencePersistable
    {
        private readonly SequenceNetwork _network;
        private readonly NetworkConfig _config;
        private readonly FeatureSpec _features;
        private readonly LabelSpec _label;
        private readonly Device _device;
        private readonly int _scoringBatch;
        private bool _disposed;

        internal SequencePredictionTransformer(SequenceNetwork network, NetworkConfig config, FeatureSpec features, LabelSpec label,
            TrainingHistory? history, Device device, int scoringBatch)
        {
            _network = network;
            _config = config;
            _features = features;
            _label = label;
            _device = device;
            _scoringBatch = scoringBatch;
            TrainingHistory = history;
            _network.eval();
        }

        /// <summary>The task the model was trained for.</summary>
        public SequenceTask Task => _label.Task;

        /// <summary>The encoder family.</summary>
        public EncoderKind Encoder => _config.Encoder;

        /// <summary>Per-epoch training figures; null for a model loaded from a file saved without them.</summary>
        public TrainingHistory? TrainingHistory { get; }

        /// <summary>The number of trainable and frozen weights.</summary>
        public long ParameterCount => _network.parameters().Sum(p => p.numel());

        /// <summary>Class names in key order (multiclass), else null.</summary>
        public IReadOnlyList<string>? ClassNames => _label.ClassNames;

        internal FeatureSpec Features => _features;
        internal LabelSpec Label => _label;
        internal SequenceNetwork Network => _network;
        internal Device Device => _device;

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
            return new ScoredDataView(input, new Binding(this, input.Schema), _scoringBatch);
        }

        /// <summary>A single-row mapper, as prediction engines use.</summary>
        /// <param name="inputSchema">The schema of the rows.</param>
        /// <returns>The mapper.</returns>
        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
        {
            ArgumentNullException.ThrowIfNull(inputSchema);
            ThrowIfDisposed();
            return new BindingRowMapper(new Binding(this, inputSchema));
        }

        void ICanSaveModel.Save(ModelSaveContext ctx) => throw SaveErrors.CannotSaveWithMlNet(nameof(SequencePredictionTransformer));

        /// <summary>Frees the network's native memory.</summary>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _network.Dispose();
        }

        private void ThrowIfDisposed()
        {
            if (_disposed)
                throw new ObjectDisposedException(nameof(SequencePredictionTransformer), "This sequence model was disposed; load or train it again.");
        }

        // ---- scoring ----

        /// <summary>Runs the network on rows; returns outputs [rows × outputs] in a managed array.</summary>
        internal float[] Forward(IReadOnlyList<RowData> rows, BatchBuilder builder)
        {
            ThrowIfDisposed();
            using var scope = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            var batch = builder.Build(rows);
            return TensorIO.ToArray(_network.Forward(batch.Inputs, batch.Mask, batch.Statics));
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
                var reader = new RowReader(input, _p._features, null);
                var row = new RowData(_p._features, 1);
                var rows = new[] { row };
                var builder = new BatchBuilder(_p._features, null, _p._device, _p._config.Pooling == SequencePooling.Flatten);
                var state = new OutputState(_p._label);
                long position = -1;
                void Ensure()
                {
                    if (position == input.Position && position >= 0) return;
                    reader.ReadFeatures(row);
                    state.Set(_p.Forward(rows, builder), 0);
                    position = input.Position;
                }
                return state.Getters(isAddedActive, Ensure);
            }
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
        int ISequencePersistable.PartVersion => 1;

        internal sealed class Stored
        {
            public NetworkConfig Network { get; set; } = new();
            public FeatureSpec Features { get; set; } = new();
            public LabelSpec Label { get; set; } = new();
            public int ScoringBatchSize { get; set; } = 256;
            public List<StoredEpoch>? History { get; set; }
            public int BestEpoch { get; set; }
            public bool StoppedEarly { get; set; }
        }

        internal sealed class StoredEpoch
        {
            public int Epoch { get; set; }
            public int Epochs { get; set; }
            public double TrainingLoss { get; set; }
            public double? ValidationLoss { get; set; }
            public double? ValidationMetric { get; set; }
            public string MetricName { get; set; } = "";
            public double LearningRate { get; set; }
            public double RowsPerSecond { get; set; }
            public double Seconds { get; set; }
            public bool IsBest { get; set; }
        }

        void ISequencePersistable.SavePart(ModelPartWriter writer)
        {
            ThrowIfDisposed();
            writer.WriteJson("config.json", new Stored
            {
                Network = _config,
                Features = _features,
                Label = _label,
                ScoringBatchSize = _scoringBatch,
                History = TrainingHistory?.Epochs.Select(e => new StoredEpoch
                {
                    Epoch = e.Epoch, Epochs = e.Epochs, TrainingLoss = e.TrainingLoss, ValidationLoss = e.ValidationLoss, ValidationMetric = e.ValidationMetric,
                    MetricName = e.MetricName, LearningRate = e.LearningRate, RowsPerSecond = e.RowsPerSecond, Seconds = e.Elapsed.TotalSeconds, IsBest = e.IsBest,
                }).ToList(),
                BestEpoch = TrainingHistory?.BestEpoch ?? 0,
                StoppedEarly = TrainingHistory?.StoppedEarly ?? false,
            });
            writer.Write("weights.bin", s =>
            {
                if (_device.type == DeviceType.CPU)
                    _network.save(s);
                else
                {
                    _network.to(torch.CPU);
                    try { _network.save(s); }
                    finally { _network.to(_device); }
                }
            });
        }

        internal static SequencePredictionTransformer Load(ModelPartReader reader)
        {
            reader.RequireVersion("SequenceModel", 1);
            TorchNative.EnsureLoaded();
            var s = reader.ReadJson<Stored>("config.json");
            if (s.Features.Columns.Length == 0 || s.Features.Steps <= 0 || s.Label.Outputs <= 0)
                throw new InvalidDataException("The stored sequence model configuration is incomplete.");
            var network = new SequenceNetwork(s.Network);
            try
            {
                using (var weights = new MemoryStream(reader.ReadBytes("weights.bin")))
                    network.load(weights);
                var history = s.History == null ? null : new TrainingHistory(
                    s.History.Select(e => new EpochReport(e.Epoch, e.Epochs, e.TrainingLoss, e.ValidationLoss, e.ValidationMetric, e.MetricName, e.LearningRate,
                        e.RowsPerSecond, TimeSpan.FromSeconds(e.Seconds), e.IsBest)).ToList(), s.BestEpoch, s.StoppedEarly);
                return new SequencePredictionTransformer(network, s.Network, s.Features, s.Label, history, torch.CPU, s.ScoringBatchSize);
            }
            catch (Exception e) when (e is not InvalidDataException)
            {
                network.Dispose();
                throw new InvalidDataException($"The stored sequence model's weights do not match its configuration: {e.Message}", e);
            }
        }
    }

    /// <summary>
    /// The scored view: a main cursor serves the input columns while a look-ahead cursor over the same input reads
    /// the features of the next batch of rows, which the network scores in one forward pass.
    /// </summary>
    internal sealed class ScoredDataView : IDataView
    {
        private readonly IDataView _input;
        private readonly SequencePredictionTransformer.Binding _binding;
        private readonly int _batch;

        public ScoredDataView(IDataView input, SequencePredictionTransformer.Binding binding, int batch)
        {
            _input = input; _binding = binding; _batch = batch;
        }

        /// <summary>False: the look-ahead cursor must see rows in the main cursor's order.</summary>
        public bool CanShuffle => false;
        public DataViewSchema Schema => _binding.OutputSchema;
        public long? GetRowCount() => _input.GetRowCount();

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        {
            var (inputActive, addedActive) = _binding.Plan(columnsNeeded);
            var main = _input.GetRowCursor(_binding.InputColumns(inputActive));
            if (!addedActive.Any(a => a))
                return new MappedCursor(main, _binding, addedActive);
            var lookahead = _input.GetRowCursor(_binding.Dependencies(0).Select(i => _input.Schema[i]));
            return new ScoringCursor(main, lookahead, _binding, addedActive, _batch);
        }

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
            new[] { GetRowCursor(columnsNeeded, rand) };
    }

    internal sealed class ScoringCursor : DataViewRowCursor
    {
        private readonly DataViewRowCursor _main, _lookahead;
        private readonly SequencePredictionTransformer.Binding _binding;
        private readonly bool[] _addedActive;
        private readonly Delegate?[] _getters;
        private readonly RowReader _reader;
        private readonly List<RowData> _rows = new();
        private readonly BatchBuilder _builder;
        private readonly SequencePredictionTransformer.OutputState _state;
        private readonly SequencePredictionTransformer _model;
        private readonly int _batch;
        private float[] _outputs = Array.Empty<float>();
        private int _count, _index = -1;
        private readonly ValueGetter<DataViewRowId> _mainId, _lookaheadId;
        private readonly List<DataViewRowId> _ids = new();

        public ScoringCursor(DataViewRowCursor main, DataViewRowCursor lookahead, SequencePredictionTransformer.Binding binding, bool[] addedActive, int batch)
        {
            _main = main; _lookahead = lookahead; _binding = binding; _addedActive = addedActive; _batch = batch;
            _model = binding.Model;
            _reader = new RowReader(lookahead, _model.Features, null);
            _builder = new BatchBuilder(_model.Features, null, _model.Device, _model.Network.Config.Pooling == SequencePooling.Flatten);
            _state = new SequencePredictionTransformer.OutputState(_model.Label);
            _getters = _state.Getters(a => addedActive[a], () => { });
            _mainId = main.GetIdGetter();
            _lookaheadId = lookahead.GetIdGetter();
        }

        public override DataViewSchema Schema => _binding.OutputSchema;
        public override long Position => _main.Position;
        public override long Batch => _main.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => _main.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => MappedGetters.IsActive(_binding, _main, _addedActive, column);
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => MappedGetters.Get<TValue>(_binding, _main, _getters, column);

        public override bool MoveNext()
        {
            if (!_main.MoveNext())
                return false;
            _index++;
            if (_index >= _count)
                Fill();
            // Both cursors must see the same rows in the same order; row ids tell.
            DataViewRowId id = default;
            _mainId(ref id);
            if (!id.Equals(_ids[_index]))
                throw new InvalidOperationException(
                    "The input data gave two cursors its rows in different orders, so scores cannot be matched to rows. Cache it first (mlContext.Data.Cache) or score with a prediction engine.");
            _state.Set(_outputs, _index);
            return true;
        }

        private void Fill()
        {
            _count = 0;
            _index = 0;
            _ids.Clear();
            while (_count < _batch && _lookahead.MoveNext())
            {
                if (_rows.Count <= _count)
                    _rows.Add(new RowData(_model.Features, 1));
                _reader.ReadFeatures(_rows[_count]);
                DataViewRowId id = default;
                _lookaheadId(ref id);
                _ids.Add(id);
                _count++;
            }
            if (_count == 0)
                throw new InvalidOperationException("The input data changed while it was being scored: the look-ahead cursor ended before the main cursor.");
            _outputs = _model.Forward(_rows.GetRange(0, _count), _builder);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _main.Dispose();
                _lookahead.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
