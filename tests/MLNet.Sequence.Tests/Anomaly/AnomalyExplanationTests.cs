using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Anomaly;
using MLNet.Sequence.Tests.Support;

namespace MLNet.Sequence.Tests.Anomaly;

/// <summary>
/// <c>ExplainAnomaly</c> on NAB's machine temperature series: each contribution against the raw score a streaming
/// engine computes for the occluded window, and what the explanations of the detector's alerts say.
/// </summary>
[TestClass]
public sealed class AnomalyExplanationTests
{
    private const string Machine = "realKnownCause/machine_temperature_system_failure.csv";
    private static readonly string Root = Path.GetDirectoryName(Path.GetDirectoryName(TestData.PathOf("anomaly/nab/labels/combined_windows.json")))!;

    private sealed class Point
    {
        public double Value { get; set; }
    }

    private static (SequenceAnomalyTransformer Detector, double[] Values, int[] Alerts) FitMachine(AnomalyDetectionMethod method)
    {
        var file = NabCorpus.Load(Root).Single(f => f.Name == Machine);
        var values = file.Values.ToArray();
        var ml = new MLContext(1);
        var o = new SequenceAnomalyDetectorOptions { Method = method, ProbationaryPeriod = 750, Seed = 1 };
        var detector = ml.AnomalyDetection.DetectSequenceAnomalies(o).Fit(ml.Data.LoadFromEnumerable(values.Take(750).Select(v => new Point { Value = v })));
        var scored = detector.Transform(ml.Data.LoadFromEnumerable(values.Skip(750).Select(v => new Point { Value = v })));
        var alerts = scored.GetColumn<double[]>("Prediction").Select((p, i) => (p, i)).Where(x => x.p[0] > 0).Select(x => 750 + x.i).ToArray();
        return (detector, values, alerts);
    }

    /// <summary>The raw score of the last value, fed after the window to a fresh engine of the detector.</summary>
    private static double EngineRaw(SequenceAnomalyTransformer detector, IReadOnlyList<double> window)
    {
        using var engine = detector.CreateEngine();
        return engine.Process("", window)[window.Count - 1].RawScore;
    }

    [TestMethod]
    public void EachContributionIsTheRawScoreLostWhenThePointIsOccluded()
    {
        foreach (var method in new[] { AnomalyDetectionMethod.ForecastResidual, AnomalyDetectionMethod.Reconstruction })
        {
            var (detector, values, alerts) = FitMachine(method);
            using (detector)
            {
                Assert.IsTrue(alerts.Length > 0, $"{method}: the detector raised no alert");
                int index = alerts[0];
                var e = detector.ExplainAnomaly(values, index);
                int window = method == AnomalyDetectionMethod.ForecastResidual ? 32 : 31;
                Assert.AreEqual(index - window, e.FirstStep);
                Assert.AreEqual(window + 1, e.Contributions.Count);
                Assert.AreEqual(values[index], e.Value);
                var full = values.Skip(e.FirstStep).Take(window + 1).ToArray();
                Assert.AreEqual(EngineRaw(detector, full), e.RawScore, 1e-4 * Math.Max(1, e.RawScore), $"{method}: raw score");
                foreach (int j in new[] { 0, window / 2, window })
                {
                    var occluded = (double[])full.Clone();
                    occluded[j] = j == window ? 2 * full[j - 1] - full[j - 2] : j == 0 ? 2 * full[1] - full[2] : (full[j - 1] + full[j + 1]) / 2;
                    Assert.AreEqual(e.RawScore - EngineRaw(detector, occluded), e.Contributions[j], 1e-4 * Math.Max(1, e.RawScore), $"{method}: step {j}");
                }
                Assert.IsTrue(double.IsFinite(e.Expected));
            }
        }
    }

    [TestMethod]
    public void AForecastResidualAlertIsHeldUpByThePointAndItsLatestNeighbours()
    {
        var (detector, values, alerts) = FitMachine(AnomalyDetectionMethod.ForecastResidual);
        using (detector)
        {
            var explanations = alerts.Select(i => detector.ExplainAnomaly(values, i)).ToList();
            // The point's own departure from the forecast is the largest part of the miss, and the window's far end hardly moves it
            // (measured: the point itself or one of its two predecessors on top for 16 of 16 alerts; the oldest four points ~0).
            int ownOrLatest = explanations.Count(e => e.TopSteps(1)[0] >= e.Index - 2);
            double recent = explanations.Average(e => e.Contributions.Skip(e.Contributions.Count - 4).Sum(Math.Abs));
            double far = explanations.Average(e => e.Contributions.Take(4).Sum(Math.Abs));
            string text = string.Join("; ", explanations.Select(e => $"#{e.Index} raw {e.RawScore:F2} top {string.Join(",", e.TopSteps(3).Select(t => t - e.Index))}"));
            Assert.IsTrue(ownOrLatest >= 0.8 * explanations.Count, $"{ownOrLatest} of {explanations.Count} alerts: {text}");
            Assert.IsTrue(recent > 5 * far, $"latest four points {recent:F3} against the oldest four {far:F3}: {text}");
            // A forecast-residual alert's raw score is the miss |value − expected| in units of the series' scale.
            var first = explanations[0];
            Assert.IsTrue(Math.Abs(first.Value - first.Expected) > 0.5, $"the first alert missed its forecast by {Math.Abs(first.Value - first.Expected):F2}");
        }
        var e1 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FitAndExplain(10));
        StringAssert.Contains(e1.Message, "must be between 32");
    }

    [TestMethod]
    public void ATwoPointReconstructionWindowIsExplainedToo()
    {
        var file = NabCorpus.Load(Root).Single(f => f.Name == Machine);
        var ml = new MLContext(1);
        var o = new SequenceAnomalyDetectorOptions { Method = AnomalyDetectionMethod.Reconstruction, WindowLength = 2, ProbationaryPeriod = 300, Epochs = 5, Seed = 1 };
        using var detector = ml.AnomalyDetection.DetectSequenceAnomalies(o).Fit(ml.Data.LoadFromEnumerable(file.Values.Take(300).Select(v => new Point { Value = v })));
        var e = detector.ExplainAnomaly(file.Values, 500);
        Assert.AreEqual(2, e.Contributions.Count);
        Assert.AreEqual(499, e.FirstStep);
        var occluded = new[] { file.Values[500], file.Values[500] };
        Assert.AreEqual(e.RawScore - EngineRaw(detector, occluded), e.Contributions[0], 1e-4, "the first point occluded by the other");
    }

    private static void FitAndExplain(int index)
    {
        var (detector, values, _) = FitMachine(AnomalyDetectionMethod.ForecastResidual);
        using (detector)
        {
            var e = Assert.ThrowsExactly<ArgumentException>(() => detector.ExplainAnomaly(values, 800, "pump 2"));
            StringAssert.Contains(e.Message, "no trained state for series 'pump 2'");
            detector.ExplainAnomaly(values, index);
        }
    }
}
