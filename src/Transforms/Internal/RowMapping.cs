using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Sequence.Transforms.Internal
{
    /// <summary>A column that a row-to-row transformer adds to its input.</summary>
    internal sealed class AddedColumn
    {
        public AddedColumn(string name, DataViewType type, DataViewSchema.Annotations? annotations = null)
        {
            Name = name;
            Type = type;
            Annotations = annotations ?? DataViewSchema.Annotations.Empty;
        }

        public string Name { get; }
        public DataViewType Type { get; }
        public DataViewSchema.Annotations Annotations { get; }
    }

    /// <summary>
    /// A transformer bound to one input schema: which columns it adds, which input columns they read, and
    /// how to compute them for a row. Bindings are cheap and immutable; cursors get their own getters.
    /// </summary>
    internal abstract class ColumnBinding
    {
        private DataViewSchema? _output;

        protected ColumnBinding(DataViewSchema inputSchema)
        {
            InputSchema = inputSchema;
        }

        public DataViewSchema InputSchema { get; }

        /// <summary>The columns this binding adds, in order.</summary>
        public abstract IReadOnlyList<AddedColumn> Added { get; }

        /// <summary>Input column indices that added column <paramref name="added"/> reads.</summary>
        public abstract IEnumerable<int> Dependencies(int added);

        /// <summary>
        /// Getters (one per added column; null where inactive) reading from <paramref name="input"/>. The getters
        /// of one call may share per-row work.
        /// </summary>
        public abstract Delegate?[] MakeGetters(DataViewRow input, Func<int, bool> isAddedActive);

        /// <summary>Input columns first (hidden where an added column takes the name), then added columns.</summary>
        public DataViewSchema OutputSchema => _output ??= BuildOutput();

        private DataViewSchema BuildOutput()
        {
            var b = new DataViewSchema.Builder();
            b.AddColumns(InputSchema);
            foreach (var a in Added)
                b.AddColumn(a.Name, a.Type, a.Annotations);
            return b.ToSchema();
        }

        /// <summary>For output columns wanted, the input columns needed and the added columns active.</summary>
        public (bool[] InputActive, bool[] AddedActive) Plan(IEnumerable<DataViewSchema.Column> outputColumns)
        {
            var inputActive = new bool[InputSchema.Count];
            var addedActive = new bool[Added.Count];
            int n = InputSchema.Count;
            foreach (var c in outputColumns)
            {
                if (c.Index < n)
                    inputActive[c.Index] = true;
                else
                {
                    int a = c.Index - n;
                    addedActive[a] = true;
                    foreach (var d in Dependencies(a))
                        inputActive[d] = true;
                }
            }
            return (inputActive, addedActive);
        }

        public IEnumerable<DataViewSchema.Column> InputColumns(bool[] active)
        {
            for (int i = 0; i < active.Length; i++)
                if (active[i])
                    yield return InputSchema[i];
        }
    }

    /// <summary>The <see cref="IDataView"/> a row-to-row transformer returns: its input plus the added columns, computed lazily.</summary>
    internal sealed class MappedDataView : IDataView
    {
        private readonly IDataView _input;
        private readonly ColumnBinding _binding;

        public MappedDataView(IDataView input, ColumnBinding binding)
        {
            _input = input;
            _binding = binding;
        }

        public bool CanShuffle => _input.CanShuffle;
        public DataViewSchema Schema => _binding.OutputSchema;
        public long? GetRowCount() => _input.GetRowCount();

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        {
            var (inputActive, addedActive) = _binding.Plan(columnsNeeded);
            var cursor = _input.GetRowCursor(_binding.InputColumns(inputActive), rand);
            return new MappedCursor(cursor, _binding, addedActive);
        }

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        {
            var (inputActive, addedActive) = _binding.Plan(columnsNeeded);
            var cursors = _input.GetRowCursorSet(_binding.InputColumns(inputActive), n, rand);
            return cursors.Select(c => (DataViewRowCursor)new MappedCursor(c, _binding, addedActive)).ToArray();
        }
    }

    /// <summary>Shared getter dispatch of <see cref="MappedCursor"/> and <see cref="MappedRow"/>.</summary>
    internal static class MappedGetters
    {
        public static ValueGetter<T> Get<T>(ColumnBinding binding, DataViewRow input, Delegate?[] getters, DataViewSchema.Column column)
        {
            int n = binding.InputSchema.Count;
            if (column.Index < n)
                return input.GetGetter<T>(binding.InputSchema[column.Index]);
            var g = getters[column.Index - n]
                ?? throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was created.");
            if (g is ValueGetter<T> typed)
                return typed;
            throw new InvalidOperationException(
                $"Column '{column.Name}' holds {column.Type}; a getter of {typeof(T).Name} was asked for (expected {column.Type.RawType.Name}).");
        }

        public static bool IsActive(ColumnBinding binding, DataViewRow input, bool[] addedActive, DataViewSchema.Column column)
        {
            int n = binding.InputSchema.Count;
            return column.Index < n ? input.IsColumnActive(binding.InputSchema[column.Index]) : addedActive[column.Index - n];
        }
    }

    internal sealed class MappedCursor : DataViewRowCursor
    {
        private readonly DataViewRowCursor _input;
        private readonly ColumnBinding _binding;
        private readonly bool[] _addedActive;
        private readonly Delegate?[] _getters;

        public MappedCursor(DataViewRowCursor input, ColumnBinding binding, bool[] addedActive)
        {
            _input = input;
            _binding = binding;
            _addedActive = addedActive;
            _getters = binding.MakeGetters(input, a => addedActive[a]);
        }

        public override DataViewSchema Schema => _binding.OutputSchema;
        public override long Position => _input.Position;
        public override long Batch => _input.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => MappedGetters.IsActive(_binding, _input, _addedActive, column);
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => MappedGetters.Get<TValue>(_binding, _input, _getters, column);
        public override bool MoveNext() => _input.MoveNext();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                _input.Dispose();
            base.Dispose(disposing);
        }
    }

    internal sealed class MappedRow : DataViewRow
    {
        private readonly DataViewRow _input;
        private readonly ColumnBinding _binding;
        private readonly bool[] _addedActive;
        private readonly Delegate?[] _getters;

        public MappedRow(DataViewRow input, ColumnBinding binding, bool[] addedActive)
        {
            _input = input;
            _binding = binding;
            _addedActive = addedActive;
            _getters = binding.MakeGetters(input, a => addedActive[a]);
        }

        public override DataViewSchema Schema => _binding.OutputSchema;
        public override long Position => _input.Position;
        public override long Batch => _input.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => MappedGetters.IsActive(_binding, _input, _addedActive, column);
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => MappedGetters.Get<TValue>(_binding, _input, _getters, column);
    }

    /// <summary>The <see cref="IRowToRowMapper"/> behind prediction engines.</summary>
    internal sealed class BindingRowMapper : IRowToRowMapper
    {
        private readonly ColumnBinding _binding;

        public BindingRowMapper(ColumnBinding binding) => _binding = binding;

        public DataViewSchema InputSchema => _binding.InputSchema;
        public DataViewSchema OutputSchema => _binding.OutputSchema;

        public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
            => _binding.InputColumns(_binding.Plan(dependingColumns).InputActive);

        public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
            => new MappedRow(input, _binding, _binding.Plan(activeColumns).AddedActive);
    }
}

namespace MLNet.Sequence.Transforms.Internal
{
    /// <summary>Adds one Single vector column whose value for each row comes from a function of the row's position.</summary>
    internal sealed class PositionalVectorBinding : ColumnBinding
    {
        private readonly AddedColumn[] _added;
        private readonly Func<long, float[]> _valueAt;

        public PositionalVectorBinding(DataViewSchema inputSchema, string name, VectorDataViewType type, Func<long, float[]> valueAt) : base(inputSchema)
        {
            _added = new[] { new AddedColumn(name, type) };
            _valueAt = valueAt;
        }

        public override IReadOnlyList<AddedColumn> Added => _added;

        public override IEnumerable<int> Dependencies(int added) => Array.Empty<int>();

        public override Delegate?[] MakeGetters(DataViewRow input, Func<int, bool> isAddedActive) => new Delegate?[]
        {
            isAddedActive(0) ? (ValueGetter<VBuffer<float>>)((ref VBuffer<float> d) => Buffers.Write(ref d, _valueAt(input.Position))) : null,
        };
    }
}
