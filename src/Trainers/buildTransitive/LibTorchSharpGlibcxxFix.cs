// This one file is compiled twice:
//  * into MLNet.Sequence.Trainers (with MLNET_SEQUENCE_LIBRARY defined), where the ELF reader gives
//    the runtime a precise diagnosis when libLibTorchSharp.so fails to load, and where tests reach it;
//  * by MSBuild's RoslynCodeTaskFactory from MLNet.Sequence.Trainers.targets, where the task below
//    patches the copy of libLibTorchSharp.so in an application's output or publish folder.
//
// Why: TorchSharp 0.107's libLibTorchSharp.so (linux-x64) lists a need for GLIBCXX_3.4.32 (GCC 13's
// libstdc++), while Debian 12 and Ubuntu 22.04 ship libstdc++ up to GLIBCXX_3.4.30. The only symbol
// that carries that version is `_ZSt21ios_base_library_initv`, an anchor that GCC 13's <iostream>
// emits and that no relocation uses. Marking that one version-need entry (Elf64_Vernaux in
// .gnu.version_r) weak (VER_FLG_WEAK) makes the dynamic loader accept the library when the version
// is absent. The fix is applied only to symbols known to be such anchors, so a library that really
// needs newer libstdc++ code is never patched into a crash.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

#if MLNET_SEQUENCE_LIBRARY
namespace MLNet.Sequence.Trainers.Native
{
#endif

    /// <summary>One version a shared library needs from another (an Elf64_Vernaux entry).</summary>
    internal sealed class ElfVersionNeed
    {
        public ElfVersionNeed(string file, string version, ushort flags, ushort index, long flagsOffset, IReadOnlyList<string> symbols)
        {
            File = file;
            Version = version;
            Flags = flags;
            Index = index;
            FlagsOffset = flagsOffset;
            Symbols = symbols;
        }

        /// <summary>The library that must provide the version, e.g. libstdc++.so.6.</summary>
        public string File { get; }
        /// <summary>The version name, e.g. GLIBCXX_3.4.32.</summary>
        public string Version { get; }
        /// <summary>vna_flags; bit 0x2 is VER_FLG_WEAK.</summary>
        public ushort Flags { get; }
        /// <summary>vna_other: the version index that .gnu.version uses for this need.</summary>
        public ushort Index { get; }
        /// <summary>Byte offset of vna_flags in the file.</summary>
        public long FlagsOffset { get; }
        /// <summary>Dynamic symbols that are bound to this version.</summary>
        public IReadOnlyList<string> Symbols { get; }
        /// <summary>Whether the entry is already weak.</summary>
        public bool IsWeak => (Flags & GlibcxxVersionNeedFix.VerFlagWeak) != 0;
    }

    /// <summary>What <see cref="GlibcxxVersionNeedFix.Apply"/> did to a file.</summary>
    internal enum GlibcxxFixOutcome
    {
        /// <summary>Not an ELF64 little-endian shared library with version needs: untouched.</summary>
        NotApplicable,
        /// <summary>The library needs no version that is missing from the system: untouched.</summary>
        NothingMissing,
        /// <summary>The entries were already weak: untouched.</summary>
        AlreadyWeak,
        /// <summary>Entries were marked weak and the file was rewritten.</summary>
        Patched,
        /// <summary>A missing version is bound to symbols other than known anchors: untouched, cannot be fixed safely.</summary>
        Unsafe,
    }

    /// <summary>Reads and patches the GNU symbol-versioning sections of ELF64 little-endian shared libraries.</summary>
    internal static class GlibcxxVersionNeedFix
    {
        internal const ushort VerFlagWeak = 0x2;
        private const uint ShtDynsym = 11;
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const uint ShtGnuVerdef = 0x6ffffffd;
        private const uint ShtGnuVersym = 0x6fffffff;

        /// <summary>Symbols that only anchor a version (no code depends on them): safe to weaken.</summary>
        internal static readonly string[] AnchorSymbols = { "_ZSt21ios_base_library_initv" };

        /// <summary>The libstdc++ soname that the version needs name.</summary>
        internal const string LibStdCxx = "libstdc++.so.6";

        /// <summary>True when <paramref name="bytes"/> starts like an ELF64 little-endian file.</summary>
        public static bool IsElf64Le(byte[] bytes) =>
            bytes.Length > 64 && bytes[0] == 0x7f && bytes[1] == (byte)'E' && bytes[2] == (byte)'L' && bytes[3] == (byte)'F'
            && bytes[4] == 2 && bytes[5] == 1;

        /// <summary>Lists the version needs of an ELF64 little-endian file; empty when it has none.</summary>
        public static List<ElfVersionNeed> ReadVersionNeeds(byte[] b)
        {
            var result = new List<ElfVersionNeed>();
            if (!IsElf64Le(b))
                return result;
            var sections = ReadSections(b);
            Section? verneed = null, versym = null, dynsym = null;
            foreach (var s in sections)
            {
                if (s.Type == ShtGnuVerneed) verneed = s;
                else if (s.Type == ShtGnuVersym) versym = s;
                else if (s.Type == ShtDynsym) dynsym = s;
            }
            if (verneed == null || verneed.Link >= sections.Count)
                return result;
            var strtab = sections[(int)verneed.Link];

            // Symbols per version index, from .dynsym and .gnu.version (entries are parallel).
            var symbolsByIndex = new Dictionary<int, List<string>>();
            if (versym != null && dynsym != null && dynsym.Link < sections.Count)
            {
                var dynstr = sections[(int)dynsym.Link];
                long count = Math.Min(dynsym.Size / 24, versym.Size / 2);
                for (long i = 0; i < count; i++)
                {
                    int index = U16(b, versym.Offset + 2 * i) & 0x7fff;
                    if (index < 2) continue; // local or global, not a versioned need
                    uint nameOff = U32(b, dynsym.Offset + 24 * i);
                    if (!symbolsByIndex.TryGetValue(index, out var list))
                        symbolsByIndex[index] = list = new List<string>();
                    list.Add(Str(b, dynstr.Offset + nameOff));
                }
            }

            long entry = verneed.Offset;
            for (uint n = 0; n < verneed.Info && entry + 16 <= b.Length; n++)
            {
                ushort cnt = U16(b, entry + 2);
                string file = Str(b, strtab.Offset + U32(b, entry + 4));
                long aux = entry + U32(b, entry + 8);
                for (int a = 0; a < cnt && aux + 16 <= b.Length; a++)
                {
                    ushort flags = U16(b, aux + 4);
                    ushort other = U16(b, aux + 6);
                    string name = Str(b, strtab.Offset + U32(b, aux + 8));
                    symbolsByIndex.TryGetValue(other, out var syms);
                    result.Add(new ElfVersionNeed(file, name, flags, other, aux + 4, (IReadOnlyList<string>?)syms ?? Array.Empty<string>()));
                    uint next = U32(b, aux + 12);
                    if (next == 0) break;
                    aux += next;
                }
                uint vnNext = U32(b, entry + 12);
                if (vnNext == 0) break;
                entry += vnNext;
            }
            return result;
        }

        /// <summary>Lists the version names a library defines (.gnu.version_d), e.g. GLIBCXX_3.4.30.</summary>
        public static HashSet<string> ReadVersionDefinitions(byte[] b)
        {
            var result = new HashSet<string>(StringComparer.Ordinal);
            if (!IsElf64Le(b))
                return result;
            var sections = ReadSections(b);
            foreach (var s in sections)
            {
                if (s.Type != ShtGnuVerdef || s.Link >= sections.Count)
                    continue;
                var strtab = sections[(int)s.Link];
                long entry = s.Offset;
                for (uint n = 0; n < s.Info && entry + 20 <= b.Length; n++)
                {
                    long aux = entry + U32(b, entry + 12);
                    if (aux + 8 <= b.Length)
                        result.Add(Str(b, strtab.Offset + U32(b, aux)));
                    uint next = U32(b, entry + 16);
                    if (next == 0) break;
                    entry += next;
                }
            }
            return result;
        }

        /// <summary>
        /// The libstdc++.so.6 that the dynamic loader would most likely pick: LD_LIBRARY_PATH first, then the
        /// usual system directories. Null when none is found.
        /// </summary>
        public static string? FindSystemLibStdCxx()
        {
            var dirs = new List<string>();
            var ld = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
            if (!string.IsNullOrEmpty(ld))
                dirs.AddRange(ld!.Split(new[] { ':' }, StringSplitOptions.RemoveEmptyEntries));
            dirs.AddRange(new[]
            {
                "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
                "/lib64", "/usr/lib64", "/usr/local/lib64", "/usr/local/lib", "/lib", "/usr/lib",
            });
            foreach (var d in dirs)
            {
                var p = Path.Combine(d, LibStdCxx);
                if (File.Exists(p))
                    return p;
            }
            return null;
        }

        /// <summary>
        /// The libstdc++ version needs of <paramref name="library"/> that <paramref name="available"/> lacks.
        /// With <paramref name="available"/> null (deployment to an unknown, possibly older system), the needs
        /// whose symbols are all known anchors.
        /// </summary>
        public static List<ElfVersionNeed> MissingNeeds(byte[] library, ISet<string>? available)
        {
            var missing = new List<ElfVersionNeed>();
            foreach (var need in ReadVersionNeeds(library))
            {
                if (need.File != LibStdCxx)
                    continue;
                bool isMissing = available != null
                    ? !available.Contains(need.Version)
                    : need.Symbols.Count > 0 && AllAnchors(need.Symbols);
                if (isMissing)
                    missing.Add(need);
            }
            return missing;
        }

        private static bool AllAnchors(IReadOnlyList<string> symbols)
        {
            foreach (var s in symbols)
                if (Array.IndexOf(AnchorSymbols, s) < 0)
                    return false;
            return true;
        }

        /// <summary>
        /// Marks weak every libstdc++ version need of <paramref name="path"/> that <paramref name="available"/>
        /// lacks (see <see cref="MissingNeeds"/>), provided only anchor symbols are bound to it. The file is rewritten through a temporary file
        /// and a rename, so a hard link into a package cache is never modified in place. Idempotent.
        /// </summary>
        public static GlibcxxFixOutcome Apply(string path, ISet<string>? available, out string detail)
        {
            var bytes = File.ReadAllBytes(path);
            if (!IsElf64Le(bytes))
            {
                detail = "not an ELF64 little-endian file";
                return GlibcxxFixOutcome.NotApplicable;
            }
            var missing = MissingNeeds(bytes, available);
            if (missing.Count == 0)
            {
                detail = "every libstdc++ version it needs is available";
                return GlibcxxFixOutcome.NothingMissing;
            }
            var toPatch = new List<ElfVersionNeed>();
            foreach (var need in missing)
            {
                if (!AllAnchors(need.Symbols))
                {
                    detail = $"{need.Version} is bound to symbols ({string.Join(" ", need.Symbols)}) that are real code, not anchors; a newer libstdc++ is required";
                    return GlibcxxFixOutcome.Unsafe;
                }
                if (!need.IsWeak)
                    toPatch.Add(need);
            }
            if (toPatch.Count == 0)
            {
                detail = "already weak: " + Describe(missing);
                return GlibcxxFixOutcome.AlreadyWeak;
            }
            foreach (var need in toPatch)
            {
                ushort flags = (ushort)(need.Flags | VerFlagWeak);
                bytes[need.FlagsOffset] = (byte)(flags & 0xff);
                bytes[need.FlagsOffset + 1] = (byte)(flags >> 8);
            }
            var tmp = path + ".mlnetseq-" + Guid.NewGuid().ToString("N") + ".tmp";
            try
            {
                File.WriteAllBytes(tmp, bytes);
                // A rename, never an in-place write: the output copy may be a hard link into the package cache.
                File.Replace(tmp, path, null);
            }
            finally
            {
                if (File.Exists(tmp))
                    File.Delete(tmp);
            }
            detail = "marked weak: " + Describe(toPatch);
            return GlibcxxFixOutcome.Patched;
        }

        private static string Describe(List<ElfVersionNeed> needs)
        {
            var sb = new StringBuilder();
            foreach (var n in needs)
            {
                if (sb.Length > 0) sb.Append(", ");
                sb.Append(n.Version).Append(" (").Append(string.Join(" ", n.Symbols)).Append(')');
            }
            return sb.ToString();
        }

        private sealed class Section
        {
            public uint Type;
            public long Offset;
            public long Size;
            public uint Link;
            public uint Info;
        }

        private static List<Section> ReadSections(byte[] b)
        {
            var list = new List<Section>();
            long shoff = (long)U64(b, 40);
            int shentsize = U16(b, 58);
            int shnum = U16(b, 60);
            if (shoff <= 0 || shentsize < 64 || shoff + (long)shnum * shentsize > b.Length)
                return list;
            for (int i = 0; i < shnum; i++)
            {
                long h = shoff + (long)i * shentsize;
                var s = new Section
                {
                    Type = U32(b, h + 4),
                    Offset = (long)U64(b, h + 24),
                    Size = (long)U64(b, h + 32),
                    Link = U32(b, h + 40),
                    Info = U32(b, h + 44),
                };
                if (s.Offset < 0 || s.Offset > b.Length || s.Size < 0 || s.Offset + s.Size > b.Length)
                    s.Size = 0; // NOBITS or malformed: treat as empty
                list.Add(s);
            }
            return list;
        }

        private static ushort U16(byte[] b, long o) => o + 2 <= b.Length ? (ushort)(b[o] | (b[o + 1] << 8)) : (ushort)0;
        private static uint U32(byte[] b, long o) => o + 4 <= b.Length ? (uint)(b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) : 0u;
        private static ulong U64(byte[] b, long o) => o + 8 <= b.Length ? U32(b, o) | ((ulong)U32(b, o + 4) << 32) : 0ul;

        private static string Str(byte[] b, long o)
        {
            if (o < 0 || o >= b.Length) return string.Empty;
            long end = o;
            while (end < b.Length && b[end] != 0) end++;
            return Encoding.ASCII.GetString(b, (int)o, (int)(end - o));
        }
    }

#if MLNET_SEQUENCE_LIBRARY
}
#else
/// <summary>
/// MSBuild task: on Linux, makes the copies of libLibTorchSharp.so in an output or publish folder load on
/// systems whose libstdc++ predates GCC 13 (Debian 12, Ubuntu 22.04). Mode: auto (patch when this machine's
/// libstdc++ lacks a needed version), always (weaken every anchor-only need whatever this machine has, for
/// deployment to older systems), never.
/// </summary>
public sealed class MLNetSequencePatchLibTorchSharp : Microsoft.Build.Utilities.Task
{
    /// <summary>The libLibTorchSharp.so copies to check.</summary>
    [Microsoft.Build.Framework.Required]
    public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

    /// <summary>auto, always or never.</summary>
    public string Mode { get; set; } = "auto";

    /// <inheritdoc />
    public override bool Execute()
    {
        var mode = (Mode ?? "auto").Trim().ToLowerInvariant();
        if (mode == "never" || mode == "false")
            return true;
        if (mode != "auto" && mode != "always" && mode != "true")
        {
            Log.LogError($"MLNetSequencePatchLibTorchSharp: unknown value '{Mode}' for property MLNetSequencePatchLibTorchSharp; expected auto, always or never.");
            return false;
        }
        if (!System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Linux) && mode == "auto")
            return true;

        ISet<string>? available = null; // always: weaken every anchor-only libstdc++ need
        if (mode == "auto")
        {
            var lib = GlibcxxVersionNeedFix.FindSystemLibStdCxx();
            if (lib == null)
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, "MLNetSequencePatchLibTorchSharp: no system libstdc++.so.6 found; nothing to do.");
                return true;
            }
            available = GlibcxxVersionNeedFix.ReadVersionDefinitions(File.ReadAllBytes(lib));
        }

        foreach (var item in Files)
        {
            var path = item.ItemSpec;
            if (!File.Exists(path))
                continue;
            try
            {
                var outcome = GlibcxxVersionNeedFix.Apply(path, available, out var detail);
                var importance = outcome == GlibcxxFixOutcome.Patched ? Microsoft.Build.Framework.MessageImportance.High : Microsoft.Build.Framework.MessageImportance.Low;
                if (outcome == GlibcxxFixOutcome.Unsafe)
                    Log.LogWarning($"MLNetSequencePatchLibTorchSharp: {path}: {detail}");
                else
                    Log.LogMessage(importance, $"MLNetSequencePatchLibTorchSharp: {path}: {outcome}: {detail}");
            }
            catch (Exception e)
            {
                Log.LogError($"MLNetSequencePatchLibTorchSharp: could not patch {path}: {e.Message}");
                return false;
            }
        }
        return true;
    }
}
#endif
