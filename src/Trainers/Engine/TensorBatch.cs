using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers
{
    /// <summary>A batch of rows as tensors: inputs, mask of real steps, optional static features and targets.</summary>
    internal sealed class TensorBatch
    {
        public TensorBatch(Tensor inputs, Tensor mask, Tensor? targets, int count, Tensor? statics)
        {
            Inputs = inputs; Mask = mask; Targets = targets; Count = count; Statics = statics;
        }

        /// <summary>[B, T] int64 token ids or [B, T, F] float32 steps.</summary>
        public Tensor Inputs { get; }
        /// <summary>[B, T] booleans, true at real steps.</summary>
        public Tensor Mask { get; }
        /// <summary>[B, S] static features, or null.</summary>
        public Tensor? Statics { get; }
        /// <summary>[B] (binary, multiclass) or [B, V] (regression) targets, or null when scoring.</summary>
        public Tensor? Targets { get; }
        public int Count { get; }
    }

    /// <summary>
    /// Copies managed rows into tensors: one copy straight into each tensor's memory, no managed allocation per batch
    /// (the staging arrays are reused). Create tensors inside the caller's dispose scope. Not thread-safe: one builder
    /// per thread.
    /// </summary>
    internal sealed class TensorBatchBuilder
    {
        private readonly BatchLayout _layout;
        private readonly Device _device;
        private bool[] _mask = Array.Empty<bool>();
        private float[] _targets = Array.Empty<float>();
        private long[] _classes = Array.Empty<long>();

        public TensorBatchBuilder(BatchLayout layout, Device device)
        {
            _layout = layout;
            _device = device;
        }

        public TensorBatch Build(IReadOnlyList<SequenceRow> rows, bool withTargets)
        {
            var l = _layout;
            int b = rows.Count, F = l.Features;
            int t = l.PadToSteps || !l.VariableLength ? l.Steps : 1;
            if (!(l.PadToSteps || !l.VariableLength))
                for (int i = 0; i < b; i++)
                    t = Math.Max(t, rows[i].Length);
            Tensor inputs;
            var mask = Grow(ref _mask, b * t);
            mask.Clear();
            if (l.Tokens)
            {
                inputs = torch.zeros(new long[] { b, t }, ScalarType.Int64);
                var ids = MemoryMarshal.Cast<byte, long>(inputs.bytes);
                for (int i = 0; i < b; i++)
                {
                    rows[i].Ids.AsSpan(0, rows[i].Length).CopyTo(ids.Slice(i * t));
                    rows[i].Mask.AsSpan(0, rows[i].Length).CopyTo(mask.Slice(i * t));
                }
            }
            else
            {
                inputs = torch.zeros(new long[] { b, t, F }, ScalarType.Float32);
                var values = MemoryMarshal.Cast<byte, float>(inputs.bytes);
                for (int i = 0; i < b; i++)
                {
                    rows[i].Values.AsSpan(0, rows[i].Length * F).CopyTo(values.Slice(i * t * F));
                    rows[i].Mask.AsSpan(0, rows[i].Length).CopyTo(mask.Slice(i * t));
                }
            }
            var maskTensor = From<bool>(mask, ScalarType.Bool, b, t);
            Tensor? targets = null;
            if (withTargets)
            {
                if (l.Task == SequenceTask.MulticlassClassification)
                {
                    var classes = Grow(ref _classes, b);
                    for (int i = 0; i < b; i++) classes[i] = rows[i].Class;
                    targets = From<long>(classes, ScalarType.Int64, b);
                }
                else
                {
                    int v = l.TargetValues;
                    var values = Grow(ref _targets, b * v);
                    for (int i = 0; i < b; i++) rows[i].Target.AsSpan(0, v).CopyTo(values.Slice(i * v));
                    targets = l.Task == SequenceTask.BinaryClassification
                        ? From<float>(values, ScalarType.Float32, b)
                        : From<float>(values, ScalarType.Float32, b, v);
                }
            }
            Tensor? statics = null;
            if (l.StaticSize > 0)
            {
                statics = torch.empty(new long[] { b, l.StaticSize }, ScalarType.Float32);
                var dst = MemoryMarshal.Cast<byte, float>(statics.bytes);
                for (int i = 0; i < b; i++)
                    rows[i].Statics.CopyTo(dst.Slice(i * l.StaticSize));
            }
            if (_device.type != DeviceType.CPU)
            {
                inputs = inputs.to(_device);
                maskTensor = maskTensor.to(_device);
                targets = targets?.to(_device);
                statics = statics?.to(_device);
            }
            return new TensorBatch(inputs, maskTensor, targets, b, statics);
        }

        /// <summary>A tensor holding a copy of <paramref name="values"/>.</summary>
        internal static Tensor From<T>(ReadOnlySpan<T> values, ScalarType dtype, params long[] shape) where T : unmanaged
        {
            var t = torch.empty(shape, dtype);
            MemoryMarshal.AsBytes(values).CopyTo(t.bytes);
            return t;
        }

        /// <summary>Copies a float32 tensor's values into <paramref name="into"/> (moved to the CPU and made contiguous if needed).</summary>
        internal static void CopyOut(Tensor t, Span<float> into)
        {
            if (t.device_type != DeviceType.CPU) t = t.cpu();
            if (!t.is_contiguous()) t = t.contiguous();
            MemoryMarshal.Cast<byte, float>(t.bytes).CopyTo(into);
        }

        private static Span<T> Grow<T>(ref T[] a, int n)
        {
            if (a.Length < n) a = new T[n];
            return a.AsSpan(0, n);
        }
    }
}
