using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;

namespace MLNet.Sequence.Trainers
{
    /// <summary>
    /// Atomic file writes (model files, training checkpoints): the content goes to a temporary file beside the target,
    /// named <c>.{target}.{process id}.{random}.tmp</c>, which is flushed and then renamed over the target, so a reader
    /// never sees a partial file. A write first deletes the temporary files of the same target whose writer is gone
    /// (a process killed mid-write).
    /// </summary>
    internal static class AtomicFile
    {
        /// <summary>Writes <paramref name="path"/> atomically with <paramref name="write"/>.</summary>
        public static void Write(string path, Action<Stream> write)
        {
            var full = Path.GetFullPath(path);
            var dir = Path.GetDirectoryName(full)!;
            if (!Directory.Exists(dir))
                throw new DirectoryNotFoundException($"Cannot write '{path}': folder '{dir}' does not exist.");
            DeleteStale(dir, Path.GetFileName(full));
            var tmp = Path.Combine(dir, NameFor(Path.GetFileName(full)));
            try
            {
                using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
                {
                    write(stream);
                    stream.Flush(flushToDisk: true);
                }
                File.Move(tmp, full, overwrite: true);
            }
            finally
            {
                if (File.Exists(tmp))
                    File.Delete(tmp);
            }
        }

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
