using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.Tagging;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Trainers.Network;
using MLNet.Sequence.Transforms.Internal;

namespace MLNet.Sequence
{
    /// <summary>
    /// Trains a sequence tagger: one tag per token (part of speech, named entities, chunks). Fit reads the sentences
    /// once into memory, learns the word and character vocabularies and the tag set, then trains the network; the
    /// result, <see cref="SequenceTaggingTransformer"/>, adds the predicted tags and their probabilities.
    /// </summary>
    public sealed class SequenceTaggerEstimator : IEstimator<SequenceTaggingTransformer>
    {
        private readonly IHostEnvironment _env;
        private readonly SequenceTaggerOptions _options;

        internal SequenceTaggerEstimator(IHostEnvironment env, SequenceTaggerOptions options)
        {
            ArgumentNullException.ThrowIfNull(options);
            options.Validate();
            _env = env;
            _options = options;
        }

        /// <summary>The input schema plus <c>PredictedLabel</c> (a key vector) and <c>Score</c> (a Single vector), both one value per token.</summary>
        /// <param name="inputSchema">The schema of the training data.</param>
        /// <returns>The output schema.</returns>
        /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type; the message names it.</exception>
        public SchemaShape GetOutputSchema(SchemaShape inputSchema)
        {
            var o = _options;
            TaggingColumns.CheckTokens(inputSchema, o.TokensColumnName);
            TaggingColumns.CheckLabel(inputSchema, o.LabelColumnName);
            foreach (var extra in o.ExtraFeatureColumnNames)
                TaggingColumns.CheckExtra(inputSchema, extra);
            var text = TextDataViewType.Instance;
            var keyValues = SchemaShapeFactory.Column("KeyValues", SchemaShape.Column.VectorKind.Vector, text);
            return SchemaShapeFactory.With(inputSchema, new[]
            {
                SchemaShapeFactory.Column(o.PredictedLabelColumnName, SchemaShape.Column.VectorKind.VariableVector, NumberDataViewType.UInt32, true, new SchemaShape(new[] { keyValues })),
                SchemaShapeFactory.Column(o.ScoreColumnName, SchemaShape.Column.VectorKind.VariableVector, NumberDataViewType.Single),
            });
        }

        /// <summary>Reads the sentences, learns the vocabularies and the tags, and trains the tagger.</summary>
        /// <param name="input">Training sentences, one per row.</param>
        /// <returns>The trained tagger; dispose it when done (it owns native memory).</returns>
        public SequenceTaggingTransformer Fit(IDataView input)
        {
            ArgumentNullException.ThrowIfNull(input);
            var o = _options;
            using var host = new MlNetHost(_env, o.TrainerName);
            // Column checks first (wrong names and types are named before any data is read).
            var schema = input.Schema;
            TaggingColumns.Tokens(schema, o.TokensColumnName);
            TaggingColumns.Tags(schema, o.LabelColumnName);
            foreach (var extra in o.ExtraFeatureColumnNames)
                TaggingColumns.Extra(schema, extra);
            if (o.ValidationData != null)
            {
                TaggingColumns.Tokens(o.ValidationData.Schema, o.TokensColumnName);
                TaggingColumns.Tags(o.ValidationData.Schema, o.LabelColumnName);
            }

            var rows = ReadSentences(input, o, "training data");
            if (rows.Count == 0)
                throw new InvalidOperationException("The training data has no rows.");
            var tagNames = TaggingColumns.KeyTagNames(schema, o.LabelColumnName) ?? TagsInOrder(rows);
            var tagIds = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < tagNames.Length; i++)
                tagIds.TryAdd(tagNames[i], i);
            if (o.UseCrf && tagNames.Length == 0)
                throw new ArgumentException($"Option UseCrf: column '{o.LabelColumnName}' (option LabelColumnName) names no tag, so the CRF would have an empty tag set.", nameof(SequenceTaggerOptions.LabelColumnName));
            int[] extraWidths = ExtraWidths(rows, o);
            bool characters = o.UseCharacterFeatures;
            var featurizer = TokenFeaturizer.Learn(rows.Select(r => r.Tokens), o.MinimumWordCount, o.LowercaseWords, characters, o.UseCasingFeatures, o.MaximumCharactersPerToken);
            var train = rows.Select((r, i) => Encode(r, i, featurizer, tagIds, extraWidths, o, "training data")).ToList();
            List<TaggedSentence>? valid = null;
            if (o.ValidationData != null)
            {
                var vrows = ReadSentences(o.ValidationData, o, "validation data");
                valid = vrows.Select((r, i) => Encode(r, i, featurizer, tagIds, extraWidths, o, "validation data")).ToList();
                if (valid.Count == 0)
                    throw new InvalidOperationException("Option ValidationData has no rows.");
            }

            int seed = o.Seed ?? host.NextSeed();
            var device = host.ResolveDevice();
            var config = NetworkConfigFor(o, featurizer, tagNames, extraWidths.Sum(), rows.Max(r => r.Tokens.Length));
            EngineRuntime.Seed(seed);
            var engine = TaggingEngine.Create(config, device);
            try
            {
                long tokens = train.Sum(s => (long)s.Length);
                host.Info($"{o.TrainerName}: {train.Count} sentences, {tokens} tokens, {tagNames.Length} tags, {featurizer.Words.Count} known words" +
                          $"{(featurizer.Characters != null ? $", {featurizer.Characters.Count} characters" : "")}, {engine.ParameterCount} parameters, device {device}, seed {seed}.");
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
                {
                    static ulong HashOf(List<TaggedSentence>? rows) => (rows ?? new List<TaggedSentence>()).Aggregate(TrainingFingerprint.EmptyHash, (h, r) =>
                    {
                        h = TrainingFingerprint.Fold(TrainingFingerprint.Fold(TrainingFingerprint.Fold(TrainingFingerprint.Fold(h, r.Words), r.Casing), r.Extra), r.Tags);
                        foreach (var c in r.Characters ?? Array.Empty<int[]>())
                            h = TrainingFingerprint.Fold(h, c);
                        return h;
                    });
                    settings.Fingerprint = TrainingFingerprint.OfRowsInMemory("tagging", config, new { featurizer.Words, featurizer.Characters, Tags = tagNames }, settings, seed,
                        o.BatchSize, o.BucketByLength, HashOf(train), train.Count, HashOf(valid), valid?.Count);
                }
                var history = engine.Train(settings, new InMemoryBatches<TaggedSentence>(train, o.BatchSize, seed, s => s.Length, o.BucketByLength),
                    valid != null ? new InMemoryBatches<TaggedSentence>(valid, Math.Max(o.BatchSize, 64), seed, s => s.Length) : null);
                var spec = new TaggerSpec(o.TokensColumnName, o.ExtraFeatureColumnNames.ToArray(), extraWidths, o.PredictedLabelColumnName, o.ScoreColumnName);
                return new SequenceTaggingTransformer(engine, featurizer, spec, history, o.ScoringBatchSize);
            }
            catch
            {
                engine.Release();
                throw;
            }
        }

        internal static TaggingNetworkConfig NetworkConfigFor(SequenceTaggerOptions o, TokenFeaturizer featurizer, string[] tagNames, int extraFeatures, int longest)
        {
            var config = new TaggingNetworkConfig
            {
                Encoder = o.Encoder,
                WordVocabularySize = featurizer.WordVocabularySize,
                WordEmbeddingDimension = o.WordEmbeddingDimension,
                CharacterVocabularySize = featurizer.CharacterVocabularySize,
                CharacterEmbeddingDimension = o.CharacterEmbeddingDimension,
                CharacterFilters = o.CharacterFilters,
                CharacterEncoder = o.CharacterEncoder,
                MaxCharacters = o.MaximumCharactersPerToken,
                CasingClasses = o.UseCasingFeatures ? TokenFeaturizer.CasingClasses : 0,
                ExtraFeatures = extraFeatures,
                Dropout = o.Dropout,
                WordDropout = o.WordDropout,
                MaxLength = Math.Max(256, longest),
                Tags = tagNames.Length,
                TagNames = tagNames,
                Crf = o.UseCrf,
                Transitions = o.CrfConstraints switch
                {
                    Tagging.TaggingScheme.Iob2 => TagTransitionRules.Iob2,
                    Tagging.TaggingScheme.Iobes => TagTransitionRules.Iobes,
                    _ => TagTransitionRules.None,
                },
            };
            switch (o)
            {
                case RecurrentTaggerOptions r:
                    config.HiddenSize = r.HiddenSize; config.Layers = r.NumberOfLayers; config.Bidirectional = r.Bidirectional;
                    break;
                case TransformerTaggerOptions t:
                    config.HiddenSize = t.ModelDimension; config.Layers = t.NumberOfLayers; config.Heads = t.NumberOfHeads; config.FeedForwardDimension = t.FeedForwardDimension;
                    break;
                case CnnTaggerOptions c:
                    config.HiddenSize = c.Channels; config.Layers = c.NumberOfLayers; config.KernelSize = c.KernelSize;
                    break;
            }
            if (o.UseCrf && o.CrfConstraints != Tagging.TaggingScheme.Plain)
            {
                foreach (var tag in tagNames)
                {
                    bool prefixed = tag.Length > 2 && tag[1] == '-';
                    bool allowed = o.CrfConstraints == Tagging.TaggingScheme.Iob2 ? tag[0] is 'B' or 'I' : tag[0] is 'B' or 'I' or 'E' or 'S';
                    if (prefixed ? !allowed : tag != "O")
                        throw new ArgumentException(
                            $"Option CrfConstraints = {o.CrfConstraints}: tag '{tag}' of column '{o.LabelColumnName}' is not a {o.CrfConstraints} tag (expected O or {(o.CrfConstraints == Tagging.TaggingScheme.Iob2 ? "B-X, I-X" : "B-X, I-X, E-X, S-X")}).",
                            nameof(SequenceTaggerOptions.CrfConstraints));
                }
            }
            return config;
        }

        /// <summary>One sentence as read: tokens, tags, extra feature values per column.</summary>
        private sealed record ReadSentence(string[] Tokens, string[] Tags, float[][] Extra);

        private static List<ReadSentence> ReadSentences(IDataView data, SequenceTaggerOptions o, string what)
        {
            var schema = data.Schema;
            var needed = new[] { o.TokensColumnName, o.LabelColumnName }.Concat(o.ExtraFeatureColumnNames).Distinct().Select(n => schema[n]);
            var list = new List<ReadSentence>();
            using var cursor = data.GetRowCursor(needed);
            var tokens = TaggingColumns.Tokens(schema, o.TokensColumnName)(cursor);
            var tags = TaggingColumns.Tags(schema, o.LabelColumnName)(cursor);
            var extras = o.ExtraFeatureColumnNames.Select(n => TaggingColumns.Extra(schema, n)(cursor)).ToArray();
            while (cursor.MoveNext())
            {
                var t = tokens();
                var g = tags();
                long row = cursor.Position + 1;
                if (t.Length == 0)
                    throw new InvalidOperationException(
                        $"Row {row} of the {what}: column '{o.TokensColumnName}' (option TokensColumnName) holds no token; every training sentence needs at least one. Filter out empty rows first.");
                if (g.Length != t.Length)
                    throw new InvalidOperationException(
                        $"Row {row} of the {what}: column '{o.LabelColumnName}' (option LabelColumnName) holds {g.Length} tags for the {t.Length} tokens of column '{o.TokensColumnName}'; give one tag per token.");
                list.Add(new ReadSentence(t, g, extras.Select(e => e()).ToArray()));
            }
            return list;
        }

        /// <summary>Tags in order of first appearance (as MapValueToKey orders them).</summary>
        private static string[] TagsInOrder(IEnumerable<ReadSentence> rows)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var order = new List<string>();
            foreach (var r in rows)
                foreach (var t in r.Tags)
                    if (seen.Add(t))
                        order.Add(t);
            return order.ToArray();
        }

        /// <summary>Features per token of each extra column, from the first row; every row must agree.</summary>
        private static int[] ExtraWidths(List<ReadSentence> rows, SequenceTaggerOptions o)
        {
            var widths = new int[o.ExtraFeatureColumnNames.Length];
            for (int c = 0; c < widths.Length; c++)
            {
                var first = rows[0];
                if (first.Extra[c].Length == 0 || first.Extra[c].Length % first.Tokens.Length != 0)
                    throw new InvalidOperationException(
                        $"Row 1: column '{o.ExtraFeatureColumnNames[c]}' (option ExtraFeatureColumnNames) holds {first.Extra[c].Length} values for {first.Tokens.Length} tokens; expected the same number of features for every token (tokens × features).");
                widths[c] = first.Extra[c].Length / first.Tokens.Length;
            }
            return widths;
        }

        private static TaggedSentence Encode(ReadSentence r, int index, TokenFeaturizer featurizer, Dictionary<string, int> tagIds, int[] extraWidths, SequenceTaggerOptions o, string what)
        {
            var tags = new long[r.Tags.Length];
            for (int i = 0; i < tags.Length; i++)
                tags[i] = tagIds.TryGetValue(r.Tags[i], out int id)
                    ? id
                    : throw new InvalidOperationException(
                        $"Row {index + 1} of the {what}, token {i + 1}: tag '{r.Tags[i]}' of column '{o.LabelColumnName}' is not among the {tagIds.Count} tags of the training data.");
            return featurizer.Featurize(r.Tokens, tags, InterleaveExtra(r.Tokens.Length, r.Extra, extraWidths, o.ExtraFeatureColumnNames, index + 1));
        }

        /// <summary>The extra columns' values joined per token ([token][column features...]), each column checked against its width.</summary>
        internal static float[]? InterleaveExtra(int tokens, float[][] columns, int[] widths, string[] names, long row)
        {
            if (widths.Length == 0)
                return null;
            int total = widths.Sum();
            var joined = new float[tokens * total];
            int offset = 0;
            for (int c = 0; c < widths.Length; c++)
            {
                if (columns[c].Length != tokens * widths[c])
                    throw new InvalidOperationException(
                        $"Row {row}: column '{names[c]}' (option ExtraFeatureColumnNames) holds {columns[c].Length} values for {tokens} tokens; expected {widths[c]} per token ({tokens * widths[c]}), as at training.");
                for (int t = 0; t < tokens; t++)
                    Array.Copy(columns[c], t * widths[c], joined, t * total + offset, widths[c]);
                offset += widths[c];
            }
            foreach (var v in joined)
                if (!float.IsFinite(v))
                    throw new InvalidOperationException($"Row {row}: an extra feature column holds {v}; extra features must be finite numbers.");
            return joined;
        }
    }

    /// <summary>The columns a trained tagger reads and writes.</summary>
    internal sealed record TaggerSpec(string TokensColumn, string[] ExtraColumns, int[] ExtraWidths, string PredictedLabelColumn, string ScoreColumn);
}
