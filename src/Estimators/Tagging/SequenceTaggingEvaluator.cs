using System;
using System.Collections.Generic;
using System.Linq;

namespace MLNet.Sequence.Tagging
{
    /// <summary>
    /// Evaluates tag sequences against gold ones: token accuracy, per-tag metrics, and chunk (entity) metrics counted
    /// as CoNLL's conlleval script counts them.
    /// </summary>
    /// <remarks>
    /// <para>
    /// <b>Lenient mode</b> (default) reads chunks with conlleval's rules (conlleval.pl, CoNLL-2000 shared task, version
    /// 2004-01-26, functions <c>startOfChunk</c> and <c>endOfChunk</c>). A tag is split at its first dash into a prefix
    /// and a type; a tag without a dash has that whole tag as prefix and no type.
    /// </para>
    /// <list type="bullet">
    /// <item>A chunk ends before a token when the previous prefix and this one are B→B, B→O, I→B, I→O, E→E, E→I or E→O,
    /// or when the previous prefix is not O and the types differ.</item>
    /// <item>A chunk starts at a token when the prefixes are B→B, I→B, O→B, O→I, E→E, E→I or O→E, or when the prefix is
    /// not O and the types differ.</item>
    /// <item>So an I-X after O starts a chunk, as conlleval reads it.</item>
    /// <item>For IOBES, conlleval has no S rules; the rules of seqeval (Nakayama, 2018) add them: S always starts and
    /// ends a chunk, and a chunk always ends after E and always starts at B.</item>
    /// </list>
    /// <para>
    /// Each sentence ends every chunk, as the script's blank line does. A predicted chunk is correct when its type, first
    /// and last token equal a gold chunk's.
    /// </para>
    /// <para>
    /// <b>Strict mode</b> first checks every sentence, gold and predicted, against the scheme's valid transitions and
    /// throws at the first invalid one, naming the sentence and the token.
    /// </para>
    /// <para>
    /// <b>In both modes</b>, a tag whose prefix the scheme does not use (S-PER in IOB2) is an error.
    /// </para>
    /// </remarks>
    public static class SequenceTaggingEvaluator
    {
        /// <summary>Evaluates predicted tags against gold tags, sentence by sentence.</summary>
        /// <param name="gold">The gold tags of each sentence.</param>
        /// <param name="predicted">The predicted tags, one per gold tag.</param>
        /// <param name="scheme">How tags mark chunks; <see cref="TaggingScheme.Plain"/> for token metrics only.</param>
        /// <param name="strict">Reject sequences with transitions the scheme does not allow (default: read them as conlleval does).</param>
        /// <returns>The metrics.</returns>
        public static SequenceTaggingMetrics Evaluate(IReadOnlyList<IReadOnlyList<string>> gold, IReadOnlyList<IReadOnlyList<string>> predicted,
            TaggingScheme scheme = TaggingScheme.Iob2, bool strict = false)
        {
            ArgumentNullException.ThrowIfNull(gold);
            ArgumentNullException.ThrowIfNull(predicted);
            if (!Enum.IsDefined(scheme))
                throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "Unknown tagging scheme.");
            if (gold.Count != predicted.Count)
                throw new ArgumentException($"The gold data has {gold.Count} sentences and the predictions {predicted.Count}; give one predicted sequence per sentence.", nameof(predicted));
            var tagGold = new Dictionary<string, int>(StringComparer.Ordinal);
            var tagPredicted = new Dictionary<string, int>(StringComparer.Ordinal);
            var tagCorrect = new Dictionary<string, int>(StringComparer.Ordinal);
            var typeGold = new Dictionary<string, int>(StringComparer.Ordinal);
            var typePredicted = new Dictionary<string, int>(StringComparer.Ordinal);
            var typeCorrect = new Dictionary<string, int>(StringComparer.Ordinal);
            int tokens = 0, correctTokens = 0, goldChunks = 0, predictedChunks = 0, correctChunks = 0;
            for (int s = 0; s < gold.Count; s++)
            {
                var g = gold[s] ?? throw new ArgumentException($"Sentence {s + 1} of the gold data is null.", nameof(gold));
                var p = predicted[s] ?? throw new ArgumentException($"Sentence {s + 1} of the predictions is null.", nameof(predicted));
                if (g.Count != p.Count)
                    throw new ArgumentException($"Sentence {s + 1} has {g.Count} gold tags and {p.Count} predicted ones; give one predicted tag per token.", nameof(predicted));
                for (int i = 0; i < g.Count; i++)
                {
                    Check(g[i], scheme, s, i, "gold");
                    Check(p[i], scheme, s, i, "predicted");
                    Add(tagGold, g[i]);
                    Add(tagPredicted, p[i]);
                    tokens++;
                    if (g[i] == p[i])
                    {
                        correctTokens++;
                        Add(tagCorrect, g[i]);
                    }
                }
                if (scheme == TaggingScheme.Plain)
                    continue;
                if (strict)
                {
                    Validate(g, scheme, s, "gold");
                    Validate(p, scheme, s, "predicted");
                }
                var gc = Chunks(g, scheme);
                var pc = Chunks(p, scheme);
                goldChunks += gc.Count;
                predictedChunks += pc.Count;
                foreach (var c in gc) Add(typeGold, c.Type);
                foreach (var c in pc) Add(typePredicted, c.Type);
                var goldSet = new HashSet<Chunk>(gc);
                foreach (var c in pc)
                    if (goldSet.Contains(c))
                    {
                        correctChunks++;
                        Add(typeCorrect, c.Type);
                    }
            }
            var perTag = tagGold.Keys.Union(tagPredicted.Keys).OrderBy(t => t, StringComparer.Ordinal)
                .Select(t => TagMetrics.From(t, Get(tagCorrect, t), Get(tagPredicted, t), Get(tagGold, t))).ToList();
            var perType = typeGold.Keys.Union(typePredicted.Keys).OrderBy(t => t, StringComparer.Ordinal)
                .Select(t => TagMetrics.From(t, Get(typeCorrect, t), Get(typePredicted, t), Get(typeGold, t))).ToList();
            return new SequenceTaggingMetrics(scheme, gold.Count, tokens, correctTokens, perTag, perType, goldChunks, predictedChunks, correctChunks);
        }

        private static void Add(Dictionary<string, int> d, string key) => d[key] = Get(d, key) + 1;
        private static int Get(Dictionary<string, int> d, string key) => d.TryGetValue(key, out var v) ? v : 0;

        /// <summary>One chunk: its type and its first and last token (inclusive).</summary>
        internal readonly record struct Chunk(string Type, int First, int Last);

        /// <summary>conlleval's split of a tag: prefix before the first dash, type after it (no dash: the whole tag, no type).</summary>
        internal static (string Prefix, string Type) Split(string tag)
        {
            int dash = tag.IndexOf('-');
            return dash < 0 ? (tag, "") : (tag[..dash], tag[(dash + 1)..]);
        }

        private static string[] Prefixes(TaggingScheme scheme) => scheme switch
        {
            TaggingScheme.Iob1 or TaggingScheme.Iob2 => new[] { "B", "I" },
            TaggingScheme.Ioe1 or TaggingScheme.Ioe2 => new[] { "I", "E" },
            TaggingScheme.Iobes => new[] { "B", "I", "E", "S" },
            _ => Array.Empty<string>(),
        };

        private static void Check(string tag, TaggingScheme scheme, int sentence, int token, string which)
        {
            if (string.IsNullOrEmpty(tag))
                throw new ArgumentException($"Sentence {sentence + 1}, token {token + 1}: the {which} tag is empty.");
            if (scheme == TaggingScheme.Plain || tag == "O")
                return;
            var (prefix, type) = Split(tag);
            if (type.Length == 0 || !Prefixes(scheme).Contains(prefix))
                throw new ArgumentException(
                    $"Sentence {sentence + 1}, token {token + 1}: the {which} tag '{tag}' is not a {scheme} tag ('O' or {string.Join(", ", Prefixes(scheme).Select(x => x + "-TYPE"))}). Pick the scheme the tags use, or TaggingScheme.Plain for tags without chunks.");
        }

        /// <summary>The chunks of one sentence by the lenient (conlleval, plus seqeval's S rules) reading.</summary>
        internal static List<Chunk> Chunks(IReadOnlyList<string> tags, TaggingScheme scheme)
        {
            bool iobes = scheme == TaggingScheme.Iobes;
            var chunks = new List<Chunk>();
            string prevPrefix = "O", prevType = "";
            int first = -1;
            string type = "";
            for (int i = 0; i <= tags.Count; i++)
            {
                var (prefix, t) = i < tags.Count ? Split(tags[i]) : ("O", "");   // the sentence's end closes every chunk
                if (first >= 0 && EndOfChunk(prevPrefix, prefix, prevType, t, iobes))
                {
                    chunks.Add(new Chunk(type, first, i - 1));
                    first = -1;
                }
                if (i < tags.Count && StartOfChunk(prevPrefix, prefix, prevType, t, iobes))
                {
                    if (first >= 0)
                        chunks.Add(new Chunk(type, first, i - 1));   // a start the end rules did not announce still closes the open chunk
                    first = i;
                    type = t;
                }
                prevPrefix = prefix;
                prevType = t;
            }
            return chunks;
        }

        internal static bool EndOfChunk(string prev, string tag, string prevType, string type, bool iobes)
        {
            bool end = (prev, tag) is ("B", "B") or ("B", "O") or ("I", "B") or ("I", "O") or ("E", "E") or ("E", "I") or ("E", "O");
            if (prev != "O" && prev != "." && prevType != type)
                end = true;
            if (iobes && (prev is "E" or "S" || (prev is "B" or "I" && tag == "S")))
                end = true;
            return end;
        }

        internal static bool StartOfChunk(string prev, string tag, string prevType, string type, bool iobes)
        {
            bool start = (prev, tag) is ("B", "B") or ("I", "B") or ("O", "B") or ("O", "I") or ("E", "E") or ("E", "I") or ("O", "E");
            if (tag != "O" && tag != "." && prevType != type)
                start = true;
            if (iobes && (tag is "B" or "S" || (prev is "S" && tag is "I" or "E")))
                start = true;
            return start;
        }

        /// <summary>Strict mode: every transition of the sentence must be one the scheme allows.</summary>
        private static void Validate(IReadOnlyList<string> tags, TaggingScheme scheme, int sentence, string which)
        {
            string prev = "O", prevType = "";
            for (int i = 0; i <= tags.Count; i++)
            {
                var (p, t) = i < tags.Count ? Split(tags[i]) : ("O", "");
                bool same = prevType == t;
                bool ok = scheme switch
                {
                    // I-X continues a chunk of type X or (IOB1) starts one; B-X only separates two chunks of type X.
                    TaggingScheme.Iob1 => p != "B" || (prev is "B" or "I" && same),
                    // Every chunk starts with B-X; I-X only continues X.
                    TaggingScheme.Iob2 => p != "I" || (prev is "B" or "I" && same),
                    // E-X ends a chunk only when a chunk of type X follows at once.
                    TaggingScheme.Ioe1 => prev != "E" || (p == "I" && same),
                    // Every chunk ends with E-X: after I-X comes I-X or E-X of the same type.
                    TaggingScheme.Ioe2 => prev != "I" || (p is "I" or "E" && same),
                    // B-X and I-X go on with I-X or E-X of type X; I-X and E-X need B-X or I-X of type X before them.
                    TaggingScheme.Iobes => prev is "B" or "I" ? p is "I" or "E" && same : p is not ("I" or "E"),
                    _ => true,
                };
                if (!ok)
                    throw new ArgumentException(i < tags.Count
                        ? $"Sentence {sentence + 1}, token {i + 1}: the {which} tag '{tags[i]}' after '{(i > 0 ? tags[i - 1] : "the sentence start")}' is not valid {scheme}. Evaluate with strict: false to read it as conlleval does."
                        : $"Sentence {sentence + 1}: the {which} tags end with '{tags[^1]}', which leaves a {scheme} chunk unfinished. Evaluate with strict: false to read it as conlleval does.");
                prev = p;
                prevType = t;
            }
        }
    }
}
