using BrokerGateway.Core.Presence;

namespace BrokerGateway.Core.Tests.Presence;

public abstract partial class PresenceStoreContract
{
    [StoreFact]
    public async Task AddedConnection_ReadsBackWithEverythingItWasGiven()
    {
        var session = new Dictionary<string, string> { ["plan"] = "gold", ["lang"] = "fr", [""] = "empty key" };
        await Store.AddConnectionAsync(Connection("c1", "alice", rooms: ["lobby", "game"], topics: ["news"], session: session));

        var read = await Store.GetConnectionAsync(Nsp, "c1");

        Assert.NotNull(read);
        Assert.Equal((Nsp, "c1", "alice", NodeA, At), (read.Nsp, read.Conn, read.Uid, read.Node, read.ConnectedAt));
        Assert.Equal(["game", "lobby"], read.Rooms);
        Assert.Equal(["news"], read.Topics);
        Assert.Equal(session.OrderBy(p => p.Key), read.Session.OrderBy(p => p.Key));
    }

    [StoreFact]
    public async Task UnknownConnection_ReadsAsNull()
    {
        Assert.Null(await Store.GetConnectionAsync(Nsp, "nobody"));
        Assert.Null(await Store.RemoveConnectionAsync(Nsp, "nobody"));
    }

    [StoreFact]
    public async Task RemovedConnection_ReturnsWhatItHeld_AndLeavesNothingBehind()
    {
        await Store.AddConnectionAsync(Connection("c1", "alice", rooms: ["lobby"], topics: ["news"], session: new() { ["k"] = "v" }));

        var removed = await Store.RemoveConnectionAsync(Nsp, "c1");

        Assert.NotNull(removed);
        Assert.Equal(("alice", NodeA), (removed.Uid, removed.Node));
        Assert.Equal(["lobby"], removed.Rooms);
        Assert.Equal(["news"], removed.Topics);
        Assert.Equal("v", removed.Session["k"]);
        Assert.Null(await Store.GetConnectionAsync(Nsp, "c1"));
        Assert.Equal(0, await Store.CountConnectionsAsync(Nsp));
        Assert.Equal(0, await Store.CountUsersAsync(Nsp));
        Assert.Equal(0, await Store.CountRoomsAsync(Nsp));
        Assert.Equal(0, await Store.CountTopicsAsync(Nsp));
        Assert.Equal(0, await Store.CountRoomMembersAsync(Nsp, "lobby"));
        Assert.False(await Store.IsUserOnlineAsync(Nsp, "alice"));
        Assert.Empty((await Store.ListRoomsAsync(Nsp, new PageRequest())).Items);
        Assert.DoesNotContain(Nsp, await Store.ListNamespacesAsync());
    }

    [StoreFact]
    public async Task RemovingTwice_ReturnsTheConnectionOnlyOnce()
    {
        await Store.AddConnectionAsync(Connection("c1", "alice"));

        var first = Store.RemoveConnectionAsync(Nsp, "c1");
        var second = Store.RemoveConnectionAsync(Nsp, "c1");

        Assert.Single(new[] { await first, await second }, r => r is not null);
    }

    [StoreFact]
    public async Task AddingAConnectionAgain_ReplacesItWhole()
    {
        await Store.AddConnectionAsync(Connection("c1", "alice", rooms: ["old"], session: new() { ["a"] = "1" }));

        await Store.AddConnectionAsync(Connection("c1", "bob", rooms: ["new"], session: new() { ["b"] = "2" }));

        var read = await Store.GetConnectionAsync(Nsp, "c1");
        Assert.Equal("bob", read!.Uid);
        Assert.Equal(["new"], read.Rooms);
        Assert.Equal(["b"], read.Session.Keys);
        Assert.Equal(0, await Store.CountRoomMembersAsync(Nsp, "old"));
        Assert.False(await Store.IsUserOnlineAsync(Nsp, "alice"));
        Assert.Equal(1, await Store.CountConnectionsAsync(Nsp));
        Assert.Equal(1, await Store.CountUsersAsync(Nsp));
    }

    [StoreFact]
    public async Task UserWithTwoConnections_CountsOnce_AndStaysOnlineUntilTheLastOneCloses()
    {
        await Store.AddConnectionAsync(Connection("c1", "alice"));
        await Store.AddConnectionAsync(Connection("c2", "alice"));
        await Store.AddConnectionAsync(Connection("c3", "bob"));

        Assert.Equal(3, await Store.CountConnectionsAsync(Nsp));
        Assert.Equal(2, await Store.CountUsersAsync(Nsp));
        Assert.Equal(["c1", "c2"], (await Store.GetUserConnectionsAsync(Nsp, "alice")).Select(c => c.Conn));

        await Store.RemoveConnectionAsync(Nsp, "c1");
        Assert.True(await Store.IsUserOnlineAsync(Nsp, "alice"));
        Assert.Equal(2, await Store.CountUsersAsync(Nsp));

        await Store.RemoveConnectionAsync(Nsp, "c2");
        Assert.False(await Store.IsUserOnlineAsync(Nsp, "alice"));
        Assert.Equal(1, await Store.CountUsersAsync(Nsp));
        Assert.Empty(await Store.GetUserConnectionsAsync(Nsp, "alice"));
        Assert.Equal(["bob"], (await Store.ListUsersAsync(Nsp, new PageRequest())).Items);
    }

    [StoreFact]
    public async Task AUsersConnections_AreNumberedInTheOrderTheyWereWritten_WhateverTheirIdsOrClocks()
    {
        // Ids and connect times in the opposite order to the writes: the order is the store's own.
        await Store.AddConnectionAsync(Connection("c3", "alice") with { ConnectedAt = At.AddSeconds(2), Order = 99 });
        await Store.AddConnectionAsync(Connection("c2", "alice") with { ConnectedAt = At.AddSeconds(1) });
        await Store.AddConnectionAsync(Connection("g1"));
        await Store.AddConnectionAsync(Connection("c1", "alice"));

        var byOrder = (await Store.GetUserConnectionsAsync(Nsp, "alice")).OrderBy(c => c.Order).Select(c => c.Conn);
        Assert.Equal(["c3", "c2", "c1"], byOrder);
        Assert.All(await Store.GetUserConnectionsAsync(Nsp, "alice"), c => Assert.True(c.Order > 0));
        Assert.Equal(0, (await Store.GetConnectionAsync(Nsp, "g1"))!.Order); // a guest is in no user's order

        // Written again (a restore), or moved to the user: the latest write.
        await Store.AddConnectionAsync(Connection("c3", "alice"));
        Assert.True(await Store.SetUserAsync(Nsp, "g1", "alice"));
        byOrder = (await Store.GetUserConnectionsAsync(Nsp, "alice")).OrderBy(c => c.Order).Select(c => c.Conn);
        Assert.Equal(["c2", "c1", "c3", "g1"], byOrder);
    }

    [StoreFact]
    public async Task Guests_AreConnectionsWithoutAUser()
    {
        await Store.AddConnectionAsync(Connection("g1"));
        await Store.AddConnectionAsync(Connection("g2"));
        await Store.AddConnectionAsync(Connection("c1", "alice"));

        Assert.Equal(3, await Store.CountConnectionsAsync(Nsp));
        Assert.Equal(2, await Store.CountGuestsAsync(Nsp));
        Assert.Equal(1, await Store.CountUsersAsync(Nsp));
        var members = await WalkAsync(p => Store.ListConnectionsAsync(Nsp, p), 10);
        Assert.Equal([("c1", "alice"), ("g1", null), ("g2", null)],
            members.Select(m => (m.Conn, m.Uid)).OrderBy(m => m.Conn, StringComparer.Ordinal));
        Assert.All(members, m => Assert.Equal(NodeA, m.Node));

        await Store.RemoveConnectionAsync(Nsp, "g1");
        Assert.Equal(1, await Store.CountGuestsAsync(Nsp));
    }

    [StoreFact]
    public async Task Namespaces_AreListedWhileTheyHaveConnections()
    {
        var other = Unique.Name("other");
        await Store.AddConnectionAsync(Connection("c1", "alice"));
        await Store.AddConnectionAsync(Connection("c1", "alice", nsp: other));

        Assert.Equal(Sorted([Nsp, other]), await Store.ListNamespacesAsync());
        Assert.Equal(1, await Store.CountConnectionsAsync(other));

        await Store.RemoveConnectionAsync(other, "c1");
        Assert.Equal([Nsp], await Store.ListNamespacesAsync());
        Assert.Equal(1, await Store.CountConnectionsAsync(Nsp));
    }
}
