using System;
using System.IO;
using Microsoft.ML;
using Microsoft.ML.Data;
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
    }
}
