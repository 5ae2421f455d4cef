using System;
using System.IO;
using System.Collections.Generic;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

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

    /// <summary>
    /// Writes one part's entries under its own folder of the model zip, recording each entry's SHA-256 so that
    /// loading detects damage.
    /// </summary>
    internal sealed class ModelPartWriter
    {
        private readonly ZipArchive _zip;
        private readonly string _prefix;
        private readonly IDictionary<string, string> _sha256;

        public ModelPartWriter(ZipArchive zip, string prefix, IDictionary<string, string> sha256)
        {
            _zip = zip;
            _prefix = prefix.EndsWith('/') ? prefix : prefix + "/";
            _sha256 = sha256;
        }

        public void WriteJson<T>(string name, T value) =>
            WriteBytes(name, JsonSerializer.SerializeToUtf8Bytes(value, PartJson.Options));

        public void WriteBytes(string name, ReadOnlySpan<byte> bytes) => AddEntry(_zip, _prefix + name, bytes, _sha256);

        /// <summary>Writes an entry whose content is produced by <paramref name="write"/>.</summary>
        public void Write(string name, Action<Stream> write)
        {
            var buffer = new MemoryStream();
            write(buffer); // the writer may close the stream (TorchSharp's Module.save does); ToArray works on a closed MemoryStream
            WriteBytes(name, buffer.ToArray());
        }

        /// <summary>A writer for a sub-folder of this part (a part that stores another, e.g. a forecaster's network).</summary>
        public ModelPartWriter Sub(string folder) => new(_zip, _prefix + folder, _sha256);

        /// <summary>Adds one entry to a zip and records its hash.</summary>
        public static void AddEntry(ZipArchive zip, string fullName, ReadOnlySpan<byte> bytes, IDictionary<string, string> sha256)
        {
            sha256[fullName] = Convert.ToHexString(SHA256.HashData(bytes));
            using var s = zip.CreateEntry(fullName, CompressionLevel.Fastest).Open();
            s.Write(bytes);
        }
    }

    /// <summary>Reads one part's entries; every failure names the entry and says the file is damaged.</summary>
    internal sealed class ModelPartReader
    {
        private readonly ZipArchive _zip;
        private readonly string _prefix;

        public ModelPartReader(ZipArchive zip, string prefix, int partVersion)
        {
            _zip = zip;
            _prefix = prefix.EndsWith('/') ? prefix : prefix + "/";
            PartVersion = partVersion;
        }

        /// <summary>The part version found in the manifest.</summary>
        public int PartVersion { get; }

        public bool Has(string name) => _zip.GetEntry(_prefix + name) != null;

        /// <summary>A reader for a sub-folder of this part, with that sub-part's own version.</summary>
        public ModelPartReader Sub(string folder, int partVersion) => new(_zip, _prefix + folder, partVersion);

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
