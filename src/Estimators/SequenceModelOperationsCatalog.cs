using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Forecasting;
using MLNet.Sequence.Persistence;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence
{
    /// <summary>
    /// Saving and loading whole models on <c>mlContext.Model</c>. ML.NET's own <c>Save</c> cannot store transformers
    /// from outside its assemblies; these methods store any chain that mixes ML.NET's and MLNet.Sequence's
    /// transformers in one versioned zip, and load it back into a chain that gives identical outputs.
    /// </summary>
    public static class SequenceModelOperationsCatalog
    {
        /// <summary>
        /// Averages trained sequence models of one task into one model (a <see cref="SequenceEnsembleTransformer"/>):
        /// binary classifiers' probabilities, multiclass classifiers' class probabilities, regressors' values. Each model
        /// is a whole pipeline from the same input (its own preprocessing, then a sequence model); they may differ in
        /// family, size, seed and preprocessing. The ensemble owns the models from then on: disposing it disposes them.
        /// </summary>
        /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
        /// <param name="models">At least one fitted pipeline ending in a sequence classifier or regressor, all of one task (and, for classifiers, one label mapping).</param>
        /// <param name="inputSchema">The schema of the data every model takes (e.g. <c>trainingData.Schema</c>); saving stores it.</param>
        /// <returns>The ensemble; save it with <see cref="SaveSequenceModel(ModelOperationsCatalog, ITransformer, DataViewSchema, string)"/>.</returns>
        public static SequenceEnsembleTransformer AverageSequenceModels(this ModelOperationsCatalog catalog, IEnumerable<ITransformer> models, DataViewSchema inputSchema)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            ArgumentNullException.ThrowIfNull(inputSchema);
            return SequenceEnsembleTransformer.Create(models, inputSchema, nameof(models));
        }

        /// <summary>
        /// Averages trained sequence models of one task with weights (see
        /// <see cref="AverageSequenceModels(ModelOperationsCatalog, IEnumerable{ITransformer}, DataViewSchema)"/>).
        /// </summary>
        /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
        /// <param name="models">At least one fitted pipeline ending in a sequence classifier or regressor, all of one task.</param>
        /// <param name="inputSchema">The schema of the data every model takes.</param>
        /// <param name="weights">One finite, non-negative weight per model, not all zero; they are scaled to sum to 1.</param>
        /// <returns>The ensemble.</returns>
        public static SequenceEnsembleTransformer AverageSequenceModels(this ModelOperationsCatalog catalog, IEnumerable<ITransformer> models, DataViewSchema inputSchema,
            IEnumerable<double> weights)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            ArgumentNullException.ThrowIfNull(inputSchema);
            ArgumentNullException.ThrowIfNull(weights);
            return SequenceEnsembleTransformer.Create(models, inputSchema, nameof(models), weights);
        }

        /// <summary>
        /// Saves <paramref name="model"/> and its input schema to <paramref name="filePath"/>. The file is written to a
        /// temporary file in the same folder and then moved into place, so a failure never leaves a partial model behind.
        /// A temporary file that a killed process left beside the target (named <c>.{file}.{process id}.{random}.tmp</c>)
        /// is deleted by the next save to that path, once that process is gone.
        /// </summary>
        /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
        /// <param name="model">The fitted model: any transformer or transformer chain.</param>
        /// <param name="inputSchema">The schema of the data the model takes (e.g. <c>trainingData.Schema</c>).</param>
        /// <param name="filePath">The destination; replaced if it exists.</param>
        public static void SaveSequenceModel(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string filePath)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(inputSchema);
            ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
            var full = Path.GetFullPath(filePath);
            var dir = Path.GetDirectoryName(full)!;
            if (!Directory.Exists(dir))
                throw new DirectoryNotFoundException($"Cannot save the model to '{filePath}': folder '{dir}' does not exist.");
            AtomicFile.Write(full, stream => SequenceModelFile.Save(catalog, model, inputSchema, stream));
        }

        /// <summary>
        /// Saves <paramref name="model"/> and its input schema to <paramref name="stream"/>. The model is assembled in memory
        /// first, so nothing is written to the stream unless saving succeeds.
        /// </summary>
        /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
        /// <param name="model">The fitted model.</param>
        /// <param name="inputSchema">The schema of the data the model takes.</param>
        /// <param name="stream">A writable stream.</param>
        public static void SaveSequenceModel(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, Stream stream)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(inputSchema);
            ArgumentNullException.ThrowIfNull(stream);
            using var buffer = new MemoryStream();
            SequenceModelFile.Save(catalog, model, inputSchema, buffer);
            buffer.Position = 0;
            buffer.CopyTo(stream);
        }

        /// <summary>Loads a model saved by <see cref="SaveSequenceModel(ModelOperationsCatalog, ITransformer, DataViewSchema, string)"/>.</summary>
        /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
        /// <param name="filePath">The model file.</param>
        /// <param name="inputSchema">The input schema stored with the model.</param>
        /// <returns>A <see cref="TransformerChain{TLastTransformer}"/> of the saved transformers, in order. Dispose it when done: it may own native memory.</returns>
        /// <exception cref="InvalidDataException">The file is truncated, damaged, not an MLNet.Sequence model, or from a newer format version.</exception>
        public static ITransformer LoadSequenceModel(this ModelOperationsCatalog catalog, string filePath, out DataViewSchema inputSchema)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
            if (!File.Exists(filePath))
                throw new FileNotFoundException($"Model file '{filePath}' was not found.", filePath);
            using var stream = File.OpenRead(filePath);
            return SequenceModelFile.Load(catalog, stream, $"Model file '{filePath}'", out inputSchema);
        }

        /// <summary>Loads a model saved by <see cref="SaveSequenceModel(ModelOperationsCatalog, ITransformer, DataViewSchema, Stream)"/>.</summary>
        /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
        /// <param name="stream">A readable, seekable stream positioned at the model.</param>
        /// <param name="inputSchema">The input schema stored with the model.</param>
        /// <returns>A <see cref="TransformerChain{TLastTransformer}"/> of the saved transformers, in order.</returns>
        /// <exception cref="InvalidDataException">The data is truncated, damaged, not an MLNet.Sequence model, or from a newer format version.</exception>
        public static ITransformer LoadSequenceModel(this ModelOperationsCatalog catalog, Stream stream, out DataViewSchema inputSchema)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            ArgumentNullException.ThrowIfNull(stream);
            return SequenceModelFile.Load(catalog, stream, "The model stream", out inputSchema);
        }
    
        /// <summary>
        /// Saves a trained forecaster of any kind this library makes to <paramref name="filePath"/>, in the one-zip model
        /// format (written to a temporary file and moved into place): sequence forecasters and DeepAR, the baselines and
        /// M4 methods, and trained ensembles and auto forecasters with all their members. Load it with
        /// <see cref="LoadForecaster(ModelOperationsCatalog, string)"/>.
        /// </summary>
        /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
        /// <param name="forecaster">The trained forecaster (e.g. what <c>EnsembleForecaster.Train</c> or <c>AutoForecaster.Train</c> returned).</param>
        /// <param name="filePath">The destination; replaced if it exists.</param>
        /// <exception cref="NotSupportedException">The forecaster, or one of its members, is not one of this library's.</exception>
        public static void SaveForecaster(this ModelOperationsCatalog catalog, IForecaster forecaster, string filePath)
        {
            ArgumentNullException.ThrowIfNull(forecaster);
            var part = new ForecasterPart(forecaster);
            // The input a forecaster reads: series keys and values (ML.NET cannot save an empty schema).
            var schema = new DataViewSchema.Builder();
            schema.AddColumn("Series", TextDataViewType.Instance);
            schema.AddColumn("Value", NumberDataViewType.Single);
            catalog.SaveSequenceModel(part, schema.ToSchema(), filePath);
        }

        /// <summary>Loads a forecaster saved by <see cref="SaveForecaster(ModelOperationsCatalog, IForecaster, string)"/> (or a forecaster model saved alone by SaveSequenceModel).</summary>
        /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
        /// <param name="filePath">The model file.</param>
        /// <returns>The forecaster; dispose it when it is <see cref="IDisposable"/> (networks hold native memory).</returns>
        /// <exception cref="InvalidDataException">The file is damaged, or holds something other than one forecaster.</exception>
        public static IForecaster LoadForecaster(this ModelOperationsCatalog catalog, string filePath)
        {
            var chain = (TransformerChain<ITransformer>)catalog.LoadSequenceModel(filePath, out _);
            var parts = chain.ToArray();
            if (parts.Length == 1 && parts[0] is ForecasterPart stored)
                return stored.Forecaster;
            if (parts.Length == 1 && parts[0] is IForecaster forecaster)
                return forecaster;
            foreach (var t in parts.OfType<IDisposable>())
                t.Dispose();
            throw new InvalidDataException($"Model file '{filePath}' holds {parts.Length} transformer(s), not one forecaster; load it with LoadSequenceModel.");
        }
}
}
