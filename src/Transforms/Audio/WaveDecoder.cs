using System;
using System.IO;
using NAudio.Wave;
using NWaves.Filters.Base;
using NWaves.Filters.Fda;
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

        /// <summary>
        /// Band-limited resampling with NWaves. A ratio of small integers (8 to 16 kHz is 2/1, 48 to 16 kHz 1/3): zeros
        /// stuffed between samples, NWaves' windowed-sinc FIR low-pass (cut-off at the lower Nyquist frequency), every
        /// down-th sample kept, read from the filter's centre so the output is not delayed. Other ratios (44.1 to 16 kHz
        /// is 160/441) use NWaves' windowed-sinc interpolation, which needs no intermediate signal but is ~20× slower.
        /// </summary>
        public static float[] Resample(float[] samples, int fromRate, int toRate)
        {
            int g = Gcd(fromRate, toRate);
            int up = toRate / g, down = fromRate / g;
            if (up > 8 || down > 64)
                return ResampleBySinc(samples, fromRate, toRate);
            int factor = Math.Max(up, down);
            int taps = Math.Max(101, 8 * factor + 1);
            var lowPass = new FirFilter(DesignFilter.FirWinLp(taps, 0.5 / factor));
            var stuffed = new float[samples.Length * up];
            for (int i = 0; i < samples.Length; i++)
                stuffed[i * up] = up * samples[i];
            var filtered = lowPass.ApplyTo(new DiscreteSignal(fromRate * up, stuffed)).Samples;   // full convolution: delay (taps - 1) / 2
            int delay = (taps - 1) / 2;
            var output = new float[(int)((long)samples.Length * up / down)];
            for (int j = 0; j < output.Length; j++)
            {
                int at = delay + j * down;
                output[j] = at < filtered.Length ? filtered[at] : 0f;
            }
            return output;
        }

        /// <summary>
        /// NWaves' windowed-sinc interpolation. Going down, the signal is first low-passed below the new Nyquist frequency
        /// here, read from the filter's centre (NWaves' own pre-filter would delay the output by half its length); a filter
        /// passed to Resample tells it the signal is already band-limited.
        /// </summary>
        private static float[] ResampleBySinc(float[] samples, int fromRate, int toRate)
        {
            if (toRate > fromRate)
                return new Resampler().Resample(new DiscreteSignal(fromRate, samples), toRate).Samples;
            const int taps = 101;
            var lowPass = new FirFilter(DesignFilter.FirWinLp(taps, 0.5 * toRate / fromRate));
            var filtered = lowPass.ApplyTo(new DiscreteSignal(fromRate, samples)).Samples;
            var centred = new float[samples.Length];
            Array.Copy(filtered, (taps - 1) / 2, centred, 0, Math.Min(samples.Length, filtered.Length - (taps - 1) / 2));
            return new Resampler().Resample(new DiscreteSignal(fromRate, centred), toRate, lowPass).Samples;
        }

        private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);
    }

    internal static class WaveFormatExtensibleExtensions
    {
        /// <summary>The encoding a WAVE_FORMAT_EXTENSIBLE header's sub-format GUID stands for (its first two bytes).</summary>
        public static WaveFormatEncoding SubFormatEncoding(this WaveFormatExtensible format) =>
            (WaveFormatEncoding)BitConverter.ToUInt16(format.SubFormat.ToByteArray(), 0);
    }
}
