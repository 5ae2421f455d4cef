using System;
using System.Collections.Generic;
using System.Linq;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence
{
    /// <summary>
    /// Proposes the configurations a sweep tries and learns from their results. Shaped like ML.NET AutoML's
    /// <c>ITuner</c> (<c>Propose</c>, <c>Update</c>), so that a tuner written for one ports to the other with a rename.
    /// </summary>
    public interface ISweepTuner
    {
        /// <summary>The next configuration to try, or null when the tuner has nothing left (a finished grid).</summary>
        /// <returns>A configuration of the tuner's space.</returns>
        SweepConfiguration? Propose();

        /// <summary>A finished trial (completed, stopped early or failed), including the sweep's cost-frugal start points.</summary>
        /// <param name="result">The trial; <see cref="SequenceTrialResult.Loss"/> is what to minimise.</param>
        void Update(SequenceTrialResult result);
    }

    /// <summary>Which built-in tuner a sweep uses.</summary>
    public enum SweepTunerKind
    {
        /// <summary>Tree-structured Parzen estimator (<see cref="TpeSweepTuner"/>), after random start-up trials.</summary>
        Tpe,
        /// <summary>Independent uniform samples of every dimension (<see cref="RandomSweepTuner"/>).</summary>
        Random,
        /// <summary>Every combination of a few values per dimension (<see cref="GridSweepTuner"/>).</summary>
        Grid,
    }

    /// <summary>Builds configurations from positions in [0, 1] per dimension (the space tuners work in).</summary>
    internal static class UnitSpace
    {
        public static SweepConfiguration Build(SequenceSearchSpace space, Func<SequenceSearchSpace.Dimension, EncoderKind?, double> position)
        {
            var dims = space.Dimensions;
            var encoder = dims[0];
            var family = (EncoderKind)encoder.Parameter.FromUnit(position(encoder, null));
            var values = new Dictionary<string, object> { [encoder.Parameter.Name] = family };
            foreach (var d in dims.Skip(1))
                if (d.Family == null || d.Family == family)
                    values[d.Parameter.Name] = d.Parameter.FromUnit(position(d, family));
            return new SweepConfiguration(family, values);
        }

        /// <summary>Each dimension at its default: the start point of one family.</summary>
        public static SweepConfiguration Defaults(SequenceSearchSpace space, EncoderKind family)
        {
            var values = new Dictionary<string, object> { [SequenceSearchSpace.EncoderParameter] = family };
            foreach (var d in space.Dimensions.Skip(1))
                if (d.Family == null || d.Family == family)
                    values[d.Parameter.Name] = d.Parameter.Convert(d.Parameter.Default);
            return new SweepConfiguration(family, values);
        }
    }

    /// <summary>Random search (Bergstra and Bengio, 2012): every dimension sampled uniformly (log-uniformly on log scales).</summary>
    public sealed class RandomSweepTuner : ISweepTuner
    {
        private readonly SequenceSearchSpace _space;
        private readonly Random _random;

        /// <summary>A random tuner over <paramref name="space"/>.</summary>
        /// <param name="space">The space.</param>
        /// <param name="seed">Makes the samples repeatable.</param>
        public RandomSweepTuner(SequenceSearchSpace space, int seed = 0)
        {
            _space = space ?? throw new ArgumentNullException(nameof(space));
            _random = new Random(seed);
        }

        /// <inheritdoc/>
        public SweepConfiguration? Propose() => UnitSpace.Build(_space, (_, _) => _random.NextDouble());

        /// <inheritdoc/>
        public void Update(SequenceTrialResult result) { }
    }

    /// <summary>
    /// Grid search: every combination of the candidates of each choice and <c>stepsPerRange</c> evenly spaced values
    /// of each range (on its log scale where it has one), family by family, in a seeded random order so that a
    /// budget that ends the grid early still covers it evenly. Proposes nothing once the grid is done.
    /// </summary>
    public sealed class GridSweepTuner : ISweepTuner
    {
        private readonly List<SweepConfiguration> _grid;
        private int _next;

        /// <summary>A grid over <paramref name="space"/>.</summary>
        /// <param name="space">The space.</param>
        /// <param name="stepsPerRange">Values per range (at least 2: both ends). Default 3.</param>
        /// <param name="seed">The order of the grid's points.</param>
        public GridSweepTuner(SequenceSearchSpace space, int stepsPerRange = 3, int seed = 0)
        {
            ArgumentNullException.ThrowIfNull(space);
            if (stepsPerRange < 2)
                throw new ArgumentOutOfRangeException(nameof(stepsPerRange), $"A grid needs at least 2 values per range; it was {stepsPerRange}.");
            _grid = new List<SweepConfiguration>();
            var seen = new HashSet<string>();
            foreach (var family in space.Families)
            {
                var dims = space.Dimensions.Skip(1).Where(d => d.Family == null || d.Family == family).ToList();
                var levels = dims.Select(d => Levels(d.Parameter, stepsPerRange)).ToList();
                foreach (var combination in Product(levels))
                {
                    var values = new Dictionary<string, object> { [SequenceSearchSpace.EncoderParameter] = family };
                    for (int i = 0; i < dims.Count; i++)
                        values[dims[i].Parameter.Name] = combination[i];
                    var c = new SweepConfiguration(family, values);
                    if (seen.Add(c.Key))
                        _grid.Add(c);
                }
            }
            var random = new Random(seed);
            for (int i = _grid.Count - 1; i > 0; i--)
            {
                int j = random.Next(i + 1);
                (_grid[i], _grid[j]) = (_grid[j], _grid[i]);
            }
        }

        /// <summary>Points in the grid.</summary>
        public int Count => _grid.Count;

        /// <inheritdoc/>
        public SweepConfiguration? Propose() => _next < _grid.Count ? _grid[_next++] : null;

        /// <inheritdoc/>
        public void Update(SequenceTrialResult result) { }

        private static List<object> Levels(SweepParameter p, int steps)
        {
            if (p.Kind == SweepParameterKind.Choice)
                return p.Candidates.ToList();
            var values = new List<object>();
            for (int i = 0; i < steps; i++)
            {
                double u = (double)i / (steps - 1);
                // The ends of the range exactly (FromUnit maps an integer's share, whose centre is not the end).
                double x = p.LogScale ? Math.Exp(Math.Log(p.Minimum) + u * (Math.Log(p.Maximum) - Math.Log(p.Minimum))) : p.Minimum + u * (p.Maximum - p.Minimum);
                object v = p.Kind == SweepParameterKind.Integer ? (object)(int)Math.Round(x) : x;
                if (!values.Contains(v))
                    values.Add(v);
            }
            return values;
        }

        private static IEnumerable<object[]> Product(List<List<object>> levels)
        {
            var index = new int[levels.Count];
            while (true)
            {
                yield return levels.Select((l, i) => l[index[i]]).ToArray();
                int k = levels.Count - 1;
                while (k >= 0 && ++index[k] == levels[k].Count)
                    index[k--] = 0;
                if (k < 0)
                    yield break;
            }
        }
    }

    /// <summary>
    /// Tree-structured Parzen estimator (Bergstra, Bardenet, Bengio and Kégl, "Algorithms for Hyper-Parameter
    /// Optimization", NeurIPS 2011). After <c>startupTrials</c> random trials, the finished trials are split into the
    /// best fraction γ (ℓ) and the rest (g); each dimension gets a Parzen density per group (Gaussians on the unit
    /// interval with adaptive widths and a flat prior; smoothed frequencies for choices), and of
    /// <c>candidates</c> draws from ℓ the one maximising ℓ(x)/g(x) is proposed. Dimensions are modelled
    /// independently; a family's own dimensions only from the trials of that family (the tree structure).
    /// With several families, the family is not a TPE dimension (a per-dimension model locks onto whichever family
    /// had lucky early trials): it is drawn with probability inversely proportional to its estimated cost for
    /// improvement, after FLAML's learner selection (Wang, Wu, Weimer and Zhu, "FLAML: A Fast and Lightweight AutoML
    /// Library", MLSys 2021). A family's cost is the epochs its trials trained times its model size, so proposals
    /// depend only on the results, never on the clock, and a resumed sweep proposes what the uninterrupted one did.
    /// </summary>
    public sealed class TpeSweepTuner : ISweepTuner
    {
        private readonly SequenceSearchSpace _space;
        private readonly Random _random;
        private readonly int _startup;
        private readonly double _gamma;
        private readonly int _candidates;
        private readonly List<(Dictionary<string, double> Position, EncoderKind Family, double Loss)> _history = new();
        private readonly List<(EncoderKind Family, double Loss, double Cost)> _costs = new();

        /// <summary>A TPE tuner over <paramref name="space"/>.</summary>
        /// <param name="space">The space.</param>
        /// <param name="seed">Makes the proposals repeatable (given the same results).</param>
        /// <param name="startupTrials">Random proposals before the model takes over (start points count). Default 10, as Optuna's.</param>
        /// <param name="gamma">The fraction of trials that form the good group. Default 0.25.</param>
        /// <param name="candidates">Draws from the good density per dimension. Default 24.</param>
        public TpeSweepTuner(SequenceSearchSpace space, int seed = 0, int startupTrials = 10, double gamma = 0.25, int candidates = 24)
        {
            _space = space ?? throw new ArgumentNullException(nameof(space));
            if (startupTrials < 1)
                throw new ArgumentOutOfRangeException(nameof(startupTrials), $"must be at least 1; it was {startupTrials}.");
            if (!(gamma > 0 && gamma < 1))
                throw new ArgumentOutOfRangeException(nameof(gamma), $"must be in (0, 1); it was {gamma}.");
            if (candidates < 1)
                throw new ArgumentOutOfRangeException(nameof(candidates), $"must be at least 1; it was {candidates}.");
            _random = new Random(seed);
            _startup = startupTrials;
            _gamma = gamma;
            _candidates = candidates;
        }

        /// <inheritdoc/>
        public SweepConfiguration? Propose()
        {
            var finite = _history.Where(h => double.IsFinite(h.Loss)).ToList();
            if (_history.Count < _startup || finite.Count < 2)
                return UnitSpace.Build(_space, (_, _) => _random.NextDouble());
            // Failed trials (infinite loss) count as the worst.
            var ordered = _history.OrderBy(h => double.IsFinite(h.Loss) ? h.Loss : double.MaxValue).ToList();
            int good = Math.Max(1, (int)Math.Ceiling(_gamma * ordered.Count));
            var l = ordered.Take(good).ToList();
            var g = ordered.Skip(good).ToList();
            var families = _space.Families.OrderBy(f => f).ToList();
            double familyPosition = families.Count > 1 ? (families.IndexOf(ChooseFamily(families)) + 0.5) / families.Count : 0.5;
            return UnitSpace.Build(_space, (d, family) =>
            {
                var name = d.Parameter.Name;
                if (name == SequenceSearchSpace.EncoderParameter)
                    return familyPosition;
                if (d.Parameter.IsFixed)
                    return 0.5;
                // A family's own dimension learns only from that family's trials.
                bool Relevant((Dictionary<string, double> Position, EncoderKind Family, double Loss) h) => h.Position.ContainsKey(name) && (d.Family == null || h.Family == family);
                var below = l.Where(Relevant).Select(h => h.Position[name]).ToList();
                var above = g.Where(Relevant).Select(h => h.Position[name]).ToList();
                return d.Parameter.Kind == SweepParameterKind.Choice
                    ? ChooseCategory(d.Parameter.Candidates.Length, below, above)
                    : ChooseReal(below, above);
            });
        }

        /// <inheritdoc/>
        public void Update(SequenceTrialResult result)
        {
            ArgumentNullException.ThrowIfNull(result);
            var position = new Dictionary<string, double>();
            foreach (var d in _space.Dimensions)
                if (result.Configuration.Values.TryGetValue(d.Parameter.Name, out var v))
                {
                    try { position[d.Parameter.Name] = d.Parameter.ToUnit(v); }
                    catch (ArgumentException) { }   // a value outside a since-narrowed choice: not evidence for this space
                }
            _history.Add((position, result.Configuration.Family, result.Loss));
            _costs.Add((result.Configuration.Family, result.Loss, Math.Max(1, result.Epochs) * result.Configuration.Cost()));
        }

        /// <summary>
        /// The estimated cost for improvement (ECI) of each family, from its own trials in order: K0 its total cost, K1
        /// and K2 the costs spent when its best and its previous best were found, δ the last improvement. A family
        /// improves itself after about max(K0 − K1, K1 − K2); one behind the leader must also close the gap at its rate
        /// of improvement, (best − best*) (K1 − K2) / δ. Untried families come first; a family without any result
        /// counts its cost twice.
        /// </summary>
        internal Dictionary<EncoderKind, double> EstimatedCostForImprovement(IReadOnlyList<EncoderKind> families)
        {
            var finite = _costs.Where(c => double.IsFinite(c.Loss)).ToList();
            double leader = finite.Count > 0 ? finite.Min(c => c.Loss) : double.PositiveInfinity;
            var eci = new Dictionary<EncoderKind, double>();
            foreach (var f in families)
            {
                var trials = _costs.Where(c => c.Family == f).ToList();
                if (trials.Count == 0)
                {
                    eci[f] = 0;
                    continue;
                }
                double k0 = 0, k1 = 0, k2 = 0, best = double.PositiveInfinity, delta = double.NaN;
                foreach (var t in trials)
                {
                    k0 += t.Cost;
                    if (double.IsFinite(t.Loss) && t.Loss < best)
                    {
                        if (double.IsFinite(best))
                            delta = best - t.Loss;
                        best = t.Loss;
                        k2 = k1;
                        k1 = k0;
                    }
                }
                if (!double.IsFinite(best))
                {
                    eci[f] = 2 * k0;
                    continue;
                }
                double own = Math.Max(k0 - k1, k1 - k2);
                if (best > leader)
                {
                    double gap = best - leader;
                    double chase = double.IsNaN(delta) || delta <= 0 ? 2 * k0 : gap * Math.Max(k1 - k2, 1e-9) / delta;
                    own = Math.Max(own, chase);
                }
                eci[f] = Math.Max(own, 1e-9);
            }
            return eci;
        }

        private EncoderKind ChooseFamily(IReadOnlyList<EncoderKind> families)
        {
            var eci = EstimatedCostForImprovement(families);
            var untried = families.Where(f => eci[f] == 0).ToList();
            if (untried.Count > 0)
                return untried[_random.Next(untried.Count)];
            double total = families.Sum(f => 1 / eci[f]), r = _random.NextDouble() * total, acc = 0;
            foreach (var f in families)
                if ((acc += 1 / eci[f]) >= r)
                    return f;
            return families[^1];
        }

        private double ChooseCategory(int k, List<double> below, List<double> above)
        {
            double[] Weights(List<double> positions)
            {
                var w = Enumerable.Repeat(1.0, k).ToArray();   // a flat prior of one pseudo-observation per category
                foreach (var p in positions)
                    w[Math.Min(k - 1, (int)(p * k))] += 1;
                double sum = w.Sum();
                return w.Select(x => x / sum).ToArray();
            }
            var lw = Weights(below);
            var gw = Weights(above);
            int best = 0;
            double bestRatio = double.NegativeInfinity;
            for (int c = 0; c < _candidates; c++)
            {
                double r = _random.NextDouble(), acc = 0;
                int pick = k - 1;
                for (int i = 0; i < k; i++)
                    if ((acc += lw[i]) >= r) { pick = i; break; }
                double ratio = Math.Log(lw[pick]) - Math.Log(gw[pick]);
                if (ratio > bestRatio) { bestRatio = ratio; best = pick; }
            }
            return (best + 0.5) / k;
        }

        private double ChooseReal(List<double> below, List<double> above)
        {
            var lp = Parzen(below);
            var gp = Parzen(above);
            double best = 0.5, bestRatio = double.NegativeInfinity;
            for (int c = 0; c < _candidates; c++)
            {
                double x = Sample(lp);
                double ratio = Math.Log(Density(lp, x)) - Math.Log(Density(gp, x));
                if (ratio > bestRatio) { bestRatio = ratio; best = x; }
            }
            return best;
        }

        /// <summary>
        /// Gaussians at the observations plus a flat prior (a wide Gaussian at the centre), each truncated to [0, 1];
        /// a point's width is the larger gap to its neighbours (the prior and the ends count), clipped to
        /// [1 / min(100, n + 1), 1], as in Hyperopt's adaptive Parzen estimator.
        /// </summary>
        private static List<(double Mu, double Sigma, double Weight)> Parzen(List<double> points)
        {
            var mus = points.Append(0.5).OrderBy(x => x).ToList();
            int n = mus.Count;
            double minSigma = 1.0 / Math.Min(100, n + 1);
            var components = new List<(double, double, double)>();
            for (int i = 0; i < n; i++)
            {
                double left = i == 0 ? mus[i] : mus[i] - mus[i - 1];
                double right = i == n - 1 ? 1 - mus[i] : mus[i + 1] - mus[i];
                double sigma = Math.Clamp(Math.Max(left, right), minSigma, 1.0);
                components.Add((mus[i], sigma, 1.0 / n));
            }
            // The prior: the component at 0.5 that Append added gets the full width.
            int prior = mus.IndexOf(0.5);
            components[prior] = (0.5, 1.0, 1.0 / n);
            return components;
        }

        private double Sample(List<(double Mu, double Sigma, double Weight)> mixture)
        {
            double r = _random.NextDouble(), acc = 0;
            var c = mixture[^1];
            foreach (var m in mixture)
                if ((acc += m.Weight) >= r) { c = m; break; }
            // Truncated normal by rejection (the mass inside [0, 1] is at least ~0.38 for σ ≤ 1 with μ in [0, 1]).
            for (int attempt = 0; attempt < 100; attempt++)
            {
                double u1 = 1.0 - _random.NextDouble(), u2 = _random.NextDouble();
                double x = c.Mu + c.Sigma * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
                if (x >= 0 && x <= 1)
                    return x;
            }
            return Math.Clamp(c.Mu, 0, 1);
        }

        private static double Density(List<(double Mu, double Sigma, double Weight)> mixture, double x)
        {
            double p = 0;
            foreach (var (mu, sigma, w) in mixture)
            {
                double z = (x - mu) / sigma;
                double mass = NormalCdf((1 - mu) / sigma) - NormalCdf(-mu / sigma);
                p += w * Math.Exp(-0.5 * z * z) / (sigma * Math.Sqrt(2 * Math.PI) * Math.Max(mass, 1e-12));
            }
            return Math.Max(p, 1e-300);
        }

        /// <summary>Φ(x) through erf (Abramowitz and Stegun 7.1.26, |error| ≤ 1.5e-7).</summary>
        private static double NormalCdf(double x)
        {
            double z = Math.Abs(x) / Math.Sqrt(2), t = 1 / (1 + 0.3275911 * z);
            double erf = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.Exp(-z * z);
            return 0.5 * (1 + (x >= 0 ? erf : -erf));
        }
    }
}
