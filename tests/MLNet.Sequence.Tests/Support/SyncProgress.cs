using System;

namespace MLNet.Sequence.Tests.Support;

/// <summary>An <see cref="IProgress{T}"/> that reports on the calling thread (<see cref="Progress{T}"/> posts to the thread pool), so a test can cancel at an exact epoch.</summary>
public sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
