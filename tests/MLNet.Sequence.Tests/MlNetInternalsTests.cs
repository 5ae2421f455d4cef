using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.Transforms.Internal;

namespace MLNet.Sequence.Tests;

/// <summary>
/// The ML.NET internals the library reaches (they carry no compatibility promise): each test fails when one stops
/// resolving in the ML.NET version the tests run against, instead of the library silently losing a feature.
/// </summary>
[TestClass]
public sealed class MlNetInternalsTests
{
    [TestMethod]
    public void SchemaShapeColumnConstructorBinds()
    {
        var annotations = new SchemaShape(new[] { SchemaShapeFactory.Column("KeyValues", SchemaShape.Column.VectorKind.Vector, TextDataViewType.Instance) });
        var c = SchemaShapeFactory.Column("Ids", SchemaShape.Column.VectorKind.VariableVector, NumberDataViewType.UInt32, isKey: true, annotations);
        Assert.AreEqual("Ids", c.Name);
        Assert.AreEqual(SchemaShape.Column.VectorKind.VariableVector, c.Kind);
        Assert.AreEqual(NumberDataViewType.UInt32, c.ItemType);
        Assert.IsTrue(c.IsKey);
        Assert.IsTrue(c.Annotations.TryFind("KeyValues", out _));
    }

    [TestMethod]
    public void TheEnvironmentBehindEveryCatalogIsFound()
    {
        // The environment of this MLContext, not another: it carries the context's GPU setting.
        var ml = new MLContext(1) { GpuDeviceId = 5 };
        foreach (var catalog in new object[] { ml.BinaryClassification.Trainers, ml.MulticlassClassification.Trainers, ml.Regression.Trainers, ml.Forecasting, ml.Transforms, ml.Model })
            Assert.AreEqual(5, MlNetInternals.GpuDeviceId(MlNetInternals.EnvironmentOf(catalog)), catalog.GetType().Name);
    }

    [TestMethod]
    public void GpuSettingsOfAHostAreRead()
    {
        var ml = new MLContext(1) { GpuDeviceId = 3, FallbackToCpu = true };
        IHostEnvironment host = ((IHostEnvironment)ml).Register("probe");
        Assert.IsTrue(MlNetInternals.CanReadGpuSettings(host), "IHostEnvironmentInternal with GpuDeviceId and FallbackToCpu");
        Assert.AreEqual(3, MlNetInternals.GpuDeviceId(host));
        Assert.IsTrue(MlNetInternals.FallbackToCpu(host));
    }

    [TestMethod]
    public void TheCancellationFlagOfAHostIsRead()
    {
        var ml = new MLContext(1);
        var host = ((IHostEnvironment)ml).Register("probe");
        Assert.IsTrue(MlNetInternals.TryCancellationFlag(host, out var flag), "IHost.IsCanceled");
        Assert.IsFalse(flag());
        // MLContext.CancelExecution is internal in ML.NET 5 (AutoML calls it); the test reaches it the same way.
        var cancel = typeof(MLContext).GetMethod("CancelExecution", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        Assert.IsNotNull(cancel, "MLContext.CancelExecution");
        cancel.Invoke(ml, null);
        Assert.IsTrue(flag(), "the flag follows the MLContext's cancellation");
    }
}
