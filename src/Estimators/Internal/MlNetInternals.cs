using System;
using System.Linq;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MLNet.Sequence.Estimators
{
    /// <summary>
    /// ML.NET internals that the estimators read by reflection, through property names: the environment behind a
    /// catalog (<c>IInternalCatalog.Environment</c>), the GPU settings of an environment that is not an MLContext
    /// (<c>IHostEnvironmentInternal</c>), and the cancellation flag of a host (<c>IsCanceled</c>; MLContext.CancelExecution
    /// is internal in ML.NET 5). The only other internal the library reaches is SchemaShape.Column's constructor
    /// (src/Transforms/Internal/SchemaShapeFactory.cs). Internals carry no compatibility promise: MlNetInternalsTests
    /// fails when any of them stops resolving.
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

        /// <summary>The host's cancellation flag; a flag that is never set when this ML.NET has no such property.</summary>
        public static Func<bool> CancellationFlag(IHost host) => TryCancellationFlag(host, out var flag) ? flag : () => false;

        /// <summary>Finds the host's <c>IsCanceled</c> property; false when this ML.NET version has none.</summary>
        public static bool TryCancellationFlag(IHost host, out Func<bool> flag)
        {
            var prop = host.GetType().GetProperty("IsCanceled", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance);
            if (prop != null && prop.PropertyType == typeof(bool))
            {
                flag = () => (bool)prop.GetValue(host)!;
                return true;
            }
            flag = () => false;
            return false;
        }

        /// <summary>True when the GPU settings of a non-MLContext environment can be read (IHostEnvironmentInternal).</summary>
        internal static bool CanReadGpuSettings(IHostEnvironment env) =>
            env.GetType().GetInterfaces().Any(i => i.Name == "IHostEnvironmentInternal" && i.GetProperty("GpuDeviceId") != null && i.GetProperty("FallbackToCpu") != null);
    }
}
