using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence
{
    /// <summary>What one trial reports while it trains: rung checks, and the token that stops it.</summary>
    internal sealed class TrialContext
    {
        private readonly SuccessiveHalving? _halving;
        private readonly CancellationTokenSource _stop;
        private readonly List<double> _rungLosses = new();

        public TrialContext(int id, SuccessiveHalving? halving, CancellationToken sweep)
        {
            Id = id;
            _halving = halving;
            _stop = CancellationTokenSource.CreateLinkedTokenSource(sweep);
        }

        public int Id { get; }

        /// <summary>Canceled when the trial should stop: halving decided so, or the sweep ran out of time or was canceled.</summary>
        public CancellationToken Token => _stop.Token;

        /// <summary>True once halving stopped this trial.</summary>
        public bool StoppedByHalving { get; private set; }

        public IReadOnlyList<double> RungLosses => _rungLosses;

        /// <summary>After each epoch: records rung losses and stops the trial when halving says so.</summary>
        public void EpochDone(int epoch, double validationLoss)
        {
            if (_halving == null || !_halving.Rungs.Contains(epoch))
                return;
            _rungLosses.Add(validationLoss);
            if (!_halving.Continue(epoch, validationLoss))
            {
                StoppedByHalving = true;
                _stop.Cancel();
            }
        }
    }

    /// <summary>What a trial returns: its metric (NaN when it produced no model) and its epochs.</summary>
    internal readonly record struct TrialOutcome(double Metric, int Epochs, int BestEpoch);

    /// <summary>
    /// The sweep loop: cost-frugal start points, then the tuner's proposals; trials run one at a time (or
    /// <c>Parallelism</c> at once) until the trial budget, the time budget, the tuner or the caller's token ends it;
    /// every finished trial is logged (atomically rewritten JSON) so that a crashed sweep resumes where it stopped.
    /// </summary>
    internal sealed class SweepEngine
    {
        private readonly SequenceSearchSpace _space;
        private readonly ISweepTuner _tuner;
        private readonly SweepSettings _s;
        private readonly Action<string> _log;

        internal sealed record SweepSettings(
            bool LargerIsBetter, int? MaximumTrials, TimeSpan? TimeBudget, int Parallelism, bool CostFrugalStart,
            SuccessiveHalving? Halving, string? TrialLogPath, string Fingerprint, IProgress<SequenceTrialResult>? Progress,
            CancellationToken CancellationToken);

        public SweepEngine(SequenceSearchSpace space, ISweepTuner tuner, SweepSettings settings, Action<string> log)
        {
            _space = space;
            _tuner = tuner;
            _s = settings;
            _log = log;
        }

        public List<SequenceTrialResult> Run(Func<SweepConfiguration, TrialContext, TrialOutcome> runTrial)
        {
            var results = new List<SequenceTrialResult>();
            var startPoints = new Queue<SweepConfiguration>(_s.CostFrugalStart && _tuner is not GridSweepTuner
                ? _space.Families.Select(f => UnitSpace.Defaults(_space, f)).OrderBy(c => c.Cost())
                : Enumerable.Empty<SweepConfiguration>());
            var tried = new HashSet<string>();

            // Resume: replay the log through the tuner (its proposals advance as they did) and the halving rungs.
            foreach (var logged in Load())
            {
                if (startPoints.Count > 0)
                    startPoints.Dequeue();
                else
                    _tuner.Propose();
                _tuner.Update(logged);
                _s.Halving?.Replay(logged.RungLosses);
                tried.Add(logged.Configuration.Key);
                results.Add(logged);
            }
            if (results.Count > 0)
                _log($"Resumed after {results.Count} logged trials from {_s.TrialLogPath}.");

            double previousSeconds = results.Sum(r => r.Seconds);
            var clock = Stopwatch.StartNew();
            using var budget = CancellationTokenSource.CreateLinkedTokenSource(_s.CancellationToken);
            if (_s.TimeBudget is TimeSpan t)
                budget.CancelAfter(TimeSpan.FromTicks(Math.Max(1, (t - TimeSpan.FromSeconds(previousSeconds)).Ticks)));
            var gate = new object();
            int nextId = results.Count + 1;
            bool exhausted = false;

            SweepConfiguration? Next(out int id)
            {
                lock (gate)
                {
                    id = 0;
                    if (exhausted || budget.IsCancellationRequested || (_s.MaximumTrials is int max && nextId > max))
                        return null;
                    SweepConfiguration? c = null;
                    if (startPoints.Count > 0)
                        c = startPoints.Dequeue();
                    else
                    {
                        // A proposal already tried is drawn again (a few times) where the space has room.
                        for (int attempt = 0; attempt < 20; attempt++)
                        {
                            c = _tuner.Propose();
                            if (c == null || !tried.Contains(c.Key))
                                break;
                        }
                    }
                    if (c == null)
                    {
                        exhausted = true;
                        return null;
                    }
                    tried.Add(c.Key);
                    id = nextId++;
                    return c;
                }
            }

            void Worker()
            {
                while (Next(out int id) is { } config)
                {
                    var context = new TrialContext(id, _s.Halving, budget.Token);
                    var trialClock = Stopwatch.StartNew();
                    TrialStatus status;
                    TrialOutcome outcome = new(double.NaN, 0, 0);
                    string? error = null;
                    try
                    {
                        outcome = runTrial(config, context);
                        status = context.StoppedByHalving ? TrialStatus.Stopped
                            : budget.IsCancellationRequested ? TrialStatus.Canceled
                            : TrialStatus.Completed;
                    }
                    catch (OperationCanceledException) when (budget.IsCancellationRequested || context.StoppedByHalving)
                    {
                        status = context.StoppedByHalving ? TrialStatus.Stopped : TrialStatus.Canceled;
                        error = "stopped before its first epoch ended";
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        status = TrialStatus.Failed;
                        error = e.Message;
                    }
                    double metric = outcome.Metric;
                    double loss = double.IsFinite(metric) ? (_s.LargerIsBetter ? -metric : metric) : double.PositiveInfinity;
                    var result = new SequenceTrialResult(id, config, status, metric, loss, outcome.Epochs, outcome.BestEpoch,
                        trialClock.Elapsed.TotalSeconds, context.RungLosses.ToArray(), error);
                    lock (gate)
                    {
                        results.Add(result);
                        _tuner.Update(result);
                        Save(results);
                    }
                    _log($"Trial {result}");
                    _s.Progress?.Report(result);
                }
            }

            if (_s.Parallelism <= 1)
                Worker();
            else
                Task.WaitAll(Enumerable.Range(0, _s.Parallelism).Select(_ => Task.Factory.StartNew(Worker, TaskCreationOptions.LongRunning)).ToArray());
            return results.OrderBy(r => r.Id).ToList();
        }

        // ---- the trial log ----

        private const string Format = "MLNet.Sequence.SweepLog/1";

        private void Save(List<SequenceTrialResult> results)
        {
            if (_s.TrialLogPath == null)
                return;
            AtomicFile.Write(_s.TrialLogPath, stream =>
            {
                using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
                json.WriteStartObject();
                json.WriteString("format", Format);
                json.WriteString("fingerprint", _s.Fingerprint);
                json.WriteStartArray("trials");
                foreach (var r in results.OrderBy(r => r.Id))
                {
                    json.WriteStartObject();
                    json.WriteNumber("id", r.Id);
                    json.WriteString("status", r.Status.ToString());
                    WriteDouble(json, "metric", r.Metric);
                    WriteDouble(json, "loss", r.Loss);
                    json.WriteNumber("epochs", r.Epochs);
                    json.WriteNumber("bestEpoch", r.BestEpoch);
                    json.WriteNumber("seconds", r.Seconds);
                    json.WriteStartArray("rungLosses");
                    foreach (var l in r.RungLosses)
                        json.WriteNumberValue(double.IsFinite(l) ? l : double.MaxValue);
                    json.WriteEndArray();
                    if (r.Error != null)
                        json.WriteString("error", r.Error);
                    json.WriteStartObject("values");
                    foreach (var (name, value) in r.Configuration.Values)
                    {
                        switch (value)
                        {
                            case int i: json.WriteNumber(name, i); break;
                            case double d: json.WriteNumber(name, d); break;
                            case bool b: json.WriteBoolean(name, b); break;
                            default: json.WriteString(name, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)); break;
                        }
                    }
                    json.WriteEndObject();
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            });
        }

        private static void WriteDouble(Utf8JsonWriter json, string name, double value)
        {
            if (double.IsFinite(value))
                json.WriteNumber(name, value);
            else
                json.WriteNull(name);
        }

        private List<SequenceTrialResult> Load()
        {
            var list = new List<SequenceTrialResult>();
            if (_s.TrialLogPath == null || !File.Exists(_s.TrialLogPath))
                return list;
            using var doc = JsonDocument.Parse(File.ReadAllBytes(_s.TrialLogPath));
            var root = doc.RootElement;
            if (!root.TryGetProperty("format", out var f) || f.GetString() != Format)
                throw new InvalidDataException($"'{_s.TrialLogPath}' is not a sweep trial log ({Format}).");
            if (root.GetProperty("fingerprint").GetString() != _s.Fingerprint)
                throw new InvalidOperationException(
                    $"The trial log '{_s.TrialLogPath}' belongs to a different sweep (search space, metric, tuner, seed, epochs or data differ); delete it or set TrialLogPath to a new file.");
            var dims = _space.Dimensions.ToDictionary(d => d.Parameter.Name);
            foreach (var t in root.GetProperty("trials").EnumerateArray())
            {
                var values = new Dictionary<string, object>();
                foreach (var v in t.GetProperty("values").EnumerateObject())
                {
                    if (!dims.TryGetValue(v.Name, out var d))
                        throw new InvalidDataException($"The trial log '{_s.TrialLogPath}' has parameter '{v.Name}', which the search space lacks.");
                    values[v.Name] = d.Parameter.FromJson(v.Value);
                }
                var family = (EncoderKind)values[SequenceSearchSpace.EncoderParameter];
                double Read(string name) => t.GetProperty(name).ValueKind == JsonValueKind.Null ? double.NaN : t.GetProperty(name).GetDouble();
                double metric = Read("metric"), loss = Read("loss");
                list.Add(new SequenceTrialResult(t.GetProperty("id").GetInt32(), new SweepConfiguration(family, values),
                    Enum.Parse<TrialStatus>(t.GetProperty("status").GetString()!), metric, double.IsNaN(loss) ? double.PositiveInfinity : loss,
                    t.GetProperty("epochs").GetInt32(), t.GetProperty("bestEpoch").GetInt32(), t.GetProperty("seconds").GetDouble(),
                    t.GetProperty("rungLosses").EnumerateArray().Select(x => x.GetDouble()).ToArray(),
                    t.TryGetProperty("error", out var e) ? e.GetString() : null));
            }
            return list.OrderBy(r => r.Id).ToList();
        }

        /// <summary>A short hash of everything that must match for a log to resume a sweep.</summary>
        public static string FingerprintOf(params object?[] parts)
        {
            var text = string.Join("\n", parts.Select(p => Convert.ToString(p, System.Globalization.CultureInfo.InvariantCulture)));
            return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
        }
    }
}
