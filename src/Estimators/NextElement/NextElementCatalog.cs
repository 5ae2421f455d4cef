using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using DataViewSchema = Microsoft.ML.DataViewSchema;
using MLNet.Sequence.Recommendation;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Trainers.Network;

namespace MLNet.Sequence
{
    /// <summary>
    /// Next-element models on <c>mlContext.NextElement</c>: causal models of sequences that predict what comes next
    /// (the next character or word, the next item a user picks), generate continuations and recommend next items.
    /// </summary>
    public sealed class NextElementCatalog
    {
        internal NextElementCatalog(MLContext context)
        {
            Context = context;
            Trainers = new NextElementTrainers(context);
        }

        internal MLContext Context { get; }

        /// <summary>The trainers: LSTM, GRU (GRU4Rec-style) and Transformer (SASRec-style).</summary>
        public NextElementTrainers Trainers { get; }

        /// <summary>
        /// Measures a next-element model on <paramref name="data"/>, in one of two ways. Without
        /// <paramref name="labelColumnName"/> (language-model mode): every element of every sequence is predicted from the
        /// elements before it. With it (next-item mode): each row's sequence is the context and the label the one element
        /// to predict, ranked against every element the model knows except the unknown one (and except the context's own
        /// elements when <paramref name="excludeSeenElements"/>); a label the model does not know counts as a miss. Either
        /// way, an element tied with others takes their expected rank (1 + how many score higher + half the ties).
        /// </summary>
        /// <param name="model">The trained model (its sequence column is read).</param>
        /// <param name="data">Sequences (and labels).</param>
        /// <param name="labelColumnName">The next element of each row (text, a key with KeyValues, or a one-element vector), or null.</param>
        /// <param name="k">The cut-off of top-k accuracy (hit rate) and NDCG. Default 10.</param>
        /// <param name="excludeSeenElements">Next-item mode: leave the context's elements out of the ranking.</param>
        /// <returns>Cross-entropy, perplexity, top-k accuracy, NDCG@k and mean reciprocal rank.</returns>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is not positive, or a column is missing or of the wrong type.</exception>
        public NextElementMetrics Evaluate(NextElementTransformer model, IDataView data, string? labelColumnName = null, int k = 10, bool excludeSeenElements = false)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(data);
            if (k <= 0)
                throw new ArgumentOutOfRangeException(nameof(k), k, $"The cut-off k must be positive; it was {k}.");
            var vocabulary = model.Vocabulary;
            if (labelColumnName == null)
            {
                var sequences = NextElementEstimator.ReadSequences(data, model.SequenceColumn, "evaluation data").Select(vocabulary.Ids).ToList();
                var sums = model.Engine.ScorePositions(sequences, k);
                return new NextElementMetrics(sums.Positions, sums.NegativeLogLikelihood, sums.TopKHits, sums.DiscountedGains, sums.ReciprocalRanks, k);
            }
            var schema = data.Schema;
            var readContext = NextElementEstimator.SequenceReader(schema, model.SequenceColumn);
            var readLabel = LabelReader(schema, labelColumnName);
            var contexts = new List<long[]>();
            var labels = new List<long>();
            using (var cursor = data.GetRowCursor(new[] { schema[model.SequenceColumn], schema[labelColumnName] }.Distinct()))
            {
                var context = readContext(cursor);
                var label = readLabel(cursor);
                while (cursor.MoveNext())
                {
                    var c = context();
                    var l = label();
                    if (c.Length == 0)
                        throw new InvalidOperationException($"Row {cursor.Position + 1}: column '{model.SequenceColumn}' holds no element; every row needs a context of at least one.");
                    if (l.Length != 1)
                        throw new InvalidOperationException($"Row {cursor.Position + 1}: column '{labelColumnName}' (labelColumnName) holds {l.Length} elements; give exactly one next element per row.");
                    contexts.Add(vocabulary.Ids(c));
                    labels.Add(vocabulary.Id(l[0]));
                }
            }
            if (contexts.Count == 0)
                throw new ArgumentException("The data has no rows to evaluate.", nameof(data));
            // Ranks as the recommendation protocol counts them: among all known elements (the unknown one is no
            // candidate), ties at their expected rank; a label the model cannot name, or one excluded as seen, is a miss.
            double nll = 0;
            var ranks = new List<double>(contexts.Count);
            const int Batch = 128;
            int first = (int)NextElementNetworkConfig.FirstElement;
            for (int start = 0; start < contexts.Count; start += Batch)
            {
                var batch = contexts.Skip(start).Take(Batch).ToList();
                var lp = model.Engine.NextLogProbabilities(batch);
                for (int i = 0; i < batch.Count; i++)
                {
                    long label = labels[start + i];
                    nll -= lp[i][label];
                    var seen = excludeSeenElements ? batch[i].Where(id => id >= first).Select(id => (int)id - first).ToHashSet() : null;
                    bool miss = label < first || (seen != null && seen.Contains((int)label - first));
                    ranks.Add(miss ? double.PositiveInfinity : RankingMetrics.RankOf(lp[i].AsSpan(first), (int)label - first, seen));
                }
            }
            var r = RankingMetrics.FromRanks(ranks, k);
            return new NextElementMetrics(contexts.Count, nll, (long)Math.Round(r.HitRate * contexts.Count), r.Ndcg * contexts.Count, r.MeanReciprocalRank * contexts.Count, k);
        }

        private const string LabelExpected = "the next element: text, a key with KeyValues, or a vector of one of them";

        /// <summary>A reader of the next-element label: a scalar (text, or a key with KeyValues) or a vector of elements.</summary>
        private static Func<Microsoft.ML.DataViewRow, Func<string[]>> LabelReader(DataViewSchema schema, string name)
        {
            var found = schema.GetColumnOrNull(name);
            if (found is not { } column)
                throw new ArgumentOutOfRangeException("labelColumnName", $"Column '{name}' (labelColumnName) is not in the data; expected {LabelExpected}.");
            if (column.Type is Microsoft.ML.Data.VectorDataViewType)
                return NextElementEstimator.SequenceReader(schema, name, "labelColumnName");
            if (column.Type is Microsoft.ML.Data.TextDataViewType)
                return row =>
                {
                    var get = row.GetGetter<ReadOnlyMemory<char>>(column);
                    ReadOnlyMemory<char> value = default;
                    return () =>
                    {
                        get(ref value);
                        return new[] { value.ToString() };
                    };
                };
            if (column.Type is Microsoft.ML.Data.KeyDataViewType key)
            {
                var names = MLNet.Sequence.Estimators.SequenceColumns.ReadKeyValues(column)
                    ?? throw new ArgumentOutOfRangeException("labelColumnName", $"Column '{name}' (labelColumnName) holds keys without KeyValues; expected {LabelExpected}.");
                Func<Microsoft.ML.DataViewRow, Func<string[]>> Keys<T>(Func<T, ulong> widen) where T : struct => row =>
                {
                    var get = row.GetGetter<T>(column);
                    T value = default;
                    return () =>
                    {
                        get(ref value);
                        ulong k = widen(value);
                        return new[] { k >= 1 && k <= (ulong)names.Length ? names[k - 1] : "" };
                    };
                };
                if (key.RawType == typeof(uint))
                    return Keys<uint>(k => k);
                if (key.RawType == typeof(ushort))
                    return Keys<ushort>(k => k);
                if (key.RawType == typeof(byte))
                    return Keys<byte>(k => k);
                if (key.RawType == typeof(ulong))
                    return Keys<ulong>(k => k);
            }
            throw new ArgumentOutOfRangeException("labelColumnName", $"Column '{name}' (labelColumnName) has type {column.Type}; expected {LabelExpected}.");
        }
    }

    /// <summary>How well a next-element model predicts (<see cref="NextElementCatalog.Evaluate"/>).</summary>
    public sealed class NextElementMetrics
    {
        internal NextElementMetrics(long predictions, double negativeLogLikelihood, long hits, double gains, double reciprocalRanks, int k)
        {
            Predictions = predictions;
            K = k;
            CrossEntropy = predictions == 0 ? 0 : negativeLogLikelihood / predictions;
            TopKAccuracy = predictions == 0 ? 0 : hits / (double)predictions;
            Ndcg = predictions == 0 ? 0 : gains / predictions;
            MeanReciprocalRank = predictions == 0 ? 0 : reciprocalRanks / predictions;
        }

        /// <summary>Elements predicted (positions in language-model mode, rows in next-item mode).</summary>
        public long Predictions { get; }

        /// <summary>The cut-off of <see cref="TopKAccuracy"/> and <see cref="Ndcg"/>.</summary>
        public int K { get; }

        /// <summary>Mean −ln p(actual next element), in nats.</summary>
        public double CrossEntropy { get; }

        /// <summary>exp(<see cref="CrossEntropy"/>): the model is as unsure as a uniform choice among this many elements.</summary>
        public double Perplexity => Math.Exp(CrossEntropy);

        /// <summary>The share of predictions whose actual element ranks in the top k (HR@k in recommendation).</summary>
        public double TopKAccuracy { get; }

        /// <summary>Mean 1/log₂(1 + rank) over predictions ranked in the top k, 0 otherwise (NDCG@k with one relevant element).</summary>
        public double Ndcg { get; }

        /// <summary>Mean 1/rank of the actual element (0 for a miss the model cannot rank).</summary>
        public double MeanReciprocalRank { get; }

        /// <inheritdoc />
        public override string ToString() =>
            $"perplexity {Perplexity:F3} (cross-entropy {CrossEntropy:F4} nats), top-{K} accuracy {TopKAccuracy:F4}, NDCG@{K} {Ndcg:F4}, MRR {MeanReciprocalRank:F4} over {Predictions} predictions";
    }

    /// <summary>The next-element trainers on <c>mlContext.NextElement.Trainers</c>.</summary>
    public sealed class NextElementTrainers
    {
        private readonly MLContext _context;

        internal NextElementTrainers(MLContext context) => _context = context;

        private NextElementEstimator Make(NextElementOptions options) => new((Microsoft.ML.Runtime.IHostEnvironment)_context, options);

        private static T Simple<T>(T options, string sequenceColumnName, int numberOfPredictions) where T : NextElementOptions
        {
            options.SequenceColumnName = sequenceColumnName;
            options.NumberOfPredictions = numberOfPredictions;
            return options;
        }

        /// <summary>A causal LSTM over the sequences.</summary>
        /// <param name="sequenceColumnName">The sequences (text, or keys with their text as KeyValues).</param>
        /// <param name="numberOfPredictions">Next elements per row.</param>
        /// <returns>The estimator.</returns>
        public NextElementEstimator SequenceLstm(string sequenceColumnName = "Sequence", int numberOfPredictions = 10) =>
            Make(Simple(new LstmNextElementOptions(), sequenceColumnName, numberOfPredictions));

        /// <summary>A causal LSTM with every option.</summary>
        /// <param name="options">The options.</param>
        /// <returns>The estimator.</returns>
        public NextElementEstimator SequenceLstm(LstmNextElementOptions options) => Make(options);

        /// <summary>A causal GRU over the sequences (GRU4Rec-style for item histories).</summary>
        /// <param name="sequenceColumnName">The sequences (text, or keys with their text as KeyValues).</param>
        /// <param name="numberOfPredictions">Next elements per row.</param>
        /// <returns>The estimator.</returns>
        public NextElementEstimator SequenceGru(string sequenceColumnName = "Sequence", int numberOfPredictions = 10) =>
            Make(Simple(new GruNextElementOptions(), sequenceColumnName, numberOfPredictions));

        /// <summary>A causal GRU with every option.</summary>
        /// <param name="options">The options.</param>
        /// <returns>The estimator.</returns>
        public NextElementEstimator SequenceGru(GruNextElementOptions options) => Make(options);

        /// <summary>A causal Transformer over the sequences (SASRec-style for item histories).</summary>
        /// <param name="sequenceColumnName">The sequences (text, or keys with their text as KeyValues).</param>
        /// <param name="numberOfPredictions">Next elements per row.</param>
        /// <returns>The estimator.</returns>
        public NextElementEstimator SequenceTransformer(string sequenceColumnName = "Sequence", int numberOfPredictions = 10) =>
            Make(Simple(new TransformerNextElementOptions(), sequenceColumnName, numberOfPredictions));

        /// <summary>A causal Transformer with every option.</summary>
        /// <param name="options">The options.</param>
        /// <returns>The estimator.</returns>
        public NextElementEstimator SequenceTransformer(TransformerNextElementOptions options) => Make(options);
    }

    /// <summary>Adds <c>NextElement</c> to <see cref="MLContext"/>.</summary>
    public static class NextElementContextExtensions
    {
        /// <summary>Extension members of <see cref="MLContext"/>.</summary>
        /// <param name="mlContext">The context.</param>
        extension(MLContext mlContext)
        {
            /// <summary>Next-element models (language models over characters or words, next-item recommendation): trainers and the evaluator.</summary>
            public NextElementCatalog NextElement => new(mlContext);
        }
    }
}
