using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Trainers.Network;

namespace MLNet.Sequence.Benchmarks;

/// <summary>
/// The library's LSTM kernel choice (libtorch's training kernel where a probe found the inference kernel wrong for the
/// LSTM's shape, the inference kernel elsewhere) against the inference kernel forced: single-row prediction engines and
/// batched Transform on sentiment models, alternating block by block in one run, with how far apart their
/// probabilities are.
/// </summary>
public static class LstmKernelSpeed
{
    public sealed class Review
    {
        [LoadColumn(0)] public string Source { get; set; } = "";
        [LoadColumn(1)] public bool Label { get; set; }
        [LoadColumn(2)] public string Text { get; set; } = "";
    }

    public sealed class Output
    {
        public float Probability { get; set; }
    }

    public static int Run()
    {
        var ml = new MLContext(1);
        var path = Path.Combine(AppContext.BaseDirectory, "data", "text", "uci_sentiment_labelled_sentences.tsv");
        var rows = ml.Data.CreateEnumerable<Review>(ml.Data.LoadFromTextFile<Review>(path, separatorChar: '\t', hasHeader: true), false).ToList();
        var rng = new Random(1);
        var order = Enumerable.Range(0, rows.Count).Select(i => (i, k: rng.Next())).OrderBy(t => t.k).Select(t => t.i).ToList();
        var train = ml.Data.LoadFromEnumerable(order.Take(2400).Select(i => rows[i]).ToList());
        var testRows = order.Skip(2400).Select(i => rows[i]).ToList();
        var test = ml.Data.LoadFromEnumerable(testRows);
        var prep = ml.Transforms.Text.NormalizeText("Norm", "Text", keepPunctuations: false)
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Norm"))
            .Append(ml.Transforms.EncodeTokens("Ids", "Tokens", minimumCount: 2))
            .Append(ml.Transforms.PadSequences("Features", "Ids", length: 32)).Fit(train);
        Console.WriteLine("| model | kernel | PredictionEngine ms/row (median of 7 × 300) | Transform rows/s (median of 7 × 600) | choice / forced inference: single-row time | batched throughput | largest probability difference |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var (name, options) in new (string, LstmOptions)[]
        {
            ("BiLSTM 64, embedding 64, max pooling (the serving sample)", new LstmOptions { EmbeddingDimension = 64, HiddenSize = 64, Bidirectional = true, Pooling = SequencePooling.Max, NumberOfEpochs = 2, Seed = 1 }),
            ("LSTM 16, embedding 16, last step", new LstmOptions { EmbeddingDimension = 16, HiddenSize = 16, NumberOfEpochs = 2, Seed = 1 }),
        })
        {
            using var model = ml.BinaryClassification.Trainers.SequenceLstm(options).Fit(prep.Transform(train));
            var chain = prep.Append(model);
            var engine = ml.Model.CreatePredictionEngine<Review, Output>(chain);
            var probabilities = new Dictionary<bool, float[]>();
            var single = new Dictionary<bool, List<double>> { [false] = new(), [true] = new() };
            var batch = new Dictionary<bool, List<double>> { [false] = new(), [true] = new() };
            foreach (var inference in new[] { false, true })
            {
                LstmKernelChoice.InferenceKernelForBenchmarks = inference;
                probabilities[inference] = chain.Transform(test).GetColumn<float>("Probability").ToArray();
                for (int i = 0; i < 100; i++) engine.Predict(testRows[i]);
            }
            for (int block = 0; block < 7; block++)
                foreach (var inference in new[] { false, true })
                {
                    LstmKernelChoice.InferenceKernelForBenchmarks = inference;
                    var sw = Stopwatch.StartNew();
                    for (int i = 0; i < 300; i++) engine.Predict(testRows[(block * 300 + i) % testRows.Count]);
                    single[inference].Add(sw.Elapsed.TotalMilliseconds / 300);
                    sw.Restart();
                    foreach (var _ in chain.Transform(test).GetColumn<float>("Probability")) { }
                    batch[inference].Add(testRows.Count / sw.Elapsed.TotalSeconds);
                }
            LstmKernelChoice.InferenceKernelForBenchmarks = false;
            double worst = probabilities[false].Zip(probabilities[true], (a, b) => Math.Abs(a - b)).Max();
            double Median(List<double> v) => v.OrderBy(x => x).ElementAt(v.Count / 2);
            var choice = ((SequencePredictionTransformer)model).Engine.Network.Encoder is RecurrentEncoder r && r.InferenceKernelIsExact ? "inference (the probe found it right)" : "training (the probe found the inference kernel wrong)";
            foreach (var inference in new[] { false, true })
                Console.WriteLine($"| {name} | {(inference ? "inference, forced" : "library's choice: " + choice)} | {Median(single[inference]):F3} | {Median(batch[inference]):F0} | " +
                    (inference ? "| | |" : $"{Median(single[false]) / Median(single[true]):F2} | {Median(batch[false]) / Median(batch[true]):F2} | {worst:E2} |"));
        }
        return 0;
    }
}
