using System;
using System.Collections.Generic;
using System.Linq;

namespace MLNet.Sequence.Forecasting
{
    /// <summary>How <see cref="AutoForecaster"/> turns its validation scores into a forecast.</summary>
    public enum AutoForecastSelection
    {
        /// <summary>Per series, the candidate with the lowest validation error (the subset's best for series never validated).</summary>
        BestPerSeries,
        /// <summary>The candidate with the lowest mean validation error over all series, for every series.</summary>
        BestOverall,
        /// <summary>Per series, every candidate weighted by the inverse of its validation error (FFORMA-like weighting without the meta-learner).</summary>
        InverseErrorWeights,
    }

    /// <summary>Options of <see cref="AutoForecaster"/>.</summary>
    public sealed class AutoForecasterOptions
    {
        /// <summary>Steps forecast; the validation holds out this many steps at the end of every series.</summary>
        public int Horizon { get; set; }

        /// <summary>The season length m: of the default candidates' seasonal adjustment and of the MASE that scores them. Default 1.</summary>
        public int SeasonLength { get; set; } = 1;

        /// <summary>
        /// The candidates; null for the defaults: seasonal naive (when m &gt; 1), Naive2, SES, damped trend and Theta, each
        /// fitted per series as the M4 organisers did. Add sequence forecasters (N-BEATS, LSTM, ...) to let them compete.
        /// </summary>
        public IReadOnlyList<IForecastingMethod>? Candidates { get; set; }

        /// <summary>How scores become the forecast. Default <see cref="AutoForecastSelection.BestPerSeries"/>.</summary>
        public AutoForecastSelection Selection { get; set; } = AutoForecastSelection.BestPerSeries;

        /// <summary>Validation windows per series, one horizon apart, ending at the series' end. Default 1.</summary>
        public int ValidationWindows { get; set; } = 1;

        /// <summary>A name for tables; default "auto".</summary>
        public string? Name { get; set; }

        internal void Validate()
        {
            if (Horizon <= 0)
                throw new ArgumentOutOfRangeException(nameof(Horizon), Horizon, $"Option Horizon must be positive; it was {Horizon}.");
            if (SeasonLength < 1)
                throw new ArgumentOutOfRangeException(nameof(SeasonLength), SeasonLength, $"Option SeasonLength must be at least 1; it was {SeasonLength}.");
            if (Candidates != null && (Candidates.Count == 0 || Candidates.Any(c => c is null)))
                throw new ArgumentException("Option Candidates must hold at least one method and no null (or be null for the defaults).", nameof(Candidates));
            if (!Enum.IsDefined(Selection))
                throw new ArgumentOutOfRangeException(nameof(Selection), Selection, "Unknown selection.");
            if (ValidationWindows < 1 || ValidationWindows > 20)
                throw new ArgumentOutOfRangeException(nameof(ValidationWindows), ValidationWindows, $"Option ValidationWindows must be in 1..20; it was {ValidationWindows}.");
        }
    }

    /// <summary>
    /// Model selection by backtest, the forecaster to reach for by default: every candidate trains on each series minus
    /// its last <c>ValidationWindows × Horizon</c> steps and forecasts them; its error per series is the mean MASE over
    /// those windows. Then every candidate trains on the whole series, and each forecast comes from the candidate that
    /// validated best on that series (or the best overall, or all of them weighted by inverse error). The default
    /// candidates are the M4 statistical benchmarks; sequence forecasters join through <see cref="AutoForecasterOptions.Candidates"/>.
    /// </summary>
    public sealed class AutoForecaster : IForecastingMethod
    {
        private readonly AutoForecasterOptions _o;
        private readonly IForecastingMethod[] _candidates;

        /// <summary>Creates the forecaster.</summary>
        /// <param name="options">Horizon, season, candidates and selection.</param>
        public AutoForecaster(AutoForecasterOptions options)
        {
            ArgumentNullException.ThrowIfNull(options);
            options.Validate();
            _o = options;
            _candidates = (options.Candidates ?? DefaultCandidates(options.SeasonLength)).ToArray();
        }

        /// <summary>The default candidates for season length <paramref name="m"/>.</summary>
        /// <param name="m">The season length.</param>
        /// <returns>Seasonal naive (m &gt; 1), Naive2, SES, damped trend and Theta.</returns>
        public static IReadOnlyList<IForecastingMethod> DefaultCandidates(int m)
        {
            var list = new List<IForecastingMethod>();
            if (m > 1) list.Add(new SeasonalNaiveForecaster(m));
            list.Add(new Naive2Forecaster(m));
            list.Add(new SimpleExponentialSmoothingForecaster(m));
            list.Add(new HoltForecaster(m, damped: true));
            list.Add(new ThetaForecaster(m));
            return list;
        }

        /// <inheritdoc />
        public string Name => _o.Name ?? "auto";

        /// <summary>The candidates.</summary>
        public IReadOnlyList<IForecastingMethod> Candidates => _candidates;

        /// <summary>Validates every candidate, then trains every candidate on the whole series.</summary>
        /// <param name="training">The series (each needs room for the validation windows and the candidates' own minimum).</param>
        /// <returns>The trained forecaster with its validation scores; dispose it to free the candidates' models.</returns>
        public TrainedAutoForecaster Train(IReadOnlyList<SeriesFrame> training)
        {
            ArgumentNullException.ThrowIfNull(training);
            if (training.Count == 0)
                throw new ArgumentException("There are no series to train on.", nameof(training));
            int H = _o.Horizon, k = _o.ValidationWindows, m = _o.SeasonLength;
            foreach (var f in training)
                if (f.Length - k * H <= m)
                    throw new ArgumentException($"Series '{f.Id}' has {f.Length} steps; validating on its last {k} × {H} leaves {f.Length - k * H}, too few to score MASE with season {m}.", nameof(training));
            // errors[c][s]: candidate c's mean MASE on series s over the validation windows.
            var errors = _candidates.Select(_ => new double[training.Count]).ToArray();
            for (int w = k; w >= 1; w--)
            {
                var cut = training.Select(f => f.Slice(0, f.Length - w * H, H)).ToArray();
                for (int c = 0; c < _candidates.Length; c++)
                {
                    var model = _candidates[c].Train(cut);
                    try
                    {
                        for (int s = 0; s < training.Count; s++)
                        {
                            var history = cut[s].Values[0].Select(v => (double)v).ToArray();
                            var actual = training[s].Values[0].AsSpan(cut[s].Length, H).ToArray().Select(v => (double)v).ToArray();
                            var forecast = model.Forecast(cut[s], H).Point[0].Select(v => (double)v).ToArray();
                            double scale = Scale(history, m);
                            double mase = forecast.Any(v => !double.IsFinite(v)) ? double.PositiveInfinity : ForecastMetrics.Mae(actual, forecast) / scale;
                            errors[c][s] += mase / k;
                        }
                    }
                    finally
                    {
                        (model as IDisposable)?.Dispose();
                    }
                }
            }
            var trained = new List<IForecaster>(_candidates.Length);
            try
            {
                foreach (var c in _candidates)
                    trained.Add(c.Train(training));
            }
            catch
            {
                foreach (var t in trained.OfType<IDisposable>())
                    t.Dispose();
                throw;
            }
            return new TrainedAutoForecaster(Name, _o.Selection, trained, training.Select(f => f.Id).ToArray(), errors);
        }

        /// <summary>The in-sample seasonal naive MAE, falling back to lag 1 and then to 1 for series too flat to scale by.</summary>
        private static double Scale(double[] history, int m)
        {
            foreach (int lag in new[] { m, 1 })
            {
                if (history.Length <= lag) continue;
                double sum = 0;
                for (int t = lag; t < history.Length; t++) sum += Math.Abs(history[t] - history[t - lag]);
                double scale = sum / (history.Length - lag);
                if (scale > 0) return scale;
            }
            return 1;
        }

        IForecaster IForecastingMethod.Train(IReadOnlyList<SeriesFrame> training) => Train(training);
    }

    /// <summary>A trained <see cref="AutoForecaster"/>: the candidates trained on every step, and their validation errors.</summary>
    public sealed class TrainedAutoForecaster : IForecaster, IDisposable
    {
        private readonly AutoForecastSelection _selection;
        private readonly IReadOnlyList<IForecaster> _candidates;
        private readonly Dictionary<string, int> _series;
        private readonly double[][] _errors;
        private readonly double[] _meanErrors;
        private readonly string[] _seriesIds;

        internal TrainedAutoForecaster(string name, AutoForecastSelection selection, IReadOnlyList<IForecaster> candidates, string[] series, double[][] errors)
        {
            Name = name;
            _selection = selection;
            _candidates = candidates;
            _seriesIds = series;
            _series = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int s = 0; s < series.Length; s++)
                _series.TryAdd(series[s], s);
            _errors = errors;
            // Mean errors over series, skipping non-finite ones (a candidate that failed a series counts as worst there).
            _meanErrors = errors.Select(e => e.Where(double.IsFinite).DefaultIfEmpty(double.PositiveInfinity).Average()).ToArray();
        }

        /// <inheritdoc />
        public string Name { get; }

        internal AutoForecastSelection Selection => _selection;
        internal IReadOnlyList<IForecaster> Candidates => _candidates;
        internal string[] SeriesIds => _seriesIds;
        internal double[][] Errors => _errors;

        /// <summary>The candidates' names, in order.</summary>
        public IReadOnlyList<string> CandidateNames => _candidates.Select(c => c.Name).ToArray();

        /// <summary>Each candidate's mean validation MASE over the training series.</summary>
        public IReadOnlyList<double> MeanValidationErrors => _meanErrors;

        /// <summary>The candidates' weights for <paramref name="seriesId"/> (the overall ones for a series not seen in training).</summary>
        /// <param name="seriesId">The series key.</param>
        /// <returns>One weight per candidate, summing to 1.</returns>
        public double[] Weights(string seriesId)
        {
            ArgumentNullException.ThrowIfNull(seriesId);
            var errors = _series.TryGetValue(seriesId, out int s) && _selection != AutoForecastSelection.BestOverall
                ? _errors.Select(e => e[s]).ToArray()
                : _meanErrors;
            var w = new double[errors.Length];
            if (_selection == AutoForecastSelection.InverseErrorWeights)
            {
                for (int c = 0; c < w.Length; c++)
                    w[c] = double.IsFinite(errors[c]) ? 1 / Math.Max(errors[c], 1e-9) : 0;
                double sum = w.Sum();
                if (sum > 0)
                {
                    for (int c = 0; c < w.Length; c++) w[c] /= sum;
                    return w;
                }
                Array.Clear(w);
            }
            int best = 0;
            for (int c = 1; c < errors.Length; c++)
                if (errors[c] < errors[best]) best = c;
            w[best] = 1;
            return w;
        }

        /// <inheritdoc />
        public Forecast Forecast(SeriesFrame history, int horizon)
        {
            ArgumentNullException.ThrowIfNull(history);
            var weights = Weights(history.Id);
            var used = Enumerable.Range(0, weights.Length).Where(c => weights[c] > 0).ToArray();
            var forecasts = used.Select(c => (Weight: weights[c], Forecast: _candidates[c].Forecast(history, horizon))).ToArray();
            if (forecasts.Length == 1)
                return forecasts[0].Forecast;
            int values = forecasts[0].Forecast.Point.Count;
            var point = Enumerable.Range(0, values).Select(v =>
            {
                var p = new float[horizon];
                for (int h = 0; h < horizon; h++)
                    p[h] = (float)forecasts.Sum(f => f.Weight * f.Forecast.Point[v][h]);
                return p;
            }).ToArray();
            var first = forecasts[0].Forecast;
            return new Forecast(history.Id, point, null, null, first.Times, first.NumericTimes);
        }

        /// <summary>Disposes the candidates that own native models.</summary>
        public void Dispose()
        {
            foreach (var c in _candidates.OfType<IDisposable>())
                c.Dispose();
        }
    }
}
