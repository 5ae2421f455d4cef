using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Anomaly;
using MLNet.Sequence.Tests.Support;

namespace MLNet.Sequence.Tests.Anomaly;

/// <summary>
/// The NAB scorer and the Windowed Gaussian reference detector against the results NAB v1.1 publishes
/// (data/anomaly/nab/results): the detector's per-row scores and the scorer's per-row contributions for three files,
/// every file's score and counts under the three profiles, and the normalised corpus scores of final_results.json.
/// </summary>
[TestClass]
public sealed class NabScorerTests
{
    private static readonly string Root = Path.GetDirectoryName(Path.GetDirectoryName(TestData.PathOf("anomaly/nab/labels/combined_windows.json")))!;
    private static List<NabFile>? _corpus;
    private static List<NabFile> Corpus => _corpus ??= NabCorpus.Load(Root);

    private static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    /// <summary>
    /// NAB scored the result files its detectors wrote, whose scores hold 12 significant digits: a score of
    /// 0.999999999999998 was read back as 1.0 and met the threshold 1.0. The exact reproduction scores the same digits.
    /// </summary>
    private static double[] AsWritten(double[] scores) => scores.Select(x => D(x.ToString("G12", CultureInfo.InvariantCulture))).ToArray();

    [TestMethod]
    [DataRow("realKnownCause/nyc_taxi.csv")]
    [DataRow("realTraffic/speed_t4013.csv")]
    [DataRow("artificialWithAnomaly/art_daily_jumpsup.csv")]
    public void WindowedGaussianRowsAndTheirContributionsEqualNabsOutput(string name)
    {
        var file = Corpus.Single(f => f.Name == name);
        var dir = Path.GetDirectoryName(name)!;
        var reference = File.ReadAllLines(Path.Combine(Root, "results", "windowedGaussian", dir, "windowedGaussian_" + Path.GetFileName(name))).Skip(1)
            .Select(l => l.Split(',')).ToList();
        Assert.HasCount(file.Length, reference);
        var scores = WindowedGaussianDetector.Score(file.Values);
        // The published file holds 12 significant digits.
        for (int i = 0; i < file.Length; i++)
            Assert.AreEqual(D(reference[i][2]), scores[i], 1e-11, $"{name} row {i}: anomaly score");
        var columns = new Dictionary<NabProfile, int> { [NabProfile.RewardLowFalsePositiveRate] = 4, [NabProfile.RewardLowFalseNegativeRate] = 5, [NabProfile.Standard] = 6 };
        foreach (var (profile, column) in columns)
        {
            var scored = NabScorer.ScoreFile(file, AsWritten(scores), 1.0, profile);
            for (int i = 0; i < file.Length; i++)
                Assert.AreEqual(D(reference[i][column]), scored.RowScores[i], 1e-10, $"{name} row {i}: S(t)_{profile.Name}");
            Assert.AreEqual(scored.RowScores.Sum(), scored.Score, 1e-9, "the contributions sum to the file's score");
        }
    }

    [TestMethod]
    public void EveryFileAndTheCorpusScoreAsPublished()
    {
        var corpus = Corpus;
        Assert.HasCount(58, corpus);
        int windows = corpus.Sum(f => f.Windows.Count);
        Assert.AreEqual(116, windows);
        var scores = corpus.Select(f => (f, (IReadOnlyList<double>)AsWritten(WindowedGaussianDetector.Score(f.Values)))).ToList();
        using var published = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "results", "final_results.json")));
        foreach (var profile in NabProfile.All)
        {
            var rows = File.ReadAllLines(Path.Combine(Root, "results", "windowedGaussian", $"windowedGaussian_{profile.Name}_scores.csv")).Skip(1)
                .Select(l => l.Split(',')).Where(c => c[0] == "windowedGaussian").ToDictionary(c => c[2]);
            Assert.HasCount(58, rows);
            double raw = 0;
            foreach (var (file, s) in scores)
            {
                var r = rows[file.Name];
                var mine = NabScorer.ScoreFile(file, s, D(r[3]), profile);
                Assert.AreEqual(D(r[4]), mine.Score, 1e-9, $"{file.Name} {profile.Name}: score");
                CollectionAssert.AreEqual(r.Skip(5).Select(int.Parse).ToArray(), new[] { mine.TruePositives, mine.TrueNegatives, mine.FalsePositives, mine.FalseNegatives, mine.TotalCount },
                    $"{file.Name} {profile.Name}: TP, TN, FP, FN, rows");
                raw += mine.Score;
            }
            double expected = published.RootElement.GetProperty("windowedGaussian").GetProperty(profile.Name).GetDouble();
            Assert.AreEqual(expected, NabScorer.Normalize(raw, windows, profile), 1e-8, $"windowedGaussian {profile.Name}: normalised corpus score");

            // The threshold search finds NAB's threshold (1.0) and the same corpus score.
            var (threshold, best) = NabScorer.OptimizeThreshold(scores, profile);
            Assert.AreEqual(1.0, threshold, $"{profile.Name}: best threshold");
            Assert.AreEqual(raw, best, 1e-8, $"{profile.Name}: the search's score at its threshold");

            // The null detector (a constant 0.5, below any threshold it is given) scores 0.
            var nulls = corpus.Select(f => (f, (IReadOnlyList<double>)Enumerable.Repeat(0.5, f.Length).ToArray())).ToList();
            double nullRaw = nulls.Sum(n => NabScorer.ScoreFile(n.f, n.Item2, 0.6, profile).Score);
            Assert.AreEqual(0.0, NabScorer.Normalize(nullRaw, windows, profile), 1e-12, $"null {profile.Name}");
        }
    }

    [TestMethod]
    public void TheScoringRulesOnAHandMadeFile()
    {
        // 100 rows (probation 15: rows 15-99 are scored), one window at rows 40-49 (L = 10).
        var times = Enumerable.Range(0, 100).Select(i => new DateTime(2020, 1, 1).AddMinutes(5 * i)).ToArray();
        var file = new NabFile("hand.csv", times, new double[100], new[] { (40, 49) });
        Assert.AreEqual(15, NabScorer.ProbationaryPeriod(100));
        Assert.AreEqual(750, NabScorer.ProbationaryPeriod(10_000));
        double[] Alerts(params int[] rows)
        {
            var s = new double[100];
            foreach (var r in rows) s[r] = 1;
            return s;
        }
        var p = NabProfile.Standard;
        // The earliest detection in the window scores A_TP·S(y)/S(−1), y = −(49 − i + 1)/10: at the window's start exactly A_TP.
        Assert.AreEqual(1.0, NabScorer.ScoreFile(file, Alerts(40), 1, p).Score, 1e-12);
        Assert.AreEqual(NabScorer.ScaledSigmoid(-0.5) / NabScorer.ScaledSigmoid(-1), NabScorer.ScoreFile(file, Alerts(45, 47), 1, p).Score, 1e-12, "later detections in a window add nothing");
        // Missed: −A_FN. A false positive before any window: −A_FP; in probation: nothing.
        Assert.AreEqual(-1.0, NabScorer.ScoreFile(file, Alerts(), 1, p).Score, 1e-12);
        Assert.AreEqual(-1.11, NabScorer.ScoreFile(file, Alerts(20), 1, p).Score, 1e-12);
        Assert.AreEqual(-1.0, NabScorer.ScoreFile(file, Alerts(10), 1, p).Score, 1e-12, "probationary rows are not scored");
        // After the window: A_FP·S((i − 49)/(L − 1)); just after it, nearly 0; far after, −A_FP.
        Assert.AreEqual(-1 + 0.11 * NabScorer.ScaledSigmoid(1 / 9.0), NabScorer.ScoreFile(file, Alerts(50), 1, p).Score, 1e-12);
        Assert.AreEqual(-1 - 0.11, NabScorer.ScoreFile(file, Alerts(99), 1, p).Score, 1e-12);
        var counts = NabScorer.ScoreFile(file, Alerts(40, 41, 60), 1, p);
        CollectionAssert.AreEqual(new[] { 2, 74, 1, 8, 100 }, new[] { counts.TruePositives, counts.TrueNegatives, counts.FalsePositives, counts.FalseNegatives, counts.TotalCount });
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => NabScorer.ScoreFile(file, new double[99], 1, p)).Message, "100 rows");
        var nan = Alerts();
        nan[3] = double.NaN;
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => NabScorer.ScoreFile(file, nan, 1, p)).Message, "row 3");
    }
}
