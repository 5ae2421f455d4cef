using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence;
using MLNet.Sequence.Forecasting;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms;

// Writes small models in the current model-file format, plus the outputs they give, into the folder named by the first
// argument. The tests load the committed files and compare outputs, so a change to the stored format cannot pass silently.
// Usage: dotnet run --project tests/MLNet.Sequence.FixtureWriter -c Release -- <repo>/tests/MLNet.Sequence.Tests/Fixtures <repo>/data [seq2seq]
// With "seq2seq": only the sequence-to-sequence models (a GRU, and an ensemble of two GRUs: part versions 1 and 2).
if (args.Length is not (2 or 3))
{
    Console.Error.WriteLine("usage: FixtureWriter <fixtures folder> <data folder> [seq2seq]");
    return 2;
}
string outDir = args[0], dataDir = args[1];
Directory.CreateDirectory(outDir);
var inv = CultureInfo.InvariantCulture;
var expected = new Dictionary<string, object>();

if (args.Length == 3 && args[2] == "seq2seq")
{
    // Letters to phonemes on the first 400 pronunciations of the bundled CMUdict sample; outputs of the first 20:
    // [Score, key 1, key 2, ...] per row.
    var ml = new MLContext(1);
    var rows = File.ReadLines(Path.Combine(dataDir, "seq2seq/cmudict-sample.tsv")).Skip(1).Take(400)
        .Select(l => l.Split('\t')).Select(p => new Spelling { Word = p[0], Phonemes = p[1] }).ToList();
    var data = ml.Data.LoadFromEnumerable(rows);
    var prepare = ml.Transforms.Text.TokenizeIntoCharactersAsKeys("Source", "Word", useMarkerCharacters: false)
        .Append(ml.Transforms.Text.TokenizeIntoWords("Phones", "Phonemes"))
        .Append(ml.Transforms.Conversion.MapValueToKey("Label", "Phones")).Fit(data);
    var prepared = prepare.Transform(data);
    SequenceToSequenceTransformer Gru(int seed) => ml.SequenceToSequence.Trainers.SequenceGru(new GruSequenceToSequenceOptions
    {
        HiddenSize = 32, EmbeddingDimension = 16, NumberOfEpochs = 6, LearningRate = 1e-2, BeamWidth = 2, Seed = seed, NumberOfThreads = 1,
    }).Fit(prepared);
    List<float[]> Outputs(ITransformer model)
    {
        var scored = model.Transform(ml.Data.TakeRows(data, 20));
        var keys = scored.GetColumn<VBuffer<uint>>("PredictedLabel").ToList();
        var scores = scored.GetColumn<float>("Score").ToList();
        return keys.Select((k, i) => new[] { scores[i] }.Concat(k.DenseValues().Select(x => (float)x)).ToArray()).ToList();
    }
    using var first = Gru(1);
    var single = prepare.Append(first);
    ml.Model.SaveSequenceModel(single, data.Schema, Path.Combine(outDir, "g2p-gru.zip"));
    expected["g2p-gru"] = Outputs(single);
    using var second = Gru(2);
    using var ensemble = ml.SequenceToSequence.Ensemble(first, second);
    var both = prepare.Append(ensemble);
    ml.Model.SaveSequenceModel(both, data.Schema, Path.Combine(outDir, "g2p-ensemble.zip"));
    expected["g2p-ensemble"] = Outputs(both);
    File.WriteAllText(Path.Combine(outDir, "expected.json"), JsonSerializer.Serialize(expected, new JsonSerializerOptions { WriteIndented = true }));
    Console.WriteLine($"sequence-to-sequence fixtures written to {outDir}");
    return 0;
}

// 1. Text: ML.NET text transforms, EncodeTokens, PadSequences, a binary LSTM.
{
    var ml = new MLContext(1);
    var rows = File.ReadLines(Path.Combine(dataDir, "text/uci_sentiment_labelled_sentences.tsv")).Skip(1).Take(400)
        .Select(l => l.Split('\t')).Select(p => new Review { Source = p[0], Label = p[1] == "1", Text = p[2] }).ToList();
    var data = ml.Data.LoadFromEnumerable(rows);
    var model = ml.Transforms.Text.NormalizeText("Norm", "Text", keepPunctuations: false)
        .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Norm"))
        .Append(ml.Transforms.EncodeTokens("Ids", "Tokens", minimumCount: 2))
        .Append(ml.Transforms.PadSequences("Features", "Ids", length: 24))
        .Append(ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { EmbeddingDimension = 8, HiddenSize = 8, NumberOfEpochs = 2 }))
        .Fit(data);
    ml.Model.SaveSequenceModel(model, data.Schema, Path.Combine(outDir, "sentiment-lstm.zip"));
    expected["sentiment-lstm"] = Column(model.Transform(ml.Data.TakeRows(data, 20)), "Score");
    ((IDisposable)model).Dispose();
}

// 2. DNA: one-hot sequences, a multiclass CNN with flatten pooling.
{
    var ml = new MLContext(1);
    var rows = File.ReadLines(Path.Combine(dataDir, "bio/splice_dna.csv")).Skip(1).Where((_, i) => i % 7 == 0).Take(400)
        .Select(l => l.Split(',')).Select(p => new Dna { Label = p[0], Sequence = p[1] }).ToList();
    var data = ml.Data.LoadFromEnumerable(rows);
    var model = ml.Transforms.Conversion.MapValueToKey("Label")
        .Append(ml.Transforms.OneHotEncodeSequence("Features", "Sequence"))
        .Append(ml.MulticlassClassification.Trainers.SequenceCnn(new CnnOptions { Channels = 8, NumberOfLayers = 2, Pooling = SequencePooling.Flatten, NumberOfEpochs = 2 }))
        .Fit(data);
    ml.Model.SaveSequenceModel(model, data.Schema, Path.Combine(outDir, "splice-cnn.zip"));
    expected["splice-cnn"] = Column(model.Transform(ml.Data.TakeRows(data, 20)), "Score");
    ((IDisposable)model).Dispose();
}

// 3. Weather: series scaling, time features, windows, window scaling, a GRU regressor, inverse scaling.
{
    var ml = new MLContext(1);
    var rows = File.ReadLines(Path.Combine(dataDir, "timeseries/seattle-weather.csv")).Skip(1).Take(400).Select(l =>
    {
        var p = l.Split(',');
        return new Weather
        {
            Date = DateTime.ParseExact(p[0], "yyyy-MM-dd", inv), Precipitation = float.Parse(p[1], inv),
            TempMax = float.Parse(p[2], inv), TempMin = float.Parse(p[3], inv), Wind = float.Parse(p[4], inv),
        };
    }).ToList();
    var data = ml.Data.LoadFromEnumerable(rows);
    var time = new TimeFeatureSpec { Calendar = CalendarFeatures.DayOfYear };
    var model = ml.Transforms.ScaleSeries(new[] { "Wind" })
        .Append(ml.Transforms.AddTimeFeatures("Date", time))
        .Append(ml.Transforms.CreateWindows(new TimeSeriesWindowEstimator.Options
        {
            ValueColumns = new[] { "TempMax" }, PastCovariateColumns = new[] { "TempMin", "Wind" }, FutureCovariateColumns = time.Names.ToArray(),
            WindowLength = 14, Horizon = 2, TimeColumnName = "Date", TimeStep = TimeStep.Duration(TimeSpan.FromDays(1)),
        }))
        .Append(ml.Transforms.ScaleWindows())
        .Append(ml.Regression.Trainers.SequenceGru(new GruOptions
        {
            FeatureColumnName = "Window", LabelColumnName = "Target", StaticFeatureColumnName = "FutureCovariates", HiddenSize = 8, NumberOfEpochs = 2,
            NormalizeFeatures = false, NormalizeLabel = false,
        }))
        .Append(ml.Transforms.InverseScale("Prediction", "Score"))
        .Fit(data);
    ml.Model.SaveSequenceModel(model, data.Schema, Path.Combine(outDir, "weather-gru.zip"));
    expected["weather-gru"] = Column(ml.Data.TakeRows(model.Transform(data), 20), "Prediction");
    ((IDisposable)model).Dispose();
}

// 4. AirPassengers: a quantile Transformer forecaster with calendar features.
{
    var ml = new MLContext(1);
    var points = File.ReadLines(Path.Combine(dataDir, "timeseries/AirPassengers.csv")).Skip(1).Select(l => l.Split(','))
        .Select(p => (Time: DateTime.ParseExact(p[0], "yyyy-MM", inv), Value: float.Parse(p[1], inv))).ToList();
    var history = SeriesFrame.Univariate("AirPassengers", points.Select(p => p.Value).ToArray(), points.Select(p => p.Time).ToArray());
    using var model = ml.Forecasting.SequenceForecaster(new SequenceForecasterOptions
    {
        ValueColumns = new[] { "Value" }, TimeColumnName = "Time", TimeStep = TimeStep.Months(1), WindowLength = 24, Horizon = 6,
        Quantiles = new[] { 0.1f, 0.5f, 0.9f }, TimeFeatures = new TimeFeatureSpec { Calendar = CalendarFeatures.MonthOfYear },
        Model = new TransformerOptions { ModelDimension = 16, NumberOfHeads = 2, NumberOfLayers = 1, FeedForwardDimension = 16, NumberOfEpochs = 2 },
    }).Fit(SeriesFrames.ToDataView(new[] { history }, new[] { "Value" }));
    ml.Model.SaveSequenceModel(model, SeriesFrames.ToDataView(new[] { history }, new[] { "Value" }).Schema, Path.Combine(outDir, "air-transformer-forecaster.zip"));
    var f = model.Forecast(history, 6);
    expected["air-transformer-forecaster"] = new[] { f.Point[0] }.Concat(f.Quantiles![0]).ToArray();
}

File.WriteAllText(Path.Combine(outDir, "expected.json"), JsonSerializer.Serialize(expected, new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"fixtures written to {outDir}");
return 0;

static List<float[]> Column(IDataView data, string name)
{
    var col = data.Schema[name];
    var result = new List<float[]>();
    using var cursor = data.GetRowCursor(new[] { col });
    if (col.Type is VectorDataViewType)
    {
        var g = cursor.GetGetter<VBuffer<float>>(col);
        VBuffer<float> b = default;
        while (cursor.MoveNext()) { g(ref b); result.Add(b.DenseValues().ToArray()); }
    }
    else
    {
        var g = cursor.GetGetter<float>(col);
        float v = 0;
        while (cursor.MoveNext()) { g(ref v); result.Add(new[] { v }); }
    }
    return result;
}

public sealed class Spelling
{
    public string Word { get; set; } = "";
    public string Phonemes { get; set; } = "";
}

public sealed class Review
{
    public string Source { get; set; } = "";
    public bool Label { get; set; }
    public string Text { get; set; } = "";
}

public sealed class Dna
{
    public string Label { get; set; } = "";
    public string Sequence { get; set; } = "";
}

public sealed class Weather
{
    public DateTime Date { get; set; }
    public float Precipitation { get; set; }
    public float TempMax { get; set; }
    public float TempMin { get; set; }
    public float Wind { get; set; }
}
