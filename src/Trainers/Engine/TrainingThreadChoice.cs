using MLNet.Sequence.Trainers.Network;
using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers
{
    /// <summary>The thread count an engine trains with when the user fixed none.</summary>
    internal static class TrainingThreadChoice
    {
        /// <summary>
        /// The fastest thread count for one training step (forward and backward) on the first batch of
        /// <paramref name="train"/>; the weights (gradients zeroed) and libtorch's generator are left as they were.
        /// </summary>
        public static int Fastest<TRow>(nn.Module network, IBatchSource<TRow> train, Func<IReadOnlyList<TRow>, Tensor> loss, Action<string>? log)
        {
            IReadOnlyList<TRow> first;
            using (var batches = train.Batches(0).GetEnumerator())
            {
                if (!batches.MoveNext())
                    return 1;
                first = batches.Current.ToList();
            }
            using var rng = torch.get_rng_state();
            network.train();
            var (threads, timings) = ThreadCount.Fastest(() =>
            {
                using var scope = torch.NewDisposeScope();
                var value = loss(first);
                using (ThreadCount.Keep())
                    BackwardErrors.Backward(value);
                network.zero_grad();
            });
            torch.set_rng_state(rng);
            log?.Invoke($"Threads: {threads} for training (a training step's forward and backward pass: {ThreadCount.Describe(timings)}; set NumberOfThreads to fix it).");
            return threads;
        }
    }
}
