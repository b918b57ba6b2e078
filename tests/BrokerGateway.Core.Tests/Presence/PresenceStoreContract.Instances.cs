using BrokerGateway.Core.Presence;

namespace BrokerGateway.Core.Tests.Presence;

public abstract partial class PresenceStoreContract
{
    NodeInfo Instance(string instance, long connections = 0) => Node(NodeA, connections) with { Instance = instance };

    [StoreFact]
    public async Task ASecondInstanceOfANodeId_IsRefused_AndTheHoldersLeaseAndEntriesGoOn()
    {
        var peer = await PeerAsync();
        Assert.False(await Store.RenewLeaseAsync(Instance("first", 1), LongLease));
        await Store.AddConnectionAsync(Connection("a1", "alice", rooms: ["lobby"]));

        var refused = await Assert.ThrowsAsync<NodeIdInUseException>(() => peer.RenewLeaseAsync(Instance("second", 7), LongLease));
        Assert.Equal(NodeA, refused.Node);

        Assert.True(await Store.RenewLeaseAsync(Instance("first", 2), LongLease));
        Assert.Equal([Instance("first", 2)], await peer.ListNodesAsync());
        Assert.Equal(NodeA, (await peer.GetConnectionAsync(Nsp, "a1"))?.Node);
        await Assert.ThrowsAsync<NodeIdInUseException>(() => peer.RenewLeaseAsync(Instance("second"), LongLease));
    }

    [StoreFact]
    public async Task ALapsedLease_IsTakenByAnotherInstance_ThenRefusedToTheOldOne()
    {
        var peer = await PeerAsync();
        await Store.RenewLeaseAsync(Instance("first"), ShortLease);
        await LetLeaseLapseAsync(peer, NodeA);

        Assert.False(await peer.RenewLeaseAsync(Instance("second"), LongLease));

        await Assert.ThrowsAsync<NodeIdInUseException>(() => Store.RenewLeaseAsync(Instance("first"), LongLease));
        Assert.Equal([Instance("second")], await Store.ListNodesAsync());
    }

    [StoreFact]
    public async Task AnInstanceWhoseLapsedLeaseAnotherTook_CanNeitherRemoveNorChangeTheHoldersEntries()
    {
        var holder = await PeerAsync();
        await Store.RenewLeaseAsync(Instance("first"), ShortLease);
        await Store.AddConnectionAsync(Connection("a1", "alice", rooms: ["lobby"]), "first");
        await Store.AddConnectionAsync(Connection("a2", rooms: ["lobby"]), "first");
        await LetLeaseLapseAsync(holder, NodeA);
        // The new holder writes its own state back, under the connection ids the first one used too (a process
        // numbers its connections from one): its entries are now all the node has.
        Assert.False(await holder.RenewLeaseAsync(Instance("second"), LongLease));
        await holder.RestoreNodeAsync(NodeA,
            [Connection("a1", "bob", rooms: ["lobby"], topics: ["news"], session: new() { ["k"] = "v" }), Connection("a3", rooms: ["lobby"])], "second");

        // The first instance has not renewed since, so it does not know: every write it makes is refused whole.
        (string Write, Func<Task> Call)[] writes =
        [
            ("remove", () => Store.RemoveConnectionAsync(Nsp, "a1", "first")),
            ("connect over an id the holder uses", () => Store.AddConnectionAsync(Connection("a1", "alice", rooms: ["lobby"]), "first")),
            ("connect", () => Store.AddConnectionAsync(Connection("a9", "alice"), "first")),
            ("join", () => Store.JoinRoomAsync(Nsp, "a3", "attic", "first")),
            ("leave", () => Store.LeaveRoomAsync(Nsp, "a1", "lobby", "first")),
            ("subscribe", () => Store.SubscribeTopicAsync(Nsp, "a3", "news", "first")),
            ("unsubscribe", () => Store.UnsubscribeTopicAsync(Nsp, "a1", "news", "first")),
            ("set session", () => Store.SetSessionAsync(Nsp, "a1", new Dictionary<string, string?> { ["k"] = null }, replace: true, instance: "first")),
            ("set user", () => Store.SetUserAsync(Nsp, "a3", "alice", "first")),
            ("restore", () => Store.RestoreNodeAsync(NodeA, [Connection("a2", rooms: ["lobby"])], "first")),
            ("remove node", () => Store.RemoveNodeAsync(NodeA, "first")),
        ];
        foreach (var (write, call) in writes)
        {
            var refused = await Record.ExceptionAsync(call);
            Assert.True(refused is NodeIdInUseException { Node: var node } && node == NodeA, $"{write}: {refused?.ToString() ?? "went through"}");
        }

        Assert.Equal([Instance("second")], await holder.ListNodesAsync());
        Assert.Equal((2L, 1L, 1L), (await holder.CountConnectionsAsync(Nsp), await holder.CountUsersAsync(Nsp), await holder.CountGuestsAsync(Nsp)));
        Assert.Equal([new Member("a1", "bob", NodeA), new Member("a3", null, NodeA)], (await holder.ListConnectionsAsync(Nsp, new PageRequest())).Items);
        Assert.Equal(["bob"], (await holder.ListUsersAsync(Nsp, new PageRequest())).Items);
        Assert.Equal(["lobby"], (await holder.ListRoomsAsync(Nsp, new PageRequest())).Items);
        Assert.Equal(["news"], (await holder.ListTopicsAsync(Nsp, new PageRequest())).Items);
        Assert.Equal(["a1", "a3"], (await holder.ListRoomMembersAsync(Nsp, "lobby", new PageRequest())).Items.Select(m => m.Conn));
        Assert.Equal([new Member("a1", "bob", NodeA)], (await holder.ListTopicMembersAsync(Nsp, "news", new PageRequest())).Items);
        var a1 = await holder.GetConnectionAsync(Nsp, "a1");
        Assert.Equal(("bob", "v"), (a1?.Uid, a1?.Session["k"]));
        Assert.False(await holder.IsUserOnlineAsync(Nsp, "alice"));

        // The holder's own writes go on.
        Assert.Equal(["lobby"], (await holder.RemoveConnectionAsync(Nsp, "a3", "second"))?.Rooms);
        Assert.Equal(["a1"], (await holder.RemoveNodeAsync(NodeA, "second")).Select(c => c.Conn));
    }

    [StoreFact]
    public async Task AWriteCarryingAnInstance_GoesThroughWhileNoOtherInstanceHoldsTheLease()
    {
        await Store.AddConnectionAsync(Connection("a1", "alice"), "first"); // before the first renewal: no lease to check
        await Store.RenewLeaseAsync(Instance("first"), ShortLease);
        Assert.True(await Store.JoinRoomAsync(Nsp, "a1", "lobby", "first"));

        // Lapsed and not taken: a late write of the node's own still lands (its next renewal restores anyway).
        await LetLeaseLapseAsync(Store, NodeA);
        Assert.Equal(["lobby"], (await Store.RemoveConnectionAsync(Nsp, "a1", "first"))?.Rooms);
        Assert.Equal(0, await Store.CountConnectionsAsync(Nsp));
    }
}
