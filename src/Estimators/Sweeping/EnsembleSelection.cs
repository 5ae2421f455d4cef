using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence
{
    /// <summary>How a sweep with <see cref="SequenceSweepOptions.EnsembleSize"/> above 1 picks and weighs its members.</summary>
    public enum SweepEnsembleMethod
    {
        /// <summary>
        /// Ensemble selection (Caruana et al., 2004, "Ensemble selection from libraries of models"): starting from the
        /// best trial, repeatedly add (with replacement) the completed trial whose validation predictions most lower the
        /// validation loss of the weighted average (log-loss for classifiers, squared error for regressors), while it
        /// lowers it and at most <see cref="SequenceSweepOptions.EnsembleSize"/> distinct trials are in; weights are the
        /// times each was added. A trial that would not help is left out, so the ensemble may have fewer members.
        /// </summary>
        Greedy,

        /// <summary>The leaderboard's best <see cref="SequenceSweepOptions.EnsembleSize"/> trials, equal weights.</summary>
        TopK,
    }

    /// <summary>
    /// The validation predictions of every trial that completed all its folds (out-of-fold with k folds), kept for
    /// ensemble selection, and the selection itself.
    /// </summary>
    internal sealed class EnsembleSelection
    {
        private readonly SequenceTask _task;
        private readonly string _label;
        private readonly ConcurrentDictionary<int, float[]> _predictions = new();
        private float[]? _labels;
        private int _width;

        public EnsembleSelection(SequenceTask task, string label)
        {
            _task = task;
            _label = label;
        }

        /// <summary>The column a trial's prediction is read from.</summary>
        private string Column => _task == SequenceTask.BinaryClassification ? "Probability" : "Score";

        /// <summary>Trials with stored predictions.</summary>
        public int Count => _predictions.Count;

        /// <summary>Why predictions are not collected (a label or score this selection cannot read), or null.</summary>
        public string? DisabledBecause { get; private set; }

        /// <summary>True when trial <paramref name="id"/> has stored predictions.</summary>
        public bool Has(int id) => _predictions.ContainsKey(id);

        /// <summary>Stops collecting (the reason is logged when the ensemble is picked); stored predictions are dropped.</summary>
        public void Disable(string reason)
        {
            DisabledBecause ??= reason;
            _predictions.Clear();
        }

        /// <summary>The columns a trial's scored validation rows must keep for <see cref="Read"/>.</summary>
        public IEnumerable<string> Columns => new[] { _label, Column };

        /// <summary>Reads one fold's predictions and labels from its scored validation rows.</summary>
        public (float[] Predictions, float[] Labels, int Width) Read(IDataView scored)
        {
            var prediction = scored.Schema[Column];
            var label = scored.Schema.GetColumnOrNull(_label) ?? throw new InvalidOperationException($"the scored validation rows have no label column '{_label}'");
            bool labelReadable = label.Type is BooleanDataViewType || (label.Type is KeyDataViewType key && key.RawType == typeof(uint)) || label.Type == NumberDataViewType.Single;
            if (!labelReadable)
                throw new InvalidOperationException($"label column '{label.Name}' holds {label.Type}; selection reads Boolean, UInt32 key or Single labels");
            if (prediction.Type is VectorDataViewType { IsKnownSize: false } || prediction.Type is not (VectorDataViewType or NumberDataViewType))
                throw new InvalidOperationException($"the prediction column '{prediction.Name}' holds {prediction.Type}");
            int width = prediction.Type is VectorDataViewType v ? v.Size : 1;
            var values = new List<float>();
            var labels = new List<float>();
            using var cursor = scored.GetRowCursor(new[] { prediction, label });
            var labelOf = LabelGetter(cursor, label);
            if (prediction.Type is VectorDataViewType)
            {
                var get = cursor.GetGetter<VBuffer<float>>(prediction);
                VBuffer<float> buffer = default;
                while (cursor.MoveNext())
                {
                    get(ref buffer);
                    values.AddRange(buffer.DenseValues());
                    labels.Add(labelOf());
                }
            }
            else
            {
                var get = cursor.GetGetter<float>(prediction);
                float x = 0;
                while (cursor.MoveNext())
                {
                    get(ref x);
                    values.Add(x);
                    labels.Add(labelOf());
                }
            }
            return (values.ToArray(), labels.ToArray(), width);
        }

        /// <summary>Binary labels as 0/1, multiclass keys as their 1-based number (0: missing), regression values as they are.</summary>
        private static Func<float> LabelGetter(DataViewRowCursor cursor, DataViewSchema.Column label)
        {
            switch (label.Type)
            {
                case BooleanDataViewType:
                {
                    var g = cursor.GetGetter<bool>(label);
                    bool b = false;
                    return () => { g(ref b); return b ? 1 : 0; };
                }
                case KeyDataViewType:
                {
                    var g = cursor.GetGetter<uint>(label);
                    uint k = 0;
                    return () => { g(ref k); return k; };
                }
                default:
                {
                    var g = cursor.GetGetter<float>(label);
                    float f = 0;
                    return () => { g(ref f); return f; };
                }
            }
        }

        /// <summary>Stores a completed trial's predictions over every fold, in fold order (the same rows for every trial).</summary>
        public void Add(int trialId, IReadOnlyList<(float[] Predictions, float[] Labels, int Width)> folds)
        {
            if (DisabledBecause != null)
                return;
            var labels = folds.SelectMany(f => f.Labels).ToArray();
            var predictions = folds.SelectMany(f => f.Predictions).ToArray();
            lock (_predictions)
            {
                if (_labels == null)
                {
                    _labels = labels;
                    _width = folds[0].Width;
                }
                else if (!_labels.AsSpan().SequenceEqual(labels) || predictions.Length != _labels.Length * _width)
                    return;   // not the rows the others were scored on (cannot happen with fixed folds): not a candidate
            }
            _predictions[trialId] = predictions;
        }

        /// <summary>True when the task's predictions can be selected on (regression: one value per row).</summary>
        public bool Supported => _task != SequenceTask.Regression && _task != SequenceTask.QuantileRegression || _width == 1;

        /// <summary>
        /// Greedy selection with replacement among <paramref name="candidates"/> (best first; those without predictions
        /// are skipped), starting from the first; at most <paramref name="maximumMembers"/> distinct trials.
        /// </summary>
        /// <returns>The chosen trial ids with their weights (summing to 1), in the order first chosen, and the loss.</returns>
        public (List<(int Id, double Weight)> Members, double Loss) Select(IEnumerable<int> candidates, int maximumMembers, int maximumRounds)
        {
            var ids = candidates.Where(_predictions.ContainsKey).ToList();
            if (ids.Count == 0 || _labels == null)
                return (new List<(int, double)>(), double.NaN);
            int n = _labels.Length * _width;
            var sum = new double[n];
            var counts = new Dictionary<int, int>();
            var order = new List<int>();
            void AddTo(int id)
            {
                var p = _predictions[id];
                for (int i = 0; i < n; i++) sum[i] += p[i];
                if (!counts.ContainsKey(id)) { counts[id] = 0; order.Add(id); }
                counts[id]++;
            }
            AddTo(ids[0]);
            int rounds = 1;
            double loss = Loss(sum, rounds, null);
            while (rounds < maximumRounds)
            {
                var pool = counts.Count >= maximumMembers ? order : ids;
                int bestId = -1;
                double best = loss;
                foreach (var id in pool)
                {
                    double l = Loss(sum, rounds + 1, _predictions[id]);
                    if (l < best - 1e-12) { best = l; bestId = id; }
                }
                if (bestId < 0)
                    break;
                AddTo(bestId);
                rounds++;
                loss = best;
            }
            return (order.Select(id => (id, counts[id] / (double)rounds)).ToList(), loss);
        }

        /// <summary>The validation loss of (sum + extra) / count: log-loss for classifiers, mean squared error for regressors.</summary>
        private double Loss(double[] sum, int count, float[]? extra)
        {
            var labels = _labels!;
            double total = 0;
            int rows = 0;
            const double eps = 1e-7;
            for (int r = 0; r < labels.Length; r++)
            {
                switch (_task)
                {
                    case SequenceTask.BinaryClassification:
                    {
                        double p = Math.Clamp((sum[r] + (extra?[r] ?? 0)) / count, eps, 1 - eps);
                        total -= labels[r] > 0.5f ? Math.Log(p) : Math.Log(1 - p);
                        rows++;
                        break;
                    }
                    case SequenceTask.MulticlassClassification:
                    {
                        int k = (int)labels[r];
                        if (k < 1 || k > _width)
                            continue;   // a missing key: no class to score
                        int i = r * _width + k - 1;
                        total -= Math.Log(Math.Clamp((sum[i] + (extra?[i] ?? 0)) / count, eps, 1));
                        rows++;
                        break;
                    }
                    default:
                    {
                        if (float.IsNaN(labels[r]))
                            continue;
                        double e = (sum[r] + (extra?[r] ?? 0)) / count - labels[r];
                        total += e * e;
                        rows++;
                        break;
                    }
                }
            }
            return rows == 0 ? double.PositiveInfinity : total / rows;
        }
    }
}
