using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Forecasting;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms;

namespace MLNet.Sequence.Tests.Explaining;

/// <summary>
/// Per-step explanations by occlusion: the explained score is the model's own, and on sentiment, deleting the three
/// words an explanation ranks highest moves the prediction far more than deleting three random words (a deletion test).
/// </summary>
[TestClass]
public sealed class StepExplanationTests
{
    private sealed class Review
    {
        public bool Label { get; set; }
        public string Text { get; set; } = "";
    }

    private sealed class Words
    {
        public string[] Tokens { get; set; } = Array.Empty<string>();
    }

    [TestMethod]
    public void DeletingTheTopAttributedWordsChangesSentimentMoreThanDeletingRandomOnes()
    {
        var ml = new MLContext(1);
        var shuffle = new Random(1);
        var rows = TestData.Sentiment().OrderBy(_ => shuffle.Next()).ToList();
        var (train, test) = (rows.Take(2400).ToList(), rows.Skip(2400).ToList());
        IDataView Load(IEnumerable<Review> r) => ml.Data.LoadFromEnumerable(r);
        var prep = ml.Transforms.Text.NormalizeText("Norm", "Text", keepPunctuations: false)
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Norm"));
        var pipeline = prep
            .Append(ml.Transforms.EncodeTokens("Ids", "Tokens", minimumCount: 2))
            .Append(ml.Transforms.PadSequences("Features", "Ids", length: 32))
            .Append(ml.BinaryClassification.Trainers.SequenceCnn(new CnnOptions { Pooling = SequencePooling.Max, Dropout = 0.5f, NumberOfEpochs = 5 }));
        using var model = pipeline.Fit(Load(train.Select(r => new Review { Label = r.Label, Text = r.Text })));

        // Sentences of 6 to 32 words: every word is a step (pre-padding puts word j at step 32 - n + j).
        var words = ml.Data.CreateEnumerable<Words>(prep.Fit(Load(test.Select(r => new Review { Text = r.Text }))).Transform(Load(test.Select(r => new Review { Text = r.Text }))), false)
            .Select(w => w.Tokens).ToList();
        var chosen = Enumerable.Range(0, test.Count).Where(i => words[i].Length is >= 6 and <= 32).Take(150).ToList();
        var sentences = chosen.Select(i => string.Join(' ', words[i])).ToList();
        var explanations = ml.Model.ExplainSteps(model, Load(sentences.Select(s => new Review { Text = s })), maximumRows: chosen.Count);
        Assert.HasCount(chosen.Count, explanations);

        float[] Probabilities(IEnumerable<string> texts) =>
            model.Transform(Load(texts.Select(t => new Review { Text = t }))).GetColumn<float>("Probability").ToArray();
        var before = Probabilities(sentences);
        var scores = model.Transform(Load(sentences.Select(s => new Review { Text = s }))).GetColumn<float>("Score").ToArray();
        var rng = new Random(7);
        var withoutTop = new List<string>();
        var withoutRandom = new List<string>();
        for (int k = 0; k < chosen.Count; k++)
        {
            var e = explanations[k];
            var w = words[chosen[k]];
            int offset = 32 - w.Length;
            Assert.AreEqual(scores[k], e.Score, 1e-4f, "the explained score is the model's logit");
            Assert.AreEqual(w.Length, e.IsReal.Count(r => r), "one real step per word");
            Assert.IsTrue(Enumerable.Range(0, 32).All(t => e.IsReal[t] || e.Contributions[t] == 0), "padding contributes nothing");
            // The words that most support the predicted class: largest contribution toward its side of the logit.
            double sign = e.Score >= 0 ? 1 : -1;
            var top = Enumerable.Range(0, 32).Where(t => e.IsReal[t]).OrderByDescending(t => sign * e.Contributions[t]).Take(3).Select(t => t - offset).ToHashSet();
            var random = Enumerable.Range(0, w.Length).OrderBy(_ => rng.Next()).Take(3).ToHashSet();
            withoutTop.Add(string.Join(' ', w.Where((_, j) => !top.Contains(j))));
            withoutRandom.Add(string.Join(' ', w.Where((_, j) => !random.Contains(j))));
        }
        var afterTop = Probabilities(withoutTop);
        var afterRandom = Probabilities(withoutRandom);
        // How far the probability of the predicted class falls.
        double Drop(float[] after) => Enumerable.Range(0, chosen.Count).Average(k => before[k] >= 0.5 ? before[k] - after[k] : after[k] - before[k]);
        double dropTop = Drop(afterTop), dropRandom = Drop(afterRandom);
        int flippedTop = Enumerable.Range(0, chosen.Count).Count(k => (before[k] >= 0.5) != (afterTop[k] >= 0.5));
        int flippedRandom = Enumerable.Range(0, chosen.Count).Count(k => (before[k] >= 0.5) != (afterRandom[k] >= 0.5));
        Console.WriteLine($"mean drop of the predicted class's probability: top-3 words {dropTop:F3}, random 3 words {dropRandom:F3}; flipped {flippedTop} vs {flippedRandom} of {chosen.Count}");
        Assert.IsGreaterThan(3 * dropRandom, dropTop, $"top {dropTop:F3} against random {dropRandom:F3}");
        Assert.IsGreaterThan(2 * flippedRandom, flippedTop);

        // The explanation names the words.
        var first = explanations[0];
        CollectionAssert.AreEqual(words[chosen[0]].Select(t => t).ToArray(),
            Enumerable.Range(0, 32).Where(t => first.IsReal[t]).Select(t => first.Tokens![t] is "<unk>" or "[UNK]" ? words[chosen[0]][t - (32 - words[chosen[0]].Length)] : first.Tokens![t]).ToArray());
    }

    [TestMethod]
    public void MulticlassExplanationsExplainThePredictedClassOnNumericSteps()
    {
        var ml = new MLContext(1);
        var rows = TestData.SpliceDna().Take(1200).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label")
            .Append(ml.Transforms.OneHotEncodeSequence("Features", "Sequence", alphabet: "ACGT"))
            .Append(ml.MulticlassClassification.Trainers.SequenceLstm(new LstmOptions
            {
                LabelColumnName = "LabelKey", HiddenSize = 16, Pooling = SequencePooling.Flatten, NumberOfEpochs = 3,
            }));
        using var model = pipeline.Fit(data);
        var explanations = ml.Model.ExplainSteps(model, data, maximumRows: 20);
        Assert.HasCount(20, explanations);
        var scored = model.Transform(data);
        var probabilities = scored.GetColumn<float[]>("Score").Take(20).ToList();
        for (int i = 0; i < 20; i++)
        {
            var e = explanations[i];
            Assert.AreEqual(60, e.Contributions.Count);
            Assert.IsNull(e.Tokens, "one-hot steps are numeric");
            Assert.AreEqual(probabilities[i].Max(), e.Score, 1e-5f, "the probability of the predicted class");
            Assert.Contains(e.ExplainedClass!, new[] { "ei", "ie", "n" });
        }
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() =>
            ml.Model.ExplainSteps(ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label").Fit(data), data)).Message, "no sequence trainer's model");
    }
    [TestMethod]
    public void ForecastExplanationsFindThePastStepsThatMoveTheForecast()
    {
        var ml = new MLContext(1);
        var points = TestData.AirPassengers().Take(132).ToList();
        var history = SeriesFrame.Univariate("air", points.Select(p => p.Value).ToArray(), points.Select(p => p.Time).ToArray());
        using var forecaster = ml.Forecasting.SequenceForecaster(new SequenceForecasterOptions
        {
            ValueColumns = new[] { "Value" }, TimeColumnName = "Time", TimeStep = TimeStep.Months(1), WindowLength = 24, Horizon = 12,
            Model = new LstmOptions { HiddenSize = 32, NumberOfEpochs = 100, BatchSize = 16, Dropout = 0, Seed = 1 },
        }).Train(new[] { history });
        var e = forecaster.ExplainForecast(history);
        Assert.AreEqual(108, e.FirstStep);
        Assert.HasCount(24, e.Contributions);
        Assert.HasCount(24, e.Times!);
        Assert.AreEqual(points[108].Time, e.Times![0]);
        CollectionAssert.AreEqual(forecaster.Forecast(history, 12).Point[0], e.Forecast.Point[0]);

        // Occluding the three steps it ranks first moves the forecast more than occluding three random steps.
        float[] Occlude(IEnumerable<int> window)
        {
            var v = history.Values[0].ToArray();
            foreach (var w in window)
            {
                int t = e.FirstStep + w;
                v[t] = t == v.Length - 1 ? 2 * history.Values[0][t - 1] - history.Values[0][t - 2] : (history.Values[0][t - 1] + history.Values[0][t + 1]) / 2f;
            }
            return forecaster.Forecast(SeriesFrame.Univariate("air", v, history.Times), 12).Point[0];
        }
        double Change(float[] f) => Enumerable.Range(0, 12).Average(i => Math.Abs(f[i] - e.Forecast.Point[0][i]));
        double top = Change(Occlude(e.TopSteps(3)));
        var rng = new Random(5);
        double random = Enumerable.Range(0, 20).Average(_ => Change(Occlude(Enumerable.Range(0, 24).OrderBy(__ => rng.Next()).Take(3))));
        Console.WriteLine($"mean absolute change of the 1960 forecast: top-3 steps {top:F2}, random 3 steps {random:F2} (thousands of passengers)");
        Assert.IsGreaterThan(1.5 * random, top, "2.0x measured");
    }
}
