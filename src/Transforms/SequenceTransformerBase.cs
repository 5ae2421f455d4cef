using System;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Transforms.Internal;

namespace MLNet.Sequence.Transforms
{
    /// <summary>
    /// Base of MLNet.Sequence's row-to-row transformers: each adds columns to its input, computed lazily per row,
    /// and works in <see cref="TransformerChain{TLastTransformer}"/>, with <c>CreatePredictionEngine</c>, and with
    /// ML.NET's evaluators. Only this library derives from it.
    /// </summary>
    /// <remarks>
    /// ML.NET cannot save a transformer from outside its own assemblies, so <c>mlContext.Model.Save</c> throws on
    /// these; save the whole chain with <c>mlContext.Model.SaveSequenceModel</c> from the MLNet.Sequence package.
    /// </remarks>
    public abstract class SequenceTransformerBase : ITransformer
    {
        private protected SequenceTransformerBase() { }

        /// <summary>Always true: every output row comes from exactly one input row.</summary>
        public bool IsRowToRowMapper => true;

        /// <summary>The schema that <see cref="Transform"/> produces for <paramref name="inputSchema"/>.</summary>
        /// <param name="inputSchema">The schema of the input data.</param>
        /// <returns>The input columns plus the columns this transformer adds.</returns>
        /// <exception cref="ArgumentOutOfRangeException">An input column is missing or has the wrong type.</exception>
        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
        {
            ArgumentNullException.ThrowIfNull(inputSchema);
            return Bind(inputSchema).OutputSchema;
        }

        /// <summary>A mapper for single rows (used by prediction engines).</summary>
        /// <param name="inputSchema">The schema of the rows to map.</param>
        /// <returns>The row mapper.</returns>
        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
        {
            ArgumentNullException.ThrowIfNull(inputSchema);
            return new BindingRowMapper(Bind(inputSchema));
        }

        /// <summary>Applies the transformer lazily: nothing is computed until a cursor reads the added columns.</summary>
        /// <param name="input">The data to transform.</param>
        /// <returns>The input with the added columns.</returns>
        public IDataView Transform(IDataView input)
        {
            ArgumentNullException.ThrowIfNull(input);
            return new MappedDataView(input, Bind(input.Schema));
        }

        void ICanSaveModel.Save(ModelSaveContext ctx) => throw SaveErrors.CannotSaveWithMlNet(GetType().Name);

        private protected abstract ColumnBinding Bind(DataViewSchema inputSchema);
    }

    internal static class SaveErrors
    {
        public const string SaveMethod = "mlContext.Model.SaveSequenceModel(model, inputSchema, path)";

        public static NotSupportedException CannotSaveWithMlNet(string transformer) =>
            new($"{transformer} is an MLNet.Sequence transformer, which ML.NET's mlContext.Model.Save cannot store. " +
                $"Save the whole model with {SaveMethod} (namespace MLNet.Sequence) and load it with mlContext.Model.LoadSequenceModel(path, out inputSchema). " +
                "The file that mlContext.Model.Save had already created is not a usable model; delete it.");
    }
}
