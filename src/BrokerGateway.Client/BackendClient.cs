using System.Text.Json;
using BrokerGateway.Core.Addressing;
using BrokerGateway.Core.Fanout;
using BrokerGateway.Nats;

namespace BrokerGateway.Client;

/// <summary>
/// A backend's handle on the gateway cluster, over NATS alone: push to any target, send commands, and
/// (in the partial files) consume client events and answer client RPCs. Subjects, id encoding and
/// headers follow the gateway's contract (DESIGN §4), so no id can reach the wrong sockets.
/// </summary>
public sealed partial class BackendClient : IAsyncDisposable
{
    readonly NatsConnection _nats;
    readonly bool _ownsConnection;

    /// <param name="prefix">The clusters' subject prefix (<c>BGW_SUBJECT_PREFIX</c>, default <c>bgw</c>).</param>
    public BackendClient(NatsConnection nats, string prefix = Subjects.DefaultPrefix)
    {
        _nats = nats;
        Subjects = new Subjects(prefix);
    }

    BackendClient(NatsConnection nats, string prefix, bool owns) : this(nats, prefix) => _ownsConnection = owns;

    /// <summary>Connects to NATS (comma-separated servers) and returns a client that owns that connection.</summary>
    public static async Task<BackendClient> ConnectAsync(string natsServers, string prefix = Subjects.DefaultPrefix, string name = "bgw-backend", CancellationToken ct = default)
    {
        var nats = new NatsConnection(new NatsOptions
        {
            Servers = natsServers.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
            Name = name,
        });
        try
        {
            await nats.ConnectAsync(ct);
        }
        catch
        {
            await nats.DisposeAsync();
            throw;
        }
        return new BackendClient(nats, prefix, owns: true);
    }

    public Subjects Subjects { get; }
    public NatsConnection Connection => _nats;

    /// <summary>Pushes opaque bytes to every connection of a target, wherever they are.</summary>
    public ValueTask PushAsync(Target target, ReadOnlyMemory<byte> data, PushOptions? options = null, CancellationToken ct = default)
    {
        NatsHeaders? headers = null;
        if (options is not null)
        {
            headers = new NatsHeaders();
            if (options.Event is { } e) headers.Add(BgwHeaders.Event, e);
            if (options.ExcludeConn is { } x) headers.Add(BgwHeaders.Exclude, x);
            if (options.MsgId is { } id) headers.Add(BgwHeaders.MsgId, id);
            if (options.ContentType is { } type) headers.Add(BgwHeaders.ContentType, type);
            if (headers.Count == 0) headers = null;
        }
        return _nats.PublishAsync(Subjects.For(target), data, headers, cancellationToken: ct);
    }

    /// <summary>Pushes a value serialized as JSON (embedded as JSON in clients' frames).</summary>
    public ValueTask PushJsonAsync<T>(Target target, T value, PushOptions? options = null, CancellationToken ct = default) =>
        PushAsync(target, JsonSerializer.SerializeToUtf8Bytes(value), (options ?? new()) with { ContentType = "application/json" }, ct);

    public ValueTask PushToUserAsync(string nsp, string uid, ReadOnlyMemory<byte> data, PushOptions? options = null) => PushAsync(Target.User(nsp, uid), data, options);
    public ValueTask PushToRoomAsync(string nsp, string room, ReadOnlyMemory<byte> data, PushOptions? options = null) => PushAsync(Target.Room(nsp, room), data, options);
    public ValueTask PushToTopicAsync(string nsp, string topic, ReadOnlyMemory<byte> data, PushOptions? options = null) => PushAsync(Target.Topic(nsp, topic), data, options);
    public ValueTask PushToConnectionAsync(string conn, ReadOnlyMemory<byte> data, PushOptions? options = null) => PushAsync(Target.Connection(conn), data, options);
    public ValueTask PushToNamespaceAsync(string nsp, ReadOnlyMemory<byte> data, PushOptions? options = null) => PushAsync(Target.Namespace(nsp), data, options);

    /// <summary>Waits until the server has every earlier push and command.</summary>
    public Task FlushAsync(CancellationToken ct = default) => _nats.FlushAsync(ct);

    public async ValueTask DisposeAsync()
    {
        if (_ownsConnection) await _nats.DisposeAsync();
    }
}
