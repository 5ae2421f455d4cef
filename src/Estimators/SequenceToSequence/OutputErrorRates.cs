using System;
using System.Collections.Generic;
using System.Linq;

namespace MLNet.Sequence.SequenceToSequence
{
    /// <summary>
    /// Error rates of predicted token sequences against one or more references per example (e.g. every listed
    /// pronunciation of a word): the word (sequence) error rate, the share of predictions equal to no reference, and the
    /// token (phoneme) error rate, the edit distance to the closest reference summed over examples and divided by the
    /// summed lengths of those references.
    /// </summary>
    internal sealed class OutputErrorRates
    {
        private OutputErrorRates(int examples, double sequenceErrorRate, double tokenErrorRate)
        {
            Examples = examples;
            SequenceErrorRate = sequenceErrorRate;
            TokenErrorRate = tokenErrorRate;
        }

        /// <summary>Examples evaluated.</summary>
        public int Examples { get; }

        /// <summary>The share of predictions that equal none of their references (WER in grapheme-to-phoneme work).</summary>
        public double SequenceErrorRate { get; }

        /// <summary>Σ edit distance to the closest reference / Σ that reference's length (PER in grapheme-to-phoneme work).</summary>
        public double TokenErrorRate { get; }

        /// <summary>The error rates of <paramref name="predictions"/> against their <paramref name="references"/> (at least one each).</summary>
        public static OutputErrorRates Compute<T>(IReadOnlyList<IReadOnlyList<T>> predictions, IReadOnlyList<IReadOnlyList<IReadOnlyList<T>>> references)
            where T : IEquatable<T>
        {
            ArgumentNullException.ThrowIfNull(predictions);
            ArgumentNullException.ThrowIfNull(references);
            if (predictions.Count != references.Count)
                throw new ArgumentException($"{predictions.Count} predictions but {references.Count} reference lists; give one list per prediction.", nameof(references));
            if (predictions.Count == 0)
                throw new ArgumentException("No examples to evaluate.", nameof(predictions));
            long errors = 0, referenceLength = 0;
            int wrong = 0;
            for (int i = 0; i < predictions.Count; i++)
            {
                if (references[i].Count == 0)
                    throw new ArgumentException($"Example {i} has no reference.", nameof(references));
                int best = int.MaxValue, bestLength = 0;
                foreach (var r in references[i])
                {
                    int d = Distance(predictions[i], r);
                    if (d < best || (d == best && r.Count > bestLength))
                        (best, bestLength) = (d, r.Count);
                }
                errors += best;
                referenceLength += bestLength;
                if (best != 0)
                    wrong++;
            }
            return new OutputErrorRates(predictions.Count, wrong / (double)predictions.Count, referenceLength == 0 ? 0 : errors / (double)referenceLength);
        }

        /// <summary>Levenshtein distance (insertions, deletions and substitutions cost 1).</summary>
        public static int Distance<T>(IReadOnlyList<T> a, IReadOnlyList<T> b) where T : IEquatable<T>
        {
            var previous = Enumerable.Range(0, b.Count + 1).ToArray();
            var current = new int[b.Count + 1];
            for (int i = 1; i <= a.Count; i++)
            {
                current[0] = i;
                for (int j = 1; j <= b.Count; j++)
                    current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + (a[i - 1].Equals(b[j - 1]) ? 0 : 1));
                (previous, current) = (current, previous);
            }
            return previous[b.Count];
        }
    }
}
