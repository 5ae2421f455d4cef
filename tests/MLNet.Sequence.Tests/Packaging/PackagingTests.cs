using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace MLNet.Sequence.Tests.Packaging;

/// <summary>
/// Packs the four packages from a copy of the sources, then builds a fresh console application against them from a
/// local folder and runs it: on .NET 10, and self-contained on the .NET 8 runtime (the runtime pack is served where no
/// .NET 8 runtime is installed). The app trains, evaluates, saves, loads, predicts and plots. Slow (about two minutes).
/// </summary>
[TestClass]
[TestCategory("Packaging")]
public sealed class PackagingTests
{
    public TestContext TestContext { get; set; } = null!;

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "MLNet.Sequence.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("The repository root (MLNet.Sequence.sln) was not found above the test assembly.");
    }

    private string Run(string workingDirectory, string file, string arguments, int minutes, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(minutes)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"'{file} {arguments}' did not finish in {minutes} minutes.");
        }
        var output = stdout.Result + stderr.Result;
        TestContext.WriteLine($"$ {file} {arguments}\n{Tail(output)}");
        Assert.AreEqual(0, p.ExitCode, $"'{file} {arguments}' failed:\n{Tail(output)}");
        return output;
    }

    private static string Tail(string s) => s.Length > 4000 ? s[^4000..] : s;

    private static void CopyTree(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(from, dir);
            if (rel.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj"))
                continue;
            Directory.CreateDirectory(Path.Combine(to, rel));
        }
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(from, file);
            if (rel.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj"))
                continue;
            File.Copy(file, Path.Combine(to, rel));
        }
    }

    [TestMethod]
    [Timeout(900_000)]
    public void PackedPackagesServeAFreshConsoleAppOnNet10AndNet8()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || RuntimeInformation.OSArchitecture != Architecture.X64)
            Assert.Inconclusive("The consumer app references the Linux x64 libtorch package.");
        var repo = RepoRoot();
        var work = Path.Combine(Path.GetTempPath(), "mlnetseq-pack-" + Guid.NewGuid().ToString("N"));
        try
        {
            // 1. Pack from a copy of the sources, so the repository's own build outputs are never touched.
            var sources = Path.Combine(work, "sources");
            Directory.CreateDirectory(sources);
            CopyTree(Path.Combine(repo, "src"), Path.Combine(sources, "src"));
            foreach (var f in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json", "nuget.config" })
                File.Copy(Path.Combine(repo, f), Path.Combine(sources, f));
            var packages = Path.Combine(work, "packages");
            Run(sources, "dotnet", "new sln -n packages --format sln", 2);
            // The command-line tool (src/Cli) packs as a dotnet tool with its libtorch inside; it is not a library package.
            var projects = Directory.GetFiles(Path.Combine(sources, "src"), "*.csproj", SearchOption.AllDirectories)
                .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}Cli{Path.DirectorySeparatorChar}", StringComparison.Ordinal)).ToArray();
            Assert.HasCount(4, projects, "Transforms, Trainers, Estimators (MLNet.Sequence) and Plots");
            Run(sources, "dotnet", "sln packages.sln add " + string.Join(" ", projects.Select(p => $"\"{p}\"")), 2);
            Run(sources, "dotnet", $"pack packages.sln -c Release -o \"{packages}\"", 10);
            var nupkgs = Directory.GetFiles(packages, "*.nupkg").Select(Path.GetFileName).OrderBy(n => n).ToArray();
            CollectionAssert.AreEqual(new[] { "MLNet.Sequence.0.1.0.nupkg", "MLNet.Sequence.Plots.0.1.0.nupkg", "MLNet.Sequence.Trainers.0.1.0.nupkg", "MLNet.Sequence.Transforms.0.1.0.nupkg" }, nupkgs);
            Assert.HasCount(4, Directory.GetFiles(packages, "*.snupkg"), "symbol packages");

            // 2. A fresh app against the local folder. Its package cache links every package already on this machine, so the
            //    new MLNet.Sequence packages land only in the temporary cache (the machine's cache never holds a test build).
            var app = Path.Combine(work, "app");
            Directory.CreateDirectory(app);
            var template = Path.Combine(AppContext.BaseDirectory, "Packaging", "ConsumerApp");
            File.Copy(Path.Combine(template, "Program.cs.txt"), Path.Combine(app, "Program.cs"));
            File.WriteAllText(Path.Combine(app, "consumer.csproj"), File.ReadAllText(Path.Combine(template, "consumer.csproj.txt")).Replace("$VERSION$", "0.1.0"));
            File.WriteAllText(Path.Combine(app, "nuget.config"),
                $"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <packageSources>\n    <add key=\"mlnet-sequence-local\" value=\"{packages}\" />\n  </packageSources>\n</configuration>\n");
            var cache = Path.Combine(work, "nuget-cache");
            Directory.CreateDirectory(cache);
            var machineCache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } c ? c
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            foreach (var dir in Directory.GetDirectories(machineCache))
                if (!Path.GetFileName(dir).StartsWith("mlnet.sequence", StringComparison.OrdinalIgnoreCase))
                    Directory.CreateSymbolicLink(Path.Combine(cache, Path.GetFileName(dir)), dir);
            var env = ("NUGET_PACKAGES", cache);

            var net10 = Run(app, "dotnet", "run -c Release -f net10.0", 10, env);
            StringAssert.Contains(net10, "on 10.", "the app trained and evaluated on .NET 10 (it exits non-zero below 0.9 accuracy)");
            StringAssert.Contains(net10, "plot True");

            Run(app, "dotnet", "publish -c Release -f net8.0 -r linux-x64 --self-contained -o out8", 10, env);
            var net8 = Run(app, Path.Combine(app, "out8", "consumer"), "", 5);
            StringAssert.Contains(net8, "on 8.0.", "the app ran on the .NET 8 runtime");
            StringAssert.Contains(net8, "prediction True");
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); }
            catch (IOException) { }
        }
    }
}
