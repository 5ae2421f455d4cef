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
public sealed class OneHotSequenceTests
{
    [TestMethod]
    public void SpliceDnaIsOneHotPerPosition()
    {
        var ml = new MLContext(1);
        var rows = TestData.SpliceDna();
        var data = ml.Data.LoadFromEnumerable(rows);
        var t = ml.Transforms.OneHotEncodeSequence("OneHot", "Sequence").Fit(data);
        Assert.AreEqual(60, t.SequenceLength, "learned from the data: every window has 60 nucleotides");
        Assert.AreEqual(5, t.Channels, "A C G T + unknown");
        var output = t.Transform(data);
        var type = (VectorDataViewType)output.Schema["OneHot"].Type;
        CollectionAssert.AreEqual(new[] { 60, 5 }, type.Dimensions.ToArray());
        var encoded = TestData.Vectors<float>(output, "OneHot");
        for (int r = 0; r < rows.Count; r++)
        {
            var seq = rows[r].Sequence;
            for (int i = 0; i < 60; i++)
            {
                int expected = "ACGT".IndexOf(seq[i]);
                for (int ch = 0; ch < 5; ch++)
                    Assert.AreEqual(ch == expected ? 1f : 0f, encoded[r][i * 5 + ch], $"row {r}, position {i}, channel {ch}");
            }
        }
        // Slot names say position and symbol, so features stay interpretable downstream.
        VBuffer<ReadOnlyMemory<char>> names = default;
        output.Schema["OneHot"].Annotations.GetValue("SlotNames", ref names);
        Assert.AreEqual("0:A", names.GetItemOrDefault(0).ToString());
        Assert.AreEqual("1:unknown", names.GetItemOrDefault(9).ToString());
    }

    private sealed class Seq
    {
        public string Sequence { get; set; } = "";
    }

    [TestMethod]
    public void UnknownSymbolsAndShortSequences()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new Seq { Sequence = "acgtn" }, new Seq { Sequence = "GA" } });
        var encoded = TestData.Vectors<float>(ml.Transforms.OneHotEncodeSequence("X", "Sequence").Fit(data).Transform(data), "X");
        CollectionAssert.AreEqual(new float[] { 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1 }, encoded[0], "lower case folds; N is unknown");
        CollectionAssert.AreEqual(new float[] { 0, 0, 1, 0, 0, 1, 0, 0, 0, 0 }, encoded[1].Take(10).ToArray());
        Assert.IsTrue(encoded[1].Skip(10).All(x => x == 0), "a shorter sequence ends in all-zero rows");

        var strict = ml.Transforms.OneHotEncodeSequence(new OneHotSequenceEstimator.Options { OutputColumnName = "X", InputColumnName = "Sequence", AddUnknownChannel = false }).Fit(data);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => TestData.Column(strict.Transform(data), "X"));
        Assert.Contains("'n'", e.Message);
        Assert.Contains("AddUnknownChannel", e.Message);

        var shortFit = ml.Transforms.OneHotEncodeSequence("X", "Sequence", sequenceLength: 3).Fit(data);
        var tooLong = Assert.ThrowsExactly<InvalidOperationException>(() => TestData.Column(shortFit.Transform(data), "X"));
        Assert.Contains("TruncateLonger", tooLong.Message);
    }

    [TestMethod]
    public void KeyInputFromTokenEncoding()
    {
        var ml = new MLContext(1);
        var rows = TestData.SpliceDna().Take(200).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        // Characters as tokens: TokenizeIntoCharactersAsKeys → MapKeyToValue → EncodeTokens gives ids 2..5 for the four bases.
        var model = ml.Transforms.Text.TokenizeIntoCharactersAsKeys("Chars", "Sequence", useMarkerCharacters: false)
            .Append(ml.Transforms.Conversion.MapKeyToValue("Chars"))
            .Append(ml.Transforms.EncodeTokens(new TokenEncodingEstimator.Options { OutputColumnName = "Ids", InputColumnName = "Chars", LowerCase = false }))
            .Append(ml.Transforms.OneHotEncodeSequence("X", "Ids"))
            .Fit(data);
        var oneHot = (OneHotSequenceTransformer)model.LastTransformer;
        Assert.AreEqual(5, oneHot.Channels, "keys 1..5: <unk> and the four bases");
        var output = model.Transform(data);
        var x = TestData.Vectors<float>(output, "X");
        var ids = TestData.Vectors<uint>(output, "Ids");
        for (int i = 0; i < 60; i++)
            Assert.AreEqual(1f, x[0][i * 5 + (int)ids[0][i] - 1]);
    }

    [TestMethod]
    public void Contract()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(TestData.SpliceDna().Take(300));
        EstimatorContract.Verify(ml, new EstimatorContract.Case<OneHotSequenceTransformer>
        {
            Estimator = ml.Transforms.OneHotEncodeSequence("X", "Sequence"),
            Train = data,
            OutputColumns = new[] { "X" },
            BadInputs = new List<(string, IDataView, string)>
            {
                ("numeric", ml.Data.LoadFromEnumerable(new[] { new { Sequence = 3f } }), "'Sequence'"),
            },
        });
    }

    [TestMethod]
    public void BadOptions()
    {
        var ml = new MLContext(1);
        Assert.Contains("Alphabet", Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.OneHotEncodeSequence("X", "S", alphabet: "ACGA")).Message);
        Assert.Contains("Alphabet", Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.OneHotEncodeSequence("X", "S", alphabet: "")).Message);
        Assert.Contains("SequenceLength", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.OneHotEncodeSequence("X", "S", sequenceLength: 0)).Message);
    }
}
