namespace BrokerGateway.Core.Presence;

public sealed partial class MemoryPresenceStore
{
    public Task<bool> JoinRoomAsync(string nsp, string conn, string room, string? instance = null, CancellationToken ct = default) =>
        Join(nsp, conn, "room", room, c => c.Rooms, ns => ns.Rooms, instance, ct);

    public Task<bool> LeaveRoomAsync(string nsp, string conn, string room, string? instance = null, CancellationToken ct = default) =>
        Leave(nsp, conn, "room", room, c => c.Rooms, ns => ns.Rooms, instance, ct);

    public Task<bool> SubscribeTopicAsync(string nsp, string conn, string topic, string? instance = null, CancellationToken ct = default) =>
        Join(nsp, conn, "topic", topic, c => c.Topics, ns => ns.Topics, instance, ct);

    public Task<bool> UnsubscribeTopicAsync(string nsp, string conn, string topic, string? instance = null, CancellationToken ct = default) =>
        Leave(nsp, conn, "topic", topic, c => c.Topics, ns => ns.Topics, instance, ct);

    public Task<IReadOnlyList<Member>> ClearRoomAsync(string nsp, string room, CancellationToken ct = default) =>
        Clear(nsp, "room", room, c => c.Rooms, ns => ns.Rooms, ct);

    public Task<IReadOnlyList<Member>> DeleteTopicAsync(string nsp, string topic, CancellationToken ct = default) =>
        Clear(nsp, "topic", topic, c => c.Topics, ns => ns.Topics, ct);

    Task<bool> Join(string nsp, string conn, string what, string name, Func<MemoryConnection, HashSet<string>> mine,
        Func<MemoryNamespace, MemoryGroups> groups, string? instance, CancellationToken ct)
    {
        CheckConn(nsp, conn);
        PresenceIds.Check(name, what);
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(WriteConnection(nsp, conn, instance, missing: false, ns =>
        {
            if (!ns.Connections.TryGetValue(conn, out var c) || !mine(c).Add(name)) return false;
            groups(ns).Add(name, conn);
            return true;
        }));
    }

    Task<bool> Leave(string nsp, string conn, string what, string name, Func<MemoryConnection, HashSet<string>> mine,
        Func<MemoryNamespace, MemoryGroups> groups, string? instance, CancellationToken ct)
    {
        CheckConn(nsp, conn);
        PresenceIds.Check(name, what);
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(WriteConnection(nsp, conn, instance, missing: false, ns =>
        {
            if (!ns.Connections.TryGetValue(conn, out var c) || !mine(c).Remove(name)) return false;
            groups(ns).Remove(name, conn);
            return true;
        }));
    }

    Task<IReadOnlyList<Member>> Clear(string nsp, string what, string name, Func<MemoryConnection, HashSet<string>> mine,
        Func<MemoryNamespace, MemoryGroups> groups, CancellationToken ct)
    {
        PresenceIds.Check(nsp, nameof(nsp));
        PresenceIds.Check(name, what);
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(Write<IReadOnlyList<Member>>(nsp, create: false, missing: [], ns =>
        {
            if (groups(ns).Clear(name) is not { } members) return [];
            var cleared = new Member[members.Count];
            var i = 0;
            foreach (var conn in members)
            {
                var c = ns.Connections[conn];
                mine(c).Remove(name);
                cleared[i++] = new Member(conn, c.Uid, c.Node);
            }
            return cleared;
        }));
    }
}
