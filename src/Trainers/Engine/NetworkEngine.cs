using System;
using System.IO;
using System.Linq;
using System.Threading;
using MLNet.Sequence.Trainers.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers
{
    /// <summary>
    /// What every engine that owns one network shares: the network and its device; shared ownership (prediction engines
    /// and cursors lease the network, and it is disposed when the transformer and the last lease have let go); a count
    /// of live networks per kind for the leak tests; the parameter count; saving the weights; and building a network
    /// new on a device or from saved weights, disposing it on failure.
    /// </summary>
    /// <typeparam name="TNetwork">The network module.</typeparam>
    internal abstract class NetworkEngine<TNetwork> where TNetwork : nn.Module
    {
        private static int _live;

        /// <param name="network">The network, already on <paramref name="device"/>; the engine owns it from here.</param>
        /// <param name="device">Where the network lives.</param>
        /// <param name="partName">The model's name in ownership errors (e.g. "SequenceTaggingModel").</param>
        /// <param name="description">The model in words for those errors (e.g. "tagging model").</param>
        private protected NetworkEngine(TNetwork network, Device device, string partName, string description)
        {
            Network = network;
            NetworkDevice = device;
            Interlocked.Increment(ref _live);
            Ownership = new SharedOwnership(partName, description, () =>
            {
                network.Dispose();
                Interlocked.Decrement(ref _live);
            });
        }

        /// <summary>Networks of this kind not yet disposed (the tests check it returns to where it was).</summary>
        internal static int LiveCount => Volatile.Read(ref _live);

        /// <summary>The network (the benchmarks' raw loops run it directly).</summary>
        internal TNetwork Network { get; }

        /// <summary>The device the network lives on.</summary>
        private protected Device NetworkDevice { get; }

        /// <summary>Who holds the network; every use of it runs inside <c>Ownership.Use()</c>.</summary>
        private protected SharedOwnership Ownership { get; }

        /// <summary>The network's trainable and fixed parameters.</summary>
        public long ParameterCount
        {
            get
            {
                using var _ = Ownership.Use();
                return Network.parameters().Sum(p => p.numel());
            }
        }

        /// <summary>A new network of the same configuration (saving a GPU network copies its weights into one on the CPU).</summary>
        private protected abstract TNetwork NewNetworkLikeThis();

        /// <summary>Writes the weights (from the CPU whatever the device).</summary>
        public void Save(Stream destination)
        {
            using var _ = Ownership.Use();
            ModuleFiles.Save(Network, NetworkDevice.type == DeviceType.CPU, NewNetworkLikeThis, destination);
        }

        public EngineLease Lease() => Ownership.Lease();
        public EngineLease? ReleaseOrKeepWhileShared() => Ownership.ReleaseOrKeepWhileShared();
        public void Release() => Ownership.Release();
        public bool IsReleased => Ownership.IsReleased;

        /// <summary>A new network moved to <paramref name="device"/>, handed to <paramref name="engine"/>; disposed if either step fails.</summary>
        private protected static TEngine Build<TEngine>(Func<TNetwork> network, ComputeDevice device, Func<TNetwork, Device, TEngine> engine)
        {
            TorchNative.EnsureLoaded();
            var built = network();
            try
            {
                built.to(device.Device);
                return engine(built, device.Device);
            }
            catch
            {
                built.Dispose();
                throw;
            }
        }

        /// <summary>
        /// A network rebuilt from its stored configuration and weights on the CPU, handed to <paramref name="engine"/>.
        /// </summary>
        /// <param name="network">Builds the network from the stored configuration (ArgumentException: the configuration is invalid).</param>
        /// <param name="weights">The stored weights.</param>
        /// <param name="what">The model in words for the errors, e.g. "tagging model".</param>
        /// <param name="engine">Makes the engine.</param>
        /// <exception cref="InvalidDataException">The configuration is invalid or the weights do not match it.</exception>
        private protected static TEngine Restore<TEngine>(Func<TNetwork> network, Stream weights, string what, Func<TNetwork, Device, TEngine> engine)
        {
            TorchNative.EnsureLoaded();
            TNetwork built;
            try
            {
                built = network();
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"The stored {what}'s configuration is invalid: {e.Message}", e);
            }
            try
            {
                built.load(weights);
                built.eval();
                return engine(built, torch.CPU);
            }
            catch (Exception e)
            {
                built.Dispose();
                throw new InvalidDataException($"The stored {what}'s weights do not match its configuration: {e.Message}", e);
            }
        }
    }
}
