using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.SearchSpace;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence
{
    /// <summary>
    /// What a sweep searches: the encoder family (a nested choice: each family brings its own parameters), the options
    /// shared by every family, and optional preprocessing parameters with the pipeline they build. Derived from the
    /// options' <c>Range</c>, <c>Choice</c> and <c>BooleanChoice</c> attributes (the ones ML.NET AutoML's
    /// <c>SearchSpace&lt;T&gt;</c> reads); narrow, fix or extend any parameter in code.
    /// </summary>
    /// <remarks>
    /// Names: a shared option by its property name (<c>"LearningRate"</c>), a family's own by family and property
    /// (<c>"Lstm.HiddenSize"</c>, <c>"Transformer.NumberOfHeads"</c>); <see cref="Narrow(string, double, double)"/>,
    /// <see cref="Fix"/> and <see cref="Remove"/> given an unqualified family property (<c>"HiddenSize"</c>) apply to
    /// every family that has it. <c>NumberOfEpochs</c> is not a dimension: the sweep's epoch budget and early stopping
    /// own it.
    /// </remarks>
    public sealed class SequenceSearchSpace
    {
        /// <summary>The name of the family dimension.</summary>
        public const string EncoderParameter = "Encoder";

        private readonly List<SweepParameter> _shared = new();
        private readonly List<SweepParameter> _preprocessing = new();
        private readonly Dictionary<EncoderKind, List<SweepParameter>> _families = new();
        private Func<SweepConfiguration, IEstimator<ITransformer>>? _pipeline;

        private enum SpaceKind { Trainers, Taggers, AnomalyDetectors }

        private readonly SpaceKind _kind;

        private SequenceSearchSpace(SpaceKind kind) => _kind = kind;

        /// <summary>True for a space of taggers (<see cref="ForTaggers"/>), whose trials train <see cref="SequenceTaggerOptions"/>.</summary>
        public bool ForTaggerOptions => _kind == SpaceKind.Taggers;

        /// <summary>
        /// True for a space of anomaly detectors (<see cref="ForAnomalyDetectors"/>), whose trials set
        /// <see cref="Anomaly.SequenceAnomalyDetectorOptions"/>.
        /// </summary>
        public bool ForAnomalyDetectorOptions => _kind == SpaceKind.AnomalyDetectors;

        /// <summary>True for a space of classifiers, regressors and forecasters' networks (<see cref="ForFamilies"/>, <see cref="Default"/>).</summary>
        internal bool ForTrainerOptions => _kind == SpaceKind.Trainers;

        /// <summary>The options class whose own properties are the shared dimensions.</summary>
        private Type SharedType => _kind switch
        {
            SpaceKind.Taggers => typeof(SequenceTaggerOptions),
            SpaceKind.AnomalyDetectors => typeof(Anomaly.SequenceAnomalyDetectorOptions),
            _ => typeof(SequenceTrainerOptions),
        };

        /// <summary>
        /// Every family (LSTM, GRU, Transformer, CNN) with the ranges its options' attributes declare, and the shared
        /// options' ranges (embedding size, pooling, dropout, batch size, learning rate, weight decay).
        /// </summary>
        /// <returns>A new space.</returns>
        public static SequenceSearchSpace Default() =>
            ForFamilies(EncoderKind.Lstm, EncoderKind.Gru, EncoderKind.Transformer, EncoderKind.Cnn);

        /// <summary>The given families, each with its attribute ranges, plus the shared options' ranges.</summary>
        /// <param name="families">At least one family, none twice.</param>
        /// <returns>A new space.</returns>
        public static SequenceSearchSpace ForFamilies(params EncoderKind[] families)
        {
            if (families is null || families.Length == 0)
                throw new ArgumentException("A search space needs at least one encoder family.", nameof(families));
            if (families.Distinct().Count() != families.Length)
                throw new ArgumentException("A search space lists an encoder family twice.", nameof(families));
            return Build(families, SpaceKind.Trainers);
        }

        /// <summary>
        /// A space of sequence taggers (<c>mlContext.SequenceTagging.SweepSequenceTaggers</c>): the given families (LSTM,
        /// GRU, Transformer, CNN; default all four) with the ranges their tagger options' attributes declare, plus the
        /// shared tagger options' ranges (word embedding size, word dropout, character features and encoder, CRF, dropout,
        /// batch size, learning rate).
        /// </summary>
        /// <param name="families">The families; none for all four.</param>
        /// <returns>A new space.</returns>
        public static SequenceSearchSpace ForTaggers(params EncoderKind[] families)
        {
            if (families is null || families.Length == 0)
                families = new[] { EncoderKind.Lstm, EncoderKind.Gru, EncoderKind.Transformer, EncoderKind.Cnn };
            if (families.Distinct().Count() != families.Length)
                throw new ArgumentException("A search space lists an encoder family twice.", nameof(families));
            return Build(families, SpaceKind.Taggers);
        }

        /// <summary>
        /// A space of sequence anomaly detectors (<c>mlContext.AnomalyDetection.SweepSequenceAnomalyDetectors</c>): the
        /// encoder (LSTM, GRU, temporal CNN; default all three) is the family choice, and every detector option with a
        /// range attribute is shared: the method (forecast residual or reconstruction), window length, hidden size,
        /// layers, batch size, learning rate and the averaging window of the calibration. The encoders have no
        /// parameters of their own here.
        /// </summary>
        /// <param name="encoders">The encoders; none for all three.</param>
        /// <returns>A new space.</returns>
        public static SequenceSearchSpace ForAnomalyDetectors(params EncoderKind[] encoders)
        {
            if (encoders is null || encoders.Length == 0)
                encoders = new[] { EncoderKind.Lstm, EncoderKind.Gru, EncoderKind.Cnn };
            if (encoders.Distinct().Count() != encoders.Length)
                throw new ArgumentException("A search space lists an encoder twice.", nameof(encoders));
            foreach (var e in encoders.Where(e => e is not (EncoderKind.Lstm or EncoderKind.Gru or EncoderKind.Cnn)))
                throw new ArgumentException($"The anomaly detectors' encoders are Lstm, Gru and Cnn; {e} is not one of them.", nameof(encoders));
            return Build(encoders, SpaceKind.AnomalyDetectors);
        }

        private static SequenceSearchSpace Build(EncoderKind[] families, SpaceKind kind)
        {
            var space = new SequenceSearchSpace(kind);
            space._shared.AddRange(FromAttributes(space.SharedType, space.SharedType, prefix: null));
            foreach (var f in families)
                space._families[f] = kind == SpaceKind.AnomalyDetectors ? new List<SweepParameter>()
                    : FromAttributes(space.TypeOf(f), space.SharedType, prefix: f.ToString()).ToList();
            return space;
        }

        /// <summary>The families this space searches.</summary>
        public IReadOnlyList<EncoderKind> Families => _families.Keys.ToList();

        /// <summary>Every dimension: the family choice (when more than one), shared, preprocessing, then each family's own.</summary>
        public IReadOnlyList<SweepParameter> Parameters => Dimensions.Select(d => d.Parameter).ToList();

        /// <summary>Narrows a range (shared, preprocessing, or a family's; an unqualified family name narrows it in every family).</summary>
        /// <param name="name">The parameter's name.</param>
        /// <param name="min">New lower bound.</param>
        /// <param name="max">New upper bound.</param>
        /// <returns>This space.</returns>
        public SequenceSearchSpace Narrow(string name, double min, double max) => Replace(name, p => p.WithRange(min, max));

        /// <summary>Limits a parameter to some values (a choice to some of its candidates; a range becomes a choice of these values).</summary>
        /// <param name="name">The parameter's name.</param>
        /// <param name="values">At least one value.</param>
        /// <returns>This space.</returns>
        public SequenceSearchSpace Narrow(string name, params object[] values)
        {
            if (values is null || values.Length == 0)
                throw new ArgumentException($"Narrowing '{name}' needs at least one value.", nameof(values));
            if (name == EncoderParameter)
            {
                var keep = values.Select(v => v is EncoderKind k ? k : Enum.Parse<EncoderKind>(Convert.ToString(v, CultureInfo.InvariantCulture)!, ignoreCase: true)).ToHashSet();
                foreach (var k in keep.Where(k => !_families.ContainsKey(k)))
                    throw new ArgumentException($"The space has no {k} family to keep.", nameof(values));
                foreach (var k in _families.Keys.Where(k => !keep.Contains(k)).ToList())
                    _families.Remove(k);
                return this;
            }
            return Replace(name, p => p.WithCandidates(values));
        }

        /// <summary>Fixes a parameter to one value (it leaves the search; its value is set on every trial).</summary>
        /// <param name="name">The parameter's name.</param>
        /// <param name="value">The value.</param>
        /// <returns>This space.</returns>
        public SequenceSearchSpace Fix(string name, object value) => Narrow(name, value);

        /// <summary>Removes a parameter: trials then use the option's own default (or the value the trainer template sets).</summary>
        /// <param name="name">The parameter's name.</param>
        /// <returns>This space.</returns>
        public SequenceSearchSpace Remove(string name)
        {
            int removed = _shared.RemoveAll(p => p.Name == name) + _preprocessing.RemoveAll(p => p.Name == name);
            foreach (var (kind, list) in _families)
                removed += list.RemoveAll(p => p.Name == name || p.Name == $"{kind}.{name}");
            if (removed == 0)
                throw new ArgumentException($"The search space has no parameter '{name}'. It has: {string.Join(", ", Parameters.Select(p => p.Name))}.", nameof(name));
            return this;
        }

        /// <summary>
        /// Adds a dimension for any settable option (shared, e.g. <c>"HeadHiddenSize"</c>, or a family's,
        /// e.g. <c>"Lstm.HiddenSize"</c> named with its family), replacing one of the same name.
        /// </summary>
        /// <param name="parameter">The parameter; its name says which option it sets.</param>
        /// <returns>This space.</returns>
        public SequenceSearchSpace Add(SweepParameter parameter)
        {
            ArgumentNullException.ThrowIfNull(parameter);
            var dot = parameter.Name.IndexOf('.');
            if (dot > 0 && Enum.TryParse<EncoderKind>(parameter.Name[..dot], out var family))
            {
                if (ForAnomalyDetectorOptions)
                    throw new ArgumentException($"Parameter '{parameter.Name}': an anomaly detector space has no per-encoder options; name the detector option alone.", nameof(parameter));
                if (!_families.TryGetValue(family, out var list))
                    throw new ArgumentException($"Parameter '{parameter.Name}' names the {family} family, which this space does not search.", nameof(parameter));
                var property = Settable(TypeOf(family), parameter.Name[(dot + 1)..], parameter.Name);
                list.RemoveAll(p => p.Name == parameter.Name);
                list.Add(parameter.WithValueType(property.PropertyType));
                return this;
            }
            var shared = Settable(SharedType, parameter.Name, parameter.Name);
            _shared.RemoveAll(p => p.Name == parameter.Name);
            _shared.Add(parameter.WithValueType(shared.PropertyType));
            return this;
        }

        /// <summary>
        /// Preprocessing parameters (pad length, vocabulary minimum count or size, window length, ...) and the pipeline
        /// they build: each trial fits <paramref name="pipeline"/>(its configuration) on the training split and trains
        /// on its output, so one sweep compares whole pipelines.
        /// </summary>
        /// <param name="pipeline">Builds the preprocessing from a configuration (read values with <see cref="SweepConfiguration.Get{T}"/>).</param>
        /// <param name="parameters">Its parameters; names must not clash with option names.</param>
        /// <returns>This space.</returns>
        public SequenceSearchSpace WithPreprocessing(Func<SweepConfiguration, IEstimator<ITransformer>> pipeline, params SweepParameter[] parameters)
        {
            ArgumentNullException.ThrowIfNull(pipeline);
            _pipeline = pipeline;
            _preprocessing.RemoveAll(p => !_forecaster.Contains(p.Name));
            foreach (var p in parameters ?? Array.Empty<SweepParameter>())
            {
                if (SharedType.GetProperty(p.Name) != null || p.Name == EncoderParameter || _preprocessing.Any(q => q.Name == p.Name))
                    throw new ArgumentException($"Preprocessing parameter '{p.Name}' clashes with an option or another parameter; give it its own name.", nameof(parameters));
                _preprocessing.Add(p);
            }
            return this;
        }

        /// <summary>
        /// For forecasting sweeps: dimensions that set the forecaster's own options by name (<c>WindowLength</c>,
        /// <c>WindowScaling</c>, <c>Strategy</c>, ...: any settable property of <see cref="Forecasting.SequenceForecasterOptions"/>
        /// but <c>Model</c>), so the window length is swept with the network.
        /// </summary>
        /// <param name="parameters">The parameters, named after the forecaster options they set.</param>
        /// <returns>This space.</returns>
        public SequenceSearchSpace WithForecasterParameters(params SweepParameter[] parameters)
        {
            foreach (var p in parameters ?? Array.Empty<SweepParameter>())
            {
                if (p.Name == nameof(Forecasting.SequenceForecasterOptions.Model))
                    throw new ArgumentException("The forecaster's Model is what the rest of the space sweeps; name another forecaster option.", nameof(parameters));
                var property = Settable(typeof(Forecasting.SequenceForecasterOptions), p.Name, p.Name);
                if (_preprocessing.Any(q => q.Name == p.Name))
                    throw new ArgumentException($"Parameter '{p.Name}' is already in the space.", nameof(parameters));
                _preprocessing.Add(p.WithValueType(property.PropertyType));
                _forecaster.Add(p.Name);
            }
            return this;
        }

        private readonly List<string> _forecaster = new();

        /// <summary>The names of the forecaster parameters.</summary>
        internal IReadOnlyList<string> ForecasterParameters => _forecaster.Where(n => _preprocessing.Any(p => p.Name == n)).ToList();

        /// <summary>The preprocessing builder, if any.</summary>
        internal Func<SweepConfiguration, IEstimator<ITransformer>>? Pipeline => _pipeline;

        /// <summary>A dimension and the family it belongs to (null: always active).</summary>
        internal sealed record Dimension(SweepParameter Parameter, EncoderKind? Family, bool IsPreprocessing);

        /// <summary>All dimensions in a fixed order, the family choice first.</summary>
        internal IReadOnlyList<Dimension> Dimensions
        {
            get
            {
                var list = new List<Dimension>();
                var kinds = _families.Keys.OrderBy(k => k).ToArray();
                list.Add(new Dimension(SweepParameter.Choice(EncoderParameter, kinds.Cast<object>().ToArray(), kinds[0]), null, false));
                list.AddRange(_shared.Select(p => new Dimension(p, null, false)));
                list.AddRange(_preprocessing.Select(p => new Dimension(p, null, true)));
                foreach (var k in kinds)
                    list.AddRange(_families[k].Select(p => new Dimension(p, k, false)));
                return list;
            }
        }

        /// <summary>A short text of every dimension, for logs and the trial log's fingerprint.</summary>
        public override string ToString() => string.Join("; ", Parameters.Select(p => p.ToString()));

        /// <summary>The options class of a family in this space (trainer or tagger options).</summary>
        internal Type TypeOf(EncoderKind kind) => ForAnomalyDetectorOptions ? typeof(Anomaly.SequenceAnomalyDetectorOptions) : !ForTaggerOptions ? OptionsType(kind) : kind switch
        {
            EncoderKind.Lstm => typeof(LstmTaggerOptions),
            EncoderKind.Gru => typeof(GruTaggerOptions),
            EncoderKind.Transformer => typeof(TransformerTaggerOptions),
            EncoderKind.Cnn => typeof(CnnTaggerOptions),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), $"No tagger of the {kind} family; taggers are Lstm, Gru, Transformer or Cnn."),
        };

        /// <summary>The options class of a trainer family.</summary>
        internal static Type OptionsType(EncoderKind kind) => kind switch
        {
            EncoderKind.Lstm => typeof(LstmOptions),
            EncoderKind.Gru => typeof(GruOptions),
            EncoderKind.Transformer => typeof(TransformerOptions),
            EncoderKind.Cnn => typeof(CnnOptions),
            EncoderKind.NBeats => typeof(NBeatsOptions),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), $"No options for encoder {kind}."),
        };

        private SequenceSearchSpace Replace(string name, Func<SweepParameter, SweepParameter> change)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            int found = 0;
            void In(List<SweepParameter> list, string? family)
            {
                for (int i = 0; i < list.Count; i++)
                    if (list[i].Name == name || (family != null && list[i].Name == $"{family}.{name}"))
                    {
                        list[i] = change(list[i]);
                        found++;
                    }
            }
            In(_shared, null);
            In(_preprocessing, null);
            foreach (var (kind, list) in _families)
                In(list, kind.ToString());
            if (found == 0)
                throw new ArgumentException($"The search space has no parameter '{name}'. It has: {string.Join(", ", Parameters.Select(p => p.Name))}. Add one with Add(SweepParameter).", nameof(name));
            return this;
        }

        private static PropertyInfo Settable(Type options, string property, string name)
        {
            var p = options.GetProperty(property, BindingFlags.Public | BindingFlags.Instance);
            if (p == null || !p.CanWrite || p.SetMethod is not { IsPublic: true })
                throw new ArgumentException($"Parameter '{name}': {options.Name} has no settable option '{property}'.", nameof(name));
            return p;
        }

        /// <summary>The attributed properties declared by <paramref name="type"/> itself (shared ones come from the base).</summary>
        private static IEnumerable<SweepParameter> FromAttributes(Type type, Type sharedType, string? prefix)
        {
            foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                // Shared options belong to the shared options class; a family lists those its own classes declare.
                bool shared = p.DeclaringType == sharedType;
                if (prefix == null ? !shared : shared)
                    continue;
                if (p.Name == nameof(SequenceTrainerOptions.NumberOfEpochs))
                    continue;
                string name = prefix == null ? p.Name : $"{prefix}.{p.Name}";
                var valueType = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
                if (p.GetCustomAttribute<RangeAttribute>() is { } range)
                {
                    double min = Convert.ToDouble(range.Min, CultureInfo.InvariantCulture), max = Convert.ToDouble(range.Max, CultureInfo.InvariantCulture);
                    bool log = range.LogBase && min > 0;
                    double? init = range.Init is null ? null : Convert.ToDouble(range.Init, CultureInfo.InvariantCulture);
                    yield return (valueType == typeof(int)
                        ? SweepParameter.Integer(name, (int)min, (int)max, log, init is double i ? (int)i : null)
                        : SweepParameter.Real(name, min, max, log, init)).WithValueType(p.PropertyType);
                }
                else if (p.GetCustomAttribute<ChoiceAttribute>() is { } choice)
                {
                    var candidates = choice.Candidates.Select(c => valueType.IsEnum && c is string s ? Enum.Parse(valueType, s) : Convert.ChangeType(c, valueType, CultureInfo.InvariantCulture)).ToArray();
                    var start = choice.DefaultValue is null ? candidates[0]
                        : valueType.IsEnum && choice.DefaultValue is string d ? Enum.Parse(valueType, d) : Convert.ChangeType(choice.DefaultValue, valueType, CultureInfo.InvariantCulture);
                    yield return SweepParameter.Choice(name, candidates, start).WithValueType(p.PropertyType);
                }
                else if (p.GetCustomAttribute<BooleanChoiceAttribute>() is { } boolean)
                    yield return SweepParameter.Choice(name, new object[] { false, true }, boolean.DefaultValue).WithValueType(p.PropertyType);
            }
        }
    }
}
