// The main job: train on the bundled real data, evaluate with ML.NET's standard evaluators, save the whole
// pipeline with MLNet.Sequence's persistence, load it back and predict.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence;

namespace MLNet.Sequence.Examples;

public static class Program
{
    public static int Main(string[] args)
    {
        var ml = new MLContext(seed: 1);
        var outDir = Path.Combine(AppContext.BaseDirectory, "output");
        Directory.CreateDirectory(outDir);
        SpliceJunctions(ml, outDir);
        return 0;
    }

    private sealed class SpliceRow
    {
        public string Label { get; set; } = "";
        public string Sequence { get; set; } = "";
    }

    private sealed class SplicePrediction
    {
        public string PredictedLabel { get; set; } = "";
    }

    /// <summary>Splice-junction DNA (3 classes): one-hot encode the 60-nucleotide windows, train, evaluate, save, load, predict.</summary>
    private static void SpliceJunctions(MLContext ml, string outDir)
    {
        Console.WriteLine("== Splice junctions (UCI/Statlog, 3186 DNA windows of 60 nucleotides; data/bio/splice_dna.csv)");
        var rows = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "data", "bio", "splice_dna.csv")).Skip(1)
            .Select(l => l.Split(',')).Select(p => new SpliceRow { Label = p[0], Sequence = p[1] }).ToList();
        var (train, test) = Split(rows, 0.8);
        var trainData = ml.Data.LoadFromEnumerable(train);
        var testData = ml.Data.LoadFromEnumerable(test);

        var pipeline = ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label")
            .Append(ml.Transforms.OneHotEncodeSequence("Features", "Sequence", alphabet: "ACGT"))
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy("LabelKey", "Features"))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var clock = Stopwatch.StartNew();
        var model = pipeline.Fit(trainData);
        var seconds = clock.Elapsed.TotalSeconds;
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(testData), labelColumnName: "LabelKey");
        Console.WriteLine($"   one-hot (60x5) + LbfgsMaximumEntropy: macro accuracy {metrics.MacroAccuracy:F3}, micro accuracy {metrics.MicroAccuracy:F3}, log-loss {metrics.LogLoss:F3}, trained in {seconds:F1} s on {train.Count} rows, tested on {test.Count}");

        var path = Path.Combine(outDir, "splice-model.zip");
        ml.Model.SaveSequenceModel(model, trainData.Schema, path);
        var loaded = ml.Model.LoadSequenceModel(path, out _);
        var engine = ml.Model.CreatePredictionEngine<SpliceRow, SplicePrediction>(loaded);
        Console.WriteLine($"   saved to {path} ({new FileInfo(path).Length / 1024} KB), loaded back; predictions on held-out windows:");
        foreach (var r in test.Take(3))
            Console.WriteLine($"     {r.Sequence}  true {r.Label,-2} predicted {engine.Predict(r).PredictedLabel}");
    }

    /// <summary>A fixed-seed random permutation; the first <paramref name="trainFraction"/> trains, the rest tests.</summary>
    private static (List<T> Train, List<T> Test) Split<T>(List<T> rows, double trainFraction)
    {
        var rng = new Random(1);
        var order = Enumerable.Range(0, rows.Count).Select(i => (i, k: rng.Next())).OrderBy(t => t.k).Select(t => t.i).ToList();
        int n = (int)(rows.Count * trainFraction);
        return (order.Take(n).Select(i => rows[i]).ToList(), order.Skip(n).Select(i => rows[i]).ToList());
    }
}
