using System.Threading.Tasks.Sources;

namespace BrokerGateway.Nats.Internal;

/// <summary>
/// An auto-reset event for exactly one waiter (the writer loop), with no allocation per wait or set.
/// Sets while nobody waits are remembered once. Continuations run on the thread pool, never inline in
/// the publisher that called <see cref="Set"/>.
/// </summary>
sealed class AsyncSignal : IValueTaskSource
{
    const int Idle = 0, Signaled = 1, Waiting = 2;
    ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    int _state;

    public void Set()
    {
        while (true)
        {
            switch (Volatile.Read(ref _state))
            {
                case Signaled: return;
                case Idle:
                    if (Interlocked.CompareExchange(ref _state, Signaled, Idle) == Idle) return;
                    break;
                default:
                    if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
                    {
                        _core.SetResult(true);
                        return;
                    }
                    break;
            }
        }
    }

    /// <summary>Completes once <see cref="Set"/> has been called since the last wait. One caller at a time.</summary>
    public ValueTask WaitAsync()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Signaled) == Signaled) return ValueTask.CompletedTask;
        _core.Reset();
        if (Interlocked.CompareExchange(ref _state, Waiting, Idle) == Idle) return new ValueTask(this, _core.Version);
        // A Set slipped in between: consume it.
        Volatile.Write(ref _state, Idle);
        return ValueTask.CompletedTask;
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);
    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);
    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
