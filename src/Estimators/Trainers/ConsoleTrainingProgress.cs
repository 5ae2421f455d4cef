using System;
using System.Globalization;
using System.IO;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence
{
    /// <summary>
    /// A ready progress display for training: set it as both <see cref="SequenceTrainerOptions.BatchProgress"/> and
    /// <see cref="SequenceTrainerOptions.Progress"/>. On an interactive console it redraws one line per epoch with a bar,
    /// the batches done, the loss so far, the learning rate and the time left; each finished epoch stays on screen with
    /// its validation figures. Written to a file or a redirected console (CI logs), it prints a line at each quarter of an
    /// epoch instead of redrawing.
    /// </summary>
    /// <example>
    /// <code>
    /// var progress = new ConsoleTrainingProgress();
    /// var trainer = ml.BinaryClassification.Trainers.SequenceLstm(new LstmOptions { Progress = progress, BatchProgress = progress });
    /// </code>
    /// </example>
    public sealed class ConsoleTrainingProgress : IProgress<TrainingProgress>, IProgress<EpochReport>
    {
        private readonly TextWriter _writer;
        private readonly bool _inPlace;
        private readonly int _barWidth;
        private DateTime _lastDraw = DateTime.MinValue;
        private int _lastQuarter = -1;
        private int _lineLength;

        /// <summary>Creates the display.</summary>
        /// <param name="writer">Where to write; default the console.</param>
        /// <param name="redrawInPlace">Redraw one line (true) or print lines (false); default: redraw only on an interactive console.</param>
        /// <param name="barWidth">Characters of the progress bar (at least 5). Default 30.</param>
        public ConsoleTrainingProgress(TextWriter? writer = null, bool? redrawInPlace = null, int barWidth = 30)
        {
            if (barWidth < 5)
                throw new ArgumentOutOfRangeException(nameof(barWidth), barWidth, $"The bar needs at least 5 characters; it was {barWidth}.");
            _writer = writer ?? Console.Out;
            _inPlace = redrawInPlace ?? (writer == null && !Console.IsOutputRedirected);
            _barWidth = barWidth;
        }

        /// <summary>Shows the progress within the epoch (throttled: at most ten redraws a second, or a line per quarter epoch).</summary>
        /// <param name="value">The progress after a batch.</param>
        public void Report(TrainingProgress value)
        {
            ArgumentNullException.ThrowIfNull(value);
            bool last = value.BatchesPerEpoch > 0 && value.Batch >= value.BatchesPerEpoch;
            if (_inPlace)
            {
                var now = DateTime.UtcNow;
                if (!last && now - _lastDraw < TimeSpan.FromMilliseconds(100))
                    return;
                _lastDraw = now;
                Draw("\r" + Line(value));
                return;
            }
            int quarter = value.BatchesPerEpoch > 0 ? Math.Min(4, 4 * value.Batch / value.BatchesPerEpoch) : -1;
            if (quarter <= 0 || quarter == _lastQuarter || quarter == 4)
                return;
            _lastQuarter = quarter;
            _writer.WriteLine(Line(value));
        }

        /// <summary>Finishes the epoch's line with its figures (validation loss and metric when there is validation data).</summary>
        /// <param name="value">The epoch's report.</param>
        public void Report(EpochReport value)
        {
            ArgumentNullException.ThrowIfNull(value);
            _lastQuarter = -1;
            var text = value + $" | {Clock(value.Elapsed)}";
            if (_inPlace)
            {
                Draw("\r" + text);
                _writer.WriteLine();
                _lineLength = 0;
            }
            else
                _writer.WriteLine(text);
            _writer.Flush();
        }

        /// <summary>One line: epoch, bar, batches, loss so far, rate, elapsed and remaining time.</summary>
        internal string Line(TrainingProgress p)
        {
            var inv = CultureInfo.InvariantCulture;
            string bar = "", batches = p.Batch.ToString(inv);
            if (p.BatchesPerEpoch > 0)
            {
                int filled = (int)Math.Round(_barWidth * Math.Min(1.0, p.Batch / (double)p.BatchesPerEpoch));
                bar = "[" + new string('#', filled) + new string('.', _barWidth - filled) + "] ";
                batches += "/" + p.BatchesPerEpoch.ToString(inv);
            }
            var left = p.Remaining is TimeSpan r ? $", ~{Clock(r)} left" : "";
            return string.Create(inv, $"epoch {p.Epoch}/{p.Epochs} {bar}{batches} loss {p.TrainingLoss:F4} lr {p.LearningRate:G3} | {Clock(p.Elapsed)}{left}");
        }

        private void Draw(string text)
        {
            // Pad over a longer previous line so no characters of it remain.
            int visible = text.Length - 1;
            _writer.Write(visible < _lineLength ? text + new string(' ', _lineLength - visible) : text);
            _lineLength = visible;
            _writer.Flush();
        }

        private static string Clock(TimeSpan t) =>
            t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}" : $"{t.Minutes}:{t.Seconds:D2}";
    }
}
