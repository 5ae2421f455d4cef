using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Json;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Sequence.Serving;

/// <summary>
/// The same sentiment model as TorchSharp and as ONNX Runtime, side by side in one run: in process (single-row
/// prediction engines, batched Transform) and over loopback HTTP at 1, 4 and 16 concurrent clients (p50/p99 latency,
/// throughput). Bounded: each HTTP level runs for the given seconds or 20,000 requests, whichever comes first.
/// </summary>
public static class LoadTest
{
    private static readonly string[] Kinds = { "torch", "onnx" };

    /// <summary>Trains the models into <paramref name="folder"/> when absent, measures, prints and writes <c>loadtest.md</c>.</summary>
    public static async Task Run(string folder, double seconds)
    {
        if (!File.Exists(Path.Combine(folder, "torch.zip")) || !File.Exists(Path.Combine(folder, "onnx.zip")))
            SentimentModels.Train(folder);
        var texts = SentimentModels.Split(new MLContext(1)).Test.Select(r => r.Text).ToArray();
        var report = new StringBuilder();
        report.AppendLine($"Load test, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {texts.Length} test sentences").AppendLine();

        // In process: alternate the two runtimes block by block so drift in machine speed hits both alike.
        using (var torch = new SentimentScorer(Path.Combine(folder, "torch.zip")))
        using (var onnx = new SentimentScorer(Path.Combine(folder, "onnx.zip")))
        {
            var scorers = new[] { torch, onnx };
            var a = torch.PredictBatch(texts);
            var b = onnx.PredictBatch(texts);
            double worst = a.Zip(b, (x, y) => Math.Abs(x.Probability - y.Probability)).Max();
            int agree = a.Zip(b, (x, y) => x.Label == y.Label ? 1 : 0).Sum();
            report.AppendLine($"Agreement: largest probability difference {worst:E2}, labels equal on {agree} of {texts.Length}.").AppendLine();
            foreach (var s in scorers)
                for (int i = 0; i < 100; i++) s.Predict(texts[i]);
            var single = scorers.ToDictionary(s => s.Kind, _ => new List<double>());
            var batch = scorers.ToDictionary(s => s.Kind, _ => new List<double>());
            for (int block = 0; block < 7; block++)
                foreach (var s in scorers)
                {
                    var sw = Stopwatch.StartNew();
                    for (int i = 0; i < 300; i++) s.Predict(texts[(block * 300 + i) % texts.Length]);
                    single[s.Kind].Add(sw.Elapsed.TotalMilliseconds / 300);
                    sw.Restart();
                    s.PredictBatch(texts);
                    batch[s.Kind].Add(texts.Length / sw.Elapsed.TotalSeconds);
                }
            // ONNX Runtime called directly with the whole batch as one [600, 32] tensor (ApplyOnnxModel calls it per row).
            var direct = new List<double>();
            var ml = new MLContext(1);
            using (var chain = (Microsoft.ML.Data.TransformerChain<ITransformer>)ml.Model.LoadSequenceModel(Path.Combine(folder, "onnx.zip"), out _))
            using (var session = new Microsoft.ML.OnnxRuntime.InferenceSession(Path.Combine(folder, "sentiment.onnx")))
            {
                var preparation = new Microsoft.ML.Data.TransformerChain<ITransformer>(chain.Take(chain.Count() - 1).ToArray());
                var prepared = preparation.Transform(ml.Data.LoadFromEnumerable(texts.Select(t => new Review { Text = t }).ToList()));
                for (int block = 0; block < 7; block++)
                {
                    var sw = Stopwatch.StartNew();
                    var ids = prepared.GetColumn<uint[]>("Features").ToArray();
                    var tensor = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<uint>(ids.SelectMany(r => r).ToArray(), new[] { ids.Length, ids[0].Length });
                    using var results = session.Run(new[] { Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("Features", tensor) });
                    var probabilities = results.Single(r => r.Name == "Probability").AsTensor<float>().ToArray();
                    direct.Add(probabilities.Length / sw.Elapsed.TotalSeconds);
                }
            }
            report.AppendLine("| in process | TorchSharp | ONNX Runtime | ONNX / TorchSharp |").AppendLine("|---|---:|---:|---:|");
            report.AppendLine($"| single row (prediction engine), ms per row, median of 7 blocks of 300 | {Median(single["torch"]):F3} | {Median(single["onnx"]):F3} | {Median(single["onnx"]) / Median(single["torch"]):F2} |");
            report.AppendLine($"| batched (Transform of {texts.Length} rows), rows/s, median of 7 | {Median(batch["torch"]):F0} | {Median(batch["onnx"]):F0} | {Median(batch["onnx"]) / Median(batch["torch"]):F2} |");
            report.AppendLine($"| batched, ONNX Runtime's InferenceSession.Run on all {texts.Length} prepared rows at once (preparation included), rows/s, median of 7 | {Median(batch["torch"]):F0} (Transform) | {Median(direct):F0} | {Median(direct) / Median(batch["torch"]):F2} |");
            report.AppendLine();
        }

        // Over HTTP: one server at a time, the clients in this process on the same two cores.
        report.AppendLine("| runtime | concurrent clients | requests | throughput (req/s) | p50 ms | p99 ms | errors |").AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var kind in Kinds)
        {
            var app = SentimentService.Build(Path.Combine(folder, kind + ".zip"), 0);
            await app.StartAsync();
            try
            {
                using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(SentimentService.Address(app)) };
                await Level(http, texts, 2, 2, 200);   // warm-up
                foreach (int clients in new[] { 1, 4, 16 })
                {
                    var (count, elapsed, latencies, errors) = await Level(http, texts, clients, seconds, 20_000);
                    latencies.Sort();
                    report.AppendLine($"| {(kind == "torch" ? "TorchSharp" : "ONNX Runtime")} | {clients} | {count} | {count / elapsed:F0} | {Percentile(latencies, 0.50):F2} | {Percentile(latencies, 0.99):F2} | {errors} |");
                }
                var health = await http.GetStringAsync("/health");
                report.AppendLine($"<!-- {kind}: {health} -->");
            }
            finally
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
        var text = report.ToString();
        Console.WriteLine(text);
        File.WriteAllText(Path.Combine(folder, "loadtest.md"), text);
    }

    private static async Task<(int Count, double Seconds, List<double> Latencies, int Errors)> Level(HttpClient http, string[] texts, int clients, double seconds, int maximum)
    {
        var latencies = new List<double>();
        int issued = 0, errors = 0;
        var clock = Stopwatch.StartNew();
        async Task Client()
        {
            var mine = new List<double>();
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                int n = Interlocked.Increment(ref issued);
                if (n > maximum)
                    break;
                var started = Stopwatch.GetTimestamp();
                using var response = await http.PostAsJsonAsync("/predict", new { text = texts[n % texts.Length] });
                await response.Content.ReadAsByteArrayAsync();
                if (response.IsSuccessStatusCode)
                    mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                else
                    Interlocked.Increment(ref errors);
            }
            lock (latencies)
                latencies.AddRange(mine);
        }
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(Client)));
        return (latencies.Count, clock.Elapsed.TotalSeconds, latencies, errors);
    }

    private static double Median(List<double> values) => Percentile(values.OrderBy(x => x).ToList(), 0.5);

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
