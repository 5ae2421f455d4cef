using System;
using System.Linq;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLNet.Sequence.Trainers;

namespace MLNet.Sequence.Estimators
{
    /// <summary>
    /// The ML.NET internals this library reads, in one place (internals carry no compatibility promise; the test
    /// class MlNetInternalsTests pins each down):
    /// the environment behind a catalog (IInternalCatalog.Environment), the GPU settings (IHostEnvironmentInternal)
    /// and the cancellation flag of a host (MLContext.CancelExecution is internal in ML.NET 5; AutoML uses it).
    /// All are read by reflection through public property names.
    /// </summary>
    internal static class MlNetInternals
    {
        public static IHostEnvironment EnvironmentOf(object catalog)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            if (catalog is IHostEnvironment env)
                return env;
            var iface = catalog.GetType().GetInterfaces().FirstOrDefault(i => i.Name == "IInternalCatalog")
                ?? throw new NotSupportedException($"Cannot find the MLContext behind {catalog.GetType().Name}: this ML.NET version is not supported by MLNet.Sequence.");
            return (IHostEnvironment)(iface.GetProperty("Environment")?.GetValue(catalog)
                ?? throw new NotSupportedException($"Cannot find the MLContext behind {catalog.GetType().Name}."));
        }

        private static T? Internal<T>(IHostEnvironment env, string name)
        {
            var iface = env.GetType().GetInterfaces().FirstOrDefault(i => i.Name == "IHostEnvironmentInternal");
            var value = iface?.GetProperty(name)?.GetValue(env);
            return value is T t ? t : default;
        }

        public static int? GpuDeviceId(IHostEnvironment env) => env is MLContext ml ? ml.GpuDeviceId : Internal<int?>(env, "GpuDeviceId");

        public static bool FallbackToCpu(IHostEnvironment env) => env is MLContext ml ? ml.FallbackToCpu : Internal<bool>(env, "FallbackToCpu");

        public static Func<bool> CancellationFlag(IHost host)
        {
            var prop = host.GetType().GetProperty("IsCanceled", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance);
            return prop != null && prop.PropertyType == typeof(bool) ? () => (bool)prop.GetValue(host)! : () => false;
        }
    }

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
