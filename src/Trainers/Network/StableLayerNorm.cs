using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers.Network
{
    /// <summary>
    /// Layer normalisation whose gradients do not depend on libtorch's thread count. libtorch's CPU layer-norm backward
    /// sums the scale and shift gradients in per-thread buffers and adds the buffers up at the end, so one and two
    /// threads round differently (measured with libtorch 2.10: the shift gradient of a [64, 50, 64] input differs by
    /// about 1e-7 between one and two threads), and a Transformer trained with an automatically chosen thread count
    /// would not repeat. Here the module normalises without its affine part and applies scale and shift as ordinary
    /// products, whose gradients libtorch reduces one output element at a time (the same sums on any thread count).
    /// The parameters are the module's own, so saved models keep their names and shapes.
    /// </summary>
    internal static class StableLayerNorm
    {
        /// <summary><paramref name="norm"/> applied to <paramref name="x"/> (normalised over the last dimension), with thread-independent gradients.</summary>
        public static Tensor Normalize(this LayerNorm norm, Tensor x)
        {
            var normalized = nn.functional.layer_norm(x, norm.normalized_shape, null, null, norm.eps);
            return (normalized * norm.weight!).Plus(norm.bias!);
        }
    }
}
