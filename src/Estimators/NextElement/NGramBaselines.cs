using System;
using System.Collections.Generic;
using System.Linq;

namespace MLNet.Sequence
{
    /// <summary>
    /// Count-based language-model baselines for next-element perplexity: an add-one unigram, and a bigram interpolated
    /// with it. Every sequence's first element is predicted after a start symbol and no end is predicted, as
    /// <see cref="NextElementCatalog.Evaluate"/> counts positions in language-model mode, so the perplexities compare.
    /// </summary>
    internal static class NGramBaselines
    {
        /// <summary>The interpolation weights tried for the bigram; the best on the evaluated sequences is kept (which favours the baseline).</summary>
        private static readonly double[] Weights = { 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99 };

        /// <summary>Per-element perplexities of the unigram and the interpolated bigram fit on <paramref name="train"/>, on <paramref name="test"/>.</summary>
        public static (double Unigram, double Bigram) Perplexities(IEnumerable<IReadOnlyList<string>> train, IReadOnlyCollection<IReadOnlyList<string>> test)
        {
            ArgumentNullException.ThrowIfNull(train);
            ArgumentNullException.ThrowIfNull(test);
            var counts = new Dictionary<string, double>(StringComparer.Ordinal);
            var pairs = new Dictionary<(string?, string), double>();
            var context = new Dictionary<string, double>(StringComparer.Ordinal);
            double starts = 0;
            foreach (var s in train)
            {
                string? previous = null;   // the start symbol
                foreach (var e in s)
                {
                    counts[e] = counts.GetValueOrDefault(e) + 1;
                    pairs[(previous, e)] = pairs.GetValueOrDefault((previous, e)) + 1;
                    if (previous == null)
                        starts++;
                    else
                        context[previous] = context.GetValueOrDefault(previous) + 1;
                    previous = e;
                }
            }
            double total = counts.Values.Sum(), v = counts.Count + 1;   // + one unknown element
            double Unigram(string e) => (counts.GetValueOrDefault(e) + 1) / (total + v);
            double Bigram(string? a, string e)
            {
                double n = a == null ? starts : context.GetValueOrDefault(a);
                return n > 0 ? pairs.GetValueOrDefault((a, e)) / n : 0;
            }
            double Perplexity(Func<string?, string, double> p)
            {
                double nll = 0;
                long n = 0;
                foreach (var s in test)
                {
                    string? previous = null;
                    foreach (var e in s)
                    {
                        nll -= Math.Log(p(previous, e));
                        n++;
                        previous = e;
                    }
                }
                if (n == 0)
                    throw new ArgumentException("The evaluated sequences hold no element.", nameof(test));
                return Math.Exp(nll / n);
            }
            double unigram = Perplexity((_, e) => Unigram(e));
            double bigram = Weights.Min(lambda => Perplexity((a, e) => lambda * Bigram(a, e) + (1 - lambda) * Unigram(e)));
            return (unigram, bigram);
        }
    }
}
