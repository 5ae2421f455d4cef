using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers.Network
{
    /// <summary>
    /// N-BEATS (Oreshkin, Carpov, Chapados and Bengio, "N-BEATS: Neural basis expansion analysis for interpretable time
    /// series forecasting", ICLR 2020): a stack of fully connected blocks over the flattened window. Each block reads
    /// what the blocks before it left unexplained, emits a backcast (subtracted from its input: the backward residual
    /// link) and a partial forecast (summed over blocks: the forward link).
    /// <para>
    /// Generic blocks map their last hidden layer to the backcast and the forecast with learned linear maps.
    /// Interpretable blocks constrain them to fixed bases: the first half of the blocks to a polynomial trend of low
    /// degree, the second half to Fourier seasonality (harmonics 1..⌊H/2⌋ − 1 of the horizon H). Here both bases are
    /// functions of one time axis τ/H, τ = −T..−1 over the window and 0..H−1 over the horizon, so a block's backcast and
    /// forecast describe one curve. Forecasts come out in the head's layout: horizon step major, then value column, then
    /// quantile (before the monotone quantile transform the caller applies).
    /// </para>
    /// </summary>
    internal sealed class NBeatsBlocks : nn.Module
    {
        private readonly ModuleList<Linear> hidden;
        private readonly ModuleList<Linear> backcast;
        private readonly ModuleList<Linear> forecast;
        private readonly (float[] Data, long Rows, long Columns)? _trendBack, _trendFore, _seasonBack, _seasonFore;
        private readonly int _blocks, _layersPerBlock, _steps, _features, _outputSteps, _values, _quantiles, _trendBlocks;
        private readonly bool _interpretable;

        public NBeatsBlocks(NetworkConfig c) : base("NBeats")
        {
            _blocks = c.Layers;
            _layersPerBlock = c.BlockLayers;
            _steps = c.SequenceLength;
            _features = c.FeaturesPerStep;
            _quantiles = Math.Max(1, c.Quantiles);
            _outputSteps = c.OutputSteps > 0 ? c.OutputSteps : c.Outputs;
            _values = c.Outputs / _outputSteps;
            _interpretable = c.Interpretable;
            _trendBlocks = _interpretable ? (_blocks + 1) / 2 : 0;
            int input = _steps * _features + c.StaticFeatures;
            hidden = new ModuleList<Linear>();
            backcast = new ModuleList<Linear>();
            forecast = new ModuleList<Linear>();
            int trendSize = c.TrendDegree + 1;
            int harmonics = Math.Max(1, _outputSteps / 2 - 1);
            int seasonSize = 2 * harmonics + 1;
            for (int b = 0; b < _blocks; b++)
            {
                for (int l = 0; l < _layersPerBlock; l++)
                    hidden.Add(nn.Linear(l == 0 ? input : c.HiddenSize, c.HiddenSize));
                if (!_interpretable)
                {
                    backcast.Add(nn.Linear(c.HiddenSize, _steps * _features));
                    forecast.Add(nn.Linear(c.HiddenSize, c.Outputs * _quantiles));
                }
                else
                {
                    int size = b < _trendBlocks ? trendSize : seasonSize;
                    // Expansion coefficients: per window feature for the backcast, per value column and quantile for the forecast.
                    backcast.Add(nn.Linear(c.HiddenSize, _features * size, hasBias: false));
                    forecast.Add(nn.Linear(c.HiddenSize, _values * _quantiles * size, hasBias: false));
                }
            }
            RegisterComponents();
            if (_interpretable)
            {
                // The bases are constants, [size, steps], made on the input's device at each call (neither parameters nor
                // state: the model file holds only what is learned).
                _trendBack = Trend(trendSize, -_steps, _steps, _outputSteps);
                _trendFore = Trend(trendSize, 0, _outputSteps, _outputSteps);
                _seasonBack = Seasonal(harmonics, -_steps, _steps, _outputSteps);
                _seasonFore = Seasonal(harmonics, 0, _outputSteps, _outputSteps);
            }
        }

        /// <summary>Rows τ^p / H^p for p = 0..size−1, τ = start..start+count−1.</summary>
        internal static (float[] Data, long Rows, long Columns) Trend(int size, int start, int count, int horizon)
        {
            var data = new float[size * count];
            for (int p = 0; p < size; p++)
                for (int t = 0; t < count; t++)
                    data[p * count + t] = (float)Math.Pow((start + t) / (double)horizon, p);
            return (data, size, count);
        }

        /// <summary>Rows 1, cos(2π k τ/H), sin(2π k τ/H) for k = 1..harmonics.</summary>
        internal static (float[] Data, long Rows, long Columns) Seasonal(int harmonics, int start, int count, int horizon)
        {
            int size = 2 * harmonics + 1;
            var data = new float[size * count];
            for (int t = 0; t < count; t++)
            {
                double tau = (start + t) / (double)horizon;
                data[t] = 1f;
                for (int k = 1; k <= harmonics; k++)
                {
                    data[(2 * k - 1) * count + t] = (float)Math.Cos(2 * Math.PI * k * tau);
                    data[2 * k * count + t] = (float)Math.Sin(2 * Math.PI * k * tau);
                }
            }
            return (data, size, count);
        }

        /// <param name="x">[B, T, F] full windows.</param>
        /// <param name="statics">[B, S] or null: joined to every block's input, never backcast.</param>
        /// <returns>[B, Outputs × Quantiles] raw forecasts.</returns>
        public Tensor Forward(Tensor x, Tensor? statics)
        {
            long b = x.shape[0];
            if (x.shape[1] != _steps || x.shape[2] != _features)
                throw new InvalidOperationException($"N-BEATS needs windows of exactly {_steps} steps × {_features} features; got {x.shape[1]} × {x.shape[2]}.");
            var residual = x.reshape(b, _steps * _features);
            Tensor Basis((float[] Data, long Rows, long Columns)? basis) =>
                torch.tensor(basis!.Value.Data, new[] { basis.Value.Rows, basis.Value.Columns }, device: x.device);
            Tensor? trendBack = null, trendFore = null, seasonBack = null, seasonFore = null;
            if (_interpretable)
            {
                trendBack = Basis(_trendBack);
                trendFore = Basis(_trendFore);
                seasonBack = Basis(_seasonBack);
                seasonFore = Basis(_seasonFore);
            }
            Tensor? total = null;
            for (int k = 0; k < _blocks; k++)
            {
                var h = statics is null ? residual : torch.cat(new[] { residual, statics }, 1);
                for (int l = 0; l < _layersPerBlock; l++)
                    h = nn.functional.relu(hidden[k * _layersPerBlock + l].call(h));
                Tensor back, fore;
                if (!_interpretable)
                {
                    back = backcast[k].call(h);
                    fore = forecast[k].call(h);
                }
                else
                {
                    bool trend = k < _trendBlocks;
                    var backBasis = trend ? trendBack! : seasonBack!;
                    var foreBasis = trend ? trendFore! : seasonFore!;
                    long size = backBasis.shape[0];
                    // [B, F, size] @ [size, T] → [B, F, T] → [B, T, F] flattened like the input.
                    back = backcast[k].call(h).view(b, _features, size).matmul(backBasis).transpose(1, 2).reshape(b, _steps * _features);
                    // [B, V·Q, size] @ [size, H] → [B, V, Q, H] → [B, H, V, Q] flattened in the head's layout.
                    fore = forecast[k].call(h).view(b, _values * _quantiles, size).matmul(foreBasis)
                        .view(b, _values, _quantiles, _outputSteps).permute(0, 3, 1, 2).reshape(b, _outputSteps * _values * _quantiles);
                }
                residual = residual - back;
                total = total is null ? fore : total.Plus(fore);
            }
            return total!;
        }
    }
}
