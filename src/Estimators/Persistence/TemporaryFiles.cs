using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;

namespace MLNet.Sequence.Persistence
{
    /// <summary>
    /// Names of the temporary files an atomic save writes beside its target, and the clean-up of those a killed process
    /// left behind: <c>.{target}.{process id}.{random}.tmp</c>, so the next save can tell a file whose writer is gone
    /// from one that another process is still writing.
    /// </summary>
    internal static class TemporaryFiles
    {
        /// <summary>Files of the older naming (no process id) count as abandoned after this long.</summary>
        private static readonly TimeSpan Abandoned = TimeSpan.FromHours(1);

        public static string NameFor(string target) =>
            $".{target}.{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}.{Guid.NewGuid():N}.tmp";

        /// <summary>Deletes this library's temporary files for <paramref name="target"/> in <paramref name="folder"/> whose writer is gone.</summary>
        public static void DeleteStale(string folder, string target)
        {
            string[] candidates;
            try
            {
                candidates = Directory.GetFiles(folder, $".{target}.*.tmp");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return;   // cleaning up is a courtesy; the save itself will report a folder it cannot use
            }
            foreach (var path in candidates)
            {
                if (!IsStale(Path.GetFileName(path), target, path))
                    continue;
                try
                {
                    File.Delete(path);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                }
            }
        }

        private static bool IsStale(string name, string target, string path)
        {
            // ".{target}." + middle + ".tmp"; middle is "{pid}.{guid}" (or "{guid}" from older versions).
            var middle = name.Substring(target.Length + 2, name.Length - target.Length - 2 - ".tmp".Length);
            var parts = middle.Split('.');
            if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && IsGuid(parts[1]))
                return pid != Environment.ProcessId && !IsRunning(pid);
            if (parts.Length == 1 && IsGuid(parts[0]))
                return DateTime.UtcNow - File.GetLastWriteTimeUtc(path) > Abandoned;
            return false;   // not ours
        }

        private static bool IsGuid(string s) => s.Length == 32 && Guid.TryParseExact(s, "N", out _);

        private static bool IsRunning(int pid)
        {
            try
            {
                using var p = Process.GetProcessById(pid);
                return !p.HasExited;
            }
            catch (ArgumentException)
            {
                return false;
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }
    }
}
