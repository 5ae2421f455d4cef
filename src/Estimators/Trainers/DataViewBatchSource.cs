using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Estimators
{
    /// <summary>
    /// Streams batches from an IDataView: a seeded shuffle buffer, an optional deterministic validation split, and an
    /// in-memory row cache after the first pass when the rows fit.
    /// </summary>
    internal sealed class DataViewBatchSource : IRowBatchSource
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
        private readonly BatchLayout _layout;
        private readonly bool _allowCache;
        private List<SequenceRow>? _cache;
        private bool _cacheComplete;

        public DataViewBatchSource(IDataView data, FeatureSpec f, LabelSpec l, BatchLayout layout, int batchSize, int shuffleBuffer, int seed, Func<long, bool>? include, bool cache)
        {
            _data = data; _f = f; _l = l; _batchSize = batchSize; _seed = seed; _include = include; _allowCache = cache;
            long rowBytes = RowBytes(f, l);
            _shuffle = (int)Math.Max(1, Math.Min(shuffleBuffer, ShuffleBytesLimit / rowBytes));
            _layout = layout;
        }

        private static long RowBytes(FeatureSpec f, LabelSpec l) => (long)f.Steps * (f.Tokens ? 9 : 4 * f.Features + 1) + 4L * l.Values + 64;

        /// <inheritdoc />
        public void PrepareToResume()
        {
            // The first epoch fills the row cache (when the rows fit); later epochs read from it in their own order.
            if (_allowCache && !_cacheComplete)
                foreach (var _ in Stream(0)) { }
        }

        public IEnumerable<IReadOnlyList<SequenceRow>> Batches(int epoch)
        {
            if (_cacheComplete)
                return FromCache(epoch);
            return Stream(epoch);
        }

        private IEnumerable<IReadOnlyList<SequenceRow>> FromCache(int epoch)
        {
            var order = Enumerable.Range(0, _cache!.Count).ToArray();
            if (epoch > 0)
                new Random(unchecked(_seed * 31 + epoch)).Shuffle(order);
            var batch = new List<SequenceRow>(_batchSize);
            foreach (var i in order)
            {
                batch.Add(_cache[i]);
                if (batch.Count == _batchSize)
                {
                    yield return batch;
                    batch.Clear();
                }
            }
            if (batch.Count > 0)
                yield return batch;
        }

        private IEnumerable<IReadOnlyList<SequenceRow>> Stream(int epoch)
        {
            var columns = _f.InputColumns().Append(_l.Column).Distinct().Select(n => _data.Schema[n]);
            var rng = new Random(unchecked(_seed * 31 + epoch));
            bool shuffle = epoch > 0;
            var pool = new Stack<SequenceRow>();
            var buffer = new List<SequenceRow>();
            var batch = new List<SequenceRow>(_batchSize);
            bool caching = _allowCache && _cache == null;
            var cache = caching ? new List<SequenceRow>() : null;
            long cacheBytes = 0, rowBytes = RowBytes(_f, _l);
            using var cursor = _data.GetRowCursor(columns);
            var reader = new RowReader(cursor, _f, _l);
            long position = -1;
            while (cursor.MoveNext())
            {
                position++;
                if (_include != null && !_include(position))
                    continue;
                var row = pool.Count > 0 ? pool.Pop() : new SequenceRow(_layout);
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
                    yield return batch;
                    Recycle(batch, pool, cache);
                }
            }
            rng.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(buffer));
            foreach (var row in buffer)
            {
                batch.Add(row);
                if (batch.Count == _batchSize)
                {
                    yield return batch;
                    Recycle(batch, pool, cache);
                }
            }
            if (batch.Count > 0)
                yield return batch;
            batch.Clear();
            if (cache != null)
            {
                _cache = cache;
                _cacheComplete = true;
            }
        }

        private static void Recycle(List<SequenceRow> batch, Stack<SequenceRow> pool, List<SequenceRow>? cache)
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
