using System;
using System.IO;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Tests;

/// <summary>The README's example, as written there (paths adjusted): a user must succeed on first try.</summary>
[TestClass]
public sealed class ReadmeTests
{
    public class Review
    {
        [LoadColumn(0)] public string Source { get; set; } = "";
        [LoadColumn(1)] public bool Label { get; set; }
        [LoadColumn(2)] public string Text { get; set; } = "";
    }

    public class Prediction
    {
        public bool PredictedLabel { get; set; }
        public float Probability { get; set; }
    }

    [TestMethod]
    public void ReadmeExampleRuns()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromTextFile<Review>(TestData.PathOf("text/uci_sentiment_labelled_sentences.tsv"), separatorChar: '\t', hasHeader: true);
        var split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);

        var pipeline = ml.Transforms.Text.NormalizeText("Norm", "Text", keepPunctuations: false)
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Norm"))
            .Append(ml.Transforms.EncodeTokens("Ids", "Tokens", minimumCount: 2))
            .Append(ml.Transforms.PadSequences("Features", "Ids", length: 32))
            .Append(ml.BinaryClassification.Trainers.SequenceCnn(new CnnOptions
            {
                Pooling = SequencePooling.Max, Dropout = 0.5f,                                     // epochs scale with the data
            }));

        var model = pipeline.Fit(split.TrainSet);
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(split.TestSet));
        Assert.IsGreaterThan(0.75, metrics.Accuracy);

        var path = Path.Combine(Path.GetTempPath(), $"readme-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.SaveSequenceModel(model, data.Schema, path);
            using var loaded = (TransformerChain<ITransformer>)ml.Model.LoadSequenceModel(path, out _);
            var engine = ml.Model.CreatePredictionEngine<Review, Prediction>(loaded);
            Assert.IsTrue(engine.Predict(new Review { Text = "Great phone, works great." }).PredictedLabel);
        }
        finally
        {
            File.Delete(path);
            model.Dispose();
        }
    }
}
