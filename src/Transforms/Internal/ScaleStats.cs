using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Transforms.Internal;
using MLNet.Sequence.Transforms.Persistence;

namespace MLNet.Sequence.Transforms.Internal
{
    /// <summary>Location and scale statistics.</summary>
    internal static class ScaleStats
    {
        /// <summary>A scale this small (relative to the location) is treated as 1: a constant series stays finite.</summary>
        public const double Floor = 1e-8;

        public static (float Location, float Scale) Compute(ScalingMethod method, ReadOnlySpan<float> values, int stride, int offset, int count)
        {
            var acc = new Accumulator();
            for (int i = 0; i < count; i++)
                acc.Add(values[offset + i * stride]);
            return acc.Result(method);
        }

        /// <summary>Streaming sums for the statistics; NaN values are ignored.</summary>
        internal struct Accumulator
        {
            public long N;
            public double Sum, SumSq, SumAbs, Min, Max;

            public void Add(double v)
            {
                if (!double.IsFinite(v)) return;
                if (N == 0) { Min = v; Max = v; }
                N++;
                Sum += v; SumSq += v * v; SumAbs += Math.Abs(v);
                if (v < Min) Min = v;
                if (v > Max) Max = v;
            }

            public (float Location, float Scale) Result(ScalingMethod method)
            {
                if (N == 0) return (0f, 1f);
                double loc, scale;
                switch (method)
                {
                    case ScalingMethod.Standard:
                        loc = Sum / N;
                        scale = Math.Sqrt(Math.Max(0, SumSq / N - loc * loc));
                        break;
                    case ScalingMethod.MeanAbsolute:
                        loc = 0;
                        scale = SumAbs / N;
                        break;
                    default:
                        loc = Min;
                        scale = Max - Min;
                        break;
                }
                if (!(scale > Floor * Math.Max(1, Math.Abs(loc))))
                    scale = 1;
                return ((float)loc, (float)scale);
            }
        }
    }
}
