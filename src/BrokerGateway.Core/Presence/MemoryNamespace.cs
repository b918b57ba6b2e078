namespace BrokerGateway.Core.Presence;

/// <summary>
/// One namespace of the memory twin: the same indexes the Redis store keeps as keys (docs/presence.md),
/// as plain collections. Every member is called under <see cref="Gate"/>.
/// </summary>
internal sealed class MemoryNamespace(string name)
{
    public string Name { get; } = name;
    public Lock Gate { get; } = new();

    /// <summary>Set once the namespace emptied and left the store's map; a writer that finds it retries.</summary>
    public bool Retired { get; set; }

    public Dictionary<string, MemoryConnection> Connections { get; } = new(StringComparer.Ordinal);
    public SortedSet<string> ConnectionOrder { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, HashSet<string>> UserConnections { get; } = new(StringComparer.Ordinal);
    public SortedSet<string> Users { get; } = new(StringComparer.Ordinal);
    public long Guests { get; private set; }
    public MemoryGroups Rooms { get; } = new();
    public MemoryGroups Topics { get; } = new();
    long _lastOrder;

    /// <summary>Adds a connection that is not there (the store removes an old one first).</summary>
    public void Add(ConnectionState state)
    {
        var connection = new MemoryConnection(state);
        Connections.Add(state.Conn, connection);
        ConnectionOrder.Add(state.Conn);
        BindUser(state.Conn, connection);
        foreach (var room in connection.Rooms) Rooms.Add(room, state.Conn);
        foreach (var topic in connection.Topics) Topics.Add(topic, state.Conn);
    }

    public ConnectionState? Remove(string conn)
    {
        if (!Connections.Remove(conn, out var connection)) return null;
        ConnectionOrder.Remove(conn);
        UnbindUser(conn, connection.Uid);
        foreach (var room in connection.Rooms) Rooms.Remove(room, conn);
        foreach (var topic in connection.Topics) Topics.Remove(topic, conn);
        return connection.Snapshot(Name, conn);
    }

    public bool SetUser(string conn, string? uid)
    {
        if (!Connections.TryGetValue(conn, out var connection)) return false;
        if (connection.Uid == uid) return true;
        UnbindUser(conn, connection.Uid);
        connection.Uid = uid;
        BindUser(conn, connection);
        return true;
    }

    public Member MemberOf(string conn) =>
        Connections.TryGetValue(conn, out var c) ? new Member(conn, c.Uid, c.Node) : new Member(conn, null, "");

    /// <summary>Binds a connection to its user, taking the next write order (see <see cref="ConnectionState.Order"/>).</summary>
    void BindUser(string conn, MemoryConnection connection)
    {
        connection.Order = 0;
        if (connection.Uid is not { } uid) { Guests++; return; }
        connection.Order = ++_lastOrder;
        if (!UserConnections.TryGetValue(uid, out var conns))
        {
            UserConnections.Add(uid, conns = new HashSet<string>(StringComparer.Ordinal));
            Users.Add(uid);
        }
        conns.Add(conn);
    }

    void UnbindUser(string conn, string? uid)
    {
        if (uid is null) { Guests--; return; }
        if (!UserConnections.TryGetValue(uid, out var conns) || !conns.Remove(conn) || conns.Count > 0) return;
        UserConnections.Remove(uid);
        Users.Remove(uid);
    }
}

/// <summary>One connection as the memory twin holds it (mutable, always under its namespace's lock).</summary>
internal sealed class MemoryConnection(ConnectionState state)
{
    public string? Uid { get; set; } = state.Uid;
    public long Order { get; set; }
    public string Node { get; } = state.Node;
    public DateTimeOffset ConnectedAt { get; } = PresenceIds.ToMilliseconds(state.ConnectedAt);
    public Dictionary<string, string> Session { get; } = new(state.Session, StringComparer.Ordinal);
    public HashSet<string> Rooms { get; } = new(state.Rooms, StringComparer.Ordinal);
    public HashSet<string> Topics { get; } = new(state.Topics, StringComparer.Ordinal);

    public ConnectionState Snapshot(string nsp, string conn)
    {
        var rooms = Rooms.Order(StringComparer.Ordinal).ToArray();
        var topics = Topics.Order(StringComparer.Ordinal).ToArray();
        return new ConnectionState(nsp, conn, Uid, Node, ConnectedAt, new Dictionary<string, string>(Session, StringComparer.Ordinal), rooms, topics)
        {
            Order = Order,
        };
    }
}

/// <summary>Rooms or topics of a namespace: the members of each, and the names of those with members.</summary>
internal sealed class MemoryGroups
{
    readonly Dictionary<string, SortedSet<string>> _members = new(StringComparer.Ordinal);

    public SortedSet<string> Names { get; } = new(StringComparer.Ordinal);

    public SortedSet<string>? MembersOf(string name) => _members.GetValueOrDefault(name);

    public void Add(string name, string conn)
    {
        if (!_members.TryGetValue(name, out var members))
        {
            _members.Add(name, members = new SortedSet<string>(StringComparer.Ordinal));
            Names.Add(name);
        }
        members.Add(conn);
    }

    public void Remove(string name, string conn)
    {
        if (!_members.TryGetValue(name, out var members) || !members.Remove(conn) || members.Count > 0) return;
        _members.Remove(name);
        Names.Remove(name);
    }

    /// <summary>Drops a whole group; returns its members (empty if it had none).</summary>
    public SortedSet<string>? Clear(string name)
    {
        if (!_members.Remove(name, out var members)) return null;
        Names.Remove(name);
        return members;
    }
}
