using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace MLNet.Sequence.Anomaly
{
    /// <summary>A NAB scoring profile: the weights of a true positive, a false positive and a false negative.</summary>
    /// <param name="Name">The profile's name in NAB's config/profiles.json.</param>
    /// <param name="TruePositiveWeight">A_TP.</param>
    /// <param name="FalsePositiveWeight">A_FP.</param>
    /// <param name="FalseNegativeWeight">A_FN.</param>
    public sealed record NabProfile(string Name, double TruePositiveWeight, double FalsePositiveWeight, double FalseNegativeWeight)
    {
        /// <summary>NAB's standard profile: A_TP 1, A_FP 0.11, A_FN 1.</summary>
        public static NabProfile Standard { get; } = new("standard", 1.0, 0.11, 1.0);

        /// <summary>NAB's reward_low_FP_rate profile: A_FP 0.22.</summary>
        public static NabProfile RewardLowFalsePositiveRate { get; } = new("reward_low_FP_rate", 1.0, 0.22, 1.0);

        /// <summary>NAB's reward_low_FN_rate profile: A_FN 2.</summary>
        public static NabProfile RewardLowFalseNegativeRate { get; } = new("reward_low_FN_rate", 1.0, 0.11, 2.0);

        /// <summary>The three published profiles.</summary>
        public static IReadOnlyList<NabProfile> All { get; } = new[] { Standard, RewardLowFalsePositiveRate, RewardLowFalseNegativeRate };
    }

    /// <summary>One NAB data file: its values, timestamps, and labelled anomaly windows as inclusive row ranges.</summary>
    public sealed class NabFile
    {
        /// <summary>Creates a file.</summary>
        /// <param name="name">The corpus path, e.g. "realKnownCause/nyc_taxi.csv".</param>
        /// <param name="timestamps">One per row, ascending.</param>
        /// <param name="values">One per row.</param>
        /// <param name="windows">Anomaly windows as (first row, last row), inclusive, ascending and disjoint.</param>
        public NabFile(string name, IReadOnlyList<DateTime> timestamps, IReadOnlyList<double> values, IReadOnlyList<(int First, int Last)> windows)
        {
            ArgumentNullException.ThrowIfNull(name);
            ArgumentNullException.ThrowIfNull(timestamps);
            ArgumentNullException.ThrowIfNull(values);
            ArgumentNullException.ThrowIfNull(windows);
            if (timestamps.Count != values.Count)
                throw new ArgumentException($"NAB file '{name}': {timestamps.Count} timestamps but {values.Count} values.");
            for (int w = 0; w < windows.Count; w++)
                if (windows[w].First < 0 || windows[w].Last >= values.Count || windows[w].Last < windows[w].First || (w > 0 && windows[w].First <= windows[w - 1].Last))
                    throw new ArgumentException($"NAB file '{name}': window {w + 1} (rows {windows[w].First}-{windows[w].Last}) is outside the {values.Count} rows, empty, or overlaps the one before.");
            Name = name;
            Timestamps = timestamps;
            Values = values;
            Windows = windows;
        }

        /// <summary>The corpus path.</summary>
        public string Name { get; }
        /// <summary>The timestamps.</summary>
        public IReadOnlyList<DateTime> Timestamps { get; }
        /// <summary>The values.</summary>
        public IReadOnlyList<double> Values { get; }
        /// <summary>The labelled anomaly windows (inclusive row ranges).</summary>
        public IReadOnlyList<(int First, int Last)> Windows { get; }
        /// <summary>Rows.</summary>
        public int Length => Values.Count;
    }

    /// <summary>One file's score under a profile and threshold, with NAB's counts.</summary>
    public sealed class NabFileScore
    {
        internal NabFileScore(string file, double threshold, double score, int tp, int tn, int fp, int fn, int total, double[] rowScores)
        {
            File = file; Threshold = threshold; Score = score; TruePositives = tp; TrueNegatives = tn; FalsePositives = fp; FalseNegatives = fn; TotalCount = total; RowScores = rowScores;
        }

        /// <summary>The corpus path.</summary>
        public string File { get; }
        /// <summary>The threshold (a row is a detection when its anomaly score is at least this).</summary>
        public double Threshold { get; }
        /// <summary>The raw score: the windows' true-positive scores or −A_FN, plus the false positives' (negative) scores.</summary>
        public double Score { get; }
        /// <summary>Detected rows inside windows (after the probationary period).</summary>
        public int TruePositives { get; }
        /// <summary>Undetected rows outside windows (after the probationary period).</summary>
        public int TrueNegatives { get; }
        /// <summary>Detected rows outside windows (after the probationary period).</summary>
        public int FalsePositives { get; }
        /// <summary>Undetected rows inside windows (after the probationary period).</summary>
        public int FalseNegatives { get; }
        /// <summary>All rows, the probationary ones included.</summary>
        public int TotalCount { get; }
        /// <summary>
        /// Each row's contribution, as NAB's published result files hold it (their S(t) columns): on the first row of each
        /// window, the window's score; on each false positive, its score; 0 elsewhere. They sum to <see cref="Score"/>.
        /// </summary>
        public IReadOnlyList<double> RowScores { get; }
    }

    /// <summary>
    /// The Numenta Anomaly Benchmark's scoring (Lavin and Ahmad, "Evaluating Real-time Anomaly Detection Algorithms –
    /// the Numenta Anomaly Benchmark", IEEE ICMLA 2015; rules as in NAB v1.1's scorer and sweeper). A detection is a row
    /// after the probationary period whose anomaly score is at least the threshold. In each labelled window only the
    /// earliest detection counts, scored A_TP·S(y)/S(−1) with y = −(last − i + 1)/L (L the window's rows) and the scaled
    /// sigmoid S(y) = 2/(1 + e^{5y}) − 1 (−1 beyond y = 3); a window without one costs −A_FN. A detection outside every
    /// window scores A_FP·S(y) with y = (i − last)/(L − 1) from the closest window before it, or −A_FP when none precedes it.
    /// One threshold serves the whole corpus; the normalised score is 100·(raw − null)/(perfect − null).
    /// <para>NAB's published results scored the files its detectors wrote, whose scores hold 12 significant digits (a
    /// score of 0.999999999999998 was read back as 1.0 and met the threshold 1.0); round scores the same way to reproduce
    /// them exactly.</para>
    /// </summary>
    public static class NabScorer
    {
        /// <summary>NAB's probationary fraction of each file.</summary>
        public const double ProbationaryPercent = 0.15;

        /// <summary>Rows at the start of a file that are never scored: min(⌊0.15·n⌋, 750).</summary>
        /// <param name="length">The file's rows.</param>
        /// <returns>The probationary rows.</returns>
        public static int ProbationaryPeriod(int length) => (int)Math.Min(Math.Floor(ProbationaryPercent * length), ProbationaryPercent * 5000);

        /// <summary>The scaled sigmoid 2/(1 + e^{5y}) − 1, and −1 for y &gt; 3.</summary>
        /// <param name="y">The relative position.</param>
        /// <returns>The value in (−1, 1).</returns>
        public static double ScaledSigmoid(double y) => y > 3 ? -1.0 : 2 / (1 + Math.Exp(5 * y)) - 1;

        private static readonly double MaxTruePositive = ScaledSigmoid(-1.0);

        /// <summary>The score row <paramref name="i"/> would earn as a detection: inside a window its true-positive score, outside its (negative) false-positive score.</summary>
        private static (int Window, double Score) Potential(NabFile file, int i, NabProfile profile, int[] windowOf)
        {
            int w = windowOf[i];
            if (w >= 0)
            {
                var (first, last) = file.Windows[w];
                double y = -(last - i + 1.0) / (last - first + 1);
                return (w, profile.TruePositiveWeight * ScaledSigmoid(y) / MaxTruePositive);
            }
            // The closest window that ended before i (windows are ascending).
            int before = -1;
            for (int k = 0; k < file.Windows.Count && file.Windows[k].Last < i; k++)
                before = k;
            if (before < 0)
                return (-1, -profile.FalsePositiveWeight);
            var (f, l) = file.Windows[before];
            return (-1, profile.FalsePositiveWeight * ScaledSigmoid((i - l) / (double)(l - f)));
        }

        private static int[] WindowIndex(NabFile file)
        {
            var windowOf = Enumerable.Repeat(-1, file.Length).ToArray();
            for (int w = 0; w < file.Windows.Count; w++)
                for (int i = file.Windows[w].First; i <= file.Windows[w].Last; i++)
                    windowOf[i] = w;
            return windowOf;
        }

        private static void CheckScores(NabFile file, IReadOnlyList<double> anomalyScores)
        {
            ArgumentNullException.ThrowIfNull(file);
            ArgumentNullException.ThrowIfNull(anomalyScores);
            if (anomalyScores.Count != file.Length)
                throw new ArgumentException($"NAB file '{file.Name}' has {file.Length} rows; {anomalyScores.Count} anomaly scores were given.", nameof(anomalyScores));
            for (int i = 0; i < anomalyScores.Count; i++)
                if (!double.IsFinite(anomalyScores[i]))
                    throw new ArgumentException($"NAB file '{file.Name}': the anomaly score of row {i} is {anomalyScores[i]}; scores must be finite.", nameof(anomalyScores));
        }

        /// <summary>Scores one file at one threshold.</summary>
        /// <param name="file">The file and its windows.</param>
        /// <param name="anomalyScores">One anomaly score per row.</param>
        /// <param name="threshold">A row is a detection when its score is at least this.</param>
        /// <param name="profile">The weights.</param>
        /// <returns>The score, NAB's counts and the per-row contributions.</returns>
        public static NabFileScore ScoreFile(NabFile file, IReadOnlyList<double> anomalyScores, double threshold, NabProfile profile) =>
            ScoreFile(file, anomalyScores, threshold, profile, ProbationaryPeriod(file?.Length ?? 0));

        /// <summary>Scores one file at one threshold, ignoring detections in its first <paramref name="probationaryPeriod"/> rows (NAB's rule uses <see cref="ProbationaryPeriod(int)"/>).</summary>
        /// <param name="file">The file and its windows.</param>
        /// <param name="anomalyScores">One anomaly score per row.</param>
        /// <param name="threshold">A row is a detection when its score is at least this.</param>
        /// <param name="profile">The weights.</param>
        /// <param name="probationaryPeriod">Leading rows whose detections are not scored (0 to the file's length).</param>
        /// <returns>The score, NAB's counts and the per-row contributions.</returns>
        public static NabFileScore ScoreFile(NabFile file, IReadOnlyList<double> anomalyScores, double threshold, NabProfile profile, int probationaryPeriod)
        {
            CheckScores(file, anomalyScores);
            ArgumentNullException.ThrowIfNull(profile);
            if (probationaryPeriod < 0 || probationaryPeriod > file.Length)
                throw new ArgumentOutOfRangeException(nameof(probationaryPeriod), $"The probationary period must be between 0 and the file's {file.Length} rows; it is {probationaryPeriod}.");
            int n = file.Length, probation = probationaryPeriod;
            var windowOf = WindowIndex(file);
            var rows = new double[n];
            var detected = new bool[file.Windows.Count];
            int tp = 0, tn = 0, fp = 0, fn = 0;
            double fpSum = 0;
            for (int i = probation; i < n; i++)
            {
                bool alert = anomalyScores[i] >= threshold;
                int w = windowOf[i];
                if (w >= 0)
                {
                    if (alert) tp++; else fn++;
                    if (alert && !detected[w])
                    {
                        detected[w] = true;
                        rows[file.Windows[w].First] = Potential(file, i, profile, windowOf).Score;
                    }
                }
                else if (alert)
                {
                    fp++;
                    double s = Potential(file, i, profile, windowOf).Score;
                    rows[i] = s;
                    fpSum += s;
                }
                else
                    tn++;
            }
            double score = fpSum;
            for (int w = 0; w < file.Windows.Count; w++)
            {
                if (!detected[w])
                    rows[file.Windows[w].First] = -profile.FalseNegativeWeight;
                score += rows[file.Windows[w].First];
            }
            return new NabFileScore(file.Name, threshold, score, tp, tn, fp, fn, n, rows);
        }

        /// <summary>
        /// The threshold that maximises the corpus score, searched exactly: every distinct anomaly score (after each
        /// file's probation) is a candidate, and the corpus score at each is computed in one pass over the rows sorted by
        /// score, highest first (as NAB's sweeper does). Ties go to the highest threshold. Returns the threshold and its raw score.
        /// </summary>
        /// <param name="files">The files with one anomaly score per row each.</param>
        /// <param name="profile">The weights.</param>
        /// <returns>The best threshold and the raw corpus score there.</returns>
        public static (double Threshold, double Score) OptimizeThreshold(IReadOnlyList<(NabFile File, IReadOnlyList<double> AnomalyScores)> files, NabProfile profile)
        {
            ArgumentNullException.ThrowIfNull(files);
            ArgumentNullException.ThrowIfNull(profile);
            var rows = new List<(double Anomaly, int Window, double Score)>();
            var windowParts = new List<double>();
            foreach (var (file, scores) in files)
            {
                CheckScores(file, scores);
                var windowOf = WindowIndex(file);
                int offset = windowParts.Count;
                for (int w = 0; w < file.Windows.Count; w++)
                    windowParts.Add(-profile.FalseNegativeWeight);
                for (int i = ProbationaryPeriod(file.Length); i < file.Length; i++)
                {
                    var (w, s) = Potential(file, i, profile, windowOf);
                    rows.Add((scores[i], w >= 0 ? offset + w : -1, s));
                }
            }
            // Descending by anomaly score; a stable sort keeps file order among ties (the totals do not depend on it).
            var order = Enumerable.Range(0, rows.Count).OrderByDescending(r => rows[r].Anomaly).ToArray();
            double fpSum = 0, windowsSum = windowParts.Sum();
            double bestThreshold = 1.1, bestScore = windowsSum;   // above every score: no detection
            int at = 0;
            while (at < order.Length)
            {
                double threshold = rows[order[at]].Anomaly;
                // Every row scoring exactly `threshold` becomes a detection together.
                for (; at < order.Length && rows[order[at]].Anomaly == threshold; at++)
                {
                    var r = rows[order[at]];
                    if (r.Window >= 0)
                    {
                        if (r.Score > windowParts[r.Window])
                        {
                            windowsSum += r.Score - windowParts[r.Window];
                            windowParts[r.Window] = r.Score;
                        }
                    }
                    else
                        fpSum += r.Score;
                }
                double total = windowsSum + fpSum;
                if (total > bestScore)
                {
                    bestScore = total;
                    bestThreshold = threshold;
                }
            }
            return (bestThreshold, bestScore);
        }

        /// <summary>NAB's normalised score: 100·(raw − null)/(perfect − null), with null = −A_FN and perfect = A_TP per window.</summary>
        /// <param name="rawScore">The detector's raw corpus score.</param>
        /// <param name="windows">The corpus' labelled windows (116 in NAB v1.1).</param>
        /// <param name="profile">The weights.</param>
        /// <returns>0 for a detector that detects nothing, 100 for one that detects every window at its start and nothing else.</returns>
        public static double Normalize(double rawScore, int windows, NabProfile profile)
        {
            ArgumentNullException.ThrowIfNull(profile);
            double nullScore = -profile.FalseNegativeWeight * windows, perfect = profile.TruePositiveWeight * windows;
            return 100 * (rawScore - nullScore) / (perfect - nullScore);
        }
    }

    /// <summary>Reads the NAB corpus (data/**.csv and labels/combined_windows.json).</summary>
    public static class NabCorpus
    {
        private const string TimeFormat = "yyyy-MM-dd HH:mm:ss";

        /// <summary>Loads every file listed in the windows file, in its order.</summary>
        /// <param name="root">The folder holding data/ and labels/ (e.g. data/anomaly/nab).</param>
        /// <returns>The files with their windows as row ranges.</returns>
        public static List<NabFile> Load(string root)
        {
            var windowsPath = Path.Combine(root, "labels", "combined_windows.json");
            if (!File.Exists(windowsPath))
                throw new FileNotFoundException($"No NAB windows file at '{windowsPath}'.", windowsPath);
            using var doc = JsonDocument.Parse(File.ReadAllText(windowsPath));
            var files = new List<NabFile>();
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                var (times, values) = ReadSeries(Path.Combine(root, "data", entry.Name));
                var windows = new List<(int, int)>();
                foreach (var w in entry.Value.EnumerateArray())
                {
                    var bounds = w.EnumerateArray().Select(x => Parse(x.GetString()!)).ToArray();
                    int first = times.FindIndex(t => t >= bounds[0]);
                    int last = times.FindLastIndex(t => t <= bounds[1]);
                    if (first < 0 || last < first)
                        throw new InvalidDataException($"NAB file '{entry.Name}': window {bounds[0]:u} – {bounds[1]:u} holds no row.");
                    windows.Add((first, last));
                }
                files.Add(new NabFile(entry.Name, times, values, windows));
            }
            return files;
        }

        private static DateTime Parse(string s) =>
            DateTime.ParseExact(s.Length > TimeFormat.Length ? s[..TimeFormat.Length] : s, TimeFormat, CultureInfo.InvariantCulture)
                .AddTicks(s.Length > 20 ? (long)(double.Parse("0" + s[19..], CultureInfo.InvariantCulture) * TimeSpan.TicksPerSecond) : 0);

        /// <summary>A NAB data file: header "timestamp,value", then one row per step.</summary>
        private static (List<DateTime> Times, List<double> Values) ReadSeries(string path)
        {
            var times = new List<DateTime>();
            var values = new List<double>();
            using var reader = new StreamReader(path);
            var header = reader.ReadLine();
            if (header?.Trim() != "timestamp,value")
                throw new InvalidDataException($"NAB data file '{path}' must start with the header 'timestamp,value'; it starts with '{header}'.");
            int line = 1;
            while (reader.ReadLine() is { } text)
            {
                line++;
                if (text.Length == 0)
                    continue;
                int comma = text.IndexOf(',');
                if (comma < 0 || !double.TryParse(text.AsSpan(comma + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                    throw new InvalidDataException($"NAB data file '{path}', line {line}: expected 'timestamp,value'; got '{text}'.");
                times.Add(Parse(text[..comma]));
                values.Add(v);
            }
            return (times, values);
        }
    }

    /// <summary>
    /// NAB's Windowed Gaussian reference detector: each value's tail probability under a normal fitted to the previous
    /// values (up to 6,400 of them, the window sliding in steps of 100), score = 1 − Q(|x − μ|/σ) in [0.5, 1] (0 for
    /// the first row). Reproduces NAB v1.1's windowedGaussian output exactly.
    /// </summary>
    public static class WindowedGaussianDetector
    {
        /// <summary>Scores a series.</summary>
        /// <param name="values">The values in time order.</param>
        /// <param name="windowSize">Values the normal is fitted to (NAB: 6400).</param>
        /// <param name="stepSize">Values buffered before the full window slides (NAB: 100).</param>
        /// <returns>One anomaly score per value.</returns>
        public static double[] Score(IReadOnlyList<double> values, int windowSize = 6400, int stepSize = 100)
        {
            ArgumentNullException.ThrowIfNull(values);
            if (windowSize < 1)
                throw new ArgumentOutOfRangeException(nameof(windowSize), windowSize, "The window must hold at least one value.");
            if (stepSize < 1 || stepSize > windowSize)
                throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, $"The step must be between 1 and the window size ({windowSize}).");
            var scores = new double[values.Count];
            var state = new WindowedGaussianState(windowSize, stepSize);
            for (int i = 0; i < values.Count; i++)
            {
                double x = values[i];
                if (!double.IsFinite(x))
                    throw new ArgumentException($"Value {i} is {x}; the windowed Gaussian detector needs finite values.", nameof(values));
                var (_, p) = state.Score(x);
                scores[i] = 1 - p;   // 0 for the first value (p = 1 before any fit)
            }
            return scores;
        }

        /// <summary>
        /// The complementary error function for x ≥ 0: 1 − erf(x) by erf's Maclaurin series below 2.5 (absolute error
        /// under 1e-14 there), and by its continued fraction e^{−x²}/√π · 1/(x + ½/(x + 1/(x + 3⁄2/(x + …)))) from 2.5 on.
        /// </summary>
        internal static double Erfc(double x)
        {
            if (x < 0)
                return 2 - Erfc(-x);
            if (x < 2.5)
            {
                // erf(x) = 2/√π Σ (−1)ⁿ x^{2n+1} / (n! (2n + 1))
                double term = x, sum = x, x2 = x * x;
                for (int n = 1; n < 200; n++)
                {
                    term *= -x2 / n;
                    double add = term / (2 * n + 1);
                    sum += add;
                    if (Math.Abs(add) < 1e-17 * Math.Abs(sum))
                        break;
                }
                return 1 - 2 / Math.Sqrt(Math.PI) * sum;
            }
            if (x > 27)
                return 0;
            // Evaluated from the tail: K = x + (k/2)/K, k = 80 .. 1.
            double k = x;
            for (int n = 80; n >= 1; n--)
                k = x + n / 2.0 / k;
            return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / k;
        }
    }
}
