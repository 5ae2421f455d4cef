using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Tagging;
using MLNet.Sequence.Tests.Support;

namespace MLNet.Sequence.Tests.Tagging;

/// <summary>
/// The Brown news part-of-speech data (data/tagging) and the split the tagging results use: sentences shuffled with
/// System.Random(42), the first 80% for training. The majority-tag-per-word baseline (unknown words get the most
/// frequent training tag) is the floor every tagger must clear.
/// </summary>
[TestClass]
public sealed class BrownBaselineTests
{
    public static List<(string[] Words, string[] Tags)> Brown()
    {
        var sentences = new List<(string[], string[])>();
        var words = new List<string>();
        var tags = new List<string>();
        foreach (var line in File.ReadLines(TestData.PathOf("tagging/brown_news_pos.conll")).Append(""))
        {
            if (line.Length == 0)
            {
                if (words.Count > 0)
                    sentences.Add((words.ToArray(), tags.ToArray()));
                words.Clear();
                tags.Clear();
                continue;
            }
            int tab = line.IndexOf('\t');
            words.Add(line[..tab]);
            tags.Add(line[(tab + 1)..]);
        }
        return sentences;
    }

    public static (List<(string[] Words, string[] Tags)> Train, List<(string[] Words, string[] Tags)> Test) Split()
    {
        var all = Brown();
        var order = Enumerable.Range(0, all.Count).ToArray();
        new Random(42).Shuffle(order);
        int train = (int)(0.8 * all.Count);
        return (order.Take(train).Select(i => all[i]).ToList(), order.Skip(train).Select(i => all[i]).ToList());
    }

    [TestMethod]
    public void TheMajorityTagBaselineOnTheBrownSplit()
    {
        var (train, test) = Split();
        Assert.AreEqual(4623, train.Count + test.Count);
        Assert.AreEqual(100_554, train.Sum(s => s.Words.Length) + test.Sum(s => s.Words.Length));
        var counts = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        var tagCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (w, t) in train)
            for (int i = 0; i < w.Length; i++)
            {
                if (!counts.TryGetValue(w[i], out var d))
                    counts[w[i]] = d = new Dictionary<string, int>(StringComparer.Ordinal);
                d[t[i]] = d.GetValueOrDefault(t[i]) + 1;
                tagCounts[t[i]] = tagCounts.GetValueOrDefault(t[i]) + 1;
            }
        string fallback = tagCounts.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).First().Key;
        string Majority(string word) => counts.TryGetValue(word, out var d)
            ? d.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).First().Key
            : fallback;
        var predicted = test.Select(s => (IReadOnlyList<string>)s.Words.Select(Majority).ToArray()).ToList();
        var m = SequenceTaggingEvaluator.Evaluate(test.Select(s => (IReadOnlyList<string>)s.Tags).ToList(), predicted, TaggingScheme.Plain);
        int oov = 0, oovRight = 0;
        foreach (var (w, t) in test)
            for (int i = 0; i < w.Length; i++)
                if (!counts.ContainsKey(w[i]))
                {
                    oov++;
                    if (t[i] == fallback) oovRight++;
                }
        Console.WriteLine($"majority baseline: token accuracy {m.TokenAccuracy:F4} over {m.Tokens} tokens; {oov} unknown words ({(double)oov / m.Tokens:P1}), {(double)oovRight / oov:F4} right ('{fallback}'); macro F1 {m.MacroF1:F4}");
        Assert.IsTrue(m.TokenAccuracy is > 0.84 and < 0.90, $"the baseline's accuracy {m.TokenAccuracy:F4}");
    }
}
