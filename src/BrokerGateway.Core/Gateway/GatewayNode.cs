using System.Collections.Concurrent;
using BrokerGateway.Core.Addressing;
using BrokerGateway.Core.Broker;
using BrokerGateway.Core.Connections;
using BrokerGateway.Core.Fanout;
using BrokerGateway.Core.Presence;

namespace BrokerGateway.Core.Gateway;

/// <summary>
/// One replica's core: its connections, their memberships, the broker subscriptions those need, and the
/// presence entries that tell the cluster about them. Transports (WebSocket dialects) call in; the
/// broker's deliveries go out to local sockets. It knows no client protocol and no server technology.
/// </summary>
public sealed partial class GatewayNode : IAsyncDisposable
{
    readonly ConcurrentDictionary<string, ClientConnection> _connections = new();
    readonly RecentIds _recentIds = new();
    long _connectionCounter;
    volatile bool _presenceDirty;

    public GatewayNode(GatewayOptions options, IBroker broker, IPresenceStore presence, TimeProvider? time = null)
    {
        Options = options;
        Broker = broker;
        Presence = presence;
        Time = time ?? TimeProvider.System;
        StartedAt = Time.GetUtcNow();
        Subjects = new Subjects(options.SubjectPrefix);
        Groups = new LocalGroups(broker, Subjects, OnMessageAsync);
    }

    public GatewayOptions Options { get; }
    public string NodeId => Options.NodeId;
    public IBroker Broker { get; }
    public IPresenceStore Presence { get; }
    public Subjects Subjects { get; }
    public LocalGroups Groups { get; }
    public TimeProvider Time { get; }
    public DateTimeOffset StartedAt { get; }

    /// <summary>
    /// False from a failed presence write or upkeep until the next successful upkeep round: readiness
    /// reports it, and the node writes its state back once the store answers.
    /// </summary>
    public bool PresenceReachable => !_presenceDirty && _lastUpkeepSucceeded;
    volatile bool _lastUpkeepSucceeded = true;

    /// <summary>True from the start of a drain: the node takes no new connections.</summary>
    public bool IsDraining { get; private set; }

    /// <summary>The first step of a drain: not ready, no new connection; the clients it has stay for now.</summary>
    public void StopTakingClients() => IsDraining = true;

    public int ConnectionCount => _connections.Count;
    public IEnumerable<ClientConnection> Connections => _connections.Values;

    public bool TryGetConnection(string conn, out ClientConnection connection) =>
        _connections.TryGetValue(conn, out connection!);

    /// <summary>Raised once a connection is registered (uplink <c>open</c> events hang here).</summary>
    public event Action<ClientConnection>? ConnectionOpened;

    /// <summary>Raised once a connection is gone, with its close code (uplink <c>close</c> events hang here).</summary>
    public event Action<ClientConnection, int>? ConnectionClosed;

    /// <summary>Raised for memberships changed on this node: (connection, kind "join"/"leave"/"subscribe"/"unsubscribe", name).</summary>
    public event Action<ClientConnection, string, string>? MembershipChanged;

    /// <summary>Raised for connections of a dead node that this node swept (their close events are owed once).</summary>
    public event Action<ConnectionState>? ConnectionSwept;

    /// <summary>Registers an authenticated client: presence, subscriptions, initial rooms and topics.</summary>
    public async Task<ClientConnection> OpenAsync(ConnectRequest request, CancellationToken ct = default)
    {
        if (IsDraining) throw new GatewayException(ErrorCodes.Unavailable, "this node is draining; reconnect");
        var policy = Options.PolicyFor(request.Nsp);
        if (request.Uid is null && !policy.AllowGuests)
            throw new GatewayException(ErrorCodes.Forbidden, $"guests are not allowed in namespace '{request.Nsp}'");
        if (request.Uid is not null && Options.MaxConnectionsPerUser > 0)
        {
            var existing = await Presence.GetUserConnectionsAsync(request.Nsp, request.Uid, ct);
            if (existing.Count >= Options.MaxConnectionsPerUser)
                throw new GatewayException(ErrorCodes.LimitExceeded, $"user already holds {existing.Count} connections (limit {Options.MaxConnectionsPerUser})");
        }
        var rooms = request.Rooms.Distinct().Take(Options.MaxRoomsPerConnection).ToArray();
        var topics = request.Topics.Distinct().Take(Options.MaxTopicsPerConnection).ToArray();
        foreach (var room in rooms) ValidateName(room, "room");
        foreach (var topic in topics) ValidateName(topic, "topic");

        var id = $"{NodeId}-{Interlocked.Increment(ref _connectionCounter):x}";
        var connection = new ClientConnection(id, request.Nsp, request.Uid, NodeId, request.Dialect, Options.SendQueueLimit, request.Session)
        {
            RemoteAddress = request.RemoteAddress,
        };
        foreach (var room in rooms) connection.AddRoom(room);
        foreach (var topic in topics) connection.AddTopic(topic);
        try
        {
            // What presence cannot hold is refused here: taken in, it would fail every write back of this node.
            PresenceIds.Check(Snapshot(connection));
        }
        catch (ArgumentException e)
        {
            throw new GatewayException(ErrorCodes.BadRequest, e.Message);
        }
        // Held until the open is announced: a backend's command that finds the connection in a group meanwhile
        // (one to its user, say) waits, so its effects and events come after the open, never before.
        using var held = await connection.HoldChangesAsync(); // the connection is new: nobody else holds it
        _connections[id] = connection;
        try
        {
            await WritePresenceAsync(p => p.AddConnectionAsync(Snapshot(connection), InstanceId, ct));
            await Groups.AddAsync(Target.Connection(id), connection, ct);
            await Groups.AddAsync(Target.Namespace(request.Nsp), connection, ct);
            if (request.Uid is not null) await Groups.AddAsync(Target.User(request.Nsp, request.Uid), connection, ct);
            foreach (var room in rooms) await Groups.AddAsync(Target.Room(request.Nsp, room), connection, ct);
            foreach (var topic in topics) await Groups.AddAsync(Target.Topic(request.Nsp, topic), connection, ct);
        }
        catch
        {
            held.Dispose();
            await ForgetAsync(connection, CloseCodes.ServerError);
            throw;
        }
        if (request.Uid is { } user && Options.MaxConnectionsPerUser > 0)
        {
            int? holding;
            try
            {
                holding = await BeyondUserLimitAsync(connection, user, ct);
            }
            catch
            {
                // A stalled store or a cancelled connect: the caller refuses the client, so nothing may stay registered.
                held.Dispose();
                await ForgetAsync(connection, CloseCodes.ServerError);
                throw;
            }
            if (holding is not null)
            {
                held.Dispose();
                await ForgetAsync(connection, CloseCodes.TooManyConnections);
                throw new GatewayException(ErrorCodes.LimitExceeded, $"user already holds {holding} connections (limit {Options.MaxConnectionsPerUser})");
            }
        }
        try
        {
            ConnectionOpened?.Invoke(connection);
            foreach (var room in rooms) await AnnounceAsync(connection, room, joined: true);
        }
        catch
        {
            held.Dispose();
            await CloseAsync(connection, CloseCodes.ServerError); // it was seen open: it is seen closed
            throw;
        }
        return connection;
    }

    /// <summary>
    /// The user's limit, checked again once this connection is in presence: connects racing on different
    /// replicas all passed the first check. Presence numbers a user's connections in the order it wrote
    /// them (<see cref="ConnectionState.Order"/>), and a connection stays if fewer than the limit were
    /// written before it. Each racer looks after its own write, so it sees every connection written before
    /// it: the racers agree, and exactly the limit gets in. (Ranking by connect time instead fails: a racer
    /// stamped earlier but written later is invisible to those that look before it writes.)
    /// Returns how many connections the user holds besides this one, or null.
    /// </summary>
    async Task<int?> BeyondUserLimitAsync(ClientConnection connection, string uid, CancellationToken ct)
    {
        var all = await Presence.GetUserConnectionsAsync(connection.Nsp, uid, ct);
        if (all.FirstOrDefault(c => c.Conn == connection.Id) is not { } self) return null; // presence is down: the first check stands
        var before = all.Count(c => c.Order < self.Order);
        return before >= Options.MaxConnectionsPerUser ? all.Count - 1 : null;
    }

    /// <summary>
    /// Forgets a connection whose socket has ended: subscriptions, presence, and the leaves it owes.
    /// Idempotent; the transport calls it once its loops are done.
    /// </summary>
    public async Task CloseAsync(ClientConnection connection, int code)
    {
        if (await ForgetAsync(connection, code) is not { } rooms) return;
        foreach (var room in rooms) await AnnounceAsync(connection, room, joined: false);
        ConnectionClosed?.Invoke(connection, code);
    }

    /// <summary>
    /// Takes a connection out of this node, its groups and presence, and returns the rooms it was in; null
    /// when it was gone already. Nothing is announced: a connection refused while opening was never seen.
    /// </summary>
    async Task<string[]?> ForgetAsync(ClientConnection connection, int code)
    {
        if (!_connections.TryRemove(connection.Id, out _)) return null;
        connection.Close(code);
        CountClose(connection.CloseRequested.Result.Code);
        // After a change in progress (its groups and presence are then this connection's to clear), before any other.
        using var held = await connection.HoldChangesAsync();
        connection.Forgotten = true;
        var rooms = connection.Rooms;
        await Groups.RemoveAsync(Target.Connection(connection.Id), connection);
        await Groups.RemoveAsync(Target.Namespace(connection.Nsp), connection);
        if (connection.Uid is { } uid) await Groups.RemoveAsync(Target.User(connection.Nsp, uid), connection);
        foreach (var room in rooms) await Groups.RemoveAsync(Target.Room(connection.Nsp, room), connection);
        foreach (var topic in connection.Topics) await Groups.RemoveAsync(Target.Topic(connection.Nsp, topic), connection);
        await WritePresenceAsync(p => p.RemoveConnectionAsync(connection.Nsp, connection.Id, InstanceId));
        return rooms;
    }

    /// <summary>What presence should hold for a live connection.</summary>
    public ConnectionState Snapshot(ClientConnection c) =>
        new(c.Nsp, c.Id, c.Uid, NodeId, c.ConnectedAt, c.Session, c.Rooms, c.Topics);

    /// <summary>
    /// Runs a presence write. A failure (the store is down) does not fail the client's request: this node
    /// still holds the truth, and maintenance writes its whole state back once the store answers again.
    /// A write the store refused because another instance took this node's lease changed nothing of the
    /// holder's entries; the node records that it lost its node id.
    /// </summary>
    async Task WritePresenceAsync(Func<IPresenceStore, Task> write)
    {
        try
        {
            await write(Presence);
        }
        catch (NodeIdInUseException e)
        {
            NoteNodeIdTaken(e);
        }
        catch (Exception)
        {
            // While draining the node removes itself whole at the end, so nothing needs writing back.
            if (!IsDraining) _presenceDirty = true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections.Values) await CloseAsync(connection, CloseCodes.Draining);
    }
}
