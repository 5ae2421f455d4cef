using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers.Network
{
    /// <summary>
    /// A linear-chain conditional random field over per-step tag scores (Lafferty, McCallum and Pereira, ICML 2001; as an
    /// output layer after Lample et al., NAACL 2016): a path y₁…y_n of tags scores
    /// start[y₁] + Σ_t E[t, y_t] + Σ_{t&gt;1} T[y_{t−1}, y_t] + end[y_n], and its probability is exp(score) / Z, where Z sums
    /// exp(score) over every path. The loss is −log p(gold path): log Z by the forward algorithm minus the gold path's
    /// score. Decoding is Viterbi. Forbidden transitions (a BIO scheme's "I-X after O") get a large negative score, so no
    /// decoded path takes them and their probability is negligible. Sequences are left-aligned: a mask marks each row's
    /// first n steps (n ≥ 1).
    /// </summary>
    internal sealed class LinearChainCrf : nn.Module
    {
        /// <summary>The score added to a forbidden transition, start or end: large enough to rule it out, finite so log-sum-exp stays finite.</summary>
        public const float Forbidden = -10000f;

        private readonly Parameter transitions;
        private readonly Parameter start;
        private readonly Parameter end;
        private readonly Tensor transitionPenalty;
        private readonly Tensor startPenalty;
        private readonly Tensor endPenalty;

        /// <summary>A CRF over <paramref name="tags"/> tags; the optional constraints say which transitions, first and last tags are allowed.</summary>
        public LinearChainCrf(int tags, TagConstraints? constraints = null) : base("LinearChainCrf")
        {
            if (tags < 1)
                throw new ArgumentOutOfRangeException(nameof(tags), tags, "A CRF needs at least one tag.");
            if (constraints != null && constraints.Tags != tags)
                throw new ArgumentException($"The constraints are for {constraints.Tags} tags; this CRF has {tags}.", nameof(constraints));
            Tags = tags;
            // Small random starting scores (as the emissions' own layer starts), so the first gradients break symmetry.
            transitions = nn.Parameter(torch.empty(tags, tags).uniform_(-0.1, 0.1));
            start = nn.Parameter(torch.empty(tags).uniform_(-0.1, 0.1));
            end = nn.Parameter(torch.empty(tags).uniform_(-0.1, 0.1));
            var c = constraints ?? TagConstraints.None(tags);
            transitionPenalty = torch.tensor(c.Transitions.Select(ok => ok ? 0f : Forbidden).ToArray()).reshape(tags, tags);
            startPenalty = torch.tensor(c.Start.Select(ok => ok ? 0f : Forbidden).ToArray());
            endPenalty = torch.tensor(c.End.Select(ok => ok ? 0f : Forbidden).ToArray());
            register_buffer("transition_penalty", transitionPenalty);
            register_buffer("start_penalty", startPenalty);
            register_buffer("end_penalty", endPenalty);
            RegisterComponents();
        }

        public int Tags { get; }

        // TorchSharp 0.107's `a + b` hands libtorch a temporary Scalar (alpha = 1) by its raw handle and keeps nothing
        // alive, so a garbage collection during the call can finalize it while libtorch reads it ("Expected false to be
        // true ... toFloat", seen once in a long tagger training; TorchSharp PRs #1434 and #1496 would close it). The
        // per-step loops below run such operators thousands of times per batch, so they pass these long-lived Scalars.
        private static readonly Scalar One = 1.ToScalar();
        private static readonly Scalar ProductFloor = 1e-30f.ToScalar();

        private Tensor T => transitions.add(transitionPenalty, One);
        private Tensor S => start.add(startPenalty, One);
        private Tensor En => end.add(endPenalty, One);

        /// <summary>
        /// log Z for each row: emissions [B, L, K], mask [B, L] (bool, each row's first n ≥ 1 steps) → [B]. Each step of the
        /// forward algorithm, log Σ_i exp(α_i + T_ij), runs as one matrix product in exponent space,
        /// log(exp(α − max α) · exp(T − max T)) + max α + max T, instead of a log-sum-exp over a [B, K, K] tensor (several
        /// times faster with a large tag set). A tag that no allowed transition reaches gets exp(−69) (the product is
        /// floored at 1e-30) instead of exp(−10⁴): a difference far below float precision in log Z.
        /// </summary>
        public Tensor LogPartition(Tensor emissions, Tensor mask)
        {
            Check(emissions, mask);
            long L = emissions.shape[1];
            var trans = T;
            var maxT = trans.max();
            var expT = (trans - maxT).exp();                               // [K, K], in [0, 1]
            var alpha = S.unsqueeze(0).add(emissions.select(1, 0), One);   // [B, K]
            for (long t = 1; t < L; t++)
            {
                var top = alpha.amax(new long[] { 1 }, keepdim: true);     // [B, 1]
                var summed = alpha.sub(top).exp().matmul(expT).clamp_min(ProductFloor);
                var next = summed.log().add(top, One).add(maxT, One).add(emissions.select(1, t), One);   // [B, K]
                alpha = torch.where(mask.select(1, t).unsqueeze(1), next, alpha);
            }
            return torch.logsumexp(alpha.add(En.unsqueeze(0), One), 1);
        }

        /// <summary>The score of the given paths: tags [B, L] (int64; values past each row's length are ignored) → [B].</summary>
        public Tensor PathScore(Tensor emissions, Tensor tags, Tensor mask)
        {
            Check(emissions, mask);
            long L = emissions.shape[1];
            var safe = torch.where(mask, tags, torch.zeros_like(tags));
            var emitted = emissions.gather(2, safe.unsqueeze(2)).squeeze(2);          // [B, L]
            var m = mask.to_type(emissions.dtype);
            var score = S.index_select(0, safe.select(1, 0)).Plus((emitted * m).sum(1));
            if (L > 1)
            {
                var from = safe.narrow(1, 0, L - 1);
                var to = safe.narrow(1, 1, L - 1);
                var pair = T.index(from.flatten(), to.flatten()).reshape(from.shape);     // [B, L-1]
                score = score.Plus((pair * m.narrow(1, 1, L - 1)).sum(1));
            }
            var last = mask.to_type(ScalarType.Int64).sum(1).Minus(1);                    // [B]
            var lastTags = safe.gather(1, last.unsqueeze(1)).squeeze(1);
            return score.Plus(En.index_select(0, lastTags));
        }

        /// <summary>−log p(tags | emissions) per row: log Z − score(tags) → [B].</summary>
        public Tensor NegativeLogLikelihood(Tensor emissions, Tensor tags, Tensor mask) =>
            LogPartition(emissions, mask) - PathScore(emissions, tags, mask);

        /// <summary>
        /// Per-step tag marginals p(y_t = k | x) [B, L, K] (zero past each row's length): the gradient of log Z with respect to
        /// the emissions, which is what the forward-backward algorithm computes, here by autograd through
        /// <see cref="LogPartition"/>. No gradient flows back to the inputs.
        /// </summary>
        public Tensor Marginals(Tensor emissions, Tensor mask)
        {
            using var grad = torch.enable_grad();
            using var e = emissions.detach().requires_grad_(true);
            using var logZ = LogPartition(e, mask).sum();
            var g = torch.autograd.grad(new[] { logZ }, new[] { e })[0];
            return g.detach();
        }

        /// <summary>The highest-scoring path of each row (Viterbi), as many tags as the row's mask has steps.</summary>
        public long[][] Decode(Tensor emissions, Tensor mask)
        {
            Check(emissions, mask);
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            long B = emissions.shape[0], L = emissions.shape[1];
            var trans = T.unsqueeze(0);
            var delta = S.unsqueeze(0).add(emissions.select(1, 0), One);
            var steps = new List<Tensor>();   // per step t ≥ 1: [B, K] the best previous tag for each tag
            for (long t = 1; t < L; t++)
            {
                var (best, arg) = torch.max(delta.unsqueeze(2).add(trans, One), 1);
                steps.Add(arg);
                delta = torch.where(mask.select(1, t).unsqueeze(1), best.add(emissions.select(1, t), One), delta);
            }
            // One copy to the CPU for all the back-pointers, not one per step.
            var all = steps.Count > 0 ? torch.stack(steps).cpu().data<long>().ToArray() : Array.Empty<long>();
            long stride = B * Tags;   // all[(t − 1) · stride + b · K + k]: the best tag before tag k at step t of row b
            var final = delta.Plus(En.unsqueeze(0)).argmax(1).cpu().data<long>().ToArray();
            var lengths = mask.to_type(ScalarType.Int64).sum(1).cpu().data<long>().ToArray();
            var paths = new long[B][];
            for (int b = 0; b < B; b++)
            {
                int n = (int)lengths[b];
                var path = new long[n];
                path[n - 1] = final[b];
                for (int t = n - 1; t >= 1; t--)
                    path[t - 1] = all[(t - 1) * stride + b * Tags + path[t]];
                paths[b] = path;
            }
            return paths;
        }

        private void Check(Tensor emissions, Tensor mask)
        {
            if (emissions.dim() != 3 || emissions.shape[2] != Tags)
                throw new ArgumentException($"CRF emissions must be [batch, steps, {Tags}]; they are [{string.Join(", ", emissions.shape)}].");
            if (mask.dim() != 2 || mask.shape[0] != emissions.shape[0] || mask.shape[1] != emissions.shape[1] || mask.dtype != ScalarType.Bool)
                throw new ArgumentException($"The CRF mask must be bool [{emissions.shape[0]}, {emissions.shape[1]}]; it is {mask.dtype} [{string.Join(", ", mask.shape)}].");
            if (emissions.shape[1] < 1)
                throw new ArgumentException("CRF sequences need at least one step.");
        }
    }

    /// <summary>Which tag transitions, first tags and last tags a tagging scheme allows.</summary>
    internal sealed class TagConstraints
    {
        private TagConstraints(int tags, bool[] transitions, bool[] start, bool[] end)
        {
            Tags = tags;
            Transitions = transitions;
            Start = start;
            End = end;
        }

        public int Tags { get; }

        /// <summary>Row-major [from, to]: true where the transition is allowed.</summary>
        public bool[] Transitions { get; }
        public bool[] Start { get; }
        public bool[] End { get; }

        public static TagConstraints None(int tags) =>
            new(tags, Enumerable.Repeat(true, tags * tags).ToArray(), Enumerable.Repeat(true, tags).ToArray(), Enumerable.Repeat(true, tags).ToArray());

        /// <summary>
        /// The valid transitions of IOB2 (B-X begins a chunk, I-X continues one of type X, O is outside) or IOBES (also
        /// E-X ends a chunk and S-X is a one-token chunk), from the tag names. Tags without a prefix ("O", or any other
        /// plain tag) are outside every chunk.
        /// </summary>
        public static TagConstraints For(IReadOnlyList<string> tags, bool iobes)
        {
            int K = tags.Count;
            var parsed = tags.Select(Parse).ToArray();
            foreach (var (prefix, _) in parsed)
                if (!iobes && prefix is 'E' or 'S')
                    throw new ArgumentException($"Tag prefix '{prefix}-' belongs to IOBES, not IOB2.");
            bool Inside(char p) => iobes ? p is 'B' or 'I' : false;   // IOBES: after B or I a chunk must go on
            var transitions = new bool[K * K];
            for (int a = 0; a < K; a++)
                for (int b = 0; b < K; b++)
                {
                    var (pa, ta) = parsed[a];
                    var (pb, tb) = parsed[b];
                    bool continues = pb is 'I' || (iobes && pb is 'E');
                    bool ok = continues
                        ? pa is 'B' or 'I' && ta == tb
                        : !Inside(pa);
                    transitions[a * K + b] = ok;
                }
            var start = parsed.Select(p => !(p.Prefix is 'I' || (iobes && p.Prefix is 'E'))).ToArray();
            var end = parsed.Select(p => !Inside(p.Prefix)).ToArray();
            return new TagConstraints(K, transitions, start, end);
        }

        private static (char Prefix, string Type) Parse(string tag) =>
            tag.Length > 2 && tag[1] == '-' && tag[0] is 'B' or 'I' or 'E' or 'S' ? (tag[0], tag[2..]) : ('O', "");
    }
}
