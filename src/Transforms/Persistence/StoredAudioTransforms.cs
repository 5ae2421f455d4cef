using System.IO;
using System.Text.Json.Serialization;
using MLNet.Sequence.Transforms.Audio;

namespace MLNet.Sequence.Transforms.Persistence
{
    /// <summary>LoadAudio config.json, version 1.</summary>
    internal sealed class LoadAudioConfigV1
    {
        [JsonPropertyName("OutputColumnName")] public string? OutputColumnName { get; set; }
        [JsonPropertyName("InputColumnName")] public string? InputColumnName { get; set; }
        [JsonPropertyName("SampleRate")] public int SampleRate { get; set; }
        [JsonPropertyName("BaseDirectory"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? BaseDirectory { get; set; }
        [JsonPropertyName("BytesInput")] public bool BytesInput { get; set; }

        public static LoadAudioConfigV1 From(LoadAudioTransformer.Config c) => new()
        {
            OutputColumnName = c.OutputColumnName, InputColumnName = c.InputColumnName, SampleRate = c.SampleRate, BaseDirectory = c.BaseDirectory, BytesInput = c.BytesInput,
        };

        public LoadAudioTransformer.Config ToConfig() => new()
        {
            OutputColumnName = StoredCheck.Name(OutputColumnName, "LoadAudio", "OutputColumnName"),
            InputColumnName = StoredCheck.Name(InputColumnName, "LoadAudio", "InputColumnName"),
            SampleRate = StoredCheck.Positive(SampleRate, "LoadAudio", "SampleRate"),
            BaseDirectory = BaseDirectory,
            BytesInput = BytesInput,
        };
    }

    /// <summary>AudioFeatures config.json, version 1: every size resolved at Fit, so loading recomputes the same filter bank.</summary>
    internal sealed class AudioFeaturesConfigV1
    {
        [JsonPropertyName("OutputColumnName")] public string? OutputColumnName { get; set; }
        [JsonPropertyName("InputColumnName")] public string? InputColumnName { get; set; }
        [JsonPropertyName("Kind")] public AudioFeatureKind Kind { get; set; }
        [JsonPropertyName("SampleRate")] public int SampleRate { get; set; }
        [JsonPropertyName("FrameSize")] public int FrameSize { get; set; }
        [JsonPropertyName("HopSize")] public int HopSize { get; set; }
        [JsonPropertyName("FftSize")] public int FftSize { get; set; }
        [JsonPropertyName("NumberOfMelBands")] public int NumberOfMelBands { get; set; }
        [JsonPropertyName("NumberOfCoefficients")] public int NumberOfCoefficients { get; set; }
        [JsonPropertyName("MinimumFrequency")] public double MinimumFrequency { get; set; }
        [JsonPropertyName("MaximumFrequency")] public double MaximumFrequency { get; set; }
        [JsonPropertyName("PreEmphasis")] public double PreEmphasis { get; set; }
        [JsonPropertyName("DeltaOrder")] public int DeltaOrder { get; set; }
        [JsonPropertyName("Normalization")] public AudioFeatureNormalization Normalization { get; set; }
        [JsonPropertyName("LengthColumnName"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? LengthColumnName { get; set; }

        public static AudioFeaturesConfigV1 From(AudioFeaturesTransformer.Config c) => new()
        {
            OutputColumnName = c.OutputColumnName, InputColumnName = c.InputColumnName, Kind = c.Kind, SampleRate = c.SampleRate, FrameSize = c.FrameSize,
            HopSize = c.HopSize, FftSize = c.FftSize, NumberOfMelBands = c.NumberOfMelBands, NumberOfCoefficients = c.NumberOfCoefficients,
            MinimumFrequency = c.MinimumFrequency, MaximumFrequency = c.MaximumFrequency, PreEmphasis = c.PreEmphasis, DeltaOrder = c.DeltaOrder,
            Normalization = c.Normalization, LengthColumnName = c.LengthColumnName,
        };

        public AudioFeaturesTransformer.Config ToConfig()
        {
            const string part = "AudioFeatures";
            int fft = StoredCheck.Positive(FftSize, part, "FftSize");
            int frame = StoredCheck.Positive(FrameSize, part, "FrameSize");
            if ((fft & (fft - 1)) != 0 || fft < frame)
                throw new InvalidDataException($"The stored {part} configuration has FftSize = {fft}; it must be a power of two of at least FrameSize ({frame}).");
            int bands = StoredCheck.Positive(NumberOfMelBands, part, "NumberOfMelBands");
            int coefficients = StoredCheck.Positive(NumberOfCoefficients, part, "NumberOfCoefficients");
            int rate = StoredCheck.Positive(SampleRate, part, "SampleRate");
            if (coefficients > bands || DeltaOrder is < 0 or > 2 || !(MinimumFrequency >= 0 && MaximumFrequency > MinimumFrequency && MaximumFrequency <= rate / 2.0)
                || !(PreEmphasis >= 0 && PreEmphasis < 1))
                throw new InvalidDataException($"The stored {part} configuration is inconsistent (coefficients {coefficients} of {bands} bands, deltas {DeltaOrder}, " +
                                               $"filters {MinimumFrequency}-{MaximumFrequency} Hz at {rate} Hz, pre-emphasis {PreEmphasis}).");
            return new()
            {
                OutputColumnName = StoredCheck.Name(OutputColumnName, part, "OutputColumnName"),
                InputColumnName = StoredCheck.Name(InputColumnName, part, "InputColumnName"),
                Kind = StoredCheck.Defined(Kind, part, "Kind"),
                SampleRate = rate, FrameSize = frame, HopSize = StoredCheck.Positive(HopSize, part, "HopSize"), FftSize = fft,
                NumberOfMelBands = bands, NumberOfCoefficients = coefficients, MinimumFrequency = MinimumFrequency, MaximumFrequency = MaximumFrequency,
                PreEmphasis = PreEmphasis, DeltaOrder = DeltaOrder, Normalization = StoredCheck.Defined(Normalization, part, "Normalization"),
                LengthColumnName = LengthColumnName,
            };
        }
    }
}
