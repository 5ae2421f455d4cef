using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Tagging
{
    /// <summary>
    /// Turns a sentence's tokens into the ids a tagging network reads: a word id (0 padding, 1 unknown, known words from
    /// 2 in order of first appearance in training), character ids (likewise), and a casing class. Learned at Fit from
    /// the training sentences and stored with the model.
    /// </summary>
    internal sealed class TokenFeaturizer
    {
        /// <summary>Casing classes (from 1): numeric, mainly numeric, lower, upper, capitalised, has a digit, other.</summary>
        public const int CasingClasses = 7;

        private readonly Dictionary<string, int> _words;
        private readonly Dictionary<string, int>? _chars;

        public TokenFeaturizer(IReadOnlyList<string> words, IReadOnlyList<string>? characters, bool lowercase, bool casing, int maxCharacters)
        {
            Words = words;
            Characters = characters;
            Lowercase = lowercase;
            Casing = casing;
            MaxCharacters = maxCharacters;
            _words = new Dictionary<string, int>(words.Count, StringComparer.Ordinal);
            for (int i = 0; i < words.Count; i++)
                _words[words[i]] = i + 2;
            if (characters != null)
            {
                _chars = new Dictionary<string, int>(characters.Count, StringComparer.Ordinal);
                for (int i = 0; i < characters.Count; i++)
                    _chars[characters[i]] = i + 2;
            }
        }

        /// <summary>Known words in id order (the first has id 2).</summary>
        public IReadOnlyList<string> Words { get; }
        /// <summary>Known characters (text elements) in id order (the first has id 2), or null without character features.</summary>
        public IReadOnlyList<string>? Characters { get; }
        public bool Lowercase { get; }
        public bool Casing { get; }
        public int MaxCharacters { get; }

        public int WordVocabularySize => Words.Count + 2;
        public int CharacterVocabularySize => Characters == null ? 0 : Characters.Count + 2;

        /// <summary>Learns the vocabularies from the training sentences.</summary>
        public static TokenFeaturizer Learn(IEnumerable<string[]> sentences, int minimumCount, bool lowercase, bool characters, bool casing, int maxCharacters)
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            var order = new List<string>();
            var chars = new HashSet<string>(StringComparer.Ordinal);
            var charOrder = new List<string>();
            foreach (var sentence in sentences)
                foreach (var token in sentence)
                {
                    var key = lowercase ? token.ToLowerInvariant() : token;
                    if (counts.TryGetValue(key, out int n))
                        counts[key] = n + 1;
                    else
                    {
                        counts[key] = 1;
                        order.Add(key);
                    }
                    if (characters)
                        foreach (var c in TextElements(token))
                            if (chars.Add(c))
                                charOrder.Add(c);
                }
            var words = order.Where(w => counts[w] >= minimumCount).ToArray();
            return new TokenFeaturizer(words, characters ? charOrder : null, lowercase, casing, maxCharacters);
        }

        /// <summary>True when the word is in the vocabulary (the same lookup as <see cref="Featurize"/>).</summary>
        public bool IsKnown(string token) => _words.ContainsKey(Lowercase ? token.ToLowerInvariant() : token);

        /// <summary>The engine's view of one sentence (tags and extra features added by the caller).</summary>
        public TaggedSentence Featurize(string[] tokens, long[]? tags = null, float[]? extra = null)
        {
            var words = new long[tokens.Length];
            int[][]? chars = _chars != null ? new int[tokens.Length][] : null;
            long[]? casing = Casing ? new long[tokens.Length] : null;
            for (int i = 0; i < tokens.Length; i++)
            {
                var token = tokens[i];
                words[i] = _words.TryGetValue(Lowercase ? token.ToLowerInvariant() : token, out int id) ? id : 1;
                if (chars != null)
                    chars[i] = CharacterIds(token);
                if (casing != null)
                    casing[i] = CasingClass(token);
            }
            return new TaggedSentence { Words = words, Characters = chars, Casing = casing, Tags = tags, Extra = extra };
        }

        /// <summary>The token's character ids: all of them, or the first and last halves of <see cref="MaxCharacters"/> for a longer token.</summary>
        private int[] CharacterIds(string token)
        {
            var elements = TextElements(token).ToList();
            if (elements.Count > MaxCharacters)
            {
                int head = (MaxCharacters + 1) / 2;
                elements = elements.Take(head).Concat(elements.Skip(elements.Count - (MaxCharacters - head))).ToList();
            }
            var ids = new int[elements.Count];
            for (int i = 0; i < ids.Length; i++)
                ids[i] = _chars!.TryGetValue(elements[i], out int id) ? id : 1;
            return ids;
        }

        /// <summary>User-perceived characters (so "é" written as e + combining accent is one).</summary>
        private static IEnumerable<string> TextElements(string token)
        {
            var e = StringInfo.GetTextElementEnumerator(token);
            while (e.MoveNext())
                yield return e.GetTextElement();
        }

        /// <summary>
        /// The casing class of a token (after Reimers and Gurevych, 2017): 1 all digits, 2 more than half digits, 3 letters
        /// all lower case, 4 letters all upper case, 5 initial capital, 6 contains a digit, 7 anything else (punctuation).
        /// </summary>
        internal static long CasingClass(string token)
        {
            int digits = 0, letters = 0, upper = 0;
            foreach (char c in token)
            {
                if (char.IsDigit(c)) digits++;
                if (char.IsLetter(c)) letters++;
                if (char.IsUpper(c)) upper++;
            }
            if (token.Length > 0 && digits == token.Length) return 1;
            if (digits * 2 > token.Length) return 2;
            if (letters > 0 && upper == 0) return 3;        // Python's str.islower: cased letters, none upper
            if (letters > 0 && upper == letters) return 4;  // str.isupper
            if (token.Length > 0 && char.IsUpper(token[0])) return 5;
            if (digits > 0) return 6;
            return 7;
        }
    }
}
