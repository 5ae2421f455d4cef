// The bundled single series: each one's last season (or last horizon) held out and forecast by seasonal naive, Theta,
// the auto forecaster over the M4 statistical methods, N-BEATS, and the auto forecaster with N-BEATS among its candidates.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using MLNet.Sequence.Forecasting;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Examples;

public static class SinglesJob
{
    private static float[] Column(string file, int column) =>
        File.ReadLines(Data.PathOf($"timeseries/{file}")).Skip(1).Select(l => float.Parse(l.Split(',')[column], CultureInfo.InvariantCulture)).ToArray();

    public static void Run()
    {
        // (name, values, season length m, horizon H): the horizon is one season where there is one.
        var cases = new (string Name, float[] Values, int Season, int Horizon)[]
        {
            ("AirPassengers (monthly)", Column("AirPassengers.csv", 1), 12, 12),
            ("co2 (monthly)", Column("co2.csv", 1), 12, 12),
            ("taylor (half-hourly, day ahead)", Column("taylor.csv", 1), 48, 48),
            ("US births (daily, week ahead)", Column("us-births-1969-1988.csv", 4), 7, 7),
            ("sunspots (monthly, year ahead)", Column("sunspot.month.csv", 1), 1, 12),
            ("Nile (yearly, 10 years)", Column("Nile.csv", 1), 1, 10),
            ("EuStockMarkets DAX (daily, 20 days)", Column("EuStockMarkets.csv", 1), 1, 20),
        };
        Console.WriteLine("== The bundled single series: the last season (or horizon) held out; sMAPE % (MASE), train seconds");
        Console.WriteLine("   | series | m | H | seasonal naive | Theta | auto (statistical) | N-BEATS | auto (+ N-BEATS) | auto's pick |");
        Console.WriteLine("   |---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var (name, values, m, H) in cases)
        {
            var ml = new MLContext(1);
            var series = SeriesFrame.Univariate(name, values);
            var train = series.Slice(0, values.Length - H);
            var actual = values.Skip(values.Length - H).Select(v => (double)v).ToArray();
            var history = train.Values[0].Select(v => (double)v).ToArray();
            string Score(IForecastingMethod method, out IForecaster trained)
            {
                var clock = Stopwatch.StartNew();
                trained = method.Train(new[] { train });
                var p = trained.Forecast(train, H).Point[0].Select(v => (double)v).ToArray();
                return FormattableString.Invariant($"{ForecastMetrics.Smape(actual, p):F2} ({ForecastMetrics.Mase(history, actual, p, m):F2}), {clock.Elapsed.TotalSeconds:F1} s");
            }
            // N-BEATS on one series: a window of two horizons (at least 2m), epochs set by steps (NumberOfEpochs unset).
            SequenceForecaster NBeats() => ml.Forecasting.SequenceForecaster(new SequenceForecasterOptions
            {
                ValueColumns = new[] { "Value" }, WindowLength = Math.Max(2 * H, 2 * m), Horizon = H, Name = "N-BEATS",
                Model = new NBeatsOptions { LayerWidth = 128, NumberOfBlocks = 4, BatchSize = 64, Dropout = 0 },
            });
            string seasonal = Score(m > 1 ? ml.Forecasting.SeasonalNaive(m) : ml.Forecasting.Naive(), out _);
            string theta = Score(ml.Forecasting.Theta(m), out _);
            string auto = Score(ml.Forecasting.Auto(H, m), out _);
            string nbeats = Score(NBeats(), out var nb);
            (nb as IDisposable)?.Dispose();
            var candidates = AutoForecaster.DefaultCandidates(m).Append(NBeats()).ToArray();
            string autoNb = Score(ml.Forecasting.Auto(new AutoForecasterOptions { Horizon = H, SeasonLength = m, Candidates = candidates }), out var chosen);
            var a = (TrainedAutoForecaster)chosen;
            var w = a.Weights(name);
            string pick = a.CandidateNames[Array.IndexOf(w, w.Max())];
            a.Dispose();
            Console.WriteLine($"   | {name} | {m} | {H} | {seasonal} | {theta} | {auto} | {nbeats} | {autoNb} | {pick} |");
        }
    }
}
