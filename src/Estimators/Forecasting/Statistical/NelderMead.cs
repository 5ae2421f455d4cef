using System;

namespace MLNet.Sequence.Forecasting
{
    /// <summary>
    /// The Nelder-Mead simplex minimiser with the conventions of R's <c>optim(method = "Nelder-Mead")</c> (Nash, Compact
    /// Numerical Methods, 1990, algorithm 19), which the forecast package's <c>ets</c> uses: reflection 1, contraction ½,
    /// expansion 2; the first simplex steps each coordinate by a tenth of the largest |start value| (0.1 when all are 0);
    /// stop when the spread of the simplex's values is within a relative tolerance of the first value, or after a budget
    /// of function evaluations. Non-finite values count as 10³⁵. Matching R's path matters: the optimiser's stopping point
    /// is part of what a published benchmark figure measured.
    /// </summary>
    internal static class NelderMead
    {
        private const double Big = 1.0e35;

        /// <summary>Minimises <paramref name="f"/> from <paramref name="start"/>; returns the best point and its value.</summary>
        public static (double[] X, double Value) Minimise(Func<double[], double> f, double[] start, int maxEvaluations = 2000,
            double relativeTolerance = 1.490116119384765625e-8)
        {
            int n = start.Length;
            double Eval(double[] x)
            {
                double v = f(x);
                return double.IsFinite(v) ? v : Big;
            }
            var p = new double[n + 1][];
            var value = new double[n + 1];
            var x0 = (double[])start.Clone();
            double f0 = f(x0);
            if (!double.IsFinite(f0))
                throw new ArgumentException("The objective cannot be evaluated at the starting point.");
            int evaluations = 1;
            double tolerance = relativeTolerance * (Math.Abs(f0) + relativeTolerance);
            p[0] = x0;
            value[0] = f0;
            double step = 0;
            for (int i = 0; i < n; i++)
                step = Math.Max(step, 0.1 * Math.Abs(start[i]));
            if (step == 0) step = 0.1;
            double size = 0;
            for (int j = 1; j <= n; j++)
            {
                p[j] = (double[])start.Clone();
                double tryStep = step;
                while (p[j][j - 1] == start[j - 1])
                {
                    p[j][j - 1] = start[j - 1] + tryStep;
                    tryStep *= 10;
                }
                size += tryStep;
            }
            double oldSize = size;
            bool evaluateVertices = true;
            int low = 0;
            var centroid = new double[n];
            var trial = new double[n];
            do
            {
                if (evaluateVertices)
                {
                    for (int j = 0; j <= n; j++)
                        if (j != low)
                        {
                            value[j] = Eval(p[j]);
                            evaluations++;
                        }
                    evaluateVertices = false;
                }
                double vLow = value[low], vHigh = vLow;
                int high = low;
                for (int j = 0; j <= n; j++)
                {
                    if (j == low) continue;
                    if (value[j] < vLow) { low = j; vLow = value[j]; }
                    if (value[j] > vHigh) { high = j; vHigh = value[j]; }
                }
                if (vHigh <= vLow + tolerance)
                    break;
                for (int i = 0; i < n; i++)
                {
                    double s = -p[high][i];
                    for (int j = 0; j <= n; j++) s += p[j][i];
                    centroid[i] = s / n;
                }
                for (int i = 0; i < n; i++)
                    trial[i] = 2 * centroid[i] - p[high][i];
                double vReflect = Eval(trial);
                evaluations++;
                if (vReflect < vLow)
                {
                    // Expansion: the centroid slot keeps the reflected point while the expanded one is tried.
                    var reflected = (double[])trial.Clone();
                    for (int i = 0; i < n; i++)
                        trial[i] = 2 * reflected[i] - centroid[i];
                    double vExpand = Eval(trial);
                    evaluations++;
                    if (vExpand < vReflect)
                    {
                        p[high] = (double[])trial.Clone();
                        value[high] = vExpand;
                    }
                    else
                    {
                        p[high] = reflected;
                        value[high] = vReflect;
                    }
                }
                else
                {
                    if (vReflect < vHigh)
                    {
                        p[high] = (double[])trial.Clone();
                        value[high] = vReflect;
                    }
                    for (int i = 0; i < n; i++)
                        trial[i] = 0.5 * p[high][i] + 0.5 * centroid[i];
                    double vContract = Eval(trial);
                    evaluations++;
                    if (vContract < value[high])
                    {
                        p[high] = (double[])trial.Clone();
                        value[high] = vContract;
                    }
                    else if (vReflect >= vHigh)
                    {
                        // Shrink towards the best vertex.
                        evaluateVertices = true;
                        size = 0;
                        for (int j = 0; j <= n; j++)
                        {
                            if (j == low) continue;
                            for (int i = 0; i < n; i++)
                            {
                                p[j][i] = 0.5 * (p[j][i] - p[low][i]) + p[low][i];
                                size += Math.Abs(p[j][i] - p[low][i]);
                            }
                        }
                        if (size < oldSize)
                            oldSize = size;
                        else
                            break;
                    }
                }
            }
            while (evaluations <= maxEvaluations);
            return ((double[])p[low].Clone(), value[low]);
        }
    }
}
