using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Transforms;

namespace MLNet.Sequence.Tests;

[TestClass]
public sealed class PadSequencesTests
{
    private sealed class Row
    {
        [VectorType]
        public float[] Seq { get; set; } = Array.Empty<float>();
    }

    private sealed class IntRow
    {
        [VectorType]
        public int[] Seq { get; set; } = Array.Empty<int>();
    }

    // The example of Keras' pad_sequences documentation: sequences [[1], [2, 3], [4, 5, 6]].
    private static IDataView KerasExample(MLContext ml) =>
        ml.Data.LoadFromEnumerable(new[] { new Row { Seq = new[] { 1f } }, new Row { Seq = new[] { 2f, 3f } }, new Row { Seq = new[] { 4f, 5f, 6f } } });

    private static float[][] Pad(MLContext ml, PadSequencesEstimator.Options o)
    {
        o.OutputColumnName = "Padded";
        o.InputColumnName = "Seq";
        var data = KerasExample(ml);
        return TestData.Vectors<float>(ml.Transforms.PadSequences(o).Fit(data).Transform(data), "Padded");
    }

    private static void AssertRows(float[][] expected, float[][] actual)
    {
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++)
            CollectionAssert.AreEqual(expected[i], actual[i], $"row {i}: expected [{string.Join(",", expected[i])}], got [{string.Join(",", actual[i])}]");
    }

    // Expected arrays follow pad_sequences' documented semantics: maxlen=None pads to the longest sequence;
    // 'pre' padding/truncation acts at the start, 'post' at the end; value is the padding value.
    [TestMethod]
    public void DefaultsMatchKerasPreAndLongest() =>
        AssertRows(new[] { new[] { 0f, 0, 1 }, new[] { 0f, 2, 3 }, new[] { 4f, 5, 6 } }, Pad(new MLContext(1), new PadSequencesEstimator.Options()));

    [TestMethod]
    public void PadValueMatchesKeras() =>
        AssertRows(new[] { new[] { -1f, -1, 1 }, new[] { -1f, 2, 3 }, new[] { 4f, 5, 6 } }, Pad(new MLContext(1), new PadSequencesEstimator.Options { PadValue = -1 }));

    [TestMethod]
    public void PostPaddingMatchesKeras() =>
        AssertRows(new[] { new[] { 1f, 0, 0 }, new[] { 2f, 3, 0 }, new[] { 4f, 5, 6 } }, Pad(new MLContext(1), new PadSequencesEstimator.Options { Padding = SequenceEnd.Post }));

    [TestMethod]
    public void MaxLenTwoTruncatesPreLikeKeras() =>
        AssertRows(new[] { new[] { 0f, 1 }, new[] { 2f, 3 }, new[] { 5f, 6 } }, Pad(new MLContext(1), new PadSequencesEstimator.Options { Length = 2 }));

    [TestMethod]
    public void MaxLenTwoTruncatesPostLikeKeras() =>
        AssertRows(new[] { new[] { 0f, 1 }, new[] { 2f, 3 }, new[] { 4f, 5 } }, Pad(new MLContext(1), new PadSequencesEstimator.Options { Length = 2, Truncation = SequenceEnd.Post }));

    [TestMethod]
    public void PostPaddingPostTruncationLikeKeras() =>
        AssertRows(new[] { new[] { 1f, 0, 0, 0 }, new[] { 2f, 3, 0, 0 }, new[] { 4f, 5, 6, 0 } },
            Pad(new MLContext(1), new PadSequencesEstimator.Options { Length = 4, Padding = SequenceEnd.Post, Truncation = SequenceEnd.Post }));

    [TestMethod]
    public void LengthAndMaskColumns()
    {
        var ml = new MLContext(1);
        var data = KerasExample(ml);
        var t = ml.Transforms.PadSequences(new PadSequencesEstimator.Options
        {
            OutputColumnName = "Padded", InputColumnName = "Seq", Length = 2, LengthColumnName = "Len", MaskColumnName = "Mask",
        }).Fit(data);
        var output = t.Transform(data);
        CollectionAssert.AreEqual(new object[] { 1, 2, 2 }, TestData.Column(output, "Len"));
        var mask = TestData.Vectors<bool>(output, "Mask");
        CollectionAssert.AreEqual(new[] { false, true }, mask[0]);
        CollectionAssert.AreEqual(new[] { true, true }, mask[2]);
    }

    [TestMethod]
    public void IntegerSequencesKeepTheirType()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new IntRow { Seq = new[] { 7, 8, 9 } }, new IntRow { Seq = new[] { 5 } } });
        var output = ml.Transforms.PadSequences("Padded", "Seq", length: 4, padding: SequenceEnd.Post).Fit(data).Transform(data);
        Assert.AreEqual(NumberDataViewType.Int32, ((VectorDataViewType)output.Schema["Padded"].Type).ItemType);
        CollectionAssert.AreEqual(new[] { 7, 8, 9, 0 }, TestData.Vectors<int>(output, "Padded")[0]);
    }

    [TestMethod]
    public void LearnsPercentileLength()
    {
        var ml = new MLContext(1);
        var rows = Enumerable.Range(1, 100).Select(n => new Row { Seq = Enumerable.Repeat(1f, n).ToArray() });
        var data = ml.Data.LoadFromEnumerable(rows);
        var t = ml.Transforms.PadSequences(new PadSequencesEstimator.Options { OutputColumnName = "P", InputColumnName = "Seq", LengthPercentile = 90 }).Fit(data);
        Assert.AreEqual(90, t.Length); // nearest rank: the 90th of 1..100
    }

    [TestMethod]
    public void EmptySequenceIsAllPaddingByDefaultAndAClearErrorWhenNotAllowed()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new Row { Seq = new[] { 1f } }, new Row { Seq = Array.Empty<float>() } });
        var t = ml.Transforms.PadSequences(new PadSequencesEstimator.Options { OutputColumnName = "P", InputColumnName = "Seq", Length = 3, AllowEmpty = false }).Fit(data);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => TestData.Column(t.Transform(data), "P"));
        Assert.Contains("'Seq'", e.Message);
        Assert.Contains("empty", e.Message);
        Assert.Contains("AllowEmpty", e.Message);
        var allowed = ml.Transforms.PadSequences("P", "Seq", length: 3).Fit(data);
        CollectionAssert.AreEqual(new[] { 0f, 0, 0 }, TestData.Vectors<float>(allowed.Transform(data), "P")[1]);
    }

    [TestMethod]
    public void BadOptionsAreRejectedWithTheirNames()
    {
        var ml = new MLContext(1);
        Assert.Contains("Length", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.PadSequences("P", "Seq", length: 0)).Message);
        Assert.Contains("Length", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.PadSequences("P", "Seq", length: -3)).Message);
        Assert.Contains("Padding", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.PadSequences("P", "Seq", padding: (SequenceEnd)7)).Message);
        Assert.Contains("LengthPercentile", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.Transforms.PadSequences(new PadSequencesEstimator.Options { OutputColumnName = "P", LengthPercentile = 0 })).Message);
        Assert.Contains("OutputColumnName", Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.PadSequences("")).Message);
    }

    [TestMethod]
    public void WrongColumnTypeNamesColumnAndTypes()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(TestData.Sentiment().Take(5));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.PadSequences("P", "Text", length: 3).Fit(data));
        Assert.Contains("'Text'", e.Message);
        Assert.Contains("Text", e.Message);
        Assert.Contains("expected a vector", e.Message);
        var missing = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.PadSequences("P", "Nope", length: 3).Fit(data));
        Assert.Contains("'Nope'", missing.Message);
        Assert.Contains("was not found", missing.Message);
    }
}
