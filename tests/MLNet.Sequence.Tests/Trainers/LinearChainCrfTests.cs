using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Tests.Trainers;

/// <summary>
/// The linear-chain CRF against brute force: on small cases every tag path is enumerated, so log Z (log-sum-exp of all
/// path scores), the score of a given path, the best path (Viterbi) and the tag marginals are known exactly; with masks (rows of different
/// lengths) and with a BIO scheme's forbidden transitions.
/// </summary>
[TestClass]
public sealed class LinearChainCrfTests
{
    /// <summary>The CRF's parameters and penalties as doubles, read back from the module.</summary>
    private static (double[,] T, double[] S, double[] E) Scores(LinearChainCrf crf)
    {
        var state = crf.state_dict();
        int K = crf.Tags;
        float[] Read(string name) => state[name].cpu().data<float>().ToArray();
        var t = Read("transitions");
        var tp = Read("transition_penalty");
        var s = Read("start");
        var sp = Read("start_penalty");
        var e = Read("end");
        var ep = Read("end_penalty");
        var T = new double[K, K];
        for (int a = 0; a < K; a++)
            for (int b = 0; b < K; b++)
                T[a, b] = (double)t[a * K + b] + tp[a * K + b];
        return (T, s.Select((v, i) => (double)v + sp[i]).ToArray(), e.Select((v, i) => (double)v + ep[i]).ToArray());
    }

    private static double PathScore(double[,] emissions, int[] path, (double[,] T, double[] S, double[] E) p)
    {
        double score = p.S[path[0]] + emissions[0, path[0]];
        for (int t = 1; t < path.Length; t++)
            score += p.T[path[t - 1], path[t]] + emissions[t, path[t]];
        return score + p.E[path[^1]];
    }

    private static IEnumerable<int[]> AllPaths(int length, int tags)
    {
        var path = new int[length];
        long total = (long)Math.Pow(tags, length);
        for (long code = 0; code < total; code++)
        {
            long c = code;
            for (int t = 0; t < length; t++)
            {
                path[t] = (int)(c % tags);
                c /= tags;
            }
            yield return (int[])path.Clone();
        }
    }

    private static void CheckAgainstBruteForce(LinearChainCrf crf, int batch, int steps, int[] lengths, Random random)
    {
        int K = crf.Tags;
        var e = new float[batch * steps * K];
        for (int i = 0; i < e.Length; i++)
            e[i] = (float)(random.NextDouble() * 4 - 2);
        var m = new bool[batch * steps];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < lengths[b]; t++)
                m[b * steps + t] = true;
        var gold = new long[batch * steps];
        for (int i = 0; i < gold.Length; i++)
            gold[i] = random.Next(K);
        using var scope = torch.NewDisposeScope();
        var emissions = torch.tensor(e).reshape(batch, steps, K);
        var mask = torch.tensor(m).reshape(batch, steps);
        var tags = torch.tensor(gold).reshape(batch, steps);
        var logZ = crf.LogPartition(emissions, mask).data<float>().ToArray();
        var score = crf.PathScore(emissions, tags, mask).data<float>().ToArray();
        var decoded = crf.Decode(emissions, mask);
        var marginals = crf.Marginals(emissions, mask).data<float>().ToArray();
        var p = Scores(crf);
        for (int b = 0; b < batch; b++)
        {
            int n = lengths[b];
            var em = new double[n, K];
            for (int t = 0; t < n; t++)
                for (int k = 0; k < K; k++)
                    em[t, k] = e[(b * steps + t) * K + k];
            var scores = AllPaths(n, K).Select(path => (Path: path, Score: PathScore(em, path, p))).ToList();
            double max = scores.Max(s => s.Score);
            double bruteLogZ = max + Math.Log(scores.Sum(s => Math.Exp(s.Score - max)));
            var best = scores.First(s => s.Score == max).Path;
            Assert.AreEqual(bruteLogZ, logZ[b], 1e-5 * Math.Max(1, Math.Abs(bruteLogZ)), $"row {b} (length {n}): log Z");
            var goldPath = Enumerable.Range(0, n).Select(t => (int)gold[b * steps + t]).ToArray();
            double goldScore = PathScore(em, goldPath, p);
            Assert.AreEqual(goldScore, score[b], 1e-5 * Math.Max(1, Math.Abs(goldScore)), $"row {b}: the gold path's score");
            CollectionAssert.AreEqual(best.Select(x => (long)x).ToArray(), decoded[b], $"row {b}: Viterbi's path is the best of all {scores.Count}");
            // Marginals: p(y_t = k) = Σ over paths with y_t = k of exp(score − log Z); zero past the row's length.
            for (int t = 0; t < steps; t++)
                for (int k = 0; k < K; k++)
                {
                    double expected = t >= n ? 0 : scores.Where(s => s.Path[t] == k).Sum(s => Math.Exp(s.Score - bruteLogZ));
                    Assert.AreEqual(expected, marginals[(b * steps + t) * K + k], 1e-5, $"row {b}, step {t}, tag {k}: marginal probability");
                }
        }
    }

    [TestMethod]
    public void LogPartitionPathScoreAndViterbiEqualBruteForce()
    {
        torch.manual_seed(7);
        var random = new Random(7);
        foreach (var (K, L) in new[] { (1, 3), (2, 1), (3, 4), (4, 5), (5, 3) })
        {
            using var crf = new LinearChainCrf(K);
            // Learned-looking scores: larger than the initial ±0.1.
            using (torch.no_grad())
                foreach (var (_, prm) in crf.named_parameters())
                    prm.copy_(torch.rand(prm.shape) * 2 - 1);
            var lengths = Enumerable.Range(0, 4).Select(i => 1 + (i * 7 + L) % L).ToArray();
            lengths[0] = L;
            CheckAgainstBruteForce(crf, 4, L, lengths, random);
        }
    }

    [TestMethod]
    public void ForbiddenTransitionsAreNeverDecodedAndCarryNoProbability()
    {
        var tags = new[] { "O", "B-PER", "I-PER", "B-LOC", "I-LOC" };
        var c = TagConstraints.For(tags, iobes: false);
        int K = tags.Length;
        bool Allowed(string a, string b) => c.Transitions[Array.IndexOf(tags, a) * K + Array.IndexOf(tags, b)];
        // IOB2 (Ramshaw and Marcus 1995, as Tjong Kim Sang and Veenstra 1999 name the variants): I-X continues X only.
        Assert.IsTrue(Allowed("B-PER", "I-PER"));
        Assert.IsTrue(Allowed("I-PER", "I-PER"));
        Assert.IsFalse(Allowed("O", "I-PER"));
        Assert.IsFalse(Allowed("B-LOC", "I-PER"));
        Assert.IsTrue(Allowed("I-LOC", "B-PER"));
        Assert.IsFalse(c.Start[Array.IndexOf(tags, "I-LOC")], "a sentence cannot start inside a chunk");
        torch.manual_seed(3);
        using var crf = new LinearChainCrf(K, c);
        using (torch.no_grad())
            foreach (var (_, prm) in crf.named_parameters())
                prm.copy_(torch.rand(prm.shape) * 2 - 1);
        CheckAgainstBruteForce(crf, 3, 4, new[] { 4, 2, 3 }, new Random(3));
        // Emissions that favour I-PER at the start: Viterbi still begins with a tag that may start.
        using var scope = torch.NewDisposeScope();
        var e = torch.zeros(1, 3, K);
        e[0, 0, 2] = torch.tensor(50f);
        var path = crf.Decode(e, torch.ones(1, 3, dtype: ScalarType.Bool))[0];
        Assert.AreNotEqual(2L, path[0], "I-PER cannot start a sentence");
        for (int t = 1; t < path.Length; t++)
            Assert.IsTrue(c.Transitions[path[t - 1] * K + path[t]], $"step {t}: {tags[path[t - 1]]} → {tags[path[t]]}");
    }

    [TestMethod]
    public void IobesConstraintsFollowTheScheme()
    {
        var tags = new[] { "O", "B-X", "I-X", "E-X", "S-X" };
        var c = TagConstraints.For(tags, iobes: true);
        int K = tags.Length;
        bool Allowed(string a, string b) => c.Transitions[Array.IndexOf(tags, a) * K + Array.IndexOf(tags, b)];
        Assert.IsTrue(Allowed("B-X", "I-X"));
        Assert.IsTrue(Allowed("B-X", "E-X"));
        Assert.IsFalse(Allowed("B-X", "O"), "a chunk begun must end with E-");
        Assert.IsFalse(Allowed("I-X", "S-X"));
        Assert.IsTrue(Allowed("E-X", "S-X"));
        Assert.IsTrue(Allowed("S-X", "B-X"));
        Assert.IsFalse(Allowed("O", "E-X"));
        Assert.IsFalse(c.End[Array.IndexOf(tags, "B-X")], "a sentence cannot end inside a chunk");
        Assert.IsTrue(c.End[Array.IndexOf(tags, "E-X")]);
        Assert.ThrowsExactly<ArgumentException>(() => TagConstraints.For(tags, iobes: false));
    }

    [TestMethod]
    public void TheLossTrainsTheTransitionsAndLeaksNoTensors()
    {
        torch.manual_seed(1);
        using var crf = new LinearChainCrf(3);
        var optimizer = torch.optim.Adam(crf.parameters(), 0.1);
        // Uninformative emissions and gold paths that always alternate 0 → 1 → 2 → 0: only the transitions can learn them.
        EstimatorContract.SettleFinalizers();
        long before = torch.Tensor.TotalCount;
        for (int step = 0; step < 60; step++)
        {
            using var scope = torch.NewDisposeScope();
            var e = torch.zeros(8, 6, 3);
            var gold = torch.tensor(Enumerable.Range(0, 48).Select(i => (long)((i % 6 + i / 6) % 3)).ToArray()).reshape(8, 6);
            var mask = torch.ones(8, 6, dtype: ScalarType.Bool);
            var loss = crf.NegativeLogLikelihood(e, gold, mask).mean();
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }
        Assert.AreEqual(before, torch.Tensor.TotalCount, "live tensors after 60 training steps");
        using var scope2 = torch.NewDisposeScope();
        var path = crf.Decode(torch.zeros(1, 6, 3), torch.ones(1, 6, dtype: ScalarType.Bool))[0];
        for (int t = 1; t < path.Length; t++)
            Assert.AreEqual((path[t - 1] + 1) % 3, path[t], $"step {t}: the learned transitions cycle 0 → 1 → 2");
        optimizer.Dispose();
    }
}
