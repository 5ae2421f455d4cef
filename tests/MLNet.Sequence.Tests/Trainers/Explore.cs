using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Tests.Trainers;

[TestClass]
public sealed class Explore
{
    [TestMethod, TestCategory("Explore")]
    public void SentimentAll()
    {
        var ml = new MLContext(1);
        ml.Log += (s, e) => { if (e.Source.Contains("Sequence")) Console.WriteLine(e.Message); };
        var rows = TestData.Sentiment();
        var rng = new Random(1);
        var order = Enumerable.Range(0, rows.Count).OrderBy(_ => rng.Next()).ToList();
        var train = ml.Data.LoadFromEnumerable(order.Take(2400).Select(i => rows[i]).ToList());
        var test = ml.Data.LoadFromEnumerable(order.Skip(2400).Select(i => rows[i]).ToList());
        var prep = ml.Transforms.Text.NormalizeText("Norm", "Text", keepPunctuations: false)
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Norm"))
            .Append(ml.Transforms.EncodeTokens("Ids", "Tokens", minimumCount: 1))
            .Append(ml.Transforms.PadSequences("Features", "Ids", length: 32));
        foreach (var name in (Environment.GetEnvironmentVariable("FAMILIES") ?? "lstm,gru,transformer,cnn").Split(','))
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            IEstimator<ITransformer> trainer = name switch
            {
                "lstm" => ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { NumberOfEpochs = 8, Pooling = SequencePooling.Last }),
                "gru" => ml.BinaryClassification.Trainers.SequenceGru(new GruOptions { NumberOfEpochs = 8 }),
                "transformer" => ml.BinaryClassification.Trainers.SequenceTransformer(new TransformerOptions { NumberOfEpochs = 8, Pooling = SequencePooling.Mean }),
                _ => ml.BinaryClassification.Trainers.SequenceCnn(new CnnOptions { NumberOfEpochs = 8, Pooling = SequencePooling.Max }),
            };
            var model = prep.Append(trainer).Fit(train);
            var m = ml.BinaryClassification.Evaluate(model.Transform(test));
            Console.WriteLine($"{name}: accuracy {m.Accuracy:F3} auc {m.AreaUnderRocCurve:F3} in {clock.Elapsed.TotalSeconds:F1}s");
        }
    }
}
