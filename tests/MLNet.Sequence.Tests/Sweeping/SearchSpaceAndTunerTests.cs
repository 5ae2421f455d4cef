using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Tests.Sweeping;

/// <summary>Search spaces from the options' attributes, the three tuners, successive halving and resuming, on synthetic objectives.</summary>
[TestClass]
public sealed class SearchSpaceAndTunerTests
{
    [TestMethod]
    public void TheDefaultSpaceIsTheOptionsAttributesWithEachFamilyNested()
    {
        var space = SequenceSearchSpace.Default();
        var p = space.Parameters.ToDictionary(x => x.Name);
        CollectionAssert.AreEquivalent(new[] { EncoderKind.Lstm, EncoderKind.Gru, EncoderKind.Transformer, EncoderKind.Cnn }, space.Families.ToArray());
        Assert.AreEqual(4, p["Encoder"].Candidates.Length);

        var lr = p["LearningRate"];   // [Range(1e-5, 1e-1, 1e-3, true)]
        Assert.AreEqual(SweepParameterKind.Real, lr.Kind);
        Assert.AreEqual(1e-5, lr.Minimum);
        Assert.AreEqual(1e-1, lr.Maximum);
        Assert.IsTrue(lr.LogScale);
        Assert.AreEqual(1e-3, (double)lr.Default, 1e-12);

        var hidden = p["Lstm.HiddenSize"];   // [Range(8, 512, 64, true)]
        Assert.AreEqual(SweepParameterKind.Integer, hidden.Kind);
        Assert.AreEqual(64, hidden.Default);
        Assert.IsTrue(p.ContainsKey("Gru.HiddenSize") && p.ContainsKey("Cnn.KernelSize") && p.ContainsKey("Transformer.FeedForwardDimension"));
        CollectionAssert.AreEqual(new object[] { 1, 2, 4, 8 }, p["Transformer.NumberOfHeads"].Candidates);
        CollectionAssert.AreEqual(new object[] { false, true }, p["Lstm.Bidirectional"].Candidates);
        Assert.AreEqual(SequencePooling.Last, p["Pooling"].Default);
        Assert.IsFalse(p.ContainsKey("NumberOfEpochs"), "epochs belong to the sweep's budget and early stopping");
        Assert.IsFalse(p.ContainsKey("Lstm.LearningRate"), "shared options appear once, not per family");
    }

    [TestMethod]
    public void ParametersCanBeNarrowedFixedRemovedAndAdded()
    {
        var space = SequenceSearchSpace.ForFamilies(EncoderKind.Lstm, EncoderKind.Gru)
            .Narrow("HiddenSize", 16, 32)            // both recurrent families
            .Narrow("Pooling", "Last", "Mean")
            .Fix("BatchSize", 32)
            .Remove("WeightDecay")
            .Add(SweepParameter.Integer("HeadHiddenSize", 0, 64))
            .Add(SweepParameter.Choice("Gru.NumberOfLayers", 1, 2));
        var p = space.Parameters.ToDictionary(x => x.Name);
        Assert.AreEqual((16.0, 32.0), (p["Lstm.HiddenSize"].Minimum, p["Lstm.HiddenSize"].Maximum));
        Assert.AreEqual((16.0, 32.0), (p["Gru.HiddenSize"].Minimum, p["Gru.HiddenSize"].Maximum));
        CollectionAssert.AreEqual(new object[] { SequencePooling.Last, SequencePooling.Mean }, p["Pooling"].Candidates);
        Assert.IsTrue(p["BatchSize"].IsFixed);
        Assert.IsFalse(p.ContainsKey("WeightDecay"));
        Assert.IsTrue(p.ContainsKey("HeadHiddenSize"));
        CollectionAssert.AreEqual(new object[] { 1, 2 }, p["Gru.NumberOfLayers"].Candidates);

        var tuner = new RandomSweepTuner(space, seed: 3);
        for (int i = 0; i < 50; i++)
        {
            var c = tuner.Propose()!;
            var options = c.ToOptions(space, o => o.Seed = 9);
            Assert.AreEqual(9, options.Seed, "the template's settings stay");
            Assert.AreEqual(32, options.BatchSize);
            var recurrent = (RecurrentSequenceOptions)options;
            Assert.IsTrue(recurrent.HiddenSize is >= 16 and <= 32);
            Assert.IsTrue(options.Pooling is SequencePooling.Last or SequencePooling.Mean);
            Assert.AreEqual(c.Family == EncoderKind.Lstm ? typeof(LstmOptions) : typeof(GruOptions), options.GetType());
        }
    }

    [TestMethod]
    public void BadNamesAndRangesAreRefusedWithTheirName()
    {
        var space = SequenceSearchSpace.ForFamilies(EncoderKind.Lstm);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => space.Narrow("HiddenSizes", 1, 2)).Message, "no parameter 'HiddenSizes'");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => space.Add(SweepParameter.Integer("Lstm.Width", 1, 2))).Message, "no settable option 'Width'");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => space.Add(SweepParameter.Integer("Cnn.Channels", 1, 2))).Message, "Cnn family");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SweepParameter.Real("Rate", 0, 1, logScale: true)).Message, "'Rate' is on a log scale");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => space.WithPreprocessing(_ => null!, SweepParameter.Integer("BatchSize", 1, 2))).Message, "'BatchSize' clashes");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => space.Narrow("Encoder", "Cnn")).Message, "no Cnn family");
    }

    [TestMethod]
    public void RandomSamplingIsLogUniformIntegerAndRepeatable()
    {
        var space = SequenceSearchSpace.ForFamilies(EncoderKind.Lstm, EncoderKind.Gru, EncoderKind.Cnn);
        List<SweepConfiguration> Draw(int seed)
        {
            var tuner = new RandomSweepTuner(space, seed);
            return Enumerable.Range(0, 3000).Select(_ => tuner.Propose()!).ToList();
        }
        var a = Draw(1);
        CollectionAssert.AreEqual(a.Select(c => c.Key).ToList(), Draw(1).Select(c => c.Key).ToList(), "a seed repeats the samples");
        Assert.AreNotEqual(a[0].Key, Draw(2)[0].Key);

        // log-uniform on [1e-5, 1e-1]: a quarter of the mass below 1e-4, half below 1e-3.
        var rates = a.Select(c => c.Get<double>("LearningRate")).ToList();
        Assert.IsTrue(rates.All(r => r is >= 1e-5 and <= 1e-1));
        Assert.AreEqual(0.25, rates.Count(r => r < 1e-4) / 3000.0, 0.03);
        Assert.AreEqual(0.5, rates.Count(r => r < 1e-3) / 3000.0, 0.03);
        // integers on a log scale [8, 512]: whole numbers, both ends reached, half below the geometric middle (~64).
        var hidden = a.Where(c => c.Family == EncoderKind.Lstm).Select(c => (int)c.Values["Lstm.HiddenSize"]).ToList();
        Assert.IsTrue(hidden.All(h => h is >= 8 and <= 512));
        Assert.AreEqual(8, hidden.Min());
        Assert.IsGreaterThan(400, hidden.Max(), "the top of the range is reached (each integer's share is small there on a log scale)");
        Assert.AreEqual(0.5, hidden.Count(h => h < 64) / (double)hidden.Count, 0.05);
        // families and choices uniformly; a family's own parameters only on its trials.
        foreach (var f in space.Families)
            Assert.AreEqual(1 / 3.0, a.Count(c => c.Family == f) / 3000.0, 0.04);
        Assert.IsTrue(a.All(c => c.Values.Keys.All(k => !k.Contains('.') || k.StartsWith(c.Family + ".", StringComparison.Ordinal))));
    }

    [TestMethod]
    public void TheGridCoversEveryCombinationOnceThenEnds()
    {
        var space = SequenceSearchSpace.ForFamilies(EncoderKind.Lstm, EncoderKind.Cnn);
        foreach (var name in new[] { "EmbeddingDimension", "Dropout", "BatchSize", "WeightDecay", "Lstm.NumberOfLayers", "Cnn.KernelSize", "Cnn.NumberOfLayers", "Cnn.Channels" })
            space.Remove(name);
        space.Narrow("Pooling", "Last", "Mean");   // 2 values; LearningRate 3 steps; LSTM: hidden 3 × bidirectional 2
        var grid = new GridSweepTuner(space, stepsPerRange: 3, seed: 1);
        Assert.AreEqual(2 * 3 * (3 * 2) + 2 * 3, grid.Count);
        var seen = new List<SweepConfiguration>();
        while (grid.Propose() is { } c)
            seen.Add(c);
        Assert.HasCount(grid.Count, seen);
        Assert.AreEqual(seen.Count, seen.Select(c => c.Key).Distinct().Count());
        CollectionAssert.AreEquivalent(new[] { 1e-5, 1e-3, 1e-1 }, seen.Select(c => Math.Round(c.Get<double>("LearningRate"), 8)).Distinct().ToArray());
        CollectionAssert.AreEquivalent(new object[] { 8, 64, 512 }, seen.Where(c => c.Family == EncoderKind.Lstm).Select(c => c.Values["Lstm.HiddenSize"]).Distinct().ToArray());
    }

    /// <summary>A smooth synthetic objective with its optimum inside the space: lr 10^-2.5, hidden 100, Mean pooling, LSTM.</summary>
    private static double Objective(SweepConfiguration c)
    {
        double lr = Math.Log10(c.Get<double>("LearningRate")) + 2.5;
        double family = c.Family == EncoderKind.Lstm ? 0 : 1;
        double hidden = c.Family == EncoderKind.Lstm ? Math.Log2(c.Get<int>("HiddenSize") / 100.0) : 0;
        double pooling = c.Get<SequencePooling>("Pooling") == SequencePooling.Mean ? 0 : 0.5;
        double dropout = c.Get<double>("Dropout") - 0.2;
        return lr * lr + family + hidden * hidden + pooling + 4 * dropout * dropout;
    }

    private static SequenceSearchSpace SyntheticSpace() =>
        SequenceSearchSpace.ForFamilies(EncoderKind.Lstm, EncoderKind.Gru).Remove("EmbeddingDimension").Remove("BatchSize").Remove("WeightDecay");

    private static List<SequenceTrialResult> RunSynthetic(ISweepTuner tuner, SequenceSearchSpace space, int trials, string? log = null,
        SuccessiveHalving? halving = null, Func<SweepConfiguration, TrialContext, TrialOutcome>? trial = null, IProgress<SequenceTrialResult>? progress = null)
    {
        var settings = new SweepEngine.SweepSettings(false, trials, null, 1, true, halving, log, "test", progress, CancellationToken.None);
        return new SweepEngine(space, tuner, settings, _ => { }).Run(trial ?? ((c, _) => new TrialOutcome(Objective(c), 1, 1)));
    }

    [TestMethod]
    public void TpeFindsTheOptimumOfASyntheticObjectiveBetterThanRandomSearch()
    {
        // One family and pooling fixed: the objective is smooth in learning rate (log), hidden size (log) and dropout,
        // with two dimensions (layers, direction) that do not matter. Over 7 seeds of 50 trials each:
        var tpe = new List<double>();
        var random = new List<double>();
        for (int seed = 0; seed < 7; seed++)
        {
            SequenceSearchSpace Space() => SyntheticSpace().Narrow("Encoder", "Lstm").Fix("Pooling", "Mean");
            var a = Space();
            tpe.Add(RunSynthetic(new TpeSweepTuner(a, seed), a, 50).Min(t => t.Loss));
            var b = Space();
            random.Add(RunSynthetic(new RandomSweepTuner(b, seed), b, 50).Min(t => t.Loss));
        }
        tpe.Sort();
        random.Sort();
        double tpeMedian = tpe[3], randomMedian = random[3];
        Assert.IsLessThan(randomMedian / 2, tpeMedian, $"TPE's median best {tpeMedian:F3} is under half of random search's {randomMedian:F3}");
        Assert.IsLessThan(0.06, tpeMedian, $"and near the optimum, 0: {tpeMedian:F3}");
    }

    [TestMethod]
    public void TpeSettlesOnTheBestFamilyByEstimatedCostForImprovement()
    {
        // The full synthetic objective: LSTM is 1 better than GRU everywhere. Over 7 seeds of 50 trials, TPE (families
        // drawn by their estimated cost for improvement) spends most trials after the start-up on the LSTM and ends
        // nearer the optimum than random search, which splits its trials evenly.
        var tpe = new List<double>();
        var random = new List<double>();
        var lstmShare = new List<double>();
        for (int seed = 0; seed < 7; seed++)
        {
            var a = SyntheticSpace();
            var trials = RunSynthetic(new TpeSweepTuner(a, seed), a, 50);
            tpe.Add(trials.Min(t => t.Loss));
            lstmShare.Add(trials.Skip(10).Count(t => t.Configuration.Family == EncoderKind.Lstm) / 40.0);
            var b = SyntheticSpace();
            random.Add(RunSynthetic(new RandomSweepTuner(b, seed), b, 50).Min(t => t.Loss));
        }
        tpe.Sort();
        random.Sort();
        lstmShare.Sort();
        Assert.IsGreaterThan(0.75, lstmShare[3], $"median share of LSTM trials after the start-up: {lstmShare[3]:F2}");
        Assert.IsLessThan(random[3], tpe[3], $"TPE median best {tpe[3]:F3} vs random {random[3]:F3}");
    }

    [TestMethod]
    public void TheEstimatedCostForImprovementFollowsFlamlsRule()
    {
        var space = SyntheticSpace();
        var tuner = new TpeSweepTuner(space, 0);
        SequenceTrialResult Trial(EncoderKind family, double loss, int epochs) =>
            new(1, UnitSpace.Defaults(space, family), TrialStatus.Completed, loss, loss, epochs, epochs, 1, Array.Empty<double>(), null);
        double lstmCost = UnitSpace.Defaults(space, EncoderKind.Lstm).Cost(), gruCost = UnitSpace.Defaults(space, EncoderKind.Gru).Cost();
        // LSTM: 1.0 at cost 1, 0.8 at cost 2 (δ 0.2), no gain at cost 3: ECI = max(K0 − K1, K1 − K2) = max(3 − 2, 2 − 1) units.
        foreach (var loss in new[] { 1.0, 0.8, 0.9 })
            tuner.Update(Trial(EncoderKind.Lstm, loss, 1));
        // GRU: 1.2 then 1.1 (δ 0.1) at 1 and 2 units, 0.3 behind the leader: chase = 0.3 × (K1 − K2) / δ = 3 units.
        tuner.Update(Trial(EncoderKind.Gru, 1.2, 1));
        tuner.Update(Trial(EncoderKind.Gru, 1.1, 1));
        var eci = tuner.EstimatedCostForImprovement(new[] { EncoderKind.Gru, EncoderKind.Lstm });
        Assert.AreEqual(1 * lstmCost, eci[EncoderKind.Lstm], 1e-6 * lstmCost);
        Assert.AreEqual(3 * gruCost, eci[EncoderKind.Gru], 1e-6 * gruCost);
    }

    [TestMethod]
    public void CostFrugalStartTriesEveryFamilyAtItsDefaultsSmallestFirst()
    {
        var space = SequenceSearchSpace.Default();
        var trials = RunSynthetic(new RandomSweepTuner(space, 1), space, 6, trial: (c, _) => new TrialOutcome(1, 1, 1));
        var first = trials.Take(4).Select(t => t.Configuration).ToList();
        CollectionAssert.AreEquivalent(space.Families.ToArray(), first.Select(c => c.Family).ToArray());
        Assert.IsTrue(first.All(c => c.Get<double>("LearningRate") == 1e-3 && c.Get<int>("BatchSize") == 32), "at the attributes' start values");
        CollectionAssert.AreEqual(first.OrderBy(c => c.Cost()).Select(c => c.Family).ToList(), first.Select(c => c.Family).ToList(), "smallest model first");
    }

    [TestMethod]
    public void SuccessiveHalvingStopsTheWorstTrialsAtTheRungs()
    {
        // Rungs at 1, 3, 9 of 20 epochs; a trial's validation loss is its quality plus a decaying term.
        var space = SyntheticSpace();
        var halving = new SuccessiveHalving(1, 3, 20);
        CollectionAssert.AreEqual(new[] { 1, 3, 9 }, halving.Rungs.ToArray());
        var trials = RunSynthetic(new RandomSweepTuner(space, 4), space, 27, halving: halving, trial: (c, context) =>
        {
            double quality = Objective(c);
            int epoch = 0;
            while (epoch < 20 && !context.Token.IsCancellationRequested)
            {
                epoch++;
                context.EpochDone(epoch, quality + 1.0 / epoch);
            }
            return new TrialOutcome(quality, epoch, epoch);
        });
        var stopped = trials.Where(t => t.Status == TrialStatus.Stopped).ToList();
        var completed = trials.Where(t => t.Status == TrialStatus.Completed).ToList();
        Assert.IsGreaterThan(trials.Count / 2, stopped.Count, $"most trials stop early: {stopped.Count} of {trials.Count}");
        Assert.IsTrue(stopped.All(t => t.Epochs is 1 or 3 or 9), "they stop at a rung");
        Assert.IsTrue(completed.All(t => t.Epochs == 20) && completed.Count > 0);
        Assert.AreEqual(trials.Min(t => t.Loss), completed.Min(t => t.Loss), "the best trial is never stopped");
        Assert.IsLessThan(trials.Count * 20 / 3, trials.Sum(t => t.Epochs), "successive halving spends under a third of the epochs a full sweep would");
        double medianStopped = stopped.Select(t => t.Loss).OrderBy(x => x).ElementAt(stopped.Count / 2);
        double medianCompleted = completed.Select(t => t.Loss).OrderBy(x => x).ElementAt(completed.Count / 2);
        Assert.IsLessThan(medianStopped, medianCompleted, "the stopped trials are the worse ones");
    }

    [TestMethod]
    public void ASweepResumesFromItsTrialLogAfterACrash()
    {
        var log = Path.Combine(Path.GetTempPath(), $"sweep-{Guid.NewGuid():N}.json");
        try
        {
            var space = SyntheticSpace();
            var uninterrupted = RunSynthetic(new TpeSweepTuner(space, 5, startupTrials: 3), space, 12);

            // The process "dies" after the 7th trial is logged.
            var crash = new Crash(7);
            Assert.ThrowsExactly<InvalidOperationException>(() => RunSynthetic(new TpeSweepTuner(SyntheticSpace(), 5, startupTrials: 3), SyntheticSpace(), 12, log, progress: crash));
            Assert.IsTrue(File.Exists(log));

            int ran = 0;
            var resumed = RunSynthetic(new TpeSweepTuner(SyntheticSpace(), 5, startupTrials: 3), SyntheticSpace(), 12, log, trial: (c, _) =>
            {
                ran++;
                return new TrialOutcome(Objective(c), 1, 1);
            });
            Assert.AreEqual(5, ran, "only the trials the crash left run");
            Assert.HasCount(12, resumed);
            CollectionAssert.AreEqual(uninterrupted.Select(t => t.Configuration.Key).ToList(), resumed.Select(t => t.Configuration.Key).ToList(),
                "the resumed sweep proposes what the uninterrupted one did");
            CollectionAssert.AreEqual(uninterrupted.Select(t => t.Loss).ToList(), resumed.Select(t => t.Loss).ToList());

            var other = SyntheticSpace().Narrow("LearningRate", 1e-4, 1e-2);
            var settings = new SweepEngine.SweepSettings(false, 12, null, 1, true, null, log, "another sweep", null, CancellationToken.None);
            StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => new SweepEngine(other, new RandomSweepTuner(other), settings, _ => { }).Run((c, _) => new TrialOutcome(0, 1, 1))).Message,
                "belongs to a different sweep");
        }
        finally
        {
            File.Delete(log);
        }
    }

    private sealed class Crash(int after) : IProgress<SequenceTrialResult>
    {
        public void Report(SequenceTrialResult value)
        {
            if (value.Id == after)
                throw new InvalidOperationException("simulated crash");
        }
    }

    [TestMethod]
    public void CancellationAndTheTimeBudgetEndTheSweepWithTheTrialsSoFar()
    {
        var space = SyntheticSpace();
        using var cancel = new CancellationTokenSource();
        var settings = new SweepEngine.SweepSettings(false, 100, null, 1, true, null, null, "test", null, cancel.Token);
        int n = 0;
        var trials = new SweepEngine(space, new RandomSweepTuner(space), settings, _ => { }).Run((c, context) =>
        {
            if (++n == 5)
                cancel.Cancel();
            return new TrialOutcome(Objective(c), 1, 1);
        });
        Assert.HasCount(5, trials);
        Assert.AreEqual(TrialStatus.Canceled, trials[^1].Status);

        var timed = new SweepEngine.SweepSettings(false, null, TimeSpan.FromMilliseconds(300), 1, true, null, null, "test", null, CancellationToken.None);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var byTime = new SweepEngine(space, new RandomSweepTuner(space), timed, _ => { }).Run((c, context) =>
        {
            context.Token.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(40));
            return new TrialOutcome(Objective(c), 1, 1);
        });
        double elapsed = clock.Elapsed.TotalSeconds;
        // The budget's timer fires on the thread pool, which other tests running in parallel can delay; so the count is
        // checked against the time the sweep really took, not against 300 ms.
        Assert.IsGreaterThanOrEqualTo(3, byTime.Count, $"{byTime.Count} trials of ~40 ms in a 300 ms budget");
        Assert.IsLessThanOrEqualTo(elapsed / 0.039 + 1, byTime.Count, $"{byTime.Count} trials of ~40 ms in {elapsed:F2} s");
        Assert.IsTrue(byTime[^1].Status is TrialStatus.Canceled or TrialStatus.Completed, "the trial running when the budget ran out is marked canceled (or had just completed)");
        Assert.IsTrue(byTime.Take(byTime.Count - 1).All(r => r.Status == TrialStatus.Completed), "no trial starts after the budget");
        Assert.IsLessThan(5.0, elapsed);
    }

    [TestMethod]
    public void ParallelTrialsAllRunAndAreLoggedOnce()
    {
        var space = SyntheticSpace();
        var settings = new SweepEngine.SweepSettings(false, 10, null, 2, true, null, null, "test", null, CancellationToken.None);
        int running = 0, most = 0;
        var trials = new SweepEngine(space, new TpeSweepTuner(space, 2), settings, _ => { }).Run((c, _) =>
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            Thread.Sleep(30);
            Interlocked.Decrement(ref running);
            return new TrialOutcome(Objective(c), 1, 1);
        });
        CollectionAssert.AreEqual(Enumerable.Range(1, 10).ToList(), trials.Select(t => t.Id).ToList());
        Assert.AreEqual(2, most, "two trials ran at once");
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }
    [TestMethod]
    public void TheBestTrialIsTheBestThatCompletedItsEpochs()
    {
        SequenceTrialResult Trial(int id, TrialStatus status, double accuracy) => new(id,
            new SweepConfiguration(EncoderKind.Cnn, new Dictionary<string, object> { ["Encoder"] = EncoderKind.Cnn }), status,
            accuracy, double.IsFinite(accuracy) ? -accuracy : double.PositiveInfinity, status == TrialStatus.Completed ? 9 : 1, 1, 1.0, Array.Empty<double>(), null);
        // A trial stopped at the first rung scored 0.90 on its one early look; the completed ones 0.85 and 0.83.
        var result = new SequenceSweepResult(new[]
        {
            Trial(1, TrialStatus.Completed, 0.83), Trial(2, TrialStatus.Stopped, 0.90), Trial(3, TrialStatus.Failed, double.NaN),
            Trial(4, TrialStatus.Completed, 0.85), Trial(5, TrialStatus.Canceled, 0.86),
        }, SweepMetric.Accuracy, largerIsBetter: true);
        Assert.AreEqual(4, result.BestTrial!.Id);
        CollectionAssert.AreEqual(new[] { 4, 1, 2, 5, 3 }, result.Leaderboard.Select(t => t.Id).ToArray());
        CollectionAssert.AreEqual(new[] { 0.83, 0.83, 0.83, 0.85, 0.85 }, result.BestSoFar().Select(c => c.BestMetric).ToArray());

        // Without a completed trial, the best of those with a metric.
        var none = new SequenceSweepResult(new[] { Trial(1, TrialStatus.Stopped, 0.7), Trial(2, TrialStatus.Canceled, 0.8) }, SweepMetric.Accuracy, true);
        Assert.AreEqual(2, none.BestTrial!.Id);
        CollectionAssert.AreEqual(new[] { 0.7, 0.8 }, none.BestSoFar().Select(c => c.BestMetric).ToArray());
    }
}
