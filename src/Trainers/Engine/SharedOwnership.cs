using System;
using System.Threading;

namespace MLNet.Sequence.Trainers
{
    /// <summary>
    /// Shared ownership of an engine's native memory. It starts with one owner, the engine's creator; each
    /// <see cref="Lease"/> adds one (a prediction engine's row, an open cursor) until the lease is released, or collected
    /// when its holder is dropped without releasing it. The memory is freed when the last owner lets go and no call that
    /// <see cref="Use"/> marked is still running; using it after that throws <see cref="ObjectDisposedException"/>.
    /// </summary>
    internal sealed class SharedOwnership
    {
        private readonly object _gate = new();
        private readonly string _objectName;
        private readonly string _what;
        private readonly Action _free;
        private int _owners = 1;
        private int _running;
        private bool _freed;

        /// <param name="objectName">The object named in <see cref="ObjectDisposedException"/>, e.g. "SequenceModel".</param>
        /// <param name="what">The words for it in the message, e.g. "sequence model".</param>
        /// <param name="free">Frees the native memory; called once, outside any running call.</param>
        public SharedOwnership(string objectName, string what, Action free)
        {
            _objectName = objectName;
            _what = what;
            _free = free;
        }

        /// <summary>Adds an owner until the returned lease is released or collected; throws when the memory was already freed.</summary>
        public EngineLease Lease()
        {
            lock (_gate)
            {
                ThrowIfFreed();
                _owners++;
            }
            return new EngineLease(this);
        }

        /// <summary>
        /// The creator's share, handed to a lease (held by whatever should keep the engine alive, e.g. the model object) when
        /// other owners exist; released at once otherwise. Returns the lease, or null when the share was released.
        /// </summary>
        public EngineLease? ReleaseOrKeepWhileShared()
        {
            lock (_gate)
            {
                if (_owners > 1)
                    return new EngineLease(this);   // the existing share: no new owner
            }
            Release();
            return null;
        }

        /// <summary>Removes an owner; the last one frees the native memory (once running calls finish). Extra releases are ignored.</summary>
        public void Release()
        {
            lock (_gate)
            {
                if (_owners == 0)
                    return;
                _owners--;
                FreeIfUnused();
            }
        }

        /// <summary>True once the native memory has been freed (or is about to be, when the last running call ends).</summary>
        public bool IsReleased
        {
            get { lock (_gate) return _owners == 0; }
        }

        /// <summary>Marks a call as running, so that a release on another thread waits for it before freeing.</summary>
        public RunningCall Use()
        {
            lock (_gate)
            {
                ThrowIfFreed();
                _running++;
            }
            return new RunningCall(this);
        }

        private void FreeIfUnused()
        {
            if (_owners == 0 && _running == 0 && !_freed)
            {
                _freed = true;
                _free();
            }
        }

        private void ThrowIfFreed()
        {
            if (_owners == 0)
                throw new ObjectDisposedException(_objectName, $"This {_what} was disposed; load or train it again.");
        }

        /// <summary>A running call; disposing it ends the call (and frees the memory if the last owner left meanwhile).</summary>
        public readonly struct RunningCall : IDisposable
        {
            private readonly SharedOwnership _owner;
            public RunningCall(SharedOwnership owner) => _owner = owner;

            public void Dispose()
            {
                lock (_owner._gate)
                {
                    _owner._running--;
                    _owner.FreeIfUnused();
                }
            }
        }
    }

    /// <summary>
    /// One owner's share of an engine. <see cref="Release"/> gives it back; a lease that is dropped without being released
    /// gives it back when the garbage collector finalizes it (a prediction engine has no other way to tell us it is gone).
    /// </summary>
    internal sealed class EngineLease
    {
        private SharedOwnership? _owner;

        internal EngineLease(SharedOwnership owner) => _owner = owner;

        /// <summary>Gives the share back; later calls do nothing.</summary>
        public void Release()
        {
            var owner = Interlocked.Exchange(ref _owner, null);
            if (owner != null)
            {
                owner.Release();
                GC.SuppressFinalize(this);
            }
        }

        ~EngineLease()
        {
            Interlocked.Exchange(ref _owner, null)?.Release();
        }
    }
}
