using System;

namespace MLNet.Sequence.Trainers
{
    /// <summary>
    /// SpecAugment-style masking of numeric training batches (Park et al., Interspeech 2019: time and frequency masking),
    /// for spectral frames such as <c>ExtractAudioFeatures</c>' MFCCs or log-mel energies: in every training batch each
    /// row's real steps are rotated by up to <see cref="MaximumTimeShift"/> steps (off by default), then each row gets <see cref="TimeMasks"/> runs of up to <see cref="MaximumTimeMaskWidth"/> steps (inside its real steps)
    /// and <see cref="FeatureMasks"/> runs of up to <see cref="MaximumFeatureMaskWidth"/> adjacent features set to the
    /// features' mean. Only training batches are masked: validation, <c>Transform</c> and prediction engines see the
    /// data as it is. Set it on <see cref="SequenceTrainerOptions.Augmentation"/>.
    /// </summary>
    public sealed class FeatureMaskingOptions
    {
        /// <summary>Runs of masked steps per row. Default 2.</summary>
        public int TimeMasks { get; set; } = 2;

        /// <summary>Longest run of masked steps (each run's width is uniform in 0..this). Default 8.</summary>
        public int MaximumTimeMaskWidth { get; set; } = 8;

        /// <summary>Runs of masked features per row. Default 1.</summary>
        public int FeatureMasks { get; set; } = 1;

        /// <summary>Longest run of masked adjacent features (uniform in 0..this). Default 3.</summary>
        public int MaximumFeatureMaskWidth { get; set; } = 3;

        /// <summary>
        /// Largest random time shift, in steps either way: each row's real steps are rotated circularly within themselves
        /// (the padding and the mask stay put) before masking. Default 0 (off).
        /// </summary>
        public int MaximumTimeShift { get; set; }

        internal void Validate()
        {
            void Require(bool ok, string option, string message)
            {
                if (!ok)
                    throw new ArgumentOutOfRangeException(option, $"Option {nameof(SequenceTrainerOptions.Augmentation)}.{option} {message}.");
            }
            Require(TimeMasks >= 0, nameof(TimeMasks), $"must be 0 or more; it was {TimeMasks}");
            Require(FeatureMasks >= 0, nameof(FeatureMasks), $"must be 0 or more; it was {FeatureMasks}");
            Require(MaximumTimeMaskWidth >= 1, nameof(MaximumTimeMaskWidth), $"must be at least 1; it was {MaximumTimeMaskWidth}");
            Require(MaximumFeatureMaskWidth >= 1, nameof(MaximumFeatureMaskWidth), $"must be at least 1; it was {MaximumFeatureMaskWidth}");
            Require(MaximumTimeShift >= 0, nameof(MaximumTimeShift), $"must be 0 (off) or more; it was {MaximumTimeShift}");
        }

        internal FeatureMasking ToEngine() => new()
        {
            TimeMasks = TimeMasks, MaximumTimeWidth = MaximumTimeMaskWidth, FeatureMasks = FeatureMasks, MaximumFeatureWidth = MaximumFeatureMaskWidth,
            MaximumShift = MaximumTimeShift,
        };
    }
}
