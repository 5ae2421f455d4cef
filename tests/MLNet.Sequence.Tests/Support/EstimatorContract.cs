using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Transforms.Internal;
using TorchSharp;

namespace MLNet.Sequence.Tests.Support;

/// <summary>
/// The contract every estimator of this project is run through: schema propagation, bad input rejected at
/// GetOutputSchema and at Fit, fit, transform of every row, save/load with identical outputs, plain
/// mlContext.Model.Save refused with a pointer to SaveSequenceModel, and (with TorchSharp) no leaked tensors.
/// </summary>
public static class EstimatorContract
{
    public sealed class Case<TTransformer> where TTransformer : class, ITransformer
    {
        /// <summary>The estimator under test (alone; the helper prepends <see cref="Prefix"/> when given).</summary>
        public required IEstimator<TTransformer> Estimator { get; init; }

        /// <summary>Fitted transformers applied before the estimator (e.g. tokenization), saved with it.</summary>
        public ITransformer? Prefix { get; init; }

        /// <summary>Raw training data (before <see cref="Prefix"/>).</summary>
        public required IDataView Train { get; init; }

        /// <summary>Raw data to compare outputs on after save/load; defaults to <see cref="Train"/>.</summary>
        public IDataView? Test { get; init; }

        /// <summary>Data (after the prefix) whose schema the estimator must reject, each with a word the message must contain.</summary>
        public IList<(string Why, IDataView Data, string MessageMentions)> BadInputs { get; init; } = new List<(string, IDataView, string)>();

        /// <summary>Output columns whose values must survive save/load exactly.</summary>
        public required string[] OutputColumns { get; init; }

        /// <summary>Whether the transformer runs TorchSharp (then tensor counts are checked).</summary>
        public bool UsesTorch { get; init; }
    }

    public static TTransformer Verify<TTransformer>(MLContext ml, Case<TTransformer> c) where TTransformer : class, ITransformer
    {
        var train = c.Prefix?.Transform(c.Train) ?? c.Train;
        var test = c.Test ?? c.Train;

        // 1. Schema propagation: what GetOutputSchema promises is what the fitted transformer produces.
        var promised = c.Estimator.GetOutputSchema(SchemaShapeFactory.FromSchema(train.Schema));
        var fitted = c.Estimator.Fit(train);
        var actual = fitted.GetOutputSchema(train.Schema);
        foreach (var col in actual.Where(x => !x.IsHidden))
        {
            Assert.IsTrue(promised.TryFind(col.Name, out var p), $"GetOutputSchema does not promise column '{col.Name}'.");
            var a = SchemaShapeFactory.FromType(col.Name, col.Type);
            Assert.AreEqual(a.Kind, p.Kind, $"column '{col.Name}' vector kind");
            Assert.AreEqual(a.ItemType, p.ItemType, $"column '{col.Name}' item type");
            Assert.AreEqual(a.IsKey, p.IsKey, $"column '{col.Name}' key-ness");
        }
        foreach (var p in promised)
            Assert.IsNotNull(actual.GetColumnOrNull(p.Name), $"GetOutputSchema promises column '{p.Name}' that the transformer does not produce.");

        // 2. Bad input is rejected at GetOutputSchema and at Fit, naming what is wrong.
        foreach (var (why, data, mentions) in c.BadInputs)
        {
            var e1 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => c.Estimator.GetOutputSchema(SchemaShapeFactory.FromSchema(data.Schema)), why);
            Assert.Contains(mentions, e1.Message, why);
            var e2 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => c.Estimator.Fit(data), why);
            Assert.Contains(mentions, e2.Message, why);
        }

        // 3. Transform reads every output column of every row.
        var model = c.Prefix != null ? (ITransformer)new TransformerChain<ITransformer>(c.Prefix, fitted) : fitted;
        var output = model.Transform(test);
        long rows = 0;
        using (var cursor = output.GetRowCursor(output.Schema))
        {
            var getters = c.OutputColumns.Select(n => MakeReader(cursor, output.Schema[n])).ToArray();
            while (cursor.MoveNext())
            {
                foreach (var g in getters) g();
                rows++;
            }
        }
        Assert.IsGreaterThan(0L, rows, "the transform produced no rows");
        if (fitted.IsRowToRowMapper && (c.Prefix?.Transform(test) ?? test).GetRowCount() is long n)
            Assert.AreEqual(n, rows, "a row-to-row transformer must keep the row count");

        // 4. Save/load round trip with identical outputs; a plain ML.NET save is refused with directions.
        var path = Path.Combine(Path.GetTempPath(), $"contract-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.SaveSequenceModel(model, c.Train.Schema, path);
            var loaded = ml.Model.LoadSequenceModel(path, out var schema);
            Assert.AreEqual(c.Train.Schema.Count, schema.Count, "stored input schema");
            TestData.AssertSameColumns(output, loaded.Transform(test), c.OutputColumns);
            (loaded as IDisposable)?.Dispose();
        }
        finally
        {
            File.Delete(path);
        }
        var plain = Path.Combine(Path.GetTempPath(), $"contract-plain-{Guid.NewGuid():N}.zip");
        try
        {
            var e = Assert.Throws<Exception>(() => ml.Model.Save(model, c.Train.Schema, plain));
            Assert.Contains("SaveSequenceModel", e.Message);
        }
        finally
        {
            File.Delete(plain);
        }

        // 5. No leaked tensors across repeated transforms.
        if (c.UsesTorch)
        {
            ReadAll(model.Transform(test), c.OutputColumns); // warm-up
            SettleFinalizers();
            long before = torch.Tensor.TotalCount;
            for (int i = 0; i < 3; i++)
                ReadAll(model.Transform(test), c.OutputColumns);
            Assert.AreEqual(before, torch.Tensor.TotalCount, "live tensors after repeated transforms");
        }
        return fitted;
    }

    /// <summary>
    /// Finalizes tensors that earlier code dropped without disposing, so that they do not change the live count in the
    /// middle of a measurement. The count after the measured work is read without collecting, so a leak shows as growth.
    /// </summary>
    public static void SettleFinalizers()
    {
        for (int i = 0; i < 2; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    public static void ReadAll(IDataView data, IEnumerable<string> columns)
    {
        using var cursor = data.GetRowCursor(columns.Select(n => data.Schema[n]));
        var getters = columns.Select(n => MakeReader(cursor, data.Schema[n])).ToArray();
        while (cursor.MoveNext())
            foreach (var g in getters) g();
    }

    private static Action MakeReader(DataViewRow row, DataViewSchema.Column col)
    {
        var item = col.Type is VectorDataViewType v ? v.ItemType.RawType : col.Type.RawType;
        var type = col.Type is VectorDataViewType ? typeof(VBuffer<>).MakeGenericType(item) : item;
        var m = typeof(EstimatorContract).GetMethod(nameof(Reader), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.MakeGenericMethod(type);
        return (Action)m.Invoke(null, new object[] { row, col })!;
    }

    private static Action Reader<T>(DataViewRow row, DataViewSchema.Column col)
    {
        var g = row.GetGetter<T>(col);
        T value = default!;
        return () => g(ref value);
    }
}
