using BrokerGateway.Nats.Internal;

namespace BrokerGateway.Nats;

public sealed partial class NatsConnection
{
    /// <summary>
    /// Subscribes <paramref name="handler"/> to <paramref name="subject"/> (wildcards allowed), optionally in a
    /// queue group. The SUB is queued in order with later publishes on this connection; to be sure the server has
    /// it before another connection publishes, await <see cref="FlushAsync"/>.
    /// </summary>
    /// <exception cref="NatsSubjectException">The subject or queue group is invalid.</exception>
    /// <exception cref="NatsConnectionException">Not connected yet, draining, or closed.</exception>
    public ValueTask<NatsSubscription> SubscribeAsync(string subject, NatsMsgHandler handler, string? queueGroup = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return SubscribeAsync(subject, static (msg, state) => ((NatsMsgHandler)state)(msg), handler, queueGroup, cancellationToken);
    }

    /// <summary>
    /// Subscribes as above, with a handler called with <paramref name="state"/>: many subscriptions can share
    /// one handler (a static lambda) and keep only their state each, rather than a closure and a delegate
    /// apiece — which counts when a process holds a subscription or two per client.
    /// </summary>
    public ValueTask<NatsSubscription> SubscribeAsync(string subject, Func<NatsMsg, object, ValueTask> handler, object state,
        string? queueGroup = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(state);
        Subjects.ValidateSubscribe(subject);
        if (queueGroup is not null) Subjects.ValidateQueueGroup(queueGroup);
        cancellationToken.ThrowIfCancellationRequested();
        if (Volatile.Read(ref _draining) != 0) throw new NatsConnectionException("the connection is draining; no new subscriptions");
        var subscription = new NatsSubscription(this, Interlocked.Increment(ref _lastSid), subject, queueGroup, handler, state,
            _options.SubscriptionPendingLimit, _options.SubscriptionPendingBytesLimit);
        _writer.Subscribe(subscription);
        return ValueTask.FromResult(subscription);
    }

    internal ValueTask UnsubscribeAsync(NatsSubscription subscription, int? afterMessages)
    {
        if (afterMessages is null) subscription.Delivery?.Stop();
        _writer.Unsubscribe(subscription, afterMessages);
        return ValueTask.CompletedTask;
    }
}
