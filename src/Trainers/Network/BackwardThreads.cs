using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers.Network
{
    /// <summary>
    /// Identity functions that move the calling thread's libtorch thread count during the backward pass, so that the
    /// part of a network between them runs its gradients on one thread, as its forward pass did.
    /// </summary>
    /// <remarks>
    /// libtorch runs a CPU graph's backward pass on the thread that called <c>backward()</c>, node by node in reverse
    /// creation order: the gradient reaches <see cref="OneThread"/>'s node (created after the region) before the
    /// region's nodes, and <see cref="Restore"/>'s node (created before it) after them. When the region's input needs
    /// no gradient there is no restoring node; the training loop restores the count when <c>backward()</c> returns
    /// (<see cref="ThreadCount.Keep"/>), and the region is then the last work of the pass anyway.
    /// </remarks>
    internal static class BackwardThreads
    {
        /// <summary>y = x; the gradient flowing back through y switches the thread to one thread.</summary>
        public static Tensor OneThread(Tensor x) => OneThreadFunction.apply(x);

        /// <summary>y = x; the gradient flowing back through y sets the thread's count to <paramref name="threads"/>.</summary>
        public static Tensor Restore(Tensor x, int threads) => RestoreFunction.apply(x, threads);

        private sealed class OneThreadFunction : torch.autograd.SingleTensorFunction<OneThreadFunction>
        {
            public override string Name => "MLNet.Sequence.OneThreadBackward";

            public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars) => ((Tensor)vars[0]).alias();

            public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor gradOutput)
            {
                ThreadCount.Set(1);
                return new List<Tensor> { gradOutput };
            }
        }

        private sealed class RestoreFunction : torch.autograd.SingleTensorFunction<RestoreFunction>
        {
            public override string Name => "MLNet.Sequence.RestoreThreadsBackward";

            public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
            {
                ctx.save_data("threads", (int)vars[1]);
                return ((Tensor)vars[0]).alias();
            }

            public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor gradOutput)
            {
                ThreadCount.Set((int)ctx.get_data("threads"));
                return new List<Tensor> { gradOutput, null! };
            }
        }
    }
}
