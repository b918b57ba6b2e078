using System.Collections.Concurrent;

namespace BrokerGateway.Nats.Internal;

/// <summary>
/// Runs connection events one at a time, in order, on the thread pool: the read loop only posts, so a slow or
/// throwing event handler can never stall it (STYLE §9).
/// </summary>
/// <remarks>
/// At most <see cref="Capacity"/> events wait: past it (a server flooding -ERR lines at a slow handler) new
/// events are dropped, so the queue cannot grow without bound.
/// </remarks>
sealed class EventDispatcher : IThreadPoolWorkItem
{
    public const int Capacity = 10_000;

    readonly ConcurrentQueue<Action> _queue = new();
    int _scheduled;
    int _waiting;
    long _dropped;

    /// <summary>Events dropped because <see cref="Capacity"/> were waiting.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Post(Action action)
    {
        if (Interlocked.Increment(ref _waiting) > Capacity)
        {
            Interlocked.Decrement(ref _waiting);
            Interlocked.Increment(ref _dropped);
            return;
        }
        _queue.Enqueue(action);
        if (Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    void IThreadPoolWorkItem.Execute()
    {
        while (true)
        {
            while (_queue.TryDequeue(out var action))
            {
                Interlocked.Decrement(ref _waiting);
                try { action(); }
                catch (Exception) { /* an event handler's exception must not end event delivery */ }
            }
            Volatile.Write(ref _scheduled, 0);
            if (_queue.IsEmpty || Interlocked.CompareExchange(ref _scheduled, 1, 0) != 0) return;
        }
    }
}
