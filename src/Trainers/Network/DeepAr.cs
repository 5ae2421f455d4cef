using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers
{
    /// <summary>The likelihood a DeepAR model fits to each step (and samples its forecasts from).</summary>
    public enum DeepArLikelihood
    {
        /// <summary>Normal with a learned mean and standard deviation; real-valued series.</summary>
        Gaussian,
        /// <summary>Student's t with learned location, scale and degrees of freedom (above 2); real values with heavy tails.</summary>
        StudentT,
        /// <summary>Negative binomial with a learned mean and dispersion; non-negative counts.</summary>
        NegativeBinomial,
    }
}

namespace MLNet.Sequence.Trainers.Network
{
    /// <summary>The shape of a DeepAR network; stored with the model.</summary>
    internal sealed class DeepArNetworkConfig
    {
        public DeepArLikelihood Likelihood { get; set; }
        public int HiddenSize { get; set; } = 40;
        public int Layers { get; set; } = 2;
        public double Dropout { get; set; }
        /// <summary>Steps the network is conditioned on before it forecasts (and over which the scale is measured).</summary>
        public int ContextLength { get; set; }
        /// <summary>The lags fed at each step (1 = the previous value), ascending.</summary>
        public int[] Lags { get; set; } = { 1 };

        /// <summary>Inputs per step: one per lag, then log(1 + scale).</summary>
        public int InputSize => Lags.Length + 1;

        public int MaxLag => Lags[^1];
    }

    /// <summary>
    /// DeepAR (Salinas, Flunkert, Gasthaus and Januschowski, "DeepAR: Probabilistic forecasting with autoregressive
    /// recurrent networks", International Journal of Forecasting 36(3), 2020): an LSTM reads, at step t, the series'
    /// lagged values z[t−k] (normalised by the window's context) and outputs the parameters of the likelihood of z[t].
    /// Training maximises that likelihood with the observed lags fed in (teacher forcing); forecasting feeds each sampled
    /// value back in as the next step's lag, so sample paths carry the model's own uncertainty forward.
    /// </summary>
    internal sealed class DeepArNetwork : nn.Module
    {
        private readonly LSTM rnn;
        private readonly Linear head;

        public DeepArNetwork(DeepArNetworkConfig c) : base("DeepAR")
        {
            rnn = nn.LSTM(c.InputSize, c.HiddenSize, c.Layers, batchFirst: true, dropout: c.Layers > 1 ? c.Dropout : 0);
            head = nn.Linear(c.HiddenSize, DeepArDistribution.ParameterCount(c.Likelihood));
            RegisterComponents();
        }

        /// <summary>Inputs [B, T, F] and an optional state → raw distribution parameters [B, T, k] and the new state.</summary>
        public (Tensor Raw, Tensor H, Tensor C) Forward(Tensor inputs, (Tensor, Tensor)? state)
        {
            Tensor y, h, c;
            using (var exact = LstmKernelChoice.Exact(rnn, inputs))
            {
                (y, h, c) = rnn.forward(inputs, state);
                // Detached, so a sampling loop's state does not chain one step's graph to the next.
                if (exact != null)
                    (y, h, c) = (y.detach(), h.detach(), c.detach());
            }
            return (head.forward(y), h, c);
        }
    }

    /// <summary>
    /// The likelihoods' parameter maps, negative log-likelihoods and samplers. Real-valued likelihoods work on the
    /// normalised series y = (z − μ)/σ of the window (the caller maps a draw back); the negative binomial works on the
    /// counts themselves, with its mean multiplied by the scale ν and its dispersion divided by √ν, as in the DeepAR
    /// paper (section 3.3).
    /// </summary>
    internal static class DeepArDistribution
    {
        public static int ParameterCount(DeepArLikelihood l) => l == DeepArLikelihood.StudentT ? 3 : 2;

        private static Tensor Positive(Tensor raw) => nn.functional.softplus(raw).Plus(1e-4);

        /// <summary>Mean negative log-likelihood of <paramref name="targets"/> [B, T] (scaled, or counts for the negative binomial) given raw parameters [B, T, k] and scales [B, 1].</summary>
        public static Tensor NegativeLogLikelihood(DeepArLikelihood l, Tensor raw, Tensor targets, Tensor scale) => LogProbability(l, raw, targets, scale).neg().mean();

        /// <summary>Per-step log-likelihood: Gaussian and Student-t of the normalised value, negative binomial of the count z.</summary>
        public static Tensor LogProbability(DeepArLikelihood l, Tensor raw, Tensor targets, Tensor scale)
        {
            switch (l)
            {
                case DeepArLikelihood.Gaussian:
                {
                    var mu = raw.select(-1, 0);
                    var sigma = Positive(raw.select(-1, 1));
                    var z = (targets - mu) / sigma;
                    return (z.Power(2).Times(-0.5) - sigma.log()).Minus(0.5 * Math.Log(2 * Math.PI));
                }
                case DeepArLikelihood.StudentT:
                {
                    var mu = raw.select(-1, 0);
                    var sigma = Positive(raw.select(-1, 1));
                    var df = Positive(raw.select(-1, 2)).Plus(2L);
                    var z = (targets - mu) / sigma;
                    return torch.lgamma(df.Plus(1L).Over(2)) - torch.lgamma(df.Over(2)) - df.Times(Math.PI).log().Times(0.5) - sigma.log()
                        - df.Plus(1L).Over(2) * torch.log1p(z.Power(2) / df);
                }
                default:
                {
                    var (mean, r) = NegativeBinomial(raw, scale);
                    // r·log(r/(r+m)) as −r·log1p(m/r): float32 keeps its digits when r is large (little overdispersion).
                    return (torch.lgamma(targets.Plus(r)) - torch.lgamma(targets.Plus(1L)) - torch.lgamma(r)
                        - r * torch.log1p(mean / r)).Plus(targets * (mean.log() - r.Plus(mean).log()));
                }
            }
        }

        /// <summary>The negative binomial's mean μ·ν and size r = 1/α with α = α̃/√ν.</summary>
        private static (Tensor Mean, Tensor R) NegativeBinomial(Tensor raw, Tensor scale)
        {
            var mean = Positive(raw.select(-1, 0)) * scale;
            var alpha = Positive(raw.select(-1, 1)) / scale.sqrt();
            return (mean, alpha.reciprocal());
        }

        /// <summary>One draw per row from raw parameters [S, k] and scales [S, 1]: normalised values [S], or counts for the negative binomial.</summary>
        public static Tensor Sample(DeepArLikelihood l, Tensor raw, Tensor scale, Generator generator)
        {
            switch (l)
            {
                case DeepArLikelihood.Gaussian:
                {
                    var mu = raw.select(-1, 0);
                    var sigma = Positive(raw.select(-1, 1));
                    var noise = torch.randn(mu.shape, generator: generator, device: mu.device);
                    return mu.Plus(sigma * noise);
                }
                case DeepArLikelihood.StudentT:
                {
                    // t = N / √(χ²/df), χ² = 2·Gamma(df/2, 1).
                    var mu = raw.select(-1, 0);
                    var sigma = Positive(raw.select(-1, 1));
                    var df = Positive(raw.select(-1, 2)).Plus(2L);
                    var noise = torch.randn(mu.shape, generator: generator, device: mu.device);
                    var chi2 = torch._standard_gamma(df.Over(2), generator).Times(2);
                    return mu.Plus(sigma * noise * (df / chi2.AtLeast(1e-12)).sqrt());
                }
                default:
                {
                    // Gamma–Poisson mixture: λ ~ Gamma(r, mean/r), z ~ Poisson(λ).
                    var (mean, r) = NegativeBinomial(raw, scale.squeeze(-1));
                    var lambda = torch._standard_gamma(r, generator) * (mean / r);
                    return torch.poisson(lambda, generator);
                }
            }
        }
    }
}
