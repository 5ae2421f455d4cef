using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Serialization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Forecasting;
using MLNet.Sequence.Transforms;
using MLNet.Sequence.Transforms.Persistence;

namespace MLNet.Sequence.Persistence
{
    /// <summary>
    /// One trained forecaster of any kind as a part of the model file (kind "Forecaster"): ensembles and the auto
    /// forecaster with their members, the statistical methods by their settings, and networks (sequence forecasters,
    /// DeepAR) as nested parts. Written by <c>mlContext.Model.SaveForecaster</c>; not a transformer a pipeline runs.
    /// </summary>
    internal sealed class ForecasterPart : ITransformer, ISequencePersistable, IDisposable
    {
        public ForecasterPart(IForecaster forecaster) => Forecaster = forecaster;

        public IForecaster Forecaster { get; }

        public bool IsRowToRowMapper => false;

        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inputSchema;

        public IDataView Transform(IDataView input) =>
            throw new NotSupportedException("A stored forecaster is loaded with mlContext.Model.LoadForecaster and forecasts with Forecast(series, horizon).");

        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
            throw new NotSupportedException("A stored forecaster has no row-to-row mapper.");

        void ICanSaveModel.Save(ModelSaveContext ctx) => throw SaveErrors.CannotSaveWithMlNet(nameof(IForecaster));

        public string PartKind => "Forecaster";
        public int PartVersion => 1;

        public void SavePart(ModelPartWriter writer)
        {
            int next = 0;
            writer.WriteJson("forecaster.json", Describe(Forecaster, writer, ref next, 0));
        }

        /// <summary>Members nest at most this deep (an ensemble of auto forecasters of ...), when saving and loading alike.</summary>
        private const int MaxDepth = 8;

        /// <summary>The stored description of <paramref name="f"/>; networks are written as nested parts under members/.</summary>
        private static StoredForecasterV1 Describe(IForecaster f, ModelPartWriter writer, ref int next, int depth)
        {
            if (depth > MaxDepth)
                throw new NotSupportedException($"Forecaster '{f.Name}' nests its members more than {MaxDepth} deep, which the model file does not store.");
            switch (f)
            {
                case ISequencePersistable own:
                {
                    var folder = $"members/{next++:D3}-{own.PartKind}/";
                    own.SavePart(writer.Sub(folder));
                    return new StoredForecasterV1 { Type = "Part", PartKind = own.PartKind, PartVersion = own.PartVersion, Folder = folder };
                }
                case TrainedForecastEnsemble e:
                {
                    var members = new List<StoredForecasterV1>();
                    foreach (var m in e.Members)
                        members.Add(Describe(m, writer, ref next, depth + 1));
                    var (offsets, steps) = e.CalibrationState;
                    return new StoredForecasterV1 { Type = "Ensemble", Name = e.Name, Combination = e.Combination, Offsets = offsets, OffsetSteps = steps, Members = members.ToArray() };
                }
                case TrainedAutoForecaster a:
                {
                    var members = new List<StoredForecasterV1>();
                    foreach (var m in a.Candidates)
                        members.Add(Describe(m, writer, ref next, depth + 1));
                    return new StoredForecasterV1 { Type = "Auto", Name = a.Name, Selection = a.Selection, SeriesIds = a.SeriesIds, Errors = a.Errors, Members = members.ToArray() };
                }
                case NaiveForecaster n:
                    return new StoredForecasterV1 { Type = "Naive", IntervalCoverage = n.Coverage };
                case SeasonalNaiveForecaster s:
                    return new StoredForecasterV1 { Type = "SeasonalNaive", SeasonLength = s.SeasonLength };
                case DriftForecaster:
                    return new StoredForecasterV1 { Type = "Drift" };
                case SeasonallyAdjustedForecaster s:
                    return new StoredForecasterV1
                    {
                        Type = s switch
                        {
                            Naive2Forecaster => "Naive2",
                            SimpleExponentialSmoothingForecaster => "SES",
                            HoltForecaster { Damped: true } => "Damped",
                            HoltForecaster => "Holt",
                            ThetaForecaster => "Theta",
                            _ => "SesHoltDamped",
                        },
                        SeasonLength = s.SeasonLength,
                        AlphaStart = s.AlphaStart,
                    };
                default:
                    throw new NotSupportedException(
                        $"Forecaster '{f.Name}' ({f.GetType().Name}) cannot be saved: MLNet.Sequence saves its own forecasters (sequence forecasters, DeepAR, the baselines and M4 methods, ensembles and auto forecasters of them).");
            }
        }

        public static ITransformer Load(ModelPartReader reader)
        {
            reader.RequireVersion("Forecaster", 1);
            var stored = reader.ReadJson<StoredForecasterV1>("forecaster.json");
            var loaded = new List<IDisposable>();
            try
            {
                return new ForecasterPart(Rebuild(stored, reader, loaded, 0));
            }
            catch
            {
                foreach (var d in loaded)
                    d.Dispose();
                throw;
            }
        }

        private static IForecaster Rebuild(StoredForecasterV1? s, ModelPartReader reader, List<IDisposable> loaded, int depth)
        {
            const string part = "Forecaster";
            if (s == null)
                throw new InvalidDataException("The stored forecaster has an empty member.");
            if (depth > MaxDepth)
                throw new InvalidDataException($"The stored forecaster nests members more than {MaxDepth} deep.");
            IForecaster[] Members()
            {
                var members = StoredCheck.Required(s.Members, part, "Members");
                if (members.Length == 0)
                    throw new InvalidDataException($"The stored {s.Type} forecaster has no members.");
                return members.Select(m => Rebuild(m, reader, loaded, depth + 1)).ToArray();
            }
            int Season() => StoredCheck.Positive(s.SeasonLength, part, "SeasonLength");
            T WithAlpha<T>(T f) where T : SeasonallyAdjustedForecaster =>
                s.AlphaStart is double a && !(a > 0 && a < 1) ? throw new InvalidDataException($"The stored forecaster's AlphaStart {a} is outside (0, 1).") : f;
            double alpha = s.AlphaStart ?? Forecasting.ExponentialSmoothing.PublishedM4AlphaStart;
            switch (s.Type)
            {
                case "Part":
                {
                    var kind = StoredCheck.Name(s.PartKind, part, "PartKind");
                    var folder = StoredCheck.Name(s.Folder, part, "Folder");
                    if (!folder.StartsWith("members/", StringComparison.Ordinal) || folder.Contains("..", StringComparison.Ordinal))
                        throw new InvalidDataException($"The stored forecaster names member folder '{folder}' outside its members/.");
                    var t = SequenceModelFile.LoadPart(kind, reader.Sub(folder, StoredCheck.Positive(s.PartVersion, part, "PartVersion")));
                    if (t is IDisposable d)
                        loaded.Add(d);
                    return t as IForecaster ?? throw new InvalidDataException($"The stored forecaster's member of kind '{kind}' is not a forecaster.");
                }
                case "Ensemble":
                {
                    var e = new TrainedForecastEnsemble(s.Name ?? "ensemble", Members(), StoredCheck.Defined(s.Combination, part, "Combination"));
                    if (s.Offsets != null)
                    {
                        if (s.OffsetSteps <= 0 || s.Offsets.Any(x => !float.IsFinite(x)) || s.Offsets.Length % s.OffsetSteps != 0)
                            throw new InvalidDataException("The stored ensemble's calibration offsets do not match its horizon, or are not finite.");
                        e.SetCalibration(s.Offsets, s.OffsetSteps);
                    }
                    return e;
                }
                case "Auto":
                {
                    var members = Members();
                    var ids = StoredCheck.Required(s.SeriesIds, part, "SeriesIds");
                    var errors = StoredCheck.Required(s.Errors, part, "Errors");
                    if (errors.Length != members.Length || errors.Any(e => e == null || e.Length != ids.Length))
                        throw new InvalidDataException("The stored auto forecaster's validation errors do not match its candidates and series.");
                    return new TrainedAutoForecaster(s.Name ?? "auto", StoredCheck.Defined(s.Selection, part, "Selection"), members, ids, errors);
                }
                case "Naive":
                    return s.IntervalCoverage is double c ? new NaiveForecaster(c) : new NaiveForecaster();
                case "SeasonalNaive":
                    return new SeasonalNaiveForecaster(Season());
                case "Drift":
                    return new DriftForecaster();
                case "Naive2":
                    return WithAlpha(new Naive2Forecaster(Season()) { AlphaStart = alpha });
                case "SES":
                    return WithAlpha(new SimpleExponentialSmoothingForecaster(Season()) { AlphaStart = alpha });
                case "Holt":
                    return WithAlpha(new HoltForecaster(Season()) { AlphaStart = alpha });
                case "Damped":
                    return WithAlpha(new HoltForecaster(Season(), damped: true) { AlphaStart = alpha });
                case "Theta":
                    return WithAlpha(new ThetaForecaster(Season()) { AlphaStart = alpha });
                case "SesHoltDamped":
                    return WithAlpha(new SesHoltDampedCombinationForecaster(Season()) { AlphaStart = alpha });
                default:
                    throw new InvalidDataException($"The stored forecaster has an unknown type '{s.Type}'.");
            }
        }

        /// <summary>Frees the forecaster's networks (a loaded forecaster is handed to the caller, who disposes it instead).</summary>
        public void Dispose() => (Forecaster as IDisposable)?.Dispose();
    }

    /// <summary>forecaster.json, version 1: one forecaster, members nested.</summary>
    internal sealed class StoredForecasterV1
    {
        /// <summary>Part, Ensemble, Auto, Naive, SeasonalNaive, Drift, Naive2, SES, Holt, Damped, Theta, SesHoltDamped.</summary>
        [JsonPropertyName("Type")] public string? Type { get; set; }
        [JsonPropertyName("Name"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Name { get; set; }
        [JsonPropertyName("PartKind"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? PartKind { get; set; }
        [JsonPropertyName("PartVersion"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int PartVersion { get; set; }
        [JsonPropertyName("Folder"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Folder { get; set; }
        [JsonPropertyName("SeasonLength"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int SeasonLength { get; set; }
        [JsonPropertyName("AlphaStart"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? AlphaStart { get; set; }
        [JsonPropertyName("IntervalCoverage"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? IntervalCoverage { get; set; }
        [JsonPropertyName("Combination")] public EnsembleCombination Combination { get; set; }
        [JsonPropertyName("Offsets"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public float[]? Offsets { get; set; }
        [JsonPropertyName("OffsetSteps"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int OffsetSteps { get; set; }
        [JsonPropertyName("Selection")] public AutoForecastSelection Selection { get; set; }
        [JsonPropertyName("SeriesIds"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string[]? SeriesIds { get; set; }
        [JsonPropertyName("Errors"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double[][]? Errors { get; set; }
        [JsonPropertyName("Members"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public StoredForecasterV1[]? Members { get; set; }
    }
}
