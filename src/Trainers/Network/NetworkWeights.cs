using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers.Network
{
    /// <summary>One parameter's values (float32, row-major) and shape, copied out of the network.</summary>
    internal sealed class WeightArray
    {
        public WeightArray(float[] values, long[] shape)
        {
            Values = values;
            Shape = shape;
        }

        public float[] Values { get; }

        public long[] Shape { get; }

        /// <summary>The rows (first dimension) split into <paramref name="blocks"/> equal blocks and put in <paramref name="order"/>.</summary>
        public WeightArray ReorderBlocks(int blocks, int[] order)
        {
            int blockLength = Values.Length / blocks;
            var values = new float[Values.Length];
            for (int i = 0; i < order.Length; i++)
                Array.Copy(Values, order[i] * blockLength, values, i * blockLength, blockLength);
            return new WeightArray(values, Shape);
        }

        /// <summary>The transpose of a 2-D weight.</summary>
        public WeightArray Transposed()
        {
            if (Shape.Length != 2)
                throw new InvalidOperationException($"Only a matrix can be transposed; this weight has shape [{string.Join(", ", Shape)}].");
            long rows = Shape[0], columns = Shape[1];
            var values = new float[Values.Length];
            for (long r = 0; r < rows; r++)
                for (long c = 0; c < columns; c++)
                    values[c * rows + r] = Values[r * columns + c];
            return new WeightArray(values, new[] { columns, rows });
        }

        /// <summary>Weights of equal shape stacked along a new first dimension.</summary>
        public static WeightArray Stack(IReadOnlyList<WeightArray> parts) =>
            new(parts.SelectMany(p => p.Values).ToArray(), new[] { (long)parts.Count }.Concat(parts[0].Shape).ToArray());

        /// <summary>Weights joined along their last dimension (all of one row count, 2-D) or end to end (1-D).</summary>
        public static WeightArray ConcatLast(WeightArray a, WeightArray b)
        {
            if (a.Shape.Length == 1)
                return new WeightArray(a.Values.Concat(b.Values).ToArray(), new[] { a.Shape[0] + b.Shape[0] });
            long rows = a.Shape[0], ca = a.Shape[1], cb = b.Shape[1];
            var values = new float[rows * (ca + cb)];
            for (long r = 0; r < rows; r++)
            {
                Array.Copy(a.Values, r * ca, values, r * (ca + cb), ca);
                Array.Copy(b.Values, r * cb, values, r * (ca + cb) + ca, cb);
            }
            return new WeightArray(values, new[] { rows, ca + cb });
        }
    }

    /// <summary>Copies a network's parameters out as arrays (for writers such as the ONNX export), freeing every copy it makes.</summary>
    internal static class NetworkWeights
    {
        /// <summary>Every parameter of <paramref name="module"/> by its name, as float32 values on the CPU.</summary>
        public static Dictionary<string, WeightArray> Read(nn.Module module)
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            var weights = new Dictionary<string, WeightArray>(StringComparer.Ordinal);
            foreach (var (name, parameter) in module.named_parameters())
            {
                var t = parameter.detach().cpu().to(ScalarType.Float32).contiguous();
                weights[name] = new WeightArray(t.data<float>().ToArray(), t.shape);
            }
            return weights;
        }
    }
}
