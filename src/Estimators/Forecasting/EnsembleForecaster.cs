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
        public EnsembleForecaster(IEnumerable<IForecastingMethod> members, EnsembleCombination combination = EnsembleCombination.Median, string? name = null)
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
        }

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

        /// <summary>Disposes the members that own native models.</summary>
        public void Dispose()
        {
            foreach (var m in _members.OfType<IDisposable>())
                m.Dispose();
        }
    }
}
