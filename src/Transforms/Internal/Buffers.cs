using System;
using Microsoft.ML.Data;

namespace MLNet.Sequence.Transforms.Internal
{
    /// <summary>Small helpers over <see cref="VBuffer{T}"/>.</summary>
    internal static class Buffers
    {
        /// <summary>The values of <paramref name="buffer"/> as a dense span; sparse buffers are expanded into <paramref name="scratch"/>.</summary>
        public static ReadOnlySpan<T> Dense<T>(in VBuffer<T> buffer, ref T[] scratch)
        {
            if (buffer.IsDense)
                return buffer.GetValues();
            int n = buffer.Length;
            if (scratch.Length < n)
                scratch = new T[n];
            var span = scratch.AsSpan(0, n);
            span.Clear();
            var values = buffer.GetValues();
            var indices = buffer.GetIndices();
            for (int i = 0; i < indices.Length; i++)
                span[indices[i]] = values[i];
            return span;
        }

        /// <summary>Writes <paramref name="values"/> into <paramref name="dst"/> as a dense vector, reusing its memory.</summary>
        public static void Write<T>(ref VBuffer<T> dst, ReadOnlySpan<T> values)
        {
            var editor = VBufferEditor.Create(ref dst, values.Length);
            values.CopyTo(editor.Values);
            dst = editor.Commit();
        }
    }
}
