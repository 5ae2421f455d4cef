namespace MLNet.Sequence.Transforms
{
    /// <summary>How a scaler computes location and scale; every method is inverted by x = scaled * scale + location.</summary>
    public enum ScalingMethod
    {
        /// <summary>Location the mean, scale the standard deviation (population).</summary>
        Standard,
        /// <summary>Location 0, scale the mean absolute value (DeepAR-style; keeps zero at zero).</summary>
        MeanAbsolute,
        /// <summary>Location the minimum, scale the range.</summary>
        MinMax,
    }
}
