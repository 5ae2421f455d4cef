using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using MLNet.Sequence.Trainers.Network;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers
{
    /// <summary>Where a training run stands between epochs: what a checkpoint holds besides tensors.</summary>
    internal sealed class TrainingState
    {
        /// <summary>Epochs finished.</summary>
        public int Epoch;
        public int BestEpoch;
        public double BestLoss = double.PositiveInfinity;
        public int SinceBest;
        /// <summary>The learning rate in force (the plateau schedule changes it between epochs).</summary>
        public double LearningRate;
        public double PlateauBest = double.PositiveInfinity;
        public int PlateauWait;
        public double ElapsedSeconds;
        public List<EpochReport> Reports = new();
    }

    /// <summary>
    /// A resumable training checkpoint: one zip written atomically (temporary file, then rename) between epochs, holding
    /// the weights, the optimizer's state, the random generator's state, the best weights so far and the loop's counters,
    /// with the fingerprint of the training it belongs to. A Fit with the same fingerprint resumes from it; another is
    /// refused, so two trainings are never mixed.
    /// </summary>
    internal static class Checkpoint
    {
        private const int FormatVersion = 1;

        private sealed class Meta
        {
            [JsonPropertyName("FormatVersion")] public int FormatVersion { get; set; }
            [JsonPropertyName("Fingerprint")] public string Fingerprint { get; set; } = "";
            [JsonPropertyName("Epoch")] public int Epoch { get; set; }
            [JsonPropertyName("BestEpoch")] public int BestEpoch { get; set; }
            [JsonPropertyName("BestLoss")] public double BestLoss { get; set; }
            [JsonPropertyName("SinceBest")] public int SinceBest { get; set; }
            [JsonPropertyName("LearningRate")] public double LearningRate { get; set; }
            [JsonPropertyName("PlateauBest")] public double PlateauBest { get; set; }
            [JsonPropertyName("PlateauWait")] public int PlateauWait { get; set; }
            [JsonPropertyName("ElapsedSeconds")] public double ElapsedSeconds { get; set; }
            [JsonPropertyName("HasBest")] public bool HasBest { get; set; }
            [JsonPropertyName("History")] public List<EpochV1> History { get; set; } = new();
        }

        private static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

        public static void Save(string path, string fingerprint, TrainingState st, nn.Module network, OptimizerHelper optimizer, Dictionary<string, Tensor>? best)
        {
            var meta = new Meta
            {
                FormatVersion = FormatVersion, Fingerprint = fingerprint, Epoch = st.Epoch, BestEpoch = st.BestEpoch, BestLoss = st.BestLoss,
                SinceBest = st.SinceBest, LearningRate = st.LearningRate, PlateauBest = st.PlateauBest, PlateauWait = st.PlateauWait,
                ElapsedSeconds = st.ElapsedSeconds, HasBest = best != null,
                History = st.Reports.Select(EpochV1.From).ToList(),
            };
            AtomicFile.Write(path, stream =>
            {
                using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
                Entry(zip, "checkpoint.json", s => JsonSerializer.Serialize(s, meta, Json));
                Entry(zip, "weights.bin", s => WriteTensors(s, network, (_, t) => t));
                Entry(zip, "optimizer.bin", s =>
                {
                    using var w = new BinaryWriter(s, System.Text.Encoding.UTF8, leaveOpen: true);
                    optimizer.save_state_dict(w);
                });
                Entry(zip, "rng.bin", s =>
                {
                    using var rng = torch.get_rng_state();
                    s.Write(rng.bytes);
                });
                if (best != null)
                    Entry(zip, "best.bin", s => WriteTensors(s, network, (name, _) => best[name]));
            });
        }

        /// <summary>
        /// Restores <paramref name="st"/>, the weights, the optimizer, the generator and the best weights from the checkpoint
        /// at <paramref name="path"/>; false when there is none.
        /// </summary>
        public static bool TryLoad(string path, string fingerprint, TrainingState st, nn.Module network, OptimizerHelper optimizer, ref Dictionary<string, Tensor>? best)
        {
            if (!File.Exists(path))
                return false;
            try
            {
                using var zip = ZipFile.OpenRead(path);
                Meta meta;
                using (var s = Open(zip, "checkpoint.json"))
                    meta = JsonSerializer.Deserialize<Meta>(s, Json) ?? throw new InvalidDataException("its checkpoint.json is empty");
                if (meta.FormatVersion != FormatVersion)
                    throw new InvalidDataException($"it is in checkpoint format {meta.FormatVersion}; this MLNet.Sequence writes and reads {FormatVersion}");
                if (meta.Fingerprint != fingerprint)
                    throw new InvalidOperationException(
                        $"Checkpoint '{path}' (option CheckpointPath) belongs to a training with other options, data, network or seed. " +
                        "Fit resumes only the training that wrote it (fix Seed, or seed the MLContext, so that a rerun is the same training): delete the file to start over, or choose another CheckpointPath.");
                using (var s = Open(zip, "weights.bin"))
                    ReadTensors(s, network, (_, t) => t);
                using (var s = Open(zip, "optimizer.bin"))
                using (var r = new BinaryReader(s))
                    optimizer.load_state_dict(r);
                using (var s = Open(zip, "rng.bin"))
                using (var ms = new MemoryStream())
                {
                    s.CopyTo(ms);
                    using var rng = torch.tensor(ms.ToArray(), dtype: ScalarType.Byte);
                    torch.set_rng_state(rng);
                }
                if (meta.HasBest)
                {
                    var snapshot = best ?? new Dictionary<string, Tensor>();
                    foreach (var (name, t) in network.state_dict())
                        if (!snapshot.ContainsKey(name))
                            snapshot[name] = torch.zeros_like(t).DetachFromDisposeScope();
                    best = snapshot;
                    using var s = Open(zip, "best.bin");
                    ReadTensors(s, network, (name, _) => snapshot[name]);
                }
                st.Epoch = meta.Epoch;
                st.BestEpoch = meta.BestEpoch;
                st.BestLoss = meta.BestLoss;
                st.SinceBest = meta.SinceBest;
                st.LearningRate = meta.LearningRate;
                st.PlateauBest = meta.PlateauBest;
                st.PlateauWait = meta.PlateauWait;
                st.ElapsedSeconds = meta.ElapsedSeconds;
                st.Reports = meta.History.Select(e => e.ToReport()).ToList();
                return true;
            }
            catch (Exception e) when (e is InvalidDataException or JsonException or IOException or ArgumentException or EndOfStreamException)
            {
                throw new InvalidDataException(
                    $"Checkpoint '{path}' (option CheckpointPath) cannot be resumed: {e.Message}. It is damaged or was not written by this MLNet.Sequence; delete it to start over.", e);
            }
        }

        private static void Entry(ZipArchive zip, string name, Action<Stream> write)
        {
            using var s = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
            write(s);
        }

        private static Stream Open(ZipArchive zip, string name) =>
            (zip.GetEntry(name) ?? throw new InvalidDataException($"it has no entry '{name}'")).Open();

        /// <summary>Each state tensor's raw bytes, in the network's state order (device-independent: copied through the CPU).</summary>
        private static void WriteTensors(Stream s, nn.Module network, Func<string, Tensor, Tensor> pick)
        {
            using var scope = torch.NewDisposeScope();
            using var w = new BinaryWriter(s, System.Text.Encoding.UTF8, leaveOpen: true);
            var state = network.state_dict();
            w.Write(state.Count);
            foreach (var (name, t) in state)
            {
                var src = pick(name, t);
                var cpu = (src.device_type == DeviceType.CPU ? src : src.cpu()).contiguous();
                var bytes = cpu.bytes;
                w.Write(name);
                w.Write(bytes.Length);
                w.Write(bytes);
            }
        }

        private static void ReadTensors(Stream s, nn.Module network, Func<string, Tensor, Tensor> target)
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            using var r = new BinaryReader(s);
            var state = network.state_dict();
            int count = r.ReadInt32();
            if (count != state.Count)
                throw new InvalidDataException($"it holds {count} tensors where the network has {state.Count}");
            foreach (var (name, t) in state)
            {
                var stored = r.ReadString();
                int length = r.ReadInt32();
                if (stored != name)
                    throw new InvalidDataException($"it holds tensor '{stored}' where the network has '{name}'");
                var dst = target(name, t);
                var cpu = torch.empty(dst.shape, dst.dtype);
                if (cpu.bytes.Length != length)
                    throw new InvalidDataException($"tensor '{name}' holds {length} bytes where the network needs {cpu.bytes.Length}");
                var bytes = r.ReadBytes(length);
                if (bytes.Length != length)
                    throw new EndOfStreamException($"tensor '{name}' is cut short");
                bytes.CopyTo(cpu.bytes);
                dst.copy_(cpu);
            }
        }
    }
}
