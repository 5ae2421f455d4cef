using System;
using System.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers
{
    /// <summary>Writing a network's weights from whichever device it lives on.</summary>
    internal static class ModuleFiles
    {
        /// <summary>
        /// Writes <paramref name="network"/>'s weights. A network off the CPU is copied into a fresh CPU network
        /// (<paramref name="blank"/>) for the write, so scoring on other threads goes on undisturbed.
        /// </summary>
        public static void Save<T>(T network, bool onCpu, Func<T> blank, Stream destination) where T : nn.Module
        {
            if (onCpu)
            {
                network.save(destination);
                return;
            }
            using var copy = blank();
            using (torch.no_grad())
            {
                var target = copy.state_dict();
                foreach (var (name, t) in network.state_dict())
                {
                    using var cpu = t.cpu();
                    target[name].copy_(cpu);
                }
            }
            copy.save(destination);
        }
    }
}
