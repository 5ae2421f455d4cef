using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Sequence.Examples;

/// <summary>
/// Next-item recommendation on MovieLens small (data/recsys) by the leave-last-out protocol: each user's ratings in
/// time order (equal times by movie id); the last movie is the test target, the one before it the validation target,
/// the rest training; every movie the user has not rated is ranked (no sampled negatives): HR@10, NDCG@10, MRR.
/// </summary>
public static class RecsysJob
{
    public sealed class History
    {
        public string[] Sequence { get; set; } = Array.Empty<string>();
        public string Next { get; set; } = "";
    }

    public sealed record Split(string[] Train, string Validation, string Test);

    public static List<Split> Splits()
    {
        var events = File.ReadLines(Data.PathOf("recsys/movielens_small_ratings.csv")).Skip(1).Select(l => l.Split(','))
            .Select(f => (User: int.Parse(f[0], CultureInfo.InvariantCulture), Item: int.Parse(f[1], CultureInfo.InvariantCulture), Time: long.Parse(f[3], CultureInfo.InvariantCulture)));
        return events.GroupBy(e => e.User).OrderBy(g => g.Key)
            .Select(g => g.OrderBy(e => e.Time).ThenBy(e => e.Item).Select(e => e.Item.ToString(CultureInfo.InvariantCulture)).ToArray())
            .Where(h => h.Length >= 3).Select(h => new Split(h[..^2], h[^2], h[^1])).ToList();
    }

    /// <summary>Adds each judged user's whole next-movie distribution (seen movies left out) to <paramref name="summed"/>.</summary>
    private static void AddDistribution(MLContext ml, NextElementTransformer model, IDataView judged, List<Dictionary<string, double>> summed)
    {
        using var all = model.WithPredictions(model.Elements.Count, excludeSeenElements: true);
        var scored = all.Transform(judged);
        var keys = scored.GetColumn<uint[]>("PredictedLabel").ToList();   // arrays: a VBuffer's storage is reused row to row
        var probabilities = scored.GetColumn<float[]>("Score").ToList();
        for (int u = 0; u < keys.Count; u++)
        {
            if (summed.Count <= u)
                summed.Add(new Dictionary<string, double>(StringComparer.Ordinal));
            var k = keys[u];
            for (int i = 0; i < k.Length; i++)
            {
                if (k[i] == 0)
                    continue;   // fewer candidates than k: a missing key pads the vector
                var movie = model.Elements[(int)k[i] - 1];
                summed[u][movie] = summed[u].GetValueOrDefault(movie) + probabilities[u][i];
            }
        }
    }

    /// <summary>HR@10, NDCG@10 and MRR of the targets ranked by summed probability (ties at their expected rank; a movie no model ranks is a miss).</summary>
    private static (double Hr, double Ndcg, double Mrr) Rank(List<Dictionary<string, double>> summed, List<string> targets)
    {
        double hr = 0, ndcg = 0, mrr = 0;
        for (int u = 0; u < targets.Count; u++)
        {
            if (!summed[u].TryGetValue(targets[u], out double t))
                continue;
            long higher = summed[u].Values.LongCount(v => v > t), ties = summed[u].Values.LongCount(v => v == t) - 1;
            double rank = 1 + higher + ties / 2.0;
            mrr += 1 / rank;
            if (rank <= 10)
            {
                hr++;
                ndcg += 1 / Math.Log2(rank + 1);
            }
        }
        return (hr / targets.Count, ndcg / targets.Count, mrr / targets.Count);
    }

    /// <summary>
    /// -- recsys [gru|transformer|lstm] [epochs] [seeds] [width] [dropout] [element dropout] [tie 0/1] [learning rate] [context] [test|validation] [ensemble] [threads].
    /// test (default): trained on everything but each user's test target (as the baselines are), judged on the test
    /// targets; validation: trained on the training items only, judged on the validation targets (for choosing a recipe).
    /// ensemble: also judges the seeds' models together, each unseen movie scored by the mean of their probabilities
    /// (every model's whole distribution read through the public API: WithPredictions with k = every element).
    /// </summary>
    public static void Run(string[] args)
    {
        string family = args.Length > 0 ? args[0] : "gru";
        int epochs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
        int seeds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        int width = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 64;
        float dropout = args.Length > 4 ? float.Parse(args[4], CultureInfo.InvariantCulture) : 0.3f;
        double elementDropout = args.Length > 5 ? double.Parse(args[5], CultureInfo.InvariantCulture) : 0.1;
        bool tie = args.Length > 6 ? args[6] == "1" : true;
        double lr = args.Length > 7 ? double.Parse(args[7], CultureInfo.InvariantCulture) : 2e-3;
        int context = args.Length > 8 ? int.Parse(args[8], CultureInfo.InvariantCulture) : 200;
        bool validate = args.Length > 9 && args[9] == "validation";
        bool ensemble = args.Length > 10 && args[10] == "ensemble";
        int? threads = args.Length > 11 ? int.Parse(args[11], CultureInfo.InvariantCulture) : null;
        var summed = new List<Dictionary<string, double>>();   // per judged user: movie -> summed probability over seeds
        var splits = Splits();
        Console.WriteLine($"== Next-item recommendation, MovieLens small: {splits.Count} users, leave-last-out, full ranking; {family} width {width}, dropout {dropout}, " +
                          $"element dropout {elementDropout}, tied {tie}, lr {lr}, context {context}, {epochs} epochs");
        var test = new List<(double Hr, double Ndcg, double Mrr)>();
        for (int seed = 1; seed <= seeds; seed++)
        {
            var ml = new MLContext(seed);
            var train = ml.Data.LoadFromEnumerable(splits.Select(s => new History { Sequence = validate ? s.Train : s.Train.Append(s.Validation).ToArray() }));
            var judged = ml.Data.LoadFromEnumerable(validate
                ? splits.Select(s => new History { Sequence = s.Train, Next = s.Validation })
                : splits.Select(s => new History { Sequence = s.Train.Append(s.Validation).ToArray(), Next = s.Test }));
            var clock = Stopwatch.StartNew();
            IEstimator<NextElementTransformer> trainer = family switch
            {
                "transformer" => ml.NextElement.Trainers.SequenceTransformer(new TransformerNextElementOptions
                {
                    EmbeddingDimension = width, FeedForwardDimension = 2 * width, NumberOfLayers = 2, NumberOfHeads = 2, Dropout = dropout, ElementDropout = elementDropout,
                    TieEmbeddings = tie, LearningRate = lr, NumberOfEpochs = epochs, MaximumContextLength = context, Seed = seed, ExcludeSeenElements = true,
                    NumberOfThreads = threads,
                }),
                "lstm" => ml.NextElement.Trainers.SequenceLstm(new LstmNextElementOptions
                {
                    EmbeddingDimension = width, HiddenSize = width, Dropout = dropout, ElementDropout = elementDropout, TieEmbeddings = tie, LearningRate = lr,
                    NumberOfEpochs = epochs, MaximumContextLength = context, Seed = seed, ExcludeSeenElements = true, NumberOfThreads = threads,
                }),
                _ => ml.NextElement.Trainers.SequenceGru(new GruNextElementOptions
                {
                    EmbeddingDimension = width, HiddenSize = width, Dropout = dropout, ElementDropout = elementDropout, TieEmbeddings = tie, LearningRate = lr,
                    NumberOfEpochs = epochs, MaximumContextLength = context, Seed = seed, ExcludeSeenElements = true, NumberOfThreads = threads,
                }),
            };
            using var model = trainer.Fit(train);
            double seconds = clock.Elapsed.TotalSeconds;
            var t = ml.NextElement.Evaluate(model, judged, "Next", k: 10, excludeSeenElements: true);
            test.Add((t.TopKAccuracy, t.Ndcg, t.MeanReciprocalRank));
            Console.WriteLine($"   seed {seed}: {(validate ? "validation" : "test")} HR@10 {t.TopKAccuracy:F4} NDCG@10 {t.Ndcg:F4} MRR {t.MeanReciprocalRank:F4}  ({seconds:F0} s)");
            if (ensemble)
                AddDistribution(ml, model, judged, summed);
        }
        if (ensemble)
        {
            var targets = validate ? splits.Select(s => s.Validation).ToList() : splits.Select(s => s.Test).ToList();
            var (eHr, eNdcg, eMrr) = Rank(summed, targets);
            Console.WriteLine($"   ensemble of the {seeds} seeds (mean probability): {(validate ? "validation" : "test")} HR@10 {eHr:F4} NDCG@10 {eNdcg:F4} MRR {eMrr:F4}");
        }
        static (double Mean, double Sd) Stat(IEnumerable<double> x)
        {
            var a = x.ToArray();
            double mean = a.Average();
            return (mean, a.Length > 1 ? Math.Sqrt(a.Sum(v => (v - mean) * (v - mean)) / (a.Length - 1)) : 0);
        }
        var hr = Stat(test.Select(x => x.Hr));
        var ndcg = Stat(test.Select(x => x.Ndcg));
        var mrr = Stat(test.Select(x => x.Mrr));
        Console.WriteLine($"   {(validate ? "validation" : "test")} mean ± sd over {seeds} seeds: HR@10 {hr.Mean:F4} ± {hr.Sd:F4}, NDCG@10 {ndcg.Mean:F4} ± {ndcg.Sd:F4}, MRR {mrr.Mean:F4} ± {mrr.Sd:F4}");
        Console.WriteLine("   (test baselines on this protocol, tests/Recommendation, fit on everything but the test targets: most popular HR@10 0.0426 NDCG@10 0.0194; decayed transitions over the last 5 items 0.0967 / 0.0542)");
    }
}
