using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Serialization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Persistence;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms;
using MLNet.Sequence.Transforms.Internal;
using MLNet.Sequence.Transforms.Persistence;

namespace MLNet.Sequence
{
    /// <summary>
    /// Several trained sequence models of one task scored as one: each member (a whole pipeline, preprocessing
    /// included, ending in a sequence model) scores the same input rows and the ensemble adds the columns ML.NET's
    /// evaluators read, from the members' (weighted) mean: binary <c>Probability</c> (the mean of the members' probabilities),
    /// <c>Score</c> (its logit) and <c>PredictedLabel</c> (mean probability above 0.5); multiclass <c>Score</c> (the mean
    /// of the class probabilities) and <c>PredictedLabel</c> (their arg max); regression <c>Score</c> (the mean, value by
    /// value, quantiles included). Members may differ in family, size and preprocessing (window, vocabulary); only their
    /// score columns reach the output, so steps every member shares and the evaluator needs (a label's
    /// <c>MapValueToKey</c>) or that make rows of their own (<c>CreateWindows</c>) go before the ensemble. Built by <c>mlContext.Model.AverageSequenceModels</c> or by a sweep with
    /// <see cref="SequenceSweepOptions.EnsembleSize"/> or <see cref="SequenceSweepOptions.RefitSeeds"/> above 1; saved in the one-zip format.
    /// </summary>
    /// <remarks>
    /// <see cref="Transform"/> scores every member in its own batches, each member reading the input with its own cursors; prediction
    /// engines score one row through every member. The members own native memory: disposing the ensemble disposes them,
    /// with the sharing rules of <see cref="SequencePredictionTransformer"/> (an engine made from the ensemble keeps the
    /// members it scores with alive).
    /// </remarks>
    public sealed class SequenceEnsembleTransformer : ITransformer, IDisposable, ISequencePersistable
    {
        private readonly ITransformer[] _members;
        private readonly double[] _weights;
        private readonly DataViewSchema _inputSchema;
        private int _disposed;

        private SequenceEnsembleTransformer(ITransformer[] members, double[] weights, DataViewSchema inputSchema, SequenceTask task)
        {
            _members = members;
            _weights = weights;
            _inputSchema = inputSchema;
            Task = task;
        }

        /// <summary>Checks the members (and weights, if given) against the input schema and builds the ensemble, which then owns the members.</summary>
        internal static SequenceEnsembleTransformer Create(IEnumerable<ITransformer> members, DataViewSchema inputSchema, string parameter, IEnumerable<double>? weights = null)
        {
            ArgumentNullException.ThrowIfNull(members, parameter);
            ArgumentNullException.ThrowIfNull(inputSchema);
            var list = members.ToArray();
            if (list.Length == 0)
                throw new ArgumentException("An ensemble needs at least one model; the list is empty.", parameter);
            var w = weights?.ToArray() ?? Enumerable.Repeat(1.0, list.Length).ToArray();
            if (w.Length != list.Length)
                throw new ArgumentException($"The ensemble has {list.Length} models but {w.Length} weights; give one weight per model.", nameof(weights));
            if (w.Any(x => !double.IsFinite(x) || x < 0) || w.Sum() <= 0)
                throw new ArgumentException($"The ensemble's weights must be finite, non-negative and not all zero; they were {string.Join(", ", w)}.", nameof(weights));
            double total = w.Sum();
            w = w.Select(x => x / total).ToArray();
            SequenceTask? task = null;
            DataViewSchema? first = null;
            for (int i = 0; i < list.Length; i++)
            {
                var m = list[i] ?? throw new ArgumentException($"Model {i + 1} of the ensemble is null.", parameter);
                var scorer = SequenceModelFile.Flatten(m).OfType<SequencePredictionTransformer>().LastOrDefault()
                    ?? throw new ArgumentException($"Model {i + 1} of the ensemble holds no sequence model (SequencePredictionTransformer); an ensemble averages sequence classifiers or regressors.", parameter);
                if (!m.IsRowToRowMapper)
                    throw new ArgumentException($"Model {i + 1} of the ensemble does not map rows one to one (a step such as CreateWindows makes rows of its own), so its scores cannot be matched to the other members' rows. Apply such steps to the data before the ensemble and average the models that follow them.", parameter);
                if (task != null && scorer.Task != task)
                    throw new ArgumentException($"Model {i + 1} of the ensemble is a {scorer.Task} model; model 1 is a {task} model. Every member must solve the same task.", parameter);
                task = scorer.Task;
                DataViewSchema output;
                try
                {
                    output = m.GetOutputSchema(inputSchema);
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    throw new ArgumentException($"Model {i + 1} of the ensemble cannot score the input schema: {e.Message}", parameter, e);
                }
                foreach (var name in OutputNames(scorer.Task))
                {
                    var col = output.GetColumnOrNull(name)
                        ?? throw new ArgumentException($"Model {i + 1} of the ensemble has no '{name}' column in its output; a later transformer of that pipeline dropped or renamed it.", parameter);
                    if (first == null)
                        continue;
                    var expected = first[name];
                    if (!col.Type.Equals(expected.Type))
                        throw new ArgumentException($"Model {i + 1} of the ensemble outputs '{name}' as {col.Type}; model 1 outputs {expected.Type}. Members must predict the same classes or values.", parameter);
                    if (scorer.Task == SequenceTask.MulticlassClassification && !SameSlotNames(col, expected))
                        throw new ArgumentException($"Model {i + 1} of the ensemble names its classes differently from model 1 (the label's key values); members must be trained on the same label mapping.", parameter);
                }
                first ??= output;
            }
            return new SequenceEnsembleTransformer(list, w, inputSchema, task!.Value);
        }

        private static bool SameSlotNames(DataViewSchema.Column a, DataViewSchema.Column b)
        {
            VBuffer<ReadOnlyMemory<char>> x = default, y = default;
            bool hasA = a.HasSlotNames(), hasB = b.HasSlotNames();
            if (hasA != hasB) return false;
            if (!hasA) return true;
            a.GetSlotNames(ref x);
            b.GetSlotNames(ref y);
            return x.DenseValues().Select(v => v.ToString()).SequenceEqual(y.DenseValues().Select(v => v.ToString()));
        }

        /// <summary>The score columns a task's ensemble adds, in order.</summary>
        private static string[] OutputNames(SequenceTask task) => task switch
        {
            SequenceTask.BinaryClassification => new[] { "Score", "Probability", "PredictedLabel" },
            SequenceTask.MulticlassClassification => new[] { "Score", "PredictedLabel" },
            _ => new[] { "Score" },
        };

        /// <summary>The member output column the ensemble averages.</summary>
        private string ReadColumn => Task == SequenceTask.BinaryClassification ? "Probability" : "Score";

        /// <summary>The task every member solves.</summary>
        public SequenceTask Task { get; }

        /// <summary>The members, each a whole pipeline ending in a sequence model, in the order given.</summary>
        public IReadOnlyList<ITransformer> Members => _members;

        /// <summary>Each member's weight in the average, in <see cref="Members"/> order, summing to 1 (equal unless given).</summary>
        public IReadOnlyList<double> Weights => _weights;

        /// <summary>True when every member maps rows one to one (then prediction engines work).</summary>
        public bool IsRowToRowMapper => _members.All(m => m.IsRowToRowMapper);

        /// <inheritdoc />
        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
        {
            ArgumentNullException.ThrowIfNull(inputSchema);
            return new Binding(this, inputSchema).OutputSchema;
        }

        /// <summary>Scores lazily: every member in its own batches, then the mean.</summary>
        /// <param name="input">Data with the columns the members read.</param>
        /// <returns>The input with the ensemble's score columns.</returns>
        public IDataView Transform(IDataView input)
        {
            ArgumentNullException.ThrowIfNull(input);
            var binding = new Binding(this, input.Schema);
            return new EnsembleView(input, binding, _members.Select(m => m.Transform(input)).ToArray());
        }

        /// <summary>A single-row mapper for prediction engines: each row goes through every member's own mapper.</summary>
        /// <param name="inputSchema">The schema of the rows.</param>
        /// <returns>The mapper.</returns>
        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
        {
            ArgumentNullException.ThrowIfNull(inputSchema);
            if (!IsRowToRowMapper)
                throw new InvalidOperationException("A member of this ensemble does not map rows one to one, so rows cannot be scored one at a time; use Transform.");
            return new BindingRowMapper(new Binding(this, inputSchema));
        }

        void ICanSaveModel.Save(ModelSaveContext ctx) => throw SaveErrors.CannotSaveWithMlNet(nameof(SequenceEnsembleTransformer));

        /// <summary>Disposes every member (see <see cref="SequencePredictionTransformer.Dispose"/> for what that frees when). Later calls do nothing.</summary>
        public void Dispose()
        {
            if (System.Threading.Interlocked.Exchange(ref _disposed, 1) != 0)
                return;
            foreach (var m in _members)
                (m as IDisposable)?.Dispose();
        }

        /// <summary>The ensemble bound to one input schema: the added columns and, for single rows, the members' mappers.</summary>
        private sealed class Binding : ColumnBinding
        {
            private readonly SequenceEnsembleTransformer _e;
            private readonly AddedColumn[] _added;
            private readonly int[] _all;
            private IRowToRowMapper[]? _mappers;

            public Binding(SequenceEnsembleTransformer e, DataViewSchema schema) : base(schema)
            {
                _e = e;
                var outputs = e._members.Select((m, i) =>
                {
                    try
                    {
                        return m.GetOutputSchema(schema);
                    }
                    catch (ArgumentOutOfRangeException ex)
                    {
                        throw new ArgumentOutOfRangeException(ex.ParamName, $"Ensemble member {i + 1}: {ex.Message}");
                    }
                }).ToArray();
                _added = OutputNames(e.Task).Select(name =>
                {
                    var c = outputs[0][name];
                    return new AddedColumn(name, c.Type, c.Annotations);
                }).ToArray();
                // The members read what their pipelines read; the input columns all stay available to them.
                _all = Enumerable.Range(0, schema.Count).ToArray();
            }

            public SequenceEnsembleTransformer Ensemble => _e;

            public override IReadOnlyList<AddedColumn> Added => _added;

            public override IEnumerable<int> Dependencies(int added) => _all;

            /// <summary>Single rows (prediction engines): each member maps the row with its own row mapper.</summary>
            public override Delegate?[] MakeGetters(DataViewRow input, Func<int, bool> isAddedActive)
            {
                if (!Enumerable.Range(0, _added.Length).Any(isAddedActive))
                    return new Delegate?[_added.Length];
                _mappers ??= _e._members.Select(m => m.GetRowToRowMapper(InputSchema)).ToArray();
                var rows = _mappers.Select(m => m.GetRow(input, new[] { m.OutputSchema[_e.ReadColumn] })).ToArray();
                var mean = new MeanState(_e.Task, _e._weights, rows, _mappers.Select(m => m.OutputSchema[_e.ReadColumn]).ToArray(), () => input.Position);
                return mean.Getters(isAddedActive);
            }
        }

        /// <summary>The members' weighted mean for the current row, computed once per position, and the getters derived from it.</summary>
        private sealed class MeanState
        {
            private readonly SequenceTask _task;
            private readonly double[] _weights;
            private readonly ValueGetter<float>[]? _scalars;
            private readonly ValueGetter<VBuffer<float>>[]? _vectors;
            private readonly Func<long> _position;
            private long _at = -1;
            private float _mean;
            private float[] _meanVector = Array.Empty<float>();
            private VBuffer<float> _buffer;
            private float[] _scratch = Array.Empty<float>();

            public MeanState(SequenceTask task, double[] weights, DataViewRow[] rows, DataViewSchema.Column[] columns, Func<long> position)
            {
                _task = task;
                _weights = weights;
                _position = position;
                if (columns[0].Type is VectorDataViewType)
                    _vectors = rows.Select((r, i) => r.GetGetter<VBuffer<float>>(columns[i])).ToArray();
                else
                    _scalars = rows.Select((r, i) => r.GetGetter<float>(columns[i])).ToArray();
            }

            private void Ensure()
            {
                long p = _position();
                if (p == _at && p >= 0)
                    return;
                if (_scalars != null)
                {
                    double sum = 0;
                    for (int m = 0; m < _scalars.Length; m++)
                    {
                        float v = 0;
                        _scalars[m](ref v);
                        sum += _weights[m] * v;
                    }
                    _mean = (float)sum;
                }
                else
                {
                    var sums = (double[]?)null;
                    for (int m = 0; m < _vectors!.Length; m++)
                    {
                        _vectors[m](ref _buffer);
                        var values = Buffers.Dense(in _buffer, ref _scratch);
                        sums ??= new double[values.Length];
                        for (int i = 0; i < values.Length; i++)
                            sums[i] += _weights[m] * values[i];
                    }
                    if (_meanVector.Length != sums!.Length)
                        _meanVector = new float[sums.Length];
                    for (int i = 0; i < sums.Length; i++)
                        _meanVector[i] = (float)sums[i];
                }
                _at = p;
            }

            public Delegate?[] Getters(Func<int, bool> active)
            {
                switch (_task)
                {
                    case SequenceTask.BinaryClassification:
                        return new Delegate?[]
                        {
                            active(0) ? (ValueGetter<float>)((ref float d) => { Ensure(); d = Logit(_mean); }) : null,
                            active(1) ? (ValueGetter<float>)((ref float d) => { Ensure(); d = _mean; }) : null,
                            active(2) ? (ValueGetter<bool>)((ref bool d) => { Ensure(); d = _mean > 0.5f; }) : null,
                        };
                    case SequenceTask.MulticlassClassification:
                        return new Delegate?[]
                        {
                            active(0) ? (ValueGetter<VBuffer<float>>)((ref VBuffer<float> d) => { Ensure(); Buffers.Write(ref d, _meanVector); }) : null,
                            active(1) ? (ValueGetter<uint>)((ref uint d) => { Ensure(); d = (uint)ArgMax(_meanVector) + 1; }) : null,
                        };
                    default:
                        return new Delegate?[]
                        {
                            !active(0) ? null : _vectors != null
                                ? (ValueGetter<VBuffer<float>>)((ref VBuffer<float> d) => { Ensure(); Buffers.Write(ref d, _meanVector); })
                                : (ValueGetter<float>)((ref float d) => { Ensure(); d = _mean; }),
                        };
                }
            }

            /// <summary>log(p / (1 − p)), finite at 0 and 1 (members' probabilities may round to either).</summary>
            private static float Logit(float p)
            {
                double q = Math.Clamp(p, 1e-12, 1 - 1e-12);
                return (float)Math.Log(q / (1 - q));
            }

            private static int ArgMax(float[] v)
            {
                int best = 0;
                for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
                return best;
            }
        }

        /// <summary>The scored view: the input's columns from one cursor, the mean from one cursor per member, moved together.</summary>
        private sealed class EnsembleView : IDataView
        {
            private readonly IDataView _input;
            private readonly Binding _binding;
            private readonly IDataView[] _scored;

            public EnsembleView(IDataView input, Binding binding, IDataView[] scored)
            {
                _input = input; _binding = binding; _scored = scored;
            }

            /// <summary>False: the members' cursors must see the rows in the same order.</summary>
            public bool CanShuffle => false;
            public DataViewSchema Schema => _binding.OutputSchema;
            public long? GetRowCount() => _input.GetRowCount();

            public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
            {
                int n = _binding.InputSchema.Count;
                var wanted = columnsNeeded.ToArray();
                var addedActive = new bool[_binding.Added.Count];
                foreach (var c in wanted.Where(c => c.Index >= n))
                    addedActive[c.Index - n] = true;
                var main = _input.GetRowCursor(wanted.Where(c => c.Index < n).Select(c => _binding.InputSchema[c.Index]));
                if (!addedActive.Any(a => a))
                    return new MappedCursor(main, _binding, addedActive);
                var members = new List<DataViewRowCursor>();
                try
                {
                    string read = _binding.Ensemble.ReadColumn;
                    foreach (var view in _scored)
                        members.Add(view.GetRowCursor(new[] { view.Schema[read] }));
                    return new EnsembleCursor(main, members.ToArray(), _binding, addedActive, read);
                }
                catch
                {
                    foreach (var m in members) m.Dispose();
                    main.Dispose();
                    throw;
                }
            }

            public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
                new[] { GetRowCursor(columnsNeeded, rand) };
        }

        private sealed class EnsembleCursor : DataViewRowCursor
        {
            private readonly DataViewRowCursor _main;
            private readonly DataViewRowCursor[] _members;
            private readonly Binding _binding;
            private readonly bool[] _addedActive;
            private readonly Delegate?[] _getters;
            private readonly ValueGetter<DataViewRowId> _mainId;
            private readonly ValueGetter<DataViewRowId>[] _memberIds;

            public EnsembleCursor(DataViewRowCursor main, DataViewRowCursor[] members, Binding binding, bool[] addedActive, string read)
            {
                _main = main;
                _members = members;
                _binding = binding;
                _addedActive = addedActive;
                _mainId = main.GetIdGetter();
                _memberIds = members.Select(m => m.GetIdGetter()).ToArray();
                var mean = new MeanState(binding.Ensemble.Task, binding.Ensemble._weights, members, members.Select(m => m.Schema[read]).ToArray(), () => main.Position);
                _getters = mean.Getters(a => addedActive[a]);
            }

            public override DataViewSchema Schema => _binding.OutputSchema;
            public override long Position => _main.Position;
            public override long Batch => _main.Batch;
            public override ValueGetter<DataViewRowId> GetIdGetter() => _main.GetIdGetter();
            public override bool IsColumnActive(DataViewSchema.Column column) => MappedGetters.IsActive(_binding, _main, _addedActive, column);
            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => MappedGetters.Get<TValue>(_binding, _main, _getters, column);

            public override bool MoveNext()
            {
                bool more = _main.MoveNext();
                DataViewRowId id = default, other = default;
                if (more)
                    _mainId(ref id);
                for (int i = 0; i < _members.Length; i++)
                {
                    if (_members[i].MoveNext() != more)
                        throw new InvalidOperationException($"Ensemble member {i + 1} scored a different number of rows than the input has; every member must map rows one to one.");
                    if (!more)
                        continue;
                    _memberIds[i](ref other);
                    if (!other.Equals(id))
                        throw new InvalidOperationException($"Ensemble member {i + 1} returned rows in a different order than the input; the input must give every cursor the same order.");
                }
                return more;
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    _main.Dispose();
                    foreach (var m in _members)
                        m.Dispose();
                }
                base.Dispose(disposing);
            }
        }

        // ---- persistence: each member is a whole model file of its own inside this part ----

        string ISequencePersistable.PartKind => "SequenceEnsemble";

        int ISequencePersistable.PartVersion => 1;

        void ISequencePersistable.SavePart(ModelPartWriter writer)
        {
            var catalog = new MLContext().Model;
            writer.WriteJson("ensemble.json", new EnsembleV1 { Task = Task, Members = _members.Length, Weights = _weights });
            for (int i = 0; i < _members.Length; i++)
            {
                var member = _members[i];
                writer.Write(MemberEntry(i), s => SequenceModelFile.Save(catalog, member, _inputSchema, s));
            }
        }

        private static string MemberEntry(int i) => $"member-{i:D3}.zip";

        internal static SequenceEnsembleTransformer Load(ModelPartReader reader)
        {
            reader.RequireVersion("SequenceEnsemble", 1);
            var stored = reader.ReadJson<EnsembleV1>("ensemble.json");
            if (stored.Members is < 1 or > 10_000)
                throw new InvalidDataException($"The stored SequenceEnsemble has {stored.Members} members; it must have 1 to 10,000.");
            var catalog = new MLContext().Model;
            var members = new List<ITransformer>();
            DataViewSchema? schema = null;
            try
            {
                for (int i = 0; i < stored.Members; i++)
                {
                    using var bytes = new MemoryStream(reader.ReadBytes(MemberEntry(i)));
                    members.Add(SequenceModelFile.Load(catalog, bytes, $"Ensemble member {i + 1}", out var memberSchema));
                    schema ??= memberSchema;
                }
                if (stored.Weights != null && stored.Weights.Length != stored.Members)
                    throw new InvalidDataException($"The stored SequenceEnsemble has {stored.Members} members but {stored.Weights.Length} weights.");
                var ensemble = Create(members, schema!, "members", stored.Weights);
                if (ensemble.Task != stored.Task)
                    throw new InvalidDataException($"The stored SequenceEnsemble says {stored.Task}; its members are {ensemble.Task} models.");
                return ensemble;
            }
            catch (Exception e)
            {
                foreach (var m in members)
                    (m as IDisposable)?.Dispose();
                if (e is ArgumentException)
                    throw new InvalidDataException($"The stored SequenceEnsemble's members do not form an ensemble: {e.Message}", e);
                throw;
            }
        }

        private sealed class EnsembleV1
        {
            [JsonPropertyName("Task")] public SequenceTask Task { get; set; }
            [JsonPropertyName("Members")] public int Members { get; set; }
            /// <summary>The members' weights (summing to 1); absent: equal.</summary>
            [JsonPropertyName("Weights"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double[]? Weights { get; set; }
        }
    }
}
