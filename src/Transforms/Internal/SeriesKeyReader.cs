using System;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Sequence.Transforms.Internal
{
    /// <summary>
    /// Reads the series key of the current row (Text, key or number) as a name, and tells whether a row continues the
    /// series remembered last. The one series-key reader: windows, per-series scaling and the forecaster's series
    /// readers all use it, so they agree on what a series is.
    /// </summary>
    internal sealed class SeriesKeyReader
    {
        private readonly ValueGetter<ReadOnlyMemory<char>>? _text;
        private readonly Func<double>? _number;
        private ReadOnlyMemory<char> _buf;
        private string _current = "";
        private double _currentNumber = double.NaN;
        private string _lastName = "";

        public SeriesKeyReader(DataViewRow row, DataViewSchema.Column c)
        {
            if (c.Type is TextDataViewType)
                _text = row.GetGetter<ReadOnlyMemory<char>>(c);
            else if (c.Type is KeyDataViewType)
            {
                var g = row.GetGetter<uint>(c);
                uint k = 0;
                _number = () => { g(ref k); return k; };
            }
            else
                _number = NumberReader.Make(row, c);
        }

        /// <summary>The current row's series name (a number is written in invariant culture); text names are reused while they repeat.</summary>
        public string Name()
        {
            if (_text != null)
            {
                _text(ref _buf);
                if (!_buf.Span.SequenceEqual(_lastName.AsSpan()))
                    _lastName = _buf.ToString();
                return _lastName;
            }
            return _number!().ToString(CultureInfo.InvariantCulture);
        }

        /// <summary>True when the current row belongs to the series last <see cref="Remember"/>ed.</summary>
        public bool SameAsCurrent()
        {
            if (_text != null)
            {
                _text(ref _buf);
                return _buf.Span.SequenceEqual(_current.AsSpan());
            }
            return _number!() == _currentNumber;
        }

        /// <summary>Remembers the current row's series.</summary>
        public void Remember()
        {
            if (_text != null)
            {
                _text(ref _buf);
                _current = _buf.ToString();
            }
            else
                _currentNumber = _number!();
        }
    }
}
