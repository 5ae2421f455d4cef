using System;
using System.IO;
using System.Text.Json.Serialization;
using MLNet.Sequence.Anomaly;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms.Persistence;

namespace MLNet.Sequence.Persistence
{
    /// <summary>
    /// An anomaly detector's config.json, version 1: its options as the user set them, plus the seed and the resolved
    /// alert score. The series' states are stored beside it (states.bin), with the global network (global.bin) and each
    /// series' own network (networks/NNNNNN.bin, by the state's position).
    /// </summary>
    internal sealed class AnomalyConfigV1
    {
        [JsonPropertyName("Method")] public AnomalyDetectionMethod Method { get; set; }
        [JsonPropertyName("InputColumnName")] public string? InputColumnName { get; set; }
        [JsonPropertyName("OutputColumnName")] public string? OutputColumnName { get; set; }
        [JsonPropertyName("AnomalyScoreColumnName")] public string? AnomalyScoreColumnName { get; set; }
        [JsonPropertyName("SeriesColumnName")] public string? SeriesColumnName { get; set; }
        [JsonPropertyName("TimeColumnName")] public string? TimeColumnName { get; set; }
        [JsonPropertyName("ProbationaryPeriod")] public int ProbationaryPeriod { get; set; }
        [JsonPropertyName("Scope")] public AnomalyModelScope Scope { get; set; }
        [JsonPropertyName("RetrainInterval")] public int RetrainInterval { get; set; }
        [JsonPropertyName("RetrainHistory")] public int RetrainHistory { get; set; }
        [JsonPropertyName("Encoder")] public EncoderKind Encoder { get; set; }
        [JsonPropertyName("WindowLength")] public int WindowLength { get; set; }
        [JsonPropertyName("HiddenSize")] public int HiddenSize { get; set; }
        [JsonPropertyName("Layers")] public int Layers { get; set; }
        [JsonPropertyName("Quantiles")] public float[]? Quantiles { get; set; }
        [JsonPropertyName("Epochs")] public int Epochs { get; set; }
        [JsonPropertyName("BatchSize")] public int BatchSize { get; set; }
        [JsonPropertyName("LearningRate")] public double LearningRate { get; set; }
        [JsonPropertyName("Threads")] public int Threads { get; set; }
        [JsonPropertyName("GaussianWindow")] public int GaussianWindow { get; set; }
        [JsonPropertyName("GaussianStep")] public int GaussianStep { get; set; }
        [JsonPropertyName("AveragingWindow")] public int AveragingWindow { get; set; }
        [JsonPropertyName("CalibrationWindow")] public int CalibrationWindow { get; set; }
        [JsonPropertyName("MinimumCalibration")] public int MinimumCalibration { get; set; }
        [JsonPropertyName("MinimumDeviation")] public double MinimumDeviation { get; set; }
        [JsonPropertyName("SuppressionSteps")] public int SuppressionSteps { get; set; }
        [JsonPropertyName("SuppressionPValue")] public double SuppressionPValue { get; set; }
        [JsonPropertyName("FalseAlarmRate")] public double? FalseAlarmRate { get; set; }
        [JsonPropertyName("ScoreQuantile")] public double? ScoreQuantile { get; set; }
        [JsonPropertyName("AlertScore")] public double AlertScore { get; set; }
        [JsonPropertyName("Seed")] public int Seed { get; set; }

        public static AnomalyConfigV1 From(AnomalyDetectorConfig c) => new()
        {
            Method = c.Method, InputColumnName = c.InputColumnName, OutputColumnName = c.OutputColumnName, AnomalyScoreColumnName = c.AnomalyScoreColumnName,
            SeriesColumnName = c.SeriesColumnName, TimeColumnName = c.TimeColumnName, ProbationaryPeriod = c.ProbationaryPeriod, Scope = c.Scope,
            RetrainInterval = c.RetrainInterval, RetrainHistory = c.RetrainHistory,
            Encoder = c.Network?.Encoder ?? EncoderKind.Lstm, WindowLength = c.Network?.WindowLength ?? 32, HiddenSize = c.Network?.HiddenSize ?? 32,
            Layers = c.Network?.Layers ?? 1, Quantiles = c.Network?.Quantiles, Epochs = c.Network?.Epochs ?? 1, BatchSize = c.Network?.BatchSize ?? 1,
            LearningRate = c.Network?.LearningRate ?? 1e-3, Threads = c.Network?.Threads ?? 1,
            GaussianWindow = c.GaussianWindow, GaussianStep = c.GaussianStep, AveragingWindow = c.AveragingWindow, CalibrationWindow = c.CalibrationWindow,
            MinimumCalibration = c.MinimumCalibration, MinimumDeviation = c.MinimumDeviation, SuppressionSteps = c.SuppressionSteps,
            SuppressionPValue = c.SuppressionPValue, FalseAlarmRate = c.FalseAlarmRate, ScoreQuantile = c.ScoreQuantile, AlertScore = c.AlertScore, Seed = c.Seed,
        };

        /// <summary>The runtime config, checked by the same rules as the options (a damaged file fails here, naming the field).</summary>
        public AnomalyDetectorConfig ToConfig()
        {
            const string part = "AnomalyDetector";
            var options = new SequenceAnomalyDetectorOptions
            {
                Method = Method,
                InputColumnName = StoredCheck.Name(InputColumnName, part, "InputColumnName"),
                OutputColumnName = StoredCheck.Name(OutputColumnName, part, "OutputColumnName"),
                AnomalyScoreColumnName = StoredCheck.Name(AnomalyScoreColumnName, part, "AnomalyScoreColumnName"),
                SeriesColumnName = SeriesColumnName, TimeColumnName = TimeColumnName, ProbationaryPeriod = ProbationaryPeriod, Scope = Scope,
                RetrainInterval = RetrainInterval, RetrainHistory = RetrainHistory, Encoder = Encoder, WindowLength = WindowLength, HiddenSize = HiddenSize,
                NumberOfLayers = Layers, Quantiles = Quantiles, Epochs = Epochs, BatchSize = BatchSize, LearningRate = LearningRate, NumberOfThreads = Threads,
                GaussianWindowSize = GaussianWindow, GaussianStepSize = GaussianStep, AveragingWindow = AveragingWindow, CalibrationWindow = CalibrationWindow,
                MinimumDeviation = MinimumDeviation, SuppressionSteps = SuppressionSteps, SuppressionPValue = SuppressionPValue,
                FalseAlarmRate = FalseAlarmRate, ScoreQuantile = ScoreQuantile,
            };
            try
            {
                options.Validate();
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"The stored anomaly detector's configuration is invalid: {e.Message}", e);
            }
            if (!Enum.IsDefined(Scope) || MinimumCalibration < 1 || !double.IsFinite(AlertScore))
                throw new InvalidDataException("The stored anomaly detector's scope, minimum calibration or alert score is invalid.");
            var c = SequenceAnomalyDetector.ConfigOf(options, Seed);
            c.MinimumCalibration = MinimumCalibration;
            c.AlertScore = AlertScore;
            return c;
        }
    }
}
