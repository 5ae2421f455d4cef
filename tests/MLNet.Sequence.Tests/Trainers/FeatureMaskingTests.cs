using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Trainers;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Tests.Trainers;

[TestClass]
public sealed class FeatureMaskingTests
{
    [TestMethod]
    public void MasksRunsInsideTheRealStepsAndLeavesPaddingAlone()
    {
        using var scope = NewDisposeScope();
        const int B = 3, T = 20, F = 10;
        var masking = new FeatureMaskingOptions { TimeMasks = 2, MaximumTimeMaskWidth = 4, FeatureMasks = 1, MaximumFeatureMaskWidth = 3 }.ToEngine();
        // Row 0: 20 real steps; row 1: 12 then padding; row 2: padding first, then its last 5 steps.
        var real = new bool[B, T];
        for (int t = 0; t < T; t++) { real[0, t] = true; real[1, t] = t < 12; real[2, t] = t >= 15; }
        var mask = tensor(Enumerable.Range(0, B * T).Select(i => real[i / T, i % T]).ToArray(), new long[] { B, T });
        var inputs = arange(1, B * T * F + 1, ScalarType.Float32).view(B, T, F);   // every value non-zero
        int changedTotal = 0;
        for (int trial = 0; trial < 20; trial++)
        {
            torch.manual_seed(trial);
            var outA = masking.Apply(inputs, mask).data<float>().ToArray();
            torch.manual_seed(trial);
            CollectionAssert.AreEqual(outA, masking.Apply(inputs, mask).data<float>().ToArray(), "the same generator state masks the same cells");
            var before = inputs.data<float>().ToArray();
            for (int b = 0; b < B; b++)
            {
                // Masked cells are zeros, only on real steps.
                var zero = new bool[T, F];
                for (int t = 0; t < T; t++)
                    for (int f = 0; f < F; f++)
                    {
                        int i = (b * T + t) * F + f;
                        if (outA[i] == before[i]) continue;
                        Assert.AreEqual(0f, outA[i]);
                        Assert.IsTrue(real[b, t], $"row {b} step {t} is padding and must not change");
                        zero[t, f] = true;
                        changedTotal++;
                    }
                // Whole masked steps form at most 2 runs of at most 4; masked feature columns at most one band of 3.
                var fullSteps = Enumerable.Range(0, T).Where(t => Enumerable.Range(0, F).All(f => zero[t, f])).ToList();
                int runs = fullSteps.Count(t => !fullSteps.Contains(t - 1));
                Assert.IsLessThanOrEqualTo(2, runs);
                Assert.IsLessThanOrEqualTo(8, fullSteps.Count);
                var partialFeatures = Enumerable.Range(0, F).Where(f => Enumerable.Range(0, T).Any(t => zero[t, f] && !fullSteps.Contains(t))).ToList();
                Assert.IsLessThanOrEqualTo(3, partialFeatures.Count);
                if (partialFeatures.Count > 0)
                    Assert.AreEqual(partialFeatures.Count - 1, partialFeatures.Max() - partialFeatures.Min(), "one band of adjacent features");
            }
        }
        Assert.IsGreaterThan(0, changedTotal, "masking masks something over 20 draws");
        var none = new FeatureMaskingOptions { TimeMasks = 0, FeatureMasks = 0 }.ToEngine();
        CollectionAssert.AreEqual(inputs.data<float>().ToArray(), none.Apply(inputs, mask).data<float>().ToArray());
    }

    [TestMethod]
    public void ShiftRotatesTheRealStepsWithinThemselves()
    {
        using var scope = NewDisposeScope();
        const int B = 3, T = 12, F = 2;
        var shift = new FeatureMaskingOptions { TimeMasks = 0, FeatureMasks = 0, MaximumTimeShift = 3 }.ToEngine();
        var real = new bool[B, T];
        for (int t = 0; t < T; t++) { real[0, t] = true; real[1, t] = t < 7; real[2, t] = t >= 8; }
        var mask = tensor(Enumerable.Range(0, B * T).Select(i => real[i / T, i % T]).ToArray(), new long[] { B, T });
        var inputs = arange(1, B * T * F + 1, ScalarType.Float32).view(B, T, F);
        var before = inputs.data<float>().ToArray();
        var seen = new System.Collections.Generic.HashSet<int>();
        for (int trial = 0; trial < 30; trial++)
        {
            torch.manual_seed(trial);
            var after = shift.Apply(inputs, mask).data<float>().ToArray();
            for (int b = 0; b < B; b++)
            {
                var steps = Enumerable.Range(0, T).Where(t => real[b, t]).ToArray();
                int n = steps.Length;
                // Padding is untouched; the real steps are the original ones rotated by some s with |s| <= 3.
                foreach (var t in Enumerable.Range(0, T).Where(t => !real[b, t]))
                    for (int f = 0; f < F; f++)
                        Assert.AreEqual(before[(b * T + t) * F + f], after[(b * T + t) * F + f]);
                var rotation = Enumerable.Range(-3, 7).Where(sft => Enumerable.Range(0, n).All(r =>
                    Enumerable.Range(0, F).All(f => after[(b * T + steps[r]) * F + f] == before[(b * T + steps[((r - sft) % n + n) % n]) * F + f]))).ToList();
                Assert.IsNotEmpty(rotation, $"row {b}, trial {trial}: the real steps are a rotation by at most 3");
                seen.Add(rotation[0]);
            }
        }
        Assert.IsGreaterThan(3, seen.Count, "several shifts are drawn");
    }

    private sealed class TokenRow
    {
        [VectorType(4), KeyType(10)] public uint[] Ids { get; set; } = Array.Empty<uint>();
        public bool Label { get; set; }
    }

    [TestMethod]
    public void OptionsAreCheckedAndTokenInputsRefused()
    {
        var ml = new MLContext(1);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.SequenceCnn(new CnnOptions { Augmentation = new FeatureMaskingOptions { TimeMasks = -1 } }));
        Assert.Contains("Augmentation.TimeMasks", e.Message);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 8).Select(i => new TokenRow { Ids = new uint[] { 1, 2, (uint)(i % 3 + 1), 4 }, Label = i % 2 == 0 }));
        var trainer = ml.BinaryClassification.Trainers.SequenceCnn(new CnnOptions { FeatureColumnName = "Ids", NumberOfEpochs = 1, Augmentation = new FeatureMaskingOptions() });
        var refused = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(data));
        Assert.Contains("'Ids'", refused.Message);
        Assert.Contains("token ids", refused.Message);
    }
}
