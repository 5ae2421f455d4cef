// The sweep experiments behind docs/results.md ("Sweeps"): TPE and random search at the same time budget on the
// sentiment and splice data, next to ML.NET's classic trainers on the same split, with best-so-far curves as PNGs.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Examples;

public static class SweepJobs
{
    /// <summary>Runs both experiments with <paramref name="minutes"/> of trials per tuner.</summary>
    public static void Run(string outDir, double minutes, string which)
    {
        if (which is "all" or "sentiment")
            Sentiment(outDir, minutes);
        if (which is "all" or "splice")
            Splice(outDir, minutes);
    }

    /// <summary>Sizes a 2-core CPU trains in seconds to a minute per epoch; the attributes' full ranges reach far larger models.</summary>
    private static SequenceSearchSpace CpuSizedSpace(params EncoderKind[] families) =>
        SequenceSearchSpace.ForFamilies(families)
            .Narrow("EmbeddingDimension", 16, 128).Narrow("HiddenSize", 16, 128).Narrow("ModelDimension", 16, 128)
            .Narrow("FeedForwardDimension", 32, 256).Narrow("Transformer.NumberOfLayers", 1, 3).Narrow("Channels", 16, 128)
            .Narrow("Cnn.NumberOfLayers", 1, 5).Narrow("Lstm.NumberOfLayers", 1, 2).Narrow("Gru.NumberOfLayers", 1, 2)
            .Narrow("BatchSize", 16, 128).Narrow("LearningRate", 3e-4, 1e-2)
            .Fix("WeightDecay", 0.0);   // Adam's L2 decay collapsed the recurrent models on sentiment (docs/results.md)

    private static SequenceSweepResult Sweep(MLContext ml, SequenceTask task, SequenceSweepOptions options, IDataView train)
    {
        var clock = Stopwatch.StartNew();
        var experiment = task == SequenceTask.BinaryClassification
            ? ml.BinaryClassification.SweepSequenceModels(options)
            : ml.MulticlassClassification.SweepSequenceModels(options);
        var result = experiment.Execute(train);
        Console.WriteLine($"   {options.Tuner}: {result.Trials.Count} trials ({result.Trials.Count(t => t.Status == TrialStatus.Stopped)} stopped early, " +
            $"{result.Trials.Count(t => t.Status == TrialStatus.Failed)} failed) in {clock.Elapsed.TotalMinutes:F1} min including the refit");
        Console.Write(result.ToTable(5).Replace("\n", "\n   ").Insert(0, "   "));
        Console.WriteLine();
        return result;
    }

    // ---------------------------------------------------------------- sentiment

    private static void Sentiment(string outDir, double minutes)
    {
        Console.WriteLine($"== Sweep: sentiment (UCI sentences, the main job's 80/20 split; {minutes} min of trials per tuner, seed 1)");
        var ml = new MLContext(1);
        var (train, test) = Data.Split(Data.Sentiment());
        var trainData = ml.Data.LoadFromEnumerable(train);
        var testData = ml.Data.LoadFromEnumerable(test);

        var baseline = ml.Transforms.Text.FeaturizeText("Features", "Text")
            .Append(ml.BinaryClassification.Trainers.AveragedPerceptron()).Fit(trainData);
        var b = ml.BinaryClassification.EvaluateNonCalibrated(baseline.Transform(testData));
        Console.WriteLine($"   ML.NET FeaturizeText + AveragedPerceptron: test accuracy {b.Accuracy:F3}");

        SequenceSearchSpace Space() => CpuSizedSpace(EncoderKind.Lstm, EncoderKind.Gru, EncoderKind.Transformer, EncoderKind.Cnn)
            .Narrow("Pooling", "Last", "Mean", "Max", "Attention")   // Flatten needs fixed positions; text has none
            .WithPreprocessing(c => ml.Transforms.Text.NormalizeText("Norm", "Text", keepPunctuations: false)
                    .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Norm"))
                    .Append(ml.Transforms.EncodeTokens("Ids", "Tokens", minimumCount: c.Get<int>("MinimumCount")))
                    .Append(ml.Transforms.PadSequences("Features", "Ids", length: c.Get<int>("PadLength"))),
                SweepParameter.Choice("PadLength", new object[] { 16, 24, 32, 48 }, 32), SweepParameter.Integer("MinimumCount", 1, 3, defaultValue: 2));

        var results = new List<(string, SequenceSweepResult)>();
        foreach (var tuner in new[] { SweepTunerKind.Tpe, SweepTunerKind.Random })
        {
            var result = Sweep(ml, SequenceTask.BinaryClassification, new SequenceSweepOptions
            {
                SearchSpace = Space(),
                Tuner = tuner,
                TimeBudget = TimeSpan.FromMinutes(minutes),
                MaximumEpochs = 15,
                Seed = 1,
            }, trainData);
            var m = ml.BinaryClassification.Evaluate(result.Model!.Transform(testData));
            Console.WriteLine($"   {tuner}: best trial #{result.BestTrial!.Id} (validation accuracy {result.BestTrial.Metric:F3}) refit on all 2400 rows: test accuracy {m.Accuracy:F3}, AUC {m.AreaUnderRocCurve:F3} " +
                $"({m.Accuracy - b.Accuracy:+0.000;-0.000} against the perceptron)");
            (result.Model as IDisposable)?.Dispose();
            results.Add((tuner.ToString(), result));
        }
        var png = Path.Combine(outDir, "sweep-sentiment.png");
        SweepPlots.SaveBestSoFar(png, results, title: $"sentiment: best validation accuracy so far ({minutes} min per tuner)");
        Console.WriteLine($"   best-so-far curves: {png}");
    }

    // ---------------------------------------------------------------- splice

    private static void Splice(string outDir, double minutes)
    {
        Console.WriteLine($"== Sweep: splice junctions (DNA, the main job's 80/20 split; {minutes} min of trials per tuner, seed 1)");
        var ml = new MLContext(1);
        var (train, test) = Data.Split(Data.Splice());
        var prep = ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label")
            .Append(ml.Transforms.OneHotEncodeSequence("Features", "Sequence", alphabet: "ACGT"))
            .Fit(ml.Data.LoadFromEnumerable(train));
        var trainData = prep.Transform(ml.Data.LoadFromEnumerable(train));
        var testData = prep.Transform(ml.Data.LoadFromEnumerable(test));

        var baseline = ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy("LabelKey", "Features").Fit(trainData);
        var b = ml.MulticlassClassification.Evaluate(baseline.Transform(testData), "LabelKey");
        Console.WriteLine($"   ML.NET one-hot + LbfgsMaximumEntropy: test macro accuracy {b.MacroAccuracy:F3} (LightGbm on one-hot: about 0.964, DESIGN.md)");

        var results = new List<(string, SequenceSweepResult)>();
        foreach (var tuner in new[] { SweepTunerKind.Tpe, SweepTunerKind.Random })
        {
            var result = Sweep(ml, SequenceTask.MulticlassClassification, new SequenceSweepOptions
            {
                LabelColumnName = "LabelKey",
                SearchSpace = CpuSizedSpace(EncoderKind.Lstm, EncoderKind.Gru, EncoderKind.Transformer, EncoderKind.Cnn),
                Tuner = tuner,
                TimeBudget = TimeSpan.FromMinutes(minutes),
                MaximumEpochs = 15,
                Seed = 1,
            }, trainData);
            var m = ml.MulticlassClassification.Evaluate(result.Model!.Transform(testData), "LabelKey");
            Console.WriteLine($"   {tuner}: best trial #{result.BestTrial!.Id} (validation macro accuracy {result.BestTrial.Metric:F3}) refit on all rows: test macro accuracy {m.MacroAccuracy:F3}, micro {m.MicroAccuracy:F3}");
            (result.Model as IDisposable)?.Dispose();
            results.Add((tuner.ToString(), result));
        }
        var png = Path.Combine(outDir, "sweep-splice.png");
        SweepPlots.SaveBestSoFar(png, results, title: $"splice: best validation macro accuracy so far ({minutes} min per tuner)");
        Console.WriteLine($"   best-so-far curves: {png}");
    }
}
