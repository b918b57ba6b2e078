using System.Collections.Concurrent;
using BrokerGateway.Nats.Internal;

namespace BrokerGateway.Nats;

/// <summary>
/// A NATS core connection (digest §5): one reader loop, one writer loop and one keep-alive timer per server
/// connection, whatever the number of subscriptions. Reconnects by itself across the server pool, replaying
/// subscriptions and then publishes buffered meanwhile. Thread-safe.
/// </summary>
public sealed partial class NatsConnection : IAsyncDisposable
{
    readonly NatsOptions _options;
    readonly INatsTransportFactory _transportFactory;
    readonly ServerPool _pool;
    readonly ConcurrentDictionary<long, NatsSubscription> _subscriptions = new();
    readonly CommandWriter _writer;
    readonly EventDispatcher _events = new();
    readonly object _lifecycle = new();
    readonly CancellationTokenSource _closing = new();
    readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    int _state;
    NatsServerInfo? _serverInfo;
    Session? _session;
    Task? _supervisor;
    long _lastSid;
    int _draining, _closeRequested, _finished;

    /// <exception cref="ArgumentException">An option is invalid (see <see cref="NatsOptions.Validate"/>).</exception>
    public NatsConnection(NatsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _transportFactory = options.TransportFactory ?? TcpTransportFactory.Instance;
        _pool = new ServerPool(options.Servers.Select(url => ServerAddress.Parse(url)));
        _writer = new CommandWriter(options, _subscriptions);
    }

    public NatsOptions Options => _options;

    public NatsConnectionState State => (NatsConnectionState)Volatile.Read(ref _state);

    /// <summary>The newest INFO of the current (or last) server; null before the first connection.</summary>
    public NatsServerInfo? ServerInfo => Volatile.Read(ref _serverInfo);

    /// <summary>The server in use, as <c>nats://host:port</c>; null when not connected.</summary>
    public string? ConnectedUrl => State == NatsConnectionState.Connected && Volatile.Read(ref _session) is { } s ? "nats://" + s.Server.HostPort : null;

    /// <summary>Subscriptions currently live on this connection (including the request inbox, once used).</summary>
    public int SubscriptionCount => _subscriptions.Count;

    /// <summary>The connection was lost; it is reconnecting (raised on the thread pool, in order with the others).</summary>
    public event EventHandler<NatsConnectionEvent>? Disconnected;

    /// <summary>A connection is back, subscriptions replayed and buffered publishes queued.</summary>
    public event EventHandler<NatsConnectionEvent>? Reconnected;

    /// <summary>The connection is closed for good.</summary>
    public event EventHandler<NatsConnectionEvent>? Closed;

    /// <summary>A subscription's pending queue was full and a message was dropped (at most once a second per subscription while it lasts).</summary>
    public event EventHandler<NatsSlowConsumerEvent>? MessageDropped;

    /// <summary>A non-fatal server error, or an exception from a message handler.</summary>
    public event EventHandler<NatsErrorEvent>? Error;

    void SetState(NatsConnectionState state)
    {
        while (true)
        {
            var current = Volatile.Read(ref _state);
            if (current == (int)NatsConnectionState.Closed) return;
            if (Interlocked.CompareExchange(ref _state, (int)state, current) == current) return;
        }
    }

    // Handlers are read when the event runs, not when it is posted, so late subscribers still hear it.
    void RaiseDisconnected(NatsConnectionEvent e) => _events.Post(() => Disconnected?.Invoke(this, e));
    void RaiseReconnected(NatsConnectionEvent e) => _events.Post(() => Reconnected?.Invoke(this, e));
    void RaiseClosed(NatsConnectionEvent e) => _events.Post(() => Closed?.Invoke(this, e));

    internal void ReportHandlerError(Exception error, NatsSubscription? subscription) =>
        _events.Post(() => Error?.Invoke(this, new NatsErrorEvent(error, subscription)));

    void ReportDropped(NatsSubscription subscription) =>
        _events.Post(() => MessageDropped?.Invoke(this, new NatsSlowConsumerEvent(subscription, subscription.Dropped, _options.SubscriptionPendingLimit)));
}
