using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Microsoft.ML;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Examples;

/// <summary>
/// How the defaults do on a tiny, a small and a medium training set (docs/results.md): the README's recipe with its
/// old fixed 5 epochs and with the data-scaled default, next to ML.NET's classic bag-of-words pipeline, on the same
/// 600 test sentences, three seeds each.
/// </summary>
public static class DefaultsJob
{
    public static void Run()
    {
        Console.WriteLine("== Defaults on a tiny, a small and a medium training set (sentiment; 600 test sentences; seeds 1-3)");
        Console.WriteLine("   | training rows | method | epochs | optimizer steps | accuracy, seeds 1 / 2 / 3 | majority share | train s |");
        Console.WriteLine("   |---:|---|---:|---:|---|---:|---:|");
        var (train, test) = Data.Split(Data.Sentiment());
        foreach (int size in new[] { 53, 300, 2400 })
        {
            var rows = train.Take(size).ToList();
            double majority = Math.Max(test.Count(r => r.Label), test.Count(r => !r.Label)) / (double)test.Count;
            Row(size, "ML.NET FeaturizeText + AveragedPerceptron", rows, test, majority, ml =>
                ml.Transforms.Text.FeaturizeText("Features", "Text").Append(ml.BinaryClassification.Trainers.AveragedPerceptron()), _ => null);
            Row(size, "temporal CNN, 5 epochs (the former recipe)", rows, test, majority, ml => Recipe(ml, epochs: 5), h => h);
            Row(size, "temporal CNN, default epochs", rows, test, majority, ml => Recipe(ml, epochs: null), h => h);
        }
    }

    private static IEstimator<ITransformer> Recipe(MLContext ml, int? epochs) =>
        ml.Transforms.Text.NormalizeText("Norm", "Text", keepPunctuations: false)
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Norm"))
            .Append(ml.Transforms.EncodeTokens("Ids", "Tokens", minimumCount: 2))
            .Append(ml.Transforms.PadSequences("Features", "Ids", length: 32))
            .Append(ml.BinaryClassification.Trainers.SequenceCnn(new CnnOptions { Pooling = SequencePooling.Max, Dropout = 0.5f, NumberOfEpochs = epochs }));

    private static void Row(int size, string name, List<Data.Review> train, List<Data.Review> test, double majority,
        Func<MLContext, IEstimator<ITransformer>> make, Func<TrainingHistory?, TrainingHistory?> history)
    {
        var accuracies = new List<double>();
        int epochs = 0, steps = 0;
        double seconds = 0;
        foreach (int seed in new[] { 1, 2, 3 })
        {
            var ml = new MLContext(seed);
            var clock = Stopwatch.StartNew();
            var model = make(ml).Fit(ml.Data.LoadFromEnumerable(train));
            seconds += clock.Elapsed.TotalSeconds;
            accuracies.Add(ml.BinaryClassification.EvaluateNonCalibrated(model.Transform(ml.Data.LoadFromEnumerable(test))).Accuracy);
            var seq = (model as IEnumerable<ITransformer>)?.OfType<SequencePredictionTransformer>().FirstOrDefault();
            if (seq?.TrainingHistory is { } h)
            {
                epochs = h.Epochs.Count;
                steps = epochs * (int)Math.Ceiling(train.Count / 32.0);
            }
            (model as IDisposable)?.Dispose();
        }
        string e = epochs > 0 ? epochs.ToString() : "", s = steps > 0 ? steps.ToString() : "";
        Console.WriteLine($"   | {size} | {name} | {e} | {s} | {string.Join(" / ", accuracies.Select(a => a.ToString("F3")))} | {majority:F3} | {seconds / 3:F1} |");
    }
}
