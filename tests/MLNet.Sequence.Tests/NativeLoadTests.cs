using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Trainers.Native;
using MLNet.Sequence.Transforms.Internal;
using TorchSharp;

namespace MLNet.Sequence.Tests;

[TestClass]
public sealed class NativeLoadTests
{
    private static string Shim() => TorchNative.FindShim() ?? throw new AssertFailedException("libLibTorchSharp not found next to the tests");

    [TestMethod]
    public void PatchedShimLoadsAndRunsATensorOp()
    {
        TorchNative.EnsureLoaded();
        using var a = torch.arange(6, dtype: torch.float32).reshape(2, 3);
        using var b = a.matmul(a.t());
        CollectionAssert.AreEqual(new float[] { 5, 14, 14, 50 }, b.data<float>().ToArray());
    }

    [TestMethod]
    public void OutputCopyOfTheShimIsPatchedWhereTheSystemNeedsIt()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            Assert.Inconclusive("The GLIBCXX fix applies to Linux only.");
        var needs = GlibcxxVersionNeedFix.ReadVersionNeeds(File.ReadAllBytes(Shim()));
        var g32 = needs.SingleOrDefault(n => n.Version == "GLIBCXX_3.4.32");
        Assert.IsNotNull(g32, "TorchSharp 0.107's shim needs GLIBCXX_3.4.32");
        CollectionAssert.AreEqual(new[] { "_ZSt21ios_base_library_initv" }, g32.Symbols.ToArray(), "only the iostream anchor carries that version");
        var lib = GlibcxxVersionNeedFix.FindSystemLibStdCxx();
        Assert.IsNotNull(lib);
        bool systemHasIt = GlibcxxVersionNeedFix.ReadVersionDefinitions(File.ReadAllBytes(lib)).Contains("GLIBCXX_3.4.32");
        Assert.AreEqual(!systemHasIt, g32.IsWeak, systemHasIt ? "the system has the version: left alone" : "the system lacks the version: marked weak by the build step");
    }

    private static string PackageShim()
    {
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var p = Path.Combine(root, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (!File.Exists(p))
            Assert.Inconclusive($"TorchSharp's linux-x64 shim is not in the package cache at {p}.");
        return p;
    }

    private static readonly HashSet<string> OldLibStdCxx = new(Enumerable.Range(0, 31).Select(i => $"GLIBCXX_3.4.{i}").Append("GLIBCXX_3.4")
        .Concat(Enumerable.Range(0, 15).Select(i => $"CXXABI_1.3.{i}")).Append("CXXABI_1.3"));

    [TestMethod]
    public void PatchMarksOnlyTheMissingAnchorWeakAndIsIdempotent()
    {
        var copy = Path.Combine(Path.GetTempPath(), $"shim-{Guid.NewGuid():N}.so");
        File.Copy(PackageShim(), copy);
        try
        {
            var original = File.ReadAllBytes(copy);
            Assert.IsFalse(GlibcxxVersionNeedFix.ReadVersionNeeds(original).Single(n => n.Version == "GLIBCXX_3.4.32").IsWeak, "the package's file is unpatched");

            Assert.AreEqual(GlibcxxFixOutcome.Patched, GlibcxxVersionNeedFix.Apply(copy, OldLibStdCxx, out var detail), detail);
            var once = File.ReadAllBytes(copy);
            var diff = Enumerable.Range(0, original.Length).Where(i => original[i] != once[i]).ToList();
            Assert.HasCount(1, diff, "exactly one byte (the vna_flags of one entry) changes");
            Assert.AreEqual(original[diff[0]] | 0x2, once[diff[0]]);
            var needs = GlibcxxVersionNeedFix.ReadVersionNeeds(once);
            Assert.IsTrue(needs.Single(n => n.Version == "GLIBCXX_3.4.32").IsWeak);
            Assert.IsTrue(needs.Where(n => n.Version != "GLIBCXX_3.4.32").All(n => !n.IsWeak), "every other need is untouched");

            Assert.AreEqual(GlibcxxFixOutcome.AlreadyWeak, GlibcxxVersionNeedFix.Apply(copy, OldLibStdCxx, out _));
            CollectionAssert.AreEqual(once, File.ReadAllBytes(copy), "a second run changes nothing");

            // 'always' mode (no system information) gives the same single change.
            File.WriteAllBytes(copy, original);
            Assert.AreEqual(GlibcxxFixOutcome.Patched, GlibcxxVersionNeedFix.Apply(copy, null, out _));
            CollectionAssert.AreEqual(once, File.ReadAllBytes(copy));
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [TestMethod]
    public void FilesWithoutTheEntryAreLeftByteIdentical()
    {
        var candidates = new List<string>();
        var natives = Path.GetDirectoryName(Shim())!;
        candidates.Add(Path.Combine(natives, "libc10.so"));              // an ELF library that needs no missing version
        candidates.Add(typeof(NativeLoadTests).Assembly.Location);         // not ELF at all
        foreach (var path in candidates.Where(File.Exists))
        {
            var copy = Path.Combine(Path.GetTempPath(), $"other-{Guid.NewGuid():N}");
            File.Copy(path, copy);
            try
            {
                var before = File.ReadAllBytes(copy);
                var stamp = File.GetLastWriteTimeUtc(copy);
                var outcome = GlibcxxVersionNeedFix.Apply(copy, OldLibStdCxx, out _);
                Assert.IsTrue(outcome is GlibcxxFixOutcome.NothingMissing or GlibcxxFixOutcome.NotApplicable, $"{Path.GetFileName(path)}: {outcome}");
                CollectionAssert.AreEqual(before, File.ReadAllBytes(copy), Path.GetFileName(path));
                Assert.AreEqual(stamp, File.GetLastWriteTimeUtc(copy), "the file is not rewritten");
            }
            finally
            {
                File.Delete(copy);
            }
        }
    }

    [TestMethod]
    public void ALibraryNeedingRealNewCodeIsNotPatched()
    {
        // libc10 needs GLIBCXX versions bound to real functions; pretending the system lacks them must not weaken them.
        var c10 = Path.Combine(Path.GetDirectoryName(Shim())!, "libc10.so");
        var needs = GlibcxxVersionNeedFix.ReadVersionNeeds(File.ReadAllBytes(c10)).Where(n => n.File == "libstdc++.so.6" && n.Symbols.Count > 0).ToList();
        Assert.IsNotEmpty(needs);
        var copy = Path.Combine(Path.GetTempPath(), $"c10-{Guid.NewGuid():N}.so");
        File.Copy(c10, copy);
        try
        {
            var before = File.ReadAllBytes(copy);
            Assert.AreEqual(GlibcxxFixOutcome.Unsafe, GlibcxxVersionNeedFix.Apply(copy, new HashSet<string>(), out var detail));
            Assert.Contains("newer libstdc++", detail);
            CollectionAssert.AreEqual(before, File.ReadAllBytes(copy));
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [TestMethod]
    public void DiagnosisNamesTheMissingVersionAndTheFix()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            Assert.Inconclusive("Linux only.");
        var lib = GlibcxxVersionNeedFix.FindSystemLibStdCxx()!;
        if (GlibcxxVersionNeedFix.ReadVersionDefinitions(File.ReadAllBytes(lib)).Contains("GLIBCXX_3.4.32"))
            Assert.Inconclusive("This system's libstdc++ has GLIBCXX_3.4.32; the unpatched shim loads here.");
        var message = TorchNative.Diagnose(PackageShim(), "version `GLIBCXX_3.4.32' not found");
        Assert.Contains("GLIBCXX_3.4.32", message);
        Assert.Contains(lib, message);
        Assert.Contains("MLNetSequencePatchLibTorchSharp", message);
        Assert.Contains("GCC 13", message);
    }

    [TestMethod]
    public void SchemaShapeColumnConstructorIsReachable()
    {
        // The one ML.NET internal this project binds to (UnsafeAccessor): fails loudly if ML.NET changes it.
        var c = SchemaShapeFactory.Column("X", SchemaShape.Column.VectorKind.Vector, NumberDataViewType.UInt32, isKey: true);
        Assert.AreEqual("X", c.Name);
        Assert.AreEqual(SchemaShape.Column.VectorKind.Vector, c.Kind);
        Assert.IsTrue(c.IsKey);
        Assert.AreEqual(NumberDataViewType.UInt32, c.ItemType);
    }
}
