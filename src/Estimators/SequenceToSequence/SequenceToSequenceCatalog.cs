using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using MLNet.Sequence.SequenceToSequence;
using MLNet.Sequence.Tagging;

namespace MLNet.Sequence
{
    /// <summary>Sequence-to-sequence models on <c>mlContext.SequenceToSequence</c>: an output sequence of its own length for each input sequence.</summary>
    public sealed class SequenceToSequenceCatalog
    {
        private const string TokensExpected = "a vector of tokens: text, or keys with their text as KeyValues";

        internal SequenceToSequenceCatalog(MLContext context)
        {
            Context = context;
            Trainers = new SequenceToSequenceTrainers(context);
        }

        internal MLContext Context { get; }

        /// <summary>The encoder-decoders: LSTM and GRU with Luong attention, and the Transformer.</summary>
        public SequenceToSequenceTrainers Trainers { get; }

        /// <summary>
        /// An ensemble of trained models that decodes as one: at each output step the next token's probability is the
        /// mean of the members' probabilities (each member keeps its own state), so greedy decoding and the beam search
        /// pick tokens the members agree on; <c>Score</c> is the log of the product of those means. Members may differ in
        /// family, size and seed, but must be trained on the same prepared data (both vocabularies equal). The ensemble
        /// takes the first member's columns and decoding settings (change them with
        /// <see cref="SequenceToSequenceTransformer.WithDecoding"/>), shares the members' weights (no copy; dispose it as
        /// well as the members), and saves to one zip with <c>SaveSequenceModel</c> like a single model.
        /// </summary>
        /// <param name="members">The trained models, at least one.</param>
        /// <returns>The ensemble; one member decodes exactly as that member does.</returns>
        /// <exception cref="ArgumentException">No member, or a member with other vocabularies; the message names the member.</exception>
        /// <exception cref="ObjectDisposedException">A member was disposed.</exception>
        public SequenceToSequenceTransformer Ensemble(params SequenceToSequenceTransformer[] members)
        {
            ArgumentNullException.ThrowIfNull(members);
            return SequenceToSequenceTransformer.Ensemble(members);
        }

        /// <summary>
        /// Error rates of predicted sequences against the references: the sequence error rate (the share of examples whose
        /// prediction equals no reference; "word error rate" in grapheme-to-phoneme work) and the token error rate (edit
        /// distance to the closest reference, summed over examples, over the summed lengths of those references; "phoneme
        /// error rate" there, and what speech recognition calls word error rate).
        /// </summary>
        /// <param name="data">Scored data.</param>
        /// <param name="labelColumnName">The reference sequences (text, or keys with their text as KeyValues).</param>
        /// <param name="predictedLabelColumnName">The predicted sequences, same kinds.</param>
        /// <param name="sourceColumnName">
        /// Optional: rows with the same source sequence are one example with several references (e.g. the listed
        /// pronunciations of a word), right when the prediction equals any of them. Null: every row is one example.
        /// </param>
        /// <returns>The metrics.</returns>
        /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type; the message names it.</exception>
        public SequenceToSequenceMetrics Evaluate(IDataView data, string labelColumnName = "Label", string predictedLabelColumnName = "PredictedLabel", string? sourceColumnName = null)
        {
            ArgumentNullException.ThrowIfNull(data);
            var schema = data.Schema;
            var gold = TaggingColumns.TextVector(schema, labelColumnName, nameof(labelColumnName), TokensExpected, "token", missing: null);
            var guess = TaggingColumns.TextVector(schema, predictedLabelColumnName, nameof(predictedLabelColumnName), TokensExpected, "token", missing: null);
            var source = sourceColumnName == null ? null
                : TaggingColumns.TextVector(schema, sourceColumnName, nameof(sourceColumnName), TokensExpected, "token", missing: "\u0000unknown");
            var columns = new[] { labelColumnName, predictedLabelColumnName, sourceColumnName }.OfType<string>().Distinct().Select(n => schema[n]);
            var predictions = new List<IReadOnlyList<string>>();
            var references = new List<List<IReadOnlyList<string>>>();
            var bySource = new Dictionary<string, int>(StringComparer.Ordinal);
            using (var cursor = data.GetRowCursor(columns))
            {
                var readGold = gold(cursor);
                var readGuess = guess(cursor);
                var readSource = source?.Invoke(cursor);
                while (cursor.MoveNext())
                {
                    var reference = readGold();
                    var predicted = readGuess();
                    if (readSource != null)
                    {
                        var key = string.Join("\u0001", readSource());
                        if (bySource.TryGetValue(key, out int example))
                        {
                            references[example].Add(reference);
                            continue;
                        }
                        bySource[key] = predictions.Count;
                    }
                    predictions.Add(predicted);
                    references.Add(new List<IReadOnlyList<string>> { reference });
                }
            }
            if (predictions.Count == 0)
                throw new ArgumentException("The data has no rows to evaluate.", nameof(data));
            var rates = OutputErrorRates.Compute(predictions, references.Select(r => (IReadOnlyList<IReadOnlyList<string>>)r).ToList());
            return new SequenceToSequenceMetrics(rates.Examples, rates.SequenceErrorRate, rates.TokenErrorRate);
        }
    }

    /// <summary>How close predicted sequences are to their references (<see cref="SequenceToSequenceCatalog.Evaluate"/>).</summary>
    public sealed class SequenceToSequenceMetrics
    {
        internal SequenceToSequenceMetrics(int examples, double sequenceErrorRate, double tokenErrorRate)
        {
            Examples = examples;
            SequenceErrorRate = sequenceErrorRate;
            TokenErrorRate = tokenErrorRate;
        }

        /// <summary>Examples evaluated (distinct sources when a source column was given, else rows).</summary>
        public int Examples { get; }

        /// <summary>The share of examples whose prediction equals none of their references (WER in grapheme-to-phoneme work).</summary>
        public double SequenceErrorRate { get; }

        /// <summary>Σ edit distance to the closest reference / Σ that reference's length (PER in grapheme-to-phoneme work).</summary>
        public double TokenErrorRate { get; }

        /// <inheritdoc />
        public override string ToString() => $"sequence error rate {SequenceErrorRate:F4}, token error rate {TokenErrorRate:F4} over {Examples} examples";
    }

    /// <summary>
    /// The sequence-to-sequence trainers on <c>mlContext.SequenceToSequence.Trainers</c>. Each takes a source column and
    /// a label column (vectors of tokens, text or keys) and adds <c>PredictedLabel</c> (a key vector of target tokens)
    /// and <c>Score</c> (its log-probability).
    /// </summary>
    public sealed class SequenceToSequenceTrainers
    {
        private readonly MLContext _context;

        internal SequenceToSequenceTrainers(MLContext context) => _context = context;

        private SequenceToSequenceEstimator Make(SequenceToSequenceOptions options) => new((Microsoft.ML.Runtime.IHostEnvironment)_context, options);

        private static T Simple<T>(T options, string labelColumnName, string sourceColumnName, int beamWidth) where T : SequenceToSequenceOptions
        {
            options.LabelColumnName = labelColumnName;
            options.SourceColumnName = sourceColumnName;
            options.BeamWidth = beamWidth;
            return options;
        }

        /// <summary>An encoder-decoder of LSTMs (bidirectional encoder) with Luong's general attention.</summary>
        /// <param name="labelColumnName">The target sequence (text, or keys with their text as KeyValues).</param>
        /// <param name="sourceColumnName">The source sequence (text, or keys with their text as KeyValues).</param>
        /// <param name="beamWidth">Hypotheses kept per decoding step (1: greedy).</param>
        /// <returns>The estimator.</returns>
        public SequenceToSequenceEstimator SequenceLstm(string labelColumnName = "Label", string sourceColumnName = "Source", int beamWidth = 4) =>
            Make(Simple(new LstmSequenceToSequenceOptions(), labelColumnName, sourceColumnName, beamWidth));

        /// <summary>An LSTM encoder-decoder with every option.</summary>
        /// <param name="options">The options.</param>
        /// <returns>The estimator.</returns>
        public SequenceToSequenceEstimator SequenceLstm(LstmSequenceToSequenceOptions options) => Make(options);

        /// <summary>An encoder-decoder of GRUs (bidirectional encoder) with Luong's general attention.</summary>
        /// <param name="labelColumnName">The target sequence (text, or keys with their text as KeyValues).</param>
        /// <param name="sourceColumnName">The source sequence (text, or keys with their text as KeyValues).</param>
        /// <param name="beamWidth">Hypotheses kept per decoding step (1: greedy).</param>
        /// <returns>The estimator.</returns>
        public SequenceToSequenceEstimator SequenceGru(string labelColumnName = "Label", string sourceColumnName = "Source", int beamWidth = 4) =>
            Make(Simple(new GruSequenceToSequenceOptions(), labelColumnName, sourceColumnName, beamWidth));

        /// <summary>A GRU encoder-decoder with every option.</summary>
        /// <param name="options">The options.</param>
        /// <returns>The estimator.</returns>
        public SequenceToSequenceEstimator SequenceGru(GruSequenceToSequenceOptions options) => Make(options);

        /// <summary>A Transformer encoder-decoder (pre-norm; 3 + 3 layers of width 128 by default).</summary>
        /// <param name="labelColumnName">The target sequence (text, or keys with their text as KeyValues).</param>
        /// <param name="sourceColumnName">The source sequence (text, or keys with their text as KeyValues).</param>
        /// <param name="beamWidth">Hypotheses kept per decoding step (1: greedy).</param>
        /// <returns>The estimator.</returns>
        public SequenceToSequenceEstimator SequenceTransformer(string labelColumnName = "Label", string sourceColumnName = "Source", int beamWidth = 4) =>
            Make(Simple(new TransformerSequenceToSequenceOptions(), labelColumnName, sourceColumnName, beamWidth));

        /// <summary>A Transformer encoder-decoder with every option.</summary>
        /// <param name="options">The options.</param>
        /// <returns>The estimator.</returns>
        public SequenceToSequenceEstimator SequenceTransformer(TransformerSequenceToSequenceOptions options) => Make(options);
    }

    /// <summary>Adds <c>SequenceToSequence</c> to <see cref="MLContext"/>.</summary>
    public static class SequenceToSequenceContextExtensions
    {
        /// <summary>Extension members of <see cref="MLContext"/>.</summary>
        /// <param name="mlContext">The context.</param>
        extension(MLContext mlContext)
        {
            /// <summary>Sequence-to-sequence models (grapheme-to-phoneme, transliteration, translation): trainers and the evaluator.</summary>
            public SequenceToSequenceCatalog SequenceToSequence => new(mlContext);
        }
    }
}
