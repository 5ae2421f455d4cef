using System;
using System.Linq;
using System.Runtime.CompilerServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers.Network
{
    /// <summary>
    /// Which libtorch LSTM kernel scores on the CPU. When no gradient is recorded, libtorch 2.10 runs the CPU LSTM through
    /// an inference kernel that, measured here (docs/benchmarks.md, "LSTM inference kernel"), returns wrong outputs for
    /// some shapes: every hidden size from 4 to 16 whatever the input size, steps or batch, and a two-layer bidirectional
    /// LSTM of hidden size 48, off by 0.06 to 0.65 from the kernel that training runs, whose outputs equal a float64
    /// step-by-step reference and ONNX Runtime's LSTM to 1e-7. For other shapes it is right and faster (2.6x on one
    /// row of a bidirectional LSTM of 64). So the first time an LSTM scores, both kernels run on probe inputs of several
    /// batch sizes and lengths; an LSTM whose inference kernel disagrees with the training kernel then always scores by
    /// recording gradients while it runs (the training kernel), and the caller's dispose scope frees that small graph.
    /// </summary>
    internal static class LstmKernelChoice
    {
        private static readonly ConditionalWeakTable<LSTM, StrongBox<bool>> Verdicts = new();

        /// <summary>Probe shapes: batch sizes and lengths that cover a single row, small and large batches.</summary>
        private static readonly (int Batch, int Steps)[] Probes = { (1, 1), (1, 9), (3, 40), (16, 9), (64, 40) };

        /// <summary>
        /// Use around a CPU LSTM call: switches gradient recording on while it runs when it was off (scoring) and the
        /// inference kernel is wrong for this LSTM's shape; null (nothing to undo) otherwise.
        /// </summary>
        public static IDisposable? Exact(LSTM lstm, Tensor input)
        {
            if (input.device_type != DeviceType.CPU || torch.is_grad_enabled() || InferenceKernelForBenchmarks)
                return null;
            return lstm.training || !InferenceKernelIsExact(lstm) ? torch.enable_grad() : null;
        }

        /// <summary>
        /// True when libtorch's CPU inference kernel gives this LSTM the training kernel's outputs (within 1e-4) on every
        /// probe; measured once per LSTM (in eval mode) and remembered.
        /// </summary>
        internal static bool InferenceKernelIsExact(LSTM lstm)
        {
            if (Verdicts.TryGetValue(lstm, out var known))
                return known.Value;
            bool exact = Probe(lstm);
            Verdicts.AddOrUpdate(lstm, new StrongBox<bool>(exact));
            return exact;
        }

        private static bool Probe(LSTM lstm)
        {
            using var scope = torch.NewDisposeScope();
            var weight = lstm.named_parameters().First(p => p.name == "weight_ih_l0").parameter;
            if (weight.device_type != DeviceType.CPU)
                return true;
            long input = weight.shape[1];
            foreach (var (batch, steps) in Probes)
            {
                // Deterministic values that leave the global random generator alone.
                var x = torch.sin(ScalarOperands.Range(batch * steps * input, ScalarType.Float32).Times(0.37f)).reshape(batch, steps, input);
                Tensor fast, exact;
                using (torch.no_grad())
                    fast = lstm.call(x).Item1;
                using (torch.enable_grad())
                    exact = lstm.call(x).Item1.detach();
                if ((fast - exact).abs().max().item<float>() > 1e-4f)
                    return false;
            }
            return true;
        }

        /// <summary>Benchmarks only: true lets scoring run libtorch's inference kernel whatever the probes found, to measure what the exact one costs.</summary>
        internal static volatile bool InferenceKernelForBenchmarks;
    }
}
