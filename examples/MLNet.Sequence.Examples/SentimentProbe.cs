// Probe: sentiment recipes (seeds, seed ensembles, n-gram static features) on the main job's split.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms;

namespace MLNet.Sequence.Examples;

internal static class SentimentProbe
{
    public static void Run(string[] args)
    {
        var ml = new MLContext(1);
        var (train, test) = Data.Split(Data.Sentiment());
        int seeds = args.Length > 0 ? int.Parse(args[0]) : 3;
        var which = args.Length > 1 ? args[1] : "all";
        int pad = args.Length > 2 ? int.Parse(args[2]) : 32;
        var prep = ml.Transforms.Text.NormalizeText("Norm", "Text", keepPunctuations: false)
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Norm"))
            .Append(ml.Transforms.EncodeTokens("Ids", "Tokens", minimumCount: 2))
            .Append(ml.Transforms.PadSequences("Features", "Ids", length: pad))
            .Append(ml.Transforms.Text.FeaturizeText("Ngrams", "Text"))
            .Fit(ml.Data.LoadFromEnumerable(train));
        var trainData = ml.Data.Cache(prep.Transform(ml.Data.LoadFromEnumerable(train)));
        var testData = ml.Data.Cache(prep.Transform(ml.Data.LoadFromEnumerable(test)));
        var labels = testData.GetColumn<bool>("Label").ToArray();
        var bc = ml.BinaryClassification.Trainers;
        var recipes = new (string Name, Func<int, IEstimator<ITransformer>> Make)[]
        {
            ("cnn max d.5 e5", s => bc.SequenceCnn(new CnnOptions { Pooling = SequencePooling.Max, Dropout = 0.5f, NumberOfEpochs = 5, Seed = s })),
            ("bilstm max d.5 e5", s => bc.SequenceLstm(new LstmOptions { Bidirectional = true, Pooling = SequencePooling.Max, Dropout = 0.5f, NumberOfEpochs = 5, Seed = s })),
            ("bigru max d.5 e5", s => bc.SequenceGru(new GruOptions { Bidirectional = true, Pooling = SequencePooling.Max, Dropout = 0.5f, NumberOfEpochs = 5, Seed = s })),
            ("transformer max d.5 e5", s => bc.SequenceTransformer(new TransformerOptions { Pooling = SequencePooling.Max, Dropout = 0.5f, NumberOfEpochs = 5, Seed = s })),
            ("w cnn max d.5 e5 +ngrams", s => bc.SequenceCnn(new CnnOptions { Pooling = SequencePooling.Max, Dropout = 0.5f, NumberOfEpochs = 5, Seed = s, StaticFeatureColumnName = "Ngrams" })),
            ("w bilstm max d.5 e5 +ngrams", s => bc.SequenceLstm(new LstmOptions { Bidirectional = true, Pooling = SequencePooling.Max, Dropout = 0.5f, NumberOfEpochs = 5, Seed = s, StaticFeatureColumnName = "Ngrams" })),
        };
        var all = new List<float[]>();
        foreach (var (name, make) in recipes)
        {
            if (which != "all" && !name.StartsWith(which, StringComparison.Ordinal)) continue;
            float[]? sum = null;
            var singles = new List<double>();
            var clock = Stopwatch.StartNew();
            for (int s = 1; s <= seeds; s++)
            {
                using var model = (IDisposable)make(s).Fit(trainData);
                var scored = ((ITransformer)model).Transform(testData);
                var p = scored.GetColumn<float>("Probability").ToArray();
                all.Add(p);
                singles.Add(Accuracy(p, labels));
                sum ??= new float[p.Length];
                for (int i = 0; i < p.Length; i++) sum[i] += p[i] / seeds;
            }
            Console.WriteLine($"{name,-30} singles {string.Join(" ", singles.Select(v => v.ToString("F3")))}  mean {singles.Average():F3}  ensemble of {seeds}: {Accuracy(sum!, labels):F3}  {clock.Elapsed.TotalSeconds / seeds:F1} s/model");
        }
        var mean = Enumerable.Range(0, labels.Length).Select(i => all.Average(p => p[i])).Select(v => (float)v).ToArray();
        Console.WriteLine($"ensemble of all {all.Count}: {Accuracy(mean, labels):F3}");
    }

    private static double Accuracy(float[] p, bool[] y) => Enumerable.Range(0, y.Length).Count(i => (p[i] > 0.5f) == y[i]) / (double)y.Length;
}
