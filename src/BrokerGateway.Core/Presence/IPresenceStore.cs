namespace BrokerGateway.Core.Presence;

/// <summary>
/// Who is online, on which node, in which rooms and topics, with what session data: the cluster-wide
/// truth that gRPC queries read. Twins: <c>MemoryPresenceStore</c> (one replica, no server) and the Redis
/// store. Both pass the same contract suite.
/// </summary>
/// <remarks>
/// Contract:
/// <list type="bullet">
/// <item>Every change is one atomic step (one Lua round trip in Redis): a reader never sees a connection
///   in a room without seeing the connection.</item>
/// <item>Every entry is tagged with the node that owns the connection. Only that node changes it, except
///   the sweep of a dead node.</item>
/// <item>Counts are O(1). Lists are paged by an opaque cursor; a full walk returns every member that was
///   present for the whole walk at least once (duplicates are possible across pages, as with SSCAN).</item>
/// <item>Ids are opaque strings; the store never parses them, so <c>a.&gt;</c> or <c>../</c> are just
///   names and cannot reach another namespace's data.</item>
/// <item>Methods are safe to call concurrently. Cancellation only abandons the wait.</item>
/// </list>
/// </remarks>
public interface IPresenceStore
{
    /// <summary>Records a new connection with its user, session data and initial rooms and topics.</summary>
    Task AddConnectionAsync(ConnectionState connection, CancellationToken ct = default);

    /// <summary>
    /// Removes a connection and all its memberships. Returns what it held (to emit the leaves it owes),
    /// or null if it was not there (already removed, or swept).
    /// </summary>
    Task<ConnectionState?> RemoveConnectionAsync(string nsp, string conn, CancellationToken ct = default);

    /// <summary>Adds a connection to a room; false if it was already a member or the connection is unknown.</summary>
    Task<bool> JoinRoomAsync(string nsp, string conn, string room, CancellationToken ct = default);

    /// <summary>Removes a connection from a room; false if it was not a member.</summary>
    Task<bool> LeaveRoomAsync(string nsp, string conn, string room, CancellationToken ct = default);

    /// <summary>Subscribes a connection to a topic; false if already subscribed or the connection is unknown.</summary>
    Task<bool> SubscribeTopicAsync(string nsp, string conn, string topic, CancellationToken ct = default);

    /// <summary>Unsubscribes a connection from a topic; false if it was not subscribed.</summary>
    Task<bool> UnsubscribeTopicAsync(string nsp, string conn, string topic, CancellationToken ct = default);

    /// <summary>Removes every member from a room; returns the connections that were in it.</summary>
    Task<IReadOnlyList<Member>> ClearRoomAsync(string nsp, string room, CancellationToken ct = default);

    /// <summary>Deletes a topic: unsubscribes everyone; returns the connections that were subscribed.</summary>
    Task<IReadOnlyList<Member>> DeleteTopicAsync(string nsp, string topic, CancellationToken ct = default);

    /// <summary>
    /// Sets session values of a connection (merge), or replaces the whole session when <paramref name="replace"/>.
    /// A null value deletes that key. False if the connection is unknown.
    /// </summary>
    Task<bool> SetSessionAsync(string nsp, string conn, IReadOnlyDictionary<string, string?> values, bool replace = false, CancellationToken ct = default);

    /// <summary>Binds a connection to a user (or unbinds with null), moving its user index entries.</summary>
    Task<bool> SetUserAsync(string nsp, string conn, string? uid, CancellationToken ct = default);

    Task<ConnectionState?> GetConnectionAsync(string nsp, string conn, CancellationToken ct = default);
    Task<IReadOnlyList<ConnectionState>> GetUserConnectionsAsync(string nsp, string uid, CancellationToken ct = default);
    Task<bool> IsUserOnlineAsync(string nsp, string uid, CancellationToken ct = default);

    Task<long> CountConnectionsAsync(string nsp, CancellationToken ct = default);
    Task<long> CountUsersAsync(string nsp, CancellationToken ct = default);
    Task<long> CountGuestsAsync(string nsp, CancellationToken ct = default);
    Task<long> CountRoomsAsync(string nsp, CancellationToken ct = default);
    Task<long> CountTopicsAsync(string nsp, CancellationToken ct = default);
    Task<long> CountRoomMembersAsync(string nsp, string room, CancellationToken ct = default);
    Task<long> CountTopicMembersAsync(string nsp, string topic, CancellationToken ct = default);

    Task<Page<string>> ListUsersAsync(string nsp, PageRequest page, CancellationToken ct = default);
    Task<Page<Member>> ListConnectionsAsync(string nsp, PageRequest page, CancellationToken ct = default);
    Task<Page<string>> ListRoomsAsync(string nsp, PageRequest page, CancellationToken ct = default);
    Task<Page<string>> ListTopicsAsync(string nsp, PageRequest page, CancellationToken ct = default);
    Task<Page<Member>> ListRoomMembersAsync(string nsp, string room, PageRequest page, CancellationToken ct = default);
    Task<Page<Member>> ListTopicMembersAsync(string nsp, string topic, PageRequest page, CancellationToken ct = default);

    /// <summary>Namespaces that have at least one connection.</summary>
    Task<IReadOnlyList<string>> ListNamespacesAsync(CancellationToken ct = default);

    /// <summary>
    /// Renews this node's lease for <paramref name="ttl"/>. Returns false when the store had no trace of
    /// the node (first call, or the store lost its data): the caller then writes its live state back
    /// with <see cref="RestoreNodeAsync"/>.
    /// </summary>
    Task<bool> RenewLeaseAsync(NodeInfo node, TimeSpan ttl, CancellationToken ct = default);

    /// <summary>Removes this node's lease and all its entries (graceful shutdown).</summary>
    Task<IReadOnlyList<ConnectionState>> RemoveNodeAsync(string node, CancellationToken ct = default);

    /// <summary>Live nodes (lease not lapsed), with the connection count each reported.</summary>
    Task<IReadOnlyList<NodeInfo>> ListNodesAsync(CancellationToken ct = default);

    /// <summary>
    /// Finds nodes whose lease lapsed and removes their entries. Each dead node is claimed atomically by
    /// exactly one sweeper across the cluster, so the connections returned (whose close and leave events
    /// the caller emits) are returned exactly once in the whole cluster.
    /// </summary>
    Task<IReadOnlyList<SweptNode>> SweepDeadNodesAsync(CancellationToken ct = default);

    /// <summary>Writes a node's live connections back after the store lost its data. Idempotent.</summary>
    Task RestoreNodeAsync(string node, IReadOnlyList<ConnectionState> connections, CancellationToken ct = default);
}
