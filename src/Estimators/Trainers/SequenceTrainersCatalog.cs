using System;
using Microsoft.ML;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence
{
    /// <summary>
    /// Sequence model trainers on ML.NET's standard catalogs: <c>SequenceLstm</c>, <c>SequenceGru</c>,
    /// <c>SequenceTransformer</c> and <c>SequenceCnn</c> on <c>mlContext.BinaryClassification.Trainers</c>,
    /// <c>mlContext.MulticlassClassification.Trainers</c> and <c>mlContext.Regression.Trainers</c>.
    /// </summary>
    public static class SequenceTrainersCatalog
    {
        private static SequenceTrainer Make(object catalog, SequenceTask task, SequenceTrainerOptions options)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            ArgumentNullException.ThrowIfNull(options);
            return new SequenceTrainer(MlNetInternals.EnvironmentOf(catalog), task, options);
        }

        private static T Simple<T>(T o, string label, string features, int? epochs) where T : SequenceTrainerOptions
        {
            o.LabelColumnName = label;
            o.FeatureColumnName = features;
            o.NumberOfEpochs = epochs;
            return o;
        }

        // ---- binary classification ----

        /// <summary>An LSTM binary classifier.</summary>
        /// <param name="catalog">The binary classification trainers.</param>
        /// <param name="labelColumnName">Boolean label.</param>
        /// <param name="featureColumnName">Token ids (keys) or numeric steps.</param>
        /// <param name="hiddenSize">Hidden state size.</param>
        /// <param name="numberOfEpochs">Passes over the data; null scales them with the data (see <see cref="SequenceTrainerOptions.NumberOfEpochs"/>).</param>
        /// <returns>The trainer.</returns>
        public static SequenceTrainer SequenceLstm(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
            string labelColumnName = "Label", string featureColumnName = "Features", int hiddenSize = 64, int? numberOfEpochs = null) =>
            Make(catalog, SequenceTask.BinaryClassification, Simple(new LstmOptions { HiddenSize = hiddenSize }, labelColumnName, featureColumnName, numberOfEpochs));

        /// <summary>An LSTM binary classifier with every option.</summary>
        /// <param name="catalog">The binary classification trainers.</param>
        /// <param name="options">The options.</param>
        /// <returns>The trainer.</returns>
        public static SequenceTrainer SequenceLstm(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, LstmOptions options) =>
            Make(catalog, SequenceTask.BinaryClassification, options);

        /// <summary>A GRU binary classifier.</summary>
        /// <param name="catalog">The binary classification trainers.</param>
        /// <param name="labelColumnName">Boolean label.</param>
        /// <param name="featureColumnName">Token ids (keys) or numeric steps.</param>
        /// <param name="hiddenSize">Hidden state size.</param>
        /// <param name="numberOfEpochs">Passes over the data; null scales them with the data (see <see cref="SequenceTrainerOptions.NumberOfEpochs"/>).</param>
        /// <returns>The trainer.</returns>
        public static SequenceTrainer SequenceGru(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
            string labelColumnName = "Label", string featureColumnName = "Features", int hiddenSize = 64, int? numberOfEpochs = null) =>
            Make(catalog, SequenceTask.BinaryClassification, Simple(new GruOptions { HiddenSize = hiddenSize }, labelColumnName, featureColumnName, numberOfEpochs));

        /// <summary>A GRU binary classifier with every option.</summary>
        /// <param name="catalog">The binary classification trainers.</param>
        /// <param name="options">The options.</param>
        /// <returns>The trainer.</returns>
        public static SequenceTrainer SequenceGru(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, GruOptions options) =>
            Make(catalog, SequenceTask.BinaryClassification, options);

        /// <summary>A Transformer-encoder binary classifier.</summary>
        /// <param name="catalog">The binary classification trainers.</param>
        /// <param name="labelColumnName">Boolean label.</param>
        /// <param name="featureColumnName">Token ids (keys) or numeric steps.</param>
        /// <param name="modelDimension">Model width.</param>
        /// <param name="numberOfEpochs">Passes over the data; null scales them with the data (see <see cref="SequenceTrainerOptions.NumberOfEpochs"/>).</param>
        /// <returns>The trainer.</returns>
        public static SequenceTrainer SequenceTransformer(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
            string labelColumnName = "Label", string featureColumnName = "Features", int modelDimension = 64, int? numberOfEpochs = null) =>
            Make(catalog, SequenceTask.BinaryClassification, Simple(new TransformerOptions { ModelDimension = modelDimension }, labelColumnName, featureColumnName, numberOfEpochs));

        /// <summary>A Transformer-encoder binary classifier with every option.</summary>
        /// <param name="catalog">The binary classification trainers.</param>
        /// <param name="options">The options.</param>
        /// <returns>The trainer.</returns>
        public static SequenceTrainer SequenceTransformer(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, TransformerOptions options) =>
            Make(catalog, SequenceTask.BinaryClassification, options);

        /// <summary>A temporal-CNN binary classifier.</summary>
        /// <param name="catalog">The binary classification trainers.</param>
        /// <param name="labelColumnName">Boolean label.</param>
        /// <param name="featureColumnName">Token ids (keys) or numeric steps.</param>
        /// <param name="channels">Channels per convolution.</param>
        /// <param name="numberOfEpochs">Passes over the data; null scales them with the data (see <see cref="SequenceTrainerOptions.NumberOfEpochs"/>).</param>
        /// <returns>The trainer.</returns>
        public static SequenceTrainer SequenceCnn(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
            string labelColumnName = "Label", string featureColumnName = "Features", int channels = 64, int? numberOfEpochs = null) =>
            Make(catalog, SequenceTask.BinaryClassification, Simple(new CnnOptions { Channels = channels }, labelColumnName, featureColumnName, numberOfEpochs));

        /// <summary>A temporal-CNN binary classifier with every option.</summary>
        /// <param name="catalog">The binary classification trainers.</param>
        /// <param name="options">The options.</param>
        /// <returns>The trainer.</returns>
        public static SequenceTrainer SequenceCnn(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, CnnOptions options) =>
            Make(catalog, SequenceTask.BinaryClassification, options);

        // ---- multiclass classification ----

        /// <summary>An LSTM multiclass classifier (label: a key).</summary>
        /// <param name="catalog">The multiclass classification trainers.</param>
        /// <param name="labelColumnName">Key label.</param>
        /// <param name="featureColumnName">Token ids (keys) or numeric steps.</param>
        /// <param name="hiddenSize">Hidden state size.</param>
        /// <param name="numberOfEpochs">Passes over the data; null scales them with the data (see <see cref="SequenceTrainerOptions.NumberOfEpochs"/>).</param>
        /// <returns>The trainer.</returns>
        public static SequenceTrainer SequenceLstm(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
            string labelColumnName = "Label", string featureColumnName = "Features", int hiddenSize = 64, int? numberOfEpochs = null) =>
            Make(catalog, SequenceTask.MulticlassClassification, Simple(new LstmOptions { HiddenSize = hiddenSize }, labelColumnName, featureColumnName, numberOfEpochs));

        /// <summary>An LSTM multiclass classifier with every option.</summary>
        /// <param name="catalog">The multiclass classification trainers.</param>
        /// <param name="options">The options.</param>
        /// <returns>The trainer.</returns>
        public static SequenceTrainer SequenceLstm(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, LstmOptions options) =>
            Make(catalog, SequenceTask.MulticlassClassification, options);

        /// <summary>A GRU multiclass classifier (label: a key).</summary>
        /// <param name="catalog">The multiclass classification trainers.</param>
        /// <param name="labelColumnName">Key label.</param>
        /// <param name="featureColumnName">Token ids (keys) or numeric steps.</param>
        /// <param name="hiddenSize">Hidden state size.</param>
        /// <param name="numberOfEpochs">Passes over the data; null scales them with the data (see <see cref="SequenceTrainerOptions.NumberOfEpochs"/>).</param>
        /// <returns>The trainer.</returns>
        public static SequenceTrainer SequenceGru(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
            string labelColumnName = "Label", string featureColumnName = "Features", int hiddenSize = 64, int? numberOfEpochs = null) =>
            Make(catalog, SequenceTask.MulticlassClassification, Simple(new GruOptions { HiddenSize = hiddenSize }, labelColumnName, featureColumnName, numberOfEpochs));

        /// <summary>A GRU multiclass classifier with every option.</summary>
        /// <param name="catalog">The multiclass classification trainers.</param>
        /// <param name="options">The options.</param>
        /// <returns>The trainer.</returns>
        public static SequenceTrainer SequenceGru(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, GruOptions options) =>
            Make(catalog, SequenceTask.MulticlassClassification, options);

        /// <summary>A Transformer-encoder multiclass classifier (label: a key).</summary>
        /// <param name="catalog">The multiclass classification trainers.</param>
        /// <param name="labelColumnName">Key label.</param>
        /// <param name="featureColumnName">Token ids (keys) or numeric steps.</param>
        /// <param name="modelDimension">Model width.</param>
        /// <param name="numberOfEpochs">Passes over the data; null scales them with the data (see <see cref="SequenceTrainerOptions.NumberOfEpochs"/>).</param>
        /// <returns>The trainer.</returns>
        public static SequenceTrainer SequenceTransformer(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
            string labelColumnName = "Label", string featureColumnName = "Features", int modelDimension = 64, int? numberOfEpochs = null) =>
            Make(catalog, SequenceTask.MulticlassClassification, Simple(new TransformerOptions { ModelDimension = modelDimension }, labelColumnName, featureColumnName, numberOfEpochs));

        /// <summary>A Transformer-encoder multiclass classifier with every option.</summary>
        /// <param name="catalog">The multiclass classification trainers.</param>
        /// <param name="options">The options.</param>
        /// <returns>The trainer.</returns>
        public static SequenceTrainer SequenceTransformer(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, TransformerOptions options) =>
            Make(catalog, SequenceTask.MulticlassClassification, options);

        /// <summary>A temporal-CNN multiclass classifier (label: a key).</summary>
        /// <param name="catalog">The multiclass classification trainers.</param>
        /// <param name="labelColumnName">Key label.</param>
        /// <param name="featureColumnName">Token ids (keys) or numeric steps.</param>
        /// <param name="channels">Channels per convolution.</param>
        /// <param name="numberOfEpochs">Passes over the data; null scales them with the data (see <see cref="SequenceTrainerOptions.NumberOfEpochs"/>).</param>
        /// <returns>The trainer.</returns>
        public static SequenceTrainer SequenceCnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
            string labelColumnName = "Label", string featureColumnName = "Features", int channels = 64, int? numberOfEpochs = null) =>
            Make(catalog, SequenceTask.MulticlassClassification, Simple(new CnnOptions { Channels = channels }, labelColumnName, featureColumnName, numberOfEpochs));

        /// <summary>A temporal-CNN multiclass classifier with every option.</summary>
        /// <param name="catalog">The multiclass classification trainers.</param>
        /// <param name="options">The options.</param>
        /// <returns>The trainer.</returns>
        public static SequenceTrainer SequenceCnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, CnnOptions options) =>
            Make(catalog, SequenceTask.MulticlassClassification, options);

        // ---- regression ----

        /// <summary>An LSTM regressor (label: Single or a Single vector).</summary>
        /// <param name="catalog">The regression trainers.</param>
        /// <param name="labelColumnName">Single or Single-vector label.</param>
        /// <param name="featureColumnName">Token ids (keys) or numeric steps.</param>
        /// <param name="hiddenSize">Hidden state size.</param>
        /// <param name="numberOfEpochs">Passes over the data; null scales them with the data (see <see cref="SequenceTrainerOptions.NumberOfEpochs"/>).</param>
        /// <returns>The trainer.</returns>
        public static SequenceTrainer SequenceLstm(this RegressionCatalog.RegressionTrainers catalog,
            string labelColumnName = "Label", string featureColumnName = "Features", int hiddenSize = 64, int? numberOfEpochs = null) =>
            Make(catalog, SequenceTask.Regression, Simple(new LstmOptions { HiddenSize = hiddenSize }, labelColumnName, featureColumnName, numberOfEpochs));

        /// <summary>An LSTM regressor with every option.</summary>
        /// <param name="catalog">The regression trainers.</param>
        /// <param name="options">The options.</param>
        /// <returns>The trainer.</returns>
        public static SequenceTrainer SequenceLstm(this RegressionCatalog.RegressionTrainers catalog, LstmOptions options) =>
            Make(catalog, SequenceTask.Regression, options);

        /// <summary>A GRU regressor (label: Single or a Single vector).</summary>
        /// <param name="catalog">The regression trainers.</param>
        /// <param name="labelColumnName">Single or Single-vector label.</param>
        /// <param name="featureColumnName">Token ids (keys) or numeric steps.</param>
        /// <param name="hiddenSize">Hidden state size.</param>
        /// <param name="numberOfEpochs">Passes over the data; null scales them with the data (see <see cref="SequenceTrainerOptions.NumberOfEpochs"/>).</param>
        /// <returns>The trainer.</returns>
        public static SequenceTrainer SequenceGru(this RegressionCatalog.RegressionTrainers catalog,
            string labelColumnName = "Label", string featureColumnName = "Features", int hiddenSize = 64, int? numberOfEpochs = null) =>
            Make(catalog, SequenceTask.Regression, Simple(new GruOptions { HiddenSize = hiddenSize }, labelColumnName, featureColumnName, numberOfEpochs));

        /// <summary>A GRU regressor with every option.</summary>
        /// <param name="catalog">The regression trainers.</param>
        /// <param name="options">The options.</param>
        /// <returns>The trainer.</returns>
        public static SequenceTrainer SequenceGru(this RegressionCatalog.RegressionTrainers catalog, GruOptions options) =>
            Make(catalog, SequenceTask.Regression, options);

        /// <summary>A Transformer-encoder regressor (label: Single or a Single vector).</summary>
        /// <param name="catalog">The regression trainers.</param>
        /// <param name="labelColumnName">Single or Single-vector label.</param>
        /// <param name="featureColumnName">Token ids (keys) or numeric steps.</param>
        /// <param name="modelDimension">Model width.</param>
        /// <param name="numberOfEpochs">Passes over the data; null scales them with the data (see <see cref="SequenceTrainerOptions.NumberOfEpochs"/>).</param>
        /// <returns>The trainer.</returns>
        public static SequenceTrainer SequenceTransformer(this RegressionCatalog.RegressionTrainers catalog,
            string labelColumnName = "Label", string featureColumnName = "Features", int modelDimension = 64, int? numberOfEpochs = null) =>
            Make(catalog, SequenceTask.Regression, Simple(new TransformerOptions { ModelDimension = modelDimension }, labelColumnName, featureColumnName, numberOfEpochs));

        /// <summary>A Transformer-encoder regressor with every option.</summary>
        /// <param name="catalog">The regression trainers.</param>
        /// <param name="options">The options.</param>
        /// <returns>The trainer.</returns>
        public static SequenceTrainer SequenceTransformer(this RegressionCatalog.RegressionTrainers catalog, TransformerOptions options) =>
            Make(catalog, SequenceTask.Regression, options);

        /// <summary>A temporal-CNN regressor (label: Single or a Single vector).</summary>
        /// <param name="catalog">The regression trainers.</param>
        /// <param name="labelColumnName">Single or Single-vector label.</param>
        /// <param name="featureColumnName">Token ids (keys) or numeric steps.</param>
        /// <param name="channels">Channels per convolution.</param>
        /// <param name="numberOfEpochs">Passes over the data; null scales them with the data (see <see cref="SequenceTrainerOptions.NumberOfEpochs"/>).</param>
        /// <returns>The trainer.</returns>
        public static SequenceTrainer SequenceCnn(this RegressionCatalog.RegressionTrainers catalog,
            string labelColumnName = "Label", string featureColumnName = "Features", int channels = 64, int? numberOfEpochs = null) =>
            Make(catalog, SequenceTask.Regression, Simple(new CnnOptions { Channels = channels }, labelColumnName, featureColumnName, numberOfEpochs));

        /// <summary>A temporal-CNN regressor with every option.</summary>
        /// <param name="catalog">The regression trainers.</param>
        /// <param name="options">The options.</param>
        /// <returns>The trainer.</returns>
        public static SequenceTrainer SequenceCnn(this RegressionCatalog.RegressionTrainers catalog, CnnOptions options) =>
            Make(catalog, SequenceTask.Regression, options);

        /// <summary>
        /// An N-BEATS regressor: fully connected blocks with backcast links over a fixed-length numeric window (a
        /// [steps, features] Single vector column), to a Single or Single-vector label such as the next steps of a series.
        /// </summary>
        /// <param name="catalog">The regression trainers.</param>
        /// <param name="labelColumnName">Single or Single-vector label.</param>
        /// <param name="featureColumnName">Numeric steps of a fixed length.</param>
        /// <param name="numberOfBlocks">Blocks.</param>
        /// <param name="numberOfEpochs">Passes over the data; null scales them with the data (see <see cref="SequenceTrainerOptions.NumberOfEpochs"/>).</param>
        /// <returns>The trainer.</returns>
        public static SequenceTrainer SequenceNBeats(this RegressionCatalog.RegressionTrainers catalog,
            string labelColumnName = "Label", string featureColumnName = "Features", int numberOfBlocks = 6, int? numberOfEpochs = null) =>
            Make(catalog, SequenceTask.Regression, Simple(new NBeatsOptions { NumberOfBlocks = numberOfBlocks }, labelColumnName, featureColumnName, numberOfEpochs));

        /// <summary>An N-BEATS regressor with every option.</summary>
        /// <param name="catalog">The regression trainers.</param>
        /// <param name="options">The options.</param>
        /// <returns>The trainer.</returns>
        public static SequenceTrainer SequenceNBeats(this RegressionCatalog.RegressionTrainers catalog, NBeatsOptions options) =>
            Make(catalog, SequenceTask.Regression, options);
    }
}
