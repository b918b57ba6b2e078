namespace BrokerGateway.Nats;

/// <summary>A change of connection: lost, regained or closed for good.</summary>
public sealed class NatsConnectionEvent(string? serverUrl, Exception? error) : EventArgs
{
    /// <summary>The server the event is about (the one lost, or the one regained), as host:port.</summary>
    public string? ServerUrl { get; } = serverUrl;

    /// <summary>Why the connection was lost or closed, when there was an error.</summary>
    public Exception? Error { get; } = error;
}

/// <summary>A subscription's pending queue was full, so the newest message was dropped.</summary>
public sealed class NatsSlowConsumerEvent(NatsSubscription subscription, long dropped, int pendingLimit) : EventArgs
{
    public NatsSubscription Subscription { get; } = subscription;

    /// <summary>Messages this subscription has dropped in total when the event was raised.</summary>
    public long Dropped { get; } = dropped;

    /// <summary>The queue bound that was hit (<see cref="NatsOptions.SubscriptionPendingLimit"/>).</summary>
    public int PendingLimit { get; } = pendingLimit;
}

/// <summary>
/// An error that did not end the connection: a non-fatal server <c>-ERR</c> (permissions, invalid subject)
/// or an exception thrown by a message handler.
/// </summary>
public sealed class NatsErrorEvent(Exception error, NatsSubscription? subscription) : EventArgs
{
    public Exception Error { get; } = error;

    /// <summary>The subscription whose handler threw, if any.</summary>
    public NatsSubscription? Subscription { get; } = subscription;
}
