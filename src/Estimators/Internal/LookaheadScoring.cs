using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Transforms.Internal;

namespace MLNet.Sequence.Estimators
{
    /// <summary>
    /// What a batch-scoring cursor asks of a model: read the look-ahead cursor's current row into a slot, score the
    /// filled slots in one pass, select one slot's outputs for the getters. One state per cursor (single-threaded).
    /// </summary>
    internal interface IBatchScoringState : IDisposable
    {
        /// <summary>Reads the look-ahead cursor's current row into slot <paramref name="slot"/>.</summary>
        void Read(int slot);

        /// <summary>Scores slots 0 to <paramref name="count"/> − 1.</summary>
        void Score(int count);

        /// <summary>Makes slot <paramref name="slot"/>'s outputs the ones the getters return.</summary>
        void Select(int slot);

        /// <summary>One getter per added column of the binding (null where inactive).</summary>
        Delegate?[] Getters { get; }
    }

    /// <summary>
    /// A scored view that scores in batches: a main cursor serves the input columns while a look-ahead cursor over the
    /// same input reads the next batch of rows, which the model scores in one pass. Rows are matched by id, so an input
    /// that gives two cursors different orders is an error, never a silent mismatch.
    /// </summary>
    internal sealed class LookaheadScoredView : IDataView
    {
        private readonly IDataView _input;
        private readonly ColumnBinding _binding;
        private readonly int _batch;
        private readonly Func<DataViewRowCursor, bool[], IBatchScoringState> _state;

        /// <param name="input">The data to score.</param>
        /// <param name="binding">The model bound to the input's schema; its first added column's dependencies are what the look-ahead reads.</param>
        /// <param name="batch">Rows per pass.</param>
        /// <param name="state">Makes a cursor's scoring state from its look-ahead cursor and the active added columns.</param>
        public LookaheadScoredView(IDataView input, ColumnBinding binding, int batch, Func<DataViewRowCursor, bool[], IBatchScoringState> state)
        {
            _input = input; _binding = binding; _batch = batch; _state = state;
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
            DataViewRowCursor? lookahead = null;
            IBatchScoringState? state = null;
            try
            {
                lookahead = _input.GetRowCursor(_binding.Dependencies(0).Select(i => _input.Schema[i]));
                state = _state(lookahead, addedActive);
                return new LookaheadScoringCursor(main, lookahead, _binding, addedActive, state, _batch);
            }
            catch
            {
                state?.Dispose();
                lookahead?.Dispose();
                main.Dispose();
                throw;
            }
        }

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
            new[] { GetRowCursor(columnsNeeded, rand) };
    }

    internal sealed class LookaheadScoringCursor : DataViewRowCursor
    {
        private readonly DataViewRowCursor _main, _lookahead;
        private readonly ColumnBinding _binding;
        private readonly bool[] _addedActive;
        private readonly IBatchScoringState _state;
        private readonly int _batch;
        private readonly ValueGetter<DataViewRowId> _mainId, _lookaheadId;
        private readonly List<DataViewRowId> _ids = new();
        private int _count, _index = -1;

        public LookaheadScoringCursor(DataViewRowCursor main, DataViewRowCursor lookahead, ColumnBinding binding, bool[] addedActive, IBatchScoringState state, int batch)
        {
            _main = main; _lookahead = lookahead; _binding = binding; _addedActive = addedActive; _state = state; _batch = batch;
            _mainId = main.GetIdGetter();
            _lookaheadId = lookahead.GetIdGetter();
        }

        public override DataViewSchema Schema => _binding.OutputSchema;
        public override long Position => _main.Position;
        public override long Batch => _main.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => _main.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => MappedGetters.IsActive(_binding, _main, _addedActive, column);
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => MappedGetters.Get<TValue>(_binding, _main, _state.Getters, column);

        public override bool MoveNext()
        {
            if (!_main.MoveNext())
                return false;
            _index++;
            if (_index >= _count)
                Fill();
            DataViewRowId id = default;
            _mainId(ref id);
            if (!id.Equals(_ids[_index]))
                throw new InvalidOperationException(
                    "The input data gave two cursors its rows in different orders, so scores cannot be matched to rows. Cache it first (mlContext.Data.Cache) or score with a prediction engine.");
            _state.Select(_index);
            return true;
        }

        private void Fill()
        {
            _count = 0;
            _index = 0;
            _ids.Clear();
            while (_count < _batch && _lookahead.MoveNext())
            {
                _state.Read(_count);
                DataViewRowId id = default;
                _lookaheadId(ref id);
                _ids.Add(id);
                _count++;
            }
            if (_count == 0)
                throw new InvalidOperationException("The input data changed while it was being scored: the look-ahead cursor ended before the main cursor.");
            _state.Score(_count);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _main.Dispose();
                _lookahead.Dispose();
                _state.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
