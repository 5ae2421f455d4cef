using System;
using System.IO;
using NAudio.Wave;
using NWaves.Operations;
using NWaves.Signals;

namespace MLNet.Sequence.Transforms.Audio
{
    /// <summary>
    /// Decodes a RIFF/WAVE file into mono samples at a target rate: NAudio reads the chunks and converts PCM (8, 16, 24,
    /// 32 bit) or IEEE float samples to [-1, 1]; channels are averaged; NWaves resamples (band-limited sinc interpolation).
    /// </summary>
    internal static class WaveDecoder
    {
        public const string Supported = "RIFF/WAVE with PCM (8, 16, 24 or 32 bit) or IEEE float (32 bit) samples";

        /// <summary>Decodes <paramref name="stream"/>; <paramref name="source"/> names it in errors (column, row, path).</summary>
        public static float[] Decode(Stream stream, int targetRate, string source)
        {
            WaveFileReader reader;
            try
            {
                reader = new WaveFileReader(stream);
            }
            catch (Exception e) when (e is FormatException or EndOfStreamException or InvalidDataException or ArgumentException)
            {
                throw new InvalidDataException($"{source} is not a readable WAV file ({e.Message}); expected {Supported}.", e);
            }
            using (reader)
            {
                var format = reader.WaveFormat;
                var encoding = format.Encoding == WaveFormatEncoding.Extensible ? ((WaveFormatExtensible)format).SubFormatEncoding() : format.Encoding;
                bool pcm = encoding == WaveFormatEncoding.Pcm && format.BitsPerSample is 8 or 16 or 24 or 32;
                bool ieee = encoding == WaveFormatEncoding.IeeeFloat && format.BitsPerSample == 32;
                if (!pcm && !ieee)
                    throw new InvalidDataException($"{source} holds {encoding} audio at {format.BitsPerSample} bits per sample, which LoadAudio cannot decode; expected {Supported}.");
                if (format.SampleRate <= 0 || format.Channels <= 0)
                    throw new InvalidDataException($"{source} declares {format.SampleRate} Hz and {format.Channels} channels; expected a positive rate and channel count.");
                int channels = format.Channels;
                long frames = reader.SampleCount;
                if (frames <= 0)
                    throw new InvalidDataException($"{source} holds no audio samples (zero-length data chunk).");
                if (frames > int.MaxValue / Math.Max(1, channels))
                    throw new InvalidDataException($"{source} holds {frames} samples per channel, more than LoadAudio reads into one row.");
                var interleaved = new float[frames * channels];
                var provider = reader.ToSampleProvider();
                int read = 0, n;
                while (read < interleaved.Length && (n = provider.Read(interleaved, read, interleaved.Length - read)) > 0)
                    read += n;
                int count = read / channels;
                if (count == 0)
                    throw new InvalidDataException($"{source} holds no audio samples (its data chunk is truncated).");
                var mono = new float[count];
                for (int i = 0; i < count; i++)
                {
                    float sum = 0;
                    for (int c = 0; c < channels; c++)
                        sum += interleaved[i * channels + c];
                    mono[i] = sum / channels;
                }
                return format.SampleRate == targetRate ? mono : Resample(mono, format.SampleRate, targetRate);
            }
        }

        /// <summary>Band-limited resampling by NWaves (low-pass filtered first when going down).</summary>
        public static float[] Resample(float[] samples, int fromRate, int toRate) =>
            new Resampler().Resample(new DiscreteSignal(fromRate, samples), toRate).Samples;
    }

    internal static class WaveFormatExtensibleExtensions
    {
        /// <summary>The encoding a WAVE_FORMAT_EXTENSIBLE header's sub-format GUID stands for (its first two bytes).</summary>
        public static WaveFormatEncoding SubFormatEncoding(this WaveFormatExtensible format) =>
            (WaveFormatEncoding)BitConverter.ToUInt16(format.SubFormat.ToByteArray(), 0);
    }
}
