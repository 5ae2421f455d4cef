using System;
using System.Collections.Generic;
using System.Linq;

namespace MLNet.Sequence.Anomaly
{
    /// <summary>One point's detection, as <see cref="AnomalyEngine"/> returns it.</summary>
    public sealed class AnomalyPrediction
    {
        internal AnomalyPrediction(AnomalyOutput o)
        {
            Alert = o.Alert;
            RawScore = o.Raw;
            PValue = o.PValue;
            AnomalyScore = o.Score;
        }

        /// <summary>Whether the point is an alert under the detector's threshold (false-alarm rate or score quantile).</summary>
        public bool Alert { get; }

        /// <summary>The raw score: the forecast miss or reconstruction error in units of the series' scale (|z| for the windowed Gaussian).</summary>
        public double RawScore { get; }

        /// <summary>The calibrated upper-tail probability of the score (1 during probation).</summary>
        public double PValue { get; }

        /// <summary>The [0, 1] anomaly score (higher is more anomalous), as NAB thresholds it.</summary>
        public double AnomalyScore { get; }

        /// <summary>[Alert, RawScore, PValue], the layout of the detector's Prediction column (and of ML.NET's DetectIidSpike).</summary>
        /// <returns>The three values.</returns>
        public double[] ToVector() => new[] { Alert ? 1.0 : 0.0, RawScore, PValue };
    }

    /// <summary>
    /// Streams points into a fitted detector one at a time (or a batch per series): each point is scored from the points
    /// before it, then learned; series continue from the detector's state, new series start their probation. The detector
    /// it came from is not changed. Thread-safe (calls are serialised). Points of a series must arrive in time order: the
    /// engine takes no times, so it cannot check the order as Fit and Transform do.
    /// </summary>
    public sealed class AnomalyEngine : IDisposable
    {
        private readonly SequenceAnomalyTransformer _model;
        private readonly Dictionary<string, SeriesDetector> _states = new(StringComparer.Ordinal);
        private readonly DetectorStream _stream;
        private readonly object _gate = new();
        private bool _disposed;

        internal AnomalyEngine(SequenceAnomalyTransformer model)
        {
            _model = model;
            _stream = new DetectorStream(model.Config, _states, model.StateFor);
        }

        /// <summary>Scores and learns the next point of the detector's only series (a detector without a series column).</summary>
        /// <param name="value">The value; must be finite.</param>
        /// <returns>The detection.</returns>
        public AnomalyPrediction Process(double value) => Process("", value);

        /// <summary>Scores and learns the next point of <paramref name="series"/>.</summary>
        /// <param name="series">The series key (as the series column holds it).</param>
        /// <param name="value">The value; must be finite.</param>
        /// <returns>The detection.</returns>
        public AnomalyPrediction Process(string series, double value) => Process(series, new[] { value })[0];

        /// <summary>Scores and learns the next points of <paramref name="series"/> in one batched network pass.</summary>
        /// <param name="series">The series key.</param>
        /// <param name="values">The values in time order; each must be finite.</param>
        /// <returns>One detection per value.</returns>
        public IReadOnlyList<AnomalyPrediction> Process(string series, IReadOnlyList<double> values)
        {
            ArgumentNullException.ThrowIfNull(series);
            ArgumentNullException.ThrowIfNull(values);
            var config = _model.Config;
            if (config.SeriesColumnName == null && series.Length > 0)
                throw new ArgumentException($"This detector has no series column (option SeriesColumnName), so it holds one series; call Process(value) without a key, not with '{series}'.", nameof(series));
            if (config.SeriesColumnName != null && series.Length == 0)
                throw new ArgumentException($"This detector keeps one stream per key of column '{config.SeriesColumnName}'; give the series key.", nameof(series));
            for (int i = 0; i < values.Count; i++)
                if (!double.IsFinite(values[i]))
                    throw new ArgumentException($"Value {i} of series '{series}' is {values[i]}; the anomaly detectors need finite values.", nameof(values));
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                var result = new List<AnomalyPrediction>(values.Count);
                var outputs = new AnomalyOutput[Math.Min(values.Count, DetectorStream.ChunkSize)];
                for (int start = 0; start < values.Count; start += DetectorStream.ChunkSize)
                {
                    int n = Math.Min(DetectorStream.ChunkSize, values.Count - start);
                    var rows = new DetectorRow[n];
                    for (int i = 0; i < n; i++)
                        rows[i] = new DetectorRow(series, values[start + i], double.NaN, default, start + i);
                    _stream.Process(rows, outputs);
                    for (int i = 0; i < n; i++)
                        result.Add(new AnomalyPrediction(outputs[i]));
                }
                return result;
            }
        }

        /// <summary>Points the engine's state of <paramref name="series"/> has seen (training included).</summary>
        /// <param name="series">The series key.</param>
        /// <returns>The count (the detector's own count for a series this engine has not touched).</returns>
        public long PointsSeen(string series)
        {
            lock (_gate)
                return _states.TryGetValue(series, out var s) ? s.Count : _model.PointsSeen(series);
        }

        /// <summary>
        /// A detector holding this engine's current state (and the fitted state of series it has not touched), independent
        /// of the engine: save it with <c>mlContext.Model.SaveSequenceModel</c> and a later engine continues from here.
        /// </summary>
        /// <returns>The detector; dispose it when done.</returns>
        public SequenceAnomalyTransformer Snapshot()
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return _model.WithStates(_states.Values.ToList());
            }
        }

        /// <summary>Frees the networks this engine trained while retraining.</summary>
        public void Dispose()
        {
            lock (_gate)
            {
                if (_disposed)
                    return;
                _disposed = true;
                foreach (var s in _states.Values)
                    s.Dispose();
            }
        }
    }
}
