using System;
using System.Text.Json.Serialization;

namespace MLNet.Sequence.Trainers
{
    /// <summary>One epoch of the training history as stored, version 1: in model files (SequenceModel config.json) and in training checkpoints alike.</summary>
    internal sealed class EpochV1
    {
        [JsonPropertyName("Epoch")] public int Epoch { get; set; }
        [JsonPropertyName("Epochs")] public int Epochs { get; set; }
        [JsonPropertyName("TrainingLoss")] public double TrainingLoss { get; set; }
        [JsonPropertyName("ValidationLoss")] public double? ValidationLoss { get; set; }
        [JsonPropertyName("ValidationMetric")] public double? ValidationMetric { get; set; }
        [JsonPropertyName("MetricName")] public string? MetricName { get; set; }
        [JsonPropertyName("LearningRate")] public double LearningRate { get; set; }
        [JsonPropertyName("RowsPerSecond")] public double RowsPerSecond { get; set; }
        [JsonPropertyName("Seconds")] public double Seconds { get; set; }
        [JsonPropertyName("IsBest")] public bool IsBest { get; set; }

        public static EpochV1 From(EpochReport e) => new()
        {
            Epoch = e.Epoch, Epochs = e.Epochs, TrainingLoss = e.TrainingLoss, ValidationLoss = e.ValidationLoss, ValidationMetric = e.ValidationMetric,
            MetricName = e.MetricName, LearningRate = e.LearningRate, RowsPerSecond = e.RowsPerSecond, Seconds = e.Elapsed.TotalSeconds, IsBest = e.IsBest,
        };

        public EpochReport ToReport() => new(Epoch, Epochs, TrainingLoss, ValidationLoss, ValidationMetric, MetricName ?? "", LearningRate, RowsPerSecond,
            TimeSpan.FromSeconds(Seconds), IsBest);
    }
}
