using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.ObjectPool;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;

namespace MLNet.Sequence.Serving;

/// <summary>One prediction as the API returns it.</summary>
/// <param name="Label">True for a positive review.</param>
/// <param name="Probability">The probability of a positive review.</param>
public sealed record Prediction(bool Label, float Probability);

/// <summary>
/// A saved sentiment chain (TorchSharp, or ending in ONNX Runtime) and what scores with it: pooled prediction engines for
/// single texts (an engine is not thread-safe; the pool hands each request its own), and the chain's batched
/// <c>Transform</c> for lists. Both forms give the same two values; the ONNX graph's outputs are one-value vectors.
/// </summary>
public sealed class SentimentScorer : IDisposable
{
    private readonly MLContext _ml = new(seed: 1);
    private readonly ITransformer _model;
    private readonly DataViewSchema _input;
    private readonly Func<string, Prediction> _single;

    /// <summary>Loads a chain saved with <c>SaveSequenceModel</c>.</summary>
    public SentimentScorer(string modelPath)
    {
        _model = _ml.Model.LoadSequenceModel(modelPath, out _input);
        var output = _model.GetOutputSchema(_input);
        if (output.GetColumnOrNull("Probability") is not { } probability || output.GetColumnOrNull("PredictedLabel") is null)
            throw new ArgumentException($"Model '{modelPath}' has no Probability and PredictedLabel columns: it is not a binary sentiment classifier.", nameof(modelPath));
        Kind = Contains<OnnxTransformer>(_model) ? "onnx" : "torch";
        VectorOutputs = probability.Type is VectorDataViewType;
        _single = VectorOutputs
            ? Pooled<VectorOutput>(o => new Prediction(o.PredictedLabel[0], o.Probability[0]))
            : Pooled<ScalarOutput>(o => new Prediction(o.PredictedLabel, o.Probability));
        Encoder = TrainingProfile.FindEncoder(_model);
    }

    /// <summary>"torch" or "onnx".</summary>
    public string Kind { get; }

    /// <summary>True when the score columns are vectors (the ONNX graph's outputs).</summary>
    public bool VectorOutputs { get; }

    /// <summary>The chain's token encoding, for the drift indicator.</summary>
    public Transforms.TokenEncodingTransformer? Encoder { get; }

    /// <summary>Scores one text through a pooled prediction engine.</summary>
    public Prediction Predict(string text) => _single(text);

    /// <summary>Scores texts in one pass of the chain (the TorchSharp model scores them in batches).</summary>
    public Prediction[] PredictBatch(IReadOnlyList<string> texts)
    {
        var scored = _model.Transform(_ml.Data.LoadFromEnumerable(texts.Select(t => new Review { Text = t }).ToList()));
        return VectorOutputs
            ? _ml.Data.CreateEnumerable<VectorOutput>(scored, reuseRowObject: false).Select(o => new Prediction(o.PredictedLabel[0], o.Probability[0])).ToArray()
            : _ml.Data.CreateEnumerable<ScalarOutput>(scored, reuseRowObject: false).Select(o => new Prediction(o.PredictedLabel, o.Probability)).ToArray();
    }

    private Func<string, Prediction> Pooled<TOutput>(Func<TOutput, Prediction> convert) where TOutput : class, new()
    {
        var pool = new DefaultObjectPoolProvider { MaximumRetained = Environment.ProcessorCount * 4 }
            .Create(new EnginePolicy<TOutput>(_ml, _model));
        return text =>
        {
            var engine = pool.Get();
            try
            {
                return convert(engine.Predict(new Review { Text = text }));
            }
            finally
            {
                pool.Return(engine);
            }
        };
    }

    private static bool Contains<T>(ITransformer t) => t is T || (t is IEnumerable<ITransformer> parts && parts.Any(Contains<T>));

    /// <summary>Frees the model's native memory.</summary>
    public void Dispose() => (_model as IDisposable)?.Dispose();

    private sealed class EnginePolicy<TOutput> : IPooledObjectPolicy<PredictionEngine<Review, TOutput>> where TOutput : class, new()
    {
        private readonly MLContext _ml;
        private readonly ITransformer _model;

        public EnginePolicy(MLContext ml, ITransformer model)
        {
            _ml = ml;
            _model = model;
        }

        public PredictionEngine<Review, TOutput> Create() => _ml.Model.CreatePredictionEngine<Review, TOutput>(_model, ignoreMissingColumns: true, inputSchemaDefinition: null);

        public bool Return(PredictionEngine<Review, TOutput> obj) => true;
    }

    /// <summary>The TorchSharp model's columns.</summary>
    public sealed class ScalarOutput
    {
        /// <summary>The predicted label.</summary>
        public bool PredictedLabel { get; set; }
        /// <summary>The probability of the positive class.</summary>
        public float Probability { get; set; }
    }

    /// <summary>The ONNX graph's columns (one-value vectors).</summary>
    public sealed class VectorOutput
    {
        /// <summary>The predicted label.</summary>
        public bool[] PredictedLabel { get; set; } = Array.Empty<bool>();
        /// <summary>The probability of the positive class.</summary>
        public float[] Probability { get; set; } = Array.Empty<float>();
    }
}
