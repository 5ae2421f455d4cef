using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Tagging;

namespace MLNet.Sequence.Tests.Tagging;

/// <summary>
/// The tagging evaluator on cases worked by hand from the published rules. Chunk rules: conlleval.pl (CoNLL-2000 shared
/// task, version 2004-01-26), functions startOfChunk and endOfChunk; S rules for IOBES: seqeval (Nakayama 2018),
/// start_of_chunk and end_of_chunk; scheme definitions: Tjong Kim Sang and Veenstra, "Representing text chunks", EACL 1999.
/// </summary>
[TestClass]
public sealed class SequenceTaggingEvaluatorTests
{
    private static IReadOnlyList<string> S(string tags) => tags.Split(' ');

    private static IReadOnlyList<(string Type, int First, int Last)> Chunks(string tags, TaggingScheme scheme) =>
        SequenceTaggingEvaluator.Chunks(S(tags), scheme).Select(c => (c.Type, c.First, c.Last)).ToList();

    [TestMethod]
    public void Iob2CountsTokensAndChunksAsConllevalDoes()
    {
        var m = SequenceTaggingEvaluator.Evaluate(new[] { S("B-PER I-PER O B-LOC") }, new[] { S("B-PER I-PER O B-ORG") }, TaggingScheme.Iob2);
        // Gold chunks PER[0,1] and LOC[3,3]; predicted PER[0,1] and ORG[3,3]: one of two right either way.
        Assert.AreEqual(0.75, m.TokenAccuracy, 1e-12);
        Assert.AreEqual(2, m.Entities.Support);
        Assert.AreEqual(2, m.Entities.Predicted);
        Assert.AreEqual(1, m.Entities.Correct);
        Assert.AreEqual(0.5, m.Entities.Precision, 1e-12);
        Assert.AreEqual(0.5, m.Entities.Recall, 1e-12);
        Assert.AreEqual(0.5, m.Entities.F1, 1e-12);
        CollectionAssert.AreEqual(new[] { "LOC", "ORG", "PER" }, m.PerEntityType.Select(t => t.Name).ToArray());
        var loc = m.PerEntityType[0];
        Assert.AreEqual((0.0, 0.0, 1, 0), (loc.Precision, loc.Recall, loc.Support, loc.Predicted));
        // Token level, per tag: B-LOC is never predicted, B-ORG never gold; the others are all right.
        var perTag = m.PerTag.ToDictionary(t => t.Name);
        Assert.AreEqual((1.0, 1.0), (perTag["B-PER"].Precision, perTag["B-PER"].Recall));
        Assert.AreEqual((0.0, 0.0, 1), (perTag["B-LOC"].Precision, perTag["B-LOC"].Recall, perTag["B-LOC"].Support));
        Assert.AreEqual(3.0 / 5, m.MacroF1, 1e-12, "five tags (B-LOC, B-ORG, B-PER, I-PER, O): F1 1, 1, 1 for three, 0 for two");
        Assert.AreEqual(m.TokenAccuracy, m.MicroF1, 1e-12);
        // conlleval's report, as the script prints it.
        Assert.AreEqual(
            "processed 4 tokens with 2 phrases; found: 2 phrases; correct: 1.\n" +
            "accuracy:  75.00%; precision:  50.00%; recall:  50.00%; FB1:  50.00\n" +
            "              LOC: precision:   0.00%; recall:   0.00%; FB1:   0.00  0\n" +
            "              ORG: precision:   0.00%; recall:   0.00%; FB1:   0.00  1\n" +
            "              PER: precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n",
            m.ToConllReport());
    }

    [TestMethod]
    public void LenientReadingFollowsConllevalsStartAndEndRules()
    {
        // startOfChunk: O followed by I starts a chunk, so "O I-PER I-PER" holds the chunk PER[1,2].
        CollectionAssert.AreEqual(new[] { ("PER", 1, 2) }, Chunks("O I-PER I-PER O", TaggingScheme.Iob2).ToArray());
        var m = SequenceTaggingEvaluator.Evaluate(new[] { S("O B-PER I-PER O") }, new[] { S("O I-PER I-PER O") }, TaggingScheme.Iob2);
        Assert.AreEqual(1.0, m.Entities.F1, 1e-12, "lenient: the predicted chunk is the gold chunk");
        // endOfChunk/startOfChunk on a type change: "prevType ne type" ends and starts a chunk.
        CollectionAssert.AreEqual(new[] { ("PER", 0, 0), ("LOC", 1, 1) }, Chunks("B-PER I-LOC", TaggingScheme.Iob2).ToArray());
        // B after B: a new chunk.
        CollectionAssert.AreEqual(new[] { ("PER", 0, 0), ("PER", 1, 1) }, Chunks("B-PER B-PER", TaggingScheme.Iob2).ToArray());
        // IOB1: I-X after O starts, B-X separates two adjacent chunks of one type.
        CollectionAssert.AreEqual(new[] { ("PER", 0, 1), ("PER", 2, 2) }, Chunks("I-PER I-PER B-PER O", TaggingScheme.Iob1).ToArray());
        // IOE2: E after E ends one chunk and starts another (endOfChunk E,E and startOfChunk E,E).
        CollectionAssert.AreEqual(new[] { ("LOC", 0, 1), ("LOC", 2, 2) }, Chunks("I-LOC E-LOC E-LOC O", TaggingScheme.Ioe2).ToArray());
        // IOE1: I after E (same type) ends and starts (E,I in both rules).
        CollectionAssert.AreEqual(new[] { ("X", 0, 1), ("X", 2, 2) }, Chunks("I-X E-X I-X O", TaggingScheme.Ioe1).ToArray());
        // IOBES: seqeval's S rules keep adjacent one-token chunks apart (conlleval alone would merge S-PER S-PER).
        CollectionAssert.AreEqual(new[] { ("PER", 0, 0), ("PER", 1, 1), ("LOC", 2, 3) }, Chunks("S-PER S-PER B-LOC E-LOC O", TaggingScheme.Iobes).ToArray());
        // A chunk always ends after E in IOBES, even before B of its own type.
        CollectionAssert.AreEqual(new[] { ("X", 0, 1), ("X", 2, 3) }, Chunks("B-X E-X B-X E-X", TaggingScheme.Iobes).ToArray());
    }

    [TestMethod]
    public void ASentenceEndClosesEveryChunk()
    {
        // conlleval reads the blank line between sentences as O: "B-PER" then, next sentence, "I-PER" are two chunks.
        var m = SequenceTaggingEvaluator.Evaluate(new[] { S("O B-PER"), S("I-PER O") }, new[] { S("O B-PER"), S("I-PER O") }, TaggingScheme.Iob2);
        Assert.AreEqual(2, m.Entities.Support);
        Assert.AreEqual(2, m.Sentences);
    }

    [TestMethod]
    public void StrictModeRejectsInvalidTransitionsNamingTheToken()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() =>
            SequenceTaggingEvaluator.Evaluate(new[] { S("O B-PER I-PER O") }, new[] { S("O I-PER I-PER O") }, TaggingScheme.Iob2, strict: true));
        StringAssert.Contains(e.Message, "Sentence 1, token 2");
        StringAssert.Contains(e.Message, "predicted");
        StringAssert.Contains(e.Message, "'I-PER'");
        // Valid sequences of each scheme pass.
        SequenceTaggingEvaluator.Evaluate(new[] { S("I-X I-X B-X O") }, new[] { S("I-X I-X B-X O") }, TaggingScheme.Iob1, strict: true);
        SequenceTaggingEvaluator.Evaluate(new[] { S("I-X E-X I-X O") }, new[] { S("I-X E-X I-X O") }, TaggingScheme.Ioe1, strict: true);
        SequenceTaggingEvaluator.Evaluate(new[] { S("I-X E-X E-X O") }, new[] { S("I-X E-X E-X O") }, TaggingScheme.Ioe2, strict: true);
        SequenceTaggingEvaluator.Evaluate(new[] { S("B-X I-X E-X S-Y O") }, new[] { S("B-X I-X E-X S-Y O") }, TaggingScheme.Iobes, strict: true);
        // Invalid ones are refused: B-X at an IOB1 sentence start, E-X ending an IOE1 sentence, I-X ending an IOE2 one, B-X then O in IOBES.
        foreach (var (tags, scheme) in new[] { ("B-X I-X", TaggingScheme.Iob1), ("I-X E-X", TaggingScheme.Ioe1), ("I-X I-X", TaggingScheme.Ioe2), ("B-X O", TaggingScheme.Iobes) })
            Assert.ThrowsExactly<ArgumentException>(() => SequenceTaggingEvaluator.Evaluate(new[] { S(tags) }, new[] { S(tags) }, scheme, strict: true), $"{scheme}: {tags}");
    }

    [TestMethod]
    public void BadInputIsNamed()
    {
        var e1 = Assert.ThrowsExactly<ArgumentException>(() => SequenceTaggingEvaluator.Evaluate(new[] { S("B-PER O") }, new[] { S("S-PER O") }, TaggingScheme.Iob2));
        StringAssert.Contains(e1.Message, "'S-PER'");
        StringAssert.Contains(e1.Message, "Iob2");
        var e2 = Assert.ThrowsExactly<ArgumentException>(() => SequenceTaggingEvaluator.Evaluate(new[] { S("B-PER O") }, new[] { S("B-PER") }, TaggingScheme.Iob2));
        StringAssert.Contains(e2.Message, "Sentence 1 has 2 gold tags and 1 predicted");
        Assert.ThrowsExactly<ArgumentException>(() => SequenceTaggingEvaluator.Evaluate(new[] { S("B-PER") }, Array.Empty<IReadOnlyList<string>>()));
        Assert.ThrowsExactly<ArgumentException>(() => SequenceTaggingEvaluator.Evaluate(new[] { new[] { "B-PER", "" } }, new[] { new[] { "B-PER", "O" } }));
    }

    [TestMethod]
    public void PlainTagsGiveTokenMetricsOnly()
    {
        // Gold DT NN VB DT NN; predicted DT NN NN DT VB: DT 2/2, NN 1 right of 2 predicted and 2 gold, VB 0.
        var m = SequenceTaggingEvaluator.Evaluate(new[] { S("DT NN VB DT NN") }, new[] { S("DT NN NN DT VB") }, TaggingScheme.Plain);
        Assert.AreEqual(0.6, m.TokenAccuracy, 1e-12);
        var t = m.PerTag.ToDictionary(x => x.Name);
        Assert.AreEqual((1.0, 1.0, 2), (t["DT"].Precision, t["DT"].Recall, t["DT"].Support));
        Assert.AreEqual((0.5, 0.5), (t["NN"].Precision, t["NN"].Recall));
        Assert.AreEqual((0.0, 0.0), (t["VB"].Precision, t["VB"].Recall));
        Assert.AreEqual((1 + 0.5 + 0) / 3, m.MacroF1, 1e-12);
        Assert.AreEqual(0, m.PerEntityType.Count);
        Assert.AreEqual(0, m.Entities.Support);
    }

    public sealed class Tagged
    {
        public string[] Label { get; set; } = Array.Empty<string>();
        public string[] PredictedLabel { get; set; } = Array.Empty<string>();
    }

    [TestMethod]
    public void TheCatalogEvaluatesTextAndKeyColumns()
    {
        var ml = new Microsoft.ML.MLContext(1);
        var rows = new[]
        {
            new Tagged { Label = new[] { "B-PER", "I-PER", "O", "B-LOC" }, PredictedLabel = new[] { "B-PER", "I-PER", "O", "B-ORG" } },
        };
        var data = ml.Data.LoadFromEnumerable(rows);
        var text = ml.SequenceTagging.Evaluate(data, scheme: TaggingScheme.Iob2);
        Assert.AreEqual(0.75, text.TokenAccuracy, 1e-12);
        Assert.AreEqual(0.5, text.Entities.F1, 1e-12);
        // The same as keys (MapValueToKey over both columns' tags): the names come back from KeyValues.
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
        var both = ml.Transforms.Conversion.MapValueToKey("PredictedLabel", keyData: ml.Data.LoadFromEnumerable(
            new[] { "B-PER", "I-PER", "O", "B-ORG", "B-LOC" }.Select(t => new { PredictedLabel = t }))).Fit(keyed).Transform(keyed);
        var k = ml.SequenceTagging.Evaluate(both, scheme: TaggingScheme.Iob2);
        Assert.AreEqual(text.ToConllReport(), k.ToConllReport());
        // A predicted tag outside the key set is an unknown tag, named with its row and column.
        var unknown = ml.Transforms.Conversion.MapValueToKey("PredictedLabel", keyData: ml.Data.LoadFromEnumerable(
            new[] { "B-PER", "I-PER", "O" }.Select(t => new { PredictedLabel = t }))).Fit(keyed).Transform(keyed);
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.SequenceTagging.Evaluate(unknown));
        StringAssert.Contains(e.Message, "Row 1, token 4");
        StringAssert.Contains(e.Message, "'PredictedLabel'");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.SequenceTagging.Evaluate(data, labelColumnName: "Tags")).Message, "'Tags'");
    }
}
