using System;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers.Network
{
    /// <summary>The sinusoidal position table of Vaswani et al. (2017), shared by every Transformer network here.</summary>
    internal static class SinusoidalPositions
    {
        /// <summary>
        /// Positions 0 to <paramref name="length"/> − 1 as a [length, model] CPU tensor: at position p, dimension i holds
        /// sin(p / 10000^(2⌊i/2⌋/model)) when i is even and cos of the same angle when i is odd.
        /// </summary>
        public static Tensor Table(int length, int model) => torch.tensor(Values(length, model), new long[] { length, model });

        /// <summary>The same table as row-major values.</summary>
        public static float[] Values(int length, int model)
        {
            var table = new float[length * model];
            for (int p = 0; p < length; p++)
                for (int i = 0; i < model; i++)
                {
                    double angle = p / Math.Pow(10000, 2.0 * (i / 2) / model);
                    table[p * model + i] = (float)(i % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle));
                }
            return table;
        }
    }
}
