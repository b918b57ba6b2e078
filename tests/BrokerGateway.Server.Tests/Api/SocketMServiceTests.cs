using Api;

namespace BrokerGateway.Server.Tests.Api;

/// <summary>api.SocketMService against three replicas, clients spread over them.</summary>
[Collection("api")]
public sealed class SocketMServiceTests(ApiCluster api) : IClassFixture<ApiCluster>
{
    static Message Msg(string evt, string meta) => new() { Ver = "1", Meta = meta, Evt = evt, Id = "m-" + evt };

    [ClusterFact]
    public async Task NspBroadcast_ReachesEveryClientOfTheNamespace_AsTheEventWithTheMessageAsJson()
    {
        var nsp = Unique.Name("nsp");
        await using var a = await Clients.UserAsync(api[0], "a", nsp);
        await using var b = await Clients.UserAsync(api[1], "b", nsp);
        var (guest, _) = await Clients.GuestAsync(api[2], nsp);
        await using var _g = guest;
        await using var other = await Clients.UserAsync(api[2], "c", Unique.Name("other"));

        var reply = await api.Grpc(1).SocketM("NspBroadcast", new NspBroadcastReq { NspName = nsp, Msg = Msg("news", "{\"x\":1}") }, NspBroadcastResp.Parser);

        Assert.Equal(0u, reply.Errcode);
        Assert.Equal("", reply.Errmsg);
        foreach (var client in new[] { a, b, guest })
        {
            var push = await client.NextAsync("push");
            Assert.Equal("news", (string?)push["event"]);
            Assert.Equal("all", (string?)push["target"]!["kind"]);
            var data = push["data"]!.AsObject();
            Assert.Equal("1", (string?)data["ver"]);
            Assert.Equal("{\"x\":1}", (string?)data["meta"]);
            Assert.Equal("news", (string?)data["evt"]);
            Assert.Equal("m-news", (string?)data["id"]);
        }
        Assert.Empty(await other.PushesAsync());
    }

    [ClusterFact]
    public async Task NspRoomsBroadcast_SendsEachMessageToItsRoomOnly()
    {
        var nsp = Unique.Name("nsp");
        await using var red = await Clients.UserAsync(api[0], "r", nsp, rooms: ["red"]);
        await using var blue = await Clients.UserAsync(api[2], "b", nsp, rooms: ["blue"]);
        await using var both = await Clients.UserAsync(api[1], "rb", nsp, rooms: ["red", "blue"]);
        await using var none = await Clients.UserAsync(api[1], "n", nsp);

        var request = new NspRoomsBroadcastReq { NspName = nsp };
        request.Msgs.Add(new RoomMessage { RoomId = "red", Msg = Msg("to-red", "r") });
        request.Msgs.Add(new RoomMessage { RoomId = "blue", Msg = Msg("to-blue", "b") });
        Assert.Equal(0u, (await api.Grpc(0).SocketM("NspRoomsBroadcast", request, NspRoomsBroadcastResp.Parser)).Errcode);

        Assert.Equal("to-red", (string?)(await red.NextAsync("push"))["event"]);
        Assert.Equal("to-blue", (string?)(await blue.NextAsync("push"))["event"]);
        var first = await both.NextAsync("push");
        var second = await both.NextAsync("push");
        Assert.Equal(["to-blue", "to-red"], new[] { (string)first["event"]!, (string)second["event"]! }.Order());
        foreach (var c in new[] { red, blue, both, none }) Assert.Empty(await c.PushesAsync());
    }

    [ClusterFact]
    public async Task NspUsersBroadcast_AddressesInt64UserIds_AsTheirDecimalUid()
    {
        var nsp = Unique.Name("nsp");
        await using var u42a = await Clients.UserAsync(api[0], "42", nsp);
        await using var u42b = await Clients.UserAsync(api[2], "42", nsp);
        await using var minus7 = await Clients.UserAsync(api[1], "-7", nsp);
        await using var u43 = await Clients.UserAsync(api[1], "43", nsp);

        var request = new NspUsersBroadcastReq { NspName = nsp };
        request.Msgs.Add(new UserMessage { UserId = 42, Msg = Msg("hi42", "") });
        request.Msgs.Add(new UserMessage { UserId = -7, Msg = Msg("hi-7", "") });
        Assert.Equal(0u, (await api.Grpc(2).SocketM("NspUsersBroadcast", request, NspUsersBroadcastResp.Parser)).Errcode);

        Assert.Equal("hi42", (string?)(await u42a.NextAsync("push"))["event"]);
        Assert.Equal("hi42", (string?)(await u42b.NextAsync("push"))["event"]);
        Assert.Equal("hi-7", (string?)(await minus7.NextAsync("push"))["event"]);
        foreach (var c in new[] { u42a, u42b, minus7, u43 }) Assert.Empty(await c.PushesAsync());
    }

    [ClusterFact]
    public async Task Disconnect_ClosesEveryConnectionOfTheUser_AsKicked_AndNobodyElse()
    {
        var nsp = Unique.Name("nsp");
        await using var first = await Clients.UserAsync(api[1], "1001", nsp);
        await using var second = await Clients.UserAsync(api[2], "1001", nsp);
        await using var bystander = await Clients.UserAsync(api[1], "1002", nsp);

        var reply = await api.Grpc(0).SocketM("Disconnect", new DisconnectReq { NspName = nsp, UserId = 1001 }, DisconnectResp.Parser);

        Assert.Equal(0u, reply.Errcode);
        Assert.Equal(4056, (int?)(await first.NextAsync("disconnect"))["code"]);
        Assert.Equal(4056, (await second.ClosedAsync()).Code);
        await first.DisposeAsync(); // answer the close at once, so the replicas forget the sockets without waiting
        await second.DisposeAsync();
        await Eventually.TrueAsync(async () => !await api[0].Node.Presence.IsUserOnlineAsync(nsp, "1001"));
        Assert.True(await api[0].Node.Presence.IsUserOnlineAsync(nsp, "1002"));
        Assert.Empty(await bystander.PushesAsync());
    }

    [ClusterFact]
    public async Task KnockoutFromRoom_TakesEachUserOutOfItsRoom_AndLeavesTheRestAlone()
    {
        var nsp = Unique.Name("nsp");
        await using var a = await Clients.UserAsync(api[0], "1", nsp, rooms: ["lobby", "game"]);
        await using var a2 = await Clients.UserAsync(api[1], "1", nsp, rooms: ["lobby"]);
        await using var b = await Clients.UserAsync(api[2], "2", nsp, rooms: ["lobby", "game"]);
        var presence = api[0].Node.Presence;

        var request = new KnockoutReq { NspName = nsp };
        request.Metas.Add(new KnockoutMeta { UserId = 1, RoomId = "lobby" });
        request.Metas.Add(new KnockoutMeta { UserId = 2, RoomId = "game" });
        Assert.Equal(0u, (await api.Grpc(1).SocketM("KnockoutFromRoom", request, KnockoutResp.Parser)).Errcode);

        await Eventually.TrueAsync(async () => await presence.CountRoomMembersAsync(nsp, "lobby") == 1 && await presence.CountRoomMembersAsync(nsp, "game") == 1);
        Assert.Equal(b.Conn, (await presence.ListRoomMembersAsync(nsp, "lobby", default)).Items.Single().Conn);
        Assert.Equal(a.Conn, (await presence.ListRoomMembersAsync(nsp, "game", default)).Items.Single().Conn);
        Assert.Equal(3, await presence.CountConnectionsAsync(nsp)); // knocked out of a room, still connected
    }

    [ClusterFact]
    public async Task ClearRooms_EmptiesEachRoomOnEveryReplica_AndMembersHearTheLeaves()
    {
        var nsp = Unique.Name("nsp");
        await using var a = await Clients.UserAsync(api[0], "a", nsp, rooms: ["r1", "keep"]);
        await using var b = await Clients.UserAsync(api[1], "b", nsp, rooms: ["r1", "r2"]);
        await using var c = await Clients.UserAsync(api[2], "c", nsp, rooms: ["r2", "keep"]);
        var presence = api[2].Node.Presence;

        var request = new ClearRoomsReq { NspName = nsp };
        request.RoomIds.Add(["r1", "r2"]);
        Assert.Equal(0u, (await api.Grpc(2).SocketM("ClearRooms", request, ClearRoomsResp.Parser)).Errcode);

        await Eventually.TrueAsync(async () => await presence.CountRoomsAsync(nsp) == 1);
        Assert.Equal(["keep"], (await presence.ListRoomsAsync(nsp, default)).Items);
        Assert.Equal(2, await presence.CountRoomMembersAsync(nsp, "keep"));
    }

    [ClusterFact]
    public async Task BadRequests_FailWithInvalidArgument_NamingTheField_AndSendNothing()
    {
        var nsp = Unique.Name("nsp");
        await using var watcher = await Clients.UserAsync(api[0], "0", nsp, rooms: ["r"]);
        var grpc = api.Grpc(0);

        var zero = await Calls.FailsAsync(() => grpc.SocketM("Disconnect", new DisconnectReq { NspName = nsp }, DisconnectResp.Parser));
        Assert.Equal(BrokerGateway.Grpc.StatusCode.InvalidArgument, zero.StatusCode);
        Assert.Contains("userId", zero.Detail);

        var rooms = new NspRoomsBroadcastReq { NspName = nsp };
        rooms.Msgs.Add(new RoomMessage { RoomId = "r", Msg = Msg("ok", "") });
        rooms.Msgs.Add(new RoomMessage { RoomId = "", Msg = Msg("bad", "") });
        var empty = await Calls.FailsAsync(() => grpc.SocketM("NspRoomsBroadcast", rooms, NspRoomsBroadcastResp.Parser));
        Assert.Equal(BrokerGateway.Grpc.StatusCode.InvalidArgument, empty.StatusCode);
        Assert.Contains("msgs[1].roomId", empty.Detail);

        var noMsg = await Calls.FailsAsync(() => grpc.SocketM("NspBroadcast", new NspBroadcastReq { NspName = nsp }, NspBroadcastResp.Parser));
        Assert.Contains("msg is missing", noMsg.Detail);

        var knock = new KnockoutReq { NspName = nsp };
        knock.Metas.Add(new KnockoutMeta { UserId = 5, RoomId = "line\nbreak" });
        Assert.Equal(BrokerGateway.Grpc.StatusCode.InvalidArgument,
            (await Calls.FailsAsync(() => grpc.SocketM("KnockoutFromRoom", knock, KnockoutResp.Parser))).StatusCode);

        // The valid first message of the refused batch was not sent either.
        Assert.Empty(await watcher.PushesAsync());
    }
}
