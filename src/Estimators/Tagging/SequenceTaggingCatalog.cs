using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.Tagging;

namespace MLNet.Sequence
{
    /// <summary>Sequence tagging on <c>mlContext.SequenceTagging</c>: a tag for every token.</summary>
    public sealed class SequenceTaggingCatalog
    {
        internal SequenceTaggingCatalog(MLContext context)
        {
            Context = context;
            Trainers = new SequenceTaggingTrainers(context);
        }

        internal MLContext Context { get; }

        /// <summary>The taggers: BiLSTM, BiGRU, Transformer and CNN encoders, each with an optional CRF output layer.</summary>
        public SequenceTaggingTrainers Trainers { get; }

        /// <summary>
        /// Evaluates predicted tags against gold tags, row by row (one sentence per row): token accuracy, per-tag and
        /// chunk metrics (see <see cref="SequenceTaggingEvaluator"/>). Each column holds a vector of tags per row: text,
        /// or keys with their tag names (KeyValues), as <c>MapValueToKey</c> makes them.
        /// </summary>
        /// <param name="data">Scored data.</param>
        /// <param name="labelColumnName">The gold tags.</param>
        /// <param name="predictedLabelColumnName">The predicted tags, one per gold tag.</param>
        /// <param name="scheme">How tags mark chunks (<see cref="TaggingScheme.Plain"/>: token metrics only).</param>
        /// <param name="strict">Reject tag sequences the scheme does not allow (default: read them as conlleval does).</param>
        /// <returns>The metrics.</returns>
        public SequenceTaggingMetrics Evaluate(IDataView data, string labelColumnName = "Label", string predictedLabelColumnName = "PredictedLabel",
            TaggingScheme scheme = TaggingScheme.Iob2, bool strict = false)
        {
            ArgumentNullException.ThrowIfNull(data);
            var gold = new List<IReadOnlyList<string>>();
            var predicted = new List<IReadOnlyList<string>>();
            var label = Reader(data.Schema, labelColumnName, "labelColumnName");
            var guess = Reader(data.Schema, predictedLabelColumnName, "predictedLabelColumnName");
            using (var cursor = data.GetRowCursor(new[] { data.Schema[labelColumnName], data.Schema[predictedLabelColumnName] }.Distinct()))
            {
                var readLabel = label(cursor);
                var readGuess = guess(cursor);
                while (cursor.MoveNext())
                {
                    var g = readLabel(cursor.Position);
                    var p = readGuess(cursor.Position);
                    if (g.Length != p.Length)
                        throw new ArgumentException(
                            $"Row {cursor.Position + 1}: column '{labelColumnName}' holds {g.Length} tags and column '{predictedLabelColumnName}' {p.Length}; give one predicted tag per token.", nameof(data));
                    gold.Add(g);
                    predicted.Add(p);
                }
            }
            return SequenceTaggingEvaluator.Evaluate(gold, predicted, scheme, strict);
        }

        /// <summary>
        /// Loads a CoNLL-format file: one token per line with its fields separated by tabs or spaces, a blank line between
        /// sentences, <c>-DOCSTART-</c> lines skipped. Each sentence becomes one row with two text vectors, the tokens and
        /// their tags (a variable-size vector each), ready for the taggers.
        /// </summary>
        /// <param name="path">The file.</param>
        /// <param name="tokenField">The field holding the token (from 0). Default 0.</param>
        /// <param name="tagField">The field holding the tag (from 0; −1 for the last). Default −1.</param>
        /// <param name="tokensColumnName">The output column of tokens. Default "Tokens".</param>
        /// <param name="labelColumnName">The output column of tags. Default "Label".</param>
        /// <returns>The sentences, one per row.</returns>
        /// <exception cref="FormatException">A line lacks the token or tag field; the message gives the line number.</exception>
        public IDataView LoadFromConllFile(string path, int tokenField = 0, int tagField = -1, string tokensColumnName = "Tokens", string labelColumnName = "Label")
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            ArgumentException.ThrowIfNullOrEmpty(tokensColumnName);
            ArgumentException.ThrowIfNullOrEmpty(labelColumnName);
            if (tokensColumnName == labelColumnName)
                throw new ArgumentException($"The tokens and the tags need two column names; both are '{labelColumnName}'.", nameof(labelColumnName));
            if (!System.IO.File.Exists(path))
                throw new System.IO.FileNotFoundException($"CoNLL file '{path}' was not found.", path);
            var rows = new List<ConllSentence>();
            var tokens = new List<string>();
            var tags = new List<string>();
            int lineNumber = 0;
            void Close()
            {
                if (tokens.Count > 0)
                    rows.Add(new ConllSentence { Tokens = tokens.ToArray(), Tags = tags.ToArray() });
                tokens.Clear();
                tags.Clear();
            }
            foreach (var line in System.IO.File.ReadLines(path))
            {
                lineNumber++;
                var fields = line.Split(new[] { '\t', ' ' }, StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length == 0)
                {
                    Close();
                    continue;
                }
                if (fields[0] == "-DOCSTART-")
                    continue;
                int tag = tagField < 0 ? fields.Length + tagField : tagField;
                if (tokenField >= fields.Length || tag < 0 || tag >= fields.Length)
                    throw new FormatException($"Line {lineNumber} of '{path}' has {fields.Length} fields; the token is field {tokenField} and the tag field {tagField}.");
                tokens.Add(fields[tokenField]);
                tags.Add(fields[tag]);
            }
            Close();
            var definition = Microsoft.ML.Data.SchemaDefinition.Create(typeof(ConllSentence));
            definition[nameof(ConllSentence.Tokens)].ColumnName = tokensColumnName;
            definition[nameof(ConllSentence.Tags)].ColumnName = labelColumnName;
            return Context.Data.LoadFromEnumerable(rows, definition);
        }

        /// <summary>One sentence of a CoNLL file.</summary>
        private sealed class ConllSentence
        {
            public string[] Tokens { get; set; } = Array.Empty<string>();
            public string[] Tags { get; set; } = Array.Empty<string>();
        }

        /// <summary>A reader of one tag column: text vectors, or key vectors with text KeyValues.</summary>
        private static Func<DataViewRowCursor, Func<long, string[]>> Reader(DataViewSchema schema, string name, string parameter)
        {
            var column = schema.GetColumnOrNull(name)
                ?? throw new ArgumentOutOfRangeException(parameter, $"Column '{name}' ({parameter}) is not in the data; expected a vector of tags (text, or keys with tag names).");
            var c = column;
            if (c.Type is VectorDataViewType { ItemType: TextDataViewType })
                return cursor =>
                {
                    var get = cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(c);
                    VBuffer<ReadOnlyMemory<char>> buffer = default;
                    return _ =>
                    {
                        get(ref buffer);
                        return buffer.DenseValues().Select(x => x.ToString()).ToArray();
                    };
                };
            if (c.Type is VectorDataViewType { ItemType: KeyDataViewType key } && key.RawType == typeof(uint))
            {
                var names = SequenceColumns.ReadKeyValues(c)
                    ?? throw new ArgumentOutOfRangeException(parameter, $"Column '{name}' ({parameter}) holds keys without tag names (KeyValues); map the tags with MapValueToKey, or give text tags.");
                return cursor =>
                {
                    var get = cursor.GetGetter<VBuffer<uint>>(c);
                    VBuffer<uint> buffer = default;
                    return row =>
                    {
                        get(ref buffer);
                        return buffer.DenseValues().Select((k, i) => k >= 1 && k <= names.Length
                            ? names[k - 1]
                            : throw new ArgumentException($"Row {row + 1}, token {i + 1}: column '{name}' holds the key {k}, which is no known tag (1 to {names.Length}); the tag was unknown when the keys were made.")).ToArray();
                    };
                };
            }
            throw new ArgumentOutOfRangeException(parameter, $"Column '{name}' ({parameter}) must be a vector of tags: text, or keys with tag names; it is {c.Type}.");
        }
    }

    /// <summary>
    /// The sequence taggers on <c>mlContext.SequenceTagging.Trainers</c>. Each takes a tokens column (a vector of text or
    /// keys) and a label column with one tag per token, and adds <c>PredictedLabel</c> (a key vector, one tag per token)
    /// and <c>Score</c> (each predicted tag's probability).
    /// </summary>
    public sealed class SequenceTaggingTrainers
    {
        private readonly MLContext _context;

        internal SequenceTaggingTrainers(MLContext context) => _context = context;

        private SequenceTaggerEstimator Make(SequenceTaggerOptions options) => new((Microsoft.ML.Runtime.IHostEnvironment)_context, options);

        private static T Simple<T>(T options, string labelColumnName, string tokensColumnName, bool useCrf) where T : SequenceTaggerOptions
        {
            options.LabelColumnName = labelColumnName;
            options.TokensColumnName = tokensColumnName;
            options.UseCrf = useCrf;
            return options;
        }

        /// <summary>A bidirectional LSTM tagger with a character CNN per token (BiLSTM-CNN; with <paramref name="useCrf"/>, BiLSTM-CNN-CRF).</summary>
        /// <param name="labelColumnName">One tag per token (text, or keys with tag names).</param>
        /// <param name="tokensColumnName">The tokens (a vector of text, or keys with text KeyValues).</param>
        /// <param name="useCrf">A linear-chain CRF output layer instead of a softmax per token.</param>
        /// <returns>The estimator.</returns>
        public SequenceTaggerEstimator SequenceLstm(string labelColumnName = "Label", string tokensColumnName = "Tokens", bool useCrf = false) =>
            Make(Simple(new LstmTaggerOptions(), labelColumnName, tokensColumnName, useCrf));

        /// <summary>A bidirectional LSTM tagger with every option.</summary>
        /// <param name="options">The options.</param>
        /// <returns>The estimator.</returns>
        public SequenceTaggerEstimator SequenceLstm(LstmTaggerOptions options) => Make(options);

        /// <summary>A bidirectional GRU tagger with a character CNN per token.</summary>
        /// <param name="labelColumnName">One tag per token (text, or keys with tag names).</param>
        /// <param name="tokensColumnName">The tokens (a vector of text, or keys with text KeyValues).</param>
        /// <param name="useCrf">A linear-chain CRF output layer instead of a softmax per token.</param>
        /// <returns>The estimator.</returns>
        public SequenceTaggerEstimator SequenceGru(string labelColumnName = "Label", string tokensColumnName = "Tokens", bool useCrf = false) =>
            Make(Simple(new GruTaggerOptions(), labelColumnName, tokensColumnName, useCrf));

        /// <summary>A bidirectional GRU tagger with every option.</summary>
        /// <param name="options">The options.</param>
        /// <returns>The estimator.</returns>
        public SequenceTaggerEstimator SequenceGru(GruTaggerOptions options) => Make(options);

        /// <summary>A Transformer-encoder tagger (self-attention over the sentence, sinusoidal positions) with a character CNN per token.</summary>
        /// <param name="labelColumnName">One tag per token (text, or keys with tag names).</param>
        /// <param name="tokensColumnName">The tokens (a vector of text, or keys with text KeyValues).</param>
        /// <param name="useCrf">A linear-chain CRF output layer instead of a softmax per token.</param>
        /// <returns>The estimator.</returns>
        public SequenceTaggerEstimator SequenceTransformer(string labelColumnName = "Label", string tokensColumnName = "Tokens", bool useCrf = false) =>
            Make(Simple(new TransformerTaggerOptions(), labelColumnName, tokensColumnName, useCrf));

        /// <summary>A Transformer-encoder tagger with every option.</summary>
        /// <param name="options">The options.</param>
        /// <returns>The estimator.</returns>
        public SequenceTaggerEstimator SequenceTransformer(TransformerTaggerOptions options) => Make(options);

        /// <summary>A convolutional tagger (residual, dilated convolutions centred on each token) with a character CNN per token.</summary>
        /// <param name="labelColumnName">One tag per token (text, or keys with tag names).</param>
        /// <param name="tokensColumnName">The tokens (a vector of text, or keys with text KeyValues).</param>
        /// <param name="useCrf">A linear-chain CRF output layer instead of a softmax per token.</param>
        /// <returns>The estimator.</returns>
        public SequenceTaggerEstimator SequenceCnn(string labelColumnName = "Label", string tokensColumnName = "Tokens", bool useCrf = false) =>
            Make(Simple(new CnnTaggerOptions(), labelColumnName, tokensColumnName, useCrf));

        /// <summary>A convolutional tagger with every option.</summary>
        /// <param name="options">The options.</param>
        /// <returns>The estimator.</returns>
        public SequenceTaggerEstimator SequenceCnn(CnnTaggerOptions options) => Make(options);
    }

    /// <summary>Adds <c>SequenceTagging</c> to <see cref="MLContext"/>.</summary>
    public static class SequenceTaggingContextExtensions
    {
        /// <summary>Extension members of <see cref="MLContext"/>.</summary>
        /// <param name="mlContext">The context.</param>
        extension(MLContext mlContext)
        {
            /// <summary>Sequence tagging: a tag for every token (part of speech, entities, chunks): trainers and the evaluator.</summary>
            public SequenceTaggingCatalog SequenceTagging => new(mlContext);
        }
    }
}
