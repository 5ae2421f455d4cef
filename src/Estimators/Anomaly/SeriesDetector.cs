using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Anomaly
{
    /// <summary>Everything a detector needs to run, resolved from the options at Fit and stored with the model.</summary>
    internal sealed class AnomalyDetectorConfig
    {
        public AnomalyDetectionMethod Method { get; set; }
        public string InputColumnName { get; set; } = "Value";
        public string OutputColumnName { get; set; } = "Prediction";
        public string AnomalyScoreColumnName { get; set; } = "AnomalyScore";
        public string? SeriesColumnName { get; set; }
        public string? TimeColumnName { get; set; }
        public int ProbationaryPeriod { get; set; }
        public AnomalyModelScope Scope { get; set; }
        public int RetrainInterval { get; set; }
        public int RetrainHistory { get; set; }
        public WindowNetworkConfig? Network { get; set; }
        public int GaussianWindow { get; set; } = 6400;
        public int GaussianStep { get; set; } = 100;
        public int AveragingWindow { get; set; } = 10;
        public int CalibrationWindow { get; set; } = 8640;
        public int MinimumCalibration { get; set; } = 20;
        public double MinimumDeviation { get; set; } = 0.05;
        public double SuppressionPValue { get; set; }
        public int SuppressionSteps { get; set; }
        public double? FalseAlarmRate { get; set; }
        public double? ScoreQuantile { get; set; }
        /// <summary>The anomaly score at or above which a point is an alert (resolved at Fit when thresholding by quantile).</summary>
        public double AlertScore { get; set; }
        public int Seed { get; set; }

        /// <summary>Points kept per series: a window for scoring, the probation (or retraining history) for training.</summary>
        public int KeptPoints => !UsesNetwork ? 1 : Math.Max(Math.Max(ProbationaryPeriod, RetrainInterval > 0 ? RetrainHistory : 0), (Network?.WindowLength ?? 0) + 1);

        public bool UsesNetwork => Method != AnomalyDetectionMethod.WindowedGaussian;

        /// <summary>The anomaly score of a p-value: 1 − p for the windowed Gaussian (as NAB defines it), else ln(p + 1e-10)/ln(1e-10) in [0, 1] (p = 1e-5 gives 0.5).</summary>
        public double ScoreOf(double p) => Method == AnomalyDetectionMethod.WindowedGaussian
            ? 1 - p
            : Math.Clamp(Math.Log(p + 1e-10) / Math.Log(1e-10), 0, 1);

        public bool IsAlert(double p, double score) => FalseAlarmRate is double rate ? p < rate : score >= AlertScore;
    }

    /// <summary>One row's detection: the alert, the raw score, its p-value and the [0, 1] anomaly score.</summary>
    internal struct AnomalyOutput
    {
        public bool Alert;
        public double Raw;
        public double PValue;
        public double Score;
    }

    /// <summary>
    /// The streaming state of one series: the points kept, its scaling, its network (shared or its own), the calibrator.
    /// Points go in strictly in order; each is scored from what came before it (and, for reconstruction, itself), then
    /// learned. The first <see cref="AnomalyDetectorConfig.ProbationaryPeriod"/> points only teach the detector.
    /// </summary>
    internal sealed class SeriesDetector : IDisposable
    {
        private readonly AnomalyDetectorConfig _c;
        private readonly double[] _kept;   // ring of the latest points
        private int _keptPos, _keptCount;
        private ScoreCalibrator _calibrator;
        private WindowedGaussianState? _gaussian;
        private WindowNetwork? _network;
        private bool _ownsNetwork;
        private int _sinceRetrain, _retrains, _suppressLeft;

        public SeriesDetector(AnomalyDetectorConfig config, string id, WindowNetwork? shared)
        {
            _c = config;
            Id = id;
            _kept = new double[config.KeptPoints];
            _calibrator = NewCalibrator(config);
            if (config.Method == AnomalyDetectionMethod.WindowedGaussian)
                _gaussian = new WindowedGaussianState(config.GaussianWindow, config.GaussianStep);
            _network = shared;
        }

        private static ScoreCalibrator NewCalibrator(AnomalyDetectorConfig c) => new(c.AveragingWindow, c.CalibrationWindow, c.MinimumCalibration, c.MinimumDeviation);

        public string Id { get; }

        /// <summary>Points seen.</summary>
        public long Count { get; private set; }

        /// <summary>The time of the last point (NaN when the detector has no time column).</summary>
        public double LastTime { get; set; } = double.NaN;

        public bool Ready { get; private set; }
        public double Location { get; private set; }
        public double Scale { get; private set; } = 1;

        /// <summary>Sees every anomaly score the detector computes, the calibration warm-up's included (Fit uses it to find a score quantile).</summary>
        internal Action<double>? ScoreObserver { get; set; }

        /// <summary>The network this series reads (its own after retraining or per-series training; else the shared one).</summary>
        internal WindowNetwork? Network => _network;
        internal bool OwnsNetwork => _ownsNetwork;

        /// <summary>Scores and learns <paramref name="values"/> (finite, checked by the caller), writing one output per value.</summary>
        public void Process(ReadOnlySpan<double> values, Span<AnomalyOutput> outputs)
        {
            int i = 0;
            while (i < values.Length)
            {
                if (!Ready)
                {
                    double x = values[i];
                    if (_gaussian != null)
                    {
                        var (_, learnP) = _gaussian.Score(x);
                        ScoreObserver?.Invoke(_c.ScoreOf(learnP));
                    }
                    Keep(x);
                    outputs[i] = new AnomalyOutput { Alert = false, Raw = 0, PValue = 1, Score = 0 };
                    i++;
                    if (Count >= _c.ProbationaryPeriod)
                        BecomeReady();
                    continue;
                }
                int n = values.Length - i;
                if (_c.RetrainInterval > 0)
                    n = Math.Min(n, _c.RetrainInterval - _sinceRetrain);
                ScoreSegment(values.Slice(i, n), outputs.Slice(i, n));
                i += n;
                if (_c.RetrainInterval > 0 && _sinceRetrain >= _c.RetrainInterval)
                    Retrain();
            }
        }

        private void ScoreSegment(ReadOnlySpan<double> values, Span<AnomalyOutput> outputs)
        {
            double[]? raw = null;
            if (_c.UsesNetwork)
            {
                if (_network == null)
                    throw new ObjectDisposedException(nameof(SequenceAnomalyTransformer), $"Series '{Id}' has no network: the detector that owned it was disposed.");
                raw = NetworkScores(values);
            }
            for (int k = 0; k < values.Length; k++)
            {
                double x = values[k];
                double p, r;
                if (_gaussian != null)
                    (r, p) = _gaussian.Score(x);
                else
                {
                    r = raw![k];
                    p = _calibrator.Update(r);
                }
                if (_c.SuppressionSteps > 0)
                {
                    // After an alarm-level p-value, the next few are held at the suppression level: one event, one alarm.
                    if (_suppressLeft > 0)
                    {
                        _suppressLeft--;
                        p = Math.Max(p, _c.SuppressionPValue);
                    }
                    else if (p < _c.SuppressionPValue)
                        _suppressLeft = _c.SuppressionSteps;
                }
                double score = _c.ScoreOf(p);
                ScoreObserver?.Invoke(score);
                outputs[k] = new AnomalyOutput { Alert = _c.IsAlert(p, score), Raw = r, PValue = p, Score = score };
                Keep(x);
                _sinceRetrain++;
            }
        }

        /// <summary>Raw scores of a segment in one batched pass: |x − forecast| or the window's RMS reconstruction error, in units of the series' scale.</summary>
        private double[] NetworkScores(ReadOnlySpan<double> values)
        {
            var net = _c.Network!;
            int W = net.WindowLength;
            int before = net.Task == WindowTask.NextValue ? W : W - 1;
            var buffer = new float[before + values.Length];
            int fromKept = Math.Min(before, _keptCount);
            for (int j = 0; j < fromKept; j++)
                buffer[before - fromKept + j] = (float)((KeptAt(_keptCount - fromKept + j) - Location) / Scale);
            for (int j = 0; j < values.Length; j++)
                buffer[before + j] = (float)((values[j] - Location) / Scale);
            var outputs = _network!.Score(buffer, before, values.Length);
            return RawScores(net, buffer, before, values.Length, outputs, _network.OutputsPerWindow);
        }

        private static double[] RawScores(WindowNetworkConfig net, float[] buffer, int from, int count, float[] outputs, int per)
        {
            var raw = new double[count];
            int W = net.WindowLength;
            var q = net.Quantiles;
            int median = 0;   // the level nearest 0.5 is the point forecast
            if (q != null)
                for (int j = 1; j < q.Length; j++)
                    if (Math.Abs(q[j] - 0.5f) < Math.Abs(q[median] - 0.5f)) median = j;
            for (int k = 0; k < count; k++)
            {
                int t = from + k;
                if (net.Task == WindowTask.NextValue)
                {
                    if (q is { Length: >= 2 })
                    {
                        // Distance from the median in units of the predictive interval's half-width (the outer quantiles).
                        double lo = outputs[k * per], hi = outputs[k * per + per - 1];
                        double half = Math.Max(Math.Abs(hi - lo) / 2, 1e-3);   // crossed outer quantiles count by their distance
                        raw[k] = Math.Abs(buffer[t] - outputs[k * per + median]) / half;
                    }
                    else
                        raw[k] = Math.Abs(buffer[t] - outputs[k * per]);
                }
                else
                {
                    double sum = 0;
                    for (int j = 0; j < W; j++)
                    {
                        double d = buffer[t - W + 1 + j] - outputs[k * per + j];
                        sum += d * d;
                    }
                    raw[k] = Math.Sqrt(sum / W);
                }
            }
            return raw;
        }

        /// <summary>
        /// For explanations: the raw score of the last point of each sequence (its network window before it, or ending at
        /// it) and what the network expected there, in the series' units. No state changes.
        /// </summary>
        internal (double Raw, double Expected)[] ScoreLastPoints(IReadOnlyList<double[]> sequences)
        {
            var net = _c.Network!;
            if (_network == null)
                throw new ObjectDisposedException(nameof(SequenceAnomalyTransformer), $"Series '{Id}' has no network: the detector that owned it was disposed.");
            int before = net.Task == WindowTask.NextValue ? net.WindowLength : net.WindowLength - 1;
            int per = _network.OutputsPerWindow, median = 0;
            if (net.Quantiles is { } q)
                for (int j = 1; j < q.Length; j++)
                    if (Math.Abs(q[j] - 0.5f) < Math.Abs(q[median] - 0.5f)) median = j;
            var result = new (double, double)[sequences.Count];
            for (int i = 0; i < sequences.Count; i++)
            {
                var buffer = sequences[i].Skip(sequences[i].Length - before - 1).Select(v => (float)((v - Location) / Scale)).ToArray();
                var outputs = _network.Score(buffer, before, 1);
                double raw = RawScores(net, buffer, before, 1, outputs, per)[0];
                double expected = net.Task == WindowTask.NextValue ? outputs[net.Quantiles != null ? median : 0] : outputs[per - 1];
                result[i] = (raw, expected * Scale + Location);
            }
            return result;
        }

        /// <summary>The end of probation: the scaling, the series' own network when it has one, and the calibrator warmed on the probation's in-sample scores.</summary>
        private void BecomeReady()
        {
            Ready = true;
            _sinceRetrain = 0;
            if (!_c.UsesNetwork)
                return;
            var series = KeptSeries(out _);
            FitScale(series);
            if (_c.Scope == AnomalyModelScope.PerSeries || _network == null)
                ReplaceNetwork(TrainOn(series));
            WarmCalibrator(series);
        }

        private void WarmCalibrator(double[] series)
        {
            var net = _c.Network!;
            int before = net.Task == WindowTask.NextValue ? net.WindowLength : net.WindowLength - 1;
            int count = series.Length - before;
            _calibrator = NewCalibrator(_c);
            if (count <= 0)
                return;
            var scaled = Scaled(series);
            var outputs = _network!.Score(scaled, before, count);
            foreach (var r in RawScores(net, scaled, before, count, outputs, _network.OutputsPerWindow))
            {
                double p = _calibrator.Update(r);
                ScoreObserver?.Invoke(_c.ScoreOf(p));
            }
        }

        private void Retrain()
        {
            _sinceRetrain = 0;
            if (!_c.UsesNetwork)
                return;
            var series = KeptSeries(out _);
            if (_c.RetrainHistory < series.Length)
                series = series[^_c.RetrainHistory..];
            FitScale(series);
            _retrains++;
            ReplaceNetwork(TrainOn(series));
            // The raw scores are in units of the new scale and come from a new network: calibrate afresh, on its scores of the history.
            WarmCalibrator(series);
        }

        private void FitScale(double[] series) => (Location, Scale) = ScaleOf(series);

        /// <summary>
        /// The location and scale the networks read a series in: its mean and standard deviation, the deviation floored at
        /// 0.1% of the level (and 1e-8), so a flat stretch does not divide by zero.
        /// </summary>
        internal static (double Location, double Scale) ScaleOf(IReadOnlyList<double> series)
        {
            double mean = 0;
            foreach (var v in series) mean += v;
            mean /= series.Count;
            double squares = 0;
            foreach (var v in series) squares += (v - mean) * (v - mean);
            double sd = Math.Sqrt(squares / series.Count);
            return (mean, Math.Max(sd, Math.Max(1e-3 * Math.Abs(mean), 1e-8)));
        }

        private float[] Scaled(double[] series)
        {
            var s = new float[series.Length];
            for (int i = 0; i < s.Length; i++)
                s[i] = (float)((series[i] - Location) / Scale);
            return s;
        }

        private WindowNetwork TrainOn(double[] series) =>
            WindowNetwork.Train(_c.Network!, new[] { Scaled(series) }, unchecked(_c.Seed + 7919 * StableHash(Id) + 104729 * _retrains));

        private void ReplaceNetwork(WindowNetwork network)
        {
            if (_ownsNetwork)
                _network?.Dispose();
            _network = network;
            _ownsNetwork = true;
        }

        internal static int StableHash(string s)
        {
            uint hash = 2166136261;
            foreach (char ch in s)
                hash = (hash ^ ch) * 16777619;
            return (int)hash;
        }

        private void Keep(double x)
        {
            _kept[_keptPos] = x;
            _keptPos = (_keptPos + 1) % _kept.Length;
            if (_keptCount < _kept.Length)
                _keptCount++;
            Count++;
        }

        /// <summary>The i-th oldest kept point.</summary>
        private double KeptAt(int i) => _kept[(_keptPos - _keptCount + i + _kept.Length * 2) % _kept.Length];

        private double[] KeptSeries(out int count)
        {
            count = _keptCount;
            var s = new double[_keptCount];
            for (int i = 0; i < s.Length; i++)
                s[i] = KeptAt(i);
            return s;
        }

        /// <summary>A copy that reads the same network without owning it (a cursor's or an engine's own stream).</summary>
        public SeriesDetector Clone()
        {
            var c = new SeriesDetector(_c, Id, _network);
            Array.Copy(_kept, c._kept, _kept.Length);
            c._keptPos = _keptPos; c._keptCount = _keptCount; c._calibrator = _calibrator.Clone(); c._gaussian = _gaussian?.Clone();
            c._sinceRetrain = _sinceRetrain; c._retrains = _retrains; c._suppressLeft = _suppressLeft;
            c.Count = Count; c.LastTime = LastTime; c.Ready = Ready; c.Location = Location; c.Scale = Scale;
            return c;
        }

        /// <summary>
        /// A copy for a snapshot that outlives this state: it reads <paramref name="newGlobal"/> where this state reads
        /// <paramref name="oldGlobal"/> (the global network), and owns a copy of any other network it reads (its own, or
        /// the per-series network it borrows from the detector it was cloned from).
        /// </summary>
        public SeriesDetector SnapshotCopy(WindowNetwork? oldGlobal, WindowNetwork? newGlobal)
        {
            var c = Clone();
            if (_network == null)
                return c;
            if (ReferenceEquals(_network, oldGlobal))
                c._network = newGlobal;
            else
            {
                c._network = _network.Copy();
                c._ownsNetwork = true;
            }
            return c;
        }

        public void Write(BinaryWriter w)
        {
            w.Write(Id); w.Write(Count); w.Write(LastTime); w.Write(Ready); w.Write(Location); w.Write(Scale);
            w.Write(_keptPos); w.Write(_keptCount);
            for (int i = 0; i < _keptCount; i++) w.Write(_kept[i]);
            w.Write(_sinceRetrain); w.Write(_retrains); w.Write(_suppressLeft);
            _calibrator.Write(w);
            w.Write(_gaussian != null);
            _gaussian?.Write(w);
            w.Write(_ownsNetwork);
        }

        /// <summary>Reads a state; <paramref name="ownNetwork"/> gives the stored network of a series that had its own.</summary>
        public static SeriesDetector Read(BinaryReader r, AnomalyDetectorConfig config, WindowNetwork? shared, Func<string, WindowNetwork> ownNetwork)
        {
            string id = r.ReadString();
            var s = new SeriesDetector(config, id, shared)
            {
                Count = r.ReadInt64(), LastTime = r.ReadDouble(), Ready = r.ReadBoolean(), Location = r.ReadDouble(), Scale = r.ReadDouble(),
            };
            s._keptPos = r.ReadInt32(); s._keptCount = r.ReadInt32();
            if (s._keptCount < 0 || s._keptCount > s._kept.Length || s._keptPos < 0 || s._keptPos >= s._kept.Length || s.Count < s._keptCount)
                throw new InvalidDataException($"The stored state of series '{id}' does not match the detector's configuration.");
            for (int i = 0; i < s._keptCount; i++) s._kept[i] = r.ReadDouble();
            s._sinceRetrain = r.ReadInt32(); s._retrains = r.ReadInt32(); s._suppressLeft = r.ReadInt32();
            s._calibrator.Read(r);
            if (r.ReadBoolean())
            {
                if (s._gaussian == null)
                    throw new InvalidDataException($"The stored state of series '{id}' holds a windowed Gaussian the detector does not use.");
                s._gaussian.Read(r);
            }
            if (r.ReadBoolean())
            {
                s._network = ownNetwork(id);
                s._ownsNetwork = true;
            }
            if (s.Ready && config.UsesNetwork && s._network == null)
                throw new InvalidDataException($"The stored state of series '{id}' is past its probation but has no network (neither its own nor a global one).");
            return s;
        }

        public void Dispose()
        {
            if (_ownsNetwork)
                _network?.Dispose();
            _network = null;
            _ownsNetwork = false;
        }
    }

    /// <summary>The streaming state of NAB's windowed Gaussian (see <see cref="WindowedGaussianDetector"/>, which it reproduces).</summary>
    internal sealed class WindowedGaussianState
    {
        private readonly int _window, _step;
        private readonly List<double> _values = new();
        private readonly List<double> _pending = new();
        private double _mean, _sd = 1;

        public WindowedGaussianState(int window, int step)
        {
            _window = window;
            _step = step;
        }

        /// <summary>(|z|, its upper tail p) of <paramref name="x"/> under the current fit (0 and p = 1 before any value), then learns x.</summary>
        public (double Raw, double PValue) Score(double x)
        {
            double raw = 0, p = 1;
            if (_values.Count > 0)
            {
                raw = Math.Abs(x - _mean) / _sd;
                p = 0.5 * WindowedGaussianDetector.Erfc(raw / Math.Sqrt(2));
            }
            if (_values.Count < _window)
            {
                _values.Add(x);
                Refit();
            }
            else
            {
                _pending.Add(x);
                if (_pending.Count == _step)
                {
                    _values.RemoveRange(0, _step);
                    _values.AddRange(_pending);
                    _pending.Clear();
                    Refit();
                }
            }
            return (raw, p);
        }

        private void Refit()
        {
            double sum = 0;
            foreach (var v in _values) sum += v;
            _mean = sum / _values.Count;
            double squares = 0;
            foreach (var v in _values) squares += (v - _mean) * (v - _mean);
            _sd = Math.Sqrt(squares / _values.Count);
            if (_sd == 0)
                _sd = 1e-6;
        }

        public WindowedGaussianState Clone()
        {
            var c = new WindowedGaussianState(_window, _step) { _mean = _mean, _sd = _sd };
            c._values.AddRange(_values);
            c._pending.AddRange(_pending);
            return c;
        }

        public void Write(BinaryWriter w)
        {
            w.Write(_values.Count);
            foreach (var v in _values) w.Write(v);
            w.Write(_pending.Count);
            foreach (var v in _pending) w.Write(v);
        }

        public void Read(BinaryReader r)
        {
            int n = r.ReadInt32();
            if (n < 0 || n > _window)
                throw new InvalidDataException("The stored windowed Gaussian holds more values than its window.");
            for (int i = 0; i < n; i++) _values.Add(r.ReadDouble());
            int m = r.ReadInt32();
            if (m < 0 || m >= _step)
                throw new InvalidDataException("The stored windowed Gaussian holds more pending values than its step.");
            for (int i = 0; i < m; i++) _pending.Add(r.ReadDouble());
            if (_values.Count > 0)
                Refit();
        }
    }
}
