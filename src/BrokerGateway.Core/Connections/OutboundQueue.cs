using System.Threading.Tasks.Sources;

namespace BrokerGateway.Core.Connections;

/// <summary>
/// A connection's bounded queue of frames: many writers (the fan-out), one reader (the send loop).
/// <para>
/// Why not a bounded <c>Channel</c>: with its reader and writer objects, operation objects and a grown
/// buffer it cost about 1 KiB for every connection, idle or not, where this costs an object of a few
/// dozen bytes plus a small ring held only while frames wait. The reader's wait allocates nothing.
/// </para>
/// <para>
/// With a <see cref="IBatchSender"/> attached, a frame queued inside an <see cref="OutboundBatch"/> while
/// the reader waits does not wake it: the batch claims the queue, its sender writes what it holds, and
/// <see cref="EndClaim"/> hands the queue back (the reader, still waiting, never noticed). One writer to the
/// socket at a time either way: the reader is parked for as long as the claim lasts.
/// </para>
/// </summary>
public sealed class OutboundQueue : IValueTaskSource<bool>
{
    /// <summary>A ring up to this size is kept when drained; a bigger one (a burst) is let go.</summary>
    const int KeptCapacity = 4;

    readonly object _gate = new();
    readonly int _limit;
    OutboundFrame[] _ring = [];
    int _head;
    int _count;
    bool _completed;
    bool _waiting;
    bool _claimed;
    ManualResetValueTaskSourceCore<bool> _wait = new() { RunContinuationsAsynchronously = true };

    public OutboundQueue(int limit) => _limit = Math.Max(1, limit);

    /// <summary>Writes claimed queues in batches; null: every frame wakes the reader.</summary>
    public IBatchSender? BatchSender { get; private set; }

    /// <summary>The transport's socket behind this queue, for <see cref="BatchSender"/>.</summary>
    public object? BatchTarget { get; private set; }

    /// <summary>Lets <paramref name="sender"/> write this queue's frames in batches (see <see cref="OutboundBatch"/>).</summary>
    public void AttachBatchSender(IBatchSender sender, object target)
    {
        lock (_gate)
        {
            BatchTarget = target;
            BatchSender = sender;
        }
    }

    /// <summary>True once <see cref="Complete"/> was called.</summary>
    public bool IsCompleted { get { lock (_gate) return _completed; } }

    /// <summary>Frames waiting now.</summary>
    public int Count { get { lock (_gate) return _count; } }

    /// <summary>Queues a frame; false when the queue is full or completed (the frame is not queued).</summary>
    public bool TryWrite(OutboundFrame frame)
    {
        OutboundBatch? claimedBy = null;
        lock (_gate)
        {
            if (_completed || _count == _limit) return false;
            if (_count == _ring.Length) Grow();
            _ring[(_head + _count) % _ring.Length] = frame;
            _count++;
            if (_waiting && BatchSender is not null && OutboundBatch.Current is { } batch)
            {
                _waiting = false;
                _claimed = true;
                claimedBy = batch;
            }
            else WakeReader();
        }
        claimedBy?.Add(this); // outside the lock: a full batch sends at once, and takes other queues' locks
        return true;
    }

    /// <summary>No more writes; the reader drains what is queued, then its wait returns false.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            WakeReader();
        }
    }

    /// <summary>Takes the oldest frames, as many as <paramref name="into"/> holds, under one lock; returns how many.</summary>
    public int TryRead(Span<OutboundFrame> into)
    {
        lock (_gate)
        {
            var taken = Math.Min(into.Length, _count);
            for (var i = 0; i < taken; i++)
            {
                into[i] = _ring[_head];
                _ring[_head] = default; // the payload is not kept alive by the ring
                _head = (_head + 1) % _ring.Length;
            }
            _count -= taken;
            if (_count == 0 && taken > 0)
            {
                _head = 0;
                if (_ring.Length > KeptCapacity) _ring = [];
            }
            return taken;
        }
    }

    /// <summary>
    /// Waits until a frame is queued (true) or the queue is completed and drained (false). One reader
    /// only; it is woken by <see cref="Complete"/>, so it needs no cancellation of its own.
    /// </summary>
    public ValueTask<bool> WaitToReadAsync()
    {
        lock (_gate)
        {
            if (_count > 0) return new(true);
            if (_completed) return new(false);
            if (_waiting) throw new InvalidOperationException("the outbound queue has one reader");
            _wait.Reset();
            _waiting = true;
            return new(this, _wait.Version);
        }
    }

    /// <summary>
    /// Ends a batch's claim: the reader waits on if nothing is left, or is woken to write the rest (frames
    /// queued during the claim, what the batch left to it) and to see a completion. A no-op when unclaimed.
    /// </summary>
    public void EndClaim()
    {
        lock (_gate)
        {
            if (!_claimed) return;
            _claimed = false;
            _waiting = true;
            if (_count > 0 || _completed) WakeReader();
        }
    }

    /// <summary>Under the lock: completes the reader's wait, if it is waiting.</summary>
    void WakeReader()
    {
        if (!_waiting) return;
        _waiting = false;
        _wait.SetResult(_count > 0);
    }

    void Grow()
    {
        var bigger = new OutboundFrame[Math.Min(_limit, Math.Max(KeptCapacity, _ring.Length * 2))];
        for (var i = 0; i < _count; i++) bigger[i] = _ring[(_head + i) % _ring.Length];
        _ring = bigger;
        _head = 0;
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _wait.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _wait.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _wait.OnCompleted(continuation, state, token, flags);
}
