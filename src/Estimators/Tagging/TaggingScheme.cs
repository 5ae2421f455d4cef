namespace MLNet.Sequence.Tagging
{
    /// <summary>
    /// How tags mark chunks (entities), after Tjong Kim Sang and Veenstra (EACL 1999), who named the IOB and IOE variants.
    /// A tag is a prefix, a dash and the chunk type ("B-PER"); "O" is outside every chunk.
    /// </summary>
    public enum TaggingScheme
    {
        /// <summary>Plain tags (part of speech, say): no chunks; only token-level metrics.</summary>
        Plain,
        /// <summary>IOB1: I-X marks a chunk's tokens; B-X only starts a chunk that directly follows one of the same type.</summary>
        Iob1,
        /// <summary>IOB2: B-X starts every chunk, I-X continues it (CoNLL-2003's released NER data uses IOB1; most tools IOB2).</summary>
        Iob2,
        /// <summary>IOE1: I-X marks a chunk's tokens; E-X only ends a chunk that is directly followed by one of the same type.</summary>
        Ioe1,
        /// <summary>IOE2: E-X ends every chunk, I-X precedes it.</summary>
        Ioe2,
        /// <summary>IOBES (BILOU): B-X begins, I-X continues and E-X ends a chunk of several tokens; S-X is a one-token chunk.</summary>
        Iobes,
    }
}
