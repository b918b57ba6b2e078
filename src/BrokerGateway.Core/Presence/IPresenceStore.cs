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
/// <item>A node's writes to its own entries carry its lease's <c>instance</c> (<see cref="NodeInfo.Instance"/>),
///   checked in the same atomic step against the lease of the node the entry is tagged with (a connect's
///   <see cref="ConnectionState.Node"/>): while another instance holds that lease unexpired, the write changes
///   nothing and throws <see cref="NodeIdInUseException"/>, as a renewal would. So a process whose lapsed lease
///   another process with the same node id took cannot remove or overwrite the holder's entries, even before
///   its own next renewal notices. A null or empty instance writes unchecked.</item>
/// <item>Counts are O(1) and exact: a user with two connections counts once; a guest is a connection
///   with no user.</item>
/// <item>Lists are paged by an opaque cursor, in a stable store-defined order. A page holds at most
///   <see cref="PageRequest.EffectiveLimit"/> items; a full walk returns every member that was present
///   for the whole walk exactly once (members that come or go during the walk may or may not appear).</item>
/// <item>Ids are opaque strings (<see cref="PresenceIds"/>); the store never parses them, so <c>a.&gt;</c>,
///   <c>x:y</c> or <c>../</c> are just names and cannot reach another room's or namespace's data. A null,
///   empty, over-long or malformed id is refused with <see cref="ArgumentException"/>.</item>
/// <item>Times are kept to the millisecond, in UTC.</item>
/// <item>A store that cannot be reached throws <see cref="PresenceStoreUnavailableException"/> within its
///   configured timeout; it never hangs.</item>
/// <item>Methods are safe to call concurrently. Cancellation only abandons the wait.</item>
/// </list>
/// </remarks>
public interface IPresenceStore
{
    /// <summary>
    /// Records a connection with its user, session data and initial rooms and topics, tagged with
    /// <see cref="ConnectionState.Node"/>. A connection already there is replaced whole (no leaves are owed
    /// for rooms it no longer lists: the caller decided them).
    /// </summary>
    Task AddConnectionAsync(ConnectionState connection, string? instance = null, CancellationToken ct = default);

    /// <summary>
    /// Removes a connection and all its memberships. Returns what it held (to emit the leaves it owes),
    /// or null if it was not there (already removed, or swept).
    /// </summary>
    Task<ConnectionState?> RemoveConnectionAsync(string nsp, string conn, string? instance = null, CancellationToken ct = default);

    /// <summary>Adds a connection to a room; false if it was already a member or the connection is unknown.</summary>
    Task<bool> JoinRoomAsync(string nsp, string conn, string room, string? instance = null, CancellationToken ct = default);

    /// <summary>Removes a connection from a room; false if it was not a member.</summary>
    Task<bool> LeaveRoomAsync(string nsp, string conn, string room, string? instance = null, CancellationToken ct = default);

    /// <summary>Subscribes a connection to a topic; false if already subscribed or the connection is unknown.</summary>
    Task<bool> SubscribeTopicAsync(string nsp, string conn, string topic, string? instance = null, CancellationToken ct = default);

    /// <summary>Unsubscribes a connection from a topic; false if it was not subscribed.</summary>
    Task<bool> UnsubscribeTopicAsync(string nsp, string conn, string topic, string? instance = null, CancellationToken ct = default);

    /// <summary>Removes every member from a room; returns the connections that were in it.</summary>
    Task<IReadOnlyList<Member>> ClearRoomAsync(string nsp, string room, CancellationToken ct = default);

    /// <summary>Deletes a topic: unsubscribes everyone; returns the connections that were subscribed.</summary>
    Task<IReadOnlyList<Member>> DeleteTopicAsync(string nsp, string topic, CancellationToken ct = default);

    /// <summary>
    /// Sets session values of a connection (merge), or replaces the whole session when <paramref name="replace"/>.
    /// A null value deletes that key. False if the connection is unknown.
    /// </summary>
    Task<bool> SetSessionAsync(string nsp, string conn, IReadOnlyDictionary<string, string?> values, bool replace = false, string? instance = null, CancellationToken ct = default);

    /// <summary>Binds a connection to a user (or unbinds with null), moving its user index entries.</summary>
    Task<bool> SetUserAsync(string nsp, string conn, string? uid, string? instance = null, CancellationToken ct = default);

    /// <summary>A connection's state, or null if it is not there.</summary>
    Task<ConnectionState?> GetConnectionAsync(string nsp, string conn, CancellationToken ct = default);

    /// <summary>Every connection of a user (a user holds few), in a stable order; empty when offline.</summary>
    Task<IReadOnlyList<ConnectionState>> GetUserConnectionsAsync(string nsp, string uid, CancellationToken ct = default);

    /// <summary>True while the user holds at least one connection anywhere in the cluster.</summary>
    Task<bool> IsUserOnlineAsync(string nsp, string uid, CancellationToken ct = default);

    // Counts: O(1). Users are distinct uids with at least one connection; guests are connections without
    // a uid, so connections = guests + the connections of users. Rooms and topics count those with members.
    Task<long> CountConnectionsAsync(string nsp, CancellationToken ct = default);
    Task<long> CountUsersAsync(string nsp, CancellationToken ct = default);
    Task<long> CountGuestsAsync(string nsp, CancellationToken ct = default);
    Task<long> CountRoomsAsync(string nsp, CancellationToken ct = default);
    Task<long> CountTopicsAsync(string nsp, CancellationToken ct = default);
    Task<long> CountRoomMembersAsync(string nsp, string room, CancellationToken ct = default);
    Task<long> CountTopicMembersAsync(string nsp, string topic, CancellationToken ct = default);

    // Paged lists (see the contract above for what a walk guarantees).
    Task<Page<string>> ListUsersAsync(string nsp, PageRequest page, CancellationToken ct = default);
    Task<Page<Member>> ListConnectionsAsync(string nsp, PageRequest page, CancellationToken ct = default);
    Task<Page<string>> ListRoomsAsync(string nsp, PageRequest page, CancellationToken ct = default);
    Task<Page<string>> ListTopicsAsync(string nsp, PageRequest page, CancellationToken ct = default);
    Task<Page<Member>> ListRoomMembersAsync(string nsp, string room, PageRequest page, CancellationToken ct = default);
    Task<Page<Member>> ListTopicMembersAsync(string nsp, string topic, PageRequest page, CancellationToken ct = default);

    /// <summary>Namespaces that have at least one connection.</summary>
    Task<IReadOnlyList<string>> ListNamespacesAsync(CancellationToken ct = default);

    /// <summary>
    /// Renews this node's lease for <paramref name="ttl"/> (positive), measured by the store's clock so
    /// nodes with skewed clocks agree. Returns false when the store had no trace of
    /// the node (first call, or the store lost its data): the caller then writes its live state back
    /// with <see cref="RestoreNodeAsync"/>.
    /// </summary>
    /// <exception cref="NodeIdInUseException">The node's lease is unexpired and held by another
    /// <see cref="NodeInfo.Instance"/>; nothing was written.</exception>
    Task<bool> RenewLeaseAsync(NodeInfo node, TimeSpan ttl, CancellationToken ct = default);

    /// <summary>
    /// Removes a node's lease and all its entries (graceful shutdown, or before a restore); returns the
    /// connections removed. A connection removed here is not returned by any sweep.
    /// </summary>
    Task<IReadOnlyList<ConnectionState>> RemoveNodeAsync(string node, string? instance = null, CancellationToken ct = default);

    /// <summary>Live nodes (lease not lapsed), with the connection count each last reported, in a stable order.</summary>
    Task<IReadOnlyList<NodeInfo>> ListNodesAsync(CancellationToken ct = default);

    /// <summary>
    /// Finds nodes whose lease lapsed and removes their entries. Each dead node is claimed atomically by
    /// exactly one sweeper across the cluster, so the connections returned (whose close and leave events
    /// the caller emits) are returned exactly once in the whole cluster. A sweep that fails may have
    /// claimed a node without getting its connections back (a lost answer); a later sweep of the same store
    /// returns them, and no other sweeper ever does, so the caller keeps sweeping with this store.
    /// </summary>
    Task<IReadOnlyList<SweptNode>> SweepDeadNodesAsync(CancellationToken ct = default);

    /// <summary>
    /// Writes a node's live connections back after the store lost its data (or missed writes while it was
    /// down): afterwards the node's entries are exactly <paramref name="connections"/> — each is written as
    /// <see cref="AddConnectionAsync"/> would, and the node's other entries are removed. Idempotent. Every
    /// connection must carry <paramref name="node"/> as its <see cref="ConnectionState.Node"/>. Not atomic as
    /// a whole (a large node is written in batches); the node must not change its entries meanwhile.
    /// </summary>
    Task RestoreNodeAsync(string node, IReadOnlyList<ConnectionState> connections, string? instance = null, CancellationToken ct = default);
}
