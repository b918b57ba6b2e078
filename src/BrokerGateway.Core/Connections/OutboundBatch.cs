namespace BrokerGateway.Core.Connections;

/// <summary>
/// A scope on one thread in which queuing a frame for an idle socket does not wake that socket's send
/// loop: the queue is claimed instead, and when the scope ends its <see cref="IBatchSender"/> writes every
/// claimed queue at once. A push to a room of a hundred then costs one hand-over to the kernel rather than
/// a hundred thread-pool hops and a hundred system calls.
/// <para>
/// Open it around synchronous code only (a fan-out loop): it belongs to the thread, so it must end on the
/// thread that began it. A scope begun inside another is a no-op; the outer one sends.
/// </para>
/// </summary>
public sealed class OutboundBatch
{
    /// <summary>Queues claimed beyond this are sent before the scope ends, so a batch stays bounded.</summary>
    internal const int MaxClaimed = 256;

    [ThreadStatic] static OutboundBatch? t_current;
    [ThreadStatic] static OutboundBatch? t_spare;

    readonly OutboundQueue[] _claimed = new OutboundQueue[MaxClaimed];
    int _count;

    /// <summary>The scope open on this thread, if any.</summary>
    internal static OutboundBatch? Current => t_current;

    /// <summary>Opens a scope on this thread; dispose it (on this thread) to send what it claimed.</summary>
    public static Scope Begin()
    {
        if (t_current is not null) return default;
        var batch = t_spare ?? new OutboundBatch();
        t_spare = null;
        t_current = batch;
        return new Scope(batch);
    }

    /// <summary>Called by a queue that has just been claimed for this batch.</summary>
    internal void Add(OutboundQueue queue)
    {
        _claimed[_count++] = queue;
        if (_count == MaxClaimed) Send();
    }

    /// <summary>
    /// Hands the claimed queues to their senders (all queues of one transport share one, so usually one
    /// call), then forgets them. A sender that throws leaves no queue claimed: their send loops take over.
    /// </summary>
    void Send()
    {
        var claimed = _claimed.AsSpan(0, _count);
        // While sending, a frame queued on this thread (a sender's own doing) wakes its loop as usual.
        t_current = null;
        try
        {
            var start = 0;
            while (start < claimed.Length)
            {
                var sender = claimed[start].BatchSender!;
                var end = start + 1;
                while (end < claimed.Length && ReferenceEquals(claimed[end].BatchSender, sender)) end++;
                try
                {
                    sender.SendClaimed(claimed[start..end]); // it ends each claim, now or once a write it started is done
                }
                catch
                {
                    foreach (var queue in claimed[start..]) queue.EndClaim(); // a no-op for those it had ended
                    throw;
                }
                start = end;
            }
        }
        finally
        {
            claimed.Clear();
            _count = 0;
            t_current = this;
        }
    }

    /// <summary>The open scope; ending it sends what was claimed.</summary>
    public readonly struct Scope : IDisposable
    {
        readonly OutboundBatch? _batch;

        internal Scope(OutboundBatch batch) => _batch = batch;

        public void Dispose()
        {
            if (_batch is null) return;
            try
            {
                if (_batch._count > 0) _batch.Send();
            }
            finally
            {
                t_current = null;
                t_spare = _batch;
            }
        }
    }
}
