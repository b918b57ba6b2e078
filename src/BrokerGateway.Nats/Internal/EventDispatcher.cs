using System.Collections.Concurrent;

namespace BrokerGateway.Nats.Internal;

/// <summary>
/// Runs connection events one at a time, in order, on the thread pool: the read loop only posts, so a slow or
/// throwing event handler can never stall it (STYLE §9).
/// </summary>
sealed class EventDispatcher : IThreadPoolWorkItem
{
    readonly ConcurrentQueue<Action> _queue = new();
    int _scheduled;

    public void Post(Action action)
    {
        _queue.Enqueue(action);
        if (Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    void IThreadPoolWorkItem.Execute()
    {
        while (true)
        {
            while (_queue.TryDequeue(out var action))
            {
                try { action(); }
                catch (Exception) { /* an event handler's exception must not end event delivery */ }
            }
            Volatile.Write(ref _scheduled, 0);
            if (_queue.IsEmpty || Interlocked.CompareExchange(ref _scheduled, 1, 0) != 0) return;
        }
    }
}
