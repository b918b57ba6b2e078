using BrokerGateway.Core.Presence;

namespace BrokerGateway.Core.Tests.Presence;

public abstract partial class PresenceStoreContract
{
    [StoreFact]
    public async Task JoiningARoom_IsTrueOnce_ThenFalse()
    {
        await Store.AddConnectionAsync(Connection("c1", "alice"));

        Assert.True(await Store.JoinRoomAsync(Nsp, "c1", "lobby"));
        Assert.False(await Store.JoinRoomAsync(Nsp, "c1", "lobby"));

        Assert.Equal(1, await Store.CountRoomMembersAsync(Nsp, "lobby"));
        Assert.Equal(1, await Store.CountRoomsAsync(Nsp));
        Assert.Equal(["lobby"], (await Store.GetConnectionAsync(Nsp, "c1"))!.Rooms);
        Assert.Equal([new Member("c1", "alice", NodeA)], (await Store.ListRoomMembersAsync(Nsp, "lobby", new PageRequest())).Items);
    }

    [StoreFact]
    public async Task JoiningWithAnUnknownConnection_IsFalse_AndMakesNoRoom()
    {
        Assert.False(await Store.JoinRoomAsync(Nsp, "ghost", "lobby"));
        Assert.False(await Store.SubscribeTopicAsync(Nsp, "ghost", "news"));

        Assert.Equal(0, await Store.CountRoomsAsync(Nsp));
        Assert.Equal(0, await Store.CountTopicsAsync(Nsp));
        Assert.Equal(0, await Store.CountRoomMembersAsync(Nsp, "lobby"));
    }

    [StoreFact]
    public async Task LeavingARoom_IsTrueOnce_AndTheEmptyRoomDisappears()
    {
        await Store.AddConnectionAsync(Connection("c1", "alice", rooms: ["lobby"]));
        await Store.AddConnectionAsync(Connection("c2", "bob", rooms: ["lobby"]));

        Assert.True(await Store.LeaveRoomAsync(Nsp, "c1", "lobby"));
        Assert.False(await Store.LeaveRoomAsync(Nsp, "c1", "lobby"));
        Assert.False(await Store.LeaveRoomAsync(Nsp, "c1", "never-joined"));
        Assert.Equal(1, await Store.CountRoomMembersAsync(Nsp, "lobby"));
        Assert.Equal(["lobby"], (await Store.ListRoomsAsync(Nsp, new PageRequest())).Items);

        Assert.True(await Store.LeaveRoomAsync(Nsp, "c2", "lobby"));
        Assert.Equal(0, await Store.CountRoomsAsync(Nsp));
        Assert.Empty((await Store.ListRoomsAsync(Nsp, new PageRequest())).Items);
        Assert.Empty((await Store.GetConnectionAsync(Nsp, "c2"))!.Rooms);
    }

    [StoreFact]
    public async Task SubscribingAndUnsubscribing_AreTrueOnlyWhenTheyChangeSomething()
    {
        await Store.AddConnectionAsync(Connection("c1", "alice"));

        Assert.True(await Store.SubscribeTopicAsync(Nsp, "c1", "news"));
        Assert.False(await Store.SubscribeTopicAsync(Nsp, "c1", "news"));
        Assert.Equal(1, await Store.CountTopicMembersAsync(Nsp, "news"));
        Assert.Equal(1, await Store.CountTopicsAsync(Nsp));
        Assert.Equal(["news"], (await Store.GetConnectionAsync(Nsp, "c1"))!.Topics);
        Assert.Equal(0, await Store.CountRoomsAsync(Nsp)); // topics and rooms are apart

        Assert.True(await Store.UnsubscribeTopicAsync(Nsp, "c1", "news"));
        Assert.False(await Store.UnsubscribeTopicAsync(Nsp, "c1", "news"));
        Assert.Equal(0, await Store.CountTopicsAsync(Nsp));
        Assert.Empty((await Store.ListTopicsAsync(Nsp, new PageRequest())).Items);
    }

    [StoreFact]
    public async Task RoomAndTopicOfTheSameName_AreDifferentThings()
    {
        await Store.AddConnectionAsync(Connection("c1", "alice", rooms: ["same"]));
        await Store.AddConnectionAsync(Connection("c2", "bob", topics: ["same"]));

        Assert.Equal([new Member("c1", "alice", NodeA)], (await Store.ListRoomMembersAsync(Nsp, "same", new PageRequest())).Items);
        Assert.Equal([new Member("c2", "bob", NodeA)], (await Store.ListTopicMembersAsync(Nsp, "same", new PageRequest())).Items);
    }

    [StoreFact]
    public async Task ClearingARoom_ReturnsItsMembers_AndLeavesThemOutOfEveryCount()
    {
        await Store.AddConnectionAsync(Connection("c1", "alice", rooms: ["lobby", "kept"]));
        await Store.AddConnectionAsync(Connection("c2", rooms: ["lobby"]));
        await Store.AddConnectionAsync(Connection("c3", "carol", rooms: ["kept"]));

        var cleared = await Store.ClearRoomAsync(Nsp, "lobby");

        Assert.Equal([new Member("c1", "alice", NodeA), new Member("c2", null, NodeA)], cleared.OrderBy(m => m.Conn, StringComparer.Ordinal));
        Assert.Equal(0, await Store.CountRoomMembersAsync(Nsp, "lobby"));
        Assert.Equal(["kept"], (await Store.ListRoomsAsync(Nsp, new PageRequest())).Items);
        Assert.Equal(["kept"], (await Store.GetConnectionAsync(Nsp, "c1"))!.Rooms);
        Assert.Empty((await Store.GetConnectionAsync(Nsp, "c2"))!.Rooms);
        Assert.Equal(3, await Store.CountConnectionsAsync(Nsp)); // clearing a room closes nobody
        Assert.False(await Store.LeaveRoomAsync(Nsp, "c1", "lobby"));
        Assert.Empty(await Store.ClearRoomAsync(Nsp, "lobby"));
    }

    [StoreFact]
    public async Task DeletingATopic_ReturnsItsSubscribers_AndUnsubscribesThem()
    {
        await Store.AddConnectionAsync(Connection("c1", "alice", topics: ["news", "sport"]));
        await Store.AddConnectionAsync(Connection("c2", "bob", topics: ["news"]));

        var deleted = await Store.DeleteTopicAsync(Nsp, "news");

        Assert.Equal(["c1", "c2"], deleted.Select(m => m.Conn).Order(StringComparer.Ordinal));
        Assert.Equal(0, await Store.CountTopicMembersAsync(Nsp, "news"));
        Assert.Equal(1, await Store.CountTopicsAsync(Nsp));
        Assert.Equal(["sport"], (await Store.GetConnectionAsync(Nsp, "c1"))!.Topics);
        Assert.True(await Store.SubscribeTopicAsync(Nsp, "c2", "news")); // a deleted topic can be subscribed again
    }

    [StoreFact]
    public async Task ManyConcurrentJoinsAndLeaves_KeepCountsExact()
    {
        for (var i = 0; i < 40; i++) await Store.AddConnectionAsync(Connection($"c{i}", $"u{i % 10}"));

        var joins = await Task.WhenAll(Enumerable.Range(0, 40).SelectMany(i => new[]
        {
            Store.JoinRoomAsync(Nsp, $"c{i}", "busy"),
            Store.JoinRoomAsync(Nsp, $"c{i}", "busy"),
            Store.SubscribeTopicAsync(Nsp, $"c{i}", "t"),
        }));
        var leaves = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Store.LeaveRoomAsync(Nsp, $"c{i}", "busy")));

        Assert.Equal(80, joins.Count(j => j)); // each connection joined once and subscribed once
        Assert.All(leaves, Assert.True);
        Assert.Equal(20, await Store.CountRoomMembersAsync(Nsp, "busy"));
        Assert.Equal(40, await Store.CountTopicMembersAsync(Nsp, "t"));
    }
}
