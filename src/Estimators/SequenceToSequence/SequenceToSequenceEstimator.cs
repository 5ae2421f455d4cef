using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.SequenceToSequence;
using MLNet.Sequence.Tagging;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Trainers.Network;
using MLNet.Sequence.Transforms.Internal;

namespace MLNet.Sequence
{
    /// <summary>
    /// Trains a sequence-to-sequence model: an output sequence for each input sequence, of its own length (letters to
    /// phonemes, a sentence to its translation). Fit reads the pairs once into memory, learns the source vocabulary (the
    /// training tokens) and the target's (the label's KeyValues when it holds keys, so the predicted keys are the
    /// label's; else the training tokens), and
    /// trains an encoder-decoder with attention by teacher forcing; the result, <see cref="SequenceToSequenceTransformer"/>,
    /// decodes greedily or by beam search.
    /// </summary>
    public sealed class SequenceToSequenceEstimator : IEstimator<SequenceToSequenceTransformer>
    {
        internal const string SourceExpected = "a vector of tokens: text (e.g. string[] or TokenizeIntoWords), or keys with their text as KeyValues (EncodeTokens, MapValueToKey, TokenizeIntoCharactersAsKeys)";
        internal const string LabelExpected = "a vector of target tokens: text, or keys with their text as KeyValues";

        private readonly IHostEnvironment _env;
        private readonly SequenceToSequenceOptions _options;

        internal SequenceToSequenceEstimator(IHostEnvironment env, SequenceToSequenceOptions options)
        {
            ArgumentNullException.ThrowIfNull(options);
            options.Validate();
            _env = env;
            _options = options;
        }

        /// <summary>The input schema plus <c>PredictedLabel</c> (a variable-size key vector) and <c>Score</c> (Single).</summary>
        /// <param name="inputSchema">The schema of the training data.</param>
        /// <returns>The output schema.</returns>
        /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type; the message names it.</exception>
        public SchemaShape GetOutputSchema(SchemaShape inputSchema)
        {
            var o = _options;
            Check(inputSchema, o.SourceColumnName, nameof(SequenceToSequenceOptions.SourceColumnName), SourceExpected);
            Check(inputSchema, o.LabelColumnName, nameof(SequenceToSequenceOptions.LabelColumnName), LabelExpected);
            var keyValues = SchemaShapeFactory.Column("KeyValues", SchemaShape.Column.VectorKind.Vector, TextDataViewType.Instance);
            return SchemaShapeFactory.With(inputSchema, new[]
            {
                SchemaShapeFactory.Column(o.PredictedLabelColumnName, SchemaShape.Column.VectorKind.VariableVector, NumberDataViewType.UInt32, true, new SchemaShape(new[] { keyValues })),
                SchemaShapeFactory.Column(o.ScoreColumnName, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single),
            });
        }

        private static void Check(SchemaShape shape, string name, string option, string expected)
        {
            var c = ColumnChecks.Find(shape, name, option, expected);
            if (!c.IsVector || !(c.IsText || c.IsKey))
                throw ColumnChecks.WrongType(c, option, expected);
        }

        /// <summary>A reader of the source column as strings (key 0, a token unseen when the keys were made, reads as unknown).</summary>
        internal static Func<DataViewRow, Func<string[]>> SourceReader(DataViewSchema schema, string name) =>
            TaggingColumns.TextVector(schema, name, nameof(SequenceToSequenceOptions.SourceColumnName), SourceExpected, "token", missing: "");

        /// <summary>A reader of the target column as strings (key 0 is an error: the target token is unknown).</summary>
        internal static Func<DataViewRow, Func<string[]>> LabelReader(DataViewSchema schema, string name) =>
            TaggingColumns.TextVector(schema, name, nameof(SequenceToSequenceOptions.LabelColumnName), LabelExpected, "target token", missing: null);

        /// <summary>Reads the pairs, learns the vocabularies and trains the encoder-decoder.</summary>
        /// <param name="input">Training pairs, one per row.</param>
        /// <returns>The trained model; dispose it when done (it owns native memory).</returns>
        /// <exception cref="InvalidOperationException">A row has an empty source, or a target longer than MaximumOutputLength; the message names the row.</exception>
        public SequenceToSequenceTransformer Fit(IDataView input)
        {
            ArgumentNullException.ThrowIfNull(input);
            var o = _options;
            using var host = new MlNetHost(_env, o.TrainerName);
            SourceReader(input.Schema, o.SourceColumnName);
            LabelReader(input.Schema, o.LabelColumnName);
            if (o.ValidationData != null)
            {
                SourceReader(o.ValidationData.Schema, o.SourceColumnName);
                LabelReader(o.ValidationData.Schema, o.LabelColumnName);
            }
            var rows = ReadPairs(input, o, "training data");
            if (rows.Count == 0)
                throw new InvalidOperationException("The training data has no rows.");
            var vocabulary = Seq2SeqVocabulary.Learn(rows.Select(r => r.Source), rows.Select(r => r.Target), TaggingColumns.KeyTagNames(input.Schema, o.LabelColumnName));
            if (vocabulary.Target.Count == 0)
                throw new InvalidOperationException(
                    $"Column '{o.LabelColumnName}' (option LabelColumnName) holds no target token in any row (and names none as keys); the model would have nothing to output.");
            int longest = rows.Max(r => r.Target.Length);
            int maxLength = o.MaximumOutputLength ?? 2 * longest + 5;
            var train = Encode(rows, vocabulary, maxLength, o, "training data");
            List<Seq2SeqPair>? valid = null;
            if (o.ValidationData != null)
            {
                valid = Encode(ReadPairs(o.ValidationData, o, "validation data"), vocabulary, maxLength, o, "validation data");
                if (valid.Count == 0)
                    throw new InvalidOperationException("Option ValidationData has no rows.");
            }

            int seed = o.Seed ?? host.NextSeed();
            var device = host.ResolveDevice();
            var config = NetworkConfigFor(o, vocabulary);
            EngineRuntime.Seed(seed);
            var engine = Seq2SeqEngine.Create(config, device);
            try
            {
                host.Info($"{o.TrainerName}: {train.Count} pairs, {train.Sum(p => (long)p.Target!.Length)} target tokens, {vocabulary.Source.Count} source and " +
                          $"{vocabulary.Target.Count} target symbols, {engine.ParameterCount} parameters, device {device}, seed {seed}.");
                var settings = new TrainingSettings
                {
                    Epochs = o.NumberOfEpochs,
                    LearningRate = o.LearningRate,
                    Optimizer = o.Optimizer,
                    WeightDecay = o.WeightDecay,
                    Schedule = o.LearningRateSchedule,
                    GradientClipNorm = o.GradientClipNorm,
                    EarlyStoppingPatience = o.EarlyStoppingPatience,
                    CancellationToken = o.CancellationToken,
                    IsCanceled = host.IsCanceled,
                    OnCancellation = o.OnCancellation,
                    Report = r =>
                    {
                        host.Info($"{o.TrainerName}: {r}");
                        o.Progress?.Report(r);
                    },
                    Log = host.Info,
                    RowsPerEpoch = train.Count,
                    BatchSize = o.BatchSize,
                    Threads = o.NumberOfThreads,
                    CheckpointPath = o.CheckpointPath != null ? System.IO.Path.GetFullPath(o.CheckpointPath) : null,
                    CheckpointEveryEpochs = o.CheckpointEveryEpochs,
                };
                if (settings.CheckpointPath != null)
                    settings.Fingerprint = Fingerprint(config, vocabulary, settings, seed, o, train, valid);
                var history = engine.Train(settings, new InMemoryBatches<Seq2SeqPair>(train, o.BatchSize, seed, p => p.Length, o.BucketByLength),
                    valid != null ? new InMemoryBatches<Seq2SeqPair>(valid, Math.Max(o.BatchSize, 64), seed, p => p.Length) : null);
                var spec = new Seq2SeqSpec(o.SourceColumnName, o.PredictedLabelColumnName, o.ScoreColumnName,
                    new Seq2SeqDecoding(o.BeamWidth, o.LengthPenalty, maxLength), o.ScoringBatchSize);
                return new SequenceToSequenceTransformer(engine, vocabulary, spec, history, share: null);
            }
            catch
            {
                engine.Release();
                throw;
            }
        }

        /// <summary>
        /// Identifies a training for its checkpoint: the network, both vocabularies, every option that changes the
        /// weights, the seed and a hash of every training and validation pair.
        /// </summary>
        private static string Fingerprint(Seq2SeqNetworkConfig config, Seq2SeqVocabulary vocabulary, TrainingSettings s, int seed,
            SequenceToSequenceOptions o, List<Seq2SeqPair> train, List<Seq2SeqPair>? valid)
        {
            static ulong HashOf(List<Seq2SeqPair>? pairs) =>
                (pairs ?? new List<Seq2SeqPair>()).Aggregate(TrainingFingerprint.EmptyHash, (h, p) => TrainingFingerprint.Fold(TrainingFingerprint.Fold(h, p.Source), p.Target));
            return TrainingFingerprint.OfRowsInMemory("sequence-to-sequence", config, new { vocabulary.Source, vocabulary.Target }, s, seed, o.BatchSize, o.BucketByLength,
                HashOf(train), train.Count, HashOf(valid), valid?.Count);
        }

        internal static Seq2SeqNetworkConfig NetworkConfigFor(SequenceToSequenceOptions o, Seq2SeqVocabulary vocabulary)
        {
            var config = new Seq2SeqNetworkConfig
            {
                Cell = o.Cell,
                SourceVocabularySize = vocabulary.Source.Count + 2,
                TargetVocabularySize = vocabulary.Target.Count + (int)Seq2SeqNetworkConfig.FirstToken,
                Dropout = o.Dropout,
                LabelSmoothing = o.LabelSmoothing,
            };
            switch (o)
            {
                case RecurrentSequenceToSequenceOptions r:
                    config.EmbeddingDimension = r.EmbeddingDimension;
                    config.HiddenSize = r.HiddenSize;
                    config.Layers = r.NumberOfLayers;
                    config.Bidirectional = r.Bidirectional;
                    break;
                case TransformerSequenceToSequenceOptions t:
                    config.EmbeddingDimension = t.ModelDimension;
                    config.HiddenSize = t.ModelDimension;
                    config.Layers = t.NumberOfLayers;
                    config.Heads = t.NumberOfHeads;
                    config.FeedForwardDimension = t.FeedForwardDimension;
                    config.Bidirectional = false;
                    break;
            }
            return config;
        }

        /// <summary>One pair as read: source and target tokens.</summary>
        private sealed record ReadPair(string[] Source, string[] Target);

        private static List<ReadPair> ReadPairs(IDataView data, SequenceToSequenceOptions o, string what)
        {
            var schema = data.Schema;
            var list = new List<ReadPair>();
            using var cursor = data.GetRowCursor(new[] { schema[o.SourceColumnName], schema[o.LabelColumnName] });
            var source = SourceReader(schema, o.SourceColumnName)(cursor);
            var target = LabelReader(schema, o.LabelColumnName)(cursor);
            while (cursor.MoveNext())
            {
                var s = source();
                if (s.Length == 0)
                    throw new InvalidOperationException(
                        $"Row {cursor.Position + 1} of the {what}: column '{o.SourceColumnName}' (option SourceColumnName) holds no token; every pair needs a source of at least one token. Filter out empty rows first.");
                list.Add(new ReadPair(s, target()));
            }
            return list;
        }

        private static List<Seq2SeqPair> Encode(List<ReadPair> rows, Seq2SeqVocabulary vocabulary, int maxLength, SequenceToSequenceOptions o, string what)
        {
            var pairs = new List<Seq2SeqPair>(rows.Count);
            for (int i = 0; i < rows.Count; i++)
            {
                var r = rows[i];
                if (r.Target.Length > maxLength)
                    throw new InvalidOperationException(
                        $"Row {i + 1} of the {what}: column '{o.LabelColumnName}' (option LabelColumnName) holds {r.Target.Length} tokens, more than option MaximumOutputLength ({maxLength}) lets the model decode; raise MaximumOutputLength or leave it null (twice the longest target, plus 5).");
                var target = new long[r.Target.Length];
                for (int t = 0; t < target.Length; t++)
                    target[t] = vocabulary.TargetId(r.Target[t]) ?? throw new InvalidOperationException(
                        $"Row {i + 1} of the {what}, token {t + 1}: target token '{r.Target[t]}' of column '{o.LabelColumnName}' is not among the {vocabulary.Target.Count} target tokens of the training data.");
                pairs.Add(new Seq2SeqPair { Source = vocabulary.SourceIds(r.Source), Target = target });
            }
            return pairs;
        }
    }

    /// <summary>How a trained model decodes: beam width (1 greedy), GNMT length penalty α, most output tokens.</summary>
    internal sealed record Seq2SeqDecoding(int BeamWidth, double LengthPenalty, int MaximumOutputLength);

    /// <summary>The columns a trained model reads and writes, how it decodes and how many rows it decodes per batch.</summary>
    internal sealed record Seq2SeqSpec(string SourceColumn, string PredictedLabelColumn, string ScoreColumn, Seq2SeqDecoding Decoding, int ScoringBatchSize);

    /// <summary>
    /// The source and target vocabularies: source token i has id i + 2 (0 padding, 1 unknown); target token i has id
    /// i + 3 (0 padding, 1 begin, 2 end) and key i + 1 in the output column.
    /// </summary>
    internal sealed class Seq2SeqVocabulary
    {
        private readonly Dictionary<string, int> _source, _target;

        public Seq2SeqVocabulary(IReadOnlyList<string> source, IReadOnlyList<string> target)
        {
            Source = source;
            Target = target;
            _source = Index(source);
            _target = Index(target);
        }

        public IReadOnlyList<string> Source { get; }
        public IReadOnlyList<string> Target { get; }

        private static Dictionary<string, int> Index(IReadOnlyList<string> tokens)
        {
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < tokens.Count; i++)
                index.TryAdd(tokens[i], i);
            return index;
        }

        /// <summary>
        /// Learns both vocabularies. The source's: the training tokens in order of first appearance (a key column's
        /// KeyValues may name far more, e.g. every character; empty tokens, keys the encoding did not know, read as
        /// unknown). The target's: a key column's KeyValues in key order, so the output keys equal the label's keys;
        /// text targets: the tokens in order of first appearance.
        /// </summary>
        public static Seq2SeqVocabulary Learn(IEnumerable<string[]> sources, IEnumerable<string[]> targets, string[]? targetKeys) =>
            new(InOrder(sources).Where(t => t.Length > 0).ToArray(), targetKeys ?? InOrder(targets).ToArray());

        private static List<string> InOrder(IEnumerable<string[]> rows)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var order = new List<string>();
            foreach (var r in rows)
                foreach (var t in r)
                    if (seen.Add(t))
                        order.Add(t);
            return order;
        }

        /// <summary>Source ids, unknown tokens as 1.</summary>
        public long[] SourceIds(string[] tokens)
        {
            var ids = new long[tokens.Length];
            for (int i = 0; i < ids.Length; i++)
                ids[i] = _source.TryGetValue(tokens[i], out int id) ? id + 2 : 1;
            return ids;
        }

        /// <summary>The network's id of a target token, or null when the target vocabulary lacks it.</summary>
        public long? TargetId(string token) => _target.TryGetValue(token, out int id) ? id + Seq2SeqNetworkConfig.FirstToken : null;
    }
}
