using System;
using System.Collections.Generic;
using System.Linq;
using MLNet.Sequence.Anomaly;

namespace MLNet.Sequence
{
    /// <summary>
    /// Which points moved a point's anomaly: for each point of the window the detector's network reads (and the point
    /// itself), how much the raw score changes when that point is occluded, i.e. replaced by the straight line between its
    /// neighbours. The raw score is the network's miss before calibration (the forecast residual or the reconstruction
    /// error, in units of the series' scale); the p-value is its calibration against the series' usual misses.
    /// </summary>
    public sealed class AnomalyExplanation
    {
        internal AnomalyExplanation(int index, double value, double rawScore, double expected, int firstStep, double[] contributions)
        {
            Index = index;
            Value = value;
            RawScore = rawScore;
            Expected = expected;
            FirstStep = firstStep;
            Contributions = contributions;
        }

        /// <summary>The explained point's index in the values given.</summary>
        public int Index { get; }

        /// <summary>The explained point's value.</summary>
        public double Value { get; }

        /// <summary>The raw score of the point with every value as given.</summary>
        public double RawScore { get; }

        /// <summary>
        /// What the network expected at the point, in the series' units: the forecast (its median with quantiles) for
        /// <see cref="AnomalyDetectionMethod.ForecastResidual"/>, the reconstructed value for
        /// <see cref="AnomalyDetectionMethod.Reconstruction"/>.
        /// </summary>
        public double Expected { get; }

        /// <summary>The index of the first explained point (the start of the window the network reads).</summary>
        public int FirstStep { get; }

        /// <summary>
        /// Per point from <see cref="FirstStep"/> to <see cref="Index"/>, oldest first: the raw score minus the raw score
        /// with that point occluded. Positive: the point made the anomaly larger.
        /// </summary>
        public IReadOnlyList<double> Contributions { get; }

        /// <summary>The points with the largest effect (absolute contribution) first, as indices into the values given.</summary>
        /// <param name="count">How many.</param>
        /// <returns>Indices into the values.</returns>
        public IReadOnlyList<int> TopSteps(int count) =>
            Enumerable.Range(0, Contributions.Count).OrderByDescending(i => Math.Abs(Contributions[i])).ThenBy(i => i).Take(count).Select(i => FirstStep + i).ToList();
    }

    /// <summary>Explanations of sequence anomaly detectors.</summary>
    public static class AnomalyExplanationExtensions
    {
        /// <summary>
        /// Explains the raw score of <paramref name="values"/>[<paramref name="index"/>] by occluding each point of the
        /// window the series' network reads (the <c>WindowLength</c> points before it for a forecast residual, the window
        /// ending at it for a reconstruction) and the point itself, one network pass per point. The ends are occluded by
        /// extending the line of their two inner neighbours. The detector's state is not changed. The series' network and
        /// scaling are the ones the detector holds: with <c>RetrainInterval</c> set, points scored after a retraining were
        /// scored by a later network than the one explained.
        /// </summary>
        /// <param name="detector">A fitted network detector.</param>
        /// <param name="values">The series' values up to (at least) the point, in time order.</param>
        /// <param name="index">The point to explain: at least <c>WindowLength</c> (forecast residual) or <c>WindowLength − 1</c> (reconstruction), and at least 2.</param>
        /// <param name="series">The series key (as the series column holds it); null or empty without a series column.</param>
        /// <returns>The explanation.</returns>
        public static AnomalyExplanation ExplainAnomaly(this SequenceAnomalyTransformer detector, IReadOnlyList<double> values, int index, string? series = null)
        {
            ArgumentNullException.ThrowIfNull(detector);
            ArgumentNullException.ThrowIfNull(values);
            var c = detector.Config;
            if (!c.UsesNetwork)
                throw new InvalidOperationException("The windowed Gaussian scores each value against the normal of the values before it; there is no network window to attribute. Explain a ForecastResidual or Reconstruction detector.");
            series ??= "";
            var state = detector.KnownState(series);
            if (state is not { Ready: true })
                throw new ArgumentException(
                    $"The detector has no trained state for series '{series}'{(detector.Series.Count > 0 ? $"; it knows {string.Join(", ", detector.Series.Take(10).Select(s => $"'{s}'"))}" : "")}. Explain a series the detector was fitted on, past its probation.",
                    nameof(series));
            int window = c.Network!.WindowLength;
            int before = c.Network.Task == Trainers.WindowTask.NextValue ? window : window - 1;
            if (index < Math.Max(before, 2) || index >= values.Count)
                throw new ArgumentOutOfRangeException(nameof(index), $"Index {index} must be between {Math.Max(before, 2)} (the window the network reads before the point) and {values.Count - 1} (the last value given).");
            int first = index - before;
            for (int t = first; t <= index; t++)
                if (!double.IsFinite(values[t]))
                    throw new ArgumentException($"Value {t} is {values[t]}; the window of the explained point must hold finite values.", nameof(values));
            var full = values.Skip(first).Take(index - first + 1).ToArray();
            var variants = new List<double[]> { full };
            int n = full.Length;
            for (int j = 0; j < n; j++)
            {
                var copy = (double[])full.Clone();
                // The line between the neighbours; at an end, the line of the two inner points (or, in a two-point window, the other point).
                copy[j] = j > 0 && j < n - 1 ? (full[j - 1] + full[j + 1]) / 2
                    : n < 3 ? full[n - 1 - j]
                    : j == 0 ? 2 * full[1] - full[2] : 2 * full[j - 1] - full[j - 2];
                variants.Add(copy);
            }
            var scored = state.ScoreLastPoints(variants);
            var contributions = Enumerable.Range(0, n).Select(j => scored[0].Raw - scored[j + 1].Raw).ToArray();
            return new AnomalyExplanation(index, values[index], scored[0].Raw, scored[0].Expected, first, contributions);
        }
    }
}
