using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Transforms;
using MLNet.Sequence.Transforms.Audio;

namespace MLNet.Sequence.Tests.Audio;

/// <summary>
/// The spectral features against an independent reference computed here from the formulas, in double precision with a
/// plain DFT: pre-emphasis y[n] = x[n] - a·x[n-1]; Hamming window w[n] = 0.54 - 0.46·cos(2πn/(N-1)); power spectrum;
/// triangular filters evenly spaced on the HTK mel scale m(f) = 1127·ln(1 + f/700), weights linear in mel (HTK Book 3.4,
/// section 5.4); natural log floored at 1e-10; orthonormal DCT-II c_k = sqrt(2/B)·Σ_b L_b·cos(πk(2b+1)/(2B)), c_0 scaled by
/// 1/sqrt(2); deltas by the HTK regression formula d_t = Σ_{n=1..2} n·(c_{t+n} - c_{t-n}) / (2·Σ n²), edges repeated.
/// </summary>
[TestClass]
public sealed class AudioFeatureTests
{
    private sealed class Clip
    {
        [VectorType] public float[] Samples { get; set; } = Array.Empty<float>();
    }

    private sealed class FlatFrames
    {
        [VectorType] public float[] Frames { get; set; } = Array.Empty<float>();
    }

    private const double Tolerance = 1e-3;

    private static double Mel(double hz) => 1127 * Math.Log(1 + hz / 700);

    /// <summary>Reference log-mel energies, [frames][bands].</summary>
    internal static double[][] ReferenceLogMel(float[] x, int rate, int frame, int hop, int fft, int bands, double lo, double hi, double a)
    {
        var y = new double[Math.Max(x.Length, frame)];
        for (int n = 0; n < x.Length; n++)
            y[n] = x[n] - a * (n > 0 ? x[n - 1] : 0);
        int frames = (y.Length - frame) / hop + 1;
        var edges = Enumerable.Range(0, bands + 2).Select(i => Mel(lo) + i * (Mel(hi) - Mel(lo)) / (bands + 1)).ToArray();
        var result = new double[frames][];
        for (int t = 0; t < frames; t++)
        {
            var s = new double[frame];
            for (int n = 0; n < frame; n++)
                s[n] = y[t * hop + n] * (0.54 - 0.46 * Math.Cos(2 * Math.PI * n / (frame - 1)));
            var power = new double[fft / 2 + 1];
            for (int k = 0; k < power.Length; k++)
            {
                double re = 0, im = 0;
                for (int n = 0; n < frame; n++)
                {
                    re += s[n] * Math.Cos(2 * Math.PI * k * n / fft);
                    im -= s[n] * Math.Sin(2 * Math.PI * k * n / fft);
                }
                power[k] = re * re + im * im;
            }
            result[t] = new double[bands];
            for (int b = 0; b < bands; b++)
            {
                double left = edges[b], center = edges[b + 1], right = edges[b + 2], e = 0;
                for (int k = 0; k < power.Length; k++)
                {
                    double m = Mel((double)k * rate / fft);
                    double w = m > left && m <= center ? (m - left) / (center - left) : m > center && m < right ? (right - m) / (right - center) : 0;
                    e += w * power[k];
                }
                result[t][b] = Math.Log(Math.Max(e, 1e-10));
            }
        }
        return result;
    }

    internal static double[][] ReferenceMfcc(double[][] logMel, int coefficients)
    {
        int bands = logMel[0].Length;
        return logMel.Select(l => Enumerable.Range(0, coefficients).Select(k =>
        {
            double c = Math.Sqrt(2.0 / bands) * Enumerable.Range(0, bands).Sum(b => l[b] * Math.Cos(Math.PI * k * (2 * b + 1) / (2.0 * bands)));
            return k == 0 ? c / Math.Sqrt(2) : c;
        }).ToArray()).ToArray();
    }

    private static double[][] ReferenceDeltas(double[][] c)
    {
        int T = c.Length, F = c[0].Length;
        double[] At(int t) => c[Math.Clamp(t, 0, T - 1)];
        return Enumerable.Range(0, T).Select(t => Enumerable.Range(0, F).Select(j =>
            (1 * (At(t + 1)[j] - At(t - 1)[j]) + 2 * (At(t + 2)[j] - At(t - 2)[j])) / 10.0).ToArray()).ToArray();
    }

    private static float[][] Frames(MLContext ml, float[] samples, AudioFeaturesEstimator.Options o)
    {
        o.OutputColumnName = "Frames";
        o.InputColumnName = "Samples";
        var data = ml.Data.LoadFromEnumerable(new[] { new Clip { Samples = samples } });
        var transformer = ml.Transforms.ExtractAudioFeatures(o).Fit(data);
        var row = TestData.Vectors<float>(transformer.Transform(data), "Frames")[0];
        int f = transformer.FeaturesPerFrame;
        Assert.AreEqual(0, row.Length % f);
        return Enumerable.Range(0, row.Length / f).Select(t => row.Skip(t * f).Take(f).ToArray()).ToArray();
    }

    private static void AssertClose(double[][] expected, float[][] actual, int offset, string what)
    {
        Assert.HasCount(expected.Length, actual, $"{what}: frames");
        double worst = 0;
        for (int t = 0; t < expected.Length; t++)
            for (int j = 0; j < expected[t].Length; j++)
                worst = Math.Max(worst, Math.Abs(expected[t][j] - actual[t][offset + j]));
        Assert.IsLessThan(Tolerance, worst, $"{what}: largest difference from the reference");
    }

    [TestMethod]
    public void LogMelMatchesTheReferenceOnTwoTones()
    {
        var ml = new MLContext(1);
        var x = Wav.Tones(8000, 0.3);
        var actual = Frames(ml, x, new AudioFeaturesEstimator.Options { Kind = AudioFeatureKind.LogMel, SampleRate = 8000, NumberOfMelBands = 20, Normalization = AudioFeatureNormalization.None });
        // 25 ms at 8 kHz = 200 samples, hop 80, FFT 256; (2400 - 200) / 80 + 1 = 28 frames.
        var expected = ReferenceLogMel(x, 8000, 200, 80, 256, 20, 0, 4000, 0.97);
        Assert.HasCount(28, expected);
        AssertClose(expected, actual, 0, "log-mel");
        // After pre-emphasis (a high-pass: gain 0.34 at 440 Hz, 0.93 at 1250 Hz) the 1250 Hz tone is the louder one:
        // the loudest band of a middle frame covers it.
        var middle = actual[14];
        int loudest = Array.IndexOf(middle, middle.Max());
        var edges = Enumerable.Range(0, 22).Select(i => i * Mel(4000) / 21).ToArray();
        Assert.IsTrue(edges[loudest] < Mel(1250) && Mel(1250) < edges[loudest + 2], $"band {loudest} should cover 1250 Hz");
    }

    [TestMethod]
    public void MfccAndDeltasMatchTheReference()
    {
        var ml = new MLContext(1);
        var x = Wav.Tones(16000, 0.25, 300, 2100, seed: 2);
        var actual = Frames(ml, x, new AudioFeaturesEstimator.Options
        {
            SampleRate = 16000, DeltaOrder = 2, Normalization = AudioFeatureNormalization.None, MinimumFrequency = 20, MaximumFrequency = 7600,
        });
        // 400-sample frames, hop 160, FFT 512, 40 bands, 13 coefficients: 39 values per frame.
        var mfcc = ReferenceMfcc(ReferenceLogMel(x, 16000, 400, 160, 512, 40, 20, 7600, 0.97), 13);
        Assert.HasCount(39, actual[0]);
        AssertClose(mfcc, actual, 0, "MFCC");
        var deltas = ReferenceDeltas(mfcc);
        AssertClose(deltas, actual, 13, "deltas");
        AssertClose(ReferenceDeltas(deltas), actual, 26, "delta-deltas");
    }

    [TestMethod]
    public void MfccOfARealRecordingMatchesTheReference()
    {
        var ml = new MLContext(1);
        var path = TestData.PathOf("speech/fsdd/7_jackson_0.wav");
        var x = Wav.Read16BitMono(File.ReadAllBytes(path));
        var actual = Frames(ml, x, new AudioFeaturesEstimator.Options { SampleRate = 8000, Normalization = AudioFeatureNormalization.None });
        AssertClose(ReferenceMfcc(ReferenceLogMel(x, 8000, 200, 80, 256, 40, 0, 4000, 0.97), 13), actual, 0, "MFCC of 7_jackson_0.wav");
    }

    [TestMethod]
    public void NormalisationGivesZeroMeanAndUnitVariancePerUtterance()
    {
        var ml = new MLContext(1);
        var frames = Frames(ml, Wav.Tones(8000, 0.5), new AudioFeaturesEstimator.Options { SampleRate = 8000 });
        for (int j = 0; j < 13; j++)
        {
            var column = frames.Select(f => (double)f[j]).ToArray();
            double mean = column.Average(), var = column.Select(v => (v - mean) * (v - mean)).Average();
            Assert.AreEqual(0, mean, 1e-4, $"coefficient {j} mean");
            Assert.AreEqual(1, var, 1e-3, $"coefficient {j} variance");
        }
        var centred = Frames(ml, Wav.Tones(8000, 0.5), new AudioFeaturesEstimator.Options { SampleRate = 8000, Normalization = AudioFeatureNormalization.Mean });
        Assert.AreEqual(0, centred.Average(f => (double)f[3]), 1e-4);
        Assert.IsGreaterThan(0.0, centred.Select(f => (double)f[3]).Max() - centred.Select(f => (double)f[3]).Min());
    }

    [TestMethod]
    public void ShortSignalsArePaddedToOneFrame()
    {
        var ml = new MLContext(1);
        var frames = Frames(ml, new float[50].Select((_, i) => (float)Math.Sin(i)).ToArray(), new AudioFeaturesEstimator.Options { SampleRate = 8000, Normalization = AudioFeatureNormalization.None });
        Assert.HasCount(1, frames);
        Assert.IsTrue(frames[0].All(float.IsFinite));
    }

    [TestMethod]
    public void FramesPadStepByStepWithAMask()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[]
        {
            new Clip { Samples = Wav.Tones(8000, 0.1) },   // (800 - 200) / 80 + 1 = 8 frames
            new Clip { Samples = Wav.Tones(8000, 0.3) },   // 28 frames
        });
        var pipeline = ml.Transforms.ExtractAudioFeatures(new AudioFeaturesEstimator.Options { OutputColumnName = "Frames", InputColumnName = "Samples", SampleRate = 8000, LengthColumnName = "FrameCount" })
            .Append(ml.Transforms.PadSequences(new PadSequencesEstimator.Options
            {
                OutputColumnName = "Features", InputColumnName = "Frames", Length = 20, Padding = SequenceEnd.Post, Truncation = SequenceEnd.Post, MaskColumnName = "Mask",
            }));
        var model = pipeline.Fit(data);
        var output = model.Transform(data);
        var type = (VectorDataViewType)output.Schema["Features"].Type;
        CollectionAssert.AreEqual(new[] { 20, 13 }, type.Dimensions.ToArray());
        CollectionAssert.AreEqual(new[] { 0, 13 }, ((VectorDataViewType)output.Schema["Frames"].Type).Dimensions.ToArray());
        CollectionAssert.AreEqual(new[] { 8, 28 }, TestData.Column(output, "FrameCount").Cast<int>().ToArray());
        var frames = TestData.Vectors<float>(output, "Frames");
        var padded = TestData.Vectors<float>(output, "Features");
        var masks = TestData.Vectors<bool>(output, "Mask");
        // Row 0: 8 frames then 12 zero frames; row 1: its first 20 frames.
        CollectionAssert.AreEqual(frames[0], padded[0].Take(8 * 13).ToArray());
        Assert.IsTrue(padded[0].Skip(8 * 13).All(v => v == 0));
        CollectionAssert.AreEqual(Enumerable.Range(0, 20).Select(i => i < 8).ToArray(), masks[0]);
        CollectionAssert.AreEqual(frames[1].Take(20 * 13).ToArray(), padded[1]);
        Assert.IsTrue(masks[1].All(m => m));
        // A pad fitted on frames refuses a column without them.
        var pad = model.LastTransformer;
        var flat = ml.Data.LoadFromEnumerable(new[] { new FlatFrames { Frames = new float[26] } });
        var refused = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => pad.Transform(flat));
        Assert.Contains("'Frames'", refused.Message);
        Assert.Contains("steps of 13 values", refused.Message);
        // The step layout survives saving (PadSequences format version 2).
        var path = Path.Combine(Path.GetTempPath(), $"audio-pad-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.SaveSequenceModel(model, data.Schema, path);
            var loaded = ml.Model.LoadSequenceModel(path, out _);
            TestData.AssertSameColumns(output, loaded.Transform(data), new[] { "Frames", "Features", "Mask", "FrameCount" });
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void ContractAndBadInput()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new Clip { Samples = Wav.Tones(8000, 0.2) }, new Clip { Samples = Wav.Tones(8000, 0.3, seed: 3) } });
        var wrongType = ml.Data.LoadFromEnumerable(new[] { new { Samples = 1.5f } });
        EstimatorContract.Verify(ml, new EstimatorContract.Case<AudioFeaturesTransformer>
        {
            Estimator = ml.Transforms.ExtractAudioFeatures(new AudioFeaturesEstimator.Options { OutputColumnName = "Frames", InputColumnName = "Samples", SampleRate = 8000, DeltaOrder = 1 }),
            Train = data,
            OutputColumns = new[] { "Frames" },
            BadInputs = { ("a scalar, not samples", wrongType, "Samples") },
        });
        // Without a SampleRate annotation (LoadAudio's) the rate must be given.
        var noRate = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.ExtractAudioFeatures("Frames", "Samples").Fit(data));
        Assert.Contains("SampleRate", noRate.Message);
        Assert.Contains("'Samples'", noRate.Message);
        // Options are checked when the estimator is made.
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.ExtractAudioFeatures(new AudioFeaturesEstimator.Options { OutputColumnName = "F", NumberOfMelBands = 10, NumberOfCoefficients = 13 }));
        Assert.Contains("NumberOfCoefficients", e.Message);
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.ExtractAudioFeatures(new AudioFeaturesEstimator.Options { OutputColumnName = "F", HopDuration = 0.05 }));
        Assert.Contains("HopDuration", e.Message);
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.ExtractAudioFeatures(new AudioFeaturesEstimator.Options { OutputColumnName = "F", SampleRate = 8000, MaximumFrequency = 6000, InputColumnName = "Samples" }).Fit(data));
        Assert.Contains("MaximumFrequency", e.Message);
        // A NaN sample names the row.
        var nan = ml.Data.LoadFromEnumerable(new[] { new Clip { Samples = new[] { 0.1f, float.NaN, 0.2f } } });
        var fitted = ml.Transforms.ExtractAudioFeatures(new AudioFeaturesEstimator.Options { OutputColumnName = "Frames", InputColumnName = "Samples", SampleRate = 8000 }).Fit(nan);
        var bad = Assert.ThrowsExactly<InvalidOperationException>(() => TestData.Vectors<float>(fitted.Transform(nan), "Frames"));
        Assert.Contains("row 0", bad.Message);
    }
}
