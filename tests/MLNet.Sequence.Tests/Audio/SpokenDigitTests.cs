using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms;
using MLNet.Sequence.Transforms.Audio;
using TorchSharp;

namespace MLNet.Sequence.Tests.Audio;

/// <summary>
/// Spoken digits (FSDD, data/speech/fsdd): the whole chain LoadAudio → ExtractAudioFeatures → PadSequences → a sequence
/// trainer, trained on part of the official training split (recordings 5-24 of every speaker and digit) and scored on
/// the official test split (recordings 0-4, 300 files).
/// </summary>
[TestClass]
public sealed class SpokenDigitTests
{
    public TestContext TestContext { get; set; } = null!;

    public sealed class Utterance
    {
        public string Path { get; set; } = "";
        public string Label { get; set; } = "";
    }

    public sealed class Digit
    {
        public string Predicted { get; set; } = "";
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    /// <summary>Recordings whose index (the last part of `{digit}_{speaker}_{index}.wav`) passes <paramref name="take"/>.</summary>
    internal static List<Utterance> Fsdd(Func<int, bool> take)
    {
        var folder = Path.GetDirectoryName(TestData.PathOf("speech/fsdd/0_george_0.wav"))!;
        return Directory.GetFiles(folder, "*.wav").OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => (File: f, Parts: Path.GetFileNameWithoutExtension(f).Split('_')))
            .Where(x => take(int.Parse(x.Parts[2])))
            .Select(x => new Utterance { Path = x.File, Label = x.Parts[0] }).ToList();
    }

    private static IEstimator<ITransformer> Pipeline(MLContext ml) =>
        ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label")
            .Append(ml.Transforms.LoadAudio("Audio", "Path", sampleRate: 8000))
            .Append(ml.Transforms.ExtractAudioFeatures("Frames", "Audio"))
            .Append(ml.Transforms.PadSequences(new PadSequencesEstimator.Options
            {
                OutputColumnName = "Features", InputColumnName = "Frames", LengthPercentile = 98, Padding = SequenceEnd.Post, Truncation = SequenceEnd.Post, MaskColumnName = "Mask",
            }))
            .Append(ml.MulticlassClassification.Trainers.SequenceCnn(new CnnOptions
            {
                LabelColumnName = "LabelKey", MaskColumnName = "Mask", Channels = 64, NumberOfLayers = 4, Pooling = SequencePooling.Mean, NumberOfEpochs = 15, Seed = 1,
            }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("Predicted", "PredictedLabel"));

    [TestMethod]
    public void ClassifiesSpokenDigitsSavesAndPredictsFromAPath()
    {
        var ml = new MLContext(1);
        var train = ml.Data.LoadFromEnumerable(Fsdd(i => i >= 5 && i < 25));
        var test = ml.Data.LoadFromEnumerable(Fsdd(i => i < 5));
        var model = Pipeline(ml).Fit(train);
        var scored = model.Transform(test);
        var m = ml.MulticlassClassification.Evaluate(scored, "LabelKey");
        TestContext.WriteLine($"FSDD, 1200 training recordings, CNN on MFCC frames: accuracy {m.MicroAccuracy:F4} on the 300 test recordings");
        Assert.IsGreaterThan(0.95, m.MicroAccuracy, "CNN on MFCCs with 1,200 of the 2,700 training recordings (0.983 measured, seed 1)");

        var path = Path.Combine(Path.GetTempPath(), $"fsdd-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.SaveSequenceModel(model, train.Schema, path);
            var reloaded = ml.Model.LoadSequenceModel(path, out _);
            TestData.AssertSameColumns(scored, reloaded.Transform(test), new[] { "Score", "PredictedLabel", "Features", "Mask" });

            // A prediction engine over the loaded chain: a WAV path in, the digit and its probability out.
            var engine = ml.Model.CreatePredictionEngine<Utterance, Digit>(reloaded);
            var file = TestData.PathOf("speech/fsdd/3_theo_2.wav");
            var digit = engine.Predict(new Utterance { Path = file });
            TestContext.WriteLine($"3_theo_2.wav -> {digit.Predicted} with probability {digit.Score.Max():F3}");
            Assert.AreEqual("3", digit.Predicted);
            Assert.AreEqual(1.0, digit.Score.Sum(), 1e-4);

            // Live tensors stay flat over many predictions.
            var files = Fsdd(i => i < 2).Take(40).ToList();
            foreach (var f in files.Take(5)) engine.Predict(f);
            EstimatorContract.SettleFinalizers();
            long before = torch.Tensor.TotalCount;
            foreach (var f in files) engine.Predict(f);
            Assert.AreEqual(before, torch.Tensor.TotalCount, "live tensors after 40 predictions");
            (reloaded as IDisposable)?.Dispose();
        }
        finally
        {
            File.Delete(path);
        }
        (model as IDisposable)?.Dispose();
    }
}
