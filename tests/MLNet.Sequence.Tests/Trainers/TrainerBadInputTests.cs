using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms;

namespace MLNet.Sequence.Tests.Trainers;

[TestClass]
public sealed class TrainerBadInputTests
{
    private sealed class Numeric
    {
        public bool Label { get; set; }
        [VectorType(6)] public float[] Features { get; set; } = new float[6];
        [VectorType(6)] public float[] Second { get; set; } = new float[6];
        [VectorType(4)] public float[] Short { get; set; } = new float[4];
        public float Target { get; set; }
        public uint Class { get; set; }
    }

    private static Numeric[] Rows(int n, Func<int, Numeric, Numeric>? edit = null) => Enumerable.Range(0, n).Select(i =>
    {
        var r = new Numeric
        {
            Label = i % 2 == 0,
            Features = Enumerable.Range(0, 6).Select(j => (float)Math.Sin(i + j) + (i % 2)).ToArray(),
            Second = Enumerable.Range(0, 6).Select(j => (float)Math.Cos(i * j)).ToArray(),
            Short = new float[4],
            Target = i * 0.1f,
        };
        return edit != null ? edit(i, r) : r;
    }).ToArray();

    private static LstmOptions Tiny() => new() { HiddenSize = 4, NumberOfEpochs = 1 };

    [TestMethod]
    public void OptionsAreValidatedWithTheirNames()
    {
        var ml = new MLContext(1);
        void Bad(string option, Func<object> make)
        {
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => make());
            Assert.Contains(option, e.Message);
        }
        Bad("BatchSize", () => ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { BatchSize = 0 }));
        Bad("LearningRate", () => ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { LearningRate = 0 }));
        Bad("LearningRate", () => ml.BinaryClassification.Trainers.SequenceGru(new GruOptions { LearningRate = -1 }));
        Bad("NumberOfEpochs", () => ml.Regression.Trainers.SequenceCnn(new CnnOptions { NumberOfEpochs = 0 }));
        Bad("HiddenSize", () => ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { HiddenSize = 0 }));
        Bad("NumberOfHeads", () => ml.BinaryClassification.Trainers.SequenceTransformer(new TransformerOptions { ModelDimension = 30, NumberOfHeads = 4 }));
        Bad("Dropout", () => ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { Dropout = 1.5f }));
        Bad("Pooling", () => ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { Pooling = (SequencePooling)42 }));
        Bad("Optimizer", () => ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { Optimizer = (SequenceOptimizer)42 }));
        Bad("EarlyStoppingPatience", () => ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { EarlyStoppingPatience = 2 }));
        Bad("ClassWeights", () => ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { ClassWeighting = ClassWeighting.Custom }));
        Bad("ClassWeighting", () => ml.Regression.Trainers.SequenceLstm(new LstmOptions { ClassWeighting = ClassWeighting.Balanced }));
        Bad("KernelSize", () => ml.Regression.Trainers.SequenceCnn(new CnnOptions { KernelSize = 1 }));
        Bad("PretrainedEmbeddingsPath", () => ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { PretrainedEmbeddingsPath = "/nonexistent/glove.txt" }));
    }

    [TestMethod]
    public void MissingOrWrongTypedColumnsAreRejectedAtSchemaTime()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Rows(20));
        void Bad(SequenceTrainer trainer, string column, string expected, bool atSchema = true)
        {
            if (atSchema)
            {
                var e1 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(MLNet.Sequence.Transforms.Internal.SchemaShapeFactory.FromSchema(data.Schema)));
                Assert.Contains($"'{column}'", e1.Message);
                Assert.Contains(expected, e1.Message);
            }
            var e2 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(data));
            Assert.Contains($"'{column}'", e2.Message);
            Assert.Contains(expected, e2.Message);
        }
        Bad(ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { LabelColumnName = "Nope" }), "Nope", "was not found");
        Bad(ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { LabelColumnName = "Target" }), "Target", "expected Boolean");
        Bad(ml.MulticlassClassification.Trainers.SequenceLstm(new LstmOptions { LabelColumnName = "Class" }), "Class", "MapValueToKey");
        Bad(ml.Regression.Trainers.SequenceLstm(new LstmOptions { LabelColumnName = "Label" }), "Label", "Single");
        Bad(ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { FeatureColumnName = "Target" }), "Target", "vector");
        // SchemaShape carries no vector sizes, so a size mismatch shows at Fit.
        Bad(ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { AdditionalFeatureColumnNames = new[] { "Short" } }), "Short", "differ in size", atSchema: false);
    }

    [TestMethod]
    public void SeveralEqualColumnsAreFeaturesPerStep()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Rows(40));
        using var model = ml.BinaryClassification.Trainers.SequenceGru(new GruOptions { HiddenSize = 4, NumberOfEpochs = 1, AdditionalFeatureColumnNames = new[] { "Second" } }).Fit(data);
        Assert.AreEqual(2, model.Features.Features);
        Assert.AreEqual(6, model.Features.Steps);
        Assert.HasCount(40, TestData.Column(model.Transform(data), "Score"));
    }

    [TestMethod]
    public void OneColumnWithADeclaredFeatureCount()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Rows(40));
        using var model = ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { HiddenSize = 4, NumberOfEpochs = 1, FeaturesPerStep = 2 }).Fit(data);
        Assert.AreEqual(2, model.Features.Features, "6 values read as 3 steps of 2 features");
        Assert.AreEqual(3, model.Features.Steps);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { HiddenSize = 4, NumberOfEpochs = 1, FeaturesPerStep = 4 }).Fit(data));
        Assert.Contains("FeaturesPerStep", e.Message);
        Assert.Contains("6 values", e.Message);
    }

    [TestMethod]
    public void OneClassIsAnError()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Rows(20, (i, r) => { r.Label = true; return r; }));
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.BinaryClassification.Trainers.SequenceLstm(Tiny()).Fit(data));
        Assert.Contains("'Label'", e.Message);
        Assert.Contains("only one class (true)", e.Message);
    }

    [TestMethod]
    public void NonFiniteValuesAreErrorsNamingColumnAndRow()
    {
        var ml = new MLContext(1);
        foreach (var bad in new[] { float.NaN, float.PositiveInfinity })
        {
            var data = ml.Data.LoadFromEnumerable(Rows(20, (i, r) => { if (i == 7) r.Features[3] = bad; return r; }));
            var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.BinaryClassification.Trainers.SequenceLstm(Tiny()).Fit(data));
            Assert.Contains("'Features'", e.Message);
            Assert.Contains("row 7", e.Message);
        }
        var nanLabel = ml.Data.LoadFromEnumerable(Rows(20, (i, r) => { if (i == 3) r.Target = float.NaN; return r; }));
        var l = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Regression.Trainers.SequenceLstm(new LstmOptions { LabelColumnName = "Target", HiddenSize = 4, NumberOfEpochs = 1 }).Fit(nanLabel));
        Assert.Contains("'Target'", l.Message);
        Assert.Contains("row 3", l.Message);

        // At prediction time too.
        var clean = ml.Data.LoadFromEnumerable(Rows(20));
        using var model = ml.BinaryClassification.Trainers.SequenceLstm(Tiny()).Fit(clean);
        var dirty = ml.Data.LoadFromEnumerable(Rows(5, (i, r) => { if (i == 2) r.Features[0] = float.NaN; return r; }));
        var p = Assert.ThrowsExactly<InvalidOperationException>(() => TestData.Column(model.Transform(dirty), "Score"));
        Assert.Contains("row 2", p.Message);
    }

    private sealed class Tokens
    {
        public bool Label { get; set; }
        [KeyType(10)] public uint[] Ids { get; set; } = Array.Empty<uint>();
    }

    private sealed class WideTokens
    {
        public bool Label { get; set; }
        [KeyType(20)] public uint[] Ids { get; set; } = Array.Empty<uint>();
    }

    [TestMethod]
    public void EmptySequencesScoreAndForeignVocabulariesAreErrors()
    {
        var ml = new MLContext(1);
        var rows = Enumerable.Range(0, 30).Select(i => new Tokens { Label = i % 2 == 0, Ids = Enumerable.Range(0, 1 + i % 7).Select(j => (uint)(1 + (i + j) % 10)).ToArray() }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        // Padding only, or nothing at all: empty sequences train and score like any row (see SharingAndEdgeRowTests).
        var withEmpty = ml.Data.LoadFromEnumerable(rows.Select((r, i) => i == 4 ? new Tokens { Label = r.Label, Ids = new uint[] { 0, 0 } } : i == 5 ? new Tokens { Label = r.Label } : r).ToList());
        using (var trained = ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { FeatureColumnName = "Ids", HiddenSize = 4, NumberOfEpochs = 1 }).Fit(withEmpty))
        {
            var scores = TestData.Column(trained.Transform(withEmpty), "Score").Cast<float>().ToArray();
            Assert.AreEqual(scores[4], scores[5], "all-padding and no ids at all are the same empty sequence");
        }

        using var model = ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { FeatureColumnName = "Ids", HiddenSize = 4, NumberOfEpochs = 1, MaximumSequenceLength = 5 }).Fit(data);
        // Another vocabulary (20 keys where the model knows 10): ids outside the embedding are refused at schema time.
        var wide = ml.Data.LoadFromEnumerable(new[] { new WideTokens { Label = true, Ids = new uint[] { 15, 3 } } });
        var v = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.GetOutputSchema(wide.Schema));
        Assert.Contains("'Ids'", v.Message);
        Assert.Contains("vocabulary", v.Message);

        // Longer than the trained maximum (5): truncated, keeping the last ids (LongSequenceTruncation = Pre).
        var longRow = ml.Data.LoadFromEnumerable(new[] { new Tokens { Label = true, Ids = new uint[] { 9, 9, 9, 1, 2, 3, 4, 5 } } });
        var lastFive = ml.Data.LoadFromEnumerable(new[] { new Tokens { Label = true, Ids = new uint[] { 1, 2, 3, 4, 5 } } });
        Assert.AreEqual(TestData.Column(model.Transform(lastFive), "Score")[0], TestData.Column(model.Transform(longRow), "Score")[0]);
    }

    [TestMethod]
    public void FixedSizeMismatchAtPredictionIsAnError()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Rows(20));
        using var model = ml.BinaryClassification.Trainers.SequenceLstm(Tiny()).Fit(data);
        var other = ml.Data.LoadFromEnumerable(new[] { new { Label = true, Features = new float[] { 1, 2, 3 } } });
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.GetOutputSchema(other.Schema));
        Assert.Contains("'Features'", e.Message);
    }
}

[TestClass]
public sealed class TrainerOptionTests
{
    private sealed class Padded
    {
        public bool Label { get; set; }
        [VectorType(8)] public float[] Features { get; set; } = new float[8];
        public int Length { get; set; }
        public float Value { get; set; }
    }

    private static Padded[] Rows(float padding) => Enumerable.Range(0, 60).Select(i =>
    {
        int len = 3 + i % 6;
        var f = new float[8];
        for (int t = 0; t < 8; t++)
            f[t] = t < 8 - len ? padding : (float)Math.Sin(i + t) + (i % 2);   // real steps at the end (pre padding)
        return new Padded { Label = i % 2 == 0, Features = f, Length = len, Value = i * 0.01f };
    }).ToArray();

    [TestMethod]
    public void NumericPaddingMarkedByALengthColumnIsIgnored()
    {
        var ml = new MLContext(1);
        using var model = ml.BinaryClassification.Trainers.SequenceGru(new GruOptions
        {
            HiddenSize = 4, NumberOfEpochs = 2, LengthColumnName = "Length", PaddingSide = MLNet.Sequence.Transforms.SequenceEnd.Pre, Bidirectional = true,
        }).Fit(ml.Data.LoadFromEnumerable(Rows(0)));
        var zeros = TestData.Column(model.Transform(ml.Data.LoadFromEnumerable(Rows(0))), "Score").Cast<float>().ToArray();
        var junk = TestData.Column(model.Transform(ml.Data.LoadFromEnumerable(Rows(123.5f))), "Score").Cast<float>().ToArray();
        CollectionAssert.AreEqual(zeros, junk, "values in the padding never reach a score");
        var badLength = ml.Data.LoadFromEnumerable(Rows(0).Select((r, i) => { if (i == 5) r.Length = 9; return r; }).ToList());
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => TestData.Column(model.Transform(badLength), "Score"));
        Assert.Contains("'Length'", e.Message);
        Assert.Contains("row 5", e.Message);
    }

    [TestMethod]
    public void OptimizersSchedulesLossesAndHeadsTrain()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Rows(0));
        var variants = new SequenceTrainerOptions[]
        {
            new LstmOptions { Optimizer = SequenceOptimizer.AdamW, WeightDecay = 0.01, LearningRateSchedule = LearningRateSchedule.Cosine, HeadHiddenSize = 8 },
            new GruOptions { Optimizer = SequenceOptimizer.Sgd, LearningRate = 0.05, LearningRateSchedule = LearningRateSchedule.Step, StepScheduleEpochs = 1, StepScheduleFactor = 0.5 },
            new CnnOptions { RegressionLoss = RegressionLoss.Huber, GradientClipNorm = 0 },
            new TransformerOptions { ModelDimension = 8, NumberOfHeads = 2, NumberOfLayers = 1, FeedForwardDimension = 8, RegressionLoss = RegressionLoss.AbsoluteError },
        };
        foreach (var o in variants)
        {
            o.NumberOfEpochs = 3;
            o.LabelColumnName = "Value";
            var reports = new System.Collections.Generic.List<EpochReport>();
            o.Progress = new SyncProgress<EpochReport>(reports.Add);
            var trainer = o switch
            {
                LstmOptions l => ml.Regression.Trainers.SequenceLstm(l),
                GruOptions g => ml.Regression.Trainers.SequenceGru(g),
                CnnOptions c => ml.Regression.Trainers.SequenceCnn(c),
                _ => ml.Regression.Trainers.SequenceTransformer((TransformerOptions)o),
            };
            using var model = trainer.Fit(data);
            Assert.HasCount(3, reports, o.GetType().Name);
            Assert.IsTrue(reports.All(r => double.IsFinite(r.TrainingLoss)), o.GetType().Name);
            if (o.LearningRateSchedule == LearningRateSchedule.Step)
                CollectionAssert.AreEqual(new[] { 0.05, 0.025, 0.0125 }, reports.Select(r => Math.Round(r.LearningRate, 6)).ToArray());
            if (o.LearningRateSchedule == LearningRateSchedule.Cosine)
                Assert.IsTrue(reports[0].LearningRate > reports[1].LearningRate && reports[1].LearningRate > reports[2].LearningRate, "cosine decays");
            Assert.IsTrue(TestData.Column(model.Transform(data), "Score").Cast<float>().All(float.IsFinite));
        }
    }

}

[TestClass]
public sealed class ScoringOrderTests
{
    private sealed class Row
    {
        public bool Label { get; set; }
        [VectorType(4)] public float[] Features { get; set; } = new float[4];
        public long RowIndex { get; set; }
    }

    /// <summary>A data view whose every other cursor returns the rows reversed: a source that is not repeatable.</summary>
    private sealed class FlakyOrder(IDataView forward, IDataView reversed) : IDataView
    {
        private int _cursors;
        public bool CanShuffle => false;
        public DataViewSchema Schema => forward.Schema;
        public long? GetRowCount() => forward.GetRowCount();
        public DataViewRowCursor GetRowCursor(System.Collections.Generic.IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
            new IdFromColumn((_cursors++ % 2 == 0 ? forward : reversed).GetRowCursor(forward.Schema));
        public DataViewRowCursor[] GetRowCursorSet(System.Collections.Generic.IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => new[] { GetRowCursor(columnsNeeded) };
    }

    /// <summary>Row ids from the RowIndex column, so a row keeps its id whatever the order.</summary>
    private sealed class IdFromColumn(DataViewRowCursor inner) : DataViewRowCursor
    {
        public override DataViewSchema Schema => inner.Schema;
        public override long Position => inner.Position;
        public override long Batch => inner.Batch;
        public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(column);
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => inner.GetGetter<TValue>(column);
        public override bool MoveNext() => inner.MoveNext();
        public override ValueGetter<DataViewRowId> GetIdGetter()
        {
            var g = inner.GetGetter<long>(inner.Schema["RowIndex"]);
            return (ref DataViewRowId id) => { long i = 0; g(ref i); id = new DataViewRowId((ulong)i, 0); };
        }
    }

    [TestMethod]
    public void ScoresAreNeverMatchedToTheWrongRows()
    {
        var ml = new MLContext(1);
        var rows = Enumerable.Range(0, 50).Select(i => new Row { Label = i % 2 == 0, Features = new[] { i, i % 3, (float)Math.Sin(i), 1f }, RowIndex = i }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        using var model = ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { HiddenSize = 4, NumberOfEpochs = 1 }).Fit(data);
        var flaky = new FlakyOrder(data, ml.Data.LoadFromEnumerable(Enumerable.Reverse(rows).ToList()));
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => TestData.Column(model.Transform(flaky), "Score"));
        Assert.Contains("different orders", e.Message);
        Assert.Contains("mlContext.Data.Cache", e.Message);
    }

    [TestMethod]
    public void ValidationFractionThatLeavesNoTrainingOrNoValidationRowsSaysSo()
    {
        var ml = new MLContext(1);
        static Row[] Rows(int n) => Enumerable.Range(0, n).Select(i => new Row { Label = i % 2 == 0, Features = new[] { i, i % 3, (float)Math.Sin(i), 1f }, RowIndex = i }).ToArray();
        var three = ml.Data.LoadFromEnumerable(Rows(3));
        var e = Assert.ThrowsExactly<InvalidOperationException>(() =>
            ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { HiddenSize = 4, NumberOfEpochs = 1, ValidationFraction = 0.99, Seed = 1 }).Fit(three));
        Assert.Contains("ValidationFraction = 0.99 held out all 3 rows", e.Message);
        var many = ml.Data.LoadFromEnumerable(Rows(4));
        e = Assert.ThrowsExactly<InvalidOperationException>(() =>
            ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { HiddenSize = 4, NumberOfEpochs = 1, ValidationFraction = 0.001, Seed = 1 }).Fit(many));
        Assert.Contains("ValidationFraction = 0.001 selected none of the 4 training rows", e.Message);
    }
}
