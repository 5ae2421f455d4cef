using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.Transforms.Internal;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence
{
    /// <summary>
    /// Why a sequence model predicted what it did for one row: how much each step moved the explained score. A step's
    /// contribution is the score with every step minus the score with that step occluded (a token deleted, a numeric step
    /// zeroed): positive steps pushed the score up, negative ones down.
    /// </summary>
    public sealed class StepExplanation
    {
        internal StepExplanation(long row, float score, string? explainedClass, float[] contributions, bool[] isReal, string[]? tokens)
        {
            Row = row;
            Score = score;
            ExplainedClass = explainedClass;
            Contributions = contributions;
            IsReal = isReal;
            Tokens = tokens;
        }

        /// <summary>The row's position in the data explained.</summary>
        public long Row { get; }

        /// <summary>
        /// The explained score with every step: the logit (binary), the probability of <see cref="ExplainedClass"/>
        /// (multiclass), or the prediction (regression; its first value for vector or quantile outputs).
        /// </summary>
        public float Score { get; }

        /// <summary>Multiclass: the predicted class, whose probability is explained; null otherwise.</summary>
        public string? ExplainedClass { get; }

        /// <summary>One value per step of the model's feature column (padding included, where it is 0).</summary>
        public IReadOnlyList<float> Contributions { get; }

        /// <summary>True at the steps the model read (false at padding).</summary>
        public IReadOnlyList<bool> IsReal { get; }

        /// <summary>The token at each step, for token ids with a vocabulary (EncodeTokens); empty at padding; null for numeric steps.</summary>
        public IReadOnlyList<string>? Tokens { get; }

        /// <summary>The real steps, largest contribution first.</summary>
        /// <param name="count">How many.</param>
        /// <returns>Step indices.</returns>
        public IReadOnlyList<int> TopSteps(int count) =>
            Enumerable.Range(0, Contributions.Count).Where(i => IsReal[i]).OrderByDescending(i => Contributions[i]).ThenBy(i => i).Take(count).ToList();
    }

    /// <summary>Per-step explanations of sequence models: <c>mlContext.Model.ExplainSteps</c>.</summary>
    public static class StepExplanationCatalog
    {
        /// <summary>
        /// Explains the predictions of a pipeline that ends in (or contains) a sequence trainer's model, one
        /// <see cref="StepExplanation"/> per row of <paramref name="data"/> (raw rows: the pipeline's transforms before the
        /// model run first). Each real step is occluded in turn and the row scored again: a token is deleted (marked as
        /// padding, which every family skips, so what remains is the sentence without it); a numeric step is set to zero in
        /// place (a one-hot step then holds no symbol). A row of n real steps costs one batch of n + 1 rows.
        /// </summary>
        /// <remarks>
        /// Occlusion rather than gradients: it runs through the model's own scoring path for every family, pooling and
        /// head, needs no gradient hooks, and a contribution means exactly "the score drops by this much without this
        /// step", which is what a user deleting words from a sentence sees (the deletion test on sentiment checks it). ML.NET's permutation feature importance cannot
        /// take these models (it only accepts ML.NET's own predictors); use this instead.
        /// </remarks>
        /// <param name="catalog">The model operations catalog.</param>
        /// <param name="model">The trained pipeline (or the sequence model itself).</param>
        /// <param name="data">The rows to explain, with the pipeline's input columns.</param>
        /// <param name="maximumRows">Explain at most this many rows (from the first). Default 100.</param>
        /// <returns>One explanation per row.</returns>
        public static IReadOnlyList<StepExplanation> ExplainSteps(this ModelOperationsCatalog catalog, ITransformer model, IDataView data, int maximumRows = 100)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(data);
            if (maximumRows < 1)
                throw new ArgumentOutOfRangeException(nameof(maximumRows), $"Option maximumRows must be at least 1; it was {maximumRows}.");
            var (prefix, sequence) = Split(model);
            var features = prefix.Aggregate(data, (d, t) => t.Transform(d));
            return Explain(sequence, features, maximumRows);
        }

        /// <summary>The transformers before the sequence model, and the model.</summary>
        private static (List<ITransformer> Prefix, SequencePredictionTransformer Model) Split(ITransformer model) =>
            ModelParts.Split<SequencePredictionTransformer>(model,
                "The model holds no sequence trainer's model (SequencePredictionTransformer) to explain; ExplainSteps explains the LSTM, GRU, Transformer and temporal-CNN trainers of this library.");

        private static IReadOnlyList<StepExplanation> Explain(SequencePredictionTransformer p, IDataView data, int maximumRows)
        {
            var f = p.Features;
            var l = p.Label;
            foreach (var name in f.InputColumns())
                ColumnChecks.Find(data.Schema, name, nameof(SequenceTrainerOptions.FeatureColumnName), f.Describe());
            string[]? vocabulary = f.Tokens ? SequenceColumns.ReadKeyValues(data.Schema[f.Columns[0]]) : null;
            var engine = p.Engine;
            var lease = engine.Lease();
            try
            {
                var scorer = engine.CreateScorer();
                var results = new List<StepExplanation>();
                var columns = f.InputColumns().Select(n => data.Schema[n]).ToList();
                using var cursor = data.GetRowCursor(columns);
                var reader = new RowReader(cursor, f, null);
                var original = new SequenceRow(engine.Layout);
                var rows = new List<SequenceRow>();
                while (results.Count < maximumRows && cursor.MoveNext())
                {
                    reader.ReadFeatures(original);
                    int steps = original.Length;
                    var real = Enumerable.Range(0, steps).Where(t => original.Mask[t]).ToArray();
                    while (rows.Count < real.Length + 1)
                        rows.Add(new SequenceRow(engine.Layout));
                    Copy(original, rows[0]);
                    for (int i = 0; i < real.Length; i++)
                    {
                        var r = rows[i + 1];
                        Copy(original, r);
                        Delete(r, real[i], engine.Layout.Features);
                    }
                    var outputs = scorer.Score(rows.Take(real.Length + 1).ToList());
                    int width = outputs.Length == 0 ? 0 : l.Outputs * (l.Quantiles?.Length ?? 1);
                    int explained = l.Task == SequenceTask.MulticlassClassification ? ArgMax(outputs, 0, width) : 0;
                    float Value(int row) => l.Task switch
                    {
                        SequenceTask.MulticlassClassification => Softmax(outputs, row * width, width, explained),
                        SequenceTask.BinaryClassification => outputs[row * width],
                        _ => l.Mean != null ? outputs[row * width] * l.Scale![0] + l.Mean[0] : outputs[row * width],
                    };
                    float full = Value(0);
                    var contributions = new float[steps];
                    for (int i = 0; i < real.Length; i++)
                        contributions[real[i]] = full - Value(i + 1);
                    string[]? tokens = vocabulary == null ? null
                        : Enumerable.Range(0, steps).Select(t => original.Mask[t] && original.Ids![t] - 1 < vocabulary.Length ? vocabulary[original.Ids[t] - 1] : "").ToArray();
                    results.Add(new StepExplanation(cursor.Position, full,
                        l.Task == SequenceTask.MulticlassClassification ? l.ClassNames?[explained] ?? explained.ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
                        contributions, original.Mask.Take(steps).ToArray(), tokens));
                }
                return results;
            }
            finally
            {
                lease.Release();
            }
        }

        private static void Copy(SequenceRow from, SequenceRow to)
        {
            if (from.Ids != null) Array.Copy(from.Ids, to.Ids!, from.Ids.Length);
            if (from.Values != null) Array.Copy(from.Values, to.Values!, from.Values.Length);
            Array.Copy(from.Mask, to.Mask, from.Mask.Length);
            Array.Copy(from.Statics, to.Statics, from.Statics.Length);
            to.Length = from.Length;
        }

        /// <summary>
        /// Occludes step <paramref name="t"/>. A token is deleted (padding, which every family skips, so the words after it
        /// close up as if it had never been written); a numeric step keeps its place with every value zero (a one-hot
        /// step then holds no symbol), so position-dependent models (flatten pooling) see the others where they were.
        /// </summary>
        private static void Delete(SequenceRow r, int t, int features)
        {
            if (r.Ids != null)
            {
                r.Mask[t] = false;
                r.Ids[t] = 0;
            }
            else
                Array.Clear(r.Values!, t * features, features);
        }

        private static int ArgMax(float[] v, int start, int count)
        {
            int best = 0;
            for (int i = 1; i < count; i++)
                if (v[start + i] > v[start + best]) best = i;
            return best;
        }

        private static float Softmax(float[] v, int start, int count, int index)
        {
            float max = float.NegativeInfinity;
            for (int i = 0; i < count; i++) max = Math.Max(max, v[start + i]);
            double sum = 0;
            for (int i = 0; i < count; i++) sum += Math.Exp(v[start + i] - max);
            return (float)(Math.Exp(v[start + index] - max) / sum);
        }
    }

    /// <summary>Finds the model an explanation needs inside a pipeline.</summary>
    internal static class ModelParts
    {
        /// <summary>
        /// The first <typeparamref name="T"/> in <paramref name="model"/> (walking nested chains), and the transformers
        /// before it (what turns raw rows into its input).
        /// </summary>
        public static (List<ITransformer> Prefix, T Model) Split<T>(ITransformer model, string missing) where T : class, ITransformer
        {
            var prefix = new List<ITransformer>();
            T? Walk(ITransformer t)
            {
                switch (t)
                {
                    case T found:
                        return found;
                    case SequenceEnsembleTransformer ensemble:
                        throw new ArgumentException($"The model is an ensemble of {ensemble.Members.Count} models, which has no one network to explain; explain each of its Members on its own.", nameof(model));
                    case IEnumerable<ITransformer> chain:
                        foreach (var inner in chain)
                            if (Walk(inner) is { } found)
                                return found;
                        return null;
                    default:
                        prefix.Add(t);
                        return null;
                }
            }
            var result = Walk(model) ?? throw new ArgumentException(missing, nameof(model));
            return (prefix, result);
        }
    }
}
