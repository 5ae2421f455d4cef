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
        var ml = new MLContext(int.Parse(Environment.GetEnvironmentVariable("SEED") ?? "1"));
        ml.Log += (s, e) => { if (e.Source.Contains("Sequence") && e.Kind != Microsoft.ML.Runtime.ChannelMessageKind.Trace && Environment.GetEnvironmentVariable("VERBOSE") == "1") Console.WriteLine(e.Message); };
        var rows = TestData.Sentiment();
        var rng = new Random(1);
        var order = Enumerable.Range(0, rows.Count).OrderBy(_ => rng.Next()).ToList();
        var train = ml.Data.LoadFromEnumerable(order.Take(2400).Select(i => rows[i]).ToList());
        var test = ml.Data.LoadFromEnumerable(order.Skip(2400).Select(i => rows[i]).ToList());
        int minCount = int.Parse(Environment.GetEnvironmentVariable("MINCOUNT") ?? "1");
        int len = int.Parse(Environment.GetEnvironmentVariable("LEN") ?? "32");
        var prep = Environment.GetEnvironmentVariable("TOK") == "tiktoken"
            ? ml.Transforms.EncodeTokens(new MLNet.Sequence.Transforms.TokenEncodingEstimator.Options { OutputColumnName = "Ids", InputColumnName = "Text", MinimumCount = minCount, SubwordTokenizer = MLNet.Sequence.Transforms.SubwordTokenizer.Tiktoken("r50k_base") })
                .Append(ml.Transforms.PadSequences("Features", "Ids", length: len))
            : ml.Transforms.Text.NormalizeText("Norm", "Text", keepPunctuations: false)
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Norm"))
            .Append(ml.Transforms.EncodeTokens("Ids", "Tokens", minimumCount: minCount))
            .Append(ml.Transforms.PadSequences("Features", "Ids", length: len));
        foreach (var name in (Environment.GetEnvironmentVariable("FAMILIES") ?? "lstm,gru,transformer,cnn").Split(','))
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            float drop = float.Parse(Environment.GetEnvironmentVariable("DROPOUT") ?? "0.1", System.Globalization.CultureInfo.InvariantCulture);
            int epochs = int.Parse(Environment.GetEnvironmentVariable("EPOCHS") ?? "8");
            double wd = double.Parse(Environment.GetEnvironmentVariable("WD") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            var pool = Enum.Parse<SequencePooling>(Environment.GetEnvironmentVariable("POOL") ?? "Last");
            int patience = int.Parse(Environment.GetEnvironmentVariable("PATIENCE") ?? "0");
            double vf = patience > 0 ? 0.15 : 0;
            int emb = int.Parse(Environment.GetEnvironmentVariable("EMB") ?? "64");
            int hid = int.Parse(Environment.GetEnvironmentVariable("HID") ?? "64");
            double lr = double.Parse(Environment.GetEnvironmentVariable("LR") ?? "0.001", System.Globalization.CultureInfo.InvariantCulture);
            IEstimator<ITransformer> trainer = name switch
            {
                "lstm" => ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { EmbeddingDimension = emb, HiddenSize = hid, LearningRate = lr, NumberOfEpochs = epochs, Dropout = drop, WeightDecay = wd, Pooling = pool, EarlyStoppingPatience = patience, ValidationFraction = vf }),
                "bilstm" => ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { EmbeddingDimension = emb, HiddenSize = hid, LearningRate = lr, NumberOfEpochs = epochs, Dropout = drop, WeightDecay = wd, Pooling = pool, Bidirectional = true, EarlyStoppingPatience = patience, ValidationFraction = vf }),
                "gru" => ml.BinaryClassification.Trainers.SequenceGru(new GruOptions { EmbeddingDimension = emb, HiddenSize = hid, LearningRate = lr, NumberOfEpochs = epochs, Dropout = drop, WeightDecay = wd, Pooling = pool, EarlyStoppingPatience = patience, ValidationFraction = vf }),
                "transformer" => ml.BinaryClassification.Trainers.SequenceTransformer(new TransformerOptions { ModelDimension = emb, LearningRate = lr, NumberOfEpochs = epochs, Dropout = drop, WeightDecay = wd, Pooling = pool, EarlyStoppingPatience = patience, ValidationFraction = vf }),
                _ => ml.BinaryClassification.Trainers.SequenceCnn(new CnnOptions { EmbeddingDimension = emb, Channels = hid, LearningRate = lr, NumberOfEpochs = epochs, Dropout = drop, WeightDecay = wd, Pooling = pool, EarlyStoppingPatience = patience, ValidationFraction = vf }),
            };
            var model = prep.Append(trainer).Fit(train);
            var m = ml.BinaryClassification.Evaluate(model.Transform(test));
            Console.WriteLine($"{name}: accuracy {m.Accuracy:F3} auc {m.AreaUnderRocCurve:F3} in {clock.Elapsed.TotalSeconds:F1}s");
        }
    }
}

[TestClass]
public sealed class ExploreSplice
{
    [TestMethod, TestCategory("Explore")]
    public void Splice()
    {
        var ml = new MLContext(int.Parse(Environment.GetEnvironmentVariable("SEED") ?? "1"));
        var rows = TestData.SpliceDna();
        var rng = new Random(1);
        var order = Enumerable.Range(0, rows.Count).OrderBy(_ => rng.Next()).ToList();
        int n = (int)(rows.Count * 0.8);
        var train = ml.Data.LoadFromEnumerable(order.Take(n).Select(i => rows[i]).ToList());
        var test = ml.Data.LoadFromEnumerable(order.Skip(n).Select(i => rows[i]).ToList());
        var prep = ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label")
            .Append(ml.Transforms.OneHotEncodeSequence("Features", "Sequence"));
        int epochs = int.Parse(Environment.GetEnvironmentVariable("EPOCHS") ?? "10");
        var pool = Enum.Parse<SequencePooling>(Environment.GetEnvironmentVariable("POOL") ?? "Flatten");
        foreach (var name in (Environment.GetEnvironmentVariable("FAMILIES") ?? "lstm,gru,transformer,cnn").Split(','))
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            IEstimator<ITransformer> trainer = name switch
            {
                "lstm" => ml.MulticlassClassification.Trainers.SequenceLstm(new LstmOptions { LabelColumnName = "LabelKey", NumberOfEpochs = epochs, Pooling = pool, Dropout = 0.3f, HiddenSize = 32 }),
                "bilstm" => ml.MulticlassClassification.Trainers.SequenceLstm(new LstmOptions { LabelColumnName = "LabelKey", NumberOfEpochs = epochs, Pooling = pool, Dropout = 0.3f, HiddenSize = 32, Bidirectional = true }),
                "gru" => ml.MulticlassClassification.Trainers.SequenceGru(new GruOptions { LabelColumnName = "LabelKey", NumberOfEpochs = epochs, Pooling = pool, Dropout = 0.3f, HiddenSize = 32 }),
                "transformer" => ml.MulticlassClassification.Trainers.SequenceTransformer(new TransformerOptions { LabelColumnName = "LabelKey", NumberOfEpochs = epochs, Pooling = pool, Dropout = 0.3f, ModelDimension = 32 }),
                _ => ml.MulticlassClassification.Trainers.SequenceCnn(new CnnOptions { LabelColumnName = "LabelKey", NumberOfEpochs = epochs, Pooling = pool, Dropout = 0.3f, Channels = 32 }),
            };
            var model = prep.Append(trainer).Fit(train);
            var m = ml.MulticlassClassification.Evaluate(model.Transform(test), labelColumnName: "LabelKey");
            Console.WriteLine($"{name}: macro {m.MacroAccuracy:F3} micro {m.MicroAccuracy:F3} in {clock.Elapsed.TotalSeconds:F1}s");
        }
    }
}

[TestClass]
public sealed class ExploreNaN
{
    [TestMethod, TestCategory("Explore")]
    public void Repeat()
    {
        var (trainRows, _) = Splits.Split(TestData.Sentiment());
        for (int rep = 0; rep < int.Parse(Environment.GetEnvironmentVariable("REPS") ?? "10"); rep++)
        {
            var ml = new MLContext(7);
            var train = ml.Data.LoadFromEnumerable(trainRows.Take(300).ToList());
            try
            {
                using var model = (TransformerChain<SequencePredictionTransformer>)Splits.SentimentPreparation(ml)
                    .Append(Environment.GetEnvironmentVariable("FAM") switch
                    {
                        "lstm" => ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { HiddenSize = 8, EmbeddingDimension = 8, NumberOfEpochs = 3 }),
                        "cnnnoclip" => ml.BinaryClassification.Trainers.SequenceCnn(new CnnOptions { Channels = 8, EmbeddingDimension = 8, NumberOfEpochs = 3, GradientClipNorm = 0 }),
                        "cnnmax" => ml.BinaryClassification.Trainers.SequenceCnn(new CnnOptions { Channels = 8, EmbeddingDimension = 8, NumberOfEpochs = 3, Pooling = SequencePooling.Max }),
                        "bigru" => ml.BinaryClassification.Trainers.SequenceGru(new GruOptions { HiddenSize = 8, EmbeddingDimension = 8, NumberOfEpochs = 3, Bidirectional = true }),
                        "transformer" => ml.BinaryClassification.Trainers.SequenceTransformer(new TransformerOptions { ModelDimension = 16, NumberOfHeads = 2, FeedForwardDimension = 16, NumberOfEpochs = 3, Pooling = SequencePooling.Attention }),
                        "cnn1" => ml.BinaryClassification.Trainers.SequenceCnn(new CnnOptions { Channels = 8, EmbeddingDimension = 8, NumberOfEpochs = 3, NumberOfThreads = 1 }),
                        "cnnnodrop" => ml.BinaryClassification.Trainers.SequenceCnn(new CnnOptions { Channels = 8, EmbeddingDimension = 8, NumberOfEpochs = 3, Dropout = 0 }),
                        _ => ml.BinaryClassification.Trainers.SequenceCnn(new CnnOptions { Channels = 8, EmbeddingDimension = 8, NumberOfEpochs = 3 }),
                    }).Fit(train);
                Console.WriteLine($"rep {rep}: ok {model.LastTransformer.TrainingHistory!.Epochs.Last().TrainingLoss}");
            }
            catch (Exception e) { Console.WriteLine($"rep {rep}: {e.Message}"); }
        }
    }
}

[TestClass]
public sealed class ExploreKernels
{
    [TestMethod, TestCategory("Explore")]
    public void DilatedConvBackward()
    {
        TorchSharp.torch.manual_seed(1);
        foreach (var dil in new long[] { 1, 2, 4, 8 })
        {
            using var conv = TorchSharp.torch.nn.Conv1d(8, 8, 3, dilation: dil);
            int bad = 0; double? first = null; int differ = 0;
            for (int rep = 0; rep < 1000; rep++)
            {
                using var scope = TorchSharp.torch.NewDisposeScope();
                TorchSharp.torch.manual_seed(2);
                var x = TorchSharp.torch.randn(32, 8, 40, requires_grad: true);
                var y = conv.call(TorchSharp.torch.nn.functional.pad(x, new long[] { 2 * dil, 0 }));
                y.sum().backward();
                var g = conv.weight!.grad!.abs().sum().item<float>();
                var gx = x.grad!.abs().sum().item<float>();
                var fy = y.abs().sum().item<float>();
                if (!float.IsFinite(g) || !float.IsFinite(gx)) { bad++; Console.WriteLine($"  rep {rep}: y {fy} gw {g} gx {gx}"); }
                if (first == null) first = g; else if (Math.Abs(first.Value - g) > 1e-3 * Math.Abs(first.Value)) differ++;
                conv.zero_grad();
            }
            Console.WriteLine($"dilation {dil}: non-finite {bad}/1000, differing {differ}/1000");
        }
    }
}

[TestClass]
public sealed class ExploreKernels2
{
    [TestMethod, TestCategory("Explore")]
    public void Isolate()
    {
        using var conv = TorchSharp.torch.nn.Conv1d(8, 8, 3);
        using var lin = TorchSharp.torch.nn.Linear(24, 8);
        foreach (var variant in new[] { "conv-nopad", "pad-only", "unfold-linear" })
        {
            int bad = 0;
            for (int rep = 0; rep < 1000; rep++)
            {
                using var scope = TorchSharp.torch.NewDisposeScope();
                TorchSharp.torch.manual_seed(2);
                var x = TorchSharp.torch.randn(32, 8, 40, requires_grad: true);
                TorchSharp.torch.Tensor y = variant switch
                {
                    "conv-nopad" => conv.call(x),
                    "pad-only" => TorchSharp.torch.nn.functional.pad(x, new long[] { 2, 0 }) * 2,
                    _ => lin.call(TorchSharp.torch.cat(new[] { x.narrow(2, 0, 38), x.narrow(2, 1, 38), x.narrow(2, 2, 38) }, 1).transpose(1, 2)),
                };
                y.sum().backward();
                if (!float.IsFinite(x.grad!.abs().sum().item<float>())) bad++;
                conv.zero_grad(); lin.zero_grad();
            }
            Console.WriteLine($"{variant}: non-finite input gradient {bad}/1000");
        }
    }
}
