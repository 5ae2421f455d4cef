using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace MLNet.Sequence.Trainers.Native
{
    /// <summary>
    /// Loads TorchSharp's native shim before first use and, when it cannot load, explains why: the real
    /// cause (for example a libstdc++ too old for the shim) and the fix, instead of TorchSharp's message
    /// about a missing package reference.
    /// </summary>
    public static class TorchNative
    {
        private static readonly object Gate = new();
        private static bool _loaded;

        /// <summary>
        /// Makes sure libtorch and TorchSharp's native shim are loaded. Call before any TorchSharp use;
        /// every trainer and model in this library does.
        /// </summary>
        /// <exception cref="TorchNativeLoadException">The native libraries could not be loaded.</exception>
        public static void EnsureLoaded()
        {
            if (_loaded)
                return;
            lock (Gate)
            {
                if (_loaded)
                    return;
                PreferPassiveOpenMpWaiting();
                var shim = FindShim();
                if (shim != null && RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
                {
                    // Load the shim ourselves first: when it fails, the loader's own message (dlerror) names
                    // the cause, and TorchSharp's fallback (copying 600 MB of libraries next to the app) is avoided.
                    try
                    {
                        NativeLibrary.Load(shim);
                    }
                    catch (DllNotFoundException e)
                    {
                        throw new TorchNativeLoadException(Diagnose(shim, e.Message), e);
                    }
                }
                try
                {
                    torch.InitializeDeviceType(DeviceType.CPU);
                }
                catch (Exception e) when (e is not TorchNativeLoadException)
                {
                    var cause = shim != null ? Diagnose(shim, e.Message) :
                        "TorchSharp could not load its native libraries and no libLibTorchSharp was found next to the application. " +
                        "Reference a libtorch backend package in the application: TorchSharp-cpu (or libtorch-cpu-linux-x64 on Linux x64), " +
                        "or a CUDA build of TorchSharp. TorchSharp said: " + FirstLine(e);
                    throw new TorchNativeLoadException(cause, e);
                }
                _loaded = true;
            }
        }

        /// <summary>
        /// libtorch's OpenMP threads busy-wait between parallel regions by default; with another process on the same cores
        /// that made LSTM steps up to 40x slower in our measurements. Unless the user chose a policy, ask for passive
        /// waiting. It must be in the process environment before libtorch loads (.NET's own environment table is not
        /// the C library's, so this calls setenv).
        /// </summary>
        private static void PreferPassiveOpenMpWaiting()
        {
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OMP_WAIT_POLICY")))
                return;
            Environment.SetEnvironmentVariable("OMP_WAIT_POLICY", "PASSIVE");
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                try { _ = setenv("OMP_WAIT_POLICY", "PASSIVE", 0); }
                catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
            }
        }

        [DllImport("libc", EntryPoint = "setenv")]
        private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

        /// <summary>The path of libLibTorchSharp next to the application, or null.</summary>
        internal static string? FindShim()
        {
            var names = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? new[] { "LibTorchSharp.dll" }
                : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? new[] { "libLibTorchSharp.dylib" }
                : new[] { "libLibTorchSharp.so" };
            var dirs = new List<string>();
            var torchDir = Path.GetDirectoryName(typeof(torch).Assembly.Location);
            foreach (var baseDir in new[] { AppContext.BaseDirectory, torchDir })
            {
                if (string.IsNullOrEmpty(baseDir))
                    continue;
                dirs.Add(baseDir);
                dirs.Add(Path.Combine(baseDir, "runtimes", RuntimeInformation.RuntimeIdentifier, "native"));
                var arch = RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();
                var os = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "win" : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "osx" : "linux";
                dirs.Add(Path.Combine(baseDir, "runtimes", os + "-" + arch, "native"));
            }
            foreach (var d in dirs)
                foreach (var n in names)
                {
                    var p = Path.Combine(d, n);
                    if (File.Exists(p))
                        return p;
                }
            return null;
        }

        /// <summary>Explains a failed load of <paramref name="shim"/>, naming the real cause and the fix.</summary>
        internal static string Diagnose(string shim, string loaderMessage)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                var libstdcxx = GlibcxxVersionNeedFix.FindSystemLibStdCxx();
                if (libstdcxx != null)
                {
                    byte[] bytes;
                    try { bytes = File.ReadAllBytes(shim); }
                    catch (IOException) { bytes = Array.Empty<byte>(); }
                    var available = GlibcxxVersionNeedFix.ReadVersionDefinitions(File.ReadAllBytes(libstdcxx));
                    var missing = GlibcxxVersionNeedFix.MissingNeeds(bytes, available);
                    var strict = missing.FindAll(n => !n.IsWeak);
                    if (strict.Count > 0)
                    {
                        var versions = string.Join(", ", strict.ConvertAll(n => n.Version));
                        return $"TorchSharp's native library {shim} needs {versions} from libstdc++.so.6, but this system's {libstdcxx} " +
                               $"does not provide it (it predates GCC 13; Debian 12 and Ubuntu 22.04 are such systems). " +
                               "MLNet.Sequence's build step marks that need weak in the application's output copy; it did not run on this copy. " +
                               "Fix: rebuild or republish the application with a package reference to MLNet.Sequence (its buildTransitive targets run the step), " +
                               "set the MSBuild property MLNetSequencePatchLibTorchSharp=always when building on a newer system for deployment to an older one, " +
                               "or install a libstdc++ from GCC 13 or later. Loader message: " + loaderMessage;
                    }
                }
            }
            return $"TorchSharp's native library {shim} failed to load. Loader message: {loaderMessage}. " +
                   "Check that the libtorch backend package (TorchSharp-cpu, libtorch-cpu-linux-x64 or a CUDA build) matches TorchSharp's version and this platform.";
        }

        private static string FirstLine(Exception e)
        {
            var inner = e is TargetInvocationException or TypeInitializationException && e.InnerException != null ? e.InnerException! : e;
            var m = inner.Message;
            var nl = m.IndexOf('\n');
            return nl < 0 ? m : m.Substring(0, nl);
        }
    }

    /// <summary>The native TorchSharp or libtorch libraries could not be loaded; the message names the cause and the fix.</summary>
    public sealed class TorchNativeLoadException : InvalidOperationException
    {
        /// <summary>Creates the exception.</summary>
        /// <param name="message">The cause and the fix.</param>
        /// <param name="inner">The loader's exception.</param>
        public TorchNativeLoadException(string message, Exception inner) : base(message, inner) { }
    }
}
