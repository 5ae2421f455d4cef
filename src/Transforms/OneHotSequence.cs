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
    /// One-hot encodes a sequence over a small alphabet (DNA: A C G T plus unknown) into a Single vector of shape
    /// [length, channels], known in the schema. The input is Text (one symbol per character) or a vector of keys.
    /// Shorter sequences get all-zero rows at the end (and a key 0, the missing key, is an all-zero row where it stands);
    /// optional length and mask columns say which rows hold a symbol, so a trainer can leave the padding out
    /// (<c>MaskColumnName</c> of the sequence trainers).
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

            /// <summary>Optional Int32 column receiving each row's number of encoded symbols (rows that are not all zero).</summary>
            public string? LengthColumnName { get; set; }

            /// <summary>Optional Boolean vector column of size <see cref="SequenceLength"/>: true where a row encodes a symbol, false at padding.</summary>
            public string? MaskColumnName { get; set; }

            internal void Validate()
            {
                ColumnChecks.RequireNonEmpty(OutputColumnName, nameof(OutputColumnName));
                var names = new[] { OutputColumnName, LengthColumnName, MaskColumnName }.Where(n => !string.IsNullOrEmpty(n)).ToList();
                if (names.Distinct().Count() != names.Count)
                    throw new ArgumentException($"Options {nameof(OutputColumnName)}, {nameof(LengthColumnName)} and {nameof(MaskColumnName)} must name different columns; got {string.Join(", ", names)}.");
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
            var added = new List<SchemaShape.Column>
            {
                SchemaShapeFactory.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false, new SchemaShape(new[] { slots })),
            };
            if (!string.IsNullOrEmpty(_options.LengthColumnName))
                added.Add(SchemaShapeFactory.Column(_options.LengthColumnName!, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Int32));
            if (!string.IsNullOrEmpty(_options.MaskColumnName))
                added.Add(SchemaShapeFactory.Column(_options.MaskColumnName!, SchemaShape.Column.VectorKind.Vector, BooleanDataViewType.Instance));
            return SchemaShapeFactory.With(inputSchema, added);
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
                LengthColumnName = string.IsNullOrEmpty(_options.LengthColumnName) ? null : _options.LengthColumnName,
                MaskColumnName = string.IsNullOrEmpty(_options.MaskColumnName) ? null : _options.MaskColumnName,
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
            public string? LengthColumnName { get; set; }
            public string? MaskColumnName { get; set; }
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

        /// <summary>Version 2 adds the length and mask outputs; a model that uses neither stays readable by version-1 readers.</summary>
        int ISequencePersistable.PartVersion => OneHotSequenceConfigV2.From(_config).Version;
        void ISequencePersistable.SavePart(ModelPartWriter writer) => writer.WriteJson("config.json", OneHotSequenceConfigV2.From(_config));

        internal static OneHotSequenceTransformer Load(ModelPartReader reader)
        {
            reader.RequireVersion("OneHotSequence", 2);
            return new OneHotSequenceTransformer(reader.ReadJson<OneHotSequenceConfigV2>("config.json").ToConfig(reader.PartVersion));
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
                var added = new List<AddedColumn> { new AddedColumn(c.OutputColumnName, new VectorDataViewType(NumberDataViewType.Single, L, C), ann.ToAnnotations()) };
                if (c.LengthColumnName != null)
                    added.Add(new AddedColumn(c.LengthColumnName, NumberDataViewType.Int32));
                if (c.MaskColumnName != null)
                    added.Add(new AddedColumn(c.MaskColumnName, new VectorDataViewType(BooleanDataViewType.Instance, L)));
                _added = added.ToArray();
            }

            public override IReadOnlyList<AddedColumn> Added => _added;
            public override IEnumerable<int> Dependencies(int added) => new[] { _input };

            public override Delegate?[] MakeGetters(DataViewRow input, Func<int, bool> isAddedActive)
            {
                var getters = new Delegate?[_added.Length];
                if (!Enumerable.Range(0, _added.Length).Any(isAddedActive))
                    return getters;
                var c = _p._config;
                int L = c.SequenceLength, C = c.Channels;
                var column = input.Schema[_input];
                // The current row's channel per step (-1: an all-zero row), computed once per row for every output.
                var channel = new int[L];
                long position = -1;
                Action read;
                if (c.KeyInput)
                {
                    var g = input.GetGetter<VBuffer<uint>>(column);
                    VBuffer<uint> src = default;
                    var scratch = Array.Empty<uint>();
                    read = () =>
                    {
                        g(ref src);
                        var ids = Buffers.Dense(src, ref scratch);
                        int n = _p.CheckLength(ids.Length, input.Position);
                        Array.Fill(channel, -1);
                        for (int t = 0; t < n; t++)
                            channel[t] = (int)ids[t] - 1;   // key 0 is the missing key: padding, an all-zero row
                    };
                }
                else
                {
                    var gt = input.GetGetter<ReadOnlyMemory<char>>(column);
                    ReadOnlyMemory<char> text = default;
                    read = () =>
                    {
                        gt(ref text);
                        var span = text.Span;
                        int n = _p.CheckLength(span.Length, input.Position);
                        Array.Fill(channel, -1);
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
                            channel[t] = ch;
                        }
                    };
                }
                void Ensure()
                {
                    if (position == input.Position && position >= 0)
                        return;
                    read();
                    position = input.Position;
                }
                int i = 0;
                if (isAddedActive(i))
                    getters[i] = (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
                    {
                        Ensure();
                        var editor = VBufferEditor.Create(ref dst, L * C);
                        editor.Values.Clear();
                        for (int t = 0; t < L; t++)
                            if (channel[t] >= 0)
                                editor.Values[t * C + channel[t]] = 1f;
                        dst = editor.Commit();
                    });
                i++;
                if (c.LengthColumnName != null)
                {
                    if (isAddedActive(i))
                        getters[i] = (ValueGetter<int>)((ref int dst) =>
                        {
                            Ensure();
                            int n = 0;
                            foreach (var ch in channel) if (ch >= 0) n++;
                            dst = n;
                        });
                    i++;
                }
                if (c.MaskColumnName != null && isAddedActive(i))
                    getters[i] = (ValueGetter<VBuffer<bool>>)((ref VBuffer<bool> dst) =>
                    {
                        Ensure();
                        var editor = VBufferEditor.Create(ref dst, L);
                        for (int t = 0; t < L; t++)
                            editor.Values[t] = channel[t] >= 0;
                        dst = editor.Commit();
                    });
                return getters;
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
