using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Transforms.Internal;
using MLNet.Sequence.Transforms.Persistence;

namespace MLNet.Sequence.Transforms
{
    /// <summary>
    /// Learns a token vocabulary at Fit and maps tokens to integer ids: a vector of text tokens (e.g. from
    /// <c>TokenizeIntoWords</c>) or raw text (split into words, or into subwords by a <see cref="SubwordTokenizer"/>)
    /// becomes a variable-length vector of keys whose raw values are the ids of <see cref="TokenVocabulary"/>
    /// (0 padding, 1 unknown).
    /// </summary>
    public sealed class TokenEncodingEstimator : IEstimator<TokenEncodingTransformer>
    {
        /// <summary>Options of <see cref="TokenEncodingEstimator"/>.</summary>
        public sealed class Options
        {
            /// <summary>The output column: a variable-size vector of Key&lt;UInt32&gt; holding token ids.</summary>
            public string OutputColumnName { get; set; } = "";

            /// <summary>The input: a vector of Text tokens, or Text. Defaults to <see cref="OutputColumnName"/>.</summary>
            public string? InputColumnName { get; set; }

            /// <summary>The most ids the vocabulary may hold, padding and unknown included (as Keras' <c>max_tokens</c>). Default 20000.</summary>
            public int MaximumVocabularySize { get; set; } = 20000;

            /// <summary>Tokens seen fewer times than this at Fit map to the unknown id. Default 1.</summary>
            public int MinimumCount { get; set; } = 1;

            /// <summary>Fold tokens to lower case (invariant culture) before lookup. Default true, as Keras' TextVectorization.</summary>
            public bool LowerCase { get; set; } = true;

            /// <summary>
            /// For a Text input: the subword tokenizer to apply; null (default) splits text into words at every character
            /// that is not a letter, digit or apostrophe. Must be null for a token-vector input.
            /// </summary>
            public SubwordTokenizer? SubwordTokenizer { get; set; }

            /// <summary>
            /// A fixed vocabulary instead of one learned from the data: the i-th token (from 0) gets id i + 2, after padding
            /// (0) and unknown (1), which is how a model trained elsewhere (e.g. one exported to ONNX from PyTorch) numbers
            /// its tokens. <see cref="MinimumCount"/> and <see cref="MaximumVocabularySize"/> do not apply; Fit still counts
            /// how often each token occurs (<see cref="TokenVocabulary.CountOf"/>). Null (default) learns the vocabulary.
            /// </summary>
            public IReadOnlyList<string>? Vocabulary { get; set; }

            /// <summary>
            /// The output's item type: null (default) writes keys, whose raw values are the ids (what this library's trainers
            /// read, and <c>MapKeyToValue</c> maps back to tokens); <see cref="DataKind.Int32"/> or <see cref="DataKind.Int64"/>
            /// writes the same ids as plain integers, for models that take integer ids (an imported ONNX model takes
            /// int64), since ML.NET's ConvertType does not convert keys to integers.
            /// </summary>
            public DataKind? OutputKind { get; set; }

            internal void Validate()
            {
                ColumnChecks.RequireNonEmpty(OutputColumnName, nameof(OutputColumnName));
                if (OutputKind is not (null or DataKind.Int32 or DataKind.Int64))
                    throw new ArgumentOutOfRangeException(nameof(OutputKind), OutputKind,
                        $"Option {nameof(OutputKind)} must be null (keys), Int32 or Int64; it was {OutputKind}.");
                if (Vocabulary != null)
                {
                    if (Vocabulary.Count == 0)
                        throw new ArgumentException($"Option {nameof(Vocabulary)} is empty; give at least one token, or null to learn the vocabulary.", nameof(Vocabulary));
                    var seen = new HashSet<string>(StringComparer.Ordinal);
                    for (int i = 0; i < Vocabulary.Count; i++)
                    {
                        var t = Vocabulary[i];
                        if (string.IsNullOrEmpty(t))
                            throw new ArgumentException($"Option {nameof(Vocabulary)} has an empty token at position {i}.", nameof(Vocabulary));
                        if (!seen.Add(t))
                            throw new ArgumentException($"Option {nameof(Vocabulary)} lists token '{t}' twice (positions {Vocabulary.ToList().IndexOf(t)} and {i}); each token needs one id.", nameof(Vocabulary));
                        if (LowerCase && t != t.ToLowerInvariant())
                            throw new ArgumentException(
                                $"Option {nameof(Vocabulary)} has token '{t}' at position {i}, which would never match: option {nameof(LowerCase)} lower-cases every token first. Set LowerCase = false, or lower-case the vocabulary.",
                                nameof(Vocabulary));
                    }
                }
                if (MaximumVocabularySize < 3)
                    throw new ArgumentOutOfRangeException(nameof(MaximumVocabularySize), MaximumVocabularySize,
                        $"Option {nameof(MaximumVocabularySize)} counts padding and unknown, so it must be at least 3; it was {MaximumVocabularySize}.");
                ColumnChecks.RequirePositive(MinimumCount, nameof(MinimumCount));
            }
        }

        private readonly Options _options;

        /// <summary>Creates the estimator; prefer <c>mlContext.Transforms.EncodeTokens(...)</c>.</summary>
        /// <param name="options">The options; validated here.</param>
        public TokenEncodingEstimator(Options options)
        {
            ArgumentNullException.ThrowIfNull(options);
            options.Validate();
            _options = options;
        }

        private string Input => string.IsNullOrEmpty(_options.InputColumnName) ? _options.OutputColumnName : _options.InputColumnName!;

        /// <inheritdoc />
        public SchemaShape GetOutputSchema(SchemaShape inputSchema)
        {
            ArgumentNullException.ThrowIfNull(inputSchema);
            TokenEncodingTransformer.CheckInput(ColumnChecks.Find(inputSchema, Input, nameof(Options.InputColumnName), TokenEncodingTransformer.Expected), _options.SubwordTokenizer);
            if (_options.OutputKind is DataKind kind)
                return SchemaShapeFactory.With(inputSchema, new[]
                {
                    SchemaShapeFactory.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.VariableVector,
                        kind == DataKind.Int32 ? NumberDataViewType.Int32 : NumberDataViewType.Int64, false),
                });
            var kv = SchemaShapeFactory.Column("KeyValues", SchemaShape.Column.VectorKind.Vector, TextDataViewType.Instance);
            return SchemaShapeFactory.With(inputSchema, new[]
            {
                SchemaShapeFactory.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.VariableVector, NumberDataViewType.UInt32, true, new SchemaShape(new[] { kv })),
            });
        }

#if !NET9_0_OR_GREATER
        /// <summary>.NET 8 has no span lookup on dictionaries: the counting loop reads through this (one string per token).</summary>
        private readonly struct SpanKeyed
        {
            private readonly Dictionary<string, long> _d;
            public SpanKeyed(Dictionary<string, long> d) => _d = d;
            public bool TryGetValue(ReadOnlySpan<char> key, out long value) => _d.TryGetValue(key.ToString(), out value);
            public long this[ReadOnlySpan<char> key] { set => _d[key.ToString()] = value; }
        }

#endif
        /// <summary>Counts the tokens of the input column and keeps the most frequent as the vocabulary.</summary>
        /// <param name="input">Training data.</param>
        /// <returns>The fitted transformer.</returns>
        public TokenEncodingTransformer Fit(IDataView input)
        {
            ArgumentNullException.ThrowIfNull(input);
            var info = TokenEncodingTransformer.CheckInput(ColumnChecks.Find(input.Schema, Input, nameof(Options.InputColumnName), TokenEncodingTransformer.Expected), _options.SubwordTokenizer);
            var splitter = new TokenSplitter(_options.LowerCase, _options.SubwordTokenizer);
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
#if NET9_0_OR_GREATER
            var lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();   // no string per repeated token
#else
            var lookup = new SpanKeyed(counts);
#endif
            var column = input.Schema[Input];
            using (var cursor = input.GetRowCursor(new[] { column }))
            {
                var read = splitter.Reader(cursor, column, info.IsVector);
                while (cursor.MoveNext())
                {
                    read((ReadOnlySpan<char> token) =>
                    {
                        if (lookup.TryGetValue(token, out var c))
                            lookup[token] = c + 1;
                        else
                            lookup[token] = 1;
                    });
                }
            }
            var kept = _options.Vocabulary != null
                ? _options.Vocabulary.Select(t => new KeyValuePair<string, long>(t, counts.TryGetValue(t, out var c) ? c : 0)).ToList()
                : counts.Where(kv => kv.Value >= _options.MinimumCount)
                    .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
                    .Take(_options.MaximumVocabularySize - 2)
                    .ToList();
            var vocabulary = new TokenVocabulary(kept.Select(k => k.Key).ToList(), kept.Select(k => k.Value).ToList());
            return new TokenEncodingTransformer(new TokenEncodingTransformer.Config
            {
                OutputColumnName = _options.OutputColumnName,
                InputColumnName = Input,
                LowerCase = _options.LowerCase,
                OutputKind = _options.OutputKind?.ToString(),
            }, vocabulary, _options.SubwordTokenizer);
        }
    }

    /// <summary>Turns a row's input (token vector or text) into tokens, case-folded, without allocating per known token.</summary>
    internal sealed class TokenSplitter
    {
        private readonly bool _lower;
        private readonly SubwordTokenizer? _subword;
        private char[] _fold = new char[64];
        private readonly List<string> _subwords = new();

        public TokenSplitter(bool lower, SubwordTokenizer? subword)
        {
            _lower = lower;
            _subword = subword;
        }

        public delegate void TokenAction(ReadOnlySpan<char> token);

        /// <summary>A reader for the current row of <paramref name="row"/> that calls an action per token.</summary>
        public Action<TokenAction> Reader(DataViewRow row, DataViewSchema.Column column, bool isVector)
        {
            if (isVector)
            {
                var g = row.GetGetter<VBuffer<ReadOnlyMemory<char>>>(column);
                VBuffer<ReadOnlyMemory<char>> buf = default;
                var scratch = Array.Empty<ReadOnlyMemory<char>>();
                return action =>
                {
                    g(ref buf);
                    foreach (var t in Buffers.Dense(buf, ref scratch))
                        if (!t.IsEmpty)
                            action(Fold(t.Span));
                };
            }
            var gt = row.GetGetter<ReadOnlyMemory<char>>(column);
            ReadOnlyMemory<char> text = default;
            return action =>
            {
                gt(ref text);
                Split(text.Span, action);
            };
        }

        private void Split(ReadOnlySpan<char> text, TokenAction action)
        {
            if (_subword != null)
            {
                _subwords.Clear();
                _subword.Tokenize(text.ToString(), _subwords);
                foreach (var s in _subwords)
                    action(Fold(s.AsSpan()));
                return;
            }
            int start = -1;
            for (int i = 0; i <= text.Length; i++)
            {
                bool word = i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '\'');
                if (word && start < 0)
                    start = i;
                else if (!word && start >= 0)
                {
                    action(Fold(text.Slice(start, i - start)));
                    start = -1;
                }
            }
        }

        private ReadOnlySpan<char> Fold(ReadOnlySpan<char> token)
        {
            if (!_lower)
                return token;
            if (_fold.Length < token.Length)
                _fold = new char[Math.Max(token.Length, _fold.Length * 2)];
            int n = token.ToLowerInvariant(_fold);
            return _fold.AsSpan(0, n);
        }
    }

    /// <summary>The fitted token encoder; see <see cref="TokenEncodingEstimator"/>.</summary>
    public sealed class TokenEncodingTransformer : SequenceTransformerBase, ISequencePersistable
    {
        internal const string Expected = "a vector of Text tokens (e.g. from TokenizeIntoWords) or Text";

        internal sealed class Config
        {
            public string OutputColumnName { get; set; } = "";
            public string InputColumnName { get; set; } = "";
            public bool LowerCase { get; set; }
            public string? SubwordKind { get; set; }
            public string? SubwordEncoding { get; set; }
            /// <summary>"Int32" or "Int64" for plain integer ids; null for keys.</summary>
            public string? OutputKind { get; set; }
        }

        private readonly Config _config;
        private readonly SubwordTokenizer? _subword;

        internal TokenEncodingTransformer(Config config, TokenVocabulary vocabulary, SubwordTokenizer? subword)
        {
            _config = config;
            _subword = subword;
            _config.SubwordKind = subword?.Kind;
            _config.SubwordEncoding = subword?.Encoding;
            Vocabulary = vocabulary;
        }

        /// <summary>The learned vocabulary: ids to tokens and back.</summary>
        public TokenVocabulary Vocabulary { get; }

        /// <summary>The subword tokenizer applied to raw text, or null.</summary>
        public SubwordTokenizer? SubwordTokenizer => _subword;

        /// <summary>The ids of the tokens of <paramref name="text"/>, as this transformer encodes a Text input.</summary>
        /// <param name="text">Raw text.</param>
        /// <returns>The ids, 1 for unknown tokens.</returns>
        public int[] Encode(string text)
        {
            var ids = new List<int>();
            var splitter = new TokenSplitter(_config.LowerCase, _subword);
            var row = new TextRow(text);
            splitter.Reader(row, row.Schema[0], isVector: false)(t => ids.Add(Vocabulary.IdOf(t)));
            return ids.ToArray();
        }

        /// <summary>The tokens of <paramref name="ids"/>; padding ids are skipped.</summary>
        /// <param name="ids">Token ids.</param>
        /// <returns>The tokens.</returns>
        public string[] Decode(IEnumerable<int> ids) =>
            ids.Where(i => i != TokenVocabulary.PaddingId).Select(Vocabulary.TokenOf).ToArray();

        internal static ColumnTypeInfo CheckInput(ColumnTypeInfo c, SubwordTokenizer? subword)
        {
            if (!c.IsText || c.IsKey)
                throw ColumnChecks.WrongType(c, nameof(TokenEncodingEstimator.Options.InputColumnName), Expected);
            if (c.IsVector && subword != null)
                throw new ArgumentException(
                    $"Option SubwordTokenizer applies to raw text, but input column '{c.Name}' already holds tokens ({c.Describe()}). Pass the raw Text column or drop the subword tokenizer.",
                    nameof(TokenEncodingEstimator.Options.SubwordTokenizer));
            return c;
        }

        string ISequencePersistable.PartKind => "TokenEncoding";
        /// <summary>Version 2 adds integer outputs; a transformer writing keys stays readable by version-1 readers.</summary>
        int ISequencePersistable.PartVersion => _config.OutputKind != null ? 2 : 1;

        void ISequencePersistable.SavePart(ModelPartWriter writer)
        {
            writer.WriteJson("config.json", TokenEncodingConfigV1.From(_config));
            writer.WriteJson("vocabulary.json", new TokenVocabularyV1 { Tokens = Vocabulary.LearnedTokens.ToArray(), Counts = Vocabulary.LearnedCounts.ToArray() });
            if (_subword?.VocabBytes != null)
                writer.WriteBytes("subword-vocab.json", _subword.VocabBytes);
            if (_subword?.MergesBytes != null)
                writer.WriteBytes("subword-merges.txt", _subword.MergesBytes);
        }

        internal static TokenEncodingTransformer Load(ModelPartReader reader)
        {
            reader.RequireVersion("TokenEncoding", 2);
            var c = reader.ReadJson<TokenEncodingConfigV1>("config.json").ToConfig();
            var vocabulary = reader.ReadJson<TokenVocabularyV1>("vocabulary.json").ToVocabulary();
            SubwordTokenizer? sub = null;
            if (c.SubwordKind != null)
                sub = SubwordTokenizer.FromStored(c.SubwordKind, c.SubwordEncoding,
                    reader.Has("subword-vocab.json") ? reader.ReadBytes("subword-vocab.json") : null,
                    reader.Has("subword-merges.txt") ? reader.ReadBytes("subword-merges.txt") : null);
            return new TokenEncodingTransformer(c, vocabulary, sub);
        }

        private protected override ColumnBinding Bind(DataViewSchema inputSchema) => new Binding(this, inputSchema);

        private sealed class Binding : ColumnBinding
        {
            private readonly TokenEncodingTransformer _parent;
            private readonly int _input;
            private readonly bool _isVector;
            private readonly AddedColumn[] _added;

            public Binding(TokenEncodingTransformer parent, DataViewSchema schema) : base(schema)
            {
                _parent = parent;
                var info = CheckInput(ColumnChecks.Find(schema, parent._config.InputColumnName, nameof(TokenEncodingEstimator.Options.InputColumnName), Expected), parent._subword);
                _input = schema[parent._config.InputColumnName].Index;
                _isVector = info.IsVector;
                var vocab = parent.Vocabulary;
                int keyCount = vocab.Count - 1;
                var ann = new DataViewSchema.Annotations.Builder();
                ValueGetter<VBuffer<ReadOnlyMemory<char>>> keyValues = (ref VBuffer<ReadOnlyMemory<char>> dst) =>
                {
                    var editor = VBufferEditor.Create(ref dst, keyCount);
                    for (int i = 0; i < keyCount; i++)
                        editor.Values[i] = vocab.Tokens[i + 1].AsMemory();
                    dst = editor.Commit();
                };
                ann.Add("KeyValues", new VectorDataViewType(TextDataViewType.Instance, keyCount), keyValues);
                _added = new[]
                {
                    parent._config.OutputKind switch
                    {
                        "Int32" => new AddedColumn(parent._config.OutputColumnName, new VectorDataViewType(NumberDataViewType.Int32)),
                        "Int64" => new AddedColumn(parent._config.OutputColumnName, new VectorDataViewType(NumberDataViewType.Int64)),
                        _ => new AddedColumn(parent._config.OutputColumnName, new VectorDataViewType(new KeyDataViewType(typeof(uint), keyCount)), ann.ToAnnotations()),
                    },
                };
            }

            public override IReadOnlyList<AddedColumn> Added => _added;

            public override IEnumerable<int> Dependencies(int added) => new[] { _input };

            public override Delegate?[] MakeGetters(DataViewRow input, Func<int, bool> isAddedActive)
            {
                if (!isAddedActive(0))
                    return new Delegate?[1];
                var splitter = new TokenSplitter(_parent._config.LowerCase, _parent._subword);
                var read = splitter.Reader(input, input.Schema[_input], _isVector);
                var vocab = _parent.Vocabulary;
                var ids = new List<int>();
                TokenSplitter.TokenAction add = t => ids.Add(vocab.IdOf(t));
                return new Delegate?[] { _parent._config.OutputKind switch
                {
                    "Int32" => Getter(read, add, ids, id => id),
                    "Int64" => Getter(read, add, ids, id => (long)id),
                    _ => Getter(read, add, ids, id => (uint)id),
                } };
            }

            private static ValueGetter<VBuffer<T>> Getter<T>(Action<TokenSplitter.TokenAction> read, TokenSplitter.TokenAction add, List<int> ids, Func<int, T> convert) =>
                (ref VBuffer<T> dst) =>
                {
                    ids.Clear();
                    read(add);
                    var editor = VBufferEditor.Create(ref dst, ids.Count);
                    for (int i = 0; i < ids.Count; i++)
                        editor.Values[i] = convert(ids[i]);
                    dst = editor.Commit();
                };
        }

        /// <summary>A one-column row holding a string, so <see cref="Encode"/> reuses the row reader.</summary>
        private sealed class TextRow : DataViewRow
        {
            private static readonly DataViewSchema TextSchema = BuildSchema();
            private readonly ReadOnlyMemory<char> _text;

            public TextRow(string text) => _text = text.AsMemory();

            private static DataViewSchema BuildSchema()
            {
                var b = new DataViewSchema.Builder();
                b.AddColumn("Text", TextDataViewType.Instance);
                return b.ToSchema();
            }

            public override DataViewSchema Schema => TextSchema;
            public override long Position => 0;
            public override long Batch => 0;
            public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = default;
            public override bool IsColumnActive(DataViewSchema.Column column) => true;

            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
            {
                ValueGetter<ReadOnlyMemory<char>> g = (ref ReadOnlyMemory<char> v) => v = _text;
                return (ValueGetter<TValue>)(Delegate)g;
            }
        }
    }
}
