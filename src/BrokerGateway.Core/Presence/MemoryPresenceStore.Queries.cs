namespace BrokerGateway.Core.Presence;

public sealed partial class MemoryPresenceStore
{
    public Task<long> CountConnectionsAsync(string nsp, CancellationToken ct = default) => Count(nsp, ns => ns.Connections.Count);
    public Task<long> CountUsersAsync(string nsp, CancellationToken ct = default) => Count(nsp, ns => ns.Users.Count);
    public Task<long> CountGuestsAsync(string nsp, CancellationToken ct = default) => Count(nsp, ns => ns.Guests);
    public Task<long> CountRoomsAsync(string nsp, CancellationToken ct = default) => Count(nsp, ns => ns.Rooms.Names.Count);
    public Task<long> CountTopicsAsync(string nsp, CancellationToken ct = default) => Count(nsp, ns => ns.Topics.Names.Count);

    public Task<long> CountRoomMembersAsync(string nsp, string room, CancellationToken ct = default)
    {
        PresenceIds.Check(room, nameof(room));
        return Count(nsp, ns => ns.Rooms.MembersOf(room)?.Count ?? 0);
    }

    public Task<long> CountTopicMembersAsync(string nsp, string topic, CancellationToken ct = default)
    {
        PresenceIds.Check(topic, nameof(topic));
        return Count(nsp, ns => ns.Topics.MembersOf(topic)?.Count ?? 0);
    }

    public Task<Page<string>> ListUsersAsync(string nsp, PageRequest page, CancellationToken ct = default) =>
        List(nsp, page, ns => ns.Users, static (_, uid) => uid);

    public Task<Page<Member>> ListConnectionsAsync(string nsp, PageRequest page, CancellationToken ct = default) =>
        List(nsp, page, ns => ns.ConnectionOrder, static (ns, conn) => ns.MemberOf(conn));

    public Task<Page<string>> ListRoomsAsync(string nsp, PageRequest page, CancellationToken ct = default) =>
        List(nsp, page, ns => ns.Rooms.Names, static (_, room) => room);

    public Task<Page<string>> ListTopicsAsync(string nsp, PageRequest page, CancellationToken ct = default) =>
        List(nsp, page, ns => ns.Topics.Names, static (_, topic) => topic);

    public Task<Page<Member>> ListRoomMembersAsync(string nsp, string room, PageRequest page, CancellationToken ct = default)
    {
        PresenceIds.Check(room, nameof(room));
        return List(nsp, page, ns => ns.Rooms.MembersOf(room), static (ns, conn) => ns.MemberOf(conn));
    }

    public Task<Page<Member>> ListTopicMembersAsync(string nsp, string topic, PageRequest page, CancellationToken ct = default)
    {
        PresenceIds.Check(topic, nameof(topic));
        return List(nsp, page, ns => ns.Topics.MembersOf(topic), static (ns, conn) => ns.MemberOf(conn));
    }

    public Task<IReadOnlyList<string>> ListNamespacesAsync(CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var names = new List<string>();
        foreach (var ns in _namespaces.Values)
        {
            lock (ns.Gate)
            {
                if (!ns.Retired && ns.Connections.Count > 0) names.Add(ns.Name);
            }
        }
        names.Sort(StringComparer.Ordinal);
        return Task.FromResult<IReadOnlyList<string>>(names);
    }

    Task<long> Count(string nsp, Func<MemoryNamespace, long> count)
    {
        PresenceIds.Check(nsp, nameof(nsp));
        return Task.FromResult(Read(nsp, missing: 0L, count));
    }

    Task<Page<T>> List<T>(string nsp, PageRequest page, Func<MemoryNamespace, SortedSet<string>?> set, Func<MemoryNamespace, string, T> map)
    {
        PresenceIds.Check(nsp, nameof(nsp));
        var after = PresenceCursor.Decode(page.Cursor);
        var empty = new Page<T>([], null);
        return Task.FromResult(Read(nsp, empty, ns => set(ns) is { Count: > 0 } names ? PageOf(ns, names, after, page.EffectiveLimit, map) : empty));
    }

    /// <summary>
    /// One page of an ordinal-ordered set, starting right after <paramref name="after"/>: O(log n + limit),
    /// and a name that stays in the set is never skipped nor repeated, whatever else changes.
    /// </summary>
    static Page<T> PageOf<T>(MemoryNamespace ns, SortedSet<string> names, string? after, int limit, Func<MemoryNamespace, string, T> map)
    {
        IEnumerable<string> view = names;
        if (after is not null)
        {
            if (string.CompareOrdinal(after, names.Max) >= 0) return new Page<T>([], null);
            view = names.GetViewBetween(after, names.Max!);
        }
        var items = new List<T>(Math.Min(limit, names.Count));
        string? last = null;
        foreach (var name in view)
        {
            if (after is not null && string.Equals(name, after, StringComparison.Ordinal)) continue;
            if (items.Count == limit) return new Page<T>(items, PresenceCursor.Encode(last!));
            items.Add(map(ns, name));
            last = name;
        }
        return new Page<T>(items, null);
    }
}
