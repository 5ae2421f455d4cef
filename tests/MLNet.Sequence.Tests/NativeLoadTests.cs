using System;
using System.IO;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Trainers.Native;
using TorchSharp;

namespace MLNet.Sequence.Tests;

[TestClass]
public sealed class NativeLoadTests
{
    [TestMethod]
    public void TensorOpRuns()
    {
        TorchNative.EnsureLoaded();
        using var a = torch.ones(3, 3);
        using var b = a * 2;
        using var s = b.sum();
        Assert.AreEqual(18f, s.item<float>());
    }
}
