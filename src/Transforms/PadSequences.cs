using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Transforms.Internal;
using MLNet.Sequence.Transforms.Persistence;

namespace MLNet.Sequence.Transforms
{
    /// <summary>Which end of a sequence padding is added to, or truncation removes values from.</summary>
    public enum SequenceEnd
    {
        /// <summary>The beginning (Keras <c>'pre'</c>, the default there too).</summary>
        Pre,
        /// <summary>The end (Keras <c>'post'</c>).</summary>
        Post,
    }

    /// <summary>
    /// Pads or truncates a variable-length vector column (token ids, keys or numbers) to a fixed length, with the
    /// semantics of Keras <c>pad_sequences</c>; optionally also writes each row's true length and a mask.
    /// </summary>
    /// <remarks>
    /// A column whose type has two dimensions [steps, values] (e.g. [0, 13] from <c>ExtractAudioFeatures</c>: a variable
    /// number of frames of 13 values) is padded step by step: the length, the mask and truncation count steps, and the
    /// output has shape [length, values].
    /// </remarks>
    public sealed class PadSequencesEstimator : IEstimator<PadSequencesTransformer>
    {
        /// <summary>Options of <see cref="PadSequencesEstimator"/>.</summary>
        public sealed class Options
        {
            /// <summary>The padded output column (a vector of the input's item type, of size <see cref="Length"/>).</summary>
            public string OutputColumnName { get; set; } = "";

            /// <summary>The input column: a vector of keys, Single, Double, Int32 or Int64. Defaults to <see cref="OutputColumnName"/>.</summary>
            public string? InputColumnName { get; set; }

            /// <summary>The fixed output length (in steps for a [steps, values] input). Null (default) learns it at Fit from <see cref="LengthPercentile"/> of the lengths seen.</summary>
            public int? Length { get; set; }

            /// <summary>When <see cref="Length"/> is null: the percentile (0, 100] of the training lengths to use; 100 (default) is the longest, as Keras does with <c>maxlen=None</c>.</summary>
            public double LengthPercentile { get; set; } = 100;

            /// <summary>Where padding goes; Keras' default <see cref="SequenceEnd.Pre"/>.</summary>
            public SequenceEnd Padding { get; set; } = SequenceEnd.Pre;

            /// <summary>Which end loses values when a sequence is too long; Keras' default <see cref="SequenceEnd.Pre"/>.</summary>
            public SequenceEnd Truncation { get; set; } = SequenceEnd.Pre;

            /// <summary>The padding value (default 0). For key columns it must be 0, the missing key, which also marks padding for this library's trainers.</summary>
            public double PadValue { get; set; }

            /// <summary>Optional Int32 column receiving each row's number of real (unpadded) values after truncation.</summary>
            public string? LengthColumnName { get; set; }

            /// <summary>Optional Boolean vector column, true at real values and false at padding.</summary>
            public string? MaskColumnName { get; set; }

            /// <summary>
            /// When true (default) an empty input sequence (an empty text, or one whose tokens were all dropped) becomes all
            /// padding, as in Keras, and the trainers score it as an empty sequence; when false it is an error naming the row.
            /// </summary>
            public bool AllowEmpty { get; set; } = true;

            internal void Validate()
            {
                ColumnChecks.RequireNonEmpty(OutputColumnName, nameof(OutputColumnName));
                if (Length is int l)
                    ColumnChecks.RequirePositive(l, nameof(Length));
                if (!(LengthPercentile > 0 && LengthPercentile <= 100))
                    throw new ArgumentOutOfRangeException(nameof(LengthPercentile), LengthPercentile, $"Option {nameof(LengthPercentile)} must be in (0, 100]; it was {LengthPercentile}.");
                ColumnChecks.RequireDefined(Padding, nameof(Padding));
                ColumnChecks.RequireDefined(Truncation, nameof(Truncation));
                var names = new[] { OutputColumnName, LengthColumnName, MaskColumnName }.Where(n => !string.IsNullOrEmpty(n)).ToList();
                if (names.Distinct().Count() != names.Count)
                    throw new ArgumentException($"Options {nameof(OutputColumnName)}, {nameof(LengthColumnName)} and {nameof(MaskColumnName)} must name different columns; got {string.Join(", ", names)}.");
            }
        }

        private readonly Options _options;

        /// <summary>Creates the estimator; prefer <c>mlContext.Transforms.PadSequences(...)</c>.</summary>
        /// <param name="options">The options; validated here.</param>
        public PadSequencesEstimator(Options options)
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
            var col = PadSequencesTransformer.CheckInput(ColumnChecks.Find(inputSchema, Input, nameof(Options.InputColumnName), PadSequencesTransformer.Expected), _options.PadValue);
            inputSchema.TryFind(Input, out var shape);
            var added = new List<SchemaShape.Column>
            {
                SchemaShapeFactory.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.Vector, col.ItemType, col.IsKey,
                    shape.Annotations.TryFind("KeyValues", out var kv) ? new SchemaShape(new[] { kv }) : null),
            };
            if (!string.IsNullOrEmpty(_options.LengthColumnName))
                added.Add(SchemaShapeFactory.Column(_options.LengthColumnName!, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Int32));
            if (!string.IsNullOrEmpty(_options.MaskColumnName))
                added.Add(SchemaShapeFactory.Column(_options.MaskColumnName!, SchemaShape.Column.VectorKind.Vector, BooleanDataViewType.Instance));
            return SchemaShapeFactory.With(inputSchema, added);
        }

        /// <summary>Checks the input column and, when <see cref="Options.Length"/> is null, learns the length from the data.</summary>
        /// <param name="input">Training data.</param>
        /// <returns>The fitted transformer.</returns>
        public PadSequencesTransformer Fit(IDataView input)
        {
            ArgumentNullException.ThrowIfNull(input);
            var col = PadSequencesTransformer.CheckInput(ColumnChecks.Find(input.Schema, Input, nameof(Options.InputColumnName), PadSequencesTransformer.Expected), _options.PadValue);
            int step = PadSequencesTransformer.ValuesPerStepOf(input.Schema[Input].Type);
            int length = _options.Length ?? LearnLength(input, step);
            return new PadSequencesTransformer(new PadSequencesTransformer.Config
            {
                ValuesPerStep = step,
                OutputColumnName = _options.OutputColumnName,
                InputColumnName = Input,
                Length = length,
                Padding = _options.Padding,
                Truncation = _options.Truncation,
                PadValue = _options.PadValue,
                LengthColumnName = string.IsNullOrEmpty(_options.LengthColumnName) ? null : _options.LengthColumnName,
                MaskColumnName = string.IsNullOrEmpty(_options.MaskColumnName) ? null : _options.MaskColumnName,
                AllowEmpty = _options.AllowEmpty,
            });
        }

        private int LearnLength(IDataView input, int step)
        {
            var column = input.Schema[Input];
            var lengths = new List<int>();
            using (var cursor = input.GetRowCursor(new[] { column }))
            {
                var getLength = VectorLength.Getter(cursor, column);
                while (cursor.MoveNext())
                    lengths.Add(PadSequencesTransformer.Steps(getLength(), step, Input, cursor.Position));
            }
            if (lengths.Count == 0)
                throw new InvalidOperationException($"Cannot learn the padded length of column '{Input}': the training data has no rows. Set option {nameof(Options.Length)}.");
            lengths.Sort();
            // Nearest-rank percentile.
            int rank = (int)Math.Ceiling(_options.LengthPercentile / 100.0 * lengths.Count);
            int length = lengths[Math.Clamp(rank - 1, 0, lengths.Count - 1)];
            if (length <= 0)
                throw new InvalidOperationException(
                    $"Cannot learn the padded length of column '{Input}': its {_options.LengthPercentile}th-percentile length is 0 (the sequences are empty). Set option {nameof(Options.Length)}.");
            return length;
        }
    }

    /// <summary>The fitted pad/truncate transform; see <see cref="PadSequencesEstimator"/>.</summary>
    public sealed class PadSequencesTransformer : SequenceTransformerBase, ISequencePersistable
    {
        internal const string Expected = "a vector of keys, Single, Double, Int32 or Int64 (e.g. token ids from EncodeTokens)";

        internal sealed class Config
        {
            public string OutputColumnName { get; set; } = "";
            public string InputColumnName { get; set; } = "";
            public int Length { get; set; }
            public SequenceEnd Padding { get; set; }
            public SequenceEnd Truncation { get; set; }
            public double PadValue { get; set; }
            public string? LengthColumnName { get; set; }
            public string? MaskColumnName { get; set; }
            public bool AllowEmpty { get; set; }
            /// <summary>Values per step: 1, or the second dimension of a [steps, values] input.</summary>
            public int ValuesPerStep { get; set; } = 1;
        }

        private readonly Config _config;

        internal PadSequencesTransformer(Config config)
        {
            _config = config;
        }

        /// <summary>The fixed output length (given, or learned at Fit).</summary>
        public int Length => _config.Length;

        /// <summary>Where padding goes.</summary>
        public SequenceEnd Padding => _config.Padding;

        /// <summary>Which end truncation removes.</summary>
        public SequenceEnd Truncation => _config.Truncation;

        /// <summary>Values per step of a column: the second dimension of a two-dimensional vector type, else 1.</summary>
        internal static int ValuesPerStepOf(DataViewType type) =>
            type is VectorDataViewType { Dimensions.Length: 2 } v && v.Dimensions[1] > 0 ? v.Dimensions[1] : 1;

        /// <summary>The number of steps in <paramref name="values"/> values; an error when they do not fill whole steps.</summary>
        internal static int Steps(int values, int step, string column, long row) =>
            values % step == 0 ? values / step
                : throw new InvalidOperationException($"Column '{column}' has {values} values at row {row}, not a whole number of steps of {step} values (its type's second dimension).");

        internal static ColumnTypeInfo CheckInput(ColumnTypeInfo c, double padValue)
        {
            var raw = c.RawType;
            bool ok = c.IsVector && (c.IsKey ? raw == typeof(uint) || raw == typeof(ulong)
                : raw == typeof(float) || raw == typeof(double) || raw == typeof(int) || raw == typeof(long));
            if (!ok)
                throw ColumnChecks.WrongType(c, nameof(PadSequencesEstimator.Options.InputColumnName), Expected);
            if (c.IsKey && padValue != 0)
                throw new ArgumentOutOfRangeException(nameof(PadSequencesEstimator.Options.PadValue), padValue,
                    $"Column '{c.Name}' holds keys, whose padding must be 0 (the missing key); option PadValue was {padValue}.");
            if ((raw == typeof(int) || raw == typeof(long)) && padValue != Math.Floor(padValue))
                throw new ArgumentOutOfRangeException(nameof(PadSequencesEstimator.Options.PadValue), padValue,
                    $"Column '{c.Name}' holds integers; option PadValue must be a whole number, it was {padValue}.");
            return c;
        }

        string ISequencePersistable.PartKind => "PadSequences";
        /// <summary>Version 2 adds steps of several values; a model padding single values stays readable by version-1 readers.</summary>
        int ISequencePersistable.PartVersion => _config.ValuesPerStep == 1 ? 1 : 2;
        void ISequencePersistable.SavePart(ModelPartWriter writer) => writer.WriteJson("config.json", PadSequencesConfigV2.From(_config));

        internal static PadSequencesTransformer Load(ModelPartReader reader)
        {
            reader.RequireVersion("PadSequences", 2);
            return new PadSequencesTransformer(reader.ReadJson<PadSequencesConfigV2>("config.json").ToConfig());
        }

        private protected override ColumnBinding Bind(DataViewSchema inputSchema) => new Binding(this, inputSchema);

        private sealed class Binding : ColumnBinding
        {
            private readonly Config _c;
            private readonly int _input;
            private readonly List<AddedColumn> _added = new();
            private readonly Type _raw;
            private readonly bool _isKey;

            public Binding(PadSequencesTransformer parent, DataViewSchema schema) : base(schema)
            {
                _c = parent._config;
                var info = CheckInput(ColumnChecks.Find(schema, _c.InputColumnName, nameof(PadSequencesEstimator.Options.InputColumnName), Expected), _c.PadValue);
                var col = schema[_c.InputColumnName];
                _input = col.Index;
                _raw = info.RawType;
                _isKey = info.IsKey;
                // Fitted on steps of several values: the input must still have them. Fitted on single values (every model
                // stored before format version 2 among them), any vector is padded value by value, as it was then.
                if (_c.ValuesPerStep > 1 && ValuesPerStepOf(col.Type) != _c.ValuesPerStep)
                    throw ColumnChecks.WrongType(info, nameof(PadSequencesEstimator.Options.InputColumnName),
                        $"a vector of steps of {_c.ValuesPerStep} values (dimensions [0, {_c.ValuesPerStep}]), as at Fit");
                var itemType = ((VectorDataViewType)col.Type).ItemType;
                var ann = new DataViewSchema.Annotations.Builder();
                ann.Add(col.Annotations, name => name == "KeyValues");
                var shape = _c.ValuesPerStep == 1 ? new[] { _c.Length } : new[] { _c.Length, _c.ValuesPerStep };
                _added.Add(new AddedColumn(_c.OutputColumnName, new VectorDataViewType((PrimitiveDataViewType)itemType, shape), ann.ToAnnotations()));
                if (_c.LengthColumnName != null)
                    _added.Add(new AddedColumn(_c.LengthColumnName, NumberDataViewType.Int32));
                if (_c.MaskColumnName != null)
                    _added.Add(new AddedColumn(_c.MaskColumnName, new VectorDataViewType(BooleanDataViewType.Instance, _c.Length)));
            }

            public override IReadOnlyList<AddedColumn> Added => _added;

            public override IEnumerable<int> Dependencies(int added) => new[] { _input };

            public override Delegate?[] MakeGetters(DataViewRow input, Func<int, bool> isAddedActive) =>
                ItemTypes.Dispatch(_raw, new GettersOf(this, input, isAddedActive));

            private readonly struct GettersOf : IItemTypeFunc<Delegate?[]>
            {
                private readonly Binding _b;
                private readonly DataViewRow _input;
                private readonly Func<int, bool> _active;

                public GettersOf(Binding b, DataViewRow input, Func<int, bool> active) { _b = b; _input = input; _active = active; }

                // Keys pad with 0, the missing key; numbers with PadValue.
                public Delegate?[] Invoke<T>() => _b.Make(_input, _active, _b._isKey ? default! : ItemTypes.FromDouble<T>(_b._c.PadValue));
            }

            private Delegate?[] Make<T>(DataViewRow input, Func<int, bool> isAddedActive, T pad)
            {
                var result = new Delegate?[_added.Count];
                if (!Enumerable.Range(0, _added.Count).Any(isAddedActive))
                    return result;
                var getter = input.GetGetter<VBuffer<T>>(input.Schema[_input]);
                var state = new PadState<T>(_c, getter, input, pad);
                int i = 0;
                if (isAddedActive(i)) result[i] = (ValueGetter<VBuffer<T>>)state.GetPadded;
                i++;
                if (_c.LengthColumnName != null)
                {
                    if (isAddedActive(i)) result[i] = (ValueGetter<int>)state.GetLength;
                    i++;
                }
                if (_c.MaskColumnName != null && isAddedActive(i))
                    result[i] = (ValueGetter<VBuffer<bool>>)state.GetMask;
                return result;
            }
        }

        /// <summary>Per-cursor state: reads the input once per row and serves the padded values, length and mask.</summary>
        private sealed class PadState<T>
        {
            private readonly Config _c;
            private readonly ValueGetter<VBuffer<T>> _getter;
            private readonly DataViewRow _row;
            private readonly T _pad;
            private readonly T[] _out;
            private T[] _scratch = Array.Empty<T>();
            private VBuffer<T> _src;
            private long _position = -1;
            private int _keep;

            public PadState(Config c, ValueGetter<VBuffer<T>> getter, DataViewRow row, T pad)
            {
                _c = c; _getter = getter; _row = row; _pad = pad;
                _out = new T[c.Length * c.ValuesPerStep];
            }

            private void Ensure()
            {
                if (_position == _row.Position && _position >= 0)
                    return;
                _getter(ref _src);
                var values = Buffers.Dense(_src, ref _scratch);
                int w = _c.ValuesPerStep;
                int n = Steps(values.Length, w, _c.InputColumnName, _row.Position);
                if (n == 0 && !_c.AllowEmpty)
                    throw new InvalidOperationException(
                        $"Column '{_c.InputColumnName}' has an empty sequence at row {_row.Position}. Remove such rows (e.g. with mlContext.Data.FilterByCustomPredicate) or set PadSequences option AllowEmpty = true to pad them fully.");
                int L = _c.Length;
                _keep = Math.Min(n, L);
                int srcStart = _c.Truncation == SequenceEnd.Pre ? n - _keep : 0;
                int dstStart = _c.Padding == SequenceEnd.Pre ? L - _keep : 0;
                var o = _out.AsSpan();
                o.Fill(_pad);
                values.Slice(srcStart * w, _keep * w).CopyTo(o.Slice(dstStart * w));
                _position = _row.Position;
            }

            public void GetPadded(ref VBuffer<T> dst)
            {
                Ensure();
                Buffers.Write(ref dst, _out);
            }

            public void GetLength(ref int dst)
            {
                Ensure();
                dst = _keep;
            }

            public void GetMask(ref VBuffer<bool> dst)
            {
                Ensure();
                int L = _c.Length;
                var editor = VBufferEditor.Create(ref dst, L);
                int start = _c.Padding == SequenceEnd.Pre ? L - _keep : 0;
                for (int i = 0; i < L; i++)
                    editor.Values[i] = i >= start && i < start + _keep;
                dst = editor.Commit();
            }
        }
    }
}
