using System.Linq;
using System.Reflection;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms;

namespace MLNet.Sequence.Tests;

/// <summary>
/// The layers keep to their side of the engine boundary: tensors only in MLNet.Sequence.Trainers, IDataView only
/// outside it. Checked on the compiled assemblies, so a stray <c>using TorchSharp</c> that is used fails here.
/// </summary>
[TestClass]
public sealed class LayeringTests
{
    private static string[] References(Assembly a) => a.GetReferencedAssemblies().Select(n => n.Name!).ToArray();

    [TestMethod]
    public void TheMlNetFaceNeverTouchesTorchSharp()
    {
        var refs = References(typeof(SequenceTrainer).Assembly);
        CollectionAssert.DoesNotContain(refs, "TorchSharp", "MLNet.Sequence (estimators, scoring, forecasting, persistence) goes through the engine's array API");
        CollectionAssert.Contains(refs, "MLNet.Sequence.Trainers");
    }

    [TestMethod]
    public void TransformsNeedNeitherTorchSharpNorTheEngine()
    {
        var refs = References(typeof(PadSequencesEstimator).Assembly);
        CollectionAssert.DoesNotContain(refs, "TorchSharp");
        CollectionAssert.DoesNotContain(refs, "MLNet.Sequence.Trainers");
    }

    [TestMethod]
    public void TheEngineNeverTouchesIDataView()
    {
        var refs = References(typeof(EpochReport).Assembly);
        CollectionAssert.Contains(refs, "TorchSharp");
        Assert.IsFalse(refs.Any(r => r.StartsWith("Microsoft.ML", System.StringComparison.Ordinal)), "the engine knows rows in arrays, not ML.NET: " + string.Join(", ", refs));
    }
}
