using BrokerGateway.Core.Presence;

namespace BrokerGateway.Core.Tests.Presence;

public abstract partial class PresenceStoreContract
{
    static readonly TimeSpan LongLease = TimeSpan.FromMinutes(5);

    NodeInfo Node(string node, long connections = 0) => new(node, $"10.0.0.1:{node.Length}", connections, At);

    [StoreFact]
    public async Task RenewingALease_IsFalseForANodeTheStoreDoesNotKnow_ThenTrue()
    {
        Assert.False(await Store.RenewLeaseAsync(Node(NodeA), LongLease));
        Assert.True(await Store.RenewLeaseAsync(Node(NodeA), LongLease));
        Assert.True(await Store.RenewLeaseAsync(Node(NodeA), LongLease));
    }

    [StoreFact]
    public async Task ListedNodes_AreTheLiveOnes_WithWhatEachLastReported()
    {
        var peer = await PeerAsync();
        await Store.RenewLeaseAsync(Node(NodeA, 3), LongLease);
        await peer.RenewLeaseAsync(Node(NodeB, 5), LongLease);
        await Store.RenewLeaseAsync(Node(NodeA, 4), LongLease);

        var nodes = await peer.ListNodesAsync();

        Assert.Equal(Sorted([NodeA, NodeB]), nodes.Select(n => n.Node));
        Assert.Equal(Node(NodeA, 4), nodes.Single(n => n.Node == NodeA));
        Assert.Equal(Node(NodeB, 5), nodes.Single(n => n.Node == NodeB));
    }

    [StoreFact]
    public async Task ALapsedNode_IsSweptByExactlyOneOfFiveConcurrentSweepers()
    {
        var peer = await PeerAsync();
        await Store.RenewLeaseAsync(Node(NodeA), ShortLease);
        await peer.RenewLeaseAsync(Node(NodeB), LongLease);
        await Store.AddConnectionAsync(Connection("a1", "alice", rooms: ["lobby"], topics: ["news"]));
        await Store.AddConnectionAsync(Connection("a2", "alice", rooms: ["lobby", "solo"]));
        await Store.AddConnectionAsync(Connection("a3", session: new() { ["k"] = "v" }));
        await peer.AddConnectionAsync(Connection("b1", "bob", node: NodeB, rooms: ["lobby"]));

        await LetLeaseLapseAsync(peer, NodeA);
        var sweeps = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => peer.SweepDeadNodesAsync()));

        var winner = Assert.Single(sweeps, s => s.Count > 0);
        var swept = Assert.Single(winner);
        Assert.Equal(NodeA, swept.Node);
        Assert.Equal(["a1", "a2", "a3"], swept.Connections.Select(c => c.Conn).Order(StringComparer.Ordinal));
        var a2 = swept.Connections.Single(c => c.Conn == "a2");
        Assert.Equal(("alice", NodeA), (a2.Uid, a2.Node));
        Assert.Equal(["lobby", "solo"], a2.Rooms); // what the sweeper needs to emit the leaves
        Assert.Equal("v", swept.Connections.Single(c => c.Conn == "a3").Session["k"]);

        Assert.Empty(await peer.SweepDeadNodesAsync());
        Assert.Equal(1, await peer.CountConnectionsAsync(Nsp));
        Assert.Equal((1L, 0L), (await peer.CountUsersAsync(Nsp), await peer.CountGuestsAsync(Nsp)));
        Assert.Equal(["lobby"], (await peer.ListRoomsAsync(Nsp, new PageRequest())).Items);
        Assert.Equal([new Member("b1", "bob", NodeB)], (await peer.ListRoomMembersAsync(Nsp, "lobby", new PageRequest())).Items);
        Assert.Equal(0, await peer.CountTopicsAsync(Nsp));
        Assert.Null(await peer.GetConnectionAsync(Nsp, "a1"));
        Assert.False(await peer.IsUserOnlineAsync(Nsp, "alice"));
        Assert.Equal([NodeB], (await peer.ListNodesAsync()).Select(n => n.Node));
    }

    [StoreFact]
    public async Task Sweeping_LeavesLiveNodesAlone()
    {
        await Store.RenewLeaseAsync(Node(NodeA), LongLease);
        await Store.AddConnectionAsync(Connection("a1", "alice", rooms: ["lobby"]));

        LetTimePass(TimeSpan.FromMinutes(1));
        Assert.Empty(await Store.SweepDeadNodesAsync());

        Assert.Equal(1, await Store.CountRoomMembersAsync(Nsp, "lobby"));
        Assert.Equal([NodeA], (await Store.ListNodesAsync()).Select(n => n.Node));
    }

    [StoreFact]
    public async Task ANodeThatRenewsAfterItsLeaseLapsed_IsToldToRestore_AndRestoringKeepsCountsExact()
    {
        await Store.RenewLeaseAsync(Node(NodeA), ShortLease);
        var live = new[] { Connection("a1", "alice", rooms: ["lobby"]), Connection("a2", "alice", topics: ["news"]), Connection("a3") };
        foreach (var c in live) await Store.AddConnectionAsync(c);

        await LetLeaseLapseAsync(Store, NodeA);
        Assert.False(await Store.RenewLeaseAsync(Node(NodeA), LongLease));
        await Store.RestoreNodeAsync(NodeA, live);

        Assert.Empty(await Store.SweepDeadNodesAsync());
        Assert.Equal((3L, 1L, 1L), (await Store.CountConnectionsAsync(Nsp), await Store.CountUsersAsync(Nsp), await Store.CountGuestsAsync(Nsp)));
        Assert.Equal(1, await Store.CountRoomMembersAsync(Nsp, "lobby"));
        Assert.Equal(1, await Store.CountTopicMembersAsync(Nsp, "news"));
    }

    [StoreFact]
    public async Task RemovingANode_ReturnsItsConnections_Once_AndDropsItsLease()
    {
        var peer = await PeerAsync();
        await Store.RenewLeaseAsync(Node(NodeA), LongLease);
        await peer.RenewLeaseAsync(Node(NodeB), LongLease);
        await Store.AddConnectionAsync(Connection("a1", "alice", rooms: ["lobby"]));
        await Store.AddConnectionAsync(Connection("a2", rooms: ["lobby"]));
        await peer.AddConnectionAsync(Connection("b1", "bob", node: NodeB, rooms: ["lobby"]));

        var removed = await Store.RemoveNodeAsync(NodeA);

        Assert.Equal(["a1", "a2"], removed.Select(c => c.Conn).Order(StringComparer.Ordinal));
        Assert.Equal(["lobby"], removed[0].Rooms);
        Assert.Empty(await Store.RemoveNodeAsync(NodeA));
        Assert.Equal([NodeB], (await peer.ListNodesAsync()).Select(n => n.Node));
        Assert.Equal(1, await peer.CountConnectionsAsync(Nsp));
        Assert.Equal(1, await peer.CountRoomMembersAsync(Nsp, "lobby"));
        Assert.False(await Store.RenewLeaseAsync(Node(NodeA), LongLease)); // a removed node starts over
    }

    [StoreFact]
    public async Task RestoringANode_IsIdempotent_AndDropsWhatTheNodeNoLongerHas()
    {
        var peer = await PeerAsync();
        await peer.AddConnectionAsync(Connection("b1", "bob", node: NodeB, rooms: ["lobby"]));
        var before = new[]
        {
            Connection("a1", "alice", rooms: ["lobby"]), Connection("a2", "alice", rooms: ["lobby"], topics: ["news"]),
            Connection("a3", session: new() { ["k"] = "v" }),
        };
        await Store.RestoreNodeAsync(NodeA, before);
        await Store.RestoreNodeAsync(NodeA, before);

        Assert.Equal(4, await Store.CountConnectionsAsync(Nsp));
        Assert.Equal(3, await Store.CountRoomMembersAsync(Nsp, "lobby"));
        Assert.Equal(before[2], await Store.GetConnectionAsync(Nsp, "a3"), ConnectionComparer);

        var after = new[] { before[0] with { Rooms = ["other"] }, Connection("a4", "dave") };
        await Store.RestoreNodeAsync(NodeA, after);

        Assert.Equal(Sorted(["a1", "a4", "b1"]), Sorted((await WalkAsync(p => Store.ListConnectionsAsync(Nsp, p), 10)).Select(m => m.Conn)));
        Assert.Equal(1, await Store.CountRoomMembersAsync(Nsp, "lobby")); // only b1 is left there
        Assert.Equal(0, await Store.CountTopicsAsync(Nsp));
        Assert.Equal(Sorted(["alice", "bob", "dave"]), Sorted((await Store.ListUsersAsync(Nsp, new PageRequest())).Items));
        Assert.Equal(0, await Store.CountGuestsAsync(Nsp));
    }

    [StoreFact]
    public async Task RestoringANode_LeavesAConnectionIdThatAnotherNodeHasWrittenSince()
    {
        var peer = await PeerAsync();
        await Store.AddConnectionAsync(Connection("a1", "alice"));
        await Store.AddConnectionAsync(Connection("c7", "carol", rooms: ["lobby"]));
        var fromB = Connection("c7", "bob", node: NodeB, rooms: ["lobby"]);
        await peer.AddConnectionAsync(fromB);

        await Store.RestoreNodeAsync(NodeA, [Connection("a2")]);

        Assert.Equal(fromB, await peer.GetConnectionAsync(Nsp, "c7"), ConnectionComparer);
        Assert.Equal(Sorted(["a2", "c7"]), Sorted((await WalkAsync(p => Store.ListConnectionsAsync(Nsp, p), 10)).Select(m => m.Conn)));
        Assert.Equal(["c7"], (await peer.RemoveNodeAsync(NodeB)).Select(c => c.Conn)); // B still announces its leave
        Assert.Equal(["a2"], (await Store.RemoveNodeAsync(NodeA)).Select(c => c.Conn));
    }

    [StoreFact]
    public async Task RestoringAConnectionOfAnotherNode_IsRefused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.RestoreNodeAsync(NodeA, [Connection("b1", node: NodeB)]));
        Assert.Equal(0, await Store.CountConnectionsAsync(Nsp));
    }

    /// <summary>Connection states compare by value, with the lists and the session as sets.</summary>
    protected static readonly IEqualityComparer<ConnectionState?> ConnectionComparer = EqualityComparer<ConnectionState?>.Create(
        (a, b) => a is null ? b is null : b is not null && (a.Nsp, a.Conn, a.Uid, a.Node, a.ConnectedAt) == (b.Nsp, b.Conn, b.Uid, b.Node, b.ConnectedAt)
            && a.Rooms.Order(StringComparer.Ordinal).SequenceEqual(b.Rooms.Order(StringComparer.Ordinal))
            && a.Topics.Order(StringComparer.Ordinal).SequenceEqual(b.Topics.Order(StringComparer.Ordinal))
            && a.Session.OrderBy(p => p.Key, StringComparer.Ordinal).SequenceEqual(b.Session.OrderBy(p => p.Key, StringComparer.Ordinal)),
        c => c?.Conn.GetHashCode() ?? 0);
}
