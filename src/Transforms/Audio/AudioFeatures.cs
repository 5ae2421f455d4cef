using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Transforms.Internal;
using MLNet.Sequence.Transforms.Persistence;
using NWaves.FeatureExtractors;
using NWaves.FeatureExtractors.Base;
using NWaves.FeatureExtractors.Options;
using NWaves.Filters.Fda;
using NWaves.Utils;

namespace MLNet.Sequence.Transforms.Audio
{
    /// <summary>Which spectral features <see cref="AudioFeaturesEstimator"/> computes per frame.</summary>
    public enum AudioFeatureKind
    {
        /// <summary>Log (natural) energies of a mel filter bank: <see cref="AudioFeaturesEstimator.Options.NumberOfMelBands"/> values per frame.</summary>
        LogMel,
        /// <summary>Mel-frequency cepstral coefficients: the orthonormal DCT-II of the log-mel energies, the first <see cref="AudioFeaturesEstimator.Options.NumberOfCoefficients"/> kept.</summary>
        Mfcc,
    }

    /// <summary>Per-utterance normalisation of each feature over the frames.</summary>
    public enum AudioFeatureNormalization
    {
        /// <summary>Features as computed.</summary>
        None,
        /// <summary>Each feature's mean over the utterance subtracted (cepstral mean normalisation).</summary>
        Mean,
        /// <summary>Mean subtracted and divided by the standard deviation over the utterance.</summary>
        MeanVariance,
    }

    /// <summary>
    /// Turns a column of audio samples (e.g. from <c>LoadAudio</c>) into a sequence of spectral frames: log-mel energies or
    /// MFCCs, optionally with deltas, normalised per utterance. The output is a variable-length Single vector of shape
    /// [frames, features] (its type's dimensions are [0, features]), which <c>PadSequences</c> pads frame by frame to a
    /// fixed [length, features] for the sequence trainers, with a mask.
    /// </summary>
    /// <remarks>
    /// Per frame (NWaves does the signal processing): pre-emphasis y[n] = x[n] - a·x[n-1] over the whole signal, a Hamming
    /// window of <see cref="Options.FrameDuration"/> every <see cref="Options.HopDuration"/>, zero-padded to the FFT size,
    /// the power spectrum |X[k]|², triangular filters evenly spaced on the HTK mel scale (1127·ln(1 + f/700)) between
    /// <see cref="Options.MinimumFrequency"/> and <see cref="Options.MaximumFrequency"/>, the natural log of each band's
    /// energy (floored at 1e-10) and, for MFCCs, the orthonormal DCT-II. A signal shorter than one frame is zero-padded
    /// to one frame. Deltas use the regression formula over ±2 frames (HTK), edges repeated.
    /// </remarks>
    public sealed class AudioFeaturesEstimator : IEstimator<AudioFeaturesTransformer>
    {
        /// <summary>Options of <see cref="AudioFeaturesEstimator"/>.</summary>
        public sealed class Options
        {
            /// <summary>The output column: a variable-length Single vector of shape [frames, features].</summary>
            public string OutputColumnName { get; set; } = "";

            /// <summary>The input: a vector of Single samples. Defaults to <see cref="OutputColumnName"/>.</summary>
            public string? InputColumnName { get; set; }

            /// <summary>Log-mel energies or MFCCs (default).</summary>
            public AudioFeatureKind Kind { get; set; } = AudioFeatureKind.Mfcc;

            /// <summary>The input's sample rate in Hz. Null (default): read from the input column's <c>SampleRate</c> annotation, which <c>LoadAudio</c> writes.</summary>
            public int? SampleRate { get; set; }

            /// <summary>Analysis window length in seconds. Default 0.025.</summary>
            public double FrameDuration { get; set; } = 0.025;

            /// <summary>Step between frames in seconds. Default 0.010.</summary>
            public double HopDuration { get; set; } = 0.010;

            /// <summary>FFT size in samples (a power of two at least the frame length). Null (default): the smallest such power of two.</summary>
            public int? FftSize { get; set; }

            /// <summary>Number of mel filters. Default 40.</summary>
            public int NumberOfMelBands { get; set; } = 40;

            /// <summary>For <see cref="AudioFeatureKind.Mfcc"/>: coefficients kept (at most <see cref="NumberOfMelBands"/>). Default 13.</summary>
            public int NumberOfCoefficients { get; set; } = 13;

            /// <summary>Lowest filter edge in Hz. Default 0.</summary>
            public double MinimumFrequency { get; set; }

            /// <summary>Highest filter edge in Hz. Null (default): half the sample rate.</summary>
            public double? MaximumFrequency { get; set; }

            /// <summary>Pre-emphasis coefficient a in [0, 1); 0 turns it off. Default 0.97.</summary>
            public double PreEmphasis { get; set; } = 0.97;

            /// <summary>0 (default): the features only; 1: with their deltas; 2: with deltas and delta-deltas (3× the features).</summary>
            public int DeltaOrder { get; set; }

            /// <summary>Per-utterance normalisation; default <see cref="AudioFeatureNormalization.MeanVariance"/>.</summary>
            public AudioFeatureNormalization Normalization { get; set; } = AudioFeatureNormalization.MeanVariance;

            /// <summary>Optional Int32 column receiving each row's number of frames.</summary>
            public string? LengthColumnName { get; set; }

            internal void Validate()
            {
                ColumnChecks.RequireNonEmpty(OutputColumnName, nameof(OutputColumnName));
                ColumnChecks.RequireDefined(Kind, nameof(Kind));
                ColumnChecks.RequireDefined(Normalization, nameof(Normalization));
                if (SampleRate is int r && r <= 0)
                    throw new ArgumentOutOfRangeException(nameof(SampleRate), r, $"Option {nameof(SampleRate)} must be positive; it was {r}.");
                if (!(FrameDuration > 0 && FrameDuration <= 1))
                    throw new ArgumentOutOfRangeException(nameof(FrameDuration), FrameDuration, $"Option {nameof(FrameDuration)} must be in (0, 1] seconds; it was {FrameDuration}.");
                if (!(HopDuration > 0 && HopDuration <= FrameDuration))
                    throw new ArgumentOutOfRangeException(nameof(HopDuration), HopDuration, $"Option {nameof(HopDuration)} must be in (0, {nameof(FrameDuration)}] seconds; it was {HopDuration}.");
                if (FftSize is int f && (f <= 0 || (f & (f - 1)) != 0))
                    throw new ArgumentOutOfRangeException(nameof(FftSize), f, $"Option {nameof(FftSize)} must be a power of two; it was {f}.");
                ColumnChecks.RequirePositive(NumberOfMelBands, nameof(NumberOfMelBands));
                if (Kind == AudioFeatureKind.Mfcc && (NumberOfCoefficients <= 0 || NumberOfCoefficients > NumberOfMelBands))
                    throw new ArgumentOutOfRangeException(nameof(NumberOfCoefficients), NumberOfCoefficients, $"Option {nameof(NumberOfCoefficients)} must be between 1 and {nameof(NumberOfMelBands)} ({NumberOfMelBands}); it was {NumberOfCoefficients}.");
                if (!(MinimumFrequency >= 0))
                    throw new ArgumentOutOfRangeException(nameof(MinimumFrequency), MinimumFrequency, $"Option {nameof(MinimumFrequency)} must be at least 0 Hz; it was {MinimumFrequency}.");
                if (MaximumFrequency is double hi && !(hi > MinimumFrequency))
                    throw new ArgumentOutOfRangeException(nameof(MaximumFrequency), hi, $"Option {nameof(MaximumFrequency)} must be above {nameof(MinimumFrequency)} ({MinimumFrequency} Hz); it was {hi}.");
                if (!(PreEmphasis >= 0 && PreEmphasis < 1))
                    throw new ArgumentOutOfRangeException(nameof(PreEmphasis), PreEmphasis, $"Option {nameof(PreEmphasis)} must be in [0, 1); it was {PreEmphasis}.");
                if (DeltaOrder is < 0 or > 2)
                    throw new ArgumentOutOfRangeException(nameof(DeltaOrder), DeltaOrder, $"Option {nameof(DeltaOrder)} must be 0, 1 or 2; it was {DeltaOrder}.");
                if (LengthColumnName == OutputColumnName)
                    throw new ArgumentException($"Options {nameof(OutputColumnName)} and {nameof(LengthColumnName)} must name different columns; both were '{OutputColumnName}'.");
            }
        }

        private readonly Options _options;

        /// <summary>Creates the estimator; prefer <c>mlContext.Transforms.ExtractAudioFeatures(...)</c>.</summary>
        /// <param name="options">The options; validated here.</param>
        public AudioFeaturesEstimator(Options options)
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
            AudioFeaturesTransformer.CheckInput(ColumnChecks.Find(inputSchema, Input, nameof(Options.InputColumnName), AudioFeaturesTransformer.Expected));
            inputSchema.TryFind(Input, out var shape);
            if (_options.SampleRate is null && !shape.Annotations.TryFind(LoadAudioTransformer.SampleRateAnnotation, out _))
                throw AudioFeaturesTransformer.NoRate(Input);
            var added = new List<SchemaShape.Column> { SchemaShapeFactory.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.VariableVector, NumberDataViewType.Single) };
            if (!string.IsNullOrEmpty(_options.LengthColumnName))
                added.Add(SchemaShapeFactory.Column(_options.LengthColumnName!, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Int32));
            return SchemaShapeFactory.With(inputSchema, added);
        }

        /// <summary>Checks the input and fixes the sample rate and the feature layout; reads no data.</summary>
        /// <param name="input">Training data.</param>
        /// <returns>The fitted transformer.</returns>
        public AudioFeaturesTransformer Fit(IDataView input)
        {
            ArgumentNullException.ThrowIfNull(input);
            var column = input.Schema[AudioFeaturesTransformer.CheckInput(ColumnChecks.Find(input.Schema, Input, nameof(Options.InputColumnName), AudioFeaturesTransformer.Expected)).Name];
            int rate = _options.SampleRate ?? AudioFeaturesTransformer.RateOf(column) ?? throw AudioFeaturesTransformer.NoRate(Input);
            var o = _options;
            if ((o.MaximumFrequency ?? rate / 2.0) > rate / 2.0 || o.MinimumFrequency >= (o.MaximumFrequency ?? rate / 2.0))
                throw new ArgumentOutOfRangeException(nameof(Options.MaximumFrequency),
                    $"The filter bank must lie between 0 and half the sample rate ({rate / 2.0} Hz); options {nameof(Options.MinimumFrequency)} = {o.MinimumFrequency} and {nameof(Options.MaximumFrequency)} = {o.MaximumFrequency?.ToString() ?? "null"}.");
            int frame = (int)Math.Round(rate * o.FrameDuration, MidpointRounding.AwayFromZero);
            int hop = (int)Math.Round(rate * o.HopDuration, MidpointRounding.AwayFromZero);
            if (frame < 2 || hop < 1)
                throw new ArgumentOutOfRangeException(nameof(Options.FrameDuration), $"At {rate} Hz, option {nameof(Options.FrameDuration)} ({o.FrameDuration} s) gives {frame} samples per frame and {nameof(Options.HopDuration)} ({o.HopDuration} s) {hop}; both must be at least 2 and 1.");
            int fft = o.FftSize ?? MathUtils.NextPowerOfTwo(frame);
            if (fft < frame)
                throw new ArgumentOutOfRangeException(nameof(Options.FftSize), fft, $"Option {nameof(Options.FftSize)} ({fft}) must be at least the frame length ({frame} samples at {rate} Hz).");
            return new AudioFeaturesTransformer(new AudioFeaturesTransformer.Config
            {
                OutputColumnName = o.OutputColumnName,
                InputColumnName = Input,
                Kind = o.Kind,
                SampleRate = rate,
                FrameSize = frame,
                HopSize = hop,
                FftSize = fft,
                NumberOfMelBands = o.NumberOfMelBands,
                NumberOfCoefficients = o.Kind == AudioFeatureKind.Mfcc ? o.NumberOfCoefficients : o.NumberOfMelBands,
                MinimumFrequency = o.MinimumFrequency,
                MaximumFrequency = o.MaximumFrequency ?? rate / 2.0,
                PreEmphasis = o.PreEmphasis,
                DeltaOrder = o.DeltaOrder,
                Normalization = o.Normalization,
                LengthColumnName = string.IsNullOrEmpty(o.LengthColumnName) ? null : o.LengthColumnName,
            });
        }
    }

    /// <summary>The fitted feature extractor; see <see cref="AudioFeaturesEstimator"/>.</summary>
    public sealed class AudioFeaturesTransformer : SequenceTransformerBase, ISequencePersistable
    {
        internal const string Expected = "a vector of Single audio samples (e.g. from LoadAudio)";
        private const float LogFloor = 1e-10f;

        internal sealed class Config
        {
            public string OutputColumnName { get; set; } = "";
            public string InputColumnName { get; set; } = "";
            public AudioFeatureKind Kind { get; set; }
            public int SampleRate { get; set; }
            public int FrameSize { get; set; }
            public int HopSize { get; set; }
            public int FftSize { get; set; }
            public int NumberOfMelBands { get; set; }
            public int NumberOfCoefficients { get; set; }
            public double MinimumFrequency { get; set; }
            public double MaximumFrequency { get; set; }
            public double PreEmphasis { get; set; }
            public int DeltaOrder { get; set; }
            public AudioFeatureNormalization Normalization { get; set; }
            public string? LengthColumnName { get; set; }
        }

        private readonly Config _config;
        private readonly float[][] _filterBank;

        internal AudioFeaturesTransformer(Config config)
        {
            _config = config;
            var bands = FilterBanks.MelBands(config.NumberOfMelBands, config.SampleRate, config.MinimumFrequency, config.MaximumFrequency);
            _filterBank = FilterBanks.Triangular(config.FftSize, config.SampleRate, bands, mapper: Scale.HerzToMel);
        }

        /// <summary>Features per frame: the base features times (1 + <c>DeltaOrder</c>).</summary>
        public int FeaturesPerFrame => _config.NumberOfCoefficients * (1 + _config.DeltaOrder);

        /// <summary>The sample rate the transformer expects, in Hz.</summary>
        public int SampleRate => _config.SampleRate;

        /// <summary>Samples between frame starts.</summary>
        public int HopSize => _config.HopSize;

        /// <summary>Samples per frame.</summary>
        public int FrameSize => _config.FrameSize;

        internal static ColumnTypeInfo CheckInput(ColumnTypeInfo c) =>
            c.IsVector && !c.IsKey && c.RawType == typeof(float) ? c : throw ColumnChecks.WrongType(c, nameof(AudioFeaturesEstimator.Options.InputColumnName), Expected);

        internal static int? RateOf(DataViewSchema.Column column)
        {
            var a = column.Annotations.Schema.GetColumnOrNull(LoadAudioTransformer.SampleRateAnnotation);
            if (a is null || a.Value.Type != NumberDataViewType.Int32)
                return null;
            int rate = 0;
            column.Annotations.GetValue(LoadAudioTransformer.SampleRateAnnotation, ref rate);
            return rate > 0 ? rate : null;
        }

        internal static ArgumentOutOfRangeException NoRate(string column) =>
            new(nameof(AudioFeaturesEstimator.Options.SampleRate),
                $"Input column '{column}' does not say its sample rate (no Int32 'SampleRate' annotation, which LoadAudio writes); set option {nameof(AudioFeaturesEstimator.Options.SampleRate)}.");

        string ISequencePersistable.PartKind => "AudioFeatures";
        int ISequencePersistable.PartVersion => 1;
        void ISequencePersistable.SavePart(ModelPartWriter writer) => writer.WriteJson("config.json", AudioFeaturesConfigV1.From(_config));

        internal static AudioFeaturesTransformer Load(ModelPartReader reader)
        {
            reader.RequireVersion("AudioFeatures", 1);
            return new AudioFeaturesTransformer(reader.ReadJson<AudioFeaturesConfigV1>("config.json").ToConfig());
        }

        /// <summary>A new extractor per cursor: NWaves' extractors keep per-frame buffers, so they are not shared between threads.</summary>
        private FeatureExtractor NewExtractor()
        {
            var c = _config;
            if (c.Kind == AudioFeatureKind.Mfcc)
                return new MfccExtractor(new MfccOptions
                {
                    SamplingRate = c.SampleRate, FeatureCount = c.NumberOfCoefficients, FrameSize = c.FrameSize, HopSize = c.HopSize,
                    FilterBank = _filterBank, PreEmphasis = c.PreEmphasis, NonLinearity = NonLinearityType.LogE, LogFloor = LogFloor,
                    SpectrumType = SpectrumType.Power, DctType = "2N", Window = NWaves.Windows.WindowType.Hamming,
                });
            return new FilterbankExtractor(new FilterbankOptions
            {
                SamplingRate = c.SampleRate, FrameSize = c.FrameSize, HopSize = c.HopSize, FilterBank = _filterBank, PreEmphasis = c.PreEmphasis,
                NonLinearity = NonLinearityType.LogE, LogFloor = LogFloor, SpectrumType = SpectrumType.Power, Window = NWaves.Windows.WindowType.Hamming,
            });
        }

        /// <summary>The features of one signal, frame-major ([frames, features] flattened).</summary>
        private float[] Compute(FeatureExtractor extractor, ReadOnlySpan<float> samples, long row)
        {
            var c = _config;
            if (samples.IsEmpty)
                throw new InvalidOperationException($"Column '{c.InputColumnName}' has no audio samples at row {row}; expected at least one.");
            var signal = new float[Math.Max(samples.Length, c.FrameSize)];
            samples.CopyTo(signal);
            foreach (var x in samples)
                if (!float.IsFinite(x))
                    throw new InvalidOperationException($"Column '{c.InputColumnName}' has a NaN or infinite sample at row {row}.");
            var frames = extractor.ComputeFrom(signal);
            if (c.DeltaOrder > 0)
                FeaturePostProcessing.AddDeltas(frames, includeDeltaDelta: c.DeltaOrder == 2);
            int f = FeaturesPerFrame, n = frames.Count;
            var result = new float[n * f];
            for (int t = 0; t < n; t++)
                frames[t].AsSpan(0, f).CopyTo(result.AsSpan(t * f, f));
            Normalize(result, n, f, c.Normalization);
            return result;
        }

        private static void Normalize(float[] values, int frames, int features, AudioFeatureNormalization how)
        {
            if (how == AudioFeatureNormalization.None)
                return;
            for (int j = 0; j < features; j++)
            {
                double mean = 0;
                for (int t = 0; t < frames; t++) mean += values[t * features + j];
                mean /= frames;
                double scale = 1;
                if (how == AudioFeatureNormalization.MeanVariance)
                {
                    double var = 0;
                    for (int t = 0; t < frames; t++) { double d = values[t * features + j] - mean; var += d * d; }
                    scale = 1 / Math.Sqrt(var / frames + 1e-8);
                }
                for (int t = 0; t < frames; t++)
                    values[t * features + j] = (float)((values[t * features + j] - mean) * scale);
            }
        }

        private protected override ColumnBinding Bind(DataViewSchema inputSchema) => new Binding(this, inputSchema);

        private sealed class Binding : ColumnBinding
        {
            private readonly AudioFeaturesTransformer _p;
            private readonly int _input;
            private readonly AddedColumn[] _added;

            public Binding(AudioFeaturesTransformer p, DataViewSchema schema) : base(schema)
            {
                _p = p;
                var c = p._config;
                var info = CheckInput(ColumnChecks.Find(schema, c.InputColumnName, nameof(AudioFeaturesEstimator.Options.InputColumnName), Expected));
                var column = schema[info.Name];
                if (RateOf(column) is int rate && rate != c.SampleRate)
                    throw new ArgumentOutOfRangeException(nameof(AudioFeaturesEstimator.Options.SampleRate),
                        $"Input column '{c.InputColumnName}' holds audio at {rate} Hz, but the features were fitted for {c.SampleRate} Hz; load the audio at {c.SampleRate} Hz.");
                _input = column.Index;
                var added = new List<AddedColumn> { new AddedColumn(c.OutputColumnName, new VectorDataViewType(NumberDataViewType.Single, 0, p.FeaturesPerFrame)) };
                if (c.LengthColumnName != null)
                    added.Add(new AddedColumn(c.LengthColumnName, NumberDataViewType.Int32));
                _added = added.ToArray();
            }

            public override IReadOnlyList<AddedColumn> Added => _added;
            public override IEnumerable<int> Dependencies(int added) => new[] { _input };

            public override Delegate?[] MakeGetters(DataViewRow input, Func<int, bool> isAddedActive)
            {
                var getters = new Delegate?[_added.Length];
                if (!Enumerable.Range(0, _added.Length).Any(isAddedActive))
                    return getters;
                var g = input.GetGetter<VBuffer<float>>(input.Schema[_input]);
                var extractor = _p.NewExtractor();
                VBuffer<float> src = default;
                var scratch = Array.Empty<float>();
                float[] features = Array.Empty<float>();
                long position = -1;
                void Ensure()
                {
                    if (position == input.Position && position >= 0)
                        return;
                    g(ref src);
                    features = _p.Compute(extractor, Buffers.Dense(src, ref scratch), input.Position);
                    position = input.Position;
                }
                if (isAddedActive(0))
                    getters[0] = (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) => { Ensure(); Buffers.Write(ref dst, features); });
                if (_added.Length > 1 && isAddedActive(1))
                    getters[1] = (ValueGetter<int>)((ref int dst) => { Ensure(); dst = features.Length / _p.FeaturesPerFrame; });
                return getters;
            }
        }
    }
}
