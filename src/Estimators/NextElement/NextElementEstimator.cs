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
    /// Trains a next-element model: a causal LSTM, GRU or Transformer over sequences of elements (characters, words,
    /// item ids) that learns to predict every element from the ones before it. The result,
    /// <see cref="NextElementTransformer"/>, gives each row's likeliest next elements, generates continuations and
    /// recommends next items; <c>mlContext.NextElement.Evaluate</c> measures perplexity, top-k accuracy and ranking.
    /// </summary>
    public sealed class NextElementEstimator : IEstimator<NextElementTransformer>
    {
        internal const string SequenceExpected = "a vector of elements: text (e.g. string[] or TokenizeIntoWords), or keys with their text as KeyValues (MapValueToKey, TokenizeIntoCharactersAsKeys)";

        private readonly IHostEnvironment _env;
        private readonly NextElementOptions _options;

        internal NextElementEstimator(IHostEnvironment env, NextElementOptions options)
        {
            ArgumentNullException.ThrowIfNull(options);
            options.Validate();
            _env = env;
            _options = options;
        }

        /// <summary>The input schema plus <c>PredictedLabel</c> (a key vector, best first) and <c>Score</c> (their probabilities).</summary>
        /// <param name="inputSchema">The schema of the training data.</param>
        /// <returns>The output schema.</returns>
        /// <exception cref="ArgumentOutOfRangeException">The sequence column is missing or of the wrong type; the message names it.</exception>
        public SchemaShape GetOutputSchema(SchemaShape inputSchema)
        {
            var o = _options;
            var c = ColumnChecks.Find(inputSchema, o.SequenceColumnName, nameof(NextElementOptions.SequenceColumnName), SequenceExpected);
            if (!c.IsVector || !(c.IsText || c.IsKey))
                throw ColumnChecks.WrongType(c, nameof(NextElementOptions.SequenceColumnName), SequenceExpected);
            var keyValues = SchemaShapeFactory.Column("KeyValues", SchemaShape.Column.VectorKind.Vector, TextDataViewType.Instance);
            return SchemaShapeFactory.With(inputSchema, new[]
            {
                SchemaShapeFactory.Column(o.PredictedLabelColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.UInt32, true, new SchemaShape(new[] { keyValues })),
                SchemaShapeFactory.Column(o.ScoreColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single),
            });
        }

        /// <summary>A reader of a sequence column as strings (key 0, an element unseen when the keys were made, reads as unknown).</summary>
        internal static Func<DataViewRow, Func<string[]>> SequenceReader(DataViewSchema schema, string name, string option = nameof(NextElementOptions.SequenceColumnName)) =>
            TaggingColumns.TextVector(schema, name, option, SequenceExpected, "element", missing: "");

        /// <summary>Every row's elements; an empty row is an error naming it.</summary>
        internal static List<string[]> ReadSequences(IDataView data, string column, string what)
        {
            var list = new List<string[]>();
            using var cursor = data.GetRowCursor(new[] { data.Schema[column] });
            var read = SequenceReader(data.Schema, column)(cursor);
            while (cursor.MoveNext())
            {
                var s = read();
                if (s.Length == 0)
                    throw new InvalidOperationException(
                        $"Row {cursor.Position + 1} of the {what}: column '{column}' (option SequenceColumnName) holds no element; every sequence needs at least one. Filter out empty rows first.");
                list.Add(s);
            }
            return list;
        }

        /// <summary>Reads the sequences, learns the elements and trains the model.</summary>
        /// <param name="input">Training sequences, one per row.</param>
        /// <returns>The trained model; dispose it when done (it owns native memory).</returns>
        /// <exception cref="InvalidOperationException">A row holds no element; the message names it.</exception>
        public NextElementTransformer Fit(IDataView input)
        {
            ArgumentNullException.ThrowIfNull(input);
            var o = _options;
            using var host = new MlNetHost(_env, o.TrainerName);
            SequenceReader(input.Schema, o.SequenceColumnName);
            if (o.ValidationData != null)
                SequenceReader(o.ValidationData.Schema, o.SequenceColumnName);
            var sequences = ReadSequences(input, o.SequenceColumnName, "training data");
            if (sequences.Count == 0)
                throw new InvalidOperationException("The training data has no rows.");
            var vocabulary = ElementVocabulary.Learn(sequences, o.MinimumCount);
            if (vocabulary.Elements.Count == 0)
                throw new InvalidOperationException(
                    $"Column '{o.SequenceColumnName}' (option SequenceColumnName) holds no element seen at least {o.MinimumCount} times (option MinimumCount); the model would have nothing to predict.");
            int window = o.MaximumContextLength;
            var train = sequences.SelectMany(s => NextElementRow.Windows(vocabulary.Ids(s), window)).ToList();
            List<NextElementRow>? valid = null;
            if (o.ValidationData != null)
            {
                valid = ReadSequences(o.ValidationData, o.SequenceColumnName, "validation data").SelectMany(s => NextElementRow.Windows(vocabulary.Ids(s), window)).ToList();
                if (valid.Count == 0)
                    throw new InvalidOperationException("Option ValidationData has no rows.");
            }
            int seed = o.Seed ?? host.NextSeed();
            var device = host.ResolveDevice();
            var config = new NextElementNetworkConfig
            {
                Encoder = o.Encoder,
                VocabularySize = vocabulary.Elements.Count + (int)NextElementNetworkConfig.FirstElement,
                EmbeddingDimension = o.EmbeddingDimension,
                HiddenSize = o is RecurrentNextElementOptions r ? r.HiddenSize : o.EmbeddingDimension,
                Layers = o switch { RecurrentNextElementOptions r2 => r2.NumberOfLayers, TransformerNextElementOptions t => t.NumberOfLayers, _ => 1 },
                Heads = o is TransformerNextElementOptions t2 ? t2.NumberOfHeads : 1,
                FeedForwardDimension = o is TransformerNextElementOptions t3 ? t3.FeedForwardDimension : 1,
                Dropout = o.Dropout,
                TieEmbeddings = o.TieEmbeddings,
                MaxLength = window,
            };
            EngineRuntime.Seed(seed);
            var engine = NextElementEngine.Create(config, device);
            engine.ElementDropout = o.ElementDropout;
            try
            {
                host.Info($"{o.TrainerName}: {sequences.Count} sequences ({train.Count} windows), {train.Sum(w => (long)w.Length)} elements, {vocabulary.Elements.Count} distinct, " +
                          $"{engine.ParameterCount} parameters, device {device}, seed {seed}.");
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
                    Report = rep =>
                    {
                        host.Info($"{o.TrainerName}: {rep}");
                        o.Progress?.Report(rep);
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
                    static ulong HashOf(List<NextElementRow>? rows) =>
                        (rows ?? new List<NextElementRow>()).Aggregate(TrainingFingerprint.EmptyHash, (h, w) => TrainingFingerprint.Fold(TrainingFingerprint.Fold(h, w.Input), w.Target));
                    settings.Fingerprint = TrainingFingerprint.OfRowsInMemory("next-element", config, vocabulary.Elements, settings, seed, o.BatchSize, true,
                        HashOf(train), train.Count, HashOf(valid), valid?.Count, extra: o.ElementDropout);
                }
                var history = engine.Train(settings, new InMemoryBatches<NextElementRow>(train, o.BatchSize, seed, w => w.Length, bucketByLength: true),
                    valid != null ? new InMemoryBatches<NextElementRow>(valid, Math.Max(o.BatchSize, 64), seed, w => w.Length) : null);
                var spec = new NextElementSpec(o.SequenceColumnName, o.PredictedLabelColumnName, o.ScoreColumnName, o.NumberOfPredictions, o.ExcludeSeenElements);
                return new NextElementTransformer(engine, vocabulary, spec, history, share: null);
            }
            catch
            {
                engine.Release();
                throw;
            }
        }
    }

    /// <summary>The columns a trained next-element model reads and writes, and what it outputs.</summary>
    internal sealed record NextElementSpec(string SequenceColumn, string PredictedLabelColumn, string ScoreColumn, int Count, bool ExcludeSeen);

    /// <summary>The elements a model knows: element i has network id i + 3 (0 padding, 1 begin, 2 unknown) and output key i + 1.</summary>
    internal sealed class ElementVocabulary
    {
        private readonly Dictionary<string, int> _index;

        public ElementVocabulary(IReadOnlyList<string> elements)
        {
            Elements = elements;
            _index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < elements.Count; i++)
                _index.TryAdd(elements[i], i);
        }

        public IReadOnlyList<string> Elements { get; }

        /// <summary>Elements seen at least <paramref name="minimumCount"/> times, in order of first appearance (empty text, an unknown key, left out).</summary>
        public static ElementVocabulary Learn(IEnumerable<string[]> sequences, int minimumCount)
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            var order = new List<string>();
            foreach (var s in sequences)
                foreach (var e in s)
                {
                    if (e.Length == 0)
                        continue;
                    if (counts.TryGetValue(e, out int c))
                        counts[e] = c + 1;
                    else
                    {
                        counts[e] = 1;
                        order.Add(e);
                    }
                }
            return new ElementVocabulary(order.Where(e => counts[e] >= minimumCount).ToArray());
        }

        /// <summary>The network id of an element, or the unknown id.</summary>
        public long Id(string element) => _index.TryGetValue(element, out int i) ? i + NextElementNetworkConfig.FirstElement : NextElementNetworkConfig.Unknown;

        public long[] Ids(string[] elements)
        {
            var ids = new long[elements.Length];
            for (int i = 0; i < ids.Length; i++)
                ids[i] = Id(elements[i]);
            return ids;
        }

        /// <summary>The element of a network id of at least <see cref="NextElementNetworkConfig.FirstElement"/>.</summary>
        public string Element(long id) => Elements[(int)(id - NextElementNetworkConfig.FirstElement)];
    }
}
