using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence
{
    /// <summary>One point of a <see cref="SequenceSearchSpace"/>: the family and the value of every dimension active for it.</summary>
    public sealed class SweepConfiguration
    {
        private readonly Dictionary<string, object> _values;

        internal SweepConfiguration(EncoderKind family, Dictionary<string, object> values)
        {
            Family = family;
            _values = values;
        }

        /// <summary>The encoder family.</summary>
        public EncoderKind Family { get; }

        /// <summary>Every active dimension's value by name (the family's own parameters qualified, e.g. "Lstm.HiddenSize").</summary>
        public IReadOnlyDictionary<string, object> Values => _values;

        /// <summary>A value by name; a family parameter may be named without its family (<c>"HiddenSize"</c>).</summary>
        /// <typeparam name="T">The value's type (numbers convert: an int parameter reads as double too).</typeparam>
        /// <param name="name">The parameter's name.</param>
        /// <returns>The value.</returns>
        public T Get<T>(string name)
        {
            if (!_values.TryGetValue(name, out var v) && !_values.TryGetValue($"{Family}.{name}", out v))
                throw new KeyNotFoundException($"The configuration has no parameter '{name}'; it has {string.Join(", ", _values.Keys)}.");
            if (v is T t)
                return t;
            var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
            return (T)(target.IsEnum && v is string s ? Enum.Parse(target, s) : Convert.ChangeType(v, target, CultureInfo.InvariantCulture));
        }

        /// <summary>"Lstm: LearningRate=0.003, Lstm.HiddenSize=64, ...".</summary>
        public override string ToString() =>
            $"{Family}: " + string.Join(", ", _values.Where(kv => kv.Key != SequenceSearchSpace.EncoderParameter).Select(kv => $"{kv.Key}={Format(kv.Value)}"));

        internal static string Format(object v) => v switch
        {
            double d => d.ToString("G4", CultureInfo.InvariantCulture),
            float f => f.ToString("G4", CultureInfo.InvariantCulture),
            _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "",
        };

        /// <summary>A stable key for duplicate detection.</summary>
        internal string Key => string.Join("|", _values.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={Format(kv.Value)}"));

        /// <summary>
        /// The family's trainer options with every swept option of this configuration set (after
        /// <paramref name="configure"/>, which can set columns, seed, epochs and anything not swept): pass them to
        /// <c>SequenceLstm(options)</c> and the like to train a configuration by hand. A Transformer's model dimension
        /// is rounded up to a multiple of its head count.
        /// </summary>
        /// <param name="space">The space the configuration came from.</param>
        /// <param name="configure">Optional settings applied before the swept values.</param>
        /// <returns>A new <see cref="LstmOptions"/>, <see cref="GruOptions"/>, <see cref="TransformerOptions"/> or <see cref="CnnOptions"/>.</returns>
        public SequenceTrainerOptions ToTrainerOptions(SequenceSearchSpace space, Action<SequenceTrainerOptions>? configure = null)
        {
            ArgumentNullException.ThrowIfNull(space);
            return ToOptions(space, configure);
        }

        /// <summary>
        /// A forecaster's options: a copy of <paramref name="template"/> with the space's forecaster parameters
        /// (window length, ...) of this configuration set and its network as <c>Model</c>.
        /// </summary>
        /// <param name="space">The space the configuration came from.</param>
        /// <param name="template">Columns, horizon and the rest of the forecaster.</param>
        /// <param name="configure">Optional settings on the network options (epochs, seed), applied before the swept values.</param>
        /// <returns>New forecaster options.</returns>
        public Forecasting.SequenceForecasterOptions ToForecasterOptions(SequenceSearchSpace space, Forecasting.SequenceForecasterOptions template,
            Action<SequenceTrainerOptions>? configure = null)
        {
            ArgumentNullException.ThrowIfNull(space);
            ArgumentNullException.ThrowIfNull(template);
            var f = template.Clone();
            foreach (var parameter in space.ForecasterParameters)
            {
                if (!_values.TryGetValue(parameter, out var value))
                    continue;
                var property = typeof(Forecasting.SequenceForecasterOptions).GetProperty(parameter)!;
                var target = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                property.SetValue(f, target.IsEnum ? (value is string s ? Enum.Parse(target, s) : Enum.ToObject(target, value))
                    : Convert.ChangeType(value, target, CultureInfo.InvariantCulture));
            }
            f.Model = ToOptions(space, configure);
            return f;
        }

        /// <summary>
        /// A tagger's options (for a space made by <see cref="SequenceSearchSpace.ForTaggers"/>): the family's tagger
        /// options with every swept option of this configuration set, after <paramref name="configure"/>. A Transformer's
        /// model dimension is rounded up to a multiple of its head count.
        /// </summary>
        /// <param name="space">The tagger space the configuration came from.</param>
        /// <param name="configure">Optional settings applied before the swept values (columns, seed, epochs, ...).</param>
        /// <returns>A new <see cref="LstmTaggerOptions"/>, <see cref="GruTaggerOptions"/>, <see cref="TransformerTaggerOptions"/> or <see cref="CnnTaggerOptions"/>.</returns>
        public SequenceTaggerOptions ToTaggerOptions(SequenceSearchSpace space, Action<SequenceTaggerOptions>? configure = null)
        {
            ArgumentNullException.ThrowIfNull(space);
            if (!space.ForTaggerOptions)
                throw new ArgumentException("The space does not search taggers; make a tagger space with SequenceSearchSpace.ForTaggers.", nameof(space));
            var options = (SequenceTaggerOptions)Activator.CreateInstance(space.TypeOf(Family))!;
            configure?.Invoke(options);
            Apply(space, options);
            if (options is TransformerTaggerOptions t && t.NumberOfHeads > 0 && t.ModelDimension % t.NumberOfHeads != 0)
                t.ModelDimension += t.NumberOfHeads - t.ModelDimension % t.NumberOfHeads;
            return options;
        }

        /// <summary>
        /// An anomaly detector's options (for a space made by <see cref="SequenceSearchSpace.ForAnomalyDetectors"/>): a
        /// copy of <paramref name="template"/> (columns, probationary period, thresholding, ...) with this configuration's
        /// encoder and every swept option set.
        /// </summary>
        /// <param name="space">The anomaly detector space the configuration came from.</param>
        /// <param name="template">The detector every trial starts from.</param>
        /// <returns>New detector options.</returns>
        public Anomaly.SequenceAnomalyDetectorOptions ToAnomalyDetectorOptions(SequenceSearchSpace space, Anomaly.SequenceAnomalyDetectorOptions template)
        {
            ArgumentNullException.ThrowIfNull(space);
            ArgumentNullException.ThrowIfNull(template);
            if (!space.ForAnomalyDetectorOptions)
                throw new ArgumentException("The space does not search anomaly detectors; make one with SequenceSearchSpace.ForAnomalyDetectors.", nameof(space));
            var options = template.Clone();
            options.Encoder = Family;
            Apply(space, options);
            return options;
        }

        internal SequenceTrainerOptions ToOptions(SequenceSearchSpace space, Action<SequenceTrainerOptions>? template)
        {
            if (space.ForTaggerOptions)
                throw new ArgumentException("The space searches taggers; read its configurations with ToTaggerOptions.", nameof(space));
            if (space.ForAnomalyDetectorOptions)
                throw new ArgumentException("The space searches anomaly detectors; read its configurations with ToAnomalyDetectorOptions.", nameof(space));
            var options = (SequenceTrainerOptions)Activator.CreateInstance(space.TypeOf(Family))!;
            template?.Invoke(options);
            Apply(space, options);
            if (options is TransformerOptions t && t.NumberOfHeads > 0 && t.ModelDimension % t.NumberOfHeads != 0)
                t.ModelDimension += t.NumberOfHeads - t.ModelDimension % t.NumberOfHeads;
            return options;
        }

        /// <summary>Sets every swept option of this configuration on <paramref name="options"/> (the family's options class).</summary>
        private void Apply(SequenceSearchSpace space, object options)
        {
            var type = options.GetType();
            foreach (var d in space.Dimensions)
            {
                if (d.IsPreprocessing || d.Parameter.Name == SequenceSearchSpace.EncoderParameter || (d.Family != null && d.Family != Family))
                    continue;
                if (!_values.TryGetValue(d.Parameter.Name, out var value))
                    continue;
                string property = d.Family == null ? d.Parameter.Name : d.Parameter.Name[(d.Family.ToString()!.Length + 1)..];
                var info = type.GetProperty(property)!;
                var target = Nullable.GetUnderlyingType(info.PropertyType) ?? info.PropertyType;
                object converted = target.IsEnum
                    ? (value is string s ? Enum.Parse(target, s) : Enum.ToObject(target, value))
                    : Convert.ChangeType(value, target, CultureInfo.InvariantCulture);
                info.SetValue(options, converted);
            }
        }

        /// <summary>A rough size of the model this configuration builds (weights per input feature and step), for ordering start points by cost.</summary>
        internal double Cost()
        {
            double Int(string name, double fallback) => _values.TryGetValue($"{Family}.{name}", out var v) || _values.TryGetValue(name, out v)
                ? Convert.ToDouble(v, CultureInfo.InvariantCulture) : fallback;
            return Family switch
            {
                EncoderKind.Lstm => 4 * Math.Pow(Int("HiddenSize", 64), 2) * Int("NumberOfLayers", 1) * (Get0("Bidirectional") ? 2 : 1),
                EncoderKind.Gru => 3 * Math.Pow(Int("HiddenSize", 64), 2) * Int("NumberOfLayers", 1) * (Get0("Bidirectional") ? 2 : 1),
                EncoderKind.Transformer => Int("NumberOfLayers", 2) * (4 * Math.Pow(Int("ModelDimension", 64), 2) + 2 * Int("ModelDimension", 64) * Int("FeedForwardDimension", 128)),
                EncoderKind.NBeats => Int("NumberOfBlocks", 6) * Int("LayersPerBlock", 4) * Math.Pow(Int("LayerWidth", 256), 2),
                _ => Int("NumberOfLayers", 4) * Int("KernelSize", 3) * Math.Pow(Int("Channels", 64), 2),
            };
            bool Get0(string name) => _values.TryGetValue($"{Family}.{name}", out var v) && v is true;
        }
    }
}
