using BrokerGateway.Core.Presence;

namespace BrokerGateway.Core.Tests.Presence;

/// <summary>
/// Bounds every call a test makes on a store with <c>WaitAsync(limit)</c>, so a hung store fails the
/// test with a timeout instead of hanging the run.
/// </summary>
public sealed class TimeLimitedPresenceStore(IPresenceStore inner, TimeSpan limit) : IPresenceStore
{
    public IPresenceStore Inner => inner;

    public Task AddConnectionAsync(ConnectionState connection, string? instance = null, CancellationToken ct = default) =>
        inner.AddConnectionAsync(connection, instance, ct).WaitAsync(limit);

    public Task<ConnectionState?> RemoveConnectionAsync(string nsp, string conn, string? instance = null, CancellationToken ct = default) =>
        inner.RemoveConnectionAsync(nsp, conn, instance, ct).WaitAsync(limit);

    public Task<bool> JoinRoomAsync(string nsp, string conn, string room, string? instance = null, CancellationToken ct = default) =>
        inner.JoinRoomAsync(nsp, conn, room, instance, ct).WaitAsync(limit);

    public Task<bool> LeaveRoomAsync(string nsp, string conn, string room, string? instance = null, CancellationToken ct = default) =>
        inner.LeaveRoomAsync(nsp, conn, room, instance, ct).WaitAsync(limit);

    public Task<bool> SubscribeTopicAsync(string nsp, string conn, string topic, string? instance = null, CancellationToken ct = default) =>
        inner.SubscribeTopicAsync(nsp, conn, topic, instance, ct).WaitAsync(limit);

    public Task<bool> UnsubscribeTopicAsync(string nsp, string conn, string topic, string? instance = null, CancellationToken ct = default) =>
        inner.UnsubscribeTopicAsync(nsp, conn, topic, instance, ct).WaitAsync(limit);

    public Task<IReadOnlyList<Member>> ClearRoomAsync(string nsp, string room, CancellationToken ct = default) =>
        inner.ClearRoomAsync(nsp, room, ct).WaitAsync(limit);

    public Task<IReadOnlyList<Member>> DeleteTopicAsync(string nsp, string topic, CancellationToken ct = default) =>
        inner.DeleteTopicAsync(nsp, topic, ct).WaitAsync(limit);

    public Task<bool> SetSessionAsync(string nsp, string conn, IReadOnlyDictionary<string, string?> values, bool replace = false,
        string? instance = null, CancellationToken ct = default) =>
        inner.SetSessionAsync(nsp, conn, values, replace, instance, ct).WaitAsync(limit);

    public Task<bool> SetUserAsync(string nsp, string conn, string? uid, string? instance = null, CancellationToken ct = default) =>
        inner.SetUserAsync(nsp, conn, uid, instance, ct).WaitAsync(limit);

    public Task<ConnectionState?> GetConnectionAsync(string nsp, string conn, CancellationToken ct = default) =>
        inner.GetConnectionAsync(nsp, conn, ct).WaitAsync(limit);

    public Task<IReadOnlyList<ConnectionState>> GetUserConnectionsAsync(string nsp, string uid, CancellationToken ct = default) =>
        inner.GetUserConnectionsAsync(nsp, uid, ct).WaitAsync(limit);

    public Task<bool> IsUserOnlineAsync(string nsp, string uid, CancellationToken ct = default) =>
        inner.IsUserOnlineAsync(nsp, uid, ct).WaitAsync(limit);

    public Task<long> CountConnectionsAsync(string nsp, CancellationToken ct = default) =>
        inner.CountConnectionsAsync(nsp, ct).WaitAsync(limit);

    public Task<long> CountUsersAsync(string nsp, CancellationToken ct = default) =>
        inner.CountUsersAsync(nsp, ct).WaitAsync(limit);

    public Task<long> CountGuestsAsync(string nsp, CancellationToken ct = default) =>
        inner.CountGuestsAsync(nsp, ct).WaitAsync(limit);

    public Task<long> CountRoomsAsync(string nsp, CancellationToken ct = default) =>
        inner.CountRoomsAsync(nsp, ct).WaitAsync(limit);

    public Task<long> CountTopicsAsync(string nsp, CancellationToken ct = default) =>
        inner.CountTopicsAsync(nsp, ct).WaitAsync(limit);

    public Task<long> CountRoomMembersAsync(string nsp, string room, CancellationToken ct = default) =>
        inner.CountRoomMembersAsync(nsp, room, ct).WaitAsync(limit);

    public Task<long> CountTopicMembersAsync(string nsp, string topic, CancellationToken ct = default) =>
        inner.CountTopicMembersAsync(nsp, topic, ct).WaitAsync(limit);

    public Task<Page<string>> ListUsersAsync(string nsp, PageRequest page, CancellationToken ct = default) =>
        inner.ListUsersAsync(nsp, page, ct).WaitAsync(limit);

    public Task<Page<Member>> ListConnectionsAsync(string nsp, PageRequest page, CancellationToken ct = default) =>
        inner.ListConnectionsAsync(nsp, page, ct).WaitAsync(limit);

    public Task<Page<string>> ListRoomsAsync(string nsp, PageRequest page, CancellationToken ct = default) =>
        inner.ListRoomsAsync(nsp, page, ct).WaitAsync(limit);

    public Task<Page<string>> ListTopicsAsync(string nsp, PageRequest page, CancellationToken ct = default) =>
        inner.ListTopicsAsync(nsp, page, ct).WaitAsync(limit);

    public Task<Page<Member>> ListRoomMembersAsync(string nsp, string room, PageRequest page, CancellationToken ct = default) =>
        inner.ListRoomMembersAsync(nsp, room, page, ct).WaitAsync(limit);

    public Task<Page<Member>> ListTopicMembersAsync(string nsp, string topic, PageRequest page, CancellationToken ct = default) =>
        inner.ListTopicMembersAsync(nsp, topic, page, ct).WaitAsync(limit);

    public Task<IReadOnlyList<string>> ListNamespacesAsync(CancellationToken ct = default) =>
        inner.ListNamespacesAsync(ct).WaitAsync(limit);

    public Task<bool> RenewLeaseAsync(NodeInfo node, TimeSpan ttl, CancellationToken ct = default) =>
        inner.RenewLeaseAsync(node, ttl, ct).WaitAsync(limit);

    public Task<IReadOnlyList<ConnectionState>> RemoveNodeAsync(string node, string? instance = null, CancellationToken ct = default) =>
        inner.RemoveNodeAsync(node, instance, ct).WaitAsync(limit);

    public Task<IReadOnlyList<NodeInfo>> ListNodesAsync(CancellationToken ct = default) =>
        inner.ListNodesAsync(ct).WaitAsync(limit);

    public Task<IReadOnlyList<SweptNode>> SweepDeadNodesAsync(CancellationToken ct = default) =>
        inner.SweepDeadNodesAsync(ct).WaitAsync(limit);

    public Task RestoreNodeAsync(string node, IReadOnlyList<ConnectionState> connections, string? instance = null, CancellationToken ct = default) =>
        inner.RestoreNodeAsync(node, connections, instance, ct).WaitAsync(limit);
}
