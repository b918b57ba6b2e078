using System.Runtime.CompilerServices;
using BrokerGateway.Core.Broker;
using BrokerGateway.Nats;

namespace BrokerGateway.Broker.Nats;

/// <summary>
/// <see cref="IBroker"/> over our NATS client. Subjects, queue groups and headers map one to one; the
/// client resubscribes on reconnect and buffers publishes made while the link is down (bounded).
/// </summary>
public sealed class NatsBroker : IBroker
{
    readonly NatsConnection _connection;

    public NatsBroker(NatsConnection connection)
    {
        _connection = connection;
        // Raised off the client's read loop, so handlers may take their time.
        _connection.Disconnected += (_, _) => StateChanged?.Invoke(BrokerState.Disconnected);
        _connection.Reconnected += (_, _) => StateChanged?.Invoke(BrokerState.Reconnected);
        _connection.Closed += (_, _) => StateChanged?.Invoke(BrokerState.Closed);
    }

    /// <summary>How often the gateway's link pings its server.</summary>
    static readonly TimeSpan StallCheckInterval = TimeSpan.FromSeconds(10);

    /// <summary>Connects to the first reachable server of <paramref name="servers"/>.</summary>
    public static async Task<NatsBroker> ConnectAsync(IReadOnlyList<string> servers, string name, CancellationToken ct = default)
    {
        // Pings every 10 s: a server that stops answering (stalled, or a half-open link) is noticed within about
        // 30 s, and the replica reconnects and reports not ready, instead of after the client default's 6 minutes.
        var connection = new NatsConnection(new NatsOptions { Servers = servers, Name = name, PingInterval = StallCheckInterval });
        try
        {
            await connection.ConnectAsync(ct);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        return new NatsBroker(connection);
    }

    public NatsConnection Connection => _connection;

    public event Action<BrokerState>? StateChanged;

    public bool IsConnected => _connection.State == NatsConnectionState.Connected;

    public ValueTask PublishAsync(string subject, ReadOnlyMemory<byte> data, MessageHeaders? headers = null, string? replyTo = null, CancellationToken ct = default)
    {
        try
        {
            return _connection.PublishAsync(subject, data, ToNats(headers), replyTo, ct);
        }
        catch (NatsSubjectException e)
        {
            // The broker contract names ArgumentException for subjects it refuses, whatever the client.
            throw new ArgumentException(e.Message, nameof(subject), e);
        }
    }

    public Task<bool> PublishCheckedAsync(string subject, ReadOnlyMemory<byte> data, MessageHeaders? headers = null, CancellationToken ct = default)
    {
        try
        {
            return _connection.PublishCheckedAsync(subject, data, ToNats(headers), ct);
        }
        catch (NatsSubjectException e)
        {
            throw new ArgumentException(e.Message, nameof(subject), e);
        }
    }

    public ValueTask<IAsyncDisposable> SubscribeAsync(string subject, BrokerHandler handler, string? queueGroup = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return SubscribeAsync(subject, static (message, state) => ((BrokerHandler)state)(message), handler, queueGroup, ct);
    }

    public async ValueTask<IAsyncDisposable> SubscribeAsync(string subject, Func<BrokerMessage, object, ValueTask> handler, object state,
        string? queueGroup = null, CancellationToken ct = default)
    {
        try
        {
            return await _connection.SubscribeAsync(subject, static (msg, relay) => ((Relay)relay).Handle(msg), new Relay(handler, state), queueGroup, ct);
        }
        catch (NatsSubjectException e)
        {
            throw new ArgumentException(e.Message, nameof(subject), e);
        }
    }

    public async Task<BrokerMessage> RequestAsync(string subject, ReadOnlyMemory<byte> data, MessageHeaders? headers, TimeSpan timeout, CancellationToken ct = default)
    {
        try
        {
            return FromNats(await _connection.RequestAsync(subject, data, ToNats(headers), timeout, ct));
        }
        catch (NatsNoRespondersException)
        {
            throw new NoRespondersException(subject);
        }
        catch (NatsTimeoutException)
        {
            throw new RequestTimeoutException(subject, timeout);
        }
    }

    public Task FlushAsync(CancellationToken ct = default) => _connection.FlushAsync(ct);

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    // Frozen headers are shared by many messages (every uplink event carries the same): converted once.
    readonly ConditionalWeakTable<MessageHeaders, NatsHeaders> _frozen = new();

    NatsHeaders? ToNats(MessageHeaders? headers)
    {
        if (headers is null || headers.Count == 0) return null;
        if (headers.IsFrozen) return _frozen.GetValue(headers, Convert);
        return Convert(headers);
    }

    static NatsHeaders Convert(MessageHeaders headers)
    {
        var nats = new NatsHeaders();
        foreach (var (key, value) in headers) nats.Add(key, value);
        return nats;
    }

    static BrokerMessage FromNats(NatsMsg msg)
    {
        MessageHeaders? headers = null;
        if (msg.Headers is { } h)
        {
            headers = new MessageHeaders();
            foreach (var (key, values) in h)
                foreach (var value in values) headers.Add(key, value);
        }
        return new BrokerMessage(msg.Subject, msg.Data, headers, msg.ReplyTo);
    }

    /// <summary>A subscription's handler and state, in the one object the NATS subscription keeps.</summary>
    sealed class Relay(Func<BrokerMessage, object, ValueTask> handler, object state)
    {
        public ValueTask Handle(NatsMsg msg) => handler(FromNats(msg), state);
    }
}
