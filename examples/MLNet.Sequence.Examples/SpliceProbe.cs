// Probe: which splice recipes (and seed ensembles) reach which test macro accuracy on the main job's split.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Examples;

internal static class SpliceProbe
{
    public static void Run(string[] args)
    {
        var ml = new MLContext(1);
        var (train, test) = Data.Split(Data.Splice());
        int half = args.Length > 2 ? int.Parse(args[2]) : 30;
        Data.Dna Crop(Data.Dna d) => new Data.Dna { Label = d.Label, Sequence = d.Sequence.Substring(30 - half, 2 * half) };
        train = train.Select(Crop).ToList(); test = test.Select(Crop).ToList();
        Console.WriteLine($"window: {2 * half} nucleotides around the centre");
        var prep = ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label")
            .Append(ml.Transforms.OneHotEncodeSequence("Features", "Sequence", alphabet: "ACGT"))
            .Fit(ml.Data.LoadFromEnumerable(train));
        var trainData = ml.Data.Cache(prep.Transform(ml.Data.LoadFromEnumerable(train)));
        var testData = ml.Data.Cache(prep.Transform(ml.Data.LoadFromEnumerable(test)));
        var labels = testData.GetColumn<uint>("LabelKey").ToArray();
        int seeds = args.Length > 0 ? int.Parse(args[0]) : 3;
        var which = args.Length > 1 ? args[1] : "all";
        var recipes = new (string Name, Func<int, IEstimator<ITransformer>> Make)[]
        {
            ("lstm32 flat d.3 e10", s => ml.MulticlassClassification.Trainers.SequenceLstm(new LstmOptions { LabelColumnName = "LabelKey", HiddenSize = 32, Pooling = SequencePooling.Flatten, Dropout = 0.3f, NumberOfEpochs = 10, Seed = s })),
            ("lstm32 flat d.5 e20 wd1e-4", s => ml.MulticlassClassification.Trainers.SequenceLstm(new LstmOptions { LabelColumnName = "LabelKey", HiddenSize = 32, Pooling = SequencePooling.Flatten, Dropout = 0.5f, NumberOfEpochs = 20, WeightDecay = 1e-4, Seed = s })),
            ("bilstm16 flat d.3 e10", s => ml.MulticlassClassification.Trainers.SequenceLstm(new LstmOptions { LabelColumnName = "LabelKey", HiddenSize = 16, Bidirectional = true, Pooling = SequencePooling.Flatten, Dropout = 0.3f, NumberOfEpochs = 10, Seed = s })),
            ("cnn32 k9 L1 flat d.5 e20", s => ml.MulticlassClassification.Trainers.SequenceCnn(new CnnOptions { LabelColumnName = "LabelKey", Channels = 32, KernelSize = 9, NumberOfLayers = 1, Pooling = SequencePooling.Flatten, Dropout = 0.5f, NumberOfEpochs = 20, Seed = s })),
            ("cnn16 k5 L2 flat d.5 e20", s => ml.MulticlassClassification.Trainers.SequenceCnn(new CnnOptions { LabelColumnName = "LabelKey", Channels = 16, KernelSize = 5, NumberOfLayers = 2, Pooling = SequencePooling.Flatten, Dropout = 0.5f, NumberOfEpochs = 20, Seed = s })),
            ("x lstm32 flat d.5 e20", s => ml.MulticlassClassification.Trainers.SequenceLstm(new LstmOptions { LabelColumnName = "LabelKey", HiddenSize = 32, Pooling = SequencePooling.Flatten, Dropout = 0.5f, NumberOfEpochs = 20, Seed = s })),
            ("x lstm32 flat d.5 e15 wd1e-4", s => ml.MulticlassClassification.Trainers.SequenceLstm(new LstmOptions { LabelColumnName = "LabelKey", HiddenSize = 32, Pooling = SequencePooling.Flatten, Dropout = 0.5f, NumberOfEpochs = 15, WeightDecay = 1e-4, Seed = s })),
            ("x lstm64 flat d.5 e20 wd1e-4", s => ml.MulticlassClassification.Trainers.SequenceLstm(new LstmOptions { LabelColumnName = "LabelKey", HiddenSize = 64, Pooling = SequencePooling.Flatten, Dropout = 0.5f, NumberOfEpochs = 20, WeightDecay = 1e-4, Seed = s })),
            ("x lstm32 flat d.3 e20 wd1e-3", s => ml.MulticlassClassification.Trainers.SequenceLstm(new LstmOptions { LabelColumnName = "LabelKey", HiddenSize = 32, Pooling = SequencePooling.Flatten, Dropout = 0.3f, NumberOfEpochs = 20, WeightDecay = 1e-3, Seed = s })),
            ("x bilstm32 flat d.5 e20 wd1e-4", s => ml.MulticlassClassification.Trainers.SequenceLstm(new LstmOptions { LabelColumnName = "LabelKey", HiddenSize = 32, Bidirectional = true, Pooling = SequencePooling.Flatten, Dropout = 0.5f, NumberOfEpochs = 20, WeightDecay = 1e-4, Seed = s })),
            ("x gru32 flat d.5 e20 wd1e-4", s => ml.MulticlassClassification.Trainers.SequenceGru(new GruOptions { LabelColumnName = "LabelKey", HiddenSize = 32, Pooling = SequencePooling.Flatten, Dropout = 0.5f, NumberOfEpochs = 20, WeightDecay = 1e-4, Seed = s })),
            ("x cnn32 k5 L2 flat d.5 e20 wd1e-4", s => ml.MulticlassClassification.Trainers.SequenceCnn(new CnnOptions { LabelColumnName = "LabelKey", Channels = 32, KernelSize = 5, NumberOfLayers = 2, Pooling = SequencePooling.Flatten, Dropout = 0.5f, NumberOfEpochs = 20, WeightDecay = 1e-4, Seed = s })),
            ("x transformer32 flat d.3 e20 wd1e-4", s => ml.MulticlassClassification.Trainers.SequenceTransformer(new TransformerOptions { LabelColumnName = "LabelKey", ModelDimension = 32, Pooling = SequencePooling.Flatten, Dropout = 0.3f, NumberOfEpochs = 20, WeightDecay = 1e-4, Seed = s })),
            // ML.NET's gradient-boosted trees on the same one-hot window (flattened: 4 values per nucleotide), its defaults.
            ("lightgbm defaults", s => ml.MulticlassClassification.Trainers.LightGbm(new Microsoft.ML.Trainers.LightGbm.LightGbmMulticlassTrainer.Options { LabelColumnName = "LabelKey", FeatureColumnName = "Features", Seed = s })),
            ("gru32 flat d.3 e10", s => ml.MulticlassClassification.Trainers.SequenceGru(new GruOptions { LabelColumnName = "LabelKey", HiddenSize = 32, Pooling = SequencePooling.Flatten, Dropout = 0.3f, NumberOfEpochs = 10, Seed = s })),
        };
        foreach (var (name, make) in recipes)
        {
            if (which != "all" && !name.StartsWith(which, StringComparison.Ordinal)) continue;
            float[][]? sum = null;
            var singles = new List<double>();
            var clock = Stopwatch.StartNew();
            for (int s = 1; s <= seeds; s++)
            {
                var model = make(s).Fit(trainData);
                using var owned = model as IDisposable;   // the sequence models own native memory; ML.NET's trainers do not
                var scored = model.Transform(testData);
                var scores = scored.GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();
                singles.Add(Macro(scores, labels));
                if (sum == null) sum = scores.Select(r => new float[r.Length]).ToArray();
                for (int i = 0; i < scores.Length; i++) for (int k = 0; k < scores[i].Length; k++) sum[i][k] += scores[i][k];
            }
            Console.WriteLine($"{name,-30} singles {string.Join(" ", singles.Select(v => v.ToString("F3")))}  mean {singles.Average():F3}  ensemble of {seeds}: {Macro(sum!, labels):F3}  {clock.Elapsed.TotalSeconds / seeds:F1} s/model");
        }
    }

    private static double Macro(float[][] scores, uint[] labels)
    {
        int k = scores[0].Length;
        var right = new int[k]; var count = new int[k];
        for (int i = 0; i < labels.Length; i++)
        {
            int y = (int)labels[i] - 1, best = 0;
            for (int c = 1; c < k; c++) if (scores[i][c] > scores[i][best]) best = c;
            count[y]++; if (best == y) right[y]++;
        }
        return Enumerable.Range(0, k).Where(c => count[c] > 0).Average(c => (double)right[c] / count[c]);
    }
}
