using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Cli.Config;
using MLNet.Sequence.Cli.Data;
using MLNet.Sequence.Forecasting;
using MLNet.Sequence.Recommendation;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Cli.Workflow;

/// <summary>
/// Next-item recommendation from a config: a delimited file of (user, item, time) events becomes each user's items in
/// time order (equal times by item); by the leave-last-out protocol each user's last item (users with three or more)
/// is the test target, and the model learns from everything before it. It is scored by ranking every item the user
/// has not seen (hit rate, NDCG and MRR at k, no sampled negatives) next to the most-popular and item-to-item
/// transition baselines on the same splits, and saved with the step that turns its keys back into item ids.
/// </summary>
internal sealed class RecommendationWorkflow
{
    /// <summary>The history column the saved model reads: a user's item ids, oldest first.</summary>
    public const string HistoryColumn = "History";

    /// <summary>The recommended item ids, best first (the saved model's last column).</summary>
    public const string RecommendationsColumn = "Recommendations";

    private readonly WorkflowConfig _c;
    private readonly RecommendationConfig _r;
    private readonly IRunObserver _observer;
    private readonly MLContext _ml;

    public RecommendationWorkflow(WorkflowConfig config, IRunObserver observer)
    {
        _c = config;
        _r = config.Recommendation!;
        _observer = observer;
        _ml = new MLContext(config.Seed);
    }

    /// <summary>One user's items in time order.</summary>
    public sealed record UserHistory(string User, string[] Items);

    /// <summary>The users' histories of an events file (user, item and time columns; others ignored), users in file order.</summary>
    public List<UserHistory> ReadHistories(string path, string field)
    {
        var file = DelimitedFile.Read(path, _c.Data.SeparatorChar, _c.Data.HasHeader, _c.Data.Columns!.Select(c => c.Name).ToList(), field);
        var columns = _c.Data.Columns!.Where(c => c.Name == _r.UserColumn || c.Name == _r.ItemColumn || c.Name == _r.TimeColumn).ToList();
        file.CheckTypes(columns, _c.Data.HasHeader, field);
        int user = file.IndexOf(_r.UserColumn, field), item = file.IndexOf(_r.ItemColumn, field), time = file.IndexOf(_r.TimeColumn, field);
        bool dates = columns.First(c => c.Name == _r.TimeColumn).Type == "date";
        var byUser = new Dictionary<string, List<(double Time, string Item)>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var row in file.Rows)
        {
            var id = row[user].Trim();
            if (!byUser.TryGetValue(id, out var events))
            {
                byUser[id] = events = new List<(double, string)>();
                order.Add(id);
            }
            double t = dates && DelimitedFile.TryDate(row[time], out var d) ? d.Ticks : double.Parse(row[time], CultureInfo.InvariantCulture);
            events.Add((t, row[item].Trim()));   // ids as written, without surrounding spaces
        }
        return order.Select(u => new UserHistory(u, byUser[u].OrderBy(e => e.Time).ThenBy(e => e.Item, ItemOrder.Instance).Select(e => e.Item).ToArray())).ToList();
    }

    /// <summary>Item ids compare as numbers when both are numbers (MovieLens' movieId), else as text.</summary>
    private sealed class ItemOrder : IComparer<string>
    {
        public static readonly ItemOrder Instance = new();

        public int Compare(string? x, string? y) =>
            double.TryParse(x, NumberStyles.Float, CultureInfo.InvariantCulture, out var a) && double.TryParse(y, NumberStyles.Float, CultureInfo.InvariantCulture, out var b)
                ? a.CompareTo(b) : string.CompareOrdinal(x, y);
    }

    private sealed class HistoryRow
    {
        public string[] History { get; set; } = Array.Empty<string>();
        public string Next { get; set; } = "";
    }

    /// <summary>The users the protocol judges (three items or more): everything before the last item, and the last item.</summary>
    private List<(string[] Before, string Last)> Splits(List<UserHistory> histories) =>
        histories.Where(h => h.Items.Length >= 3).Select(h => (h.Items[..^1], h.Items[^1])).ToList();

    public RunReport Run(CancellationToken token = default)
    {
        var histories = ReadHistories(_c.Resolve(_c.Data.Path), "data.path");
        var splits = Splits(histories);
        if (splits.Count == 0)
            throw new DataException("data.path", $"no user has three or more events; leave-last-out needs a training item, a validation item and a test item per user (column '{_r.UserColumn}').");
        var options = TrainerOptionsBinder.NextElement(_c.Trainer!.Family, _c.Trainer.Options, "trainer.options");
        var defaults = TrainerOptionsBinder.NextElement(_c.Trainer.Family, null, "trainer.options");
        var report = new RunReport { Task = _c.Task, Trainer = new JsonObject { ["family"] = _c.Trainer.Family, ["options"] = TrainerOptionsBinder.Changed(options, defaults) } };
        options.SequenceColumnName = HistoryColumn;
        options.NumberOfPredictions = _r.NumberOfRecommendations;
        options.ExcludeSeenElements = true;
        options.Seed ??= _c.Seed;
        options.CancellationToken = token;
        options.Progress = new ObserverProgress(_observer);
        Directory.CreateDirectory(_c.OutputDirectory);

        int? latest = _r.MaximumTrainingHistory;
        var train = _ml.Data.LoadFromEnumerable(splits.Select(s => new HistoryRow { History = latest is int n && s.Before.Length > n ? s.Before[^n..] : s.Before }));
        _observer.Info($"Training a {_c.Trainer.Family} next-item model on {splits.Count} users' histories ({splits.Sum(s => (long)s.Before.Length)} events" +
            $"{(latest != null ? $", each user's latest {latest}" : "")}) for {options.NumberOfEpochs} epochs; each user's last item is held out.");
        var clock = Stopwatch.StartNew();
        using var model = TrainerOptionsBinder.NextElementTrainer(_ml, options).Fit(train);
        report.TrainingSeconds = clock.Elapsed.TotalSeconds;

        int k = _r.NumberOfRecommendations;
        var judged = _ml.Data.LoadFromEnumerable(splits.Select(s => new HistoryRow { History = s.Before, Next = s.Last }));
        var m = _ml.NextElement.Evaluate(model, judged, nameof(HistoryRow.Next), k, excludeSeenElements: true);
        report.Rows.Add(Row($"{_c.Trainer.Family} next-item model", m.TopKAccuracy, m.Ndcg, m.MeanReciprocalRank));
        foreach (var (name, baseline) in Baselines(splits, k))
            report.Rows.Add(Row(name, baseline.HitRate, baseline.Ndcg, baseline.MeanReciprocalRank));

        var ids = _ml.Transforms.Conversion.MapKeyToValue(RecommendationsColumn, "PredictedLabel").Fit(model.Transform(judged));
        var saved = new TransformerChain<ITransformer>(model, ids);
        var modelPath = Path.Combine(_c.OutputDirectory, TabularWorkflow.ModelFileName);
        _ml.Model.SaveSequenceModel(saved, train.Schema, modelPath);
        report.Files["model"] = modelPath;
        report.SaveLearningCurve(_c.OutputDirectory, model.TrainingHistory, "next-item model: loss per epoch");
        report.SaveMetrics(_c.OutputDirectory);
        return report;
    }

    private MetricsRow Row(string name, double hitRate, double ndcg, double mrr) =>
        new MetricsRow(name).Add($"hitRate@{_r.NumberOfRecommendations}", hitRate).Add($"ndcg@{_r.NumberOfRecommendations}", ndcg).Add("mrr", mrr);

    /// <summary>
    /// Most popular, and decayed item-to-item transitions over the last five items, fit on every event before each judged
    /// user's test item (the model may read only the latest maximumTrainingHistory of them) and ranked as the model is:
    /// every item the user has not seen; a test item seen before is a miss.
    /// </summary>
    private static IEnumerable<(string Name, MLNet.Sequence.Recommendation.RankingMetrics Metrics)> Baselines(List<(string[] Before, string Last)> splits, int k)
    {
        var indexOf = new Dictionary<string, int>(StringComparer.Ordinal);
        int Index(string item) => indexOf.TryGetValue(item, out int i) ? i : indexOf[item] = indexOf.Count;
        var leaveLastOut = splits.Select((s, u) =>
        {
            var before = s.Before.Select(Index).ToArray();
            return new LeaveLastOutSplit(u, before[..^1], before[^1], Index(s.Last));
        }).ToList();
        var histories = leaveLastOut.Select(s => (IReadOnlyList<int>)s.TestHistory).ToList();
        var byIndex = indexOf.ToDictionary(p => p.Value, p => p.Value);
        yield return ("most popular", NextItemEvaluation.Test(new PopularityScorer(histories, indexOf.Count), leaveLastOut, byIndex, k));
        var transitions = new TransitionScorer(histories, indexOf.Count);
        yield return ($"transitions (last {transitions.Order}, decay {transitions.Decay.ToString(CultureInfo.InvariantCulture)})", NextItemEvaluation.Test(transitions, leaveLastOut, byIndex, k));
    }

    /// <summary>The next-item model inside a saved chain.</summary>
    internal static NextElementTransformer Recommender(ITransformer loaded) => loaded switch
    {
        NextElementTransformer t => t,
        TransformerChain<ITransformer> chain => chain.OfType<NextElementTransformer>().SingleOrDefault()
            ?? throw new DataException("--model", "the model is not a next-item recommender; this config's task is recommendation."),
        _ => throw new DataException("--model", "the model is not a next-item recommender; this config's task is recommendation."),
    };

    /// <summary>
    /// Metrics of a saved model by the leave-last-out protocol on an events file (or the config's data): each judged
    /// user's last item ranked after everything before it.
    /// </summary>
    public MetricsRow Evaluate(ITransformer loaded, string? dataPath)
    {
        var histories = ReadHistories(dataPath != null ? Path.GetFullPath(dataPath) : _c.Resolve(_c.Data.Path), dataPath != null ? "--data" : "data.path");
        var judged = _ml.Data.LoadFromEnumerable(Splits(histories).Select(s => new HistoryRow { History = s.Before, Next = s.Last }));
        var m = _ml.NextElement.Evaluate(Recommender(loaded), judged, nameof(HistoryRow.Next), _r.NumberOfRecommendations, excludeSeenElements: true);
        return Row("model", m.TopKAccuracy, m.Ndcg, m.MeanReciprocalRank);
    }

    private sealed class Recommended
    {
        public string[] Recommendations { get; set; } = Array.Empty<string>();
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    /// <summary>
    /// The recommendations (item ids, best first) and their probabilities for each history, read in one pass; when fewer
    /// unseen items than asked remain, the model's padding (no item, probability 0) is left out.
    /// </summary>
    public List<(string[] Items, float[] Probabilities)> Recommend(ITransformer loaded, IReadOnlyList<string[]> histories)
    {
        var data = _ml.Data.LoadFromEnumerable(histories.Select(h => new HistoryRow { History = h }));
        return _ml.Data.CreateEnumerable<Recommended>(loaded.Transform(data), reuseRowObject: false).Select(r =>
        {
            var kept = Enumerable.Range(0, r.Recommendations.Length).Where(i => r.Recommendations[i].Length > 0).ToArray();
            return (kept.Select(i => r.Recommendations[i]).ToArray(), kept.Select(i => r.Score[i]).ToArray());
        }).ToList();
    }

    /// <summary>
    /// Recommends for every user of an events file (their whole history, in time order): one output row per user and
    /// rank (user, rank, item, probability), seen items left out.
    /// </summary>
    public int Predict(ITransformer loaded, string inputPath, string outputPath)
    {
        var histories = ReadHistories(Path.GetFullPath(inputPath), "--input");
        var recommended = Recommend(loaded, histories.Select(h => h.Items).ToList());
        char sep = _c.Data.SeparatorChar;
        var text = new StringBuilder();
        text.AppendJoin(sep, new[] { _r.UserColumn, "rank", _r.ItemColumn, "probability" }.Select(v => SavedModel.Quote(v, sep))).Append('\n');
        for (int u = 0; u < histories.Count; u++)
            for (int i = 0; i < recommended[u].Items.Length; i++)
                text.AppendJoin(sep, new[] { histories[u].User, (i + 1).ToString(CultureInfo.InvariantCulture), recommended[u].Items[i], recommended[u].Probabilities[i].ToString("R", CultureInfo.InvariantCulture) }
                    .Select(v => SavedModel.Quote(v, sep))).Append('\n');
        SavedModel.WriteAtomically(outputPath, text.ToString());
        return histories.Count;
    }
}
