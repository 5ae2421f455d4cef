using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Transforms;
using MLNet.Sequence.Transforms.Persistence;

namespace MLNet.Sequence.Persistence
{
    /// <summary>
    /// The model file: one zip holding a whole transformer chain in order. Runs of ML.NET's own transformers are
    /// saved by <c>mlContext.Model.Save</c> as nested entries; this library's transformers are saved in their own
    /// folders (JSON config, learned state, weights). A manifest lists the parts, the format version and a SHA-256
    /// of every entry, so a damaged file is detected on load.
    /// </summary>
    internal static class SequenceModelFile
    {
        public const string FormatName = "MLNet.Sequence.Model";
        public const int FormatVersion = 1;
        private const string ManifestEntry = "manifest.json";
        private const string SchemaEntry = "input-schema.mlnet.zip";

        /// <summary>Loaders of this library's part kinds.</summary>
        private static readonly Dictionary<string, Func<ModelPartReader, ITransformer>> Loaders = new(StringComparer.Ordinal)
        {
            ["TokenEncoding"] = TokenEncodingTransformer.Load,
            ["PadSequences"] = PadSequencesTransformer.Load,
            ["OneHotSequence"] = OneHotSequenceTransformer.Load,
            ["TimeSeriesWindows"] = TimeSeriesWindowTransformer.Load,
            ["WindowScaling"] = WindowScalingTransformer.Load,
            ["SeriesScaling"] = SeriesScalingTransformer.Load,
            ["InverseScaling"] = InverseScalingTransformer.Load,
            ["SequenceModel"] = SequencePredictionTransformer.Load,
            ["SequenceEnsemble"] = SequenceEnsembleTransformer.Load,
            ["TimeFeatures"] = TimeFeaturesTransformer.Load,
            ["SequenceForecaster"] = MLNet.Sequence.Forecasting.SequenceForecastTransformer.Load,
            ["DeepAR"] = MLNet.Sequence.Forecasting.DeepArForecastTransformer.Load,
            ["Forecaster"] = ForecasterPart.Load,
            ["AnomalyDetector"] = MLNet.Sequence.Anomaly.SequenceAnomalyTransformer.Load,
            ["SequenceTagger"] = SequenceTaggingTransformer.Load,
            ["SequenceToSequence"] = SequenceToSequenceTransformer.Load,
            ["NextElement"] = NextElementTransformer.Load,
            ["LoadAudio"] = MLNet.Sequence.Transforms.Audio.LoadAudioTransformer.Load,
            ["AudioFeatures"] = MLNet.Sequence.Transforms.Audio.AudioFeaturesTransformer.Load,
        };

        /// <summary>Registers the loader of a part kind defined outside this file (trainers' transformers).</summary>
        internal static void Register(string kind, Func<ModelPartReader, ITransformer> loader)
        {
            lock (Loaders)
                Loaders[kind] = loader;
        }

        /// <summary>Loads one part of a known kind (a stored forecaster's nested networks).</summary>
        internal static ITransformer LoadPart(string kind, ModelPartReader reader)
        {
            Func<ModelPartReader, ITransformer>? loader;
            lock (Loaders)
                Loaders.TryGetValue(kind, out loader);
            if (loader == null)
                throw new InvalidDataException($"A part of kind '{kind}' is not one this MLNet.Sequence knows; it may come from a newer version.");
            return loader(reader);
        }

        /// <summary>The manifest; an unknown field (a damaged name, say) is an error rather than ignored.</summary>
        [System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
        internal sealed class Manifest
        {
            public string Format { get; set; } = "";
            public int FormatVersion { get; set; }
            public string Library { get; set; } = "";
            public DateTime SavedUtc { get; set; }
            public List<PartEntry> Parts { get; set; } = new();
            public Dictionary<string, string> Sha256 { get; set; } = new();

            /// <summary>
            /// SHA-256 of the manifest's own content (see <see cref="ContentChecksum"/>), so damage to the manifest is
            /// detected like damage to any entry. Absent in files written before 2026-12-03, which load without it.
            /// </summary>
            public string? Checksum { get; set; }
        }

        [System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
        internal sealed class PartEntry
        {
            public string Kind { get; set; } = "";
            public int Version { get; set; }
            /// <summary>For "MLNet": the nested zip entry; otherwise the part's folder.</summary>
            public string Location { get; set; } = "";
            public int TransformerCount { get; set; }
        }

        /// <summary>The transformers of a model in order, nested chains flattened.</summary>
        internal static List<ITransformer> Flatten(ITransformer model)
        {
            var list = new List<ITransformer>();
            void Add(ITransformer t)
            {
                if (t is IEnumerable<ITransformer> chain && t is not ISequencePersistable)
                {
                    foreach (var inner in chain)
                        Add(inner);
                }
                else
                    list.Add(t);
            }
            Add(model);
            return list;
        }

        public static void Save(ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, Stream destination)
        {
            var transformers = Flatten(model);
            var manifest = new Manifest
            {
                Format = FormatName,
                FormatVersion = FormatVersion,
                Library = typeof(SequenceModelFile).Assembly.GetName().Version?.ToString() ?? "",
                SavedUtc = DateTime.UtcNow,
            };
            using (var zip = new ZipArchive(destination, ZipArchiveMode.Create, leaveOpen: true))
            {
                WriteEntry(zip, manifest, SchemaEntry, s => catalog.Save(new TransformerChain<ITransformer>(), inputSchema, s));
                var schema = inputSchema;
                int i = 0;
                while (i < transformers.Count)
                {
                    int index = manifest.Parts.Count;
                    if (transformers[i] is ISequencePersistable own)
                    {
                        var folder = $"parts/{index:D3}-{own.PartKind}/";
                        var writer = new ModelPartWriter(zip, folder, manifest.Sha256);
                        own.SavePart(writer);
                        manifest.Parts.Add(new PartEntry { Kind = own.PartKind, Version = own.PartVersion, Location = folder, TransformerCount = 1 });
                        schema = transformers[i].GetOutputSchema(schema);
                        i++;
                        continue;
                    }
                    // A run of ML.NET transformers: one nested ML.NET model with the run's input schema.
                    var run = new List<ITransformer>();
                    while (i < transformers.Count && transformers[i] is not ISequencePersistable)
                        run.Add(transformers[i++]);
                    var chain = new TransformerChain<ITransformer>(run.ToArray());
                    var entry = $"parts/{index:D3}-mlnet.zip";
                    var runSchema = schema;
                    WriteEntry(zip, manifest, entry, s => catalog.Save(chain, runSchema, s));
                    manifest.Parts.Add(new PartEntry { Kind = "MLNet", Version = 1, Location = entry, TransformerCount = run.Count });
                    schema = chain.GetOutputSchema(schema);
                }
                manifest.Checksum = ContentChecksum(manifest);
                var manifestEntry = zip.CreateEntry(ManifestEntry, CompressionLevel.Fastest);
                using var ms = manifestEntry.Open();
                JsonSerializer.Serialize(ms, manifest, PartJson.Options);
            }
        }

        private static void WriteEntry(ZipArchive zip, Manifest manifest, string name, Action<Stream> write)
        {
            var buffer = new MemoryStream();
            write(buffer);
            ModelPartWriter.AddEntry(zip, name, buffer.ToArray(), manifest.Sha256);
        }

        public static ITransformer Load(ModelOperationsCatalog catalog, Stream source, string description, out DataViewSchema inputSchema)
        {
            ZipArchive zip;
            try
            {
                zip = new ZipArchive(source, ZipArchiveMode.Read, leaveOpen: true);
            }
            catch (InvalidDataException e)
            {
                throw Damaged(description, "it is not a zip archive, or it is truncated", e);
            }
            using (zip)
            {
                try
                {
                    var manifest = ReadAndCheckManifest(zip, description);
                    VerifyHashes(zip, manifest, description);
                    LoadNested(catalog, zip, SchemaEntry, out var schema);
                    inputSchema = schema ?? throw new InvalidDataException($"entry '{SchemaEntry}' holds no input schema");
                    var transformers = new List<ITransformer>();
                    try
                    {
                        foreach (var part in manifest.Parts)
                        {
                            if (part.Kind == "MLNet")
                            {
                                var loaded = LoadNested(catalog, zip, part.Location, out _);
                                transformers.AddRange(Flatten(loaded));
                                continue;
                            }
                            Func<ModelPartReader, ITransformer>? loader;
                            lock (Loaders)
                                Loaders.TryGetValue(part.Kind, out loader);
                            if (loader == null)
                                throw new InvalidDataException(
                                    $"{description} holds a part of kind '{part.Kind}', which this MLNet.Sequence does not know; it may come from a newer version.");
                            transformers.Add(loader(new ModelPartReader(zip, part.Location, part.Version)));
                        }
                    }
                    catch
                    {
                        // A later part failed: free what the earlier parts loaded (networks hold native memory).
                        foreach (var t in transformers)
                            (t as IDisposable)?.Dispose();
                        throw;
                    }
                    return new TransformerChain<ITransformer>(transformers.ToArray());
                }
                catch (InvalidDataException e) when (!e.Message.StartsWith(description, StringComparison.Ordinal))
                {
                    // Includes damage that System.IO.Compression finds itself (a corrupt central directory or local header),
                    // whose message does not name the file.
                    throw Damaged(description, e.Message, e);
                }
                catch (Exception e) when (e is JsonException or IOException or FormatException or InvalidOperationException or ArgumentException or NullReferenceException)
                {
                    throw Damaged(description, e.Message, e);
                }
            }
        }

        /// <summary>Reads the manifest and checks it: format, version, its own checksum, complete parts, every entry in a part.</summary>
        private static Manifest ReadAndCheckManifest(ZipArchive zip, string description)
        {
            var manifestEntry = zip.GetEntry(ManifestEntry);
            if (manifestEntry == null)
            {
                bool looksMlNet = zip.GetEntry("Model/") != null || zip.Entries.Any(e => e.FullName.StartsWith("TransformerChain", StringComparison.Ordinal) || e.FullName.StartsWith("Schema", StringComparison.Ordinal));
                throw new InvalidDataException($"{description} is not an MLNet.Sequence model: it has no {ManifestEntry}." +
                    (looksMlNet ? " It looks like a plain ML.NET model; load it with mlContext.Model.Load." : ""));
            }
            Manifest manifest;
            try
            {
                manifest = ReadManifest(manifestEntry);
            }
            catch (Exception e) when (e is JsonException or InvalidDataException or IOException)
            {
                throw Damaged(description, $"its {ManifestEntry} cannot be read ({e.Message})", e);
            }
            if (manifest.Format != FormatName)
                throw new InvalidDataException($"{description} is not an MLNet.Sequence model: its manifest names format '{manifest.Format}'.");
            if (manifest.FormatVersion > FormatVersion || manifest.FormatVersion < 1)
                throw new InvalidDataException(
                    $"{description} was saved in MLNet.Sequence model format version {manifest.FormatVersion} (library {manifest.Library}); this MLNet.Sequence reads versions 1 to {FormatVersion}. Update MLNet.Sequence to load it.");
            if (manifest.Parts == null)
                throw Damaged(description, $"its {ManifestEntry} has no list of parts", null);
            if (manifest.Sha256 == null || manifest.Sha256.Values.Any(v => v == null))
                throw Damaged(description, $"its {ManifestEntry} has no checksums, or an empty one", null);
            for (int i = 0; i < manifest.Parts.Count; i++)
            {
                var p = manifest.Parts[i];
                if (p == null || string.IsNullOrEmpty(p.Kind) || string.IsNullOrEmpty(p.Location) || p.Version < 1 || p.TransformerCount < 1)
                    throw Damaged(description, $"part {i + 1} of its {ManifestEntry} is incomplete (kind, location, version or transformer count)", null);
            }
            if (manifest.Checksum != null && !string.Equals(manifest.Checksum, ContentChecksum(manifest), StringComparison.OrdinalIgnoreCase))
                throw Damaged(description, $"its {ManifestEntry} does not match its own checksum", null);
            foreach (var e in zip.Entries)
            {
                string name = e.FullName;
                if (name == ManifestEntry || name == SchemaEntry || name.EndsWith('/'))
                    continue;
                bool inPart = manifest.Parts.Any(p => p.Kind == "MLNet" ? name == p.Location : name.StartsWith(p.Location, StringComparison.Ordinal));
                if (!inPart)
                    throw Damaged(description, $"entry '{name}' belongs to none of the parts its {ManifestEntry} lists", null);
            }
            return manifest;
        }

        /// <summary>
        /// SHA-256 over the manifest's content in a fixed text form (format, version, library, time, every part, every
        /// entry hash in ordinal order): independent of JSON formatting, so it can live inside the manifest it checks.
        /// </summary>
        internal static string ContentChecksum(Manifest m)
        {
            var text = new System.Text.StringBuilder();
            text.Append(m.Format).Append('\n').Append(m.FormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n')
                .Append(m.Library).Append('\n').Append(m.SavedUtc.ToUniversalTime().Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
            foreach (var p in m.Parts)
                text.Append("part|").Append(p.Kind).Append('|').Append(p.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('|')
                    .Append(p.Location).Append('|').Append(p.TransformerCount.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
            foreach (var kv in m.Sha256.OrderBy(k => k.Key, StringComparer.Ordinal))
                text.Append("entry|").Append(kv.Key).Append('|').Append(kv.Value.ToUpperInvariant()).Append('\n');
            return Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString())));
        }

        private static Manifest ReadManifest(ZipArchiveEntry entry)
        {
            using var s = entry.Open();
            return JsonSerializer.Deserialize<Manifest>(s, PartJson.Options) ?? throw new InvalidDataException("the manifest is empty");
        }

        private static void VerifyHashes(ZipArchive zip, Manifest manifest, string description)
        {
            foreach (var e in zip.Entries)
            {
                if (e.FullName == ManifestEntry || e.FullName.EndsWith('/'))
                    continue;
                if (!manifest.Sha256.TryGetValue(e.FullName, out var expected))
                    throw Damaged(description, $"entry '{e.FullName}' is not listed in the manifest", null);
                using var s = e.Open();
                var actual = Convert.ToHexString(SHA256.HashData(s));
                if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
                    throw Damaged(description, $"entry '{e.FullName}' does not match its checksum", null);
            }
            foreach (var name in manifest.Sha256.Keys)
                if (zip.GetEntry(name) == null)
                    throw Damaged(description, $"entry '{name}' is missing", null);
        }

        private static ITransformer LoadNested(ModelOperationsCatalog catalog, ZipArchive zip, string entry, out DataViewSchema? schema)
        {
            var e = zip.GetEntry(entry) ?? throw new InvalidDataException($"entry '{entry}' is missing");
            using var buffer = new MemoryStream();
            using (var s = e.Open())
                s.CopyTo(buffer);
            buffer.Position = 0;
            var model = catalog.Load(buffer, out schema);
            return model;
        }

        private static InvalidDataException Damaged(string description, string reason, Exception? inner) =>
            new($"{description} is not a usable MLNet.Sequence model: {reason}. The file is damaged, truncated or was not written by MLNet.Sequence's SaveSequenceModel.", inner);
    }
}
