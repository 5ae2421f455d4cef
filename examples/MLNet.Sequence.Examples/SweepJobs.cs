// The sweep experiments behind docs/results.md ("Sweeps"): TPE and random search at the same time budget on the
// sentiment and splice data, next to ML.NET's classic trainers on the same split, with best-so-far curves as PNGs.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Forecasting;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms;

namespace MLNet.Sequence.Examples;

public static class SweepJobs
{
    /// <summary>Runs both experiments with <paramref name="minutes"/> of trials per tuner.</summary>
    /// <param name="ensemble">The sweep's EnsembleSize: the best this many trials refit and averaged (1: the best alone).</param>
    /// <param name="seeds">The sweep's RefitSeeds: each chosen configuration refit with this many seeds and the copies averaged.</param>
    /// <param name="metric">The splice sweep's ranking metric (default macro accuracy).</param>
    /// <param name="spliceMaximumEpochs">The splice sweep's MaximumEpochs: successive halving's last rung (default 15).</param>
    /// <param name="tuners">The splice sweep's tuners: tpe, random or both (default).</param>
    /// <param name="spliceFolds">The splice sweep's CrossValidationFolds (default 3).</param>
    /// <param name="spliceTrials">The splice sweep's MaximumTrials beside its time budget (0, the default: the time budget alone).
    /// Trials repeat exactly, so a trial budget makes the whole sweep repeat on any machine fast enough to finish it in time.</param>
    public static void Run(string outDir, double minutes, string which, int minimumEpochs = 1, int ensemble = 1, int seeds = 1, SweepMetric? metric = null,
        int spliceMaximumEpochs = 15, string tuners = "both", int spliceFolds = 3, int spliceTrials = 0)
    {
        if (which is "all" or "sentiment")
            Sentiment(outDir, minutes, ngrams: false, ensemble, seeds);
        if (which is "sentiment-ngrams")
            Sentiment(outDir, minutes, ngrams: true, ensemble, seeds);
        if (which is "all" or "splice")
            Splice(outDir, minutes, minimumEpochs, ensemble, seeds, metric, spliceMaximumEpochs, tuners, spliceFolds, spliceTrials);
        if (which is "all" or "forecasts")
        {
            AirPassengers(outDir, minutes);
            Co2(outDir, minutes);
        }
    }

    /// <summary>Sizes a 2-core CPU trains in seconds to a minute per epoch; the attributes' full ranges reach far larger models.</summary>
    private static SequenceSearchSpace CpuSizedSpace(params EncoderKind[] families) =>
        CpuSizedSpaceWithDecay(families)
            .Fix("WeightDecay", 0.0);   // Adam's L2 decay collapsed the recurrent models on sentiment (docs/results.md)

    private static SequenceSearchSpace CpuSizedSpaceWithDecay(params EncoderKind[] families) =>
        SequenceSearchSpace.ForFamilies(families)
            .Narrow("EmbeddingDimension", 16, 128).Narrow("HiddenSize", 16, 128).Narrow("ModelDimension", 16, 128)
            .Narrow("FeedForwardDimension", 32, 256).Narrow("Transformer.NumberOfLayers", 1, 3).Narrow("Channels", 16, 128)
            .Narrow("Cnn.NumberOfLayers", 1, 5).Narrow("Lstm.NumberOfLayers", 1, 2).Narrow("Gru.NumberOfLayers", 1, 2)
            .Narrow("BatchSize", 16, 128).Narrow("LearningRate", 3e-4, 1e-2);

    private static SequenceSweepResult Sweep(MLContext ml, SequenceTask task, SequenceSweepOptions options, IDataView train)
    {
        var clock = Stopwatch.StartNew();
        void Selection(object? _, LoggingEventArgs e)
        {
            if (e.Message.Contains("Ensemble selection", StringComparison.Ordinal))
                Console.WriteLine($"   {e.Message[(e.Message.IndexOf("Ensemble selection", StringComparison.Ordinal))..]}");
        }
        if (options.EnsembleSize > 1 || options.RefitSeeds > 1)
            ml.Log += Selection;
        var experiment = task == SequenceTask.BinaryClassification
            ? ml.BinaryClassification.SweepSequenceModels(options)
            : ml.MulticlassClassification.SweepSequenceModels(options);
        var result = experiment.Execute(train);
        ml.Log -= Selection;
        Console.WriteLine($"   {options.Tuner}: {result.Trials.Count} trials ({result.Trials.Count(t => t.Status == TrialStatus.Stopped)} stopped early, " +
            $"{result.Trials.Count(t => t.Status == TrialStatus.Failed)} failed) in {clock.Elapsed.TotalMinutes:F1} min including the refit");
        Console.Write(result.ToTable(5).Replace("\n", "\n   ").Insert(0, "   "));
        Console.WriteLine();
        foreach (var failed in result.Trials.Where(t => t.Status == TrialStatus.Failed))
            Console.WriteLine($"   trial #{failed.Id} failed: {failed.Error}");
        return result;
    }

    private static string Refit(SequenceSweepResult result)
    {
        if (result.Model is not SequenceEnsembleTransformer e)
            return "refit";
        int trials = result.ModelTrials.Select(t => t.Id).Distinct().Count();
        string copies = e.Members.Count > trials ? $" {e.Members.Count / trials} times{(trials > 1 ? " each" : "")} with different seeds" : "";
        return trials > 1 ? $"and {trials - 1} more trials, refit{copies} and averaged," : $"refit{copies} and averaged,";
    }

    /// <summary>An ensemble's members one by one on the test rows (member 1 is the best trial refit alone).</summary>
    private static void ReportMembers(SequenceSweepResult result, Func<ITransformer, double> test, string metric)
    {
        if (result.Model is not SequenceEnsembleTransformer e)
            return;
        for (int i = 0; i < e.Members.Count; i++)
        {
            var t = result.ModelTrials[i];
            Console.WriteLine($"   member {i + 1}: trial #{t.Id} {t.Configuration.Family} (validation {t.Metric:F3}), weight {e.Weights[i]:0.###}: {metric} {test(e.Members[i]):F3} alone");
        }
    }

    // ---------------------------------------------------------------- sentiment

    /// <param name="ngrams">Wide and deep: ML.NET's FeaturizeText n-grams join every trial's pooled sequence as static features.</param>
    private static void Sentiment(string outDir, double minutes, bool ngrams, int ensemble, int seeds)
    {
        Console.WriteLine($"== Sweep: sentiment (UCI sentences, the main job's 80/20 split; 3-fold cross-validation inside the 2400 training rows; {minutes} min of trials per tuner, seed 1{(ngrams ? "; FeaturizeText n-grams as static features" : "")}{(ensemble > 1 ? $"; the best {ensemble} averaged" : "")}{(seeds > 1 ? $"; each refit with {seeds} seeds" : "")})");
        var ml = new MLContext(1);
        var (train, test) = Data.Split(Data.Sentiment());
        var trainData = ml.Data.LoadFromEnumerable(train);
        var testData = ml.Data.LoadFromEnumerable(test);

        var baseline = ml.Transforms.Text.FeaturizeText("Features", "Text")
            .Append(ml.BinaryClassification.Trainers.AveragedPerceptron()).Fit(trainData);
        var b = ml.BinaryClassification.EvaluateNonCalibrated(baseline.Transform(testData));
        Console.WriteLine($"   ML.NET FeaturizeText + AveragedPerceptron: test accuracy {b.Accuracy:F3}");

        SequenceSearchSpace Space() => CpuSizedSpace(EncoderKind.Lstm, EncoderKind.Gru, EncoderKind.Transformer, EncoderKind.Cnn)
            .Narrow("Pooling", "Last", "Mean", "Max", "Attention")   // Flatten needs fixed positions; text has none
            .WithPreprocessing(c => ml.Transforms.Text.NormalizeText("Norm", "Text", keepPunctuations: false)
                    .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Norm"))
                    .Append(ml.Transforms.EncodeTokens("Ids", "Tokens", minimumCount: c.Get<int>("MinimumCount")))
                    .Append(ml.Transforms.PadSequences("Features", "Ids", length: c.Get<int>("PadLength")))
                    .AppendIf(ngrams, () => ml.Transforms.Text.FeaturizeText("Ngrams", "Text")),
                SweepParameter.Choice("PadLength", new object[] { 16, 24, 32, 48 }, 32), SweepParameter.Integer("MinimumCount", 1, 3, defaultValue: 2));

        var results = new List<(string, SequenceSweepResult)>();
        foreach (var tuner in new[] { SweepTunerKind.Tpe, SweepTunerKind.Random })
        {
            var result = Sweep(ml, SequenceTask.BinaryClassification, new SequenceSweepOptions
            {
                SearchSpace = Space(),
                ConfigureTrainer = ngrams ? o => o.StaticFeatureColumnName = "Ngrams" : null,
                Tuner = tuner,
                TimeBudget = TimeSpan.FromMinutes(minutes),
                MaximumEpochs = 15,
                // One 480-row validation split picked noise (10 min: best validation 0.856, test 0.810); three folds
                // score every trial on all 2400 rows (one standard error about ±0.008 instead of ±0.016).
                CrossValidationFolds = 3,
                EnsembleSize = ensemble,
                RefitSeeds = seeds,
                Seed = 1,
            }, trainData);
            ReportMembers(result, model => ml.BinaryClassification.Evaluate(model.Transform(testData)).Accuracy, "test accuracy");
            var m = ml.BinaryClassification.Evaluate(result.Model!.Transform(testData));
            Console.WriteLine($"   {tuner}: best trial #{result.BestTrial!.Id} (validation accuracy {result.BestTrial.Metric:F3}) {Refit(result)} on all 2400 rows: test accuracy {m.Accuracy:F3}, AUC {m.AreaUnderRocCurve:F3} " +
                $"({m.Accuracy - b.Accuracy:+0.000;-0.000} against the perceptron)");
            (result.Model as IDisposable)?.Dispose();
            results.Add((tuner.ToString(), result));
        }
        var png = Path.Combine(outDir, (ngrams ? "sweep-sentiment-ngrams" : "sweep-sentiment") + (ensemble > 1 ? "-ensemble" : "") + (seeds > 1 ? "-bagged.png" : ".png"));
        SweepPlots.SaveBestSoFar(png, results, title: $"sentiment: best validation accuracy so far ({minutes} min per tuner)");
        Console.WriteLine($"   best-so-far curves: {png}");
    }

    // ---------------------------------------------------------------- splice

    private static void Splice(string outDir, double minutes, int minimumEpochs, int ensemble, int seeds, SweepMetric? metric, int maximumEpochs, string tuners, int folds, int trials)
    {
        Console.WriteLine($"== Sweep: splice junctions (DNA, the main job's 80/20 split; {folds}-fold cross-validation inside the training rows; {(trials > 0 ? $"{trials} trials or " : "")}{minutes} min of trials per tuner, seed 1{(ensemble > 1 ? $"; the best {ensemble} averaged" : "")}{(seeds > 1 ? $"; each refit with {seeds} seeds" : "")}{(metric != null ? $"; ranked by {metric}" : "")}; at most {maximumEpochs} epochs)");
        var ml = new MLContext(1);
        var (train, test) = Data.Split(Data.Splice());
        var labels = ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label").Fit(ml.Data.LoadFromEnumerable(train));
        var trainData = labels.Transform(ml.Data.LoadFromEnumerable(train));
        var testData = labels.Transform(ml.Data.LoadFromEnumerable(test));

        var baseline = ml.Transforms.OneHotEncodeSequence("Features", "Sequence", alphabet: "ACGT")
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy("LabelKey", "Features")).Fit(trainData);
        var b = ml.MulticlassClassification.Evaluate(baseline.Transform(testData), "LabelKey");
        Console.WriteLine($"   ML.NET one-hot + LbfgsMaximumEntropy: test macro accuracy {b.MacroAccuracy:F4}");
        var trees = ml.Transforms.OneHotEncodeSequence("Features", "Sequence", alphabet: "ACGT")
            .Append(ml.MulticlassClassification.Trainers.LightGbm("LabelKey", "Features")).Fit(trainData);
        Console.WriteLine($"   ML.NET one-hot + LightGbm (defaults): test macro accuracy {ml.MulticlassClassification.Evaluate(trees.Transform(testData), "LabelKey").MacroAccuracy:F4}");

        var results = new List<(string, SequenceSweepResult)>();
        var kinds = tuners switch
        {
            "tpe" => new[] { SweepTunerKind.Tpe },
            "random" => new[] { SweepTunerKind.Random },
            "both" => new[] { SweepTunerKind.Tpe, SweepTunerKind.Random },
            _ => throw new ArgumentException($"tuners must be tpe, random or both, not '{tuners}'."),
        };
        foreach (var tuner in kinds)
        {
            var result = Sweep(ml, SequenceTask.MulticlassClassification, new SequenceSweepOptions
            {
                LabelColumnName = "LabelKey",
                // One-hot steps have no embedding; the class depends on where a motif sits, so pooling keeps position.
                SearchSpace = CpuSizedSpaceWithDecay(EncoderKind.Lstm, EncoderKind.Gru, EncoderKind.Transformer, EncoderKind.Cnn)
                    .Remove("EmbeddingDimension").Narrow("Pooling", "Flatten", "Last", "Attention")
                    .Narrow("WeightDecay", 0.0, 1e-3)
                    // Preprocessing: how many nucleotides around the junction (the window's centre) the model sees;
                    // two PadSequences cut the one-hot steps [60, 5] to the middle Window steps.
                    .WithPreprocessing(c => ml.Transforms.OneHotEncodeSequence("OneHot", "Sequence", alphabet: "ACGT")
                            .Append(ml.Transforms.PadSequences("Right", "OneHot", length: 30 + c.Get<int>("Window") / 2))
                            .Append(ml.Transforms.PadSequences(new PadSequencesEstimator.Options
                            {
                                OutputColumnName = "Features", InputColumnName = "Right", Length = c.Get<int>("Window"), Truncation = SequenceEnd.Post,
                            })),
                        SweepParameter.Choice("Window", new object[] { 20, 30, 40, 60 }, 60)),
                Tuner = tuner,
                TimeBudget = TimeSpan.FromMinutes(minutes),
                MaximumTrials = trials > 0 ? trials : null,
                MaximumEpochs = maximumEpochs,
                MinimumEpochs = minimumEpochs,   // successive halving's first rung
                Metric = metric,
                // A single 20% split picked noise (10 min each: validation 0.970, test 0.946 and 0.938); k folds (3 by default)
                // score every trial on all 2548 training rows.
                CrossValidationFolds = folds,
                EnsembleSize = ensemble,
                RefitSeeds = seeds,
                Seed = 1,
            }, trainData);
            ReportMembers(result, model => ml.MulticlassClassification.Evaluate(model.Transform(testData), "LabelKey").MacroAccuracy, "test macro accuracy");
            var m = ml.MulticlassClassification.Evaluate(result.Model!.Transform(testData), "LabelKey");
            Console.WriteLine($"   {tuner}: best trial #{result.BestTrial!.Id} (validation {result.Metric} {result.BestTrial.Metric:F3}) {Refit(result)} on all rows: test macro accuracy {m.MacroAccuracy:F4}, micro {m.MicroAccuracy:F4}");
            (result.Model as IDisposable)?.Dispose();
            results.Add((tuner.ToString(), result));
        }
        var png = Path.Combine(outDir, (ensemble > 1 ? "sweep-splice-ensemble" : "sweep-splice") + (seeds > 1 ? "-bagged" : "") + (metric is SweepMetric named && named != SweepMetric.MacroAccuracy ? $"-{named.ToString().ToLowerInvariant()}" : "") + (maximumEpochs != 15 ? $"-{maximumEpochs}epochs" : "") + (folds != 3 ? $"-{folds}folds" : "") + (trials > 0 ? $"-{trials}trials.png" : ".png"));
        SweepPlots.SaveBestSoFar(png, results, title: $"splice: best validation {metric ?? SweepMetric.MacroAccuracy} so far ({(trials > 0 ? $"{trials} trials or " : "")}{minutes} min per tuner)");
        Console.WriteLine($"   best-so-far curves: {png}");
    }

    // ---------------------------------------------------------------- forecasts

    /// <summary>A space for small monthly series: the four families at small sizes, and the window length.</summary>
    private static SequenceSearchSpace ForecastSpace() =>
        CpuSizedSpace(EncoderKind.Lstm, EncoderKind.Gru, EncoderKind.Transformer, EncoderKind.Cnn)
            .Remove("EmbeddingDimension").Narrow("BatchSize", 8, 64).Narrow("Dropout", 0.0, 0.2)
            .Narrow("Pooling", "Last", "Mean", "Flatten")
            .WithForecasterParameters(SweepParameter.Integer("WindowLength", 12, 36, defaultValue: 24));

    private static List<(string, SequenceSweepResult)> ForecastSweeps(MLContext ml, IReadOnlyList<SeriesFrame> series, SequenceForecasterOptions template,
        BacktestOptions validation, double minutes, int epochs)
    {
        var results = new List<(string, SequenceSweepResult)>();
        foreach (var tuner in new[] { SweepTunerKind.Tpe, SweepTunerKind.Random })
        {
            var clock = Stopwatch.StartNew();
            var result = ml.Forecasting.SweepSequenceForecasters(new SequenceForecastSweepOptions
            {
                Forecaster = template,
                Backtest = validation,
                SearchSpace = ForecastSpace(),
                Tuner = tuner,
                TimeBudget = TimeSpan.FromMinutes(minutes),
                MaximumEpochs = epochs,
                Seed = 1,
                RefitBestModel = false,
            }).Execute(series);
            Console.WriteLine($"   {tuner}: {result.Trials.Count} trials ({result.Trials.Count(t => t.Status == TrialStatus.Failed)} failed) in {clock.Elapsed.TotalMinutes:F1} min");
            Console.Write(result.ToTable(3).Replace("\n", "\n   ").Insert(0, "   "));
            Console.WriteLine();
            results.Add((tuner.ToString(), result));
        }
        return results;
    }

    /// <summary>The forecaster of a sweep's best trial, with the template's columns.</summary>
    private static SequenceForecaster Best(MLContext ml, SequenceSweepResult result, SequenceForecasterOptions template, int epochs, string name)
    {
        var o = result.BestTrial!.Configuration.ToForecasterOptions(ForecastSpace(), template, m => { m.NumberOfEpochs = epochs; m.Seed = 1; });
        o.Name = name;
        return ml.Forecasting.SequenceForecaster(o);
    }

    private static void AirPassengers(string outDir, double minutes)
    {
        Console.WriteLine($"== Sweep: AirPassengers forecaster (tuned by a backtest inside 1949-1959: origins at months 96, 108, 120, horizon 12; {minutes} min per tuner), then 1960 forecast");
        var ml = new MLContext(1);
        var all = ForecastJobs.Monthly("timeseries/AirPassengers.csv", "AirPassengers");
        var train = all.Slice(0, 132);
        var template = new SequenceForecasterOptions { ValueColumns = new[] { "Value" }, TimeColumnName = "Time", TimeStep = TimeStep.Months(1), WindowLength = 24, Horizon = 12 };
        var results = ForecastSweeps(ml, new[] { train }, template, new BacktestOptions { Horizon = 12, InitialTrainingSize = 96, Stride = 12, SeasonLength = 12 }, minutes, 200);
        // 1960, the main job's test year: the recipe (LSTM 32, window 24, 200 epochs, batch 16, no dropout) against each sweep's best.
        var actual = all.Values[0].Skip(132).Select(v => (double)v).ToArray();
        var history = train.Values[0].Select(v => (double)v).ToArray();
        var recipe = ml.Forecasting.SequenceForecaster(new SequenceForecasterOptions
        {
            ValueColumns = new[] { "Value" }, TimeColumnName = "Time", TimeStep = TimeStep.Months(1), WindowLength = 24, Horizon = 12, Name = "recipe",
            Model = new LstmOptions { HiddenSize = 32, NumberOfEpochs = 200, BatchSize = 16, Dropout = 0, Seed = 1 },
        });
        var candidates = new List<(string, SequenceForecaster)> { ("the documented recipe (LSTM 32, window 24)", recipe) };
        candidates.AddRange(results.Select(r => ($"{r.Item1}'s best: {r.Item2.BestTrial!.Configuration}", Best(ml, r.Item2, template, 200, r.Item1))));
        foreach (var (name, forecaster) in candidates)
        {
            using var model = forecaster.Train(new[] { train });
            var p = model.Forecast(train, 12).Point[0].Select(v => (double)v).ToArray();
            Console.WriteLine($"   1960: {name}: sMAPE {ForecastMetrics.Smape(actual, p):F2} %, MASE {ForecastMetrics.Mase(history, actual, p, 12):F3}");
        }
        SweepPlots.SaveBestSoFar(Path.Combine(outDir, "sweep-airpassengers.png"), results, title: $"AirPassengers: best validation sMAPE so far ({minutes} min per tuner)");
    }

    private static void Co2(string outDir, double minutes)
    {
        Console.WriteLine($"== Sweep: co2 forecaster (tuned by a backtest before 1989: origins at months 300, 324, 348, horizon 12; {minutes} min per tuner), then the documented backtest (origins from 1989)");
        var ml = new MLContext(1);
        var co2 = ForecastJobs.Monthly("timeseries/co2.csv", "co2");
        var template = new SequenceForecasterOptions { ValueColumns = new[] { "Value" }, TimeColumnName = "Time", TimeStep = TimeStep.Months(1), WindowLength = 24, Horizon = 12 };
        var before = co2.Slice(0, 360);
        var results = ForecastSweeps(ml, new[] { before }, template, new BacktestOptions { Horizon = 12, InitialTrainingSize = 300, Stride = 24, SeasonLength = 12 }, minutes, 60);
        var recipe = ml.Forecasting.SequenceForecaster(new SequenceForecasterOptions
        {
            ValueColumns = new[] { "Value" }, TimeColumnName = "Time", TimeStep = TimeStep.Months(1), WindowLength = 24, Horizon = 12, Name = "recipe (LSTM 32, 60 epochs)",
            Model = new LstmOptions { HiddenSize = 32, NumberOfEpochs = 60, Seed = 1 },
        });
        var methods = new List<IForecastingMethod> { recipe };
        methods.AddRange(results.Select(r => (IForecastingMethod)Best(ml, r.Item2, template, 60, $"{r.Item1}'s best")));
        methods.Add(ml.Forecasting.SeasonalNaive(12));
        Console.WriteLine(ml.Forecasting.Backtest(new[] { co2 }, new BacktestOptions { Horizon = 12, InitialTrainingSize = 360, Stride = 12, SeasonLength = 12 }, methods.ToArray()).ToMarkdown());
        foreach (var (name, r) in results)
            Console.WriteLine($"   {name}'s best: {r.BestTrial!.Configuration}");
        SweepPlots.SaveBestSoFar(Path.Combine(outDir, "sweep-co2.png"), results, title: $"co2: best validation sMAPE so far ({minutes} min per tuner)");
    }

    /// <summary>The chain, with <paramref name="next"/> appended when <paramref name="condition"/> holds.</summary>
    private static IEstimator<ITransformer> AppendIf(this IEstimator<ITransformer> chain, bool condition, Func<IEstimator<ITransformer>> next) =>
        condition ? chain.Append(next()) : chain;
}
