using System;
using System.Collections.Generic;
using System.Linq;
using MLNet.Sequence.Forecasting;

namespace MLNet.Sequence
{
    /// <summary>
    /// Which past observations moved a forecast: for each of the last <c>WindowLength</c> steps of the history, how much
    /// the forecast (mean over the horizon) changes when that observation is occluded, i.e. replaced by the straight line
    /// between its neighbours (the value the series would have had without that step's own movement).
    /// </summary>
    public sealed class ForecastExplanation
    {
        internal ForecastExplanation(int firstStep, float[] contributions, IReadOnlyList<DateTime>? times, IReadOnlyList<double>? numericTimes, Forecast forecast)
        {
            FirstStep = firstStep;
            Contributions = contributions;
            Times = times;
            NumericTimes = numericTimes;
            Forecast = forecast;
        }

        /// <summary>The index in the history of the first explained step (the window's start).</summary>
        public int FirstStep { get; }

        /// <summary>
        /// Per window step, oldest first: the mean over the horizon of the forecast minus the forecast with the step
        /// occluded, in the series' units (first value column). Positive: the observation pushed the forecast up.
        /// </summary>
        public IReadOnlyList<float> Contributions { get; }

        /// <summary>The explained steps' times, when the history has dates.</summary>
        public IReadOnlyList<DateTime>? Times { get; }

        /// <summary>The explained steps' numeric times, when the history has them.</summary>
        public IReadOnlyList<double>? NumericTimes { get; }

        /// <summary>The forecast explained (with every observation).</summary>
        public Forecast Forecast { get; }

        /// <summary>The window steps with the largest effect (absolute contribution) first, as indices into the window.</summary>
        /// <param name="count">How many.</param>
        /// <returns>Window step indices (add <see cref="FirstStep"/> for the history's index).</returns>
        public IReadOnlyList<int> TopSteps(int count) =>
            Enumerable.Range(0, Contributions.Count).OrderByDescending(i => Math.Abs(Contributions[i])).ThenBy(i => i).Take(count).ToList();
    }

    /// <summary>Explanations of sequence forecasters.</summary>
    public static class ForecastExplanationExtensions
    {
        /// <summary>
        /// Explains the forecast of <paramref name="horizon"/> steps after <paramref name="history"/> by occluding each
        /// observation of the window the forecaster reads (every value column at once), one forecast per step. The
        /// endpoints of the window are occluded by extending the line of their inner neighbours.
        /// </summary>
        /// <param name="forecaster">A trained sequence forecaster.</param>
        /// <param name="history">The history to forecast from (at least the window length).</param>
        /// <param name="horizon">Steps ahead; default the forecaster's horizon.</param>
        /// <returns>The explanation.</returns>
        public static ForecastExplanation ExplainForecast(this SequenceForecastTransformer forecaster, SeriesFrame history, int? horizon = null)
        {
            ArgumentNullException.ThrowIfNull(forecaster);
            ArgumentNullException.ThrowIfNull(history);
            int h = horizon ?? forecaster.Horizon;
            int n = history.Length, L = forecaster.WindowLength;
            var full = forecaster.Forecast(history, h);
            if (n < L || L < 3)
                return new ForecastExplanation(Math.Max(0, n - L), new float[Math.Min(n, L)], null, null, full);
            int first = n - L;
            var contributions = new float[L];
            for (int w = 0; w < L; w++)
            {
                int t = first + w;
                var values = history.Values.Select(v =>
                {
                    var copy = (float[])v.Clone();
                    // The straight line through the neighbours (inside), or extended from the two inner ones (at an end).
                    copy[t] = t == n - 1 ? 2 * v[t - 1] - v[t - 2]
                        : t == first && t == 0 ? 2 * v[t + 1] - v[t + 2]
                        : (v[t - 1] + v[t + 1]) / 2f;
                    return copy;
                }).ToArray();
                var occluded = new SeriesFrame(history.Id, values, history.Times, history.NumericTimes, history.PastCovariates, history.FutureCovariates);
                var f = forecaster.Forecast(occluded, h);
                contributions[w] = (float)Enumerable.Range(0, h).Average(i => full.Point[0][i] - f.Point[0][i]);
            }
            return new ForecastExplanation(first, contributions, history.Times?.Skip(first).ToList(), history.NumericTimes?.Skip(first).ToList(), full);
        }
    }
}
