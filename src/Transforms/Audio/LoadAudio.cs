using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Transforms.Internal;
using MLNet.Sequence.Transforms.Persistence;

namespace MLNet.Sequence.Transforms.Audio
{
    /// <summary>
    /// Reads WAV audio named by a column of file paths (Text) or held in a column of bytes (a vector of Byte, the whole
    /// file) into a variable-length Single vector of mono samples in [-1, 1] at <see cref="Options.SampleRate"/>: several
    /// channels are averaged, other rates resampled. The output column carries the rate as its <c>SampleRate</c>
    /// annotation (Int32), which <c>ExtractAudioFeatures</c> reads. Nothing is read before a cursor asks for the column.
    /// </summary>
    /// <remarks>
    /// A missing file, an encoding other than PCM (8, 16, 24, 32 bit) or 32-bit IEEE float, and a file without samples are
    /// errors naming the column, the row and the file.
    /// </remarks>
    public sealed class LoadAudioEstimator : IEstimator<LoadAudioTransformer>
    {
        /// <summary>Options of <see cref="LoadAudioEstimator"/>.</summary>
        public sealed class Options
        {
            /// <summary>The output column: a variable-length Single vector of samples.</summary>
            public string OutputColumnName { get; set; } = "";

            /// <summary>The input: Text (a WAV file path) or a vector of Byte (a WAV file's bytes). Defaults to <see cref="OutputColumnName"/>.</summary>
            public string? InputColumnName { get; set; }

            /// <summary>The sample rate of the output in Hz; audio at another rate is resampled. Default 16000.</summary>
            public int SampleRate { get; set; } = 16000;

            /// <summary>For path input: the folder that relative paths are resolved against. Null (default): the current directory.</summary>
            public string? BaseDirectory { get; set; }

            internal void Validate()
            {
                ColumnChecks.RequireNonEmpty(OutputColumnName, nameof(OutputColumnName));
                if (SampleRate < 1000 || SampleRate > 384000)
                    throw new ArgumentOutOfRangeException(nameof(SampleRate), SampleRate, $"Option {nameof(SampleRate)} must be between 1000 and 384000 Hz; it was {SampleRate}.");
            }
        }

        private readonly Options _options;

        /// <summary>Creates the estimator; prefer <c>mlContext.Transforms.LoadAudio(...)</c>.</summary>
        /// <param name="options">The options; validated here.</param>
        public LoadAudioEstimator(Options options)
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
            LoadAudioTransformer.CheckInput(ColumnChecks.Find(inputSchema, Input, nameof(Options.InputColumnName), LoadAudioTransformer.Expected));
            var rate = SchemaShapeFactory.Column(LoadAudioTransformer.SampleRateAnnotation, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Int32);
            return SchemaShapeFactory.With(inputSchema, new[]
            {
                SchemaShapeFactory.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.VariableVector, NumberDataViewType.Single, false, new SchemaShape(new[] { rate })),
            });
        }

        /// <summary>Checks the input column's type; reads no audio.</summary>
        /// <param name="input">Training data.</param>
        /// <returns>The fitted transformer.</returns>
        public LoadAudioTransformer Fit(IDataView input)
        {
            ArgumentNullException.ThrowIfNull(input);
            var info = LoadAudioTransformer.CheckInput(ColumnChecks.Find(input.Schema, Input, nameof(Options.InputColumnName), LoadAudioTransformer.Expected));
            return new LoadAudioTransformer(new LoadAudioTransformer.Config
            {
                OutputColumnName = _options.OutputColumnName,
                InputColumnName = Input,
                SampleRate = _options.SampleRate,
                BaseDirectory = string.IsNullOrEmpty(_options.BaseDirectory) ? null : _options.BaseDirectory,
                BytesInput = !info.IsText,
            });
        }
    }

    /// <summary>The fitted audio reader; see <see cref="LoadAudioEstimator"/>.</summary>
    public sealed class LoadAudioTransformer : SequenceTransformerBase, ISequencePersistable
    {
        internal const string Expected = "Text (a WAV file path) or a vector of Byte (a WAV file's contents)";

        /// <summary>The name of the Int32 annotation on the output column that holds its sample rate.</summary>
        public const string SampleRateAnnotation = "SampleRate";

        internal sealed class Config
        {
            public string OutputColumnName { get; set; } = "";
            public string InputColumnName { get; set; } = "";
            public int SampleRate { get; set; }
            public string? BaseDirectory { get; set; }
            public bool BytesInput { get; set; }
        }

        private readonly Config _config;

        internal LoadAudioTransformer(Config config) => _config = config;

        /// <summary>The sample rate of the output in Hz.</summary>
        public int SampleRate => _config.SampleRate;

        internal static ColumnTypeInfo CheckInput(ColumnTypeInfo c)
        {
            bool ok = (c.Form == ColumnForm.Scalar && c.IsText) || (c.IsVector && !c.IsKey && c.RawType == typeof(byte));
            return ok ? c : throw ColumnChecks.WrongType(c, nameof(LoadAudioEstimator.Options.InputColumnName), Expected);
        }

        string ISequencePersistable.PartKind => "LoadAudio";
        int ISequencePersistable.PartVersion => 1;
        void ISequencePersistable.SavePart(ModelPartWriter writer) => writer.WriteJson("config.json", LoadAudioConfigV1.From(_config));

        internal static LoadAudioTransformer Load(ModelPartReader reader)
        {
            reader.RequireVersion("LoadAudio", 1);
            return new LoadAudioTransformer(reader.ReadJson<LoadAudioConfigV1>("config.json").ToConfig());
        }

        private protected override ColumnBinding Bind(DataViewSchema inputSchema) => new Binding(this, inputSchema);

        /// <summary>Reads one row's audio; <paramref name="row"/> only names it in errors.</summary>
        private float[] Read(string path, long row)
        {
            if (string.IsNullOrWhiteSpace(path))
                throw new InvalidDataException($"Column '{_config.InputColumnName}' has an empty file path at row {row}; expected the path of a WAV file.");
            var full = _config.BaseDirectory is null || Path.IsPathRooted(path) ? path : Path.Combine(_config.BaseDirectory, path);
            if (!File.Exists(full))
                throw new FileNotFoundException($"Column '{_config.InputColumnName}' names the audio file '{full}' at row {row}, which does not exist.", full);
            using var stream = File.OpenRead(full);
            return WaveDecoder.Decode(stream, _config.SampleRate, $"The audio file '{full}' (column '{_config.InputColumnName}', row {row})");
        }

        private float[] Read(ReadOnlySpan<byte> bytes, long row)
        {
            if (bytes.IsEmpty)
                throw new InvalidDataException($"Column '{_config.InputColumnName}' has no bytes at row {row}; expected a WAV file's contents.");
            using var stream = new MemoryStream(bytes.ToArray(), writable: false);
            return WaveDecoder.Decode(stream, _config.SampleRate, $"The audio bytes in column '{_config.InputColumnName}' at row {row}");
        }

        private sealed class Binding : ColumnBinding
        {
            private readonly LoadAudioTransformer _p;
            private readonly int _input;
            private readonly AddedColumn[] _added;

            public Binding(LoadAudioTransformer p, DataViewSchema schema) : base(schema)
            {
                _p = p;
                var c = p._config;
                var info = CheckInput(ColumnChecks.Find(schema, c.InputColumnName, nameof(LoadAudioEstimator.Options.InputColumnName), Expected));
                if (info.IsText == c.BytesInput)
                    throw ColumnChecks.WrongType(info, nameof(LoadAudioEstimator.Options.InputColumnName), c.BytesInput ? "a vector of Byte, as at Fit" : "Text, as at Fit");
                _input = schema[c.InputColumnName].Index;
                var ann = new DataViewSchema.Annotations.Builder();
                int rate = c.SampleRate;
                ann.Add(SampleRateAnnotation, NumberDataViewType.Int32, (ref int dst) => dst = rate);
                _added = new[] { new AddedColumn(c.OutputColumnName, new VectorDataViewType(NumberDataViewType.Single), ann.ToAnnotations()) };
            }

            public override IReadOnlyList<AddedColumn> Added => _added;
            public override IEnumerable<int> Dependencies(int added) => new[] { _input };

            public override Delegate?[] MakeGetters(DataViewRow input, Func<int, bool> isAddedActive)
            {
                var getters = new Delegate?[1];
                if (!isAddedActive(0))
                    return getters;
                var column = input.Schema[_input];
                Func<float[]> read;
                if (_p._config.BytesInput)
                {
                    var g = input.GetGetter<VBuffer<byte>>(column);
                    VBuffer<byte> bytes = default;
                    var scratch = Array.Empty<byte>();
                    read = () => { g(ref bytes); return _p.Read(Buffers.Dense(bytes, ref scratch), input.Position); };
                }
                else
                {
                    var g = input.GetGetter<ReadOnlyMemory<char>>(column);
                    ReadOnlyMemory<char> path = default;
                    read = () => { g(ref path); return _p.Read(path.ToString(), input.Position); };
                }
                long position = -1;
                float[] samples = Array.Empty<float>();
                getters[0] = (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
                {
                    if (position != input.Position || position < 0)
                    {
                        samples = read();
                        position = input.Position;
                    }
                    Buffers.Write(ref dst, samples);
                });
                return getters;
            }
        }
    }
}
