using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.InteropServices;
using MLNet.Sequence.Trainers.Native;
using TorchSharp;

namespace MLNet.Sequence.Trainers
{
    /// <summary>
    /// libtorch's intra-op thread count, chosen by measurement and applied only for the duration of this library's calls.
    /// </summary>
    /// <remarks>
    /// What libtorch does (checked with TorchSharp 0.107 / libtorch 2.10 on Linux): its CPU build runs parallel work
    /// through OpenMP, whose thread count is a per-thread setting, and MKL, which has a thread-local one.
    /// <c>torch.set_num_threads</c> sets both for the calling thread, but also a process-wide default that other threads
    /// copy when they first run a parallel operation. So where the OpenMP runtime's entry points can be found through
    /// the loaded libraries (Linux, macOS), this class sets only the calling thread's OpenMP and MKL counts
    /// (<c>omp_set_num_threads</c>; <c>MKL_Set_Num_Threads_Local</c>, the C entry point: the lower-case name is the
    /// Fortran one, which takes a pointer): no other thread can see the change. Elsewhere it falls back to
    /// <c>torch.set_num_threads</c>. Either way the count is set back when the call returns. Both cost well under a
    /// microsecond a change (measured), so they are set per call.
    /// </remarks>
    internal static class ThreadCount
    {
        private delegate void SetThreads(int threads);
        private delegate int SetThreadsLocal(int threads);

        private static readonly Lazy<(SetThreads? Omp, SetThreadsLocal? Mkl)> Native = new(FindNative);

        /// <summary>The candidates an automatic choice tries: 1 up to the processor count, at most 8.</summary>
        public static int MaximumCandidate => Math.Clamp(Environment.ProcessorCount, 1, 8);

        /// <summary>The calling thread's current count.</summary>
        public static int Current
        {
            get
            {
                TorchNative.EnsureLoaded();
                return torch.get_num_threads();
            }
        }

        /// <summary>True when counts are set per thread through OpenMP and MKL directly (not through torch.set_num_threads).</summary>
        internal static bool PerThread => Native.Value.Omp != null;

        /// <summary>True when MKL's thread-local count is set too (its entry point was found beside OpenMP's).</summary>
        internal static bool MklPerThread => Native.Value.Mkl != null;

        /// <summary>Sets the calling thread's count (OpenMP and MKL, this thread only, where possible).</summary>
        internal static void Set(int threads)
        {
            // libtorch gives a thread its count lazily, on the thread's first call that asks for it; asking first
            // makes sure that initialisation cannot later overwrite the count set here.
            torch.get_num_threads();
            var (omp, mkl) = Native.Value;
            if (omp == null)
            {
                torch.set_num_threads(threads);
                return;
            }
            omp(threads);
            mkl?.Invoke(threads);
        }

        /// <summary>
        /// The OpenMP and MKL entry points as libtorch resolved them: looked up from TorchSharp's native shim, whose
        /// dependencies (libtorch_cpu, its OpenMP runtime) the dynamic loader searches too.
        /// </summary>
        private static (SetThreads?, SetThreadsLocal?) FindNative()
        {
            TorchNative.EnsureLoaded();
            try
            {
                var shim = TorchNative.FindShim();
                if (shim == null || RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                    return (null, null);
                var handle = NativeLibrary.Load(shim);
                if (!NativeLibrary.TryGetExport(handle, "omp_set_num_threads", out var omp))
                    return (null, null);
                SetThreadsLocal? mkl = NativeLibrary.TryGetExport(handle, "MKL_Set_Num_Threads_Local", out var local)
                    ? Marshal.GetDelegateForFunctionPointer<SetThreadsLocal>(local)
                    : null;
                return (Marshal.GetDelegateForFunctionPointer<SetThreads>(omp), mkl);
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException or EntryPointNotFoundException)
            {
                return (null, null);
            }
        }

        /// <summary>Sets the calling thread's count to <paramref name="threads"/> until the scope is disposed, then restores it.</summary>
        public static Scope Use(int threads)
        {
            TorchNative.EnsureLoaded();
            int previous = torch.get_num_threads();   // libtorch initialises a thread's count on its first use: before any change
            if (previous == threads)
                return default;
            Set(threads);
            return new Scope(previous);
        }

        /// <summary>Sets the calling thread's count back to its current value when the scope is disposed, whatever changed it meanwhile.</summary>
        public static Scope Keep()
        {
            TorchNative.EnsureLoaded();
            return new Scope(torch.get_num_threads(), always: true);
        }

        /// <summary>Restores the calling thread's count (a no-op when nothing was changed).</summary>
        internal readonly struct Scope : IDisposable
        {
            private readonly int _previous;
            private readonly bool _always;

            public Scope(int previous, bool always = false)
            {
                _previous = previous;
                _always = always;
            }

            public void Dispose()
            {
                if (_previous > 0 && (!_always || torch.get_num_threads() != _previous))
                    Set(_previous);
            }
        }

        /// <summary>
        /// Times <paramref name="work"/> at 1, 2, ... threads and returns the fastest count. Each new count is timed
        /// against the best so far, alternating, <paramref name="runs"/> times each after one warm-up, so that both
        /// see the same moment of a noisy machine; the medians decide, and the search stops at the first count that
        /// is not faster.
        /// </summary>
        public static (int Threads, IReadOnlyList<(int Threads, double Milliseconds)> Timings) Fastest(Action work, int runs = 5)
        {
            double Once(int threads)
            {
                using (Use(threads))
                {
                    var clock = Stopwatch.StartNew();
                    work();
                    return clock.Elapsed.TotalMilliseconds;
                }
            }
            double Median(List<double> v)
            {
                v.Sort();
                return v[v.Count / 2];
            }
            var timings = new List<(int, double)>();
            int best = 1;
            Once(1);
            for (int n = 2; n <= MaximumCandidate; n++)
            {
                Once(n);
                var current = new List<double>();
                var candidate = new List<double>();
                for (int i = 0; i < runs; i++)
                {
                    current.Add(Once(best));
                    candidate.Add(Once(n));
                }
                double currentMs = Median(current), candidateMs = Median(candidate);
                // Each count is reported with its median from the latest round it ran in.
                timings.RemoveAll(t => t.Item1 == best);
                timings.Add((best, currentMs));
                timings.Add((n, candidateMs));
                timings.Sort((a, b) => a.Item1.CompareTo(b.Item1));
                if (candidateMs < currentMs)
                    best = n;
                else
                    break;
            }
            if (timings.Count == 0)   // one core: nothing to compare
                timings.Add((1, Once(1)));
            return (best, timings);
        }

        /// <summary>"1 thread 9.20 ms, 2 threads 21.30 ms".</summary>
        public static string Describe(IEnumerable<(int Threads, double Milliseconds)> timings) =>
            string.Join(", ", timings.Select(t => $"{t.Threads} thread{(t.Threads == 1 ? "" : "s")} {t.Milliseconds:F2} ms"));
    }
}
