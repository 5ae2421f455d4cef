using System;
using Microsoft.ML.Data;

namespace MLNet.Sequence.Transforms.Internal
{
    /// <summary>Generic code to run for one item type; <see cref="ItemTypes.Dispatch{TResult}"/> picks <typeparamref name="TResult"/>'s T.</summary>
    internal interface IItemTypeFunc<out TResult>
    {
        TResult Invoke<T>();
    }

    /// <summary>
    /// The one dispatcher from a column's raw item type to generic code, for every raw type an IDataView column can
    /// have (the habit of ML.NET's Utils.MarshalInvoke, without reflection), and the numeric conversions the readers
    /// share. Each caller writes its generic code once, as an <see cref="IItemTypeFunc{TResult}"/>.
    /// </summary>
    internal static class ItemTypes
    {
        public static TResult Dispatch<TResult>(Type raw, IItemTypeFunc<TResult> f)
        {
            if (raw == typeof(float)) return f.Invoke<float>();
            if (raw == typeof(double)) return f.Invoke<double>();
            if (raw == typeof(int)) return f.Invoke<int>();
            if (raw == typeof(long)) return f.Invoke<long>();
            if (raw == typeof(uint)) return f.Invoke<uint>();
            if (raw == typeof(ulong)) return f.Invoke<ulong>();
            if (raw == typeof(short)) return f.Invoke<short>();
            if (raw == typeof(ushort)) return f.Invoke<ushort>();
            if (raw == typeof(sbyte)) return f.Invoke<sbyte>();
            if (raw == typeof(byte)) return f.Invoke<byte>();
            if (raw == typeof(bool)) return f.Invoke<bool>();
            if (raw == typeof(ReadOnlyMemory<char>)) return f.Invoke<ReadOnlyMemory<char>>();
            if (raw == typeof(DateTime)) return f.Invoke<DateTime>();
            if (raw == typeof(DateTimeOffset)) return f.Invoke<DateTimeOffset>();
            if (raw == typeof(TimeSpan)) return f.Invoke<TimeSpan>();
            if (raw == typeof(DataViewRowId)) return f.Invoke<DataViewRowId>();
            throw new NotSupportedException($"Item type {raw.Name} is not an IDataView column type this library reads.");
        }

        /// <summary>True for the numeric raw types <see cref="ToDouble{T}"/> converts.</summary>
        public static bool IsNumeric(Type t) =>
            t == typeof(float) || t == typeof(double) || t == typeof(int) || t == typeof(long) || t == typeof(uint) || t == typeof(ulong)
            || t == typeof(short) || t == typeof(ushort) || t == typeof(sbyte) || t == typeof(byte);

        /// <summary>A numeric value as double (the JIT removes the branches and the boxing for each T).</summary>
        public static double ToDouble<T>(T v)
        {
            if (typeof(T) == typeof(float)) return (float)(object)v!;
            if (typeof(T) == typeof(double)) return (double)(object)v!;
            if (typeof(T) == typeof(int)) return (int)(object)v!;
            if (typeof(T) == typeof(long)) return (long)(object)v!;
            if (typeof(T) == typeof(uint)) return (uint)(object)v!;
            if (typeof(T) == typeof(ulong)) return (ulong)(object)v!;
            if (typeof(T) == typeof(short)) return (short)(object)v!;
            if (typeof(T) == typeof(ushort)) return (ushort)(object)v!;
            if (typeof(T) == typeof(sbyte)) return (sbyte)(object)v!;
            if (typeof(T) == typeof(byte)) return (byte)(object)v!;
            throw new NotSupportedException($"{typeof(T).Name} is not numeric.");
        }

        /// <summary>A double as the numeric type T (truncated toward zero for integers, as a C# cast).</summary>
        public static T FromDouble<T>(double v)
        {
            if (typeof(T) == typeof(float)) return (T)(object)(float)v;
            if (typeof(T) == typeof(double)) return (T)(object)v;
            if (typeof(T) == typeof(int)) return (T)(object)(int)v;
            if (typeof(T) == typeof(long)) return (T)(object)(long)v;
            if (typeof(T) == typeof(uint)) return (T)(object)(uint)v;
            if (typeof(T) == typeof(ulong)) return (T)(object)(ulong)v;
            if (typeof(T) == typeof(short)) return (T)(object)(short)v;
            if (typeof(T) == typeof(ushort)) return (T)(object)(ushort)v;
            if (typeof(T) == typeof(sbyte)) return (T)(object)(sbyte)v;
            if (typeof(T) == typeof(byte)) return (T)(object)(byte)v;
            throw new NotSupportedException($"{typeof(T).Name} is not numeric.");
        }
    }
}
