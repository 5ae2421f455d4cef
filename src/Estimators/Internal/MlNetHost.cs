using System;
using System.Linq;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Estimators
{
    /// <summary>A registered ML.NET host: seeded randomness, logging to MLContext.Log, cancellation, device.</summary>
    internal sealed class MlNetHost : IDisposable
    {
        private readonly IHostEnvironment _env;
        private readonly IHost _host;
        private readonly IChannel _channel;
        private readonly Func<bool> _isCanceled;

        public MlNetHost(IHostEnvironment env, string name)
        {
            _env = env;
            _host = env.Register(name);
            _channel = _host.Start(name);
            _isCanceled = MlNetInternals.CancellationFlag(_host);
        }

        /// <summary>A seed drawn from the MLContext's seeded randomness.</summary>
        public int NextSeed() => _host.Rand.Next();

        public bool IsCanceled() => _isCanceled();

        public void Info(string message) => _channel.Info(MessageSensitivity.None, message);

        public void Warning(string message) => _channel.Warning(MessageSensitivity.None, message);

        /// <summary>The device from MLContext.GpuDeviceId and FallbackToCpu (see <see cref="ComputeDevice.Resolve"/>).</summary>
        public ComputeDevice ResolveDevice() => ComputeDevice.Resolve(MlNetInternals.GpuDeviceId(_env), MlNetInternals.FallbackToCpu(_env), Warning);

        public void Dispose() => _channel.Dispose();
    }
}
