using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers.Network
{
    /// <summary>
    /// Tensor operations with a number operand that keep the operand's <c>Scalar</c> alive for the whole native call.
    /// TorchSharp 0.107 turns a number (in <c>x * 0.5</c>, <c>x.ne(0)</c>, <c>masked_fill(mask, -inf)</c>,
    /// <c>torch.arange(n)</c>, and the alpha = 1 of <c>x + y</c>) into a temporary <c>Scalar</c>, passes its native
    /// handle and keeps no reference to it,
    /// so a garbage collection started by another thread during the call can finalize the Scalar and free the value
    /// libtorch is still reading (seen as "Unknown scalar type" from prediction engines scoring on many threads at
    /// once). These helpers hold the Scalar in a <c>using</c> until the call has returned, and free it at once rather
    /// than leaving it to the finalizer. Same operations, same arithmetic; every network and engine uses them instead
    /// of number operands (the long-lived <see cref="Scalars"/> serve the innermost loops).
    /// </summary>
    internal static class ScalarOperands
    {
        /// <summary><paramref name="x"/> × <paramref name="value"/>.</summary>
        public static Tensor Times(this Tensor x, double value)
        {
            using var s = value.ToScalar();
            return x.mul(s);
        }

        /// <summary><paramref name="x"/> + <paramref name="y"/> (TorchSharp's <c>x + y</c> passes a temporary alpha = 1).</summary>
        public static Tensor Plus(this Tensor x, Tensor y) => x.add(y, Scalars.One);

        /// <summary><paramref name="x"/> + <paramref name="value"/> (a floating value).</summary>
        public static Tensor Plus(this Tensor x, double value)
        {
            using var s = value.ToScalar();
            return x.add(s, Scalars.One);
        }

        /// <summary><paramref name="x"/> + <paramref name="value"/> (an integral value: an integer tensor stays integral).</summary>
        public static Tensor Plus(this Tensor x, long value)
        {
            using var s = value.ToScalar();
            return x.add(s, Scalars.One);
        }

        /// <summary><paramref name="x"/> − <paramref name="value"/> (an integral value).</summary>
        public static Tensor Minus(this Tensor x, long value)
        {
            using var s = value.ToScalar();
            return x.sub(s);
        }

        /// <summary><paramref name="x"/> − <paramref name="value"/> (a floating value).</summary>
        public static Tensor Minus(this Tensor x, double value)
        {
            using var s = value.ToScalar();
            return x.sub(s);
        }

        /// <summary><paramref name="x"/> ÷ <paramref name="value"/>.</summary>
        public static Tensor Over(this Tensor x, double value)
        {
            using var s = value.ToScalar();
            return x.div(s);
        }

        /// <summary><paramref name="x"/> raised to <paramref name="exponent"/>.</summary>
        public static Tensor Power(this Tensor x, double exponent)
        {
            using var s = exponent.ToScalar();
            return x.pow(s);
        }

        /// <summary><paramref name="x"/> with <paramref name="value"/> where <paramref name="mask"/> is true.</summary>
        public static Tensor FilledWhere(this Tensor x, Tensor mask, double value)
        {
            using var s = value.ToScalar();
            return x.masked_fill(mask, s);
        }

        /// <summary><paramref name="x"/> with the integer <paramref name="value"/> where <paramref name="mask"/> is true.</summary>
        public static Tensor FilledWhere(this Tensor x, Tensor mask, long value)
        {
            using var s = value.ToScalar();
            return x.masked_fill(mask, s);
        }

        /// <summary><paramref name="x"/> raised to at least <paramref name="value"/>.</summary>
        public static Tensor AtLeast(this Tensor x, double value)
        {
            using var s = value.ToScalar();
            return x.clamp_min(s);
        }

        /// <summary><paramref name="x"/> raised to at least <paramref name="value"/> (an integral value).</summary>
        public static Tensor AtLeast(this Tensor x, long value)
        {
            using var s = value.ToScalar();
            return x.clamp_min(s);
        }

        /// <summary>Where <paramref name="x"/> differs from <paramref name="value"/>.</summary>
        public static Tensor NotEqualTo(this Tensor x, long value)
        {
            using var s = value.ToScalar();
            return x.ne(s);
        }

        /// <summary>Where <paramref name="x"/> equals <paramref name="value"/>.</summary>
        public static Tensor EqualTo(this Tensor x, long value)
        {
            using var s = value.ToScalar();
            return x.eq(s);
        }

        /// <summary>Where <paramref name="x"/> exceeds the integer <paramref name="value"/> (an integer tensor is compared as integers).</summary>
        public static Tensor GreaterThan(this Tensor x, long value)
        {
            using var s = value.ToScalar();
            return x.gt(s);
        }

        /// <summary>Where <paramref name="x"/> exceeds <paramref name="value"/>.</summary>
        public static Tensor GreaterThan(this Tensor x, double value)
        {
            using var s = value.ToScalar();
            return x.gt(s);
        }

        /// <summary>Where <paramref name="x"/> is at least <paramref name="value"/>.</summary>
        public static Tensor AtLeastMask(this Tensor x, long value)
        {
            using var s = value.ToScalar();
            return x.ge(s);
        }

        /// <summary>Where <paramref name="x"/> is at most <paramref name="value"/>.</summary>
        public static Tensor AtMostMask(this Tensor x, long value)
        {
            using var s = value.ToScalar();
            return x.le(s);
        }

        /// <summary>Where <paramref name="x"/> is below <paramref name="value"/>.</summary>
        public static Tensor LessThan(this Tensor x, double value)
        {
            using var s = value.ToScalar();
            return x.lt(s);
        }

        /// <summary>0, 1, ..., <paramref name="count"/> − 1 as 64-bit integers (or <paramref name="type"/>).</summary>
        public static Tensor Range(long count, ScalarType type = ScalarType.Int64, Device? device = null)
        {
            using var s = count.ToScalar();
            return torch.arange(Scalars.Zero, s, Scalars.One, dtype: type, device: device);
        }

        /// <summary>A tensor of <paramref name="shape"/> filled with the integer <paramref name="value"/>.</summary>
        public static Tensor Filled(long[] shape, long value, ScalarType type, Device? device = null)
        {
            using var s = value.ToScalar();
            return torch.full(shape, s, dtype: type, device: device);
        }

        /// <summary>A tensor of <paramref name="shape"/> filled with the floating <paramref name="value"/>.</summary>
        public static Tensor Filled(long[] shape, double value, ScalarType type, Device? device = null)
        {
            using var s = value.ToScalar();
            return torch.full(shape, s, dtype: type, device: device);
        }
    }
}
