using System;
using Microsoft.ML;
using MLNet.Sequence.Transforms;

namespace MLNet.Sequence
{
    /// <summary>
    /// Sequence transforms on <c>mlContext.Transforms</c>: token encoding, padding, one-hot encoding, sliding windows
    /// and scaling of time series.
    /// </summary>
    public static class SequenceTransformsCatalog
    {
        /// <summary>
        /// Learns a vocabulary and maps tokens to ids (0 padding, 1 unknown): a vector of Text tokens, or Text split into words.
        /// </summary>
        /// <param name="catalog">The transforms catalog.</param>
        /// <param name="outputColumnName">The output column: a variable-size vector of Key&lt;UInt32&gt;.</param>
        /// <param name="inputColumnName">The input column; defaults to <paramref name="outputColumnName"/>.</param>
        /// <param name="maximumVocabularySize">The most ids, padding and unknown included.</param>
        /// <param name="minimumCount">Tokens seen fewer times at Fit map to unknown.</param>
        /// <returns>The estimator.</returns>
        public static TokenEncodingEstimator EncodeTokens(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null,
            int maximumVocabularySize = 20000, int minimumCount = 1)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new TokenEncodingEstimator(new TokenEncodingEstimator.Options
            {
                OutputColumnName = outputColumnName,
                InputColumnName = inputColumnName,
                MaximumVocabularySize = maximumVocabularySize,
                MinimumCount = minimumCount,
            });
        }

        /// <summary>Learns a vocabulary and maps tokens to ids, with every option (e.g. a subword tokenizer for raw text).</summary>
        /// <param name="catalog">The transforms catalog.</param>
        /// <param name="options">The options.</param>
        /// <returns>The estimator.</returns>
        public static TokenEncodingEstimator EncodeTokens(this TransformsCatalog catalog, TokenEncodingEstimator.Options options)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new TokenEncodingEstimator(options);
        }

        /// <summary>Pads or truncates a variable-length vector to a fixed length, as Keras <c>pad_sequences</c>.</summary>
        /// <param name="catalog">The transforms catalog.</param>
        /// <param name="outputColumnName">The output column, a vector of the input's item type.</param>
        /// <param name="inputColumnName">The input column; defaults to <paramref name="outputColumnName"/>.</param>
        /// <param name="length">The fixed length; null learns the longest length at Fit.</param>
        /// <param name="padding">Where padding goes (Keras default: pre).</param>
        /// <param name="truncation">Which end truncation removes (Keras default: pre).</param>
        /// <param name="lengthColumnName">Optional Int32 column of true lengths after truncation.</param>
        /// <returns>The estimator.</returns>
        public static PadSequencesEstimator PadSequences(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null,
            int? length = null, SequenceEnd padding = SequenceEnd.Pre, SequenceEnd truncation = SequenceEnd.Pre, string? lengthColumnName = null)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new PadSequencesEstimator(new PadSequencesEstimator.Options
            {
                OutputColumnName = outputColumnName,
                InputColumnName = inputColumnName,
                Length = length,
                Padding = padding,
                Truncation = truncation,
                LengthColumnName = lengthColumnName,
            });
        }

        /// <summary>Pads or truncates a variable-length vector to a fixed length, with every option.</summary>
        /// <param name="catalog">The transforms catalog.</param>
        /// <param name="options">The options.</param>
        /// <returns>The estimator.</returns>
        public static PadSequencesEstimator PadSequences(this TransformsCatalog catalog, PadSequencesEstimator.Options options)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new PadSequencesEstimator(options);
        }

        /// <summary>One-hot encodes a sequence over a small alphabet into a Single vector of shape [length, channels].</summary>
        /// <param name="catalog">The transforms catalog.</param>
        /// <param name="outputColumnName">The output column.</param>
        /// <param name="inputColumnName">The input column (Text, or a vector of keys); defaults to <paramref name="outputColumnName"/>.</param>
        /// <param name="alphabet">For Text input, the symbols in channel order; an extra channel takes any other symbol.</param>
        /// <param name="sequenceLength">The length; null uses the vector size or learns the longest at Fit.</param>
        /// <param name="maskColumnName">Optional Boolean vector column, true where a row encodes a symbol (pass it to a trainer's <c>MaskColumnName</c>).</param>
        /// <returns>The estimator.</returns>
        public static OneHotSequenceEstimator OneHotEncodeSequence(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null,
            string alphabet = "ACGT", int? sequenceLength = null, string? maskColumnName = null)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new OneHotSequenceEstimator(new OneHotSequenceEstimator.Options
            {
                OutputColumnName = outputColumnName,
                InputColumnName = inputColumnName,
                Alphabet = alphabet,
                SequenceLength = sequenceLength,
                MaskColumnName = maskColumnName,
            });
        }

        /// <summary>One-hot encodes a sequence, with every option.</summary>
        /// <param name="catalog">The transforms catalog.</param>
        /// <param name="options">The options.</param>
        /// <returns>The estimator.</returns>
        public static OneHotSequenceEstimator OneHotEncodeSequence(this TransformsCatalog catalog, OneHotSequenceEstimator.Options options)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new OneHotSequenceEstimator(options);
        }

        /// <summary>
        /// Windows time-ordered rows: each output row holds the past <paramref name="windowLength"/> steps of the value columns
        /// (column "Window", shape [L, values]) and the next <paramref name="horizon"/> steps as "Target" (shape [H, values]).
        /// </summary>
        /// <param name="catalog">The transforms catalog.</param>
        /// <param name="valueColumns">Scalar numeric columns of the series.</param>
        /// <param name="windowLength">Past window length L.</param>
        /// <param name="horizon">Forecast horizon H.</param>
        /// <param name="timeColumnName">Optional time column; rows must be strictly increasing in it.</param>
        /// <param name="seriesColumnName">Optional series key column for several series.</param>
        /// <param name="stride">Steps between window origins.</param>
        /// <returns>The estimator.</returns>
        public static TimeSeriesWindowEstimator CreateWindows(this TransformsCatalog catalog, string[] valueColumns, int windowLength, int horizon = 1,
            string? timeColumnName = null, string? seriesColumnName = null, int stride = 1)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new TimeSeriesWindowEstimator(new TimeSeriesWindowEstimator.Options
            {
                ValueColumns = valueColumns,
                WindowLength = windowLength,
                Horizon = horizon,
                TimeColumnName = timeColumnName,
                SeriesColumnName = seriesColumnName,
                Stride = stride,
            });
        }

        /// <summary>Windows time-ordered rows, with every option (covariates, gaps, modes, skipping).</summary>
        /// <param name="catalog">The transforms catalog.</param>
        /// <param name="options">The options.</param>
        /// <returns>The estimator.</returns>
        public static TimeSeriesWindowEstimator CreateWindows(this TransformsCatalog catalog, TimeSeriesWindowEstimator.Options options)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new TimeSeriesWindowEstimator(options);
        }

        /// <summary>Scales each window (and its target) by the window's own statistics; writes "ScaleLocation" and "ScaleFactor" for inversion.</summary>
        /// <param name="catalog">The transforms catalog.</param>
        /// <param name="windowColumnName">The window column, shape [L, F].</param>
        /// <param name="targetColumnName">The target column, shape [H, V]; null for none.</param>
        /// <param name="method">The scaling method.</param>
        /// <returns>The estimator.</returns>
        public static WindowScalingEstimator ScaleWindows(this TransformsCatalog catalog, string windowColumnName = "Window", string? targetColumnName = "Target",
            ScalingMethod method = ScalingMethod.Standard)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new WindowScalingEstimator(new WindowScalingEstimator.Options { WindowColumnName = windowColumnName, TargetColumnName = targetColumnName, Method = method });
        }

        /// <summary>Scales each window, with every option.</summary>
        /// <param name="catalog">The transforms catalog.</param>
        /// <param name="options">The options.</param>
        /// <returns>The estimator.</returns>
        public static WindowScalingEstimator ScaleWindows(this TransformsCatalog catalog, WindowScalingEstimator.Options options)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new WindowScalingEstimator(options);
        }

        /// <summary>Learns location and scale per series at Fit and scales the columns in place; writes "SeriesLocation" and "SeriesScale" for inversion.</summary>
        /// <param name="catalog">The transforms catalog.</param>
        /// <param name="columns">Scalar numeric columns to scale.</param>
        /// <param name="seriesColumnName">Optional series key column.</param>
        /// <param name="method">The scaling method.</param>
        /// <returns>The estimator.</returns>
        public static SeriesScalingEstimator ScaleSeries(this TransformsCatalog catalog, string[] columns, string? seriesColumnName = null,
            ScalingMethod method = ScalingMethod.Standard)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new SeriesScalingEstimator(new SeriesScalingEstimator.Options { Columns = columns, SeriesColumnName = seriesColumnName, Method = method });
        }

        /// <summary>Learns per-series scaling, with every option.</summary>
        /// <param name="catalog">The transforms catalog.</param>
        /// <param name="options">The options.</param>
        /// <returns>The estimator.</returns>
        public static SeriesScalingEstimator ScaleSeries(this TransformsCatalog catalog, SeriesScalingEstimator.Options options)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new SeriesScalingEstimator(options);
        }

        /// <summary>Maps scaled values (e.g. a forecast) back to original units with the location and scale columns a scaler wrote.</summary>
        /// <param name="catalog">The transforms catalog.</param>
        /// <param name="outputColumnName">The output column.</param>
        /// <param name="inputColumnName">The scaled column.</param>
        /// <param name="locationColumnName">The locations column.</param>
        /// <param name="scaleColumnName">The scales column.</param>
        /// <returns>The estimator.</returns>
        public static InverseScalingEstimator InverseScale(this TransformsCatalog catalog, string outputColumnName, string inputColumnName,
            string locationColumnName = "ScaleLocation", string scaleColumnName = "ScaleFactor")
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new InverseScalingEstimator(outputColumnName, inputColumnName, locationColumnName, scaleColumnName);
        }

        /// <summary>Adds time features (calendar cycles of a DateTime, periodic cycles in time steps) as sine/cosine Single columns.</summary>
        /// <param name="catalog">The transforms catalog.</param>
        /// <param name="timeColumnName">The time column.</param>
        /// <param name="features">Which features; their column names are <see cref="TimeFeatureSpec.Names"/>.</param>
        /// <returns>The estimator.</returns>
        public static TimeFeaturesEstimator AddTimeFeatures(this TransformsCatalog catalog, string timeColumnName, TimeFeatureSpec features)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new TimeFeaturesEstimator(timeColumnName, features);
        }
    }
}
