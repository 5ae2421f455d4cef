using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MLNet.Sequence.Serving;

/// <summary>The body of <c>POST /predict</c>: one text, or a list scored in one batch.</summary>
public sealed class PredictRequest
{
    /// <summary>One text.</summary>
    public string? Text { get; set; }

    /// <summary>Several texts, scored together.</summary>
    public string[]? Texts { get; set; }
}

/// <summary>
/// The minimal API: <c>POST /predict</c> (<c>{"text": ...}</c> → one prediction, <c>{"texts": [...]}</c> → a list),
/// <c>GET /health</c>, <c>GET /metrics</c>. Listens on 127.0.0.1 only.
/// </summary>
public static class SentimentService
{
    /// <summary>The most texts one batch request may carry.</summary>
    public const int MaximumBatch = 1000;

    /// <summary>Builds the app for the model at <paramref name="modelPath"/>; <c>profile.json</c> beside it feeds the drift indicator.</summary>
    /// <param name="modelPath">A chain saved with <c>SaveSequenceModel</c> (TorchSharp, or ending in ApplyOnnxModel).</param>
    /// <param name="port">The loopback port; 0 picks a free one (read it back with <see cref="Address"/>).</param>
    public static WebApplication Build(string modelPath, int port)
    {
        var scorer = new SentimentScorer(modelPath);
        var profilePath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelPath))!, "profile.json");
        var metrics = new ServingMetrics(scorer.Encoder, File.Exists(profilePath) ? TrainingProfile.Read(profilePath) : null);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        builder.Services.AddSingleton(scorer);
        var app = builder.Build();
        app.Lifetime.ApplicationStopped.Register(scorer.Dispose);

        app.MapPost("/predict", (PredictRequest request) =>
        {
            var started = Stopwatch.GetTimestamp();
            if (request.Texts is { } texts)
            {
                if (texts.Length == 0 || texts.Length > MaximumBatch || texts.Any(t => t is null))
                {
                    metrics.RecordError();
                    return Results.BadRequest(new { error = $"'texts' must hold 1 to {MaximumBatch} strings; it held {texts.Length}{(texts.Any(t => t is null) ? ", some null" : "")}." });
                }
                var predictions = scorer.PredictBatch(texts);
                metrics.Record(texts, batch: true, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return Results.Ok(new { predictions });
            }
            if (request.Text is { } text)
            {
                var prediction = scorer.Predict(text);
                metrics.Record(new[] { text }, batch: false, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return Results.Ok(prediction);
            }
            metrics.RecordError();
            return Results.BadRequest(new { error = "Send {\"text\": \"...\"} for one prediction or {\"texts\": [\"...\", ...]} for several." });
        });
        app.MapGet("/health", () => Results.Ok(new { status = "ok", model = Path.GetFileName(modelPath), runtime = scorer.Kind }));
        app.MapGet("/metrics", () => Results.Ok(metrics.Snapshot()));
        return app;
    }

    /// <summary>The address a started app listens on (e.g. <c>http://127.0.0.1:5123</c>).</summary>
    public static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
}
