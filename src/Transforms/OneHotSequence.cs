using System;
using System.Collections.Generic;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Transforms.Internal;
using MLNet.Sequence.Transforms.Persistence;

namespace MLNet.Sequence.Transforms
{
    /// <summary>
    /// One-hot encodes a sequence over a small alphabet (DNA: A C G T plus unknown) into a Single vector of shape
    /// [length, channels], known in the schema. The input is Text (one symbol per character) or a vector of keys.
    /// Shorter sequences get all-zero rows at the end.
    /// </summary>
    public sealed class OneHotSequenceEstimator : IEstimator<OneHotSequenceTransformer>
    {
        /// <summary>Options of <see cref="OneHotSequenceEstimator"/>.</summary>
        public sealed class Options
        {
            /// <summary>The output column: Single vector of shape [<see cref="SequenceLength"/>, channels].</summary>
            public string OutputColumnName { get; set; } = "";

            /// <summary>The input: Text or a vector of keys. Defaults to <see cref="OutputColumnName"/>.</summary>
            public string? InputColumnName { get; set; }

            /// <summary>For Text input: the symbols, one channel each, in order (e.g. "ACGT"). Ignored for key input, whose channels are the keys.</summary>
            public string Alphabet { get; set; } = "ACGT";

            /// <summary>For Text input: add a last channel for symbols outside <see cref="Alphabet"/>. Default true; when false such a symbol is an error.</summary>
            public bool AddUnknownChannel { get; set; } = true;

            /// <summary>For Text input: match symbols ignoring case. Default true.</summary>
            public bool IgnoreCase { get; set; } = true;

            /// <summary>The sequence length; null (default) uses the key vector's size, or learns the longest length at Fit.</summary>
            public int? SequenceLength { get; set; }

            /// <summary>When false (default) a sequence longer than <see cref="SequenceLength"/> is an error; when true its end is dropped.</summary>
            public bool TruncateLonger { get; set; }

            internal void Validate()
            {
                ColumnChecks.RequireNonEmpty(OutputColumnName, nameof(OutputColumnName));
                if (SequenceLength is int l)
                    ColumnChecks.RequirePositive(l, nameof(SequenceLength));
                if (string.IsNullOrEmpty(Alphabet))
                    throw new ArgumentException($"Option {nameof(Alphabet)} must list at least one symbol, e.g. \"ACGT\".", nameof(Alphabet));
                var seen = new HashSet<char>();
                foreach (var ch in Alphabet)
                    if (!seen.Add(IgnoreCase ? char.ToUpperInvariant(ch) : ch))
                        throw new ArgumentException($"Option {nameof(Alphabet)} lists symbol '{ch}' twice.", nameof(Alphabet));
            }
        }

        private readonly Options _options;

        /// <summary>Creates the estimator; prefer <c>mlContext.Transforms.OneHotEncodeSequence(...)</c>.</summary>
        /// <param name="options">The options; validated here.</param>
        public OneHotSequenceEstimator(Options options)
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
            OneHotSequenceTransformer.CheckInput(ColumnChecks.Find(inputSchema, Input, nameof(Options.InputColumnName), OneHotSequenceTransformer.Expected));
            var slots = SchemaShapeFactory.Column("SlotNames", SchemaShape.Column.VectorKind.Vector, TextDataViewType.Instance);
            return SchemaShapeFactory.With(inputSchema, new[]
            {
                SchemaShapeFactory.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false, new SchemaShape(new[] { slots })),
            });
        }

        /// <summary>Checks the input and fixes the sequence length and channels.</summary>
        /// <param name="input">Training data.</param>
        /// <returns>The fitted transformer.</returns>
        public OneHotSequenceTransformer Fit(IDataView input)
        {
            ArgumentNullException.ThrowIfNull(input);
            var info = OneHotSequenceTransformer.CheckInput(ColumnChecks.Find(input.Schema, Input, nameof(Options.InputColumnName), OneHotSequenceTransformer.Expected));
            int length = _options.SequenceLength ?? (info.Form == ColumnForm.Vector ? info.Size : LearnLength(input, info));
            var config = new OneHotSequenceTransformer.Config
            {
                OutputColumnName = _options.OutputColumnName,
                InputColumnName = Input,
                Alphabet = _options.Alphabet,
                AddUnknownChannel = _options.AddUnknownChannel,
                IgnoreCase = _options.IgnoreCase,
                SequenceLength = length,
                TruncateLonger = _options.TruncateLonger,
                KeyInput = info.IsKey,
                Channels = info.IsKey ? checked((int)info.KeyCount) : _options.Alphabet.Length + (_options.AddUnknownChannel ? 1 : 0),
            };
            if (info.IsKey && info.KeyCount == 0)
                throw new ArgumentOutOfRangeException(nameof(Options.InputColumnName), $"Input column '{Input}' holds keys of unknown count; one-hot encoding needs a known key count.");
            return new OneHotSequenceTransformer(config);
        }

        private int LearnLength(IDataView input, ColumnTypeInfo info)
        {
            int max = 0;
            long rows = 0;
            var column = input.Schema[Input];
            using (var cursor = input.GetRowCursor(new[] { column }))
            {
                if (info.IsText)
                {
                    var g = cursor.GetGetter<ReadOnlyMemory<char>>(column);
                    ReadOnlyMemory<char> text = default;
                    while (cursor.MoveNext()) { g(ref text); max = Math.Max(max, text.Length); rows++; }
                }
                else
                {
                    var len = VectorLength.Getter(cursor, column);
                    while (cursor.MoveNext()) { max = Math.Max(max, len()); rows++; }
                }
            }
            if (max == 0)
                throw new InvalidOperationException(rows == 0
                    ? $"Cannot learn the sequence length of column '{Input}': the training data has no rows. Set option {nameof(Options.SequenceLength)}."
                    : $"Cannot learn the sequence length of column '{Input}': every sequence is empty. Set option {nameof(Options.SequenceLength)}.");
            return max;
        }
    }

    /// <summary>The fitted one-hot sequence encoder; see <see cref="OneHotSequenceEstimator"/>.</summary>
    public sealed class OneHotSequenceTransformer : SequenceTransformerBase, ISequencePersistable
    {
        internal const string Expected = "Text (one symbol per character) or a vector of keys";

        internal sealed class Config
        {
            public string OutputColumnName { get; set; } = "";
            public string InputColumnName { get; set; } = "";
            public string Alphabet { get; set; } = "";
            public bool AddUnknownChannel { get; set; }
            public bool IgnoreCase { get; set; }
            public int SequenceLength { get; set; }
            public bool TruncateLonger { get; set; }
            public bool KeyInput { get; set; }
            public int Channels { get; set; }
        }

        private readonly Config _config;
        private readonly int[] _channelOf = new int[char.MaxValue + 1];

        internal OneHotSequenceTransformer(Config config)
        {
            _config = config;
            Array.Fill(_channelOf, -1);
            for (int i = 0; i < config.Alphabet.Length; i++)
            {
                char ch = config.Alphabet[i];
                _channelOf[ch] = i;
                if (config.IgnoreCase)
                {
                    _channelOf[char.ToUpperInvariant(ch)] = i;
                    _channelOf[char.ToLowerInvariant(ch)] = i;
                }
            }
        }

        /// <summary>The sequence length (first output dimension).</summary>
        public int SequenceLength => _config.SequenceLength;

        /// <summary>The number of channels (second output dimension).</summary>
        public int Channels => _config.Channels;

        internal static ColumnTypeInfo CheckInput(ColumnTypeInfo c)
        {
            bool ok = (c.Form == ColumnForm.Scalar && c.IsText) || (c.IsVector && c.IsKey && c.RawType == typeof(uint));
            if (!ok)
                throw ColumnChecks.WrongType(c, nameof(OneHotSequenceEstimator.Options.InputColumnName), Expected);
            return c;
        }

        string ISequencePersistable.PartKind => "OneHotSequence";
        int ISequencePersistable.PartVersion => 1;
        void ISequencePersistable.SavePart(ModelPartWriter writer) => writer.WriteJson("config.json", _config);

        internal static OneHotSequenceTransformer Load(ModelPartReader reader)
        {
            reader.RequireVersion("OneHotSequence", 1);
            var c = reader.ReadJson<Config>("config.json");
            if (c.SequenceLength <= 0 || c.Channels <= 0)
                throw new System.IO.InvalidDataException("The stored OneHotSequence configuration is invalid (length or channels).");
            return new OneHotSequenceTransformer(c);
        }

        private protected override ColumnBinding Bind(DataViewSchema inputSchema) => new Binding(this, inputSchema);

        private sealed class Binding : ColumnBinding
        {
            private readonly OneHotSequenceTransformer _p;
            private readonly int _input;
            private readonly AddedColumn[] _added;

            public Binding(OneHotSequenceTransformer p, DataViewSchema schema) : base(schema)
            {
                _p = p;
                var c = p._config;
                var info = CheckInput(ColumnChecks.Find(schema, c.InputColumnName, nameof(OneHotSequenceEstimator.Options.InputColumnName), Expected));
                if (info.IsKey != c.KeyInput)
                    throw ColumnChecks.WrongType(info, nameof(OneHotSequenceEstimator.Options.InputColumnName), c.KeyInput ? "a vector of keys, as at Fit" : "Text, as at Fit");
                if (info.IsKey && info.KeyCount != (ulong)c.Channels)
                    throw ColumnChecks.WrongType(info, nameof(OneHotSequenceEstimator.Options.InputColumnName), $"keys with {c.Channels} values, as at Fit (it has {info.KeyCount})");
                _input = schema[c.InputColumnName].Index;
                int L = c.SequenceLength, C = c.Channels;
                var ann = new DataViewSchema.Annotations.Builder();
                ValueGetter<VBuffer<ReadOnlyMemory<char>>> slots = (ref VBuffer<ReadOnlyMemory<char>> dst) =>
                {
                    var editor = VBufferEditor.Create(ref dst, L * C);
                    for (int t = 0; t < L; t++)
                        for (int ch = 0; ch < C; ch++)
                            editor.Values[t * C + ch] = $"{t}:{p.ChannelName(ch)}".AsMemory();
                    dst = editor.Commit();
                };
                ann.Add("SlotNames", new VectorDataViewType(TextDataViewType.Instance, L * C), slots);
                _added = new[] { new AddedColumn(c.OutputColumnName, new VectorDataViewType(NumberDataViewType.Single, L, C), ann.ToAnnotations()) };
            }

            public override IReadOnlyList<AddedColumn> Added => _added;
            public override IEnumerable<int> Dependencies(int added) => new[] { _input };

            public override Delegate?[] MakeGetters(DataViewRow input, Func<int, bool> isAddedActive)
            {
                if (!isAddedActive(0))
                    return new Delegate?[1];
                var c = _p._config;
                int L = c.SequenceLength, C = c.Channels;
                var column = input.Schema[_input];
                if (c.KeyInput)
                {
                    var g = input.GetGetter<VBuffer<uint>>(column);
                    VBuffer<uint> src = default;
                    var scratch = Array.Empty<uint>();
                    ValueGetter<VBuffer<float>> keys = (ref VBuffer<float> dst) =>
                    {
                        g(ref src);
                        var ids = Buffers.Dense(src, ref scratch);
                        int n = _p.CheckLength(ids.Length, input.Position);
                        var editor = VBufferEditor.Create(ref dst, L * C);
                        editor.Values.Clear();
                        for (int t = 0; t < n; t++)
                        {
                            uint k = ids[t];
                            if (k > 0) // 0 is the missing key: padding, an all-zero row
                                editor.Values[t * C + (int)(k - 1)] = 1f;
                        }
                        dst = editor.Commit();
                    };
                    return new Delegate?[] { keys };
                }
                var gt = input.GetGetter<ReadOnlyMemory<char>>(column);
                ReadOnlyMemory<char> text = default;
                ValueGetter<VBuffer<float>> chars = (ref VBuffer<float> dst) =>
                {
                    gt(ref text);
                    var span = text.Span;
                    int n = _p.CheckLength(span.Length, input.Position);
                    var editor = VBufferEditor.Create(ref dst, L * C);
                    editor.Values.Clear();
                    for (int t = 0; t < n; t++)
                    {
                        int ch = _p._channelOf[span[t]];
                        if (ch < 0)
                        {
                            if (!c.AddUnknownChannel)
                                throw new InvalidOperationException(
                                    $"Column '{c.InputColumnName}' has symbol '{span[t]}' at position {t} of row {input.Position}, which is not in the alphabet \"{c.Alphabet}\"; set option AddUnknownChannel = true to encode such symbols in an extra channel.");
                            ch = C - 1;
                        }
                        editor.Values[t * C + ch] = 1f;
                    }
                    dst = editor.Commit();
                };
                return new Delegate?[] { chars };
            }
        }

        private string ChannelName(int ch) =>
            _config.KeyInput ? $"key{ch + 1}" : ch < _config.Alphabet.Length ? _config.Alphabet[ch].ToString() : "unknown";

        private int CheckLength(int n, long row)
        {
            if (n > _config.SequenceLength && !_config.TruncateLonger)
                throw new InvalidOperationException(
                    $"Column '{_config.InputColumnName}' has a sequence of length {n} at row {row}, longer than the encoder's length {_config.SequenceLength}; set option TruncateLonger = true to drop the excess, or a larger SequenceLength.");
            return Math.Min(n, _config.SequenceLength);
        }
    }
}
