using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Transforms.Internal;
using MLNet.Sequence.Transforms.Persistence;

namespace MLNet.Sequence.Transforms
{
    /// <summary>Calendar cycles computed from a DateTime, each as a sine and cosine pair.</summary>
    [Flags]
    public enum CalendarFeatures
    {
        /// <summary>No calendar feature.</summary>
        None = 0,
        /// <summary>Hour of the day (minutes included), period 24 hours.</summary>
        HourOfDay = 1,
        /// <summary>Day of the week, period 7 days.</summary>
        DayOfWeek = 2,
        /// <summary>Day of the year, period 365.25 days.</summary>
        DayOfYear = 4,
        /// <summary>Month of the year, period 12 months.</summary>
        MonthOfYear = 8,
    }

    /// <summary>
    /// The definition of time features: calendar cycles of a DateTime and periodic cycles counted in time steps
    /// (e.g. 48 and 336 half-hours). Known for any future time, so they serve as known-future covariates.
    /// </summary>
    public sealed class TimeFeatureSpec
    {
        /// <summary>The calendar cycles (DateTime time only).</summary>
        public CalendarFeatures Calendar { get; set; }

        /// <summary>Periods in time steps (each needs <see cref="TimeStep"/>): sin and cos of 2π · step index / period.</summary>
        public int[] Periods { get; set; } = Array.Empty<int>();

        /// <summary>The time step, required for <see cref="Periods"/>: numeric, or a fixed duration for DateTime time.</summary>
        public TimeStep? TimeStep { get; set; }

        /// <summary>The prefix of the output column names. Default "Time".</summary>
        public string Prefix { get; set; } = "Time";

        /// <summary>The output column names, in order.</summary>
        public IReadOnlyList<string> Names
        {
            get
            {
                var names = new List<string>();
                foreach (var f in new[] { CalendarFeatures.HourOfDay, CalendarFeatures.DayOfWeek, CalendarFeatures.DayOfYear, CalendarFeatures.MonthOfYear })
                    if (Calendar.HasFlag(f))
                    {
                        names.Add($"{Prefix}{f}Sin");
                        names.Add($"{Prefix}{f}Cos");
                    }
                foreach (var p in Periods)
                {
                    names.Add($"{Prefix}Period{p}Sin");
                    names.Add($"{Prefix}Period{p}Cos");
                }
                return names;
            }
        }

        /// <summary>True when there is no feature.</summary>
        public bool IsEmpty => Calendar == CalendarFeatures.None && Periods.Length == 0;

        internal void Validate(bool timeIsDate)
        {
            if (Calendar != CalendarFeatures.None && !timeIsDate)
                throw new ArgumentException($"Calendar features need a DateTime time column; the time column is numeric. Use Periods with a TimeStep instead.", nameof(Calendar));
            if ((int)Calendar < 0 || (int)Calendar > 15)
                throw new ArgumentOutOfRangeException(nameof(Calendar), Calendar, "Unknown calendar feature.");
            foreach (var p in Periods)
                if (p < 2)
                    throw new ArgumentOutOfRangeException(nameof(Periods), p, $"Option Periods must hold periods of at least 2 steps; it has {p}.");
            if (Periods.Length > 0)
            {
                if (TimeStep == null)
                    throw new ArgumentException("Option Periods needs option TimeStep, to count steps from the time column.", nameof(TimeStep));
                if (TimeStep.Kind == "months")
                    throw new ArgumentException("Option Periods counts fixed steps; a monthly TimeStep varies in length. Use Calendar = MonthOfYear.", nameof(TimeStep));
                if (TimeStep.RequiresDateTime != timeIsDate)
                    throw new ArgumentException("Option TimeStep does not match the time column's type.", nameof(TimeStep));
            }
        }

        /// <summary>Writes the features of time <paramref name="t"/> (a number, or DateTime ticks) into <paramref name="into"/>.</summary>
        internal void Compute(double t, Span<float> into)
        {
            int i = 0;
            if (Calendar != CalendarFeatures.None)
            {
                var d = new DateTime((long)t);
                if (Calendar.HasFlag(CalendarFeatures.HourOfDay)) Pair(into, ref i, (d.Hour + d.Minute / 60.0) / 24.0);
                if (Calendar.HasFlag(CalendarFeatures.DayOfWeek)) Pair(into, ref i, (int)d.DayOfWeek / 7.0);
                if (Calendar.HasFlag(CalendarFeatures.DayOfYear)) Pair(into, ref i, (d.DayOfYear - 1) / 365.25);
                if (Calendar.HasFlag(CalendarFeatures.MonthOfYear)) Pair(into, ref i, (d.Month - 1) / 12.0);
            }
            if (Periods.Length > 0)
            {
                double index = Math.Round(t / TimeStep!.Value);
                foreach (var p in Periods)
                    Pair(into, ref i, ((index % p) + p) % p / p);
            }
        }

        private static void Pair(Span<float> into, ref int i, double fraction)
        {
            into[i++] = (float)Math.Sin(2 * Math.PI * fraction);
            into[i++] = (float)Math.Cos(2 * Math.PI * fraction);
        }

    }

    /// <summary>Adds time features (calendar and periodic cycles as sine/cosine pairs) computed from a time column.</summary>
    public sealed class TimeFeaturesEstimator : IEstimator<TimeFeaturesTransformer>
    {
        private readonly string _time;
        private readonly TimeFeatureSpec _spec;

        /// <summary>Creates the estimator; prefer <c>mlContext.Transforms.AddTimeFeatures(...)</c>.</summary>
        /// <param name="timeColumnName">The time column (DateTime, or numeric for periods).</param>
        /// <param name="spec">Which features.</param>
        public TimeFeaturesEstimator(string timeColumnName, TimeFeatureSpec spec)
        {
            ColumnChecks.RequireNonEmpty(timeColumnName, nameof(timeColumnName));
            ArgumentNullException.ThrowIfNull(spec);
            if (spec.IsEmpty)
                throw new ArgumentException("Choose at least one calendar feature or period.", nameof(spec));
            _time = timeColumnName;
            _spec = spec;
        }

        /// <inheritdoc />
        public SchemaShape GetOutputSchema(SchemaShape inputSchema)
        {
            ArgumentNullException.ThrowIfNull(inputSchema);
            var info = ColumnChecks.Find(inputSchema, _time, "timeColumnName", TimeSeriesWindowTransformer.TimeExpected);
            _spec.Validate(TimeFeaturesTransformer.CheckTime(info));
            return SchemaShapeFactory.With(inputSchema, _spec.Names.Select(n => SchemaShapeFactory.Column(n, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single)));
        }

        /// <summary>Checks the time column; nothing is learned.</summary>
        /// <param name="input">Data.</param>
        /// <returns>The transformer.</returns>
        public TimeFeaturesTransformer Fit(IDataView input)
        {
            ArgumentNullException.ThrowIfNull(input);
            var t = new TimeFeaturesTransformer(_time, _spec);
            t.GetOutputSchema(input.Schema);
            return t;
        }
    }

    /// <summary>Adds time features; see <see cref="TimeFeaturesEstimator"/>.</summary>
    public sealed class TimeFeaturesTransformer : SequenceTransformerBase, ISequencePersistable
    {
        private readonly string _time;
        private readonly TimeFeatureSpec _spec;

        internal TimeFeaturesTransformer(string time, TimeFeatureSpec spec)
        {
            _time = time;
            _spec = spec;
        }

        /// <summary>The features added.</summary>
        public TimeFeatureSpec Spec => _spec;

        internal static bool CheckTime(ColumnTypeInfo c)
        {
            bool isDate = c.ItemType is DateTimeDataViewType;
            if (c.IsVector || !(isDate || ColumnChecks.IsNumeric(c)))
                throw ColumnChecks.WrongType(c, "timeColumnName", TimeSeriesWindowTransformer.TimeExpected);
            return isDate;
        }

        string ISequencePersistable.PartKind => "TimeFeatures";
        int ISequencePersistable.PartVersion => 1;

        void ISequencePersistable.SavePart(ModelPartWriter writer) =>
            writer.WriteJson("config.json", new TimeFeaturesConfigV1 { Time = _time, Spec = TimeFeatureSpecV1.From(_spec) });

        internal static TimeFeaturesTransformer Load(ModelPartReader reader)
        {
            reader.RequireVersion("TimeFeatures", 1);
            var s = reader.ReadJson<TimeFeaturesConfigV1>("config.json");
            return new TimeFeaturesTransformer(StoredCheck.Name(s.Time, "TimeFeatures", "Time"), StoredCheck.Required(s.Spec, "TimeFeatures", "Spec").ToSpec());
        }

        private protected override ColumnBinding Bind(DataViewSchema inputSchema) => new Binding(this, inputSchema);

        private sealed class Binding : ColumnBinding
        {
            private readonly TimeFeaturesTransformer _p;
            private readonly int _time;
            private readonly bool _isDate;
            private readonly AddedColumn[] _added;

            public Binding(TimeFeaturesTransformer p, DataViewSchema schema) : base(schema)
            {
                _p = p;
                var info = ColumnChecks.Find(schema, p._time, "timeColumnName", TimeSeriesWindowTransformer.TimeExpected);
                _isDate = CheckTime(info);
                p._spec.Validate(_isDate);
                _time = schema[p._time].Index;
                _added = p._spec.Names.Select(n => new AddedColumn(n, NumberDataViewType.Single)).ToArray();
            }

            public override IReadOnlyList<AddedColumn> Added => _added;
            public override IEnumerable<int> Dependencies(int added) => new[] { _time };

            public override Delegate?[] MakeGetters(DataViewRow input, Func<int, bool> isAddedActive)
            {
                var result = new Delegate?[_added.Length];
                if (!Enumerable.Range(0, _added.Length).Any(isAddedActive))
                    return result;
                var col = input.Schema[_time];
                Func<double> read;
                if (_isDate)
                {
                    var g = input.GetGetter<DateTime>(col);
                    DateTime d = default;
                    read = () => { g(ref d); return d.Ticks; };
                }
                else
                    read = NumberReader.Make(input, col);
                var values = new float[_added.Length];
                long pos = -1;
                for (int i = 0; i < _added.Length; i++)
                {
                    if (!isAddedActive(i)) continue;
                    int k = i;
                    result[i] = (ValueGetter<float>)((ref float dst) =>
                    {
                        if (pos != input.Position || pos < 0)
                        {
                            _p._spec.Compute(read(), values);
                            pos = input.Position;
                        }
                        dst = values[k];
                    });
                }
                return result;
            }
        }
    }
}
