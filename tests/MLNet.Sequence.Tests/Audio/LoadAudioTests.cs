using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Transforms.Audio;

namespace MLNet.Sequence.Tests.Audio;

[TestClass]
public sealed class LoadAudioTests
{
    private sealed class PathRow
    {
        public string Path { get; set; } = "";
    }

    private sealed class BytesRow
    {
        [VectorType] public byte[] Wav { get; set; } = Array.Empty<byte>();
    }

    private static float[] Load(MLContext ml, string path, int rate)
    {
        var data = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = path } });
        return TestData.Vectors<float>(ml.Transforms.LoadAudio("Audio", "Path", rate).Fit(data).Transform(data), "Audio")[0];
    }

    private static float[] LoadBytes(MLContext ml, byte[] wav, int rate)
    {
        var data = ml.Data.LoadFromEnumerable(new[] { new BytesRow { Wav = wav } });
        return TestData.Vectors<float>(ml.Transforms.LoadAudio("Audio", "Wav", rate).Fit(data).Transform(data), "Audio")[0];
    }

    private static string Temp(byte[] bytes)
    {
        var path = Path.Combine(Path.GetTempPath(), $"audio-{Guid.NewGuid():N}.wav");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [TestMethod]
    public void ReadsARecordingFromItsPathAndFromItsBytes()
    {
        var ml = new MLContext(1);
        var path = TestData.PathOf("speech/fsdd/0_george_0.wav");
        var bytes = File.ReadAllBytes(path);
        var expected = Wav.Read16BitMono(bytes);
        var fromPath = Load(ml, path, 8000);
        CollectionAssert.AreEqual(expected, fromPath, "16-bit samples divided by 32768");
        CollectionAssert.AreEqual(expected, LoadBytes(ml, bytes, 8000));
        // The rate travels as an annotation.
        var data = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = path } });
        var column = ml.Transforms.LoadAudio("Audio", "Path", 8000).Fit(data).Transform(data).Schema["Audio"];
        int rate = 0;
        column.Annotations.GetValue(LoadAudioTransformer.SampleRateAnnotation, ref rate);
        Assert.AreEqual(8000, rate);
    }

    [TestMethod]
    public void AveragesChannelsAndReadsFloatSamples()
    {
        var ml = new MLContext(1);
        var tone = Wav.Tones(8000, 0.1);
        var stereo = tone.SelectMany(x => new[] { x, -0.5f * x }).ToArray();
        var mono = LoadBytes(ml, Wav.Bytes(stereo, 8000, channels: 2), 8000);
        Assert.HasCount(tone.Length, mono);
        for (int i = 0; i < tone.Length; i++)
            Assert.AreEqual(0.25 * tone[i], mono[i], 1.5 / 32768, $"sample {i}");
        var floats = LoadBytes(ml, Wav.Bytes(tone, 8000, ieeeFloat: true), 8000);
        CollectionAssert.AreEqual(tone, floats, "32-bit float samples are read exactly");
    }

    [TestMethod]
    public void ResamplesKeepingTheTone()
    {
        var ml = new MLContext(1);
        var tone = Enumerable.Range(0, 8000).Select(n => (float)(0.5 * Math.Sin(2 * Math.PI * 1000 * n / 8000.0))).ToArray();
        var up = LoadBytes(ml, Wav.Bytes(tone, 8000, ieeeFloat: true), 16000);
        Assert.HasCount(16000, up);
        // Away from the edges the resampled signal is the same sine at the new rate.
        double err = 0;
        int count = 0;
        for (int n = 200; n < 15800; n++, count++)
            err += Math.Pow(up[n] - 0.5 * Math.Sin(2 * Math.PI * 1000 * n / 16000.0), 2);
        Assert.IsLessThan(0.01, Math.Sqrt(err / count), "RMS error of 8 -> 16 kHz against the analytic sine");
        var down = LoadBytes(ml, Wav.Bytes(up, 16000, ieeeFloat: true), 8000);
        Assert.HasCount(8000, down);
        // 44.1 kHz (ratio 160/441: windowed-sinc interpolation) to 16 kHz, a 700 Hz tone.
        var cd = Enumerable.Range(0, 44100).Select(n => (float)(0.5 * Math.Sin(2 * Math.PI * 700 * n / 44100.0))).ToArray();
        var speech = LoadBytes(ml, Wav.Bytes(cd, 44100, ieeeFloat: true), 16000);
        Assert.HasCount(16000, speech);
        err = 0;
        count = 0;
        for (int n = 200; n < 15800; n++, count++)
            err += Math.Pow(speech[n] - 0.5 * Math.Sin(2 * Math.PI * 700 * n / 16000.0), 2);
        Assert.IsLessThan(0.01, Math.Sqrt(err / count), "RMS error of 44.1 -> 16 kHz against the analytic sine");
    }

    [TestMethod]
    public void BadFilesAreClearErrors()
    {
        var ml = new MLContext(1);
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.wav");
        var e1 = Assert.ThrowsExactly<FileNotFoundException>(() => Load(ml, missing, 8000));
        Assert.Contains(missing, e1.Message);
        Assert.Contains("'Path'", e1.Message);
        Assert.Contains("row 0", e1.Message);

        var muLaw = Temp(Wav.WithHeader(new byte[800], 8000, 1, format: 7, bits: 8));
        var empty = Temp(Wav.WithHeader(Array.Empty<byte>(), 8000, 1, format: 1, bits: 16));
        var text = Temp(System.Text.Encoding.ASCII.GetBytes("this is not audio at all, just some text bytes"));
        try
        {
            var e2 = Assert.ThrowsExactly<InvalidDataException>(() => Load(ml, muLaw, 8000));
            Assert.Contains("MuLaw", e2.Message);
            Assert.Contains(muLaw, e2.Message);
            var e3 = Assert.ThrowsExactly<InvalidDataException>(() => Load(ml, empty, 8000));
            Assert.Contains("no audio samples", e3.Message);
            var e4 = Assert.ThrowsExactly<InvalidDataException>(() => Load(ml, text, 8000));
            Assert.Contains("not a readable WAV", e4.Message);
        }
        finally
        {
            File.Delete(muLaw);
            File.Delete(empty);
            File.Delete(text);
        }
        var e5 = Assert.ThrowsExactly<InvalidDataException>(() => LoadBytes(ml, Array.Empty<byte>(), 8000));
        Assert.Contains("'Wav'", e5.Message);
        var e6 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.LoadAudio("Audio", "Path", sampleRate: 100));
        Assert.Contains("SampleRate", e6.Message);
    }

    [TestMethod]
    public void ContractRelativePathsAndWrongTypes()
    {
        var ml = new MLContext(1);
        var folder = Path.GetDirectoryName(TestData.PathOf("speech/fsdd/0_george_0.wav"))!;
        var data = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = "0_george_0.wav" }, new PathRow { Path = "1_lucas_3.wav" } });
        var wrong = ml.Data.LoadFromEnumerable(new[] { new { Path = 3f } });
        EstimatorContract.Verify(ml, new EstimatorContract.Case<LoadAudioTransformer>
        {
            Estimator = ml.Transforms.LoadAudio(new LoadAudioEstimator.Options { OutputColumnName = "Audio", InputColumnName = "Path", SampleRate = 8000, BaseDirectory = folder }),
            Train = data,
            OutputColumns = new[] { "Audio" },
            BadInputs = { ("a number, not a path", wrong, "Path") },
        });
    }
}
