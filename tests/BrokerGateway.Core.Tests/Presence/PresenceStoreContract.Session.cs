using BrokerGateway.Core.Presence;

namespace BrokerGateway.Core.Tests.Presence;

public abstract partial class PresenceStoreContract
{
    [StoreFact]
    public async Task SettingSession_MergesIntoWhatIsThere()
    {
        await Store.AddConnectionAsync(Connection("c1", session: new() { ["a"] = "1", ["b"] = "2" }));

        Assert.True(await Store.SetSessionAsync(Nsp, "c1", new Dictionary<string, string?> { ["b"] = "two", ["c"] = "3" }));

        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = "two", ["c"] = "3" },
            (await Store.GetConnectionAsync(Nsp, "c1"))!.Session.ToDictionary());
    }

    [StoreFact]
    public async Task ReplacingSession_DropsEveryKeyNotGiven()
    {
        await Store.AddConnectionAsync(Connection("c1", "alice", rooms: ["lobby"], session: new() { ["a"] = "1", ["b"] = "2" }));

        Assert.True(await Store.SetSessionAsync(Nsp, "c1", new Dictionary<string, string?> { ["c"] = "3", ["gone"] = null }, replace: true));

        var read = await Store.GetConnectionAsync(Nsp, "c1");
        Assert.Equal(new Dictionary<string, string> { ["c"] = "3" }, read!.Session.ToDictionary());
        Assert.Equal(["lobby"], read.Rooms); // replacing the session touches nothing else
        Assert.Equal("alice", read.Uid);
    }

    [StoreFact]
    public async Task NullSessionValue_DeletesThatKey()
    {
        await Store.AddConnectionAsync(Connection("c1", session: new() { ["a"] = "1", ["b"] = "2" }));

        Assert.True(await Store.SetSessionAsync(Nsp, "c1", new Dictionary<string, string?> { ["a"] = null, ["missing"] = null }));

        Assert.Equal(new Dictionary<string, string> { ["b"] = "2" }, (await Store.GetConnectionAsync(Nsp, "c1"))!.Session.ToDictionary());
    }

    [StoreFact]
    public async Task SessionOfAnUnknownConnection_IsNotSet()
    {
        Assert.False(await Store.SetSessionAsync(Nsp, "ghost", new Dictionary<string, string?> { ["a"] = "1" }));
        Assert.Null(await Store.GetConnectionAsync(Nsp, "ghost"));
    }

    [StoreFact]
    public async Task SessionValues_KeepAnyText()
    {
        var values = new Dictionary<string, string> { ["json"] = "{\"a\":[1,2]}", ["uni"] = "ключ 🎉", ["nl"] = "a\nb", ["r:lobby"] = "not a room" };
        await Store.AddConnectionAsync(Connection("c1"));

        await Store.SetSessionAsync(Nsp, "c1", values.ToDictionary(p => p.Key, p => (string?)p.Value));

        var read = await Store.GetConnectionAsync(Nsp, "c1");
        Assert.Equal(values.OrderBy(p => p.Key), read!.Session.OrderBy(p => p.Key));
        Assert.Empty(read.Rooms);
    }

    [StoreFact]
    public async Task SettingTheUser_MovesTheConnectionBetweenUsers()
    {
        await Store.AddConnectionAsync(Connection("c1", "alice", rooms: ["lobby"]));
        await Store.AddConnectionAsync(Connection("c2", "alice"));

        Assert.True(await Store.SetUserAsync(Nsp, "c1", "bob"));

        Assert.True(await Store.IsUserOnlineAsync(Nsp, "bob"));
        Assert.Equal(["c2"], (await Store.GetUserConnectionsAsync(Nsp, "alice")).Select(c => c.Conn));
        Assert.Equal(["c1"], (await Store.GetUserConnectionsAsync(Nsp, "bob")).Select(c => c.Conn));
        Assert.Equal(2, await Store.CountUsersAsync(Nsp));
        Assert.Equal([new Member("c1", "bob", NodeA)], (await Store.ListRoomMembersAsync(Nsp, "lobby", new PageRequest())).Items);

        Assert.True(await Store.SetUserAsync(Nsp, "c2", "bob"));
        Assert.False(await Store.IsUserOnlineAsync(Nsp, "alice"));
        Assert.Equal(["bob"], (await Store.ListUsersAsync(Nsp, new PageRequest())).Items);
        Assert.True(await Store.SetUserAsync(Nsp, "c2", "bob")); // already so: still true
    }

    [StoreFact]
    public async Task SettingTheUserToNone_MakesAGuest_AndBack()
    {
        await Store.AddConnectionAsync(Connection("c1", "alice"));

        Assert.True(await Store.SetUserAsync(Nsp, "c1", null));
        Assert.Equal((0L, 1L), (await Store.CountUsersAsync(Nsp), await Store.CountGuestsAsync(Nsp)));
        Assert.Null((await Store.GetConnectionAsync(Nsp, "c1"))!.Uid);

        Assert.True(await Store.SetUserAsync(Nsp, "c1", "carol"));
        Assert.Equal((1L, 0L), (await Store.CountUsersAsync(Nsp), await Store.CountGuestsAsync(Nsp)));
        Assert.Equal("carol", (await Store.GetConnectionAsync(Nsp, "c1"))!.Uid);
        Assert.False(await Store.SetUserAsync(Nsp, "ghost", "carol"));
    }
}
