using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Google.Protobuf;
using Microsoft.ML;
using MLNet.Sequence.OnnxExport;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence
{
    /// <summary>Options of <see cref="SequenceOnnxCatalog.ExportSequenceModelToOnnx(ModelOperationsCatalog, ITransformer, IDataView, Stream, SequenceOnnxExportOptions)"/>.</summary>
    public sealed class SequenceOnnxExportOptions
    {
        /// <summary>The lowest ONNX opset this library writes (LayerNormalization is an operator from opset 17 on).</summary>
        public const int MinimumOpset = 17;

        /// <summary>The highest ONNX opset this library writes and tests.</summary>
        public const int MaximumOpset = 18;

        /// <summary>The ONNX operator set version of the graph: 17 (the default) or 18.</summary>
        public int OpsetVersion { get; set; } = MinimumOpset;

        /// <summary>
        /// Declare the number of steps symbolic even when the model was trained on a fixed-size column, so ONNX Runtime
        /// called directly takes rows of any length (up to the length a Transformer was built for). False (default): a
        /// fixed-size column's steps are a fixed dimension, which ML.NET's ApplyOnnxModel needs to feed the column
        /// without a shape dictionary. Not for flatten pooling or N-BEATS, which read exactly the trained length.
        /// </summary>
        public bool DynamicSequenceLength { get; set; }

        internal void Validate()
        {
            if (OpsetVersion < MinimumOpset || OpsetVersion > MaximumOpset)
                throw new ArgumentOutOfRangeException(nameof(OpsetVersion), OpsetVersion,
                    $"Option OpsetVersion must be between {MinimumOpset} and {MaximumOpset}: the opsets whose operators this exporter writes and is tested with.");
        }
    }

    /// <summary>
    /// ONNX export of sequence models on <c>mlContext.Model</c>, beside ML.NET's <c>ConvertToOnnx</c> (which cannot see
    /// inside this library's transformers). The graph holds the model only: the transforms before it (token encoding,
    /// padding, windows) stay ML.NET transforms, and <c>mlContext.Transforms.ApplyOnnxModel</c> after them scores the
    /// graph with ONNX Runtime.
    /// </summary>
    public static class SequenceOnnxCatalog
    {
        /// <summary>
        /// Writes the sequence classifier or regressor at the end of <paramref name="model"/> to <paramref name="stream"/>
        /// as an ONNX graph (opset 17) with a dynamic batch and, for variable-length columns, a dynamic number of steps.
        /// Its inputs are named after the model's input columns (token ids as uint32 for key columns or int32, numeric
        /// steps as float, a mask column as bool, a length column as int32, static features as float); its outputs after
        /// the columns the model adds: <c>Score</c>, <c>Probability</c> and <c>PredictedLabel</c> (binary), <c>Score</c>
        /// (class probabilities) and <c>PredictedLabel</c> (the class key, 1-based) for multiclass, <c>Score</c> for
        /// regression (flattened). For a <see cref="Forecasting.SequenceForecastTransformer"/> the graph is its network:
        /// input <c>Window</c> (the scaled past window) and, with known-future covariates, <c>FutureCovariates</c>; output
        /// <c>Score</c> in the window's scaled units (docs/deployment.md gives the transforms around it).
        /// </summary>
        /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
        /// <param name="model">A fitted <see cref="SequencePredictionTransformer"/> or <see cref="Forecasting.SequenceForecastTransformer"/>, or a chain ending in one; the transformers before it are not written.</param>
        /// <param name="inputData">Data of the chain's input schema (rows are not read): checks that the model's columns arrive as at training.</param>
        /// <param name="stream">Where the graph is written.</param>
        public static void ExportSequenceModelToOnnx(this ModelOperationsCatalog catalog, ITransformer model, IDataView inputData, Stream stream) =>
            catalog.ExportSequenceModelToOnnx(model, inputData, stream, new SequenceOnnxExportOptions());

        /// <summary>
        /// As <see cref="ExportSequenceModelToOnnx(ModelOperationsCatalog, ITransformer, IDataView, Stream)"/>, with options.
        /// </summary>
        /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
        /// <param name="model">A fitted <see cref="SequencePredictionTransformer"/>, or a chain ending in one.</param>
        /// <param name="inputData">Data of the chain's input schema (rows are not read).</param>
        /// <param name="stream">Where the graph is written.</param>
        /// <param name="options">The opset version.</param>
        public static void ExportSequenceModelToOnnx(this ModelOperationsCatalog catalog, ITransformer model, IDataView inputData, Stream stream, SequenceOnnxExportOptions options)
        {
            ArgumentNullException.ThrowIfNull(stream);
            var bytes = Export(catalog, model, inputData, options);
            stream.Write(bytes, 0, bytes.Length);
        }

        /// <summary>
        /// As <see cref="ExportSequenceModelToOnnx(ModelOperationsCatalog, ITransformer, IDataView, Stream)"/>, to a file:
        /// written beside it and moved into place, so a failure never leaves a partial file behind.
        /// </summary>
        /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
        /// <param name="model">A fitted <see cref="SequencePredictionTransformer"/>, or a chain ending in one.</param>
        /// <param name="inputData">Data of the chain's input schema (rows are not read).</param>
        /// <param name="filePath">The destination (conventionally <c>.onnx</c>); replaced if it exists.</param>
        public static void ExportSequenceModelToOnnx(this ModelOperationsCatalog catalog, ITransformer model, IDataView inputData, string filePath)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
            var bytes = Export(catalog, model, inputData, new SequenceOnnxExportOptions());
            AtomicFile.Write(filePath, s => s.Write(bytes, 0, bytes.Length));
        }

        private static byte[] Export(ModelOperationsCatalog catalog, ITransformer model, IDataView inputData, SequenceOnnxExportOptions options)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(inputData);
            ArgumentNullException.ThrowIfNull(options);
            options.Validate();
            var parts = Flatten(model).ToList();
            var schema = inputData.Schema;
            foreach (var part in parts.Take(parts.Count - 1))
                schema = part.GetOutputSchema(schema);
            SequencePredictionTransformer sequenceModel;
            switch (parts.Count > 0 ? parts[^1] : null)
            {
                case SequencePredictionTransformer m:
                    m.GetOutputSchema(schema);   // the model's own column checks, with their messages
                    sequenceModel = m;
                    break;
                case Forecasting.SequenceForecastTransformer forecaster:
                    // The forecaster's network; its windows, their scaling and its inverse stay ML.NET transforms.
                    forecaster.GetOutputSchema(schema);
                    sequenceModel = forecaster.Model;
                    break;
                case SequenceEnsembleTransformer ensemble:
                    throw new NotSupportedException(
                        $"An ensemble of {ensemble.Members.Count} models cannot be exported as one ONNX graph; export each of its Members (each a whole pipeline ending in a sequence model) and average their outputs.");
                default:
                    throw new ArgumentException(
                        "The model must be a SequencePredictionTransformer (from a sequence classification or regression trainer), a SequenceForecastTransformer, " +
                        $"or a chain ending in one; its last part is {(parts.Count == 0 ? "missing (an empty chain)" : parts[^1].GetType().Name)}.",
                        nameof(model));
            }
            var engine = sequenceModel.Engine;
            var why = SequenceNetworkOnnx.Unsupported(engine.Config, sequenceModel.Features);
            if (options.DynamicSequenceLength && (engine.Config.Pooling == SequencePooling.Flatten || engine.Config.Encoder == EncoderKind.NBeats))
                throw new ArgumentException(
                    $"Option DynamicSequenceLength cannot apply to this model: {(engine.Config.Encoder == EncoderKind.NBeats ? "N-BEATS" : "flatten pooling")} reads exactly the {sequenceModel.Features.Steps} steps it was trained on.",
                    nameof(options));
            if (why != null)
                throw new NotSupportedException($"This model cannot be exported to ONNX: {why}.");
            var lease = engine.Lease();
            try
            {
                var graph = new OnnxGraph(options.OpsetVersion);
                SequenceNetworkOnnx.Write(graph, engine.Config, engine.ReadWeights(), sequenceModel.Features, sequenceModel.Label, options.DynamicSequenceLength);
                var version = typeof(SequenceOnnxCatalog).Assembly.GetName().Version?.ToString() ?? "";
                return graph.Build(version, $"{sequenceModel.Task} with a {engine.Config.Encoder} encoder, written by MLNet.Sequence.").ToByteArray();
            }
            finally
            {
                lease.Release();
            }
        }

        private static IEnumerable<ITransformer> Flatten(ITransformer model)
        {
            if (model is IEnumerable<ITransformer> chain)
            {
                foreach (var inner in chain)
                    foreach (var t in Flatten(inner))
                        yield return t;
            }
            else
                yield return model;
        }
    }
}
