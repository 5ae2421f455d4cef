using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using MLNet.Sequence.Tagging;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence
{
    /// <summary>
    /// Why a tagger tagged a sentence as it did: for every token, how much each token of the sentence (itself included)
    /// holds up the probability of its predicted tag. <c>Influence[i][j]</c> is the probability of token i's predicted tag
    /// minus that probability with token j occluded (read as an unknown word).
    /// </summary>
    public sealed class TagExplanation
    {
        internal TagExplanation(long row, string[] tokens, string[] tags, float[] probabilities, float[][] influence)
        {
            Row = row;
            Tokens = tokens;
            Tags = tags;
            Probabilities = probabilities;
            Influence = influence;
        }

        /// <summary>The row's position in the data explained.</summary>
        public long Row { get; }

        /// <summary>The sentence's tokens.</summary>
        public IReadOnlyList<string> Tokens { get; }

        /// <summary>The predicted tag of each token.</summary>
        public IReadOnlyList<string> Tags { get; }

        /// <summary>The probability of each predicted tag (the softmax, or the CRF's marginal) with every token read.</summary>
        public IReadOnlyList<float> Probabilities { get; }

        /// <summary>
        /// <c>Influence[i][j]</c>: how much token j holds up token i's predicted tag (its probability with every token
        /// minus with token j occluded). Positive: token j supports the tag; negative: the tag is surer without it.
        /// </summary>
        public IReadOnlyList<IReadOnlyList<float>> Influence { get; }

        /// <summary>The tokens that hold up token <paramref name="token"/>'s tag most, largest influence first.</summary>
        /// <param name="token">The explained token's index.</param>
        /// <param name="count">How many.</param>
        /// <returns>Token indices.</returns>
        public IReadOnlyList<int> TopInfluences(int token, int count)
        {
            if (token < 0 || token >= Tokens.Count)
                throw new ArgumentOutOfRangeException(nameof(token), $"The sentence has {Tokens.Count} tokens; token {token} is not one of them.");
            return Enumerable.Range(0, Tokens.Count).OrderByDescending(j => Influence[token][j]).ThenBy(j => j).Take(count).ToList();
        }
    }

    /// <summary>Per-token explanations of taggers: <c>mlContext.SequenceTagging.ExplainTags</c>.</summary>
    public static class TagExplanationCatalog
    {
        /// <summary>
        /// Explains the tags a tagging pipeline (or a <see cref="SequenceTaggingTransformer"/> itself) gives the first
        /// <paramref name="maximumRows"/> sentences of <paramref name="data"/>: each token is occluded in turn and the
        /// sentence tagged again, and every token's predicted tag is scored with and without it.
        /// </summary>
        /// <remarks>
        /// Occlusion, as <c>ExplainSteps</c> does for classifiers: it runs through the tagger's own scoring path (softmax
        /// or CRF marginals) and an influence means exactly "the tag's probability drops by this much when this token is an
        /// unknown word". An occluded token keeps its place (so the others keep their positions), its word becomes the
        /// unknown word and its characters one unknown character; its casing class and extra features stay, so what is
        /// removed is which word it is. A sentence of n tokens costs one batch of n sentences.
        /// </remarks>
        /// <param name="catalog">The tagging catalog.</param>
        /// <param name="model">The trained pipeline holding a tagger.</param>
        /// <param name="data">Sentences with the pipeline's input columns.</param>
        /// <param name="maximumRows">Explain at most this many sentences (from the first). Default 100.</param>
        /// <returns>One explanation per sentence.</returns>
        public static IReadOnlyList<TagExplanation> ExplainTags(this SequenceTaggingCatalog catalog, ITransformer model, IDataView data, int maximumRows = 100)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(data);
            if (maximumRows < 1)
                throw new ArgumentOutOfRangeException(nameof(maximumRows), $"Option maximumRows must be at least 1; it was {maximumRows}.");
            var (prefix, tagger) = ModelParts.Split<SequenceTaggingTransformer>(model,
                "The model holds no tagger (SequenceTaggingTransformer) to explain; ExplainTags explains the taggers of mlContext.SequenceTagging.Trainers.");
            var input = prefix.Aggregate(data, (d, t) => t.Transform(d));
            var binding = new SequenceTaggingTransformer.Binding(tagger, input.Schema);
            var engine = tagger.Engine;
            var names = tagger.Tags;
            var lease = engine.Lease();
            try
            {
                var columns = binding.Dependencies(0).Select(i => input.Schema[i]).ToList();
                using var cursor = input.GetRowCursor(columns);
                var read = binding.Reader(cursor);
                var tokens = TaggingColumns.Tokens(input.Schema, tagger.Spec.TokensColumn)(cursor);
                var results = new List<TagExplanation>();
                while (results.Count < maximumRows && cursor.MoveNext())
                {
                    var sentence = read();
                    var words = tokens();
                    int n = sentence.Length;
                    if (n == 0)
                    {
                        results.Add(new TagExplanation(cursor.Position, words, Array.Empty<string>(), Array.Empty<float>(), Array.Empty<float[]>()));
                        continue;
                    }
                    var (tags, probabilities) = engine.Predict(new[] { sentence });
                    var occluded = Enumerable.Range(0, n).Select(j => Occlude(sentence, j)).ToList();
                    var (_, without) = engine.Predict(occluded, Enumerable.Repeat(tags[0], n).ToList());
                    var influence = new float[n][];
                    for (int i = 0; i < n; i++)
                    {
                        influence[i] = new float[n];
                        for (int j = 0; j < n; j++)
                            influence[i][j] = probabilities[0][i] - without[j][i];
                    }
                    results.Add(new TagExplanation(cursor.Position, words, tags[0].Select(t => names[(int)t]).ToArray(), probabilities[0], influence));
                }
                return results;
            }
            finally
            {
                lease.Release();
            }
        }

        /// <summary>The sentence with token <paramref name="j"/> read as an unknown word of one unknown character.</summary>
        private static TaggedSentence Occlude(TaggedSentence s, int j)
        {
            var words = (long[])s.Words.Clone();
            words[j] = 1;
            int[][]? characters = null;
            if (s.Characters != null)
            {
                characters = (int[][])s.Characters.Clone();
                characters[j] = new[] { 1 };
            }
            return new TaggedSentence { Words = words, Characters = characters, Casing = s.Casing, Extra = s.Extra };
        }
    }
}
