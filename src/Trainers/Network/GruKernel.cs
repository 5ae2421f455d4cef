using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers.Network
{
    /// <summary>
    /// One direction of one GRU layer over a whole time-major sequence on the CPU, with the same gate equations as
    /// torch.nn.GRU (r, z, n order; n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)); h' = n + z ⊙ (h − n); h₀ = 0)
    /// and a hand-written backward pass.
    /// </summary>
    /// <remarks>
    /// Why: libtorch's own CPU GRU records a dozen autograd nodes per step and replays them one by one in the backward
    /// pass. Here the input projections of all steps are one GEMM, each forward step is five kernels, mostly in place in
    /// buffers that the backward pass reads, and each backward step is four kernels; every factor of
    /// the gate derivatives that does not depend on the incoming gradient is computed for all steps at once, and the
    /// weight gradients are one GEMM each over all steps. Gradient formulas: for p = (1 − z)(1 − n²),
    /// ∂/∂(gate pre-activations) = [dh·p·ghn·r(1 − r), dh·(h₋₁ − n)·z(1 − z), dh·p] for the input side, with the
    /// last block multiplied by r for the hidden side; ∂h₋₁ = dh·z + ∂gh·W_hh.
    /// </remarks>
    internal static class GruKernel
    {
        /// <summary>
        /// Runs the layer over <paramref name="x"/> [steps, batch, input] and returns every step's hidden state
        /// [steps, batch, hidden]. Differentiable in all five tensors when autograd is on.
        /// </summary>
        public static Tensor Run(Tensor x, Tensor weightIh, Tensor weightHh, Tensor biasIh, Tensor biasHh)
        {
            bool grad = torch.is_grad_enabled() && (x.requires_grad || weightIh.requires_grad || weightHh.requires_grad || biasIh.requires_grad || biasHh.requires_grad);
            if (grad)
                return GruFunction.apply(x, weightIh, weightHh, biasIh, biasHh);
            using var scope = torch.NewDisposeScope();
            var (hs, _, _, _) = Forward(x, weightIh, weightHh, biasIh, biasHh, keepGates: false);
            return hs.MoveToOuterDisposeScope();
        }

        /// <summary>The forward recurrence. Returns the outputs, the time-major input it used, and the two gate buffers.</summary>
        /// <param name="x">[T, B, I].</param>
        /// <param name="weightIh">W_ih [3H, I] (r, z, n).</param>
        /// <param name="weightHh">W_hh [3H, H].</param>
        /// <param name="biasIh">b_ih [3H].</param>
        /// <param name="biasHh">b_hh [3H].</param>
        /// <param name="keepGates">Keep every step's hidden-side gates for the backward pass; without it one step's
        /// buffer is reused (less memory to allocate and touch when scoring).</param>
        /// <returns>
        /// hs [T, B, H]; xt, the contiguous input [T, B, I]; gi [T, B, 3H] whose last third holds n after the call;
        /// gh [T, B, 3H] holding r, z (after the sigmoid) and W_hn h + b_hn (only the last step's, [1, B, 3H], without
        /// <paramref name="keepGates"/>).
        /// </returns>
        internal static (Tensor Hs, Tensor Xt, Tensor Gi, Tensor Gh) Forward(Tensor x, Tensor weightIh, Tensor weightHh, Tensor biasIh, Tensor biasHh, bool keepGates = true)
        {
            long steps = x.shape[0], batch = x.shape[1], inputs = x.shape[2], hidden = weightHh.shape[1];
            var xt = x.contiguous();
            // Input projections of all steps in one GEMM.
            var gi = torch.addmm(biasIh, xt.view(steps * batch, inputs), weightIh.t(), 1, 1).view(steps, batch, 3 * hidden);
            var weightHhT = weightHh.t();
            Tensor gh;
            if (keepGates)
            {
                // Every step's hidden-side slot starts as b_hh plus the input side of r and z, so that one GEMM in
                // place per step leaves r and z's pre-activations and W_hn h + b_hn in it.
                gh = biasHh.expand(steps, batch, 3 * hidden).contiguous();
                gh.narrow(2, 0, 2 * hidden).add_(gi.narrow(2, 0, 2 * hidden), Scalars.One);
            }
            else
            {
                // Scoring: one step's buffer, reused; it starts each step as b_hh.
                gh = torch.empty(new[] { 1L, batch, 3 * hidden }, dtype: x.dtype, device: x.device);
            }
            Tensor hs;
            using (var loop = torch.NewDisposeScope())
            {
                var outputs = new Tensor[steps];
                var giRz = gi.narrow(2, 0, 2 * hidden).unbind(0);
                var giN = gi.narrow(2, 2 * hidden, hidden).unbind(0);
                // Scoring reuses slot 0 for every step.
                var ghStep = gh.unbind(0);
                var ghRz = gh.narrow(2, 0, 2 * hidden).unbind(0);
                var ghR = gh.narrow(2, 0, hidden).unbind(0);
                var ghZ = gh.narrow(2, hidden, hidden).unbind(0);
                var ghN = gh.narrow(2, 2 * hidden, hidden).unbind(0);
                var biasRow = keepGates ? null : biasHh.expand(batch, 3 * hidden);
                var h = torch.zeros(new[] { batch, hidden }, dtype: x.dtype, device: x.device);
                using var threads = RecurrenceThreads(batch, hidden);
                for (int t = 0; t < steps; t++)
                {
                    int g = keepGates ? t : 0;
                    if (keepGates)
                    {
                        ghStep[g].addmm_(h, weightHhT);
                        ghRz[g].sigmoid_();
                    }
                    else
                    {
                        ghStep[g].copy_(biasRow!).addmm_(h, weightHhT);
                        ghRz[g].add_(giRz[t], Scalars.One).sigmoid_();
                    }
                    giN[t].addcmul_(ghR[g], ghN[g], Scalars.One).tanh_();
                    h = torch.lerp(giN[t], h, ghZ[g]);
                    outputs[t] = h;
                }
                hs = torch.stack(outputs, 0).MoveToOuterDisposeScope();
            }
            return (hs, xt, gi, gh);
        }

        /// <summary>
        /// Gradients of the layer given the gradient of its outputs [T, B, H]; the input's gradient only when
        /// <paramref name="inputGradient"/> (the first layer over raw features needs none).
        /// </summary>
        internal static (Tensor? Dx, Tensor DweightIh, Tensor DweightHh, Tensor DbiasIh, Tensor DbiasHh) Backward(
            Tensor gradOut, Tensor xt, Tensor weightIh, Tensor weightHh, Tensor gi, Tensor gh, Tensor hs, bool inputGradient)
        {
            long steps = xt.shape[0], batch = xt.shape[1], inputs = xt.shape[2], hidden = weightHh.shape[1];
            // Every large temporary is a fresh allocation that the kernel then touches page by page (libtorch's CPU
            // allocator does not cache), which cost more than the arithmetic here: the factors are built in place in
            // as few buffers as possible.
            var r = gh.narrow(2, 0, hidden);
            var z = gh.narrow(2, hidden, hidden);
            var ghn = gh.narrow(2, 2 * hidden, hidden);
            var n = gi.narrow(2, 2 * hidden, hidden);
            // Per-step factors that do not depend on the incoming gradient, for all steps at once, in [T, B, 3, H]:
            // reset p·ghn·r(1 − r), update (h₋₁ − n)·z(1 − z), new p·r, where p = (1 − z)(1 − n²).
            var p = n.mul(n).neg_().add_(Scalars.One, Scalars.One);
            p.addcmul_(p, z, Scalars.MinusOne);
            var factors = torch.empty(new[] { steps, batch, 3L, hidden }, dtype: gh.dtype, device: gh.device);
            var hPrevMinusN = n.neg();
            hPrevMinusN.narrow(0, 1, steps - 1).add_(hs.narrow(0, 0, steps - 1), Scalars.One);   // h₋₁ = 0 at the first step
            factors.select(2, 0).copy_(r).addcmul_(r, r, Scalars.MinusOne).mul_(ghn).mul_(p);
            factors.select(2, 1).copy_(z).addcmul_(z, z, Scalars.MinusOne).mul_(hPrevMinusN);
            factors.select(2, 2).copy_(p).mul_(r);
            // dh of each step: its own output gradient plus what flows back from the next step, accumulated in place.
            var dh = gradOut.contiguous().clone();
            using (var loop = torch.NewDisposeScope())
            {
                var dhStep = dh.unbind(0);
                var dhWide = dh.unsqueeze(2).unbind(0);
                var factorStep = factors.unbind(0);
                var zStep = z.unbind(0);
                using var threads = RecurrenceThreads(batch, hidden);
                for (long t = steps - 1; t > 0; t--)
                {
                    var dgh = torch.mul(dhWide[t], factorStep[t]).view(batch, 3 * hidden);
                    dhStep[t - 1].addcmul_(dhStep[t], zStep[t], Scalars.One).addmm_(dgh, weightHh);
                }
            }
            // Gate gradients, hidden side first; then the same buffer becomes the input side (the new gate without r).
            var dG = dh.unsqueeze(2) * factors;
            var dGflat = dG.view(steps * batch, 3 * hidden);
            // Σₜ ∂ghₜᵀ hₜ₋₁: the first step contributes nothing (h₋₁ = 0).
            var dWeightHh = steps > 1
                ? dGflat.narrow(0, batch, (steps - 1) * batch).t().mm(hs.narrow(0, 0, steps - 1).view((steps - 1) * batch, hidden))
                : torch.zeros_like(weightHh);
            var dBiasHh = dGflat.sum(new long[] { 0 });
            dG.select(2, 2).copy_(dh).mul_(p);
            // The skinny products run several times faster in this orientation with libtorch 2.10's CPU GEMM
            // (measured: 0.15 ms against 0.85 ms for 3200 × 192 × 8).
            var dWeightIh = xt.view(steps * batch, inputs).t().mm(dGflat).t();
            var dBiasIh = dGflat.sum(new long[] { 0 });
            var dx = inputGradient ? weightIh.t().mm(dGflat.t()).t().reshape(steps, batch, inputs) : null;
            return (dx, dWeightIh, dWeightHh, dBiasIh, dBiasHh);
        }

        /// <summary>
        /// The thread count for the step-by-step loops: one thread when each step's GEMM is small, where waking a second
        /// thread costs more than it saves; otherwise the caller's count. Measured for [B, H] × [H, 3H] on a 2-vCPU
        /// machine (`-- gru`, docs/benchmarks.md): 0.8M multiply-adds 17 µs on one thread against 64 µs on two; 3.1M 61
        /// against 84-95 µs; 12.6M 242 against 177 µs. The cut-off lies between the last two.
        /// </summary>
        internal static ThreadCount.Scope RecurrenceThreads(long batch, long hidden) =>
            batch * hidden * hidden * 3 < SmallStepWork ? ThreadCount.Use(1) : default;

        /// <summary>Multiply-adds per step below which the recurrence runs on one thread.</summary>
        internal const long SmallStepWork = 1L << 23;

        /// <summary>The autograd node: saves the forward buffers, returns the hand-written gradients.</summary>
        private sealed class GruFunction : torch.autograd.SingleTensorFunction<GruFunction>
        {
            public override string Name => "MLNet.Sequence.Gru";

            public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
            {
                var x = (Tensor)vars[0];
                var weightIh = (Tensor)vars[1];
                var weightHh = (Tensor)vars[2];
                var biasIh = (Tensor)vars[3];
                var biasHh = (Tensor)vars[4];
                var (hs, xt, gi, gh) = Forward(x, weightIh, weightHh, biasIh, biasHh);
                ctx.save_for_backward(new List<Tensor> { xt, weightIh, weightHh, gi, gh, hs });
                ctx.save_data("inputGradient", x.requires_grad);
                return hs;
            }

            public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor gradOutput) =>
                // Called from libtorch's native autograd engine: an exception must not escape (BackwardErrors).
                BackwardErrors.Guard("the GRU kernel", 5, () =>
                {
                    // Runs on the thread that called backward() (CPU graphs), inside its dispose scope: the gradients
                    // handed back must outlive this method, the rest is freed here.
                    using var scope = torch.NewDisposeScope();
                    var saved = ctx.get_saved_variables();
                    var (dx, dWeightIh, dWeightHh, dBiasIh, dBiasHh) = Backward(gradOutput, saved[0], saved[1], saved[2], saved[3], saved[4], saved[5], (bool)ctx.get_data("inputGradient"));
                    var grads = new List<Tensor> { dx!, dWeightIh, dWeightHh, dBiasIh, dBiasHh };
                    foreach (var g in grads)
                        g?.MoveToOuterDisposeScope();
                    return grads;
                });
        }
    }
}
