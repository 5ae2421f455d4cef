using System;
using System.IO;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML;

namespace MLNet.Sequence.Transforms.Persistence
{
    /// <summary>A transformer that MLNet.Sequence's model file can store: a kind, a format version and its entries.</summary>
    internal interface ISequencePersistable
    {
        /// <summary>The kind written to the manifest, e.g. "PadSequences"; the loader is looked up by it.</summary>
        string PartKind { get; }

        /// <summary>The version of this part's own format.</summary>
        int PartVersion { get; }

        /// <summary>Writes the part's entries (config, learned state, weights).</summary>
        void SavePart(ModelPartWriter writer);
    }

    /// <summary>JSON settings shared by every part.</summary>
    internal static class PartJson
    {
        public static readonly JsonSerializerOptions Options = new()
        {
            WriteIndented = true,
            IncludeFields = false,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            Converters = { new JsonStringEnumConverter() },
        };
    }

    /// <summary>Writes one part's entries under its own folder of the model zip.</summary>
    internal sealed class ModelPartWriter
    {
        private readonly ZipArchive _zip;
        private readonly string _prefix;

        public ModelPartWriter(ZipArchive zip, string prefix)
        {
            _zip = zip;
            _prefix = prefix.EndsWith('/') ? prefix : prefix + "/";
        }

        public void WriteJson<T>(string name, T value)
        {
            using var s = Open(name);
            JsonSerializer.Serialize(s, value, PartJson.Options);
        }

        public void WriteBytes(string name, ReadOnlySpan<byte> bytes)
        {
            using var s = Open(name);
            s.Write(bytes);
        }

        public Stream Open(string name) => _zip.CreateEntry(_prefix + name, CompressionLevel.Fastest).Open();
    }

    /// <summary>Reads one part's entries; every failure names the entry and says the file is damaged.</summary>
    internal sealed class ModelPartReader
    {
        private readonly ZipArchive _zip;
        private readonly string _prefix;

        public ModelPartReader(ZipArchive zip, string prefix, MLContext context, int partVersion)
        {
            _zip = zip;
            _prefix = prefix.EndsWith('/') ? prefix : prefix + "/";
            Context = context;
            PartVersion = partVersion;
        }

        public MLContext Context { get; }

        /// <summary>The part version found in the manifest.</summary>
        public int PartVersion { get; }

        public bool Has(string name) => _zip.GetEntry(_prefix + name) != null;

        public T ReadJson<T>(string name)
        {
            using var s = Open(name);
            try
            {
                return JsonSerializer.Deserialize<T>(s, PartJson.Options)
                    ?? throw new InvalidDataException($"Model entry '{_prefix + name}' is empty.");
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"Model entry '{_prefix + name}' is not valid JSON for {typeof(T).Name}: {e.Message}", e);
            }
        }

        public byte[] ReadBytes(string name)
        {
            using var s = Open(name);
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            return ms.ToArray();
        }

        public Stream Open(string name)
        {
            var e = _zip.GetEntry(_prefix + name)
                ?? throw new InvalidDataException($"The model file lacks entry '{_prefix + name}'; it is damaged or was not written by MLNet.Sequence.");
            return e.Open();
        }

        /// <summary>Throws when this part's version is newer than the code reading it.</summary>
        public void RequireVersion(string kind, int maxSupported)
        {
            if (PartVersion > maxSupported || PartVersion < 1)
                throw new InvalidDataException(
                    $"The model stores {kind} in format version {PartVersion}; this MLNet.Sequence reads versions 1 to {maxSupported}. Update MLNet.Sequence to load it.");
        }
    }
}
