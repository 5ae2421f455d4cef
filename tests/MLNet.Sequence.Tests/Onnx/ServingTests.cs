using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.ML;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Serving;

namespace MLNet.Sequence.Tests.Onnx;

/// <summary>
/// The serving sample (examples/MLNet.Sequence.Serving) on loopback: the same sentiment model as TorchSharp and as ONNX
/// Runtime behind /predict, /health and /metrics.
/// </summary>
[TestClass]
public sealed class ServingTests
{
    public TestContext TestContext { get; set; } = null!;

    private sealed record Answer(bool Label, float Probability);

    [TestMethod]
    public async Task BothRuntimesServeTheSamePredictionsWithMetricsAndDrift()
    {
        var folder = Directory.CreateTempSubdirectory("serving-").FullName;
        try
        {
            var test = SentimentModels.Train(folder, epochs: 2);
            var texts = test.Take(20).Select(r => r.Text).ToArray();
            var probabilities = new float[2][];
            for (int k = 0; k < 2; k++)
            {
                var kind = k == 0 ? "torch" : "onnx";
                var app = SentimentService.Build(Path.Combine(folder, kind + ".zip"), 0);
                await app.StartAsync();
                try
                {
                    using var http = new HttpClient { BaseAddress = new Uri(SentimentService.Address(app)) };
                    var health = await http.GetFromJsonAsync<JsonElement>("/health");
                    Assert.AreEqual(kind, health.GetProperty("runtime").GetString());

                    // A batch, then each text alone from 16 clients at once: the pooled engines agree with the batch.
                    var batch = await (await http.PostAsJsonAsync("/predict", new { texts })).Content.ReadFromJsonAsync<JsonElement>();
                    var batched = batch.GetProperty("predictions").EnumerateArray()
                        .Select(p => new Answer(p.GetProperty("label").GetBoolean(), p.GetProperty("probability").GetSingle())).ToArray();
                    Assert.HasCount(texts.Length, batched);
                    var singles = await Task.WhenAll(Enumerable.Range(0, 16).Select(async i =>
                    {
                        var response = await http.PostAsJsonAsync("/predict", new { text = texts[i] });
                        response.EnsureSuccessStatusCode();
                        var p = await response.Content.ReadFromJsonAsync<JsonElement>();
                        return new Answer(p.GetProperty("label").GetBoolean(), p.GetProperty("probability").GetSingle());
                    }));
                    for (int i = 0; i < 16; i++)
                    {
                        Assert.AreEqual(batched[i].Label, singles[i].Label, $"{kind}: text {i}'s label, alone vs in the batch");
                        Assert.AreEqual(batched[i].Probability, singles[i].Probability, 1e-5, $"{kind}: text {i}'s probability, alone vs in the batch");
                    }
                    probabilities[k] = batched.Select(a => a.Probability).ToArray();

                    // A body with neither field is refused with a message and counted.
                    var bad = await http.PostAsJsonAsync("/predict", new { words = "x" });
                    Assert.AreEqual(HttpStatusCode.BadRequest, bad.StatusCode);
                    StringAssert.Contains(await bad.Content.ReadAsStringAsync(), "texts");

                    var metrics = await http.GetFromJsonAsync<JsonElement>("/metrics");
                    var requests = metrics.GetProperty("requests");
                    Assert.AreEqual(16, requests.GetProperty("single").GetInt64());
                    Assert.AreEqual(1, requests.GetProperty("batch").GetInt64());
                    Assert.AreEqual(36, requests.GetProperty("rows").GetInt64());
                    Assert.AreEqual(1, requests.GetProperty("errors").GetInt64());
                    var histogram = metrics.GetProperty("latencyMs").GetProperty("histogram").EnumerateArray().Sum(b => b.GetProperty("count").GetInt64());
                    Assert.AreEqual(17, histogram, "every answered request in one latency bucket");
                    var drift = metrics.GetProperty("drift");
                    double served = drift.GetProperty("unknownTokenRate").GetDouble(), trained = drift.GetProperty("trainingUnknownTokenRate").GetDouble();
                    double psi = drift.GetProperty("lengthPsi").GetDouble();
                    TestContext.WriteLine($"{kind}: unknown-token rate {served:F3} (training {trained:F3}), length PSI {psi:F3} (36 texts)");

                    // Texts of words the model never saw, and far longer than reviews: the indicator moves.
                    var foreign = Enumerable.Range(0, 10).Select(i => string.Join(" ", Enumerable.Range(0, 40).Select(j => $"qzx{i}w{j}"))).ToArray();
                    (await http.PostAsJsonAsync("/predict", new { texts = foreign })).EnsureSuccessStatusCode();
                    drift = (await http.GetFromJsonAsync<JsonElement>("/metrics")).GetProperty("drift");
                    Assert.IsGreaterThan(served + 0.3, drift.GetProperty("unknownTokenRate").GetDouble(), "unknown words raise the unknown-token rate");
                    TestContext.WriteLine($"{kind} after 10 foreign texts: unknown-token rate {drift.GetProperty("unknownTokenRate").GetDouble():F3}, length PSI {drift.GetProperty("lengthPsi").GetDouble():F3}");
                    Assert.IsGreaterThan(psi + 0.3, drift.GetProperty("lengthPsi").GetDouble(), "40-word texts shift the length distribution");
                }
                finally
                {
                    await app.StopAsync();
                    await app.DisposeAsync();
                }
            }
            double worst = probabilities[0].Zip(probabilities[1], (a, b) => Math.Abs(a - b)).Max();
            TestContext.WriteLine($"TorchSharp vs ONNX Runtime over HTTP: largest probability difference {worst:E2}");
            Assert.IsLessThan(1e-4, worst);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
