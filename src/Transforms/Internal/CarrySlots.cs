using System;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Sequence.Transforms.Internal
{
    /// <summary>A carried column: captures values into a ring slot, then serves the emitted window's origin value.</summary>
    internal interface ICarrySlot
    {
        void Resize(int span);
        void Capture(int slot);
        void Select(int slot);
        ValueGetter<T> Getter<T>(DataViewRowCursor cursor, string name);
    }

    internal static class CarrySlots
    {
        public static ICarrySlot Make(DataViewRow row, DataViewSchema.Column c)
        {
            var t = c.Type.RawType;
            if (t == typeof(ReadOnlyMemory<char>))
                return new CarrySlot<ReadOnlyMemory<char>>(row.GetGetter<ReadOnlyMemory<char>>(c), CopyText);
            return c.Type is VectorDataViewType v
                ? ItemTypes.Dispatch(v.ItemType.RawType, new VectorSlot(row, c))
                : ItemTypes.Dispatch(t, new ScalarSlot(row, c));
        }

        private readonly struct ScalarSlot : IItemTypeFunc<ICarrySlot>
        {
            private readonly DataViewRow _row;
            private readonly DataViewSchema.Column _c;
            public ScalarSlot(DataViewRow row, DataViewSchema.Column c) { _row = row; _c = c; }
            public ICarrySlot Invoke<T>() => MakeTyped<T>(_row, _c);
        }

        private readonly struct VectorSlot : IItemTypeFunc<ICarrySlot>
        {
            private readonly DataViewRow _row;
            private readonly DataViewSchema.Column _c;
            public VectorSlot(DataViewRow row, DataViewSchema.Column c) { _row = row; _c = c; }
            public ICarrySlot Invoke<T>() => MakeVector<T>(_row, _c);
        }

        /// <summary>Text is copied: the input cursor may reuse its characters' memory for the next row.</summary>
        private static void CopyText(ref ReadOnlyMemory<char> src, ref ReadOnlyMemory<char> dst)
        {
            if (!src.Span.SequenceEqual(dst.Span))
                dst = src.ToString().AsMemory();
        }

        private static ICarrySlot MakeTyped<T>(DataViewRow row, DataViewSchema.Column c) =>
            new CarrySlot<T>(row.GetGetter<T>(c), (ref T src, ref T dst) => dst = src);

        /// <summary>Vectors are copied into the slot's own buffer, reused from row to row.</summary>
        private static ICarrySlot MakeVector<T>(DataViewRow row, DataViewSchema.Column c) =>
            new CarrySlot<VBuffer<T>>(row.GetGetter<VBuffer<T>>(c), (ref VBuffer<T> src, ref VBuffer<T> dst) => src.CopyTo(ref dst));
    }

    internal delegate void CopyInto<T>(ref T src, ref T dst);

    internal sealed class CarrySlot<T> : ICarrySlot
    {
        private readonly ValueGetter<T> _getter;
        private readonly CopyInto<T> _copy;
        private T[] _ring = Array.Empty<T>();
        private T _read = default!;
        private int _current;

        public CarrySlot(ValueGetter<T> getter, CopyInto<T> copy)
        {
            _getter = getter;
            _copy = copy;
        }

        public void Resize(int span) => _ring = new T[span];

        public void Capture(int slot)
        {
            _getter(ref _read);
            _copy(ref _read, ref _ring[slot]);
        }

        public void Select(int slot) => _current = slot;

        public ValueGetter<TValue> Getter<TValue>(DataViewRowCursor cursor, string name)
        {
            ValueGetter<T> g = (ref T dst) => _copy(ref _ring[_current], ref dst);
            return g as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{name}' holds {typeof(T).Name}; a getter of {typeof(TValue).Name} was asked for.");
        }
    }
}
