using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.ExceptionServices;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers.Network
{
    /// <summary>
    /// Carries an exception out of a hand-written backward function. libtorch's autograd engine calls such a function
    /// from native code, where an escaping .NET exception ends the process; <see cref="Guard"/> catches it and hands
    /// libtorch no gradients, and <see cref="Backward"/>, the managed caller of <c>backward()</c>, rethrows it.
    /// </summary>
    /// <remarks>
    /// A CPU graph's backward pass runs on the thread that called <c>backward()</c> (BackwardThreads relies on the same
    /// fact), so the pending exception is kept per thread.
    /// </remarks>
    internal static class BackwardErrors
    {
        [ThreadStatic]
        private static ExceptionDispatchInfo? s_pending;

        /// <summary>Runs <paramref name="body"/>; on an exception, records it and returns <paramref name="inputs"/> undefined gradients.</summary>
        public static List<Tensor> Guard(string function, int inputs, Func<List<Tensor>> body)
        {
            try
            {
                return body();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                s_pending ??= ExceptionDispatchInfo.Capture(new InvalidOperationException(
                    $"The backward pass of {function} failed: {e.Message}", e));
                return Enumerable.Repeat<Tensor>(null!, inputs).ToList();
            }
        }

        /// <summary><c>loss.backward()</c>, then rethrows what a guarded backward function caught on this thread.</summary>
        public static void Backward(Tensor loss)
        {
            s_pending = null;
            loss.backward();
            var pending = s_pending;
            s_pending = null;
            pending?.Throw();
        }
    }

    /// <summary>
    /// Scalars that live for the whole process. TorchSharp turns a number argument into a temporary <c>Scalar</c> whose
    /// finalizer may free its native value while the native call that reads it still runs (TorchSharp 0.107 keeps no
    /// reference to it during the call); a hot loop that passes these instead cannot meet that race.
    /// </summary>
    internal static class Scalars
    {
        /// <summary>0.</summary>
        public static readonly Scalar Zero = 0.ToScalar();

        /// <summary>1.</summary>
        public static readonly Scalar One = 1.ToScalar();

        /// <summary>−1.</summary>
        public static readonly Scalar MinusOne = (-1).ToScalar();

        /// <summary>−∞ (a float).</summary>
        public static readonly Scalar NegativeInfinity = float.NegativeInfinity.ToScalar();
    }
}
