using System;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers.Network
{
    /// <summary>
    /// Which libtorch LSTM kernel runs on the CPU. When no gradient is recorded, libtorch 2.10 runs the CPU LSTM through
    /// an inference kernel that, measured here (docs/benchmarks.md, "LSTM inference kernel"), returns wrong outputs for
    /// some shapes: every hidden size from 4 to 16 whatever the input size, steps or batch, and a two-layer bidirectional
    /// LSTM of hidden size 48, off by 0.09 to 0.65 from the kernel that training runs, whose outputs equal a float64
    /// step-by-step reference and ONNX Runtime's LSTM to 1e-7. So an LSTM that scores on the CPU records gradients while
    /// it runs (the training kernel), and the caller's dispose scope frees that small graph with the outputs.
    /// </summary>
    internal static class LstmKernelChoice
    {
        /// <summary>
        /// Use around a CPU LSTM call: switches gradient recording on while it runs when it was off (scoring), so the
        /// exact kernel runs; null (nothing to undo) when gradients are recorded already or the input is not on the CPU.
        /// </summary>
        public static IDisposable? Exact(Tensor input) =>
            input.device_type == DeviceType.CPU && !torch.is_grad_enabled() && !InferenceKernelForBenchmarks ? torch.enable_grad() : null;

        /// <summary>Benchmarks only: true lets scoring run libtorch's inference kernel again, to measure what the exact one costs.</summary>
        internal static volatile bool InferenceKernelForBenchmarks;
    }
}
