namespace BrokerGateway.Core.Broker;

/// <summary>
/// Moves messages between replicas and backends. Twins: <see cref="MemoryBroker"/> (one process) and the
/// NATS broker.
/// </summary>
/// <remarks>
/// Contract:
/// <list type="bullet">
/// <item>At most once: a message published while a subscriber is unreachable may be lost; nothing is
///   stored. Publishes made during a short broker outage are buffered (bounded) by the NATS twin.</item>
/// <item>Order: messages from one publisher on one subject reach each subscription in publish order.</item>
/// <item>A subscription's handler runs one message at a time; a slow handler only drops its own
///   messages (counted), it never stalls other subscriptions.</item>
/// <item>A queue group delivers each message to exactly one of its members.</item>
/// <item>Subjects come from <c>Subjects</c>; exact subjects and the NATS wildcards <c>*</c> and <c>&gt;</c>
///   are accepted by <see cref="SubscribeAsync"/>.</item>
/// </list>
/// </remarks>
public interface IBroker : IAsyncDisposable
{
    /// <summary>Raised (off the delivery path) when the link to the server changes, so the node can re-sync.</summary>
    event Action<BrokerState>? StateChanged;

    /// <summary>True while publishes and subscriptions reach the server.</summary>
    bool IsConnected { get; }

    ValueTask PublishAsync(string subject, ReadOnlyMemory<byte> data, MessageHeaders? headers = null, string? replyTo = null, CancellationToken ct = default);

    /// <summary>
    /// Publishes and reports whether at least one subscriber (a queue group counts once) took the message,
    /// as the server saw it. Costs a round trip: for senders that must be told nobody listens.
    /// </summary>
    Task<bool> PublishCheckedAsync(string subject, ReadOnlyMemory<byte> data, MessageHeaders? headers = null, CancellationToken ct = default);

    ValueTask<IAsyncDisposable> SubscribeAsync(string subject, BrokerHandler handler, string? queueGroup = null, CancellationToken ct = default);

    /// <summary>
    /// Subscribes a handler called with <paramref name="state"/>: many subscriptions can share one handler (a
    /// static lambda) and keep only their state each, rather than a closure and a delegate apiece. For the
    /// gateway's own per-client subscriptions, where that is a good part of an idle client's memory.
    /// </summary>
    ValueTask<IAsyncDisposable> SubscribeAsync(string subject, Func<BrokerMessage, object, ValueTask> handler, object state,
        string? queueGroup = null, CancellationToken ct = default);

    /// <summary>Sends a request and waits for one reply; throws <see cref="NoRespondersException"/> or <see cref="RequestTimeoutException"/>.</summary>
    Task<BrokerMessage> RequestAsync(string subject, ReadOnlyMemory<byte> data, MessageHeaders? headers, TimeSpan timeout, CancellationToken ct = default);

    /// <summary>Completes once every earlier publish and subscription has reached the server.</summary>
    Task FlushAsync(CancellationToken ct = default);
}
