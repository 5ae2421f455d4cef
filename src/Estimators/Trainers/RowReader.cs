using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms;
using MLNet.Sequence.Transforms.Internal;

namespace MLNet.Sequence.Estimators
{
    /// <summary>
    /// Reads the feature and label columns of the current row of a cursor (or a prediction engine's row) into a
    /// <see cref="SequenceRow"/>, checking every value: the one place where rows become the engine's input, for
    /// training, batched scoring, prediction engines and forecasts alike.
    /// </summary>
    internal sealed class RowReader
    {
        private readonly FeatureSpec _f;
        private readonly LabelSpec? _l;
        private readonly DataViewRow _row;
        private readonly bool _singleRow;
        private readonly ValueGetter<VBuffer<uint>>? _keys;
        private readonly ValueGetter<VBuffer<int>>? _ints;
        private readonly ValueGetter<VBuffer<float>>[] _numeric;
        private readonly ValueGetter<int>? _length;
        private readonly ValueGetter<VBuffer<bool>>? _mask;
        private VBuffer<bool> _mb;
        private bool[] _ms = Array.Empty<bool>();
        private readonly ValueGetter<VBuffer<float>>? _static;
        private readonly ValueGetter<bool>? _bool;
        private readonly ValueGetter<uint>? _key;
        private readonly ValueGetter<float>? _float;
        private readonly ValueGetter<VBuffer<float>>? _floats;
        private VBuffer<float> _sb;
        private float[] _ss = Array.Empty<float>();
        private VBuffer<uint> _kb;
        private VBuffer<int> _ib;
        private readonly VBuffer<float>[] _nb;
        private VBuffer<float> _lb;
        private uint[] _ks = Array.Empty<uint>();
        private int[] _is = Array.Empty<int>();
        private readonly float[][] _ns;
        private float[] _ls = Array.Empty<float>();

        /// <param name="row">The row or cursor to read.</param>
        /// <param name="f">The features.</param>
        /// <param name="l">The label, or null when scoring.</param>
        /// <param name="singleRow">True for a prediction engine's row, whose position counts calls rather than rows of a data set.</param>
        public RowReader(DataViewRow row, FeatureSpec f, LabelSpec? l, bool singleRow = false)
        {
            _row = row;
            _f = f;
            _l = l;
            _singleRow = singleRow;
            var schema = row.Schema;
            if (f.Tokens)
            {
                var c = schema[f.Columns[0]];
                if (f.KeyInput) _keys = row.GetGetter<VBuffer<uint>>(c);
                else _ints = row.GetGetter<VBuffer<int>>(c);
                _numeric = Array.Empty<ValueGetter<VBuffer<float>>>();
            }
            else
                _numeric = f.Columns.Select(n => row.GetGetter<VBuffer<float>>(schema[n])).ToArray();
            _nb = new VBuffer<float>[_numeric.Length];
            _ns = _numeric.Select(_ => Array.Empty<float>()).ToArray();
            if (f.LengthColumn != null)
                _length = row.GetGetter<int>(schema[f.LengthColumn]);
            if (f.MaskColumn != null)
                _mask = row.GetGetter<VBuffer<bool>>(schema[f.MaskColumn]);
            if (f.StaticColumn != null)
                _static = row.GetGetter<VBuffer<float>>(schema[f.StaticColumn]);
            if (l != null)
            {
                var c = schema[l.Column];
                switch (l.Task)
                {
                    case SequenceTask.BinaryClassification: _bool = row.GetGetter<bool>(c); break;
                    case SequenceTask.MulticlassClassification: _key = row.GetGetter<uint>(c); break;
                    default:
                        if (c.Type is VectorDataViewType) _floats = row.GetGetter<VBuffer<float>>(c);
                        else _float = row.GetGetter<float>(c);
                        break;
                }
            }
        }

        /// <summary>"at row 12", or "in the row being predicted" for a prediction engine.</summary>
        private string Where => _singleRow ? "in the row being predicted" : $"at row {_row.Position}";

        /// <summary>Reads the features; the row's sequence is kept where it is (the network realigns padding).</summary>
        public void ReadFeatures(SequenceRow r)
        {
            if (_f.Tokens)
                ReadTokens(r);
            else
                ReadNumeric(r);
            if (_static != null)
                ReadStatics(r);
        }

        private void ReadStatics(SequenceRow r)
        {
            _static!(ref _sb);
            if (_sb.Length != _f.StaticSize)
                throw new InvalidOperationException($"Column '{_f.StaticColumn}' has {_sb.Length} values {Where}; the model was trained on {_f.StaticSize}.");
            var values = Buffers.Dense(_sb, ref _ss);
            for (int i = 0; i < values.Length; i++)
            {
                if (!float.IsFinite(values[i]))
                    throw new InvalidOperationException($"Column '{_f.StaticColumn}' has a non-finite value ({values[i]}) {Where}.");
                r.Statics[i] = values[i];
            }
        }

        /// <summary>A fixed-size column must hold exactly its declared size in every row.</summary>
        private InvalidOperationException WrongSize(string column, int actual, int declared, string unit) =>
            new($"Column '{column}' has {actual} {unit} {Where}, but its type declares a fixed size of {declared} (the model was trained on that size). " +
                "Give every row the declared number of values, or use a variable-length column (e.g. from PadSequences or without [VectorType(n)]).");

        /// <summary>The mask column's values for the current row, which must have one per step.</summary>
        private ReadOnlySpan<bool> ReadMask(int steps)
        {
            _mask!(ref _mb);
            if (_mb.Length != steps)
                throw new InvalidOperationException($"Column '{_f.MaskColumn}' has {_mb.Length} values {Where}, but the sequence has {steps} steps; the mask needs one per step.");
            return Buffers.Dense(_mb, ref _ms);
        }

        private void ReadTokens(SequenceRow r)
        {
            int T = _f.Steps;
            ReadOnlySpan<uint> keys = default;
            ReadOnlySpan<int> ints = default;
            int n;
            if (_keys != null) { _keys(ref _kb); keys = Buffers.Dense(_kb, ref _ks); n = keys.Length; }
            else { _ints!(ref _ib); ints = Buffers.Dense(_ib, ref _is); n = ints.Length; }
            if (!_f.VariableLength && n != T)
            {
                if (n > T)
                    throw new InvalidOperationException($"Column '{_f.Columns[0]}' has {n} steps {Where}; the model was trained on {T}.");
                throw WrongSize(_f.Columns[0], n, T, "token ids");
            }
            var mask = _mask != null ? ReadMask(n) : default;
            int start = 0;
            if (n > T)
            {
                start = _f.Truncation == SequenceEnd.Pre ? n - T : 0;
                n = T;
            }
            for (int i = 0; i < n; i++)
            {
                long id = _keys != null ? keys[start + i] : ints[start + i];
                if (id < 0 || id >= _f.VocabularySize)
                    throw new InvalidOperationException(
                        $"Column '{_f.Columns[0]}' has token id {id} {Where}, outside the model's vocabulary of ids 0..{_f.VocabularySize - 1}.");
                bool real = id != 0 && (_mask == null || mask[start + i]);
                r.Ids![i] = real ? id : 0;
                r.Mask[i] = real;
            }
            // A row of padding only (an empty or all-absent text) is an empty sequence: the network gives it a defined score.
            r.Length = n;
        }

        private void ReadNumeric(SequenceRow r)
        {
            int T = _f.Steps;
            int F = _f.Features;
            bool single = _numeric.Length == 1;
            int steps = -1;
            for (int c = 0; c < _numeric.Length; c++)
            {
                _numeric[c](ref _nb[c]);
                int count = _nb[c].Length;
                if (!_nb[c].IsDense)
                    Dense(_nb[c], ref _ns[c]);
                int colSteps = single ? count / F : count;
                if (single && count % F != 0)
                    throw new InvalidOperationException($"Column '{_f.Columns[0]}' has {count} values {Where}, not a multiple of FeaturesPerStep = {F}.");
                if (!_f.VariableLength && colSteps < T)
                    throw WrongSize(_f.Columns[c], count, single ? T * F : T, "values");
                if (steps >= 0 && colSteps != steps)
                    throw new InvalidOperationException($"Feature columns {string.Join(", ", _f.Columns)} have different lengths {Where}; every column must have one value per step.");
                steps = colSteps;
            }
            if (steps > T && !_f.VariableLength)
                throw new InvalidOperationException($"Column '{_f.Columns[0]}' has {steps} steps {Where}; the model was trained on {T}.");
            int start = steps > T ? (_f.Truncation == SequenceEnd.Pre ? steps - T : 0) : 0;
            int n = Math.Min(steps, T);
            int realStart = 0, realCount = n;
            if (_length != null)
            {
                int len = 0;
                _length(ref len);
                if (len < 0 || len > steps)
                    throw new InvalidOperationException($"Column '{_f.LengthColumn}' says {len} real steps {Where}, but the sequence has {steps}; it must be in 0..{steps}.");
                // The real steps of the whole sequence, then the part of them inside the kept (possibly truncated) steps.
                int from = _f.PaddingSide == SequenceEnd.Pre ? steps - len : 0;
                int lo = Math.Max(from, start), hi = Math.Min(from + len, start + n);
                realStart = Math.Max(0, lo - start);
                realCount = Math.Max(0, hi - lo);
            }
            var dst = r.Values.AsSpan(0, n * F);
            // Gather the steps into [n, F], feature-interleaved when the features come from several columns.
            if (single)
                Values(0).Slice(start * F, n * F).CopyTo(dst);
            else
                for (int c = 0; c < _numeric.Length; c++)
                {
                    var col = Values(c).Slice(start, n);
                    for (int t = 0; t < n; t++)
                        dst[t * F + c] = col[t];
                }
            // Padding steps become zeros; real steps must be finite and are standardised. No real step at all is an
            // empty sequence, which the network scores with a defined output.
            if (_mask != null)
            {
                var mask = ReadMask(steps);
                for (int t = 0; t < n; t++)
                    r.Mask[t] = mask[start + t];
            }
            else
            {
                r.Mask.AsSpan(0, n).Clear();
                r.Mask.AsSpan(realStart, realCount).Fill(true);
            }
            var mean = _f.FeatureMean;
            var scale = _f.FeatureScale;
            for (int t = 0; t < n; t++)
            {
                var step = dst.Slice(t * F, F);
                if (!r.Mask[t])
                {
                    step.Clear();
                    continue;
                }
                for (int j = 0; j < F; j++)
                {
                    if (!float.IsFinite(step[j]))
                        throw new InvalidOperationException(
                            $"Column '{_f.Columns[single ? 0 : j]}' has a non-finite value ({step[j]}) {Where}, step {start + t}. Sequence models need finite inputs: fill or drop missing values first.");
                    if (mean != null)
                        step[j] = (step[j] - mean[j]) / scale![j];
                }
            }
            r.Length = n;
        }

        /// <summary>Column <paramref name="c"/>'s values for the current row (dense).</summary>
        private ReadOnlySpan<float> Values(int c) => _nb[c].IsDense ? _nb[c].GetValues() : _ns[c].AsSpan(0, _nb[c].Length);

        private static void Dense(in VBuffer<float> src, ref float[] into) => Buffers.Dense(src, ref into);

        /// <summary>Reads the label into <see cref="SequenceRow.Target"/> or <see cref="SequenceRow.Class"/> (standardised for regression).</summary>
        public void ReadLabel(SequenceRow r)
        {
            var l = _l!;
            switch (l.Task)
            {
                case SequenceTask.BinaryClassification:
                {
                    bool b = false;
                    _bool!(ref b);
                    r.Target[0] = b ? 1f : 0f;
                    return;
                }
                case SequenceTask.MulticlassClassification:
                {
                    uint k = 0;
                    _key!(ref k);
                    if (k == 0 || k > l.Outputs)
                        throw new InvalidOperationException($"Label column '{l.Column}' has a missing or unknown class (key {k}) {Where}; every training row needs one of the {l.Outputs} classes.");
                    r.Class = k - 1;
                    return;
                }
                default:
                {
                    if (_float != null)
                    {
                        float v = 0;
                        _float(ref v);
                        r.Target[0] = v;
                    }
                    else
                    {
                        _floats!(ref _lb);
                        var values = Buffers.Dense(_lb, ref _ls);
                        if (values.Length != l.Values)
                            throw new InvalidOperationException($"Label column '{l.Column}' has {values.Length} values {Where}; expected {l.Values}.");
                        values.CopyTo(r.Target);
                    }
                    for (int i = 0; i < l.Values; i++)
                    {
                        if (!float.IsFinite(r.Target[i]))
                            throw new InvalidOperationException($"Label column '{l.Column}' has a non-finite value ({r.Target[i]}) {Where}.");
                        if (l.Mean != null)
                            r.Target[i] = (r.Target[i] - l.Mean[i]) / l.Scale![i];
                    }
                    return;
                }
            }
        }
    }
}
