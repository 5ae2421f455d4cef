using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Trainers.Native;
using MLNet.Sequence.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Benchmarks;

/// <summary>
/// Training and scoring speed, side by side in one run: (a) Fit on an IDataView through this library, (b) a raw
/// TorchSharp loop over pre-built tensors with the same network, (c) PyTorch (pytorch/train_speed.py, same shapes).
/// Shapes: batch 64, length 50, 8 features, hidden 64, Adam, MSE, no dropout or clipping; the Transformer has
/// d 64, 4 heads, 2 layers, feed-forward 128. Data: standard-normal features and labels (seeded); speed does not
/// depend on the values. Usage: dotnet run -c Release --project benchmarks/MLNet.Sequence.Benchmarks -- trainers [setting ...], settings
/// being thread counts or auto (default: 1 2 auto)
/// </summary>
public static class TrainerSpeed
{
    private const int B = 64, T = 50, F = 8, Rows = 64 * 60;

    public sealed class Row
    {
        [VectorType(T, F)] public float[] Features { get; set; } = new float[T * F];
        public float Label { get; set; }
    }

    /// <summary>
    /// Runs every setting in <paramref name="settings"/> ("1", "2", ..., "auto") side by side: for each model, Fit and
    /// scoring at each setting in turn, PyTorch at each fixed count before and after.
    /// </summary>
    public static int Run(string[] settings)
    {
        TorchNative.EnsureLoaded();
        Console.WriteLine($"libtorch default threads: {torch.get_num_threads()}; settings: {string.Join(", ", settings)}.");
        var rng = new Random(1);
        var rows = Enumerable.Range(0, Rows).Select(_ => new Row
        {
            Features = Enumerable.Range(0, T * F).Select(_ => (float)Normal(rng)).ToArray(),
            Label = (float)Normal(rng),
        }).ToList();
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(rows);
        var fixedCounts = settings.Where(x => x != "auto").Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();

        // Warm-up: the first Fit in a process runs on freshly jitted, unoptimised code for a while.
        var warm = Options(EncoderKind.Lstm);
        warm.NumberOfEpochs = 2;
        ml.Regression.Trainers.SequenceLstm((LstmOptions)warm).Fit(data).Dispose();
        var pyBefore = fixedCounts.ToDictionary(n => n, RunPyTorch);
        var results = new List<Result>();
        foreach (var kind in new[] { EncoderKind.Lstm, EncoderKind.Gru, EncoderKind.Transformer })
        {
            // Training: two rounds, the second in reverse order, so that no setting always runs first; the better
            // round is reported (interference from the shared machine only ever slows a run down).
            var rounds = new List<Result>();
            var models = new Dictionary<string, SequencePredictionTransformer>();
            foreach (var setting in settings.Concat(settings.Reverse()))
            {
                int? threads = setting == "auto" ? null : int.Parse(setting, CultureInfo.InvariantCulture);
                var (fit, raw, ratio) = FitAndRawInterleaved(ml, data, kind, threads, out var model);
                rounds.Add(new Result(kind, setting, model.TrainingHistory?.Threads ?? 0, 0, 0, fit, raw, ratio, 0, 0, 0, 0));
                Console.WriteLine($"{kind} {setting}: Fit {fit:F1} steps/s, raw {raw:F1}, trained at {model.TrainingHistory?.Threads} threads");
                if (models.Remove(setting, out var earlier))
                    earlier.Dispose();
                models[setting] = model;
            }
            // Scoring: the settings' models alternate block by block, so that each measure sees the same moments.
            var probes = settings.ToDictionary(x => x, x => new ScoringProbe(ml, models[x], data, rows));
            foreach (var p in probes.Values) { p.EngineBlock(); p.RawBlock(); p.TransformOnce(); p.RawBatchedOnce(); }
            for (int k = 0; k < 9; k++)
                foreach (var p in probes.Values) { p.Engine.Add(p.EngineBlock()); p.Raw.Add(p.RawBlock()); }
            for (int k = 0; k < 5; k++)
                foreach (var p in probes.Values) { p.Transform.Add(p.TransformOnce()); p.RawBatched.Add(p.RawBatchedOnce()); }
            foreach (var setting in settings)
            {
                var p = probes[setting];
                var best = Result.Best(rounds.Where(r => r.Setting == setting).ToList());
                var (single, batch) = models[setting].ScoringThreads;
                var r = best with
                {
                    SingleThreads = single, BatchThreads = batch,
                    EngineMs = Median(p.Engine), RawOneMs = Median(p.Raw), TransformRows = Median(p.Transform), RawBatchRows = Median(p.RawBatched),
                };
                results.Add(r);
                Console.WriteLine(r.Line(null));
                p.Dispose();
            }
        }
        var pyAfter = fixedCounts.ToDictionary(n => n, RunPyTorch);
        Console.WriteLine();
        Console.WriteLine("| model | threads (train / single / batch) | (a) Fit steps/s | (b) raw TorchSharp steps/s | a/b | (c) PyTorch steps/s, before / after | PredictionEngine ms/row | raw batch-1 ms | ratio | Transform rows/s | raw batched rows/s | ratio |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            string py = r.Setting == "auto" ? "" : $"{Py(pyBefore, r)} / {Py(pyAfter, r)}";
            Console.WriteLine(r.Line(py));
        }
        if (settings.Contains("auto") && fixedCounts.Length > 0)
        {
            Console.WriteLine();
            Console.WriteLine("| model | auto chose (train / single / batch) | the chosen count's fixed run / best fixed: training | single-row | batched | auto's own run / best fixed: training | single-row | batched |");
            Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");
            foreach (var group in results.GroupBy(r => r.Kind))
            {
                var auto = group.Single(r => r.Setting == "auto");
                var fixedRuns = group.Where(r => r.Setting != "auto").ToList();
                Result? At(int n) => fixedRuns.FirstOrDefault(r => r.Setting == n.ToString(CultureInfo.InvariantCulture));
                double bestFit = fixedRuns.Max(r => r.Fit), bestMs = fixedRuns.Min(r => r.EngineMs), bestRows = fixedRuns.Max(r => r.TransformRows);
                string Chosen(Result? r, Func<Result, double> ratio) => r == null ? "-" : ratio(r).ToString("F2", CultureInfo.InvariantCulture);
                Console.WriteLine($"| {group.Key} | {(auto.TrainThreads < 0 ? "1-2" : auto.TrainThreads.ToString(CultureInfo.InvariantCulture))} / {auto.SingleThreads} / {auto.BatchThreads} | " +
                    $"{Chosen(At(auto.TrainThreads), r => r.Fit / bestFit)} | {Chosen(At(auto.SingleThreads), r => bestMs / r.EngineMs)} | {Chosen(At(auto.BatchThreads), r => r.TransformRows / bestRows)} | " +
                    $"{auto.Fit / bestFit:F2} | {bestMs / auto.EngineMs:F2} | {auto.TransformRows / bestRows:F2} |");
            }
        }
        Console.WriteLine();
        Console.WriteLine("| threads | LSTM training GFLOP/s (a) | GEMM peak GFLOP/s, 1024³ | GEMM 3200 × 64 × 256 | training / peak |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        foreach (var n in fixedCounts)
        {
            var lstm = results.Single(r => r.Kind == EncoderKind.Lstm && r.Setting == n.ToString(CultureInfo.InvariantCulture));
            double achieved = LstmTrainingFlops() * lstm.Fit / 1e9;
            var (peak, shaped) = GemmPeak(n);
            Console.WriteLine($"| {n} | {achieved:F1} | {peak:F1} | {shaped:F1} | {achieved / peak:P0} |");
        }
        return 0;
    }

    private static string Py(Dictionary<int, Dictionary<string, double>> runs, Result r)
    {
        int n = int.Parse(r.Setting, CultureInfo.InvariantCulture);
        return runs.TryGetValue(n, out var py) && py.TryGetValue(r.Kind.ToString().ToLowerInvariant(), out var v) ? v.ToString("F1", CultureInfo.InvariantCulture) : "-";
    }

    private sealed record Result(EncoderKind Kind, string Setting, int TrainThreads, int SingleThreads, int BatchThreads,
        double Fit, double Raw, double Ratio, double EngineMs, double RawOneMs, double TransformRows, double RawBatchRows)
    {
        /// <summary>The round with the faster Fit; the training count when the rounds agree, else -1.</summary>
        public static Result Best(List<Result> runs)
        {
            var fastest = runs.OrderByDescending(r => r.Fit).First();
            return fastest with { TrainThreads = runs.Select(r => r.TrainThreads).Distinct().Count() == 1 ? fastest.TrainThreads : -1 };
        }

        public string Line(string? py) =>
            $"| {Kind} | {Setting}{(Setting == "auto" ? $" ({(TrainThreads < 0 ? "1-2" : TrainThreads.ToString(CultureInfo.InvariantCulture))} / {SingleThreads} / {BatchThreads})" : "")} | {Fit:F1} | {Raw:F1} | {Ratio:F2} | " +
            (py == null ? "" : $"{py} | ") +
            $"{EngineMs:F3} | {RawOneMs:F3} | {EngineMs / RawOneMs:F2} | {TransformRows:F0} | {RawBatchRows:F0} | {TransformRows / RawBatchRows:F2} |";
    }

    /// <summary>
    /// Floating-point operations of one LSTM training step at the benchmark's shapes, counting the GEMMs only (they
    /// are all but a few percent): forward 2·B·T·4H·(F + H), backward twice that (input and weight gradients).
    /// </summary>
    private static double LstmTrainingFlops() => 3.0 * 2 * B * T * 4 * 64 * (F + 64);

    /// <summary>Best-of-5 GFLOP/s of libtorch's sgemm at <paramref name="threads"/>: 1024³, and the LSTM's input-sized 3200 × 64 × 256.</summary>
    private static (double Peak, double Shaped) GemmPeak(int threads)
    {
        using var scope = torch.NewDisposeScope();
        int before = torch.get_num_threads();
        torch.set_num_threads(threads);
        double Best(long m, long k, long n, int reps)
        {
            var a = torch.randn(m, k);
            var b = torch.randn(k, n);
            a.mm(b).Dispose();
            double best = 0;
            for (int block = 0; block < 5; block++)
            {
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < reps; i++)
                    a.mm(b).Dispose();
                best = Math.Max(best, 2.0 * m * k * n * reps / clock.Elapsed.TotalSeconds / 1e9);
            }
            return best;
        }
        var result = (Best(1024, 1024, 1024, 10), Best(3200, 64, 256, 50));
        torch.set_num_threads(before);
        return result;
    }

    private static double Normal(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    private static NetworkConfig Config(EncoderKind kind) => new()
    {
        Encoder = kind,
        FeaturesPerStep = F,
        SequenceLength = T,
        HiddenSize = 64,
        Layers = kind == EncoderKind.Transformer ? 2 : 1,
        Heads = 4,
        FeedForwardDimension = 128,
        Dropout = 0,
        Pooling = SequencePooling.Last,
        Outputs = 1,
    };

    private static SequenceTrainerOptions Options(EncoderKind kind)
    {
        SequenceTrainerOptions o = kind switch
        {
            EncoderKind.Lstm => new LstmOptions { HiddenSize = 64 },
            EncoderKind.Gru => new GruOptions { HiddenSize = 64 },
            _ => new TransformerOptions { ModelDimension = 64, NumberOfHeads = 4, NumberOfLayers = 2, FeedForwardDimension = 128 },
        };
        o.BatchSize = B;
        o.NumberOfEpochs = 8;
        o.Dropout = 0;
        o.GradientClipNorm = 0;
        o.NormalizeFeatures = false;
        o.NormalizeLabel = false;
        o.Seed = 1;
        return o;
    }

    /// <summary>
    /// (a) and (b) interleaved, because these machines are noisy: after each Fit epoch, the progress callback runs 60
    /// steps of (b), the library's own network trained on pre-built tensors by a hand-written loop. Returns the medians
    /// of (a) and (b) over epochs 2-8 and the median of their per-epoch ratios.
    /// </summary>
    private static (double Fit, double Raw, double Ratio) FitAndRawInterleaved(MLContext ml, IDataView data, EncoderKind kind, int? threads, out SequencePredictionTransformer model)
    {
        torch.manual_seed(1);
        using var net = new SequenceNetwork(Config(kind));
        var xs = Enumerable.Range(0, 20).Select(_ => torch.randn(B, T, F).DetachFromDisposeScope()).ToArray();
        var ys = Enumerable.Range(0, 20).Select(_ => torch.randn(B, 1).DetachFromDisposeScope()).ToArray();
        using var mask = torch.ones(new long[] { B, T }, ScalarType.Bool);
        using var opt = optim.Adam(net.parameters(), 1e-3);
        double RawEpoch()
        {
            net.train();
            var clock = Stopwatch.StartNew();
            for (int s = 0; s < 60; s++)
            {
                using var scope = torch.NewDisposeScope();
                opt.zero_grad();
                var loss = nn.functional.mse_loss(net.call(xs[s % 20], mask), ys[s % 20]);
                loss.item<float>();
                loss.backward();
                opt.step();
            }
            return 60 / clock.Elapsed.TotalSeconds;
        }
        var o = Options(kind);
        o.NumberOfThreads = threads;   // null: the trainer measures and chooses
        var fit = new List<double>();
        var raw = new List<double>();
        o.Progress = new Sync(r =>
        {
            fit.Add(r.RowsPerSecond / B);
            raw.Add(RawEpoch());
        });
        var trainer = kind switch
        {
            EncoderKind.Lstm => ml.Regression.Trainers.SequenceLstm((LstmOptions)o),
            EncoderKind.Gru => ml.Regression.Trainers.SequenceGru((GruOptions)o),
            _ => ml.Regression.Trainers.SequenceTransformer((TransformerOptions)o),
        };
        model = trainer.Fit(data);
        foreach (var t in xs.Concat(ys)) t.Dispose();
        var ratios = fit.Zip(raw, (a, b) => a / b).Skip(1).ToList();
        return (Median(fit.Skip(1).ToList()), Median(raw.Skip(1).ToList()), Median(ratios));
    }

    private sealed class Sync(Action<EpochReport> a) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => a(value);
    }

    public sealed class Output
    {
        public float Score { get; set; }
    }

    /// <summary>
    /// Scoring measures of one model: single-row PredictionEngine.Predict against the network's batch-1 forward
    /// (tensor from an array, output read back), ms per row over blocks of 200; Transform (256 rows per forward)
    /// against the network on pre-built 256-row batches, rows/s. The raw sides run at the count the model chose.
    /// </summary>
    private sealed class ScoringProbe : IDisposable
    {
        private readonly SequencePredictionTransformer _model;
        private readonly IDataView _data;
        private readonly List<Row> _rows;
        private readonly PredictionEngine<Row, Output> _engine;
        private readonly Tensor _mask1, _mask256;
        private readonly Tensor[] _batches;

        public ScoringProbe(MLContext ml, SequencePredictionTransformer model, IDataView data, List<Row> rows)
        {
            _model = model;
            _data = data;
            _rows = rows;
            _engine = ml.Model.CreatePredictionEngine<Row, Output>(model);
            _mask1 = torch.ones(new long[] { 1, T }, ScalarType.Bool).DetachFromDisposeScope();
            _mask256 = torch.ones(new long[] { 256, T }, ScalarType.Bool).DetachFromDisposeScope();
            _batches = Enumerable.Range(0, Rows / 256).Select(b => torch.tensor(rows.Skip(b * 256).Take(256).SelectMany(r => r.Features).ToArray(), new long[] { 256, T, F }).DetachFromDisposeScope()).ToArray();
        }

        public List<double> Engine { get; } = new();
        public List<double> Raw { get; } = new();
        public List<double> Transform { get; } = new();
        public List<double> RawBatched { get; } = new();

        public double EngineBlock()
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < 200; i++)
                _engine.Predict(_rows[i % _rows.Count]);
            return clock.Elapsed.TotalMilliseconds / 200;
        }

        public double RawBlock()
        {
            var net = _model.Engine.Network;
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < 200; i++)
            {
                using var threads = ThreadCount.Use(Math.Max(1, _model.ScoringThreads.SingleRow));   // the engine's count
                using var scope = torch.NewDisposeScope();
                using var _ = torch.no_grad();
                var x = torch.tensor(_rows[i % _rows.Count].Features, new long[] { 1, T, F });
                net.call(x, _mask1).data<float>().ToArray();
            }
            return clock.Elapsed.TotalMilliseconds / 200;
        }

        public double TransformOnce()
        {
            var clock = Stopwatch.StartNew();
            var scored = _model.Transform(_data);
            using var cursor = scored.GetRowCursor(new[] { scored.Schema["Score"] });
            var g = cursor.GetGetter<float>(scored.Schema["Score"]);
            float s = 0;
            while (cursor.MoveNext()) g(ref s);
            return Rows / clock.Elapsed.TotalSeconds;
        }

        public double RawBatchedOnce()
        {
            var net = _model.Engine.Network;
            var clock = Stopwatch.StartNew();
            foreach (var x in _batches)
            {
                using var threads = ThreadCount.Use(Math.Max(1, _model.ScoringThreads.Batch));   // Transform's count
                using var scope = torch.NewDisposeScope();
                using var _ = torch.no_grad();
                net.call(x, _mask256).data<float>().ToArray();
            }
            return _batches.Length * 256 / clock.Elapsed.TotalSeconds;
        }

        public void Dispose()
        {
            _engine.Dispose();
            _mask1.Dispose();
            _mask256.Dispose();
            foreach (var b in _batches) b.Dispose();
            _model.Dispose();
        }
    }

    private static Dictionary<string, double> RunPyTorch(int threads)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "pytorch", "train_speed.py");
        var result = new Dictionary<string, double>();
        try
        {
            var psi = new ProcessStartInfo("/usr/bin/python3", $"\"{script}\" {threads} 60") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = line.Split(' ');
                result[parts[0]] = double.Parse(parts[1], CultureInfo.InvariantCulture);
            }
            Console.WriteLine($"PyTorch: {output.Replace('\n', ';')}");
        }
        catch (Exception e)
        {
            Console.WriteLine($"PyTorch side skipped: {e.Message} (install Debian's python3-torch)");
        }
        return result;
    }

    private static double Median(List<double> v)
    {
        v.Sort();
        return v.Count == 0 ? double.NaN : v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
    }
}
