using System;
using System.Collections.Generic;

namespace MLNet.Sequence.Transforms
{
    /// <summary>
    /// A token vocabulary: id 0 is padding, id 1 stands for every unknown token, ids 2.. are the learned tokens,
    /// most frequent first. Ids equal the raw values of the key column that <see cref="TokenEncodingTransformer"/>
    /// writes, so <c>MapKeyToValue</c> turns ids back into tokens.
    /// </summary>
    public sealed class TokenVocabulary
    {
        /// <summary>The id reserved for padding (the missing key).</summary>
        public const int PaddingId = 0;
        /// <summary>The id every unknown token maps to.</summary>
        public const int UnknownId = 1;
        /// <summary>The text shown for the padding id.</summary>
        public const string PaddingToken = "<pad>";
        /// <summary>The text shown for the unknown id.</summary>
        public const string UnknownToken = "<unk>";

        private readonly string[] _tokens;
        private readonly long[] _counts;
        private readonly Dictionary<string, int> _ids;

        internal TokenVocabulary(IReadOnlyList<string> learnedTokens, IReadOnlyList<long> counts)
        {
            if (learnedTokens.Count != counts.Count)
                throw new ArgumentException("Token and count lists differ in length.");
            _tokens = new string[learnedTokens.Count + 2];
            _counts = new long[learnedTokens.Count + 2];
            _tokens[PaddingId] = PaddingToken;
            _tokens[UnknownId] = UnknownToken;
            _ids = new Dictionary<string, int>(learnedTokens.Count, StringComparer.Ordinal);
            for (int i = 0; i < learnedTokens.Count; i++)
            {
                var t = learnedTokens[i];
                if (!_ids.TryAdd(t, i + 2))
                    throw new System.IO.InvalidDataException($"The vocabulary lists token '{t}' twice.");
                _tokens[i + 2] = t;
                _counts[i + 2] = counts[i];
            }
        }

        /// <summary>Number of ids, padding and unknown included.</summary>
        public int Count => _tokens.Length;

        /// <summary>The tokens by id: index 0 is <see cref="PaddingToken"/>, 1 is <see cref="UnknownToken"/>.</summary>
        public IReadOnlyList<string> Tokens => _tokens;

        /// <summary>The id of <paramref name="token"/>, or <see cref="UnknownId"/> when it is not in the vocabulary.</summary>
        /// <param name="token">A token, after the transform's case folding.</param>
        /// <returns>The token's id.</returns>
        public int IdOf(string token) => _ids.TryGetValue(token, out var id) ? id : UnknownId;

        /// <summary>The id of a token given as characters; no string is allocated for known tokens.</summary>
        internal int IdOf(ReadOnlySpan<char> token) =>
#if NET9_0_OR_GREATER
            _ids.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(token, out var id) ? id : UnknownId;
#else
            _ids.TryGetValue(token.ToString(), out var id) ? id : UnknownId;
#endif

        /// <summary>The token of <paramref name="id"/>.</summary>
        /// <param name="id">An id in [0, <see cref="Count"/>).</param>
        /// <returns>The token text.</returns>
        public string TokenOf(int id)
        {
            if (id < 0 || id >= _tokens.Length)
                throw new ArgumentOutOfRangeException(nameof(id), id, $"Id must be in [0, {_tokens.Length}); the vocabulary has {_tokens.Length} ids.");
            return _tokens[id];
        }

        /// <summary>How often the token of <paramref name="id"/> occurred in the training data (0 for padding and unknown).</summary>
        /// <param name="id">An id in [0, <see cref="Count"/>).</param>
        /// <returns>The training count.</returns>
        public long CountOf(int id)
        {
            TokenOf(id);
            return _counts[id];
        }

        internal string[] LearnedTokens => _tokens[2..];
        internal long[] LearnedCounts => _counts[2..];
    }
}
