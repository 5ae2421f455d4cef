using System;
using System.Collections.Generic;
using System.IO;
using Microsoft.ML.Tokenizers;

namespace MLNet.Sequence.Transforms
{
    /// <summary>
    /// A subword tokenizer from Microsoft.ML.Tokenizers for <see cref="TokenEncodingEstimator"/> to apply to raw text.
    /// What is needed to rebuild it (an encoding name, or the BPE files' contents) is stored in the saved model.
    /// </summary>
    public sealed class SubwordTokenizer
    {
        private Tokenizer? _tokenizer;

        private SubwordTokenizer(string kind, string? encoding, byte[]? vocab, byte[]? merges)
        {
            Kind = kind;
            Encoding = encoding;
            VocabBytes = vocab;
            MergesBytes = merges;
        }

        internal string Kind { get; }
        internal string? Encoding { get; }
        internal byte[]? VocabBytes { get; }
        internal byte[]? MergesBytes { get; }

        /// <summary>
        /// A Tiktoken tokenizer for an encoding: "r50k_base" (GPT-2's), "p50k_base", "cl100k_base" or "o200k_base". The
        /// application must reference the matching data package (e.g. Microsoft.ML.Tokenizers.Data.R50kBase).
        /// </summary>
        /// <param name="encodingName">The Tiktoken encoding name.</param>
        /// <returns>The tokenizer description.</returns>
        public static SubwordTokenizer Tiktoken(string encodingName)
        {
            if (string.IsNullOrWhiteSpace(encodingName))
                throw new ArgumentException("The Tiktoken encoding name is empty; expected e.g. \"r50k_base\" or \"cl100k_base\".", nameof(encodingName));
            var t = new SubwordTokenizer("tiktoken", encodingName, null, null);
            t.Create(); // fail now, not at Fit, when the data package is missing
            return t;
        }

        /// <summary>A byte-pair-encoding tokenizer from a vocabulary (vocab.json) and merges (merges.txt) file, as GPT-2 and RoBERTa ship them.</summary>
        /// <param name="vocabularyFile">Path of the JSON token-to-id map.</param>
        /// <param name="mergesFile">Path of the merges list.</param>
        /// <returns>The tokenizer description; the files' contents are kept and saved with the model.</returns>
        public static SubwordTokenizer Bpe(string vocabularyFile, string mergesFile)
        {
            if (!File.Exists(vocabularyFile))
                throw new FileNotFoundException($"BPE vocabulary file '{vocabularyFile}' was not found.", vocabularyFile);
            if (!File.Exists(mergesFile))
                throw new FileNotFoundException($"BPE merges file '{mergesFile}' was not found.", mergesFile);
            var t = new SubwordTokenizer("bpe", null, File.ReadAllBytes(vocabularyFile), File.ReadAllBytes(mergesFile));
            t.Create();
            return t;
        }

        internal static SubwordTokenizer FromStored(string kind, string? encoding, byte[]? vocab, byte[]? merges) => kind switch
        {
            "tiktoken" when encoding != null => new SubwordTokenizer(kind, encoding, null, null),
            "bpe" when vocab != null && merges != null => new SubwordTokenizer(kind, null, vocab, merges),
            _ => throw new InvalidDataException($"The stored subword tokenizer '{kind}' is incomplete or of an unknown kind."),
        };

        internal Tokenizer Create()
        {
            if (_tokenizer != null)
                return _tokenizer;
            try
            {
                _tokenizer = Kind == "tiktoken"
                    ? TiktokenTokenizer.CreateForEncoding(Encoding!)
                    : BpeTokenizer.Create(new MemoryStream(VocabBytes!), new MemoryStream(MergesBytes!));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InvalidOperationException(Kind == "tiktoken"
                    ? $"Could not create the Tiktoken tokenizer for encoding '{Encoding}': {e.Message} The application must reference the data package for that encoding, e.g. Microsoft.ML.Tokenizers.Data.R50kBase for \"r50k_base\" or Microsoft.ML.Tokenizers.Data.Cl100kBase for \"cl100k_base\"."
                    : $"Could not create the BPE tokenizer from its vocabulary and merges files: {e.Message}", e);
            }
            return _tokenizer;
        }

        /// <summary>The subword strings of <paramref name="text"/>.</summary>
        internal void Tokenize(string text, List<string> into)
        {
            var tokens = Create().EncodeToTokens(text, out _);
            foreach (var t in tokens)
                into.Add(t.Value);
        }

        /// <summary>A readable description, e.g. "Tiktoken r50k_base".</summary>
        /// <returns>The description.</returns>
        public override string ToString() => Kind == "tiktoken" ? $"Tiktoken {Encoding}" : "BPE";
    }
}
