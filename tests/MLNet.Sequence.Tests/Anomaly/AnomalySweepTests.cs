using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Anomaly;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Tests.Anomaly;

/// <summary>
/// Sweeps of sequence anomaly detectors (<c>mlContext.AnomalyDetection.SweepSequenceAnomalyDetectors</c>) on two
/// labelled NAB series: the space from the options' attributes, option checks, each trial's metric against the public
/// detector and ML.NET's anomaly evaluator, the NAB metric, and resuming from the trial log.
/// </summary>
[TestClass]
public sealed class AnomalySweepTests
{
    private static readonly string Root = Path.GetDirectoryName(Path.GetDirectoryName(TestData.PathOf("anomaly/nab/labels/combined_windows.json")))!;
    private static List<NabFile>? _files;

    /// <summary>Two artificial NAB series with one labelled window each (4,032 points at 5-minute steps).</summary>
    private static List<NabFile> Files => _files ??= NabCorpus.Load(Root)
        .Where(f => f.Name is "artificialWithAnomaly/art_daily_jumpsdown.csv" or "artificialWithAnomaly/art_daily_flatmiddle.csv").OrderBy(f => f.Name).ToList();

    private const int Probation = 600;

    public sealed class Point
    {
        public string Series { get; set; } = "";
        public DateTime Time { get; set; }
        public double Value { get; set; }
        public bool Label { get; set; }
    }

    private static List<Point> Points(NabFile f) => f.Values.Select((v, i) => new Point
    {
        Series = f.Name, Time = f.Timestamps[i], Value = v, Label = f.Windows.Any(w => i >= w.First && i <= w.Last),
    }).ToList();

    private static SequenceAnomalyDetectorOptions Template() => new()
    {
        SeriesColumnName = "Series", TimeColumnName = "Time", ProbationaryPeriod = Probation, FalseAlarmRate = 1e-5,
    };

    /// <summary>A small space: short windows and small networks, so a trial takes seconds.</summary>
    private static SequenceSearchSpace SmallSpace() => SequenceSearchSpace.ForAnomalyDetectors(EncoderKind.Lstm, EncoderKind.Cnn)
        .Narrow("WindowLength", 8, 24).Narrow("HiddenSize", 8, 24).Fix("NumberOfLayers", 1);

    [TestMethod]
    public void TheSpaceComesFromTheDetectorOptionsAndRefusesWhatDoesNotApply()
    {
        var space = SequenceSearchSpace.ForAnomalyDetectors();
        Assert.IsTrue(space.ForAnomalyDetectorOptions);
        CollectionAssert.AreEqual(new[] { EncoderKind.Lstm, EncoderKind.Gru, EncoderKind.Cnn }, space.Families.OrderBy(f => f).ToArray());
        var names = space.Parameters.Select(p => p.Name).ToList();
        CollectionAssert.IsSubsetOf(new[] { "Encoder", "Method", "WindowLength", "HiddenSize", "NumberOfLayers", "BatchSize", "LearningRate", "AveragingWindow" }, names);
        Assert.IsFalse(names.Contains("Epochs"), "epochs are the sweep's MaximumEpochs");
        Assert.IsTrue(space.Parameters.Single(p => p.Name == "WindowLength").ToString().Contains("log"), space.ToString());

        var e1 = Assert.ThrowsExactly<ArgumentException>(() => SequenceSearchSpace.ForAnomalyDetectors(EncoderKind.Transformer));
        StringAssert.Contains(e1.Message, "Lstm, Gru and Cnn");
        var e2 = Assert.ThrowsExactly<ArgumentException>(() => space.Add(SweepParameter.Integer("Lstm.HiddenSize", 8, 16)));
        StringAssert.Contains(e2.Message, "no per-encoder options");

        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Points(Files[0]));
        SequenceAnomalySweepOptions O(Action<SequenceAnomalySweepOptions> set)
        {
            var o = new SequenceAnomalySweepOptions { Detector = Template(), MaximumTrials = 1 };
            set(o);
            return o;
        }
        var e3 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.AnomalyDetection.SweepSequenceAnomalyDetectors(O(o => o.Metric = SweepMetric.Accuracy)));
        StringAssert.Contains(e3.Message, "Accuracy does not apply to anomaly detection");
        var e4 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.AnomalyDetection.SweepSequenceAnomalyDetectors(O(o => o.SearchSpace = SequenceSearchSpace.ForTaggers())));
        StringAssert.Contains(e4.Message, "SequenceSearchSpace.ForAnomalyDetectors");
        var e5 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.AnomalyDetection.SweepSequenceAnomalyDetectors(O(o =>
        {
            o.Detector.Method = AnomalyDetectionMethod.WindowedGaussian;
            o.SearchSpace = SequenceSearchSpace.ForAnomalyDetectors().Remove("Method");
        })));
        StringAssert.Contains(e5.Message, "windowed Gaussian");
        var e6 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.AnomalyDetection.SweepSequenceAnomalyDetectors(O(o => o.LabelColumnName = "Anomaly")).Execute(data));
        StringAssert.Contains(e6.Message, "no column 'Anomaly'");
        var e8 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.AnomalyDetection.SweepSequenceAnomalyDetectors(O(o => o.Detector.ProbationaryPeriod = 100)).Execute(data));
        StringAssert.Contains(e8.Message, "longest swept window (96) at least 10 windows");
        var unlabelled = ml.Data.LoadFromEnumerable(Points(Files[0]).Select(p => { p.Label = false; return p; }));
        var e7 = Assert.ThrowsExactly<ArgumentException>(() => ml.AnomalyDetection.SweepSequenceAnomalyDetectors(O(_ => { })).Execute(unlabelled));
        StringAssert.Contains(e7.Message, "some points after the probation as anomalous");
        var classifier = Assert.ThrowsExactly<ArgumentException>(() => ml.BinaryClassification.SweepSequenceModels(new SequenceSweepOptions
        {
            SearchSpace = SequenceSearchSpace.ForAnomalyDetectors(), MaximumTrials = 1,
        }).Execute(data));
        StringAssert.Contains(classifier.Message, "SweepSequenceAnomalyDetectors");
    }

    [TestMethod]
    public void EachTrialScoresAsTheDetectorDoesAndTheSweepResumesFromItsLog()
    {
        var ml = new MLContext(1);
        var points = Files.SelectMany(Points).ToList();
        var log = Path.Combine(Path.GetTempPath(), $"anomaly-sweep-{Guid.NewGuid():N}.json");
        try
        {
            Run(ml, points, log);
        }
        finally
        {
            File.Delete(log);
        }
    }

    private static void Run(MLContext ml, List<Point> points, string log)
    {
        var data = ml.Data.LoadFromEnumerable(points);
        SequenceAnomalySweepOptions Options(int trials) => new()
        {
            Detector = Template(), SearchSpace = SmallSpace(), Tuner = SweepTunerKind.Random, Seed = 3, MaximumTrials = trials,
            MaximumEpochs = 20, TrialLogPath = log, RefitBestModel = false,
        };
        var first = ml.AnomalyDetection.SweepSequenceAnomalyDetectors(Options(2)).Execute(data);
        Assert.AreEqual(2, first.Trials.Count);
        var result = ml.AnomalyDetection.SweepSequenceAnomalyDetectors(Options(3)).Execute(data);
        Assert.AreEqual(3, result.Trials.Count);
        for (int i = 0; i < 2; i++)
        {
            Assert.AreEqual(first.Trials[i].Configuration.ToString(), result.Trials[i].Configuration.ToString(), "resumed trials come from the log");
            Assert.AreEqual(first.Trials[i].Metric, result.Trials[i].Metric);
        }
        Assert.IsTrue(result.Trials.All(t => t.Status == TrialStatus.Completed), string.Join("; ", result.Trials.Select(t => t.ToString())));
        var metrics = result.Leaderboard.Select(t => t.Metric).ToList();
        CollectionAssert.AreEqual(metrics.OrderByDescending(m => m).ToList(), metrics, "AUC: larger first");

        // The best trial again through the public API: fit on each series' probation, score the rest, ML.NET's evaluator.
        var best = result.BestTrial!;
        var options = best.Configuration.ToAnomalyDetectorOptions(SmallSpace(), Template());
        options.Epochs = 20;
        options.Seed = 3;
        var train = points.Where((p, i) => i % Files[0].Length < Probation).ToList();
        var test = points.Where((p, i) => i % Files[0].Length >= Probation).ToList();
        using var detector = ml.AnomalyDetection.DetectSequenceAnomalies(options).Fit(ml.Data.LoadFromEnumerable(train));
        var scores = detector.Transform(ml.Data.LoadFromEnumerable(test)).GetColumn<double>("AnomalyScore").ToArray();
        var evaluated = ml.AnomalyDetection.Evaluate(ml.Data.LoadFromEnumerable(test.Select((p, k) => new Scored { Label = p.Label ? 1f : 0f, Score = (float)scores[k] })));
        Assert.AreEqual(evaluated.AreaUnderRocCurve, best.Metric, 1e-4, $"best trial {best}");
        // Point-wise AUC against NAB's wide windows (about a tenth of each series, most of it normal-looking) is modest;
        // the three trials here measured 0.36, 0.48 and 0.66: the sweep's choice matters.
        string trials = string.Join("; ", result.Trials.Select(t => t.ToString()));
        Assert.IsTrue(best.Metric > 0.6, $"the best of three small detectors: AUC {best.Metric:F3}; {trials}");
        Assert.IsTrue(metrics.Max() - metrics.Min() > 0.1, $"the configurations differ: {trials}");
    }

    [TestMethod]
    public void AGlobalDetectorsNabScoreIsTheScorersOnItsAlertsAndTheRefitHoldsEverySeries()
    {
        var ml = new MLContext(1);
        var points = Files.SelectMany(Points).ToList();
        var template = Template();
        template.Scope = AnomalyModelScope.Global;
        var result = ml.AnomalyDetection.SweepSequenceAnomalyDetectors(new SequenceAnomalySweepOptions
        {
            Detector = template, SearchSpace = SmallSpace(), Metric = SweepMetric.NabStandard, Tuner = SweepTunerKind.Random, Seed = 5,
            MaximumTrials = 2, MaximumEpochs = 4,
        }).Execute(ml.Data.LoadFromEnumerable(points));
        Assert.AreEqual(SweepMetric.NabStandard, result.Metric);
        Assert.IsTrue(result.LargerIsBetter);
        var best = result.BestTrial!;

        // The best trial again through the public API: one global network fitted on both probations, the rest scored,
        // NAB's scorer on the alerts after the detector's probation (labelled runs as windows), normalised.
        var options = best.Configuration.ToAnomalyDetectorOptions(SmallSpace(), template);
        options.Epochs = 4;
        options.Seed = 5;
        int n = Files[0].Length;
        using (var detector = ml.AnomalyDetection.DetectSequenceAnomalies(options).Fit(ml.Data.LoadFromEnumerable(points.Where((_, i) => i % n < Probation))))
        {
            var alerts = detector.Transform(ml.Data.LoadFromEnumerable(points.Where((_, i) => i % n >= Probation))).GetColumn<double[]>("Prediction").Select(p => p[0]).ToArray();
            double raw = 0;
            int windows = 0;
            for (int f = 0; f < Files.Count; f++)
            {
                var flags = Enumerable.Repeat(0.0, Probation).Concat(alerts.Skip(f * (n - Probation)).Take(n - Probation)).ToList();
                var runs = Files[f].Windows.Where(w => w.Last >= Probation).ToList();
                var file = new NabFile(Files[f].Name, Files[f].Timestamps, Files[f].Values, runs);
                raw += NabScorer.ScoreFile(file, flags, 0.5, NabProfile.Standard, Probation).Score;
                windows += runs.Count;
            }
            Assert.AreEqual(NabScorer.Normalize(raw, windows, NabProfile.Standard), best.Metric, 1e-6, $"best trial {best}");
        }
        using var model = (SequenceAnomalyTransformer)result.Model!;
        CollectionAssert.AreEquivalent(Files.Select(f => f.Name).ToList(), model.Series.ToList());
        Assert.AreEqual(Files[0].Length, model.PointsSeen(Files[0].Name), "the refit ran over every point of each series");

        // Labels and times are checked once, before the first trial.
        var numeric = ml.Data.LoadFromEnumerable(points.Select((p, i) => new { p.Series, p.Time, p.Value, Label = i == 900 ? float.NaN : p.Label ? 1f : 0f }));
        var e1 = Assert.ThrowsExactly<InvalidOperationException>(() => ml.AnomalyDetection.SweepSequenceAnomalyDetectors(new SequenceAnomalySweepOptions
        {
            Detector = Template(), MaximumTrials = 1,
        }).Execute(numeric));
        StringAssert.Contains(e1.Message, "Row 901: label column 'Label' is missing (NaN)");
        var swapped = points.ToList();
        (swapped[700], swapped[701]) = (swapped[701], swapped[700]);
        var e2 = Assert.ThrowsExactly<InvalidOperationException>(() => ml.AnomalyDetection.SweepSequenceAnomalyDetectors(new SequenceAnomalySweepOptions
        {
            Detector = Template(), MaximumTrials = 1,
        }).Execute(ml.Data.LoadFromEnumerable(swapped)));
        StringAssert.Contains(e2.Message, "time column 'Time' does not increase");
    }

    private sealed class Scored
    {
        public float Label { get; set; }
        public float Score { get; set; }
        public bool PredictedLabel { get; set; }
    }
}
