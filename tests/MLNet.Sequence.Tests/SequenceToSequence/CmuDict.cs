using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace MLNet.Sequence.Tests.SequenceToSequence;

/// <summary>
/// The grapheme-to-phoneme protocol on the CMU Pronouncing Dictionary (data/seq2seq/cmudict.dict): `# comments`
/// stripped; `word(2)` lines are alternate pronunciations of `word`; only words of letters and apostrophes; stress
/// digits removed (39 phonemes); a word is in the test tenth when the 32-bit FNV-1a hash of its UTF-8 bytes is 0 mod 10.
/// </summary>
internal static class CmuDict
{
    internal sealed record Entry(string Word, List<string[]> Pronunciations);

    public static List<Entry> Load(string path)
    {
        var byWord = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var order = new List<Entry>();
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Split('#')[0].Trim();
            if (line.Length == 0)
                continue;
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var word = fields[0];
            int paren = word.IndexOf('(');
            if (paren > 0 && word.EndsWith(')'))
                word = word[..paren];
            if (!word.All(c => c is >= 'a' and <= 'z' or '\''))
                continue;
            var phones = fields.Skip(1).Select(p => p.TrimEnd('0', '1', '2')).ToArray();
            if (!byWord.TryGetValue(word, out var entry))
            {
                byWord[word] = entry = new Entry(word, new List<string[]>());
                order.Add(entry);
            }
            if (!entry.Pronunciations.Any(p => p.SequenceEqual(phones)))
                entry.Pronunciations.Add(phones);
        }
        return order;
    }

    public static uint Fnv1a(string word)
    {
        uint h = 2166136261;
        foreach (var b in Encoding.UTF8.GetBytes(word))
            h = (h ^ b) * 16777619;
        return h;
    }

    public static bool IsTest(string word) => Fnv1a(word) % 10 == 0;
}
