using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Trainers.Native;

[assembly: Parallelize(Workers = 1, Scope = ExecutionScope.ClassLevel)]

namespace MLNet.Sequence.Tests;

[TestClass]
public static class AssemblySetup
{
    /// <summary>Load libtorch the way the library does (passive OpenMP waiting, clear errors) before any test touches it.</summary>
    [AssemblyInitialize]
    public static void Init(TestContext _) => TorchNative.EnsureLoaded();
}
