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

    [TestMethod]
    public void LengthAndMaskMarkTheEncodedRows()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new TestData.Splice { Sequence = "ACGT" }, new TestData.Splice { Sequence = "" }, new TestData.Splice { Sequence = "GAN" } });
        var t = ml.Transforms.OneHotEncodeSequence(new OneHotSequenceEstimator.Options
        {
            OutputColumnName = "OneHot", InputColumnName = "Sequence", SequenceLength = 5, LengthColumnName = "Length", MaskColumnName = "Mask",
        }).Fit(data);
        var output = t.Transform(data);
        CollectionAssert.AreEqual(new object[] { 4, 0, 3 }, TestData.Column(output, "Length"));
        var masks = TestData.Vectors<bool>(output, "Mask");
        CollectionAssert.AreEqual(new[] { true, true, true, true, false }, masks[0]);
        CollectionAssert.AreEqual(new[] { false, false, false, false, false }, masks[1]);
        CollectionAssert.AreEqual(new[] { true, true, true, false, false }, masks[2], "an unknown symbol is encoded (extra channel), so it is real");
        var shape = SchemaShapeOf(t.GetOutputSchema(data.Schema));
        Assert.AreEqual(new VectorDataViewType(BooleanDataViewType.Instance, 5), shape["Mask"].Type);
        Assert.AreEqual(NumberDataViewType.Int32, shape["Length"].Type);
    }

    private static DataViewSchema SchemaShapeOf(DataViewSchema s) => s;

    public sealed class Words
    {
        public bool Label { get; set; }
        public string Text { get; set; } = "";
    }

    /// <summary>
    /// One-hot rows of key ids: the same sentence, pre-padded (PadSequences) or post-padded (one-hot of the unpadded ids),
    /// differs only in where the all-zero rows stand. With the mask the trainer leaves them out, so the scores agree;
    /// without it the padding is read as steps and they do not.
    /// </summary>
    [TestMethod]
    public void TrainersUseTheMaskSoPaddingPositionDoesNotMatter()
    {
        var ml = new MLContext(1);
        var (train, test) = Splits.Split(TestData.Sentiment());
        var data = ml.Data.LoadFromEnumerable(train.Take(300).Select(s => new Words { Label = s.Label, Text = s.Text }));
        var testData = ml.Data.LoadFromEnumerable(test.Take(60).Select(s => new Words { Label = s.Label, Text = s.Text }));
        var ids = ml.Transforms.Text.NormalizeText("Norm", "Text", keepPunctuations: false)
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Norm"))
            .Append(ml.Transforms.EncodeTokens("Ids", "Tokens", maximumVocabularySize: 40))
            .Fit(data);
        OneHotSequenceEstimator OneHot(string input) => ml.Transforms.OneHotEncodeSequence(new OneHotSequenceEstimator.Options
        {
            OutputColumnName = "Features", InputColumnName = input, SequenceLength = 12, TruncateLonger = true, MaskColumnName = "Mask",
        });
        // Truncation keeps the first 12 ids on both routes (one-hot's TruncateLonger drops the end).
        var pre = ids.Append(ml.Transforms.PadSequences("Padded", "Ids", length: 12, truncation: SequenceEnd.Post).Fit(ids.Transform(data)));
        var prePrep = pre.Append(OneHot("Padded").Fit(pre.Transform(data)));
        var postPrep = ids.Append(OneHot("Ids").Fit(ids.Transform(data)));
        var preTest = prePrep.Transform(testData);
        var postTest = postPrep.Transform(testData);
        var prePadding = TestData.Vectors<bool>(preTest, "Mask");
        var postPadding = TestData.Vectors<bool>(postTest, "Mask");
        Assert.IsTrue(Enumerable.Range(0, prePadding.Length).Any(i => !prePadding[i].SequenceEqual(postPadding[i])), "the padding stands elsewhere");

        float[] Scores(SequenceTrainer trainer, IDataView scored, ITransformer model) =>
            TestData.Column(model.Transform(scored), "Score").Cast<float>().ToArray();
        var masked = ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { HiddenSize = 8, NumberOfEpochs = 2, MaskColumnName = "Mask" });
        using var maskedModel = masked.Fit(prePrep.Transform(data));
        var a = Scores(masked, preTest, maskedModel);
        var b = Scores(masked, postTest, maskedModel);
        for (int i = 0; i < a.Length; i++)
            Assert.AreEqual(a[i], b[i], 1e-5, $"row {i}: with the mask, where the padding stands does not change the score");

        // Saved and loaded (mask outputs and the trainer's mask are part format version 2), the chain scores the same.
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"mask-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.SaveSequenceModel(new TransformerChain<ITransformer>(postPrep, maskedModel), testData.Schema, path);
            using var loaded = (TransformerChain<ITransformer>)ml.Model.LoadSequenceModel(path, out _);
            var e = TestData.Column(loaded.Transform(testData), "Score").Cast<float>().ToArray();
            CollectionAssert.AreEqual(b, e, "after a save and load");
        }
        finally
        {
            System.IO.File.Delete(path);
        }

        var unmasked = ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { HiddenSize = 8, NumberOfEpochs = 2 });
        using var unmaskedModel = unmasked.Fit(prePrep.Transform(data));
        var c = Scores(unmasked, preTest, unmaskedModel);
        var d = Scores(unmasked, postTest, unmaskedModel);
        var padded = Enumerable.Range(0, c.Length).Where(i => !prePadding[i].SequenceEqual(postPadding[i])).ToList();
        int differ = padded.Count(i => Math.Abs(c[i] - d[i]) > 1e-4);
        Assert.AreEqual(padded.Count, differ, $"without it, the padding is read as steps: the score of every padded row moves ({differ} of {padded.Count} did)");
    }
}
