using System;
using System.IO;
using System.Threading;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Tests.Support;

/// <summary>
/// The checkpoint story of a trainer that keeps its rows in memory (sequence-to-sequence, tagging, next element):
/// trained uninterrupted; canceled after some epochs with a checkpoint (which stays); refused by a training with other
/// options (naming CheckpointPath); resumed to the end (the checkpoint then deleted), with the uninterrupted run's
/// per-epoch losses. The caller compares the two models' outputs and disposes them.
/// </summary>
public static class ResumeCheck
{
    /// <param name="fit">Trains with a checkpoint path (or null), a progress receiver (or null) and a cancellation token.</param>
    /// <param name="fitOther">Trains with the checkpoint path and one option changed; it must be refused.</param>
    /// <param name="history">The model's training history.</param>
    /// <param name="epochs">The epochs <paramref name="fit"/> trains.</param>
    /// <param name="cancelAfter">The epoch after which the first checkpointed run is canceled.</param>
    public static (T Uninterrupted, T Resumed) Run<T>(Func<string?, IProgress<EpochReport>?, CancellationToken, T> fit, Action<string> fitOther,
        Func<T, TrainingHistory> history, int epochs, int cancelAfter) where T : IDisposable
    {
        var uninterrupted = fit(null, null, CancellationToken.None);
        var path = Path.Combine(Path.GetTempPath(), $"checkpoint-{Guid.NewGuid():N}.ckpt");
        try
        {
            using var cancel = new CancellationTokenSource();
            Assert.ThrowsExactly<OperationCanceledException>(() => fit(path, new SyncProgress<EpochReport>(e => { if (e.Epoch == cancelAfter) cancel.Cancel(); }), cancel.Token));
            Assert.IsTrue(File.Exists(path), "a canceled training keeps its checkpoint");
            var refused = Assert.ThrowsExactly<InvalidOperationException>(() => fitOther(path));
            Assert.Contains("CheckpointPath", refused.Message);
            var resumed = fit(path, null, CancellationToken.None);
            try
            {
                var h = history(resumed);
                Assert.AreEqual(cancelAfter, h.ResumedAfterEpoch);
                Assert.HasCount(epochs, h.Epochs, "the checkpoint's epochs and the resumed ones");
                Assert.IsFalse(File.Exists(path), "a finished training deletes its checkpoint");
                for (int k = 0; k < epochs; k++)
                    Assert.AreEqual(history(uninterrupted).Epochs[k].TrainingLoss, h.Epochs[k].TrainingLoss, 1e-6, $"epoch {k + 1} loss");
                return (uninterrupted, resumed);
            }
            catch
            {
                resumed.Dispose();
                throw;
            }
        }
        catch
        {
            uninterrupted.Dispose();
            throw;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
