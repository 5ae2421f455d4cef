using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Transforms;

namespace MLNet.Sequence.Serving;

/// <summary>One review to score.</summary>
public sealed class Review
{
    /// <summary>The review's text.</summary>
    public string Text { get; set; } = "";
}

/// <summary>A labelled review of the bundled UCI sentiment sentences.</summary>
public sealed class LabelledReview
{
    /// <summary>Where the sentence comes from (amazon, imdb, yelp).</summary>
    [LoadColumn(0)] public string Source { get; set; } = "";
    /// <summary>True for a positive review.</summary>
    [LoadColumn(1)] public bool Label { get; set; }
    /// <summary>The sentence.</summary>
    [LoadColumn(2)] public string Text { get; set; } = "";
}

/// <summary>
/// Trains the sample's sentiment model once and writes it in both deployable forms: the TorchSharp chain
/// (<c>torch.zip</c>) and the same preparation followed by the exported network scored by ONNX Runtime
/// (<c>onnx.zip</c>, with <c>sentiment.onnx</c> beside it), plus the training profile the drift indicator compares with.
/// </summary>
public static class SentimentModels
{
    /// <summary>The bundled data file.</summary>
    public static string DataPath => Path.Combine(AppContext.BaseDirectory, "data", "text", "uci_sentiment_labelled_sentences.tsv");

    /// <summary>The sentences in file order.</summary>
    public static List<LabelledReview> Load(MLContext ml) =>
        ml.Data.CreateEnumerable<LabelledReview>(ml.Data.LoadFromTextFile<LabelledReview>(DataPath, separatorChar: '\t', hasHeader: true), reuseRowObject: false).ToList();

    /// <summary>The fixed split: 80% of the sentences (seeded shuffle) to train, the rest to test.</summary>
    public static (List<LabelledReview> Train, List<LabelledReview> Test) Split(MLContext ml)
    {
        var rows = Load(ml);
        var rng = new Random(1);
        var order = Enumerable.Range(0, rows.Count).Select(i => (i, key: rng.Next())).OrderBy(t => t.key).Select(t => t.i).ToList();
        int cut = rows.Count * 8 / 10;
        return (order.Take(cut).Select(i => rows[i]).ToList(), order.Skip(cut).Select(i => rows[i]).ToList());
    }

    /// <summary>Trains on the training split and writes the models to <paramref name="folder"/>.</summary>
    /// <returns>The test sentences.</returns>
    public static List<LabelledReview> Train(string folder, int epochs = 8)
    {
        Directory.CreateDirectory(folder);
        var ml = new MLContext(seed: 1);
        var (trainRows, test) = Split(ml);
        var train = ml.Data.LoadFromEnumerable(trainRows);
        var preparation = ml.Transforms.Text.NormalizeText("Norm", "Text", keepPunctuations: false)
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Norm"))
            .Append(ml.Transforms.EncodeTokens("Ids", "Tokens", minimumCount: 2))
            .Append(ml.Transforms.PadSequences("Features", "Ids", length: 32));
        var prep = preparation.Fit(train);
        var prepared = prep.Transform(train);
        using var model = ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions
        {
            EmbeddingDimension = 64, HiddenSize = 64, Bidirectional = true, Pooling = Trainers.SequencePooling.Max,
            Dropout = 0.3f, NumberOfEpochs = epochs, Seed = 1,
        }).Fit(prepared);
        var torchChain = prep.Append(model);
        ml.Model.SaveSequenceModel(torchChain, train.Schema, Path.Combine(folder, "torch.zip"));

        var onnxPath = Path.Combine(folder, "sentiment.onnx");
        ml.Model.ExportSequenceModelToOnnx(model, prepared, onnxPath);
        using var onnx = ml.Transforms.ApplyOnnxModel(onnxPath).Fit(prepared);
        ml.Model.SaveSequenceModel(prep.Append(onnx), train.Schema, Path.Combine(folder, "onnx.zip"));

        TrainingProfile.From(prep, trainRows.Select(r => r.Text)).Save(Path.Combine(folder, "profile.json"));
        return test;
    }
}

/// <summary>
/// What the training texts looked like to the model's vocabulary: the share of unknown tokens and the distribution of
/// lengths (in tokens). The server compares the texts it receives with it.
/// </summary>
public sealed class TrainingProfile
{
    /// <summary>Upper bounds (inclusive) of the length buckets; the last bucket is everything longer.</summary>
    public static readonly int[] LengthBounds = { 5, 10, 15, 20, 30 };

    /// <summary>Share of tokens outside the vocabulary.</summary>
    public double UnknownRate { get; set; }

    /// <summary>Mean number of tokens per text.</summary>
    public double MeanLength { get; set; }

    /// <summary>Share of texts in each length bucket (<see cref="LengthBounds"/>, then longer).</summary>
    public double[] LengthShares { get; set; } = Array.Empty<double>();

    /// <summary>The bucket of a text of <paramref name="length"/> tokens.</summary>
    public static int Bucket(int length)
    {
        int b = Array.FindIndex(LengthBounds, bound => length <= bound);
        return b < 0 ? LengthBounds.Length : b;
    }

    /// <summary>The profile of <paramref name="texts"/> as the fitted chain's token encoding sees them.</summary>
    public static TrainingProfile From(ITransformer chain, IEnumerable<string> texts)
    {
        var encoder = FindEncoder(chain) ?? throw new ArgumentException("The chain has no EncodeTokens step.", nameof(chain));
        long tokens = 0, unknown = 0, count = 0;
        var buckets = new long[LengthBounds.Length + 1];
        foreach (var text in texts)
        {
            var ids = encoder.Encode(text);
            tokens += ids.Length;
            unknown += ids.Count(i => i == TokenVocabulary.UnknownId);
            buckets[Bucket(ids.Length)]++;
            count++;
        }
        return new TrainingProfile
        {
            UnknownRate = tokens == 0 ? 0 : unknown / (double)tokens,
            MeanLength = count == 0 ? 0 : tokens / (double)count,
            LengthShares = buckets.Select(b => count == 0 ? 0 : b / (double)count).ToArray(),
        };
    }

    /// <summary>The chain's token encoding step, or null.</summary>
    public static TokenEncodingTransformer? FindEncoder(ITransformer chain) => chain switch
    {
        TokenEncodingTransformer t => t,
        IEnumerable<ITransformer> parts => parts.Select(FindEncoder).FirstOrDefault(e => e != null),
        _ => null,
    };

    /// <summary>Writes the profile as JSON.</summary>
    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true }));

    /// <summary>Reads a profile written by <see cref="Save"/>.</summary>
    public static TrainingProfile Read(string path) =>
        JsonSerializer.Deserialize<TrainingProfile>(File.ReadAllText(path)) ?? throw new InvalidDataException($"'{path}' holds no training profile.");
}
