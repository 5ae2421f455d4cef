using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using MLNet.Sequence.Trainers.Native;
using TorchSharp;

namespace MLNet.Sequence.Trainers
{
    /// <summary>
    /// libtorch's intra-op thread count, chosen by measurement and applied only for the duration of this library's calls.
    /// </summary>
    /// <remarks>
    /// What libtorch does (checked with TorchSharp 0.107 / libtorch 2.10 on Linux): <c>set_num_threads</c> sets the count
    /// of the calling thread at once, and a process-wide default that other threads copy when they first run a parallel
    /// operation; a thread that already ran one keeps its own count. So this library sets the count on the thread that
    /// calls Fit or scores, and sets it back when the call returns: the caller's own TorchSharp work keeps the count it
    /// chose. A thread that starts its first libtorch operation while such a call runs may copy the temporary default.
    /// </remarks>
    internal static class ThreadCount
    {
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

        /// <summary>Sets the calling thread's count to <paramref name="threads"/> until the scope is disposed, then restores it.</summary>
        public static Scope Use(int threads)
        {
            TorchNative.EnsureLoaded();
            int previous = torch.get_num_threads();
            if (previous == threads)
                return default;
            torch.set_num_threads(threads);
            return new Scope(previous);
        }

        /// <summary>Restores the calling thread's count (a no-op when nothing was changed).</summary>
        internal readonly struct Scope : IDisposable
        {
            private readonly int _previous;

            public Scope(int previous) => _previous = previous;

            public void Dispose()
            {
                if (_previous > 0)
                    torch.set_num_threads(_previous);
            }
        }

        /// <summary>
        /// Times <paramref name="work"/> at 1, 2, ... threads (one warm-up and <paramref name="runs"/> timed runs each; the
        /// median counts) and returns the fastest count, stopping as soon as a count is slower than the best so far.
        /// </summary>
        public static (int Threads, IReadOnlyList<(int Threads, double Milliseconds)> Timings) Fastest(Action work, int runs = 3)
        {
            var timings = new List<(int, double)>();
            int best = 1;
            double bestMs = double.PositiveInfinity;
            for (int n = 1; n <= MaximumCandidate; n++)
            {
                double ms;
                using (Use(n))
                {
                    work();
                    var samples = new double[runs];
                    for (int i = 0; i < runs; i++)
                    {
                        var clock = Stopwatch.StartNew();
                        work();
                        samples[i] = clock.Elapsed.TotalMilliseconds;
                    }
                    Array.Sort(samples);
                    ms = samples[runs / 2];
                }
                timings.Add((n, ms));
                if (ms < bestMs)
                {
                    best = n;
                    bestMs = ms;
                }
                else
                    break;
            }
            return (best, timings);
        }

        /// <summary>"1 thread 9.2 ms, 2 threads 21.3 ms".</summary>
        public static string Describe(IEnumerable<(int Threads, double Milliseconds)> timings) =>
            string.Join(", ", timings.Select(t => $"{t.Threads} thread{(t.Threads == 1 ? "" : "s")} {t.Milliseconds:F2} ms"));
    }
}
