using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.Tagging;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence
{
    /// <summary>Options of a sweep of sequence taggers (<c>mlContext.SequenceTagging.SweepSequenceTaggers</c>).</summary>
    /// <remarks>
    /// <see cref="SequenceSweepSettings.SearchSpace"/> must be a tagger space (<see cref="SequenceSearchSpace.ForTaggers"/>;
    /// the default is one over all four families) and <see cref="SequenceSweepSettings.ConfigureTrainer"/> does not apply:
    /// set anything else on every trial with <see cref="ConfigureTagger"/>.
    /// </remarks>
    public sealed class SequenceTaggerSweepOptions : SequenceSweepSettings
    {
        /// <summary>The tokens of each sentence (a vector of text, or keys with text KeyValues). Default "Tokens".</summary>
        public string TokensColumnName { get; set; } = "Tokens";

        /// <summary>One tag per token (text, or keys with tag names). Default "Label".</summary>
        public string LabelColumnName { get; set; } = "Label";

        /// <summary>The ranking metric: <see cref="SweepMetric.TokenAccuracy"/> (default), <see cref="SweepMetric.TagMacroF1"/> or <see cref="SweepMetric.EntityF1"/> (needs a chunk <see cref="Scheme"/>).</summary>
        public SweepMetric Metric { get; set; } = SweepMetric.TokenAccuracy;

        /// <summary>How the tags mark chunks, for <see cref="SweepMetric.EntityF1"/>. Default <see cref="TaggingScheme.Plain"/> (no chunks).</summary>
        public TaggingScheme Scheme { get; set; } = TaggingScheme.Plain;

        /// <summary>Successive halving (ASHA) on epochs: bad trials stop at a rung. Default true.</summary>
        public bool EarlyStopping { get; set; } = true;

        /// <summary>The first rung, in epochs. Default 1.</summary>
        public int MinimumEpochs { get; set; } = 1;

        /// <summary>η: rungs at r, rη, rη², ... epochs; a trial continues past a rung only in the best 1/η there. Default 3.</summary>
        public double ReductionFactor { get; set; } = 3;

        /// <summary>Without validation data: the fraction of sentences held out to score trials. Default 0.2.</summary>
        public double ValidationFraction { get; set; } = 0.2;

        /// <summary>Sets anything else on every trial's tagger options (extra feature columns, casing, schedule, ...); swept values are set after it.</summary>
        public Action<SequenceTaggerOptions>? ConfigureTagger { get; set; }

        internal void Validate()
        {
            Require(!string.IsNullOrWhiteSpace(TokensColumnName), nameof(TokensColumnName), "must name a column");
            Require(!string.IsNullOrWhiteSpace(LabelColumnName), nameof(LabelColumnName), "must name a column");
            ValidateCommon();
            Require(ConfigureTrainer == null, nameof(ConfigureTrainer), "does not apply to taggers; set ConfigureTagger");
            Require(SearchSpace == null || SearchSpace.ForTaggerOptions, nameof(SearchSpace), "must be a tagger space (SequenceSearchSpace.ForTaggers)");
            Require(SearchSpace?.Pipeline == null, nameof(SearchSpace), "must have no preprocessing pipeline: a tagger reads the tokens itself");
            Require(MinimumEpochs > 0 && MinimumEpochs <= MaximumEpochs, nameof(MinimumEpochs), $"must be in 1..MaximumEpochs ({MaximumEpochs}); it was {MinimumEpochs}");
            Require(ReductionFactor >= 2 && double.IsFinite(ReductionFactor), nameof(ReductionFactor), $"must be at least 2; it was {ReductionFactor}");
            Require(ValidationFraction is > 0 and < 1, nameof(ValidationFraction), $"must be in (0, 1); it was {ValidationFraction}");
            MLNet.Sequence.Transforms.Internal.ColumnChecks.RequireDefined(Scheme, nameof(Scheme));
            var allowed = new[] { SweepMetric.TokenAccuracy, SweepMetric.TagMacroF1, SweepMetric.EntityF1 };
            Require(allowed.Contains(Metric), nameof(Metric), $"{Metric} does not apply to tagging; use one of {string.Join(", ", allowed)}");
            Require(Metric != SweepMetric.EntityF1 || Scheme != TaggingScheme.Plain, nameof(Scheme),
                "must name the chunk scheme of the tags (Iob2, Iobes, ...) when Metric is EntityF1; plain tags have no entities");
        }
    }

    /// <summary>
    /// A sweep of sequence taggers; <see cref="Execute"/> runs it. Each trial trains a tagger on the training sentences,
    /// validating every epoch on the held-out ones (successive halving compares validation token accuracy at each rung
    /// and stops the worst; the trial keeps its best epoch's weights), and is scored with
    /// <see cref="SequenceTaggingCatalog.Evaluate"/>'s metric.
    /// </summary>
    public sealed class SequenceTaggerSweepExperiment
    {
        private readonly IHostEnvironment _env;
        private readonly SequenceTaggerSweepOptions _options;

        internal SequenceTaggerSweepExperiment(IHostEnvironment env, SequenceTaggerSweepOptions options)
        {
            options.Validate();
            _env = env;
            _options = options;
        }

        /// <summary>
        /// Runs the sweep, then refits the best configuration on all of <paramref name="trainData"/> for its best trial's
        /// epoch count (<see cref="SequenceSweepResult.Model"/>, a <see cref="SequenceTaggingTransformer"/>).
        /// </summary>
        /// <param name="trainData">The training sentences (tokens and tags columns).</param>
        /// <param name="validationData">Optional validation sentences; null holds <see cref="SequenceTaggerSweepOptions.ValidationFraction"/> of <paramref name="trainData"/> out.</param>
        /// <returns>The trials, the leaderboard and the refit tagger.</returns>
        public SequenceSweepResult Execute(IDataView trainData, IDataView? validationData = null)
        {
            ArgumentNullException.ThrowIfNull(trainData);
            var o = _options;
            using var host = new MlNetHost(_env, "SequenceTaggerSweep");
            var ml = _env as MLContext ?? new MLContext(o.Seed);
            var space = o.SearchSpace ?? SequenceSearchSpace.ForTaggers();
            foreach (var (data, what) in new[] { (trainData, "training data"), (validationData, "validation data") })
                if (data != null)
                    foreach (var (name, option) in new[] { (o.TokensColumnName, nameof(o.TokensColumnName)), (o.LabelColumnName, nameof(o.LabelColumnName)) })
                        if (data.Schema.GetColumnOrNull(name) == null)
                            throw new ArgumentOutOfRangeException(option, $"Option {option}: the {what} has no column '{name}'.");
            (trainData, validationData) = TagsAsKeys(ml, trainData, validationData);
            IDataView train = trainData, valid;
            if (validationData != null)
                valid = validationData;
            else
            {
                var split = ml.Data.TrainTestSplit(trainData, o.ValidationFraction, seed: o.Seed);
                (train, valid) = (split.TrainSet, split.TestSet);
            }
            var halving = o.EarlyStopping ? new SuccessiveHalving(o.MinimumEpochs, o.ReductionFactor, o.MaximumEpochs) : null;
            string fingerprint = SweepEngine.FingerprintOf(o.CommonFingerprint(space).Concat(new object[]
            {
                "tagger", o.Metric, o.Scheme, o.EarlyStopping, o.MinimumEpochs, o.ReductionFactor, o.ValidationFraction, o.TokensColumnName, o.LabelColumnName,
                validationData != null, string.Join(",", trainData.Schema.Select(c => $"{c.Name}:{c.Type}")),
            }).ToArray());
            var settings = new SweepEngine.SweepSettings(true, o.MaximumTrials, o.TimeBudget, o.Parallelism, o.CostFrugalStart, halving,
                o.TrialLogPath, fingerprint, o.Progress, o.CancellationToken);
            host.Info($"Tagger sweep: metric {o.Metric}, tuner {o.TunerName}; epochs up to {o.MaximumEpochs}" +
                $"{(halving != null ? $", rungs at {string.Join(", ", halving.Rungs)}" : "")}; space: {space}");
            var engine = new SweepEngine(space, o.MakeTuner(space), settings, host.Info);
            var trials = engine.Run((config, context) =>
            {
                var options = Options(space, config, o.MaximumEpochs);
                options.ValidationData = valid;
                options.CancellationToken = context.Token;
                options.OnCancellation = CancellationBehavior.ReturnBestModel;
                var user = options.Progress;
                options.Progress = new EpochWatch(r =>
                {
                    user?.Report(r);
                    // Rungs compare validation token accuracy, not loss: a CRF's loss (a sentence's negative
                    // log-likelihood) and a softmax's (a token's cross-entropy) are on different scales.
                    if (r.ValidationMetric is double accuracy)
                        context.EpochDone(r.Epoch, -accuracy);
                });
                using var tagger = new SequenceTaggerEstimator(_env, options).Fit(train);
                var history = tagger.TrainingHistory;
                return new TrialOutcome(Score(ml, tagger.Transform(valid), options), history?.Epochs.Count ?? 0, history?.BestEpoch ?? 0);
            });
            var result = new SequenceSweepResult(trials, o.Metric, largerIsBetter: true);
            if (o.RefitBestModel && result.BestTrial is { } best)
            {
                host.Info($"Refit of trial #{best.Id} on all training sentences for {Math.Max(1, best.BestEpoch).ToString(CultureInfo.InvariantCulture)} epochs.");
                var options = Options(space, best.Configuration, Math.Max(1, best.BestEpoch));
                options.ValidationData = null;
                options.EarlyStoppingPatience = 0;
                options.CancellationToken = o.CancellationToken;
                options.OnCancellation = CancellationBehavior.Throw;
                result.Model = o.RefitUnlessCanceled(host, $"trial #{best.Id}", () => new SequenceTaggerEstimator(_env, options).Fit(trainData));
                result.ModelTrials = result.Model != null ? new[] { best } : Array.Empty<SequenceTrialResult>();
            }
            return result;
        }

        /// <summary>
        /// Text tags become keys over every tag of the training and validation sentences, so that a tag the held-out part
        /// holds but a trial's training part lacks (rare tags, e.g. Brown's 'dt$') is a known tag the trial never
        /// predicts rather than an error; the tagger reads the tag names from the keys' KeyValues.
        /// </summary>
        private (IDataView Train, IDataView? Valid) TagsAsKeys(MLContext ml, IDataView train, IDataView? valid)
        {
            var name = _options.LabelColumnName;
            if (train.Schema[name].Type is not VectorDataViewType { ItemType: TextDataViewType })
                return (train, valid);
            var tags = new List<string>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var data in valid == null ? new[] { train } : new[] { train, valid })
            {
                if (data.Schema[name].Type is not VectorDataViewType { ItemType: TextDataViewType })
                    throw new ArgumentOutOfRangeException(nameof(SequenceTaggerSweepOptions.LabelColumnName), $"Option LabelColumnName: column '{name}' holds text tags in the training data and {data.Schema[name].Type} in the validation data.");
                using var cursor = data.GetRowCursor(new[] { data.Schema[name] });
                var get = cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(data.Schema[name]);
                VBuffer<ReadOnlyMemory<char>> buffer = default;
                while (cursor.MoveNext())
                {
                    get(ref buffer);
                    foreach (var tag in buffer.DenseValues())
                        if (seen.Add(tag.ToString()))
                            tags.Add(tag.ToString());
                }
            }
            var keyData = ml.Data.LoadFromEnumerable(tags.Select(t => new TagName { Tag = t }));
            var keys = ml.Transforms.Conversion.MapValueToKey(name, name, keyData: keyData).Fit(train);
            return (keys.Transform(train), valid == null ? null : keys.Transform(valid));
        }

        private sealed class TagName
        {
            public string Tag { get; set; } = "";
        }

        private SequenceTaggerOptions Options(SequenceSearchSpace space, SweepConfiguration config, int epochs)
        {
            var o = _options;
            var options = config.ToTaggerOptions(space, o.ConfigureTagger);
            options.TokensColumnName = o.TokensColumnName;
            options.LabelColumnName = o.LabelColumnName;
            options.NumberOfEpochs = epochs;
            options.Seed ??= o.Seed;
            if (o.Parallelism > 1)
                options.NumberOfThreads ??= Math.Max(1, Environment.ProcessorCount / o.Parallelism);
            return options;
        }

        private double Score(MLContext ml, IDataView scored, SequenceTaggerOptions options)
        {
            var m = ml.SequenceTagging.Evaluate(scored, options.LabelColumnName, options.PredictedLabelColumnName, _options.Scheme);
            return _options.Metric switch
            {
                SweepMetric.TagMacroF1 => m.MacroF1,
                SweepMetric.EntityF1 => m.Entities.F1,
                _ => m.TokenAccuracy,
            };
        }
    }

    /// <summary>Tagger sweeps on <c>mlContext.SequenceTagging</c>.</summary>
    public static class SequenceTaggerSweepCatalog
    {
        /// <summary>
        /// A sweep of sequence taggers over all four families (TPE, successive halving), ranked by token accuracy on a
        /// held-out fifth of the training sentences; call <see cref="SequenceTaggerSweepExperiment.Execute"/>.
        /// </summary>
        /// <param name="catalog">The tagging catalog.</param>
        /// <param name="labelColumnName">One tag per token.</param>
        /// <param name="tokensColumnName">The tokens.</param>
        /// <param name="maximumTrials">Trials to run. Default 20.</param>
        /// <returns>The experiment.</returns>
        public static SequenceTaggerSweepExperiment SweepSequenceTaggers(this SequenceTaggingCatalog catalog,
            string labelColumnName = "Label", string tokensColumnName = "Tokens", int maximumTrials = 20) =>
            SweepSequenceTaggers(catalog, new SequenceTaggerSweepOptions { LabelColumnName = labelColumnName, TokensColumnName = tokensColumnName, MaximumTrials = maximumTrials });

        /// <summary>A sweep of sequence taggers with every option (space, tuner, budgets, metric, scheme).</summary>
        /// <param name="catalog">The tagging catalog.</param>
        /// <param name="options">The options.</param>
        /// <returns>The experiment.</returns>
        public static SequenceTaggerSweepExperiment SweepSequenceTaggers(this SequenceTaggingCatalog catalog, SequenceTaggerSweepOptions options)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            ArgumentNullException.ThrowIfNull(options);
            return new SequenceTaggerSweepExperiment((IHostEnvironment)catalog.Context, options);
        }
    }
}
