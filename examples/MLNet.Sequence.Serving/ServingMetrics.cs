using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace MLNet.Sequence.Serving;

/// <summary>
/// What <c>/metrics</c> reports: request and row counts, a latency histogram with p50/p99 over the latest 10,000
/// requests, and an input-drift indicator: the unknown-token rate and the length distribution of the texts received,
/// beside the training profile's, with the population stability index (PSI) of the lengths.
/// </summary>
public sealed class ServingMetrics
{
    /// <summary>Upper bounds (ms) of the latency histogram's buckets; the last bucket is everything slower.</summary>
    public static readonly double[] LatencyBoundsMs = { 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100, 250, 500, 1000 };

    private readonly object _gate = new();
    private readonly long[] _latencyBuckets = new long[LatencyBoundsMs.Length + 1];
    private readonly double[] _recent = new double[10_000];
    private readonly long[] _lengthBuckets = new long[TrainingProfile.LengthBounds.Length + 1];
    private readonly TrainingProfile? _profile;
    private readonly Transforms.TokenEncodingTransformer? _encoder;
    private long _recentCount, _single, _batch, _rows, _errors, _tokens, _unknown, _texts;

    /// <param name="encoder">The model's token encoding (null: no drift indicator).</param>
    /// <param name="profile">The training texts' profile (null: the indicator reports the served texts alone).</param>
    public ServingMetrics(Transforms.TokenEncodingTransformer? encoder, TrainingProfile? profile)
    {
        _encoder = encoder;
        _profile = profile;
    }

    /// <summary>Counts one answered request of <paramref name="texts"/> and its latency.</summary>
    public void Record(IReadOnlyList<string> texts, bool batch, double milliseconds)
    {
        // Token statistics outside the lock: encoding is the costly part.
        long tokens = 0, unknown = 0;
        var buckets = new int[_lengthBuckets.Length];
        if (_encoder != null)
            foreach (var text in texts)
            {
                var ids = _encoder.Encode(text);
                tokens += ids.Length;
                unknown += ids.Count(i => i == Transforms.TokenVocabulary.UnknownId);
                buckets[TrainingProfile.Bucket(ids.Length)]++;
            }
        lock (_gate)
        {
            if (batch) _batch++; else _single++;
            _rows += texts.Count;
            int b = Array.FindIndex(LatencyBoundsMs, bound => milliseconds <= bound);
            _latencyBuckets[b < 0 ? LatencyBoundsMs.Length : b]++;
            _recent[_recentCount++ % _recent.Length] = milliseconds;
            _tokens += tokens;
            _unknown += unknown;
            _texts += _encoder != null ? texts.Count : 0;
            for (int i = 0; i < buckets.Length; i++)
                _lengthBuckets[i] += buckets[i];
        }
    }

    /// <summary>Counts a request refused or failed.</summary>
    public void RecordError() => Interlocked.Increment(ref _errors);

    /// <summary>A snapshot for <c>/metrics</c>.</summary>
    public object Snapshot()
    {
        lock (_gate)
        {
            var recent = _recent.Take((int)Math.Min(_recentCount, _recent.Length)).OrderBy(x => x).ToArray();
            double Percentile(double p) => recent.Length == 0 ? 0 : recent[Math.Min(recent.Length - 1, (int)Math.Ceiling(p * recent.Length) - 1)];
            var shares = _lengthBuckets.Select(c => _texts == 0 ? 0 : c / (double)_texts).ToArray();
            return new
            {
                requests = new { single = _single, batch = _batch, rows = _rows, errors = Interlocked.Read(ref _errors) },
                latencyMs = new
                {
                    p50 = Percentile(0.50),
                    p99 = Percentile(0.99),
                    over = recent.Length,
                    histogram = LatencyBoundsMs.Select((bound, i) => new { le = bound.ToString(System.Globalization.CultureInfo.InvariantCulture), count = _latencyBuckets[i] })
                        .Append(new { le = "+Inf", count = _latencyBuckets[^1] }).ToArray(),
                },
                drift = _encoder == null ? null : new
                {
                    texts = _texts,
                    unknownTokenRate = _tokens == 0 ? 0 : _unknown / (double)_tokens,
                    trainingUnknownTokenRate = _profile?.UnknownRate,
                    meanLength = _texts == 0 ? 0 : _tokens / (double)_texts,
                    trainingMeanLength = _profile?.MeanLength,
                    lengthBucketUpperBounds = TrainingProfile.LengthBounds,
                    lengthShares = shares,
                    trainingLengthShares = _profile?.LengthShares,
                    lengthPsi = _profile == null || _texts == 0 ? (double?)null : Psi(shares, _profile.LengthShares),
                },
            };
        }
    }

    /// <summary>
    /// Population stability index Σ (a − e)·ln(a / e) over buckets, shares floored at 1e-4 so an empty bucket stays
    /// finite. Common reading: below 0.1 stable, 0.1-0.25 a moderate shift, above 0.25 a large one.
    /// </summary>
    public static double Psi(IReadOnlyList<double> actual, IReadOnlyList<double> expected)
    {
        double psi = 0;
        for (int i = 0; i < actual.Count; i++)
        {
            double a = Math.Max(actual[i], 1e-4), e = Math.Max(expected[i], 1e-4);
            psi += (a - e) * Math.Log(a / e);
        }
        return psi;
    }
}
