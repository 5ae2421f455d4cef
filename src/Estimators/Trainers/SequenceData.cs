using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms;
using MLNet.Sequence.Transforms.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Estimators
{
    /// <summary>How a model reads its sequence from a row; fixed at Fit and stored with the model.</summary>
    internal sealed class FeatureSpec
    {
        /// <summary>True for token ids (keys or integers), false for numeric steps.</summary>
        public bool Tokens { get; set; }
        /// <summary>The feature columns: one, or several (one numeric feature each).</summary>
        public string[] Columns { get; set; } = Array.Empty<string>();
        /// <summary>Steps the model takes: the fixed size, or the longest allowed for variable-length input.</summary>
        public int Steps { get; set; }
        /// <summary>Numeric features per step.</summary>
        public int Features { get; set; } = 1;
        /// <summary>The feature column has variable size.</summary>
        public bool VariableLength { get; set; }
        /// <summary>Token ids are keys (ids = raw key values) rather than Int32 values.</summary>
        public bool KeyInput { get; set; }
        /// <summary>Number of ids including padding 0 (tokens).</summary>
        public int VocabularySize { get; set; }
        public string? LengthColumn { get; set; }
        public SequenceEnd PaddingSide { get; set; }
        public SequenceEnd Truncation { get; set; }
        public float[]? FeatureMean { get; set; }
        public float[]? FeatureScale { get; set; }
        /// <summary>Optional column of static (non-sequence) features and its size.</summary>
        public string? StaticColumn { get; set; }
        public int StaticSize { get; set; }

        /// <summary>Every input column the model reads.</summary>
        public IEnumerable<string> InputColumns() =>
            Columns.Concat(LengthColumn != null ? new[] { LengthColumn } : Array.Empty<string>())
                .Concat(StaticColumn != null ? new[] { StaticColumn } : Array.Empty<string>()).Distinct();

        public string Describe() => Tokens
            ? $"token ids in '{Columns[0]}' ({(VariableLength ? "up to " : "")}{Steps} steps, {VocabularySize} ids)"
            : $"numeric steps in {string.Join(", ", Columns.Select(c => $"'{c}'"))} ({(VariableLength ? "up to " : "")}{Steps} steps x {Features} features)";
    }

    /// <summary>How a model reads and writes its label; fixed at Fit and stored with the model.</summary>
    internal sealed class LabelSpec
    {
        public SequenceTask Task { get; set; }
        public string Column { get; set; } = "Label";
        /// <summary>Network outputs: 1 (binary), K classes, or the label vector's size (regression), times quantiles.</summary>
        public int Outputs { get; set; } = 1;
        /// <summary>Label values per row (regression vectors).</summary>
        public int Values { get; set; } = 1;
        /// <summary>Class names (KeyValues of a multiclass label), in key order.</summary>
        public string[]? ClassNames { get; set; }
        /// <summary>Regression: per value, the training mean and deviation used to standardise labels.</summary>
        public float[]? Mean { get; set; }
        public float[]? Scale { get; set; }
        /// <summary>Dimensions of a vector label (e.g. [horizon, values]) to give the score column the same shape.</summary>
        public int[]? Dimensions { get; set; }
        public float[]? Quantiles { get; set; }
    }

    /// <summary>One row's sequence and label in managed arrays (pooled; reused).</summary>
    internal sealed class RowData
    {
        public RowData(FeatureSpec f, int labelValues)
        {
            if (f.Tokens) Ids = new long[f.Steps];
            else Values = new float[f.Steps * f.Features];
            Mask = new bool[f.Steps];
            Target = new float[labelValues];
            Statics = new float[f.StaticSize];
        }

        /// <summary>Static features (size FeatureSpec.StaticSize).</summary>
        public float[] Statics;

        public long[]? Ids;
        public float[]? Values;
        public bool[] Mask;
        /// <summary>Steps used (≤ Steps; less only for variable-length input).</summary>
        public int Length;
        public float[] Target;
        public long Class;
    }

    /// <summary>Reads feature and label columns of the current row into a <see cref="RowData"/>, checking values.</summary>
    internal sealed class RowReader
    {
        private readonly FeatureSpec _f;
        private readonly LabelSpec? _l;
        private readonly DataViewRow _row;
        private readonly ValueGetter<VBuffer<uint>>? _keys;
        private readonly ValueGetter<VBuffer<int>>? _ints;
        private readonly ValueGetter<VBuffer<float>>[] _numeric;
        private readonly ValueGetter<int>? _length;
        private readonly ValueGetter<VBuffer<float>>? _static;
        private VBuffer<float> _sb;
        private float[] _ss = Array.Empty<float>();
        private readonly ValueGetter<bool>? _bool;
        private readonly ValueGetter<uint>? _key;
        private readonly ValueGetter<float>? _float;
        private readonly ValueGetter<VBuffer<float>>? _floats;
        private VBuffer<uint> _kb;
        private VBuffer<int> _ib;
        private VBuffer<float>[] _nb;
        private VBuffer<float> _lb;
        private uint[] _ks = Array.Empty<uint>();
        private int[] _is = Array.Empty<int>();
        private float[][] _ns;
        private float[] _ls = Array.Empty<float>();

        public RowReader(DataViewRow row, FeatureSpec f, LabelSpec? l)
        {
            _row = row;
            _f = f;
            _l = l;
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

        /// <summary>Reads the features; the row's sequence is kept where it is (the network realigns padding).</summary>
        public void ReadFeatures(RowData r)
        {
            if (_f.Tokens)
                ReadTokens(r);
            else
                ReadNumeric(r);
            if (_static != null)
                ReadStatics(r);
        }

        private void ReadStatics(RowData r)
        {
            _static!(ref _sb);
            if (_sb.Length != _f.StaticSize)
                throw new InvalidOperationException($"Column '{_f.StaticColumn}' has {_sb.Length} values at row {_row.Position}; the model was trained on {_f.StaticSize}.");
            var values = Buffers.Dense(_sb, ref _ss);
            for (int i = 0; i < values.Length; i++)
            {
                if (!float.IsFinite(values[i]))
                    throw new InvalidOperationException($"Column '{_f.StaticColumn}' has a non-finite value ({values[i]}) at row {_row.Position}.");
                r.Statics[i] = values[i];
            }
        }

        private void ReadTokens(RowData r)
        {
            int T = _f.Steps;
            ReadOnlySpan<uint> keys = default;
            ReadOnlySpan<int> ints = default;
            int n;
            if (_keys != null) { _keys(ref _kb); keys = Buffers.Dense(_kb, ref _ks); n = keys.Length; }
            else { _ints!(ref _ib); ints = Buffers.Dense(_ib, ref _is); n = ints.Length; }
            int start = 0;
            if (n > T)
            {
                if (!_f.VariableLength)
                    throw new InvalidOperationException($"Column '{_f.Columns[0]}' has {n} steps at row {_row.Position}; the model was trained on {T}.");
                start = _f.Truncation == SequenceEnd.Pre ? n - T : 0;
                n = T;
            }
            int real = 0;
            for (int i = 0; i < n; i++)
            {
                long id = _keys != null ? keys[start + i] : ints[start + i];
                if (id < 0 || id >= _f.VocabularySize)
                    throw new InvalidOperationException(
                        $"Column '{_f.Columns[0]}' has token id {id} at row {_row.Position}, outside the model's vocabulary of ids 0..{_f.VocabularySize - 1}.");
                r.Ids![i] = id;
                bool isReal = id != 0;
                r.Mask[i] = isReal;
                if (isReal) real++;
            }
            r.Length = n;
            if (real == 0)
                throw new InvalidOperationException(
                    $"Column '{_f.Columns[0]}' has an empty sequence (no token other than padding id 0) at row {_row.Position}. Remove such rows before training or prediction.");
        }

        private void ReadNumeric(RowData r)
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
                    DenseCopy(_nb[c], ref _ns[c]);
                int colSteps = single ? count / F : count;
                if (single && count % F != 0)
                    throw new InvalidOperationException($"Column '{_f.Columns[0]}' has {count} values at row {_row.Position}, not a multiple of FeaturesPerStep = {F}.");
                if (steps >= 0 && colSteps != steps)
                    throw new InvalidOperationException($"Feature columns {string.Join(", ", _f.Columns)} have different lengths at row {_row.Position}; every column must have one value per step.");
                steps = colSteps;
            }
            if (steps > T && !_f.VariableLength)
                throw new InvalidOperationException($"Column '{_f.Columns[0]}' has {steps} steps at row {_row.Position}; the model was trained on {T}.");
            int start = steps > T ? (_f.Truncation == SequenceEnd.Pre ? steps - T : 0) : 0;
            int n = Math.Min(steps, T);
            if (n == 0)
                throw new InvalidOperationException($"Column '{_f.Columns[0]}' has an empty sequence at row {_row.Position}.");
            int realStart = 0, realCount = n;
            if (_length != null)
            {
                int len = 0;
                _length(ref len);
                if (len <= 0 || len > steps)
                    throw new InvalidOperationException($"Column '{_f.LengthColumn}' says {len} real steps at row {_row.Position}, but the sequence has {steps}; it must be in 1..{steps}.");
                len = Math.Min(len, n);
                realCount = len;
                realStart = _f.PaddingSide == SequenceEnd.Pre ? n - len : 0;
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
            // Padding steps become zeros; real steps must be finite and are standardised.
            r.Mask.AsSpan(0, n).Clear();
            r.Mask.AsSpan(realStart, realCount).Fill(true);
            dst.Slice(0, realStart * F).Clear();
            dst.Slice((realStart + realCount) * F).Clear();
            var real = dst.Slice(realStart * F, realCount * F);
            for (int i = 0; i < real.Length; i++)
            {
                if (!float.IsFinite(real[i]))
                {
                    int step = start + realStart + i / F, c = single ? 0 : i % F;
                    throw new InvalidOperationException(
                        $"Column '{_f.Columns[c]}' has a non-finite value ({real[i]}) at row {_row.Position}, step {step}. Sequence models need finite inputs: fill or drop missing values first.");
                }
            }
            if (_f.FeatureMean != null)
            {
                var mean = _f.FeatureMean;
                var scale = _f.FeatureScale!;
                for (int i = 0; i < real.Length; i++)
                {
                    int j = i % F;
                    real[i] = (real[i] - mean[j]) / scale[j];
                }
            }
            r.Length = n;
        }

        /// <summary>Column <paramref name="c"/>'s values for the current row (dense).</summary>
        private ReadOnlySpan<float> Values(int c) => _nb[c].IsDense ? _nb[c].GetValues() : _ns[c].AsSpan(0, _nb[c].Length);

        /// <summary>Copies a vector's values, densified, into <paramref name="into"/>; returns the length.</summary>
        private static int DenseCopy(in VBuffer<float> src, ref float[] into)
        {
            int n = src.Length;
            if (into.Length < n)
                into = new float[n];
            if (src.IsDense)
                src.GetValues().CopyTo(into);
            else
            {
                Array.Clear(into, 0, n);
                var values = src.GetValues();
                var indices = src.GetIndices();
                for (int i = 0; i < indices.Length; i++)
                    into[indices[i]] = values[i];
            }
            return n;
        }

        /// <summary>Reads the label into <see cref="RowData.Target"/> or <see cref="RowData.Class"/> (standardised for regression).</summary>
        public void ReadLabel(RowData r)
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
                        throw new InvalidOperationException($"Label column '{l.Column}' has a missing or unknown class (key {k}) at row {_row.Position}; every training row needs one of the {l.Outputs} classes.");
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
                            throw new InvalidOperationException($"Label column '{l.Column}' has {values.Length} values at row {_row.Position}; expected {l.Values}.");
                        values.CopyTo(r.Target);
                    }
                    for (int i = 0; i < l.Values; i++)
                    {
                        if (!float.IsFinite(r.Target[i]))
                            throw new InvalidOperationException($"Label column '{l.Column}' has a non-finite value ({r.Target[i]}) at row {_row.Position}.");
                        if (l.Mean != null)
                            r.Target[i] = (r.Target[i] - l.Mean[i]) / l.Scale![i];
                    }
                    return;
                }
            }
        }
    }

    /// <summary>Creates tensors from managed spans with one copy into native memory and no managed allocation.</summary>
    internal static class TensorIO
    {
        public static Tensor From<T>(ReadOnlySpan<T> values, ScalarType dtype, params long[] shape) where T : unmanaged
        {
            var t = torch.empty(shape, dtype);
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).CopyTo(t.bytes);
            return t;
        }

        /// <summary>The values of a float32 tensor (moved to the CPU and made contiguous if needed).</summary>
        public static float[] ToArray(Tensor t)
        {
            if (t.device_type != DeviceType.CPU) t = t.cpu();
            if (!t.is_contiguous()) t = t.contiguous();
            return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.bytes).ToArray();
        }
    }

    /// <summary>Turns rows into tensors.</summary>
    internal sealed class BatchBuilder
    {
        private readonly FeatureSpec _f;
        private readonly LabelSpec? _l;
        private readonly Device _device;
        private readonly bool _padToSteps;
        private bool[] _mask = Array.Empty<bool>();
        private float[] _targets = Array.Empty<float>();
        private long[] _classes = Array.Empty<long>();

        public BatchBuilder(FeatureSpec f, LabelSpec? l, Device device, bool padToSteps)
        {
            _f = f; _l = l; _device = device; _padToSteps = padToSteps;
        }

        public SequenceBatch Build(IReadOnlyList<RowData> rows)
        {
            int b = rows.Count, F = _f.Features;
            int t = _padToSteps || !_f.VariableLength ? _f.Steps : rows.Max(r => r.Length);
            Tensor inputs;
            var mask = Grow(ref _mask, b * t);
            mask.Clear();
            if (_f.Tokens)
            {
                inputs = torch.zeros(new long[] { b, t }, ScalarType.Int64);
                var ids = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(inputs.bytes);
                for (int i = 0; i < b; i++)
                {
                    rows[i].Ids.AsSpan(0, rows[i].Length).CopyTo(ids.Slice(i * t));
                    rows[i].Mask.AsSpan(0, rows[i].Length).CopyTo(mask.Slice(i * t));
                }
            }
            else
            {
                // Rows are copied straight into the tensor's memory: one copy, no managed allocation.
                inputs = torch.zeros(new long[] { b, t, F }, ScalarType.Float32);
                var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(inputs.bytes);
                for (int i = 0; i < b; i++)
                {
                    rows[i].Values.AsSpan(0, rows[i].Length * F).CopyTo(values.Slice(i * t * F));
                    rows[i].Mask.AsSpan(0, rows[i].Length).CopyTo(mask.Slice(i * t));
                }
            }
            var maskTensor = TensorIO.From<bool>(mask, ScalarType.Bool, b, t);
            Tensor? targets = null;
            if (_l != null)
            {
                if (_l.Task == SequenceTask.MulticlassClassification)
                {
                    var classes = Grow(ref _classes, b);
                    for (int i = 0; i < b; i++) classes[i] = rows[i].Class;
                    targets = TensorIO.From<long>(classes, ScalarType.Int64, b);
                }
                else
                {
                    int v = _l.Values;
                    var values = Grow(ref _targets, b * v);
                    for (int i = 0; i < b; i++) rows[i].Target.AsSpan(0, v).CopyTo(values.Slice(i * v));
                    targets = _l.Task == SequenceTask.BinaryClassification
                        ? TensorIO.From<float>(values, ScalarType.Float32, b)
                        : TensorIO.From<float>(values, ScalarType.Float32, b, v);
                }
            }
            Tensor? statics = null;
            if (_f.StaticSize > 0)
            {
                statics = torch.empty(new long[] { b, _f.StaticSize }, ScalarType.Float32);
                var dst = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(statics.bytes);
                for (int i = 0; i < b; i++)
                    rows[i].Statics.CopyTo(dst.Slice(i * _f.StaticSize));
            }
            if (_device.type != DeviceType.CPU)
            {
                inputs = inputs.to(_device);
                maskTensor = maskTensor.to(_device);
                targets = targets?.to(_device);
                statics = statics?.to(_device);
            }
            return new SequenceBatch(inputs, maskTensor, targets, b, statics);
        }

        /// <summary>The first <paramref name="n"/> items of a reused buffer.</summary>
        private static Span<T> Grow<T>(ref T[] a, int n)
        {
            if (a.Length < n) a = new T[n];
            return a.AsSpan(0, n);
        }
    }

    /// <summary>
    /// Streams batches from an IDataView: a seeded shuffle buffer, an optional deterministic validation split, and an
    /// in-memory row cache after the first pass when the rows fit.
    /// </summary>
    internal sealed class DataViewBatchSource : IBatchSource
    {
        private const long CacheBytesLimit = 512L << 20;
        private const long ShuffleBytesLimit = 256L << 20;
        private readonly IDataView _data;
        private readonly FeatureSpec _f;
        private readonly LabelSpec _l;
        private readonly int _batchSize;
        private readonly int _shuffle;
        private readonly int _seed;
        private readonly Func<long, bool>? _include;
        private readonly BatchBuilder _builder;
        private readonly bool _allowCache;
        private List<RowData>? _cache;
        private bool _cacheComplete;

        public DataViewBatchSource(IDataView data, FeatureSpec f, LabelSpec l, int batchSize, int shuffleBuffer, int seed, Func<long, bool>? include, bool cache, Device device, bool padToSteps)
        {
            _data = data; _f = f; _l = l; _batchSize = batchSize; _seed = seed; _include = include; _allowCache = cache;
            long rowBytes = RowBytes(f, l);
            _shuffle = (int)Math.Max(1, Math.Min(shuffleBuffer, ShuffleBytesLimit / rowBytes));
            _builder = new BatchBuilder(f, l, device, padToSteps);
        }

        private static long RowBytes(FeatureSpec f, LabelSpec l) => (long)f.Steps * (f.Tokens ? 9 : 4 * f.Features + 1) + 4L * l.Values + 64;

        public IEnumerable<SequenceBatch> Batches(int epoch)
        {
            if (_cacheComplete)
                return FromCache(epoch);
            return Stream(epoch);
        }

        private IEnumerable<SequenceBatch> FromCache(int epoch)
        {
            var order = Enumerable.Range(0, _cache!.Count).ToArray();
            if (epoch > 0)
                new Random(unchecked(_seed * 31 + epoch)).Shuffle(order);
            var batch = new List<RowData>(_batchSize);
            foreach (var i in order)
            {
                batch.Add(_cache[i]);
                if (batch.Count == _batchSize)
                {
                    yield return _builder.Build(batch);
                    batch.Clear();
                }
            }
            if (batch.Count > 0)
                yield return _builder.Build(batch);
        }

        private IEnumerable<SequenceBatch> Stream(int epoch)
        {
            var columns = _f.InputColumns().Append(_l.Column).Distinct().Select(n => _data.Schema[n]);
            var rng = new Random(unchecked(_seed * 31 + epoch));
            bool shuffle = epoch > 0;
            var pool = new Stack<RowData>();
            var buffer = new List<RowData>();
            var batch = new List<RowData>(_batchSize);
            bool caching = _allowCache && _cache == null;
            var cache = caching ? new List<RowData>() : null;
            long cacheBytes = 0, rowBytes = RowBytes(_f, _l);
            using var cursor = _data.GetRowCursor(columns);
            var reader = new RowReader(cursor, _f, _l);
            long position = -1;
            while (cursor.MoveNext())
            {
                position++;
                if (_include != null && !_include(position))
                    continue;
                var row = pool.Count > 0 ? pool.Pop() : new RowData(_f, _l.Values);
                reader.ReadFeatures(row);
                reader.ReadLabel(row);
                if (cache != null)
                {
                    cache.Add(row);
                    cacheBytes += rowBytes;
                    if (cacheBytes > CacheBytesLimit)
                        cache = null; // too big: stream every epoch
                }
                if (!shuffle)
                {
                    batch.Add(row);
                }
                else if (buffer.Count < _shuffle)
                {
                    buffer.Add(row);
                    continue;
                }
                else
                {
                    int i = rng.Next(buffer.Count);
                    batch.Add(buffer[i]);
                    buffer[i] = row;
                }
                if (batch.Count == _batchSize)
                {
                    yield return _builder.Build(batch);
                    Recycle(batch, pool, cache);
                }
            }
            rng.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(buffer));
            foreach (var row in buffer)
            {
                batch.Add(row);
                if (batch.Count == _batchSize)
                {
                    yield return _builder.Build(batch);
                    Recycle(batch, pool, cache);
                }
            }
            if (batch.Count > 0)
                yield return _builder.Build(batch);
            if (cache != null)
            {
                _cache = cache;
                _cacheComplete = true;
            }
        }

        private static void Recycle(List<RowData> batch, Stack<RowData> pool, List<RowData>? cache)
        {
            if (cache == null)
                foreach (var r in batch)
                    pool.Push(r);
            batch.Clear();
        }
    }

    /// <summary>A deterministic per-row split: the same rows go to validation in every pass.</summary>
    internal static class RowSplit
    {
        public static bool IsValidation(long position, int seed, double fraction)
        {
            ulong z = unchecked((ulong)position + 0x9E3779B97F4A7C15UL * (ulong)(uint)seed);
            z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
            z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
            z ^= z >> 31;
            return (z >> 11) * (1.0 / (1UL << 53)) < fraction;
        }
    }
}
