using System;
using MLNet.Sequence.Trainers.Native;
using TorchSharp;

namespace MLNet.Sequence.Trainers
{
    /// <summary>Where a network runs: the CPU or one CUDA device. Resolved once, at Fit or load.</summary>
    internal sealed class ComputeDevice
    {
        private ComputeDevice(torch.Device device) => Device = device;

        /// <summary>The CPU.</summary>
        public static ComputeDevice Cpu { get; } = new(torch.CPU);

        internal torch.Device Device { get; }

        /// <summary>True for the CPU.</summary>
        public bool IsCpu => Device.type == DeviceType.CPU;

        /// <inheritdoc />
        public override string ToString() => Device.ToString();

        /// <summary>
        /// The device for ML.NET's GPU settings: the CPU unless <paramref name="gpuDeviceId"/> is set; a GPU without a
        /// CUDA backend is an error unless <paramref name="fallbackToCpu"/>, which then warns and takes the CPU.
        /// </summary>
        public static ComputeDevice Resolve(int? gpuDeviceId, bool fallbackToCpu, Action<string> warn)
        {
            TorchNative.EnsureLoaded();
            if (gpuDeviceId is not int id)
                return Cpu;
            if (torch.cuda.is_available() && id < torch.cuda.device_count())
                return new ComputeDevice(new torch.Device(DeviceType.CUDA, id));
            var why = torch.cuda.is_available()
                ? $"this machine has {torch.cuda.device_count()} CUDA device(s), so device {id} does not exist"
                : "TorchSharp has no CUDA backend here: the application references a CPU libtorch package (TorchSharp-cpu or libtorch-cpu-*) or the machine has no CUDA driver";
            if (fallbackToCpu)
            {
                warn($"MLContext.GpuDeviceId is {id} but {why}; using the CPU because MLContext.FallbackToCpu is true.");
                return Cpu;
            }
            throw new InvalidOperationException(
                $"MLContext.GpuDeviceId is {id} but {why}. Reference a CUDA build of TorchSharp (e.g. TorchSharp-cuda-linux) in the application, or set MLContext.FallbackToCpu = true to use the CPU.");
        }
    }

    /// <summary>Process-wide libtorch settings the trainers use: seeding (threads: <see cref="ThreadCount"/>).</summary>
    internal static class EngineRuntime
    {
        /// <summary>Seeds libtorch's generator (weights initialisation, dropout).</summary>
        public static void Seed(int seed)
        {
            TorchNative.EnsureLoaded();
            torch.manual_seed(seed);
        }
    }
}
