using System;
using Microsoft.Extensions.Hosting;
using System.IO;
using System.Threading.Tasks;

namespace MLNet.Sequence.Serving;

/// <summary>
/// <c>train [folder]</c> writes the sentiment model in both forms; <c>serve model.zip [port]</c> serves one;
/// <c>loadtest [folder] [seconds]</c> measures both, in process and over loopback HTTP.
/// </summary>
public static class ServingProgram
{
    /// <summary>Entry point.</summary>
    public static async Task<int> Main(string[] args)
    {
        string command = args.Length > 0 ? args[0] : "help";
        switch (command)
        {
            case "train":
            {
                var folder = args.Length > 1 ? args[1] : "serving-output";
                var test = SentimentModels.Train(folder);
                Console.WriteLine($"wrote {Path.GetFullPath(folder)}: torch.zip, sentiment.onnx, onnx.zip, profile.json ({test.Count} test sentences held out)");
                return 0;
            }
            case "serve":
            {
                if (args.Length < 2)
                    return Usage();
                var app = SentimentService.Build(args[1], args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5080);
                await app.StartAsync();
                Console.WriteLine($"serving {args[1]} at {SentimentService.Address(app)} (POST /predict, GET /health, GET /metrics); Ctrl+C stops");
                await app.WaitForShutdownAsync();
                return 0;
            }
            case "loadtest":
            {
                var folder = args.Length > 1 ? args[1] : "serving-output";
                double seconds = args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10;
                await LoadTest.Run(folder, seconds);
                return 0;
            }
            default:
                return Usage();
        }
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: train [folder] | serve <model.zip> [port] | loadtest [folder] [seconds per level]");
        return 2;
    }
}
