using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using MLNet.Sequence.Cli.Config;

namespace MLNet.Sequence.Cli.Data;

/// <summary>
/// A CSV/TSV file read into typed columns, every value checked against its declared type. A bad row is reported by
/// file, line and column ("data.path line 57, column 'label': 'maybe' is not a boolean"), never skipped silently.
/// Fields may be quoted ("a, b" and doubled quotes inside), as RFC 4180 writes them.
/// </summary>
internal sealed class DelimitedFile
{
    internal DelimitedFile(string path, string[] header, List<string[]> rows)
    {
        Path = path;
        Header = header;
        Rows = rows;
    }

    /// <summary>Rows given in memory (a web form's), as if read from a file named <paramref name="name"/>.</summary>
    public static DelimitedFile FromRows(string name, string[] header, List<string[]> rows) => new(name, header, rows);

    public string Path { get; }

    /// <summary>The header's names, or the config's column names for a file without one.</summary>
    public string[] Header { get; }

    /// <summary>Raw fields of each data row (header excluded).</summary>
    public List<string[]> Rows { get; }

    /// <summary>
    /// Task speech: the file with the input column's WAV paths made absolute, relative paths read from this file's folder,
    /// so the saved model holds no folder of its own and a predict file's paths start where that file is. Other tasks:
    /// this file.
    /// </summary>
    public DelimitedFile WithAudioPathsResolved(WorkflowConfig config)
    {
        int column = Array.IndexOf(Header, config.Input);
        if (!config.IsSpeech || column < 0)
            return this;
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path)) ?? "";
        var rows = Rows.Select(row =>
        {
            var copy = (string[])row.Clone();
            if (column < copy.Length && copy[column].Length > 0 && !System.IO.Path.IsPathRooted(copy[column]))
                copy[column] = System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, copy[column]));
            return copy;
        }).ToList();
        return new DelimitedFile(Path, Header, rows);
    }

    /// <summary>The 1-based line of data row <paramref name="row"/> in the file.</summary>
    public int LineOf(int row, bool hasHeader) => row + (hasHeader ? 2 : 1);

    /// <summary>Splits one line; quotes protect separators and are removed.</summary>
    public static string[] SplitLine(string line, char separator)
    {
        if (line.IndexOf('"') < 0)
            return line.Split(separator);
        var fields = new List<string>();
        var current = new StringBuilder();
        bool quoted = false, wasQuoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { current.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else current.Append(c);
            }
            else if (c == '"' && current.Length == 0 && !wasQuoted) { quoted = true; wasQuoted = true; }
            else if (c == separator) { fields.Add(current.ToString()); current.Clear(); wasQuoted = false; }
            else current.Append(c);
        }
        fields.Add(current.ToString());
        return fields.ToArray();
    }

    /// <summary>Reads a file. <paramref name="field"/> names the config entry for messages (data.path, data.testPath, --input).</summary>
    public static DelimitedFile Read(string path, char separator, bool hasHeader, IReadOnlyList<string>? names, string field)
    {
        if (!File.Exists(path))
            throw new DataException(field, $"no file at '{path}'.");
        var lines = File.ReadAllLines(path);
        int start = 0;
        string[] header;
        if (hasHeader)
        {
            if (lines.Length == 0)
                throw new DataException(field, $"'{path}' is empty; expected a header line.");
            header = SplitLine(lines[0], separator).Select(h => h.Trim()).ToArray();
            start = 1;
        }
        else
            header = names?.ToArray() ?? throw new DataException(field, "a file without a header needs data.columns.");
        var rows = new List<string[]>();
        for (int i = start; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
                continue;
            var fields = SplitLine(lines[i], separator);
            if (fields.Length != header.Length)
                throw new DataException(field, $"line {i + 1} of '{System.IO.Path.GetFileName(path)}' has {fields.Length} fields; the header has {header.Length} " +
                    $"({(separator == '\t' ? "tab" : separator.ToString())}-separated). Quote fields that contain the separator.");
            rows.Add(fields);
        }
        if (rows.Count == 0)
            throw new DataException(field, $"'{path}' has no data rows.");
        return new DelimitedFile(path, header, rows);
    }

    /// <summary>The column's index, or a message naming the file's columns.</summary>
    public int IndexOf(string column, string field)
    {
        int i = Array.IndexOf(Header, column);
        if (i < 0)
            throw new DataException(field, $"'{System.IO.Path.GetFileName(Path)}' has no column '{column}'; its columns are {string.Join(", ", Header)}.");
        return i;
    }

    /// <summary>Checks every value of the declared columns against its type.</summary>
    public void CheckTypes(IEnumerable<ColumnConfig> columns, bool hasHeader, string field, bool labelMayBeMissing = false, string? label = null)
    {
        foreach (var c in columns)
        {
            int index = Array.IndexOf(Header, c.Name);
            if (index < 0)
            {
                if (labelMayBeMissing && c.Name == label)
                    continue;
                IndexOf(c.Name, field);
            }
            for (int r = 0; r < Rows.Count; r++)
            {
                var value = Rows[r][index];
                if (!Parses(value, c.Type))
                    throw new DataException(field, $"line {LineOf(r, hasHeader)} of '{System.IO.Path.GetFileName(Path)}', column '{c.Name}': '{Shorten(value)}' is not {Expected(c.Type)}.");
            }
        }
    }

    private static string Shorten(string s) => s.Length > 40 ? s[..40] + "..." : s;

    public static string Expected(string type) => type switch
    {
        "number" => "a number (invariant culture: 3.14)",
        "boolean" => "a boolean (0/1, true/false)",
        "date" => "a date (yyyy-MM, yyyy-MM-dd or ISO 8601)",
        _ => "text",
    };

    public static bool Parses(string value, string type) => type switch
    {
        "number" => float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float f) && float.IsFinite(f),
        "boolean" => TryBoolean(value, out _),
        "date" => TryDate(value, out _),
        _ => true,
    };

    public static bool TryBoolean(string value, out bool result)
    {
        switch (value.Trim().ToLowerInvariant())
        {
            case "1": case "true": case "yes": result = true; return true;
            case "0": case "false": case "no": result = false; return true;
            default: result = false; return false;
        }
    }

    private static readonly string[] DateFormats = { "yyyy-MM", "yyyy-MM-dd", "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm" };

    public static bool TryDate(string value, out DateTime result) =>
        DateTime.TryParseExact(value.Trim(), DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out result)
        || DateTime.TryParse(value.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out result);

    /// <summary>Guesses a column's type from its values: boolean, number, date, else text.</summary>
    public string InferType(int column)
    {
        var values = Rows.Select(r => r[column]).Where(v => v.Length > 0).Take(5000).ToList();
        if (values.Count == 0)
            return "text";
        if (values.All(v => TryBoolean(v, out _)))
            return "boolean";
        if (values.All(v => Parses(v, "number")))
            return "number";
        if (values.All(v => TryDate(v, out _)))
            return "date";
        return "text";
    }
}

/// <summary>Bad data: the file or row, and what was expected.</summary>
internal sealed class DataException : Exception
{
    public DataException(string field, string message) : base($"{field}: {message}") => Field = field;

    public string Field { get; }
}
