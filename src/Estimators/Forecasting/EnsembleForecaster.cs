using System;
using System.Collections.Generic;
using System.Linq;

namespace MLNet.Sequence.Forecasting
{
    /// <summary>How an ensemble combines its members' forecasts, step by step.</summary>
    public enum EnsembleCombination
    {
        /// <summary>The median of the members (robust to one member going astray; N-BEATS' choice).</summary>
        Median,
        /// <summary>The mean of the members.</summary>
        Mean,
    }

    /// <summary>
    /// An ensemble of forecasting methods: each member trains on the same series, and the forecast at every step is the
    /// median (or mean) of the members' forecasts; quantiles likewise, level by level, when every member forecasts the
    /// same levels. Members differing in seed, window length, family or loss make the N-BEATS-style ensembles
    /// (Oreshkin et al., 2020: the median of 180 models) and the classical combinations (M4's Com) alike.
    /// </summary>
    public sealed class EnsembleForecaster : IForecastingMethod
    {
        private readonly IForecastingMethod[] _members;

        /// <summary>Creates the ensemble.</summary>
        /// <param name="members">At least one method.</param>
        /// <param name="combination">How forecasts combine (median by default).</param>
        /// <param name="name">A name for tables; default "ensemble of N".</param>
        /// <param name="calibration">
        /// Conformal calibration of the combined quantiles (null: none): the members train without the last
        /// <c>Steps</c> steps of every series, the ensemble forecasts them <c>Horizon</c> steps at a time, and the combined
        /// quantiles are moved as <see cref="SequenceForecasterOptions.CalibrationSteps"/> describes, in units of the
        /// standard deviation of the <c>2 × Horizon</c> steps before each forecast's origin. The members keep the
        /// calibration training (they forecast from the latest steps all the same).
        /// </param>
        public EnsembleForecaster(IEnumerable<IForecastingMethod> members, EnsembleCombination combination = EnsembleCombination.Median, string? name = null,
            (int Steps, int Horizon)? calibration = null)
        {
            ArgumentNullException.ThrowIfNull(members);
            _members = members.ToArray();
            if (_members.Length == 0)
                throw new ArgumentException("An ensemble needs at least one member.", nameof(members));
            if (_members.Any(m => m is null))
                throw new ArgumentException("An ensemble member is null.", nameof(members));
            if (!Enum.IsDefined(combination))
                throw new ArgumentOutOfRangeException(nameof(combination), combination, "Unknown combination.");
            Combination = combination;
            Name = name ?? $"ensemble of {_members.Length} ({combination.ToString().ToLowerInvariant()})";
            if (calibration is { } c && (c.Horizon <= 0 || c.Steps < c.Horizon))
                throw new ArgumentOutOfRangeException(nameof(calibration), c, $"Calibration needs a positive horizon and at least that many steps; it got {c.Steps} steps for horizon {c.Horizon}.");
            Calibration = calibration;
        }

        /// <summary>The calibration's held-out steps and horizon, or null.</summary>
        public (int Steps, int Horizon)? Calibration { get; }

        /// <inheritdoc />
        public string Name { get; }

        /// <summary>How forecasts combine.</summary>
        public EnsembleCombination Combination { get; }

        /// <summary>The members.</summary>
        public IReadOnlyList<IForecastingMethod> Members => _members;

        /// <summary>Trains every member on <paramref name="training"/>, one after the other.</summary>
        /// <param name="training">The training series.</param>
        /// <returns>The trained ensemble; dispose it to dispose its members' models.</returns>
        public TrainedForecastEnsemble Train(IReadOnlyList<SeriesFrame> training)
        {
            ArgumentNullException.ThrowIfNull(training);
            if (Calibration is not { } calibration)
                return TrainMembers(training);
            var truncated = training.Select(f =>
            {
                if (f.Length - calibration.Steps < 2 * calibration.Horizon)
                    throw new ArgumentException($"Series '{f.Id}' has {f.Length} steps; calibrating on its last {calibration.Steps} leaves {f.Length - calibration.Steps}, fewer than two horizons.", nameof(training));
                return f.Slice(0, f.Length - calibration.Steps, calibration.Steps);
            }).ToArray();
            var ensemble = TrainMembers(truncated);
            try
            {
                var levels = training.Count > 0 ? ensemble.Forecast(truncated[0], calibration.Horizon).QuantileLevels : null;
                if (levels == null)
                    throw new InvalidOperationException($"Calibrating '{Name}' needs members that all forecast the same quantile levels.");
                ensemble.SetCalibration(ConformalCalibration.Offsets(ensemble, training, calibration.Steps, calibration.Horizon, levels, 2 * calibration.Horizon), calibration.Horizon);
                return ensemble;
            }
            catch
            {
                ensemble.Dispose();
                throw;
            }
        }

        private TrainedForecastEnsemble TrainMembers(IReadOnlyList<SeriesFrame> training)
        {
            var trained = new List<IForecaster>(_members.Length);
            try
            {
                foreach (var m in _members)
                    trained.Add(m.Train(training));
            }
            catch
            {
                foreach (var t in trained.OfType<IDisposable>())
                    t.Dispose();
                throw;
            }
            return new TrainedForecastEnsemble(Name, trained, Combination);
        }

        IForecaster IForecastingMethod.Train(IReadOnlyList<SeriesFrame> training) => Train(training);
    }

    /// <summary>A trained <see cref="EnsembleForecaster"/>: forecasts with every member and combines them.</summary>
    public sealed class TrainedForecastEnsemble : IForecaster, IDisposable
    {
        private readonly IReadOnlyList<IForecaster> _members;
        private readonly EnsembleCombination _combination;
        private float[]? _offsets;
        private int _offsetSteps;

        internal TrainedForecastEnsemble(string name, IReadOnlyList<IForecaster> members, EnsembleCombination combination)
        {
            Name = name;
            _members = members;
            _combination = combination;
        }

        /// <inheritdoc />
        public string Name { get; }

        /// <summary>The trained members.</summary>
        public IReadOnlyList<IForecaster> Members => _members;

        /// <inheritdoc />
        public Forecast Forecast(SeriesFrame history, int horizon)
        {
            ArgumentNullException.ThrowIfNull(history);
            var forecasts = _members.Select(m => m.Forecast(history, horizon)).ToArray();
            int values = forecasts[0].Point.Count;
            if (forecasts.Any(f => f.Point.Count != values || f.Horizon != horizon))
                throw new InvalidOperationException($"The members of '{Name}' forecast different shapes for series '{history.Id}'.");
            var point = Enumerable.Range(0, values).Select(v => Combine(forecasts.Select(f => f.Point[v]).ToArray(), horizon)).ToArray();
            var levels = forecasts[0].QuantileLevels;
            float[][][]? quantiles = null;
            if (levels != null && forecasts.All(f => f.QuantileLevels != null && f.QuantileLevels.SequenceEqual(levels)))
            {
                quantiles = Enumerable.Range(0, values).Select(v => Enumerable.Range(0, levels.Count)
                    .Select(q => Combine(forecasts.Select(f => f.Quantiles![v][q]).ToArray(), horizon)).ToArray()).ToArray();
                // Combined level by level, quantiles stay ordered for the median and the mean alike; the point is the median level's.
                if (_offsets != null)
                {
                    int scaleSteps = Math.Min(history.Length, 2 * _offsetSteps);
                    var scales = history.Values.Select(v => ConformalCalibration.Scale(v.AsSpan(history.Length - scaleSteps, scaleSteps))).ToArray();
                    ConformalCalibration.Apply(quantiles, _offsets, _offsetSteps, levels, scales, 0, horizon);
                }
                int median = levels.ToList().IndexOf(0.5f);
                if (median >= 0)
                    for (int v = 0; v < values; v++)
                        point[v] = quantiles[v][median];
            }
            return new Forecast(history.Id, point, quantiles != null ? levels!.ToArray() : null, quantiles, forecasts[0].Times, forecasts[0].NumericTimes);
        }

        private float[] Combine(float[][] members, int horizon)
        {
            var result = new float[horizon];
            var column = new float[members.Length];
            for (int h = 0; h < horizon; h++)
            {
                for (int m = 0; m < members.Length; m++)
                    column[m] = members[m][h];
                if (_combination == EnsembleCombination.Mean)
                    result[h] = (float)column.Average(x => (double)x);
                else
                {
                    Array.Sort(column);
                    int n = column.Length;
                    result[h] = n % 2 == 1 ? column[n / 2] : (float)(((double)column[n / 2 - 1] + column[n / 2]) / 2);
                }
            }
            return result;
        }

        /// <summary>The conformal offsets found by calibration ([steps, values, levels]) and the horizon they were found for.</summary>
        internal void SetCalibration(float[] offsets, int steps)
        {
            _offsets = offsets;
            _offsetSteps = steps;
        }

        internal EnsembleCombination Combination => _combination;
        internal (float[]? Offsets, int Steps) CalibrationState => (_offsets, _offsetSteps);

        /// <summary>Whether the combined quantiles are conformally calibrated.</summary>
        public bool IsCalibrated => _offsets != null;

        /// <summary>Disposes the members that own native models.</summary>
        public void Dispose()
        {
            foreach (var m in _members.OfType<IDisposable>())
                m.Dispose();
        }
    }
}
