namespace MLNet.Sequence.Tagging
{
    /// <summary>Precision, recall, F1 and support of one tag (token level) or one chunk type (entity level).</summary>
    /// <param name="Name">The tag or chunk type.</param>
    /// <param name="Precision">Correct / predicted (0 when nothing was predicted).</param>
    /// <param name="Recall">Correct / gold (0 when the gold holds none).</param>
    /// <param name="F1">The harmonic mean of precision and recall (0 when both are 0).</param>
    /// <param name="Support">How many the gold holds.</param>
    /// <param name="Predicted">How many were predicted.</param>
    /// <param name="Correct">How many predictions were right.</param>
    public sealed record TagMetrics(string Name, double Precision, double Recall, double F1, int Support, int Predicted, int Correct)
    {
        internal static TagMetrics From(string name, int correct, int predicted, int support)
        {
            double p = predicted > 0 ? (double)correct / predicted : 0;
            double r = support > 0 ? (double)correct / support : 0;
            double f = p + r > 0 ? 2 * p * r / (p + r) : 0;
            return new TagMetrics(name, p, r, f, support, predicted, correct);
        }
    }
}
