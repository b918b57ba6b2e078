namespace BrokerGateway.Nats;

/// <summary>
/// An interest in a subject. Its messages wait in a bounded queue and reach the handler one at a time, in
/// order, on the thread pool; an idle subscription holds no thread and no task.
/// </summary>
public sealed class NatsSubscription : IAsyncDisposable
{
    readonly NatsConnection _connection;
    readonly Internal.SubscriptionDelivery? _delivery;
    long _received;
    long _maxMessages;
    bool _draining;

    internal NatsSubscription(NatsConnection connection, long sid, string subject, string? queueGroup,
        Func<NatsMsg, object, ValueTask>? handler, object? state, int pendingLimit, long pendingBytesLimit = long.MaxValue)
    {
        _connection = connection;
        Sid = sid;
        Subject = subject;
        QueueGroup = queueGroup;
        IsLiteral = !Internal.Subjects.HasWildcard(subject);
        if (handler is not null) _delivery = new Internal.SubscriptionDelivery(connection, this, handler, state!, pendingLimit, pendingBytesLimit);
    }

    public string Subject { get; }
    public string? QueueGroup { get; }

    /// <summary>Messages handed to the handler so far.</summary>
    public long Delivered => _delivery?.Delivered ?? Volatile.Read(ref _received);

    /// <summary>Messages dropped because the pending queue was full.</summary>
    public long Dropped => _delivery?.Dropped ?? 0;

    /// <summary>Messages waiting for the handler now.</summary>
    public int Pending => _delivery?.Pending ?? 0;

    /// <summary>
    /// Stops the subscription. With <paramref name="afterMessages"/>, the server stops after that many messages in
    /// total (counting those already received; UNSUB max, digest §2), and the limit survives reconnects.
    /// Without it, delivery stops now and messages still queued are discarded.
    /// </summary>
    public ValueTask UnsubscribeAsync(int? afterMessages = null)
    {
        if (afterMessages is < 1) throw new ArgumentOutOfRangeException(nameof(afterMessages), afterMessages, "must be at least 1");
        return _connection.UnsubscribeAsync(this, afterMessages);
    }

    public ValueTask DisposeAsync() => UnsubscribeAsync();

    public override string ToString() => QueueGroup is null ? Subject : $"{Subject} (queue {QueueGroup})";

    internal long Sid { get; }
    /// <summary>No wildcard: every message's subject is this one, and reuses its string instead of decoding a new one.</summary>
    internal bool IsLiteral { get; }
    internal bool IsInbox => _delivery is null;
    internal Internal.SubscriptionDelivery? Delivery => _delivery;

    /// <summary>Messages received from the server, dropped or not (what UNSUB max counts). Read loop writes it.</summary>
    internal long Received => Volatile.Read(ref _received);
    /// <summary>Only the read loop counts, so a plain write suffices; others read through <see cref="Received"/>.</summary>
    internal long CountReceived()
    {
        var received = _received + 1;
        Volatile.Write(ref _received, received);
        return received;
    }

    /// <summary>Set when a drain has sent UNSUB; such a subscription is not replayed on reconnect.</summary>
    internal bool Draining
    {
        get => Volatile.Read(ref _draining);
        set => Volatile.Write(ref _draining, value);
    }

    /// <summary>
    /// The writer's number of the buffer that holds this subscription's latest SUB (-1 before the first); guarded
    /// by the writer's lock.
    /// </summary>
    internal int SubscribedInBuffer { get; set; } = -1;

    /// <summary>0 = no limit.</summary>
    internal long MaxMessages
    {
        get => Volatile.Read(ref _maxMessages);
        set => Volatile.Write(ref _maxMessages, value);
    }
}
