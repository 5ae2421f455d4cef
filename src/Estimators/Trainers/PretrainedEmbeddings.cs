using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Sequence.Estimators;
using MLNet.Sequence.Trainers;
using MLNet.Sequence.Transforms;
using MLNet.Sequence.Transforms.Internal;

namespace MLNet.Sequence
{
    /// <summary>Reads GloVe-format text vectors for the tokens of a key column's vocabulary.</summary>
    internal static class PretrainedEmbeddings
    {
        public static (float[] Table, int Dimension) Read(string path, DataViewSchema.Column column, int vocabularySize, int seed, MlNetHost host)
        {
            var tokens = SequenceColumns.ReadKeyValues(column)
                ?? throw new ArgumentOutOfRangeException(nameof(SequenceTrainerOptions.PretrainedEmbeddingsPath),
                    $"Option PretrainedEmbeddingsPath needs the tokens behind the ids, but column '{column.Name}' has no KeyValues annotation; encode it with mlContext.Transforms.EncodeTokens.");
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < tokens.Length; i++)
                index.TryAdd(tokens[i], i + 1);
            int dim = -1;
            float[]? table = null;
            int found = 0, lineNumber = 0;
            foreach (var line in File.ReadLines(path))
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                var parts = line.TrimEnd().Split(' ');
                if (dim < 0)
                {
                    dim = parts.Length - 1;
                    if (dim <= 0)
                        throw new InvalidDataException($"Embeddings file '{path}', line {lineNumber}: expected a token followed by numbers.");
                    table = new float[vocabularySize * dim];
                    var rng = new Random(seed);
                    for (int i = dim; i < table.Length; i++) table[i] = (float)(rng.NextDouble() * 0.1 - 0.05);
                }
                if (parts.Length - 1 != dim)
                    throw new InvalidDataException($"Embeddings file '{path}', line {lineNumber}: {parts.Length - 1} numbers where the first line had {dim}.");
                if (!index.TryGetValue(parts[0], out int id)) continue;
                for (int j = 0; j < dim; j++)
                {
                    if (!float.TryParse(parts[j + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !float.IsFinite(v))
                        throw new InvalidDataException($"Embeddings file '{path}', line {lineNumber}: '{parts[j + 1]}' is not a finite number.");
                    table![id * dim + j] = v;
                }
                found++;
            }
            if (table == null)
                throw new InvalidDataException($"Embeddings file '{path}' is empty.");
            host.Info($"Pretrained embeddings: {found} of {tokens.Length} vocabulary tokens found in '{path}' ({dim} dimensions); the rest start random.");
            return (table, dim);
        }
    }
}
