using BrokerGateway.Core.Presence;

namespace BrokerGateway.Core.Tests.Presence;

public abstract partial class PresenceStoreContract
{
    /// <summary>
    /// Names that break naive key or subject building: separators, wildcards, paths, what looks like an
    /// encoded token, invisible and wide unicode, and a 1 KiB name.
    /// </summary>
    public static readonly string[] HostileIds =
    [
        "a.>", "a", "a.", ">", "*", "../", "..", "x:y", "x", "y", "x:members", "conns", "room:x", "ns:x:conn:y",
        "~", "~YQ", "YQ", "\u200B", "\u3000", "\u00A0", " ", "ключ", "🎉", "a b", "%2F", "\\", "\n", "{tag}",
        new string('k', 1024), new string('k', 129), new string('k', 128),
    ];

    [StoreFact]
    public async Task HostileRoomNames_EachKeepTheirOwnMembers()
    {
        for (var i = 0; i < HostileIds.Length; i++)
            await Store.AddConnectionAsync(Connection($"c{i}", $"u{i}", rooms: [HostileIds[i]], topics: [HostileIds[i]]));

        for (var i = 0; i < HostileIds.Length; i++)
        {
            Assert.Equal([new Member($"c{i}", $"u{i}", NodeA)], (await Store.ListRoomMembersAsync(Nsp, HostileIds[i], new PageRequest())).Items);
            Assert.Equal(1, await Store.CountTopicMembersAsync(Nsp, HostileIds[i]));
            Assert.Equal([HostileIds[i]], (await Store.GetConnectionAsync(Nsp, $"c{i}"))!.Rooms);
        }
        Assert.Equal(Sorted(HostileIds), Sorted(await WalkAsync(p => Store.ListRoomsAsync(Nsp, p), 7)));

        Assert.Single(await Store.ClearRoomAsync(Nsp, "a.>"));
        Assert.Equal(1, await Store.CountRoomMembersAsync(Nsp, "a"));
        Assert.Equal(HostileIds.Length - 1, await Store.CountRoomsAsync(Nsp));
    }

    [StoreFact]
    public async Task HostileNamespacesAndIds_NeverReachEachOther()
    {
        foreach (var id in HostileIds)
            await Store.AddConnectionAsync(Connection(id, id, rooms: [id], topics: [id], session: new() { [id] = id }, nsp: id));

        Assert.Equal(Sorted(HostileIds), await Store.ListNamespacesAsync());
        foreach (var id in HostileIds)
        {
            Assert.Equal(1, await Store.CountConnectionsAsync(id));
            Assert.Equal(1, await Store.CountUsersAsync(id));
            Assert.Equal(1, await Store.CountRoomsAsync(id));
            Assert.Equal([id], (await Store.ListUsersAsync(id, new PageRequest())).Items);
            Assert.Equal([id], (await Store.ListTopicsAsync(id, new PageRequest())).Items);
            Assert.Equal([new Member(id, id, NodeA)], (await Store.ListConnectionsAsync(id, new PageRequest())).Items);
            var read = await Store.GetConnectionAsync(id, id);
            Assert.Equal((id, id, id), (read!.Nsp, read.Conn, read.Uid));
            Assert.Equal(id, read.Session[id]);
            Assert.Equal([id], (await Store.GetUserConnectionsAsync(id, id)).Select(c => c.Conn));
        }

        Assert.NotNull(await Store.RemoveConnectionAsync("x:y", "x:y"));
        Assert.Equal(1, await Store.CountConnectionsAsync("x"));
        Assert.Equal(1, await Store.CountConnectionsAsync("y"));
        Assert.Equal(HostileIds.Length - 1, (await Store.ListNamespacesAsync()).Count);
    }

    [StoreFact]
    public async Task HostileNodeIds_LeaseAndSweepOnlyThemselves()
    {
        var nodes = new[] { "n:1", "n", "*", "../", "~bg" }.Select(n => n + NodeA).ToArray();
        foreach (var node in nodes)
        {
            await Store.RenewLeaseAsync(new NodeInfo(node, "addr", 1, At), TimeSpan.FromMinutes(5));
            await Store.AddConnectionAsync(Connection("c-" + node, node: node));
        }

        var removed = await Store.RemoveNodeAsync(nodes[0]);

        Assert.Equal(["c-" + nodes[0]], removed.Select(c => c.Conn));
        Assert.Equal(Sorted(nodes[1..]), Sorted((await Store.ListNodesAsync()).Select(n => n.Node).Where(nodes.Contains)));
        Assert.Equal(nodes.Length - 1, await Store.CountConnectionsAsync(Nsp));
    }

    [StoreFact]
    public async Task BadIds_AreRefusedWithAClearError()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.JoinRoomAsync(Nsp, "", "room"));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.JoinRoomAsync(Nsp, "c1", ""));
        await Assert.ThrowsAsync<ArgumentNullException>(() => Store.CountConnectionsAsync(null!));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.AddConnectionAsync(Connection("lone\uD800surrogate")));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.AddConnectionAsync(Connection("c1", rooms: [new string('r', PresenceIds.MaxIdBytes + 1)])));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.AddConnectionAsync(Connection("c1", uid: "")));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.SetSessionAsync(Nsp, "c1", new Dictionary<string, string?> { ["k"] = new string('v', PresenceIds.MaxSessionValueBytes + 1) }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.RenewLeaseAsync(new NodeInfo(NodeA, "", 0, At), TimeSpan.Zero));

        Assert.Equal(0, await Store.CountConnectionsAsync(Nsp)); // nothing half-written
        Assert.Empty(await Store.ListNamespacesAsync());
    }
}
