using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace MLNet.Sequence.Tagging
{
    /// <summary>
    /// Token- and chunk-level quality of a tagger: token accuracy, per-tag precision/recall/F1 with macro and micro
    /// averages, and (for chunking schemes) entity precision/recall/F1 per type and overall, counted as CoNLL's
    /// conlleval counts them. <see cref="ToConllReport"/> prints conlleval's table.
    /// </summary>
    public sealed class SequenceTaggingMetrics
    {
        internal SequenceTaggingMetrics(TaggingScheme scheme, int sentences, int tokens, int correctTokens, IReadOnlyList<TagMetrics> perTag,
            IReadOnlyList<TagMetrics> perEntityType, int goldChunks, int predictedChunks, int correctChunks)
        {
            Scheme = scheme;
            Sentences = sentences;
            Tokens = tokens;
            TokenAccuracy = tokens > 0 ? (double)correctTokens / tokens : 0;
            PerTag = perTag;
            MacroPrecision = perTag.Count > 0 ? perTag.Average(t => t.Precision) : 0;
            MacroRecall = perTag.Count > 0 ? perTag.Average(t => t.Recall) : 0;
            MacroF1 = perTag.Count > 0 ? perTag.Average(t => t.F1) : 0;
            var micro = TagMetrics.From("micro", correctTokens, tokens, tokens);
            MicroPrecision = micro.Precision;
            MicroRecall = micro.Recall;
            MicroF1 = micro.F1;
            PerEntityType = perEntityType;
            Entities = TagMetrics.From("overall", correctChunks, predictedChunks, goldChunks);
        }

        /// <summary>The scheme the chunks were read with.</summary>
        public TaggingScheme Scheme { get; }

        /// <summary>Sentences evaluated.</summary>
        public int Sentences { get; }

        /// <summary>Tokens evaluated.</summary>
        public int Tokens { get; }

        /// <summary>The fraction of tokens whose predicted tag equals the gold tag (conlleval's "accuracy").</summary>
        public double TokenAccuracy { get; }

        /// <summary>Per tag (the whole tag, "B-PER" and "I-PER" apart), in ordinal order of the tag names: tags in the gold or the predictions.</summary>
        public IReadOnlyList<TagMetrics> PerTag { get; }

        /// <summary>The unweighted mean of the per-tag precisions.</summary>
        public double MacroPrecision { get; }

        /// <summary>The unweighted mean of the per-tag recalls.</summary>
        public double MacroRecall { get; }

        /// <summary>The unweighted mean of the per-tag F1 scores.</summary>
        public double MacroF1 { get; }

        /// <summary>Precision pooled over all tags (every token has one gold and one predicted tag, so it equals <see cref="TokenAccuracy"/>).</summary>
        public double MicroPrecision { get; }

        /// <summary>Recall pooled over all tags (equals <see cref="TokenAccuracy"/>).</summary>
        public double MicroRecall { get; }

        /// <summary>F1 pooled over all tags (equals <see cref="TokenAccuracy"/>).</summary>
        public double MicroF1 { get; }

        /// <summary>Chunk-level metrics per chunk type, in ordinal order (empty for <see cref="TaggingScheme.Plain"/>).</summary>
        public IReadOnlyList<TagMetrics> PerEntityType { get; }

        /// <summary>Chunk-level metrics over all types: a predicted chunk is correct when its type, first and last token equal a gold chunk's.</summary>
        public TagMetrics Entities { get; }

        /// <summary>
        /// conlleval's report: the counts line, overall accuracy/precision/recall/FB1, then one line per chunk type
        /// ending with the number of chunks of that type predicted. Percentages with two decimals, as the script prints them.
        /// </summary>
        /// <returns>The report text.</returns>
        public string ToConllReport()
        {
            var c = CultureInfo.InvariantCulture;
            var b = new StringBuilder();
            b.Append(string.Format(c, "processed {0} tokens with {1} phrases; found: {2} phrases; correct: {3}.\n", Tokens, Entities.Support, Entities.Predicted, Entities.Correct));
            b.Append(string.Format(c, "accuracy: {0,6:F2}%; precision: {1,6:F2}%; recall: {2,6:F2}%; FB1: {3,6:F2}\n",
                100 * TokenAccuracy, 100 * Entities.Precision, 100 * Entities.Recall, 100 * Entities.F1));
            foreach (var t in PerEntityType)
                b.Append(string.Format(c, "{0,17}: precision: {1,6:F2}%; recall: {2,6:F2}%; FB1: {3,6:F2}  {4}\n",
                    t.Name, 100 * t.Precision, 100 * t.Recall, 100 * t.F1, t.Predicted));
            return b.ToString();
        }
    }
}
