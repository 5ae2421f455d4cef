using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Sequence.Cli.Config;

namespace MLNet.Sequence.Cli.Data;

/// <summary>
/// Loads a checked <see cref="DelimitedFile"/> into an <see cref="IDataView"/> with the config's column types. The rows
/// are re-written in memory as plain TSV (booleans as true/false, no quoting) and read by ML.NET's TextLoader, so the
/// values ML.NET sees are exactly the ones <see cref="DelimitedFile"/> checked.
/// </summary>
internal static class TabularData
{
    /// <summary>The rows of a view that does not know its count (a split), by reading it.</summary>
    public static long CountRows(IDataView data) => data.GetRowCount() ?? CountByCursor(data);

    private static long CountByCursor(IDataView data)
    {
        long n = 0;
        using var cursor = data.GetRowCursor(Array.Empty<DataViewSchema.Column>());
        while (cursor.MoveNext())
            n++;
        return n;
    }

    public static DataKind KindOf(string type) => type switch
    {
        "number" => DataKind.Single,
        "boolean" => DataKind.Boolean,
        _ => DataKind.String,
    };

    /// <summary>
    /// The config's columns from <paramref name="file"/>; a column the file lacks (the label of a file to predict) is
    /// loaded as missing values.
    /// </summary>
    public static IDataView Load(MLContext ml, DelimitedFile file, IReadOnlyList<ColumnConfig> columns)
    {
        var text = new StringBuilder();
        var indices = columns.Select(c => Array.IndexOf(file.Header, c.Name)).ToArray();
        foreach (var row in file.Rows)
        {
            for (int i = 0; i < columns.Count; i++)
            {
                if (i > 0)
                    text.Append('\t');
                if (indices[i] < 0)
                    continue;
                var value = row[indices[i]];
                if (columns[i].Type == "boolean")
                    value = DelimitedFile.TryBoolean(value, out bool b) && b ? "true" : "false";
                text.Append(value.Replace('\t', ' ').Replace('\r', ' ').Replace('\n', ' '));
            }
            text.Append('\n');
        }
        var loader = ml.Data.CreateTextLoader(new TextLoader.Options
        {
            Columns = columns.Select((c, i) => new TextLoader.Column(c.Name, KindOf(c.Type), i)).ToArray(),
            Separators = new[] { '\t' },
            HasHeader = false,
            AllowQuoting = false,
            TrimWhitespace = false,
        });
        return loader.Load(new InMemorySource(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>An in-memory file for TextLoader.</summary>
    private sealed class InMemorySource : IMultiStreamSource
    {
        private readonly byte[] _bytes;

        public InMemorySource(byte[] bytes) => _bytes = bytes;

        public int Count => 1;

        public string? GetPathOrNull(int index) => null;

        public Stream Open(int index) => new MemoryStream(_bytes, writable: false);

        public TextReader OpenTextReader(int index) => new StreamReader(Open(index), Encoding.UTF8);
    }
}
