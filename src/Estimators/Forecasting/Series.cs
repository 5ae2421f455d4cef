using System;
using System.Collections.Generic;
using System.Linq;

namespace MLNet.Sequence.Forecasting
{
    /// <summary>
    /// One time series in memory: its values (one array per value column), optional covariates, and optional times.
    /// Forecasters, baselines, backtests and plots take series in this form; <see cref="SeriesFrames"/> converts
    /// to and from IDataView rows.
    /// </summary>
    public sealed class SeriesFrame
    {
        /// <summary>Creates a series.</summary>
        /// <param name="id">The series key (one series: any name).</param>
        /// <param name="values">One array per value column, all of the same length, oldest first.</param>
        /// <param name="times">Optional DateTime of each step.</param>
        /// <param name="numericTimes">Optional numeric time of each step (instead of <paramref name="times"/>).</param>
        /// <param name="pastCovariates">Optional arrays observed alongside the values (known only up to now).</param>
        /// <param name="futureCovariates">Optional arrays known in advance (e.g. holidays); for a forecast they must extend past the last value.</param>
        public SeriesFrame(string id, IReadOnlyList<float[]> values, IReadOnlyList<DateTime>? times = null, IReadOnlyList<double>? numericTimes = null,
            IReadOnlyList<float[]>? pastCovariates = null, IReadOnlyList<float[]>? futureCovariates = null)
        {
            ArgumentNullException.ThrowIfNull(id);
            ArgumentNullException.ThrowIfNull(values);
            if (values.Count == 0)
                throw new ArgumentException("A series needs at least one value column.", nameof(values));
            int n = values[0].Length;
            if (values.Any(v => v.Length != n))
                throw new ArgumentException($"Series '{id}': every value column must have the same length.", nameof(values));
            if (times != null && numericTimes != null)
                throw new ArgumentException("Give DateTime times or numeric times, not both.");
            if (times != null && times.Count != n)
                throw new ArgumentException($"Series '{id}' has {n} values but {times.Count} times.", nameof(times));
            if (numericTimes != null && numericTimes.Count != n)
                throw new ArgumentException($"Series '{id}' has {n} values but {numericTimes.Count} times.", nameof(numericTimes));
            if (pastCovariates != null && pastCovariates.Any(c => c.Length != n))
                throw new ArgumentException($"Series '{id}': each past covariate needs one value per step ({n}).", nameof(pastCovariates));
            if (futureCovariates != null && futureCovariates.Any(c => c.Length < n))
                throw new ArgumentException($"Series '{id}': each future covariate needs at least one value per step ({n}).", nameof(futureCovariates));
            Id = id;
            Values = values;
            Times = times;
            NumericTimes = numericTimes;
            PastCovariates = pastCovariates ?? Array.Empty<float[]>();
            FutureCovariates = futureCovariates ?? Array.Empty<float[]>();
        }

        /// <summary>Creates a univariate series.</summary>
        /// <param name="id">The series key.</param>
        /// <param name="values">The values, oldest first.</param>
        /// <param name="times">Optional DateTime of each step.</param>
        /// <returns>The series.</returns>
        public static SeriesFrame Univariate(string id, float[] values, IReadOnlyList<DateTime>? times = null) => new(id, new[] { values }, times);

        /// <summary>The series key.</summary>
        public string Id { get; }
        /// <summary>One array per value column.</summary>
        public IReadOnlyList<float[]> Values { get; }
        /// <summary>DateTime of each step, or null.</summary>
        public IReadOnlyList<DateTime>? Times { get; }
        /// <summary>Numeric time of each step, or null.</summary>
        public IReadOnlyList<double>? NumericTimes { get; }
        /// <summary>Past covariates, one array per column.</summary>
        public IReadOnlyList<float[]> PastCovariates { get; }
        /// <summary>Known-future covariates, one array per column (may be longer than the values).</summary>
        public IReadOnlyList<float[]> FutureCovariates { get; }
        /// <summary>Number of observed steps.</summary>
        public int Length => Values[0].Length;

        /// <summary>The time of step <paramref name="i"/> as a number (DateTime ticks, numeric time, or the index).</summary>
        internal double TimeAt(int i) => Times != null ? Times[i].Ticks : NumericTimes != null ? NumericTimes[i] : i;

        /// <summary>The first <paramref name="length"/> steps (future covariates keep <paramref name="extraFuture"/> more).</summary>
        /// <param name="start">First step.</param>
        /// <param name="length">Steps kept.</param>
        /// <param name="extraFuture">Extra steps of future covariates kept past the values.</param>
        /// <returns>The slice.</returns>
        public SeriesFrame Slice(int start, int length, int extraFuture = 0)
        {
            if (start < 0 || length < 0 || start + length > Length)
                throw new ArgumentOutOfRangeException(nameof(length), $"Steps {start}..{start + length} are outside series '{Id}' of length {Length}.");
            float[] Cut(float[] a, int n) => a.AsSpan(start, Math.Min(n, a.Length - start)).ToArray();
            return new SeriesFrame(Id, Values.Select(v => Cut(v, length)).ToArray(),
                Times?.Skip(start).Take(length).ToArray(), NumericTimes?.Skip(start).Take(length).ToArray(),
                PastCovariates.Select(c => Cut(c, length)).ToArray(),
                FutureCovariates.Select(c => Cut(c, length + extraFuture)).ToArray());
        }
    }

    /// <summary>A forecast of one series: per value column, a point forecast and optional quantiles, in original units.</summary>
    public sealed class Forecast
    {
        internal Forecast(string seriesId, float[][] point, float[]? levels, float[][][]? quantiles, IReadOnlyList<DateTime>? times, IReadOnlyList<double>? numericTimes)
        {
            SeriesId = seriesId;
            Point = point;
            QuantileLevels = levels;
            Quantiles = quantiles;
            Times = times;
            NumericTimes = numericTimes;
        }

        /// <summary>The series key.</summary>
        public string SeriesId { get; }
        /// <summary>Steps ahead.</summary>
        public int Horizon => Point[0].Length;
        /// <summary>Per value column, the point forecast for each step (the median when quantiles are predicted).</summary>
        public IReadOnlyList<float[]> Point { get; }
        /// <summary>The quantile levels, ascending, or null.</summary>
        public IReadOnlyList<float>? QuantileLevels { get; }
        /// <summary>Per value column, per quantile, the forecast for each step; null without quantiles.</summary>
        public IReadOnlyList<float[][]>? Quantiles { get; }
        /// <summary>The forecast steps' DateTimes, when the series has DateTime times and a time step.</summary>
        public IReadOnlyList<DateTime>? Times { get; }
        /// <summary>The forecast steps' numeric times, when known.</summary>
        public IReadOnlyList<double>? NumericTimes { get; }

        /// <summary>The lowest quantile (the lower interval bound) of value column <paramref name="value"/>, or null.</summary>
        /// <param name="value">Value column index.</param>
        /// <returns>The bound per step.</returns>
        public float[]? Lower(int value = 0) => Quantiles?[value][0];

        /// <summary>The highest quantile (the upper interval bound) of value column <paramref name="value"/>, or null.</summary>
        /// <param name="value">Value column index.</param>
        /// <returns>The bound per step.</returns>
        public float[]? Upper(int value = 0) => Quantiles?[value][^1];
    }

    /// <summary>Something that forecasts a series from its history.</summary>
    public interface IForecaster
    {
        /// <summary>A short name for tables and plots.</summary>
        string Name { get; }

        /// <summary>Forecasts <paramref name="horizon"/> steps after the end of <paramref name="history"/>.</summary>
        /// <param name="history">The series so far (its future covariates must cover the horizon when the forecaster uses them).</param>
        /// <param name="horizon">Steps ahead.</param>
        /// <returns>The forecast in original units.</returns>
        Forecast Forecast(SeriesFrame history, int horizon);
    }

    /// <summary>A forecasting method that can be (re)trained on series, as backtests need.</summary>
    public interface IForecastingMethod
    {
        /// <summary>A short name for tables and plots.</summary>
        string Name { get; }

        /// <summary>Trains on <paramref name="training"/> and returns a forecaster (baselines return themselves).</summary>
        /// <param name="training">The training series.</param>
        /// <returns>The forecaster.</returns>
        IForecaster Train(IReadOnlyList<SeriesFrame> training);
    }
}
