using System;
using System.IO;
using System.Text;

namespace MLNet.Sequence.Tests.Audio;

/// <summary>Writes small RIFF/WAVE files for the tests (the layout of the WAVE format: RIFF header, fmt chunk, data chunk).</summary>
internal static class Wav
{
    /// <summary>A WAV file of interleaved samples in [-1, 1]: 16-bit PCM, or 32-bit IEEE float when <paramref name="ieeeFloat"/>.</summary>
    public static byte[] Bytes(float[] interleaved, int sampleRate, int channels = 1, bool ieeeFloat = false)
    {
        using var data = new MemoryStream();
        using (var w = new BinaryWriter(data, Encoding.ASCII, leaveOpen: true))
            foreach (var x in interleaved)
                if (ieeeFloat) w.Write(x);
                else w.Write((short)Math.Clamp(Math.Round(x * 32768.0), short.MinValue, short.MaxValue));
        return WithHeader(data.ToArray(), sampleRate, channels, format: (short)(ieeeFloat ? 3 : 1), bits: (short)(ieeeFloat ? 32 : 16));
    }

    /// <summary>A file with the given format code and raw data bytes (e.g. format 7, mu-law, which LoadAudio refuses).</summary>
    public static byte[] WithHeader(byte[] data, int sampleRate, int channels, short format, short bits)
    {
        using var file = new MemoryStream();
        using var w = new BinaryWriter(file, Encoding.ASCII);
        int blockAlign = channels * bits / 8;
        w.Write(Encoding.ASCII.GetBytes("RIFF"));
        w.Write(4 + 8 + 16 + 8 + data.Length);
        w.Write(Encoding.ASCII.GetBytes("WAVE"));
        w.Write(Encoding.ASCII.GetBytes("fmt "));
        w.Write(16);
        w.Write(format);
        w.Write((short)channels);
        w.Write(sampleRate);
        w.Write(sampleRate * blockAlign);
        w.Write((short)blockAlign);
        w.Write(bits);
        w.Write(Encoding.ASCII.GetBytes("data"));
        w.Write(data.Length);
        w.Write(data);
        w.Flush();
        return file.ToArray();
    }

    /// <summary>Reads a 16-bit PCM mono file's samples by walking its chunks, as the format defines them: the test's own reader.</summary>
    public static float[] Read16BitMono(byte[] file)
    {
        int pos = 12;
        while (pos + 8 <= file.Length)
        {
            string id = Encoding.ASCII.GetString(file, pos, 4);
            int size = BitConverter.ToInt32(file, pos + 4);
            if (id == "data")
            {
                var samples = new float[size / 2];
                for (int i = 0; i < samples.Length; i++)
                    samples[i] = BitConverter.ToInt16(file, pos + 8 + 2 * i) / 32768f;
                return samples;
            }
            pos += 8 + size + (size & 1);
        }
        throw new InvalidDataException("no data chunk");
    }

    /// <summary>A deterministic test signal: two tones and a little noise.</summary>
    public static float[] Tones(int sampleRate, double seconds, double f1 = 440, double f2 = 1250, int seed = 1)
    {
        var random = new Random(seed);
        var x = new float[(int)(sampleRate * seconds)];
        for (int n = 0; n < x.Length; n++)
        {
            double t = (double)n / sampleRate;
            x[n] = (float)(0.5 * Math.Sin(2 * Math.PI * f1 * t) + 0.25 * Math.Sin(2 * Math.PI * f2 * t) + 0.01 * (random.NextDouble() - 0.5));
        }
        return x;
    }
}
