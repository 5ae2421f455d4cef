using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Tests.Support;

/// <summary>
/// The training that the checkpoint tests interrupt and resume: shared, as source, by the test assembly and by
/// tests/MLNet.Sequence.TrainingChild (the process the test kills), so both train exactly the same way.
/// </summary>
public static class CheckpointRecipe
{
    public const int Epochs = 12;

    public sealed class Sentence
    {
        public bool Label { get; set; }
        public string Text { get; set; } = "";
    }

    /// <summary>The first 800 sentences of the bundled sentiment data (train) and the next 200 (test).</summary>
    public static (List<Sentence> Train, List<Sentence> Test) Data(string dataFolder)
    {
        var rows = File.ReadLines(Path.Combine(dataFolder, "text", "uci_sentiment_labelled_sentences.tsv")).Skip(1)
            .Select(l => l.Split('\t')).Select(p => new Sentence { Label = p[1] == "1", Text = p[2] }).ToList();
        var rng = new Random(1);
        var order = rows.Select((r, i) => (r, k: rng.Next())).OrderBy(t => t.k).Select(t => t.r).ToList();
        return (order.Take(800).ToList(), order.Skip(800).Take(200).ToList());
    }

    public static IEstimator<ITransformer> Preparation(MLContext ml) =>
        ml.Transforms.Text.NormalizeText("Norm", "Text", keepPunctuations: false)
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Norm"))
            .Append(ml.Transforms.EncodeTokens("Ids", "Tokens", minimumCount: 2))
            .Append(ml.Transforms.PadSequences("Features", "Ids", length: 24));

    public static LstmOptions Options(string? checkpoint, IProgress<EpochReport>? progress = null) => new()
    {
        HiddenSize = 16, EmbeddingDimension = 16, NumberOfEpochs = Epochs, Dropout = 0.2f, Seed = 7,
        ValidationFraction = 0.15, CheckpointPath = checkpoint, Progress = progress,
    };
}
