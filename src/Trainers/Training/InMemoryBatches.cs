using System;
using System.Collections.Generic;
using System.Linq;

namespace MLNet.Sequence.Trainers
{
    /// <summary>
    /// Rows held in memory (sentences, source-target pairs), served in shuffled batches (seeded per epoch) or in order.
    /// With bucketing, each epoch's shuffled order is cut into pools of 50 batches, each pool sorted by length and cut
    /// into batches, and the batches shuffled: rows of a batch have similar lengths, so little of each batch is padding.
    /// </summary>
    internal sealed class InMemoryBatches<TRow> : IBatchSource<TRow>
    {
        private const int PoolBatches = 50;
        private readonly IReadOnlyList<TRow> _rows;
        private readonly Func<TRow, int> _length;
        private readonly int _batchSize;
        private readonly int _seed;
        private readonly bool _bucket;

        public InMemoryBatches(IReadOnlyList<TRow> rows, int batchSize, int seed, Func<TRow, int> length, bool bucketByLength = false)
        {
            _rows = rows;
            _length = length;
            _batchSize = batchSize;
            _seed = seed;
            _bucket = bucketByLength;
        }

        public int Count => _rows.Count;

        public IEnumerable<IReadOnlyList<TRow>> Batches(int epoch)
        {
            var order = Enumerable.Range(0, _rows.Count).ToArray();
            if (epoch == 0)
                return Cut(order);
            var random = new Random(unchecked(_seed * 7919 + epoch));
            random.Shuffle(order);
            if (!_bucket)
                return Cut(order);
            var batches = new List<IReadOnlyList<TRow>>();
            int pool = _batchSize * PoolBatches;
            for (int start = 0; start < order.Length; start += pool)
            {
                var sorted = order.Skip(start).Take(pool).OrderBy(i => _length(_rows[i])).ToArray();   // stable: ties keep the shuffled order
                batches.AddRange(Cut(sorted));
            }
            var shuffled = batches.ToArray();
            random.Shuffle(shuffled);
            return shuffled;
        }

        private List<IReadOnlyList<TRow>> Cut(int[] order)
        {
            var batches = new List<IReadOnlyList<TRow>>();
            for (int start = 0; start < order.Length; start += _batchSize)
            {
                int n = Math.Min(_batchSize, order.Length - start);
                var batch = new TRow[n];
                for (int i = 0; i < n; i++)
                    batch[i] = _rows[order[start + i]];
                batches.Add(batch);
            }
            return batches;
        }

        public void PrepareToResume() { }
    }
}
