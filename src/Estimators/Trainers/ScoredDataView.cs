using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms.Internal;

namespace MLNet.Sequence
{
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
            DataViewRowCursor? lookahead = null;
            try
            {
                lookahead = _input.GetRowCursor(_binding.Dependencies(0).Select(i => _input.Schema[i]));
                return new ScoringCursor(main, lookahead, _binding, addedActive, _batch);
            }
            catch
            {
                lookahead?.Dispose();
                main.Dispose();
                throw;
            }
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
        private readonly List<SequenceRow> _rows = new();
        private readonly SequenceEngine.Scorer _scorer;
        private readonly EngineLease _lease;
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
            _lease = _model.Engine.Lease();
            _scorer = _model.Engine.CreateScorer();
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
                    _rows.Add(new SequenceRow(_model.Engine.Layout));
                _reader.ReadFeatures(_rows[_count]);
                DataViewRowId id = default;
                _lookaheadId(ref id);
                _ids.Add(id);
                _count++;
            }
            if (_count == 0)
                throw new InvalidOperationException("The input data changed while it was being scored: the look-ahead cursor ended before the main cursor.");
            _outputs = _scorer.Score(_rows.GetRange(0, _count));
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _main.Dispose();
                _lookahead.Dispose();
                _lease.Release();
            }
            base.Dispose(disposing);
        }
    }
}
