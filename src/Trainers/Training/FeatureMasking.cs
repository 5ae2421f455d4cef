using TorchSharp;
using MLNet.Sequence.Trainers.Network;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers
{
    /// <summary>
    /// SpecAugment-style masking of numeric training batches (Park et al., "SpecAugment", Interspeech 2019, section 2: time
    /// and frequency masking), after an optional random time shift: each row's real steps are first rotated by up to
    /// <see cref="MaximumShift"/> steps either way (circularly, within the real steps, so the padding and the mask stay
    /// where they are); then each row gets <see cref="TimeMasks"/> runs of up to <see cref="MaximumTimeWidth"/> steps
    /// inside its real (unpadded) steps, and <see cref="FeatureMasks"/> runs of up to <see cref="MaximumFeatureWidth"/>
    /// adjacent features, set to 0 (the features' mean once the trainer has standardised them). Widths and positions are
    /// drawn uniformly from libtorch's generator, whose state checkpoints keep, so a resumed run draws what an
    /// uninterrupted one would. Training batches only: validation and prediction never see it.
    /// </summary>
    internal sealed class FeatureMasking
    {
        public int TimeMasks { get; init; }
        public int MaximumTimeWidth { get; init; }
        public int FeatureMasks { get; init; }
        public int MaximumFeatureWidth { get; init; }
        public int MaximumShift { get; init; }

        /// <summary>A masked copy of <paramref name="inputs"/> [B, T, F] (float); <paramref name="mask"/> [B, T] marks real steps.</summary>
        public Tensor Apply(Tensor inputs, Tensor mask)
        {
            using var _ = no_grad();
            long b = inputs.shape[0], t = inputs.shape[1], f = inputs.shape[2];
            var device = inputs.device;
            var drop = zeros(new long[] { b, t, f }, ScalarType.Bool, device);
            var steps = ScalarOperands.Range(t, device: device).unsqueeze(0);                // [1, T]
            var lengths = mask.sum(1, type: ScalarType.Int64);                    // [B]
            var first = mask.to(ScalarType.Int32).argmax(1);                     // first real step (padding may come first)
            if (MaximumShift > 0)
            {
                // Real step first + r reads first + (r - s) mod length: a rotation of the real steps by s.
                var shift = randint(-MaximumShift, MaximumShift + 1, new long[] { b }, ScalarType.Int64, device);
                var relative = steps - first.unsqueeze(1);
                var source = first.unsqueeze(1).Plus((relative - shift.unsqueeze(1)).remainder(lengths.AtLeast(1).unsqueeze(1)));
                var index = where(mask, source, steps.expand(b, t));
                inputs = inputs.gather(1, index.unsqueeze(2).expand(b, t, f));
            }
            for (int k = 0; k < TimeMasks; k++)
            {
                var width = minimum(randint(0, MaximumTimeWidth + 1, new long[] { b }, ScalarType.Int64, device), lengths);
                var start = first.Plus((rand(new long[] { b }, device: device) * (lengths - width).Plus(1L).to(ScalarType.Float32)).floor().to(ScalarType.Int64));
                var run = steps.ge(start.unsqueeze(1)).logical_and(steps.lt(start.Plus(width).unsqueeze(1)));   // [B, T]
                drop = drop.logical_or(run.unsqueeze(2));
            }
            var features = ScalarOperands.Range(f, device: device).unsqueeze(0);             // [1, F]
            for (int k = 0; k < FeatureMasks; k++)
            {
                var width = randint(0, System.Math.Min(MaximumFeatureWidth, (int)f) + 1, new long[] { b }, ScalarType.Int64, device);
                var start = (rand(new long[] { b }, device: device) * width.neg().Plus(f + 1).to(ScalarType.Float32)).floor().to(ScalarType.Int64);
                var band = features.ge(start.unsqueeze(1)).logical_and(features.lt(start.Plus(width).unsqueeze(1)));   // [B, F]
                drop = drop.logical_or(band.unsqueeze(1));
            }
            return inputs.FilledWhere(drop.logical_and(mask.unsqueeze(2)), 0L);
        }
    }
}
