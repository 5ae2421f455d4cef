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
public sealed class TokenEncodingTests
{
    /// <summary>Reference counts: TokenizeIntoWords splits on spaces; then lower-case, as the encoder does by default.</summary>
    private static Dictionary<string, int> ReferenceCounts(IEnumerable<string> texts) =>
        texts.SelectMany(t => t.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(t => t.ToLowerInvariant())
            .GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());

    [TestMethod]
    public void VocabularyMatchesReferenceCountsOnSentimentSentences()
    {
        var ml = new MLContext(1);
        var sentences = TestData.Sentiment();
        var data = ml.Data.LoadFromEnumerable(sentences);
        var model = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
            .Append(ml.Transforms.EncodeTokens("Ids", "Tokens", maximumVocabularySize: 1002, minimumCount: 2))
            .Fit(data);
        var vocab = ((TokenEncodingTransformer)model.LastTransformer).Vocabulary;

        var reference = ReferenceCounts(sentences.Select(s => s.Text)).Where(kv => kv.Value >= 2)
            .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(1000).ToList();
        Assert.AreEqual(1002, vocab.Count);
        Assert.AreEqual("<pad>", vocab.TokenOf(0));
        Assert.AreEqual("<unk>", vocab.TokenOf(1));
        for (int i = 0; i < reference.Count; i++)
        {
            Assert.AreEqual(reference[i].Key, vocab.TokenOf(i + 2), $"id {i + 2}");
            Assert.AreEqual(reference[i].Value, vocab.CountOf(i + 2), $"count of '{reference[i].Key}'");
        }
        Assert.AreEqual("the", vocab.TokenOf(2), "the most frequent word of the reviews");
    }

    [TestMethod]
    public void IdsMapBackToTokensWithMapKeyToValue()
    {
        var ml = new MLContext(1);
        var sentences = TestData.Sentiment();
        var data = ml.Data.LoadFromEnumerable(sentences);
        var model = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
            .Append(ml.Transforms.EncodeTokens("Ids", "Tokens", maximumVocabularySize: 500))
            .Append(ml.Transforms.Conversion.MapKeyToValue("Back", "Ids"))
            .Fit(data);
        var output = model.Transform(data);
        var ids = TestData.Vectors<uint>(output, "Ids");
        var back = TestData.Vectors<string>(output, "Back");
        var vocab = ((TokenEncodingTransformer)model.ToList()[1]).Vocabulary;
        var known = new HashSet<string>(vocab.Tokens.Skip(2));
        int unknown = 0;
        for (int r = 0; r < sentences.Count; r++)
        {
            var tokens = sentences[r].Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(t => t.ToLowerInvariant()).ToArray();
            Assert.HasCount(tokens.Length, ids[r]);
            for (int i = 0; i < tokens.Length; i++)
            {
                if (known.Contains(tokens[i]))
                {
                    Assert.AreEqual(tokens[i], back[r][i]);
                    Assert.AreEqual((uint)vocab.IdOf(tokens[i]), ids[r][i]);
                }
                else
                {
                    Assert.AreEqual((uint)TokenVocabulary.UnknownId, ids[r][i], $"'{tokens[i]}' is out of vocabulary");
                    Assert.AreEqual("<unk>", back[r][i]);
                    unknown++;
                }
            }
        }
        Assert.IsGreaterThan(0, unknown, "a 500-id vocabulary leaves rare words unknown");
        var type = (VectorDataViewType)output.Schema["Ids"].Type;
        Assert.AreEqual(499UL, ((KeyDataViewType)type.ItemType).Count, "keys 1..499 are ids 1..499; 0 is padding");
    }

    [TestMethod]
    public void EncodeThenPadSentimentSentences()
    {
        var ml = new MLContext(1);
        var sentences = TestData.Sentiment();
        var data = ml.Data.LoadFromEnumerable(sentences);
        var model = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
            .Append(ml.Transforms.EncodeTokens("Ids", "Tokens"))
            .Append(ml.Transforms.PadSequences(new PadSequencesEstimator.Options
            {
                OutputColumnName = "Padded", InputColumnName = "Ids", LengthPercentile = 95, LengthColumnName = "Length",
            }))
            .Fit(data);
        var pad = (PadSequencesTransformer)model.LastTransformer;
        var lengths = sentences.Select(s => s.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length).OrderBy(x => x).ToList();
        Assert.AreEqual(lengths[(int)Math.Ceiling(0.95 * lengths.Count) - 1], pad.Length, "95th percentile of the token counts");
        var output = model.Transform(data);
        var padded = TestData.Vectors<uint>(output, "Padded");
        var ids = TestData.Vectors<uint>(output, "Ids");
        var len = TestData.Column(output, "Length").Cast<int>().ToArray();
        for (int r = 0; r < ids.Length; r++)
        {
            Assert.HasCount(pad.Length, padded[r]);
            int keep = Math.Min(ids[r].Length, pad.Length);
            Assert.AreEqual(keep, len[r]);
            // pre padding, pre truncation: the last `keep` ids, right-aligned
            CollectionAssert.AreEqual(ids[r].Skip(ids[r].Length - keep).ToArray(), padded[r].Skip(pad.Length - keep).ToArray());
            Assert.IsTrue(padded[r].Take(pad.Length - keep).All(x => x == 0));
        }
        // The padded keys keep the vocabulary, so they map back to tokens too.
        Assert.IsTrue(output.Schema["Padded"].Annotations.Schema.GetColumnOrNull("KeyValues").HasValue);
    }

    [TestMethod]
    public void RawTextIsSplitIntoWords()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(TestData.Sentiment());
        var t = ml.Transforms.EncodeTokens("Ids", "Text").Fit(data);
        var ids = t.Encode("Great phone, GREAT price!");
        Assert.HasCount(4, ids);
        Assert.AreEqual(ids[0], ids[2], "case is folded");
        CollectionAssert.AreEqual(new[] { "great", "phone", "great", "price" }, t.Decode(ids));
    }

    [TestMethod]
    public void SubwordTiktokenRoundTripsText()
    {
        var ml = new MLContext(1);
        var sentences = TestData.Sentiment();
        var data = ml.Data.LoadFromEnumerable(sentences);
        var t = ml.Transforms.EncodeTokens(new TokenEncodingEstimator.Options
        {
            OutputColumnName = "Ids", InputColumnName = "Text", LowerCase = false, SubwordTokenizer = SubwordTokenizer.Tiktoken("r50k_base"),
        }).Fit(data);
        // Every subword of the training text is in the vocabulary, so decoding gives the text back exactly.
        foreach (var s in sentences.Take(50))
            Assert.AreEqual(s.Text, string.Concat(t.Decode(t.Encode(s.Text))));
        Assert.IsLessThan(sentences.SelectMany(s => s.Text.Split(' ')).Distinct().Count(), t.Vocabulary.Count, "subwords need fewer ids than words");

        var path = System.IO.Path.GetTempFileName();
        try
        {
            ml.Model.SaveSequenceModel(t, data.Schema, path);
            var loaded = ml.Model.LoadSequenceModel(path, out _);
            TestData.AssertSameColumns(t.Transform(data), loaded.Transform(data), new[] { "Ids" });
        }
        finally { System.IO.File.Delete(path); }
    }

    [TestMethod]
    public void ContractWithTokenizerPrefix()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(TestData.Sentiment());
        var prefix = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text").Fit(data);
        EstimatorContract.Verify(ml, new EstimatorContract.Case<TokenEncodingTransformer>
        {
            Estimator = ml.Transforms.EncodeTokens("Ids", "Tokens", maximumVocabularySize: 3000),
            Prefix = prefix,
            Train = data,
            OutputColumns = new[] { "Ids" },
            BadInputs = new List<(string, IDataView, string)>
            {
                ("numeric column", ml.Data.LoadFromEnumerable(new[] { new { Tokens = 1f } }), "'Tokens'"),
                ("missing column", ml.Data.LoadFromEnumerable(new[] { new { Other = "x" } }), "'Tokens'"),
            },
        });
    }

    [TestMethod]
    public void BadOptionsAreRejected()
    {
        var ml = new MLContext(1);
        Assert.Contains("MaximumVocabularySize", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.EncodeTokens("Ids", "T", maximumVocabularySize: 2)).Message);
        Assert.Contains("MinimumCount", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.EncodeTokens("Ids", "T", minimumCount: 0)).Message);
        var data = ml.Data.LoadFromEnumerable(TestData.Sentiment().Take(10));
        var tokens = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text").Fit(data).Transform(data);
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.EncodeTokens(new TokenEncodingEstimator.Options
        {
            OutputColumnName = "Ids", InputColumnName = "Tokens", SubwordTokenizer = SubwordTokenizer.Tiktoken("r50k_base"),
        }).Fit(tokens));
        Assert.Contains("SubwordTokenizer", e.Message);
    }
}

[TestClass]
public sealed class BpeTokenizerTests
{
    private sealed class Line
    {
        public string Text { get; set; } = "";
    }

    [TestMethod]
    public void BpeFilesAreAppliedAndStoredWithTheModel()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new Line { Text = "lower newest" }, new Line { Text = "low new lowest" } });
        var t = ml.Transforms.EncodeTokens(new TokenEncodingEstimator.Options
        {
            OutputColumnName = "Ids", InputColumnName = "Text", LowerCase = false,
            SubwordTokenizer = SubwordTokenizer.Bpe(TestData.PathOf("tokenizers/vocab.json"), TestData.PathOf("tokenizers/merges.txt")),
        }).Fit(data);
        // The merges make whole words of lower, newest, low, new; "lowest" splits into low + est.
        CollectionAssert.AreEquivalent(new[] { "low", "new", "lower", "newest", "est" }, t.Vocabulary.Tokens.Skip(2).ToArray());
        CollectionAssert.AreEqual(new[] { "low", "est" }, t.Decode(t.Encode("lowest")));
        Assert.AreEqual(TokenVocabulary.UnknownId, t.Encode("tide")[0], "subwords never seen at Fit are unknown");

        // The vocabulary and merges travel inside the model file: the loaded model needs neither file.
        var path = System.IO.Path.GetTempFileName();
        try
        {
            ml.Model.SaveSequenceModel(t, data.Schema, path);
            var loaded = ml.Model.LoadSequenceModel(path, out _);
            TestData.AssertSameColumns(t.Transform(data), loaded.Transform(data), new[] { "Ids" });
        }
        finally { System.IO.File.Delete(path); }
    }
}
