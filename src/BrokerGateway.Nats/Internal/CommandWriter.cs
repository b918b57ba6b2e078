using System.Collections.Concurrent;

namespace BrokerGateway.Nats.Internal;

/// <summary>
/// Everything the client sends goes through here (STYLE §8). Callers write commands into one pending buffer under
/// a short lock (never held across an await); one writer loop per connection swaps that buffer out and hands it to
/// the socket whole, so everything written while the previous send was in flight leaves in one syscall.
/// While disconnected the same buffer is the bounded reconnect buffer. The subscription table is changed only
/// under the same lock, so a reconnect replays exactly the live subscriptions before any buffered publish.
/// </summary>
sealed partial class CommandWriter(NatsOptions options, ConcurrentDictionary<long, NatsSubscription> subscriptions)
{
    enum Mode { NotStarted, Attached, Buffering, Closed }

    /// <summary>While streaming, the writer waits for this much before sending (at most <see cref="CoalesceTurns"/> yields).</summary>
    const int CoalesceBytes = 32 * 1024;
    const int CoalesceTurns = 4;
    /// <summary>Buffers grown past this go back to the pool after a send.</summary>
    const int KeepBufferBytes = 256 * 1024;
    static readonly byte[] PongBatch = [.. Enumerable.Repeat(ProtocolWriter.Pong.ToArray(), 16).SelectMany(b => b)];

    readonly object _lock = new();
    readonly AsyncSignal _signal = new();
    /// <summary>Where this buffer's PINGs are, to neutralise them if the connection drops before they leave.</summary>
    readonly List<int> _pingOffsets = [];
    /// <summary>PONGs come back in PING order (digest §8); null entries are keep-alive PINGs nobody awaits.</summary>
    readonly Queue<TaskCompletionSource?> _pongWaiters = new();
    CommandBuffer _pending = new(64 * 1024);
    CommandBuffer? _spare = new(64 * 1024);
    Mode _mode;
    long _session;
    bool _signaled;
    int _pongsOwed;
    TaskCompletionSource? _spaceWaiter;
    long _maxPayload = 1024 * 1024;
    bool _headers = true;
    Exception? _closeReason;
    /// <summary>Copy of the pending length the writer loop may read without the lock (a hint for coalescing).</summary>
    int _pendingLength;
    /// <summary>
    /// Counts the buffers the writer loop has taken: a subscription whose SUB was written in the current one
    /// (<see cref="NatsSubscription.SubscribedInBuffer"/>) may not have reached the server yet.
    /// </summary>
    int _bufferNumber;

    public bool IsAttached { get { lock (_lock) return _mode == Mode.Attached; } }

    /// <summary>Bytes waiting to be sent (or, while disconnected, buffered for the next connection).</summary>
    public int PendingBytes { get { lock (_lock) return _pending.Length; } }

    /// <summary>
    /// Queues PUB or HPUB. Completes at once unless the buffer is over <see cref="NatsOptions.WriteBufferBytes"/>,
    /// in which case it completes when the writer has taken the buffer.
    /// </summary>
    public ValueTask PublishAsync(string subject, string? replyTo, NatsHeaders? headers, ReadOnlySpan<byte> payload, CancellationToken cancellationToken)
    {
        var headerLength = headers is null ? 0 : HeaderCodec.GetEncodedLength(headers);
        TaskCompletionSource? wait = null;
        var signal = false;
        lock (_lock)
        {
            ThrowIfUnusable();
            if ((long)headerLength + payload.Length > _maxPayload) throw new NatsMaxPayloadException((long)headerLength + payload.Length, _maxPayload);
            if (headers is not null && !_headers) throw new NatsException("the server does not support headers (INFO headers:false)");
            var before = _pending.Length;
            if (headers is null) ProtocolWriter.WritePub(_pending, subject, replyTo, payload);
            else ProtocolWriter.WriteHpub(_pending, subject, replyTo, headers, headerLength, payload);
            if (_mode == Mode.Buffering)
            {
                if (_pending.Length > options.ReconnectBufferBytes)
                {
                    _pending.Truncate(before);
                    throw new NatsReconnectBufferFullException(before, options.ReconnectBufferBytes);
                }
            }
            else
            {
                signal = MarkSignaled();
                if (_pending.Length >= options.WriteBufferBytes)
                    wait = _spaceWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
        if (signal) _signal.Set();
        return wait is null ? default : new ValueTask(wait.Task.WaitAsync(cancellationToken));
    }

    /// <summary>Adds the subscription to the table and, if connected, sends SUB (and UNSUB max).</summary>
    public void Subscribe(NatsSubscription subscription)
    {
        var signal = false;
        lock (_lock)
        {
            ThrowIfUnusable();
            subscriptions[subscription.Sid] = subscription;
            // While disconnected the reconnect replays the table, so nothing is written now.
            if (_mode == Mode.Attached)
            {
                WriteSubscribe(_pending, subscription);
                signal = MarkSignaled();
            }
        }
        if (signal) _signal.Set();
    }

    /// <summary>
    /// Without a limit: removes the subscription and sends UNSUB. With one: records it and sends UNSUB max; the
    /// subscription leaves the table when the read loop counts the last message.
    /// </summary>
    public void Unsubscribe(NatsSubscription subscription, long? maxMessages)
    {
        var signal = false;
        lock (_lock)
        {
            if (maxMessages is { } max && max > subscription.Received)
            {
                subscription.MaxMessages = max;
                if (_mode == Mode.Attached)
                {
                    ProtocolWriter.WriteUnsub(_pending, subscription.Sid, max);
                    signal = MarkSignaled();
                }
            }
            else
            {
                subscriptions.TryRemove(subscription.Sid, out _);
                // While disconnected only when the buffer kept from before the drop holds this SUB: the server forgot
                // every other subscription with the connection, and an UNSUB each would fill the reconnect buffer
                // with the churn of a whole outage (an UNSUB of an unknown sid is a no-op for the server, digest §7).
                if (_mode == Mode.Attached || (_mode == Mode.Buffering && subscription.SubscribedInBuffer == _bufferNumber))
                {
                    ProtocolWriter.WriteUnsub(_pending, subscription.Sid, null);
                    signal = MarkSignaled();
                }
            }
        }
        if (signal) _signal.Set();
    }

    /// <summary>
    /// Drain, first step: UNSUB at the server but keep the table entry, so messages already on their way are still
    /// delivered; a reconnect meanwhile does not bring the subscription back.
    /// </summary>
    public void BeginDrain(NatsSubscription subscription)
    {
        var signal = false;
        lock (_lock)
        {
            subscription.Draining = true;
            if (_mode == Mode.Attached)
            {
                ProtocolWriter.WriteUnsub(_pending, subscription.Sid, null);
                signal = MarkSignaled();
            }
        }
        if (signal) _signal.Set();
    }

    /// <summary>Removes a subscription whose UNSUB max was reached (the server already forgot it), or a drained one.</summary>
    public void Forget(NatsSubscription subscription)
    {
        lock (_lock) subscriptions.TryRemove(subscription.Sid, out _);
    }

    /// <summary>Sends PING; the task completes on its PONG, i.e. when the server has processed everything before it.</summary>
    public Task PingAsync(bool awaited)
    {
        var waiter = awaited ? new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) : null;
        bool signal;
        lock (_lock)
        {
            if (_mode != Mode.Attached)
            {
                if (!awaited) return Task.CompletedTask;
                ThrowIfUnusable();
                throw new NatsConnectionException("not connected: the connection is being re-established");
            }
            _pingOffsets.Add(_pending.Length);
            _pending.Write(ProtocolWriter.Ping);
            _pongWaiters.Enqueue(waiter);
            signal = MarkSignaled();
        }
        if (signal) _signal.Set();
        return waiter?.Task ?? Task.CompletedTask;
    }

    /// <summary>The server PINGed: answer ahead of queued publishes (digest §5).</summary>
    public void OwePong()
    {
        bool signal;
        lock (_lock)
        {
            if (_mode != Mode.Attached) return;
            _pongsOwed++;
            signal = MarkSignaled();
        }
        if (signal) _signal.Set();
    }

    public void OnPong()
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            if (!_pongWaiters.TryDequeue(out waiter)) return;
        }
        waiter?.TrySetResult();
    }

    public void UpdateServerInfo(NatsServerInfo info)
    {
        lock (_lock)
        {
            _maxPayload = info.MaxPayload > 0 ? info.MaxPayload : _maxPayload;
            _headers = info.Headers;
        }
    }

    bool MarkSignaled()
    {
        Volatile.Write(ref _pendingLength, _pending.Length);
        if (_signaled) return false;
        _signaled = true;
        return true;
    }

    void ThrowIfUnusable()
    {
        switch (_mode)
        {
            case Mode.NotStarted: throw new NatsConnectionException("not connected: call ConnectAsync first");
            case Mode.Closed: throw new NatsConnectionException("the connection is closed", _closeReason);
        }
    }

    void WriteSubscribe(CommandBuffer buffer, NatsSubscription subscription)
    {
        var max = subscription.MaxMessages;
        var remaining = max - subscription.Received;
        if (subscription.Draining || (max > 0 && remaining <= 0)) return;
        ProtocolWriter.WriteSub(buffer, subscription.Subject, subscription.QueueGroup, subscription.Sid);
        subscription.SubscribedInBuffer = _bufferNumber;
        // The server's count starts again on a new connection, so only what is left is asked for (digest §11).
        if (max > 0) ProtocolWriter.WriteUnsub(buffer, subscription.Sid, remaining);
    }
}
