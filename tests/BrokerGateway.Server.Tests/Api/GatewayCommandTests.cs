using Bgw.V1;
using Google.Protobuf;
using StatusCode = BrokerGateway.Grpc.StatusCode;

namespace BrokerGateway.Server.Tests.Api;

/// <summary>bgw.v1.Gateway commands: connection info, topics, rooms and forced disconnects, across replicas.</summary>
[Collection("api")]
public sealed class GatewayCommandTests(ApiCluster api) : IClassFixture<ApiCluster>
{
    static Push Text(string text) => new() { Data = ByteString.CopyFromUtf8(text) };

    Task<ConnInfo> InfoAsync(string nsp, string conn) => InfoAsync(2, nsp, conn);

    async Task<ConnInfo> InfoAsync(int replica, string nsp, string conn)
    {
        var request = new ConnInfoRequest { Nsp = nsp };
        request.Conns.Add(conn);
        return (await api.Grpc(replica).Gateway("ConnInfo", request, ConnInfoResponse.Parser)).Infos.Single();
    }

    [ClusterFact]
    public async Task ConnInfoUpdate_BindsTheUser_SetsTheSession_ReplacesTopics_ThenPushes()
    {
        var nsp = Unique.Name("nsp");
        var (guest, conn) = await Clients.GuestAsync(api[1], nsp);
        await using var _ = guest;
        await api.Grpc(0).Gateway("TopicSubscribe", new TopicSubscribeRequest { Nsp = nsp, Conn = conn, Topics = { "old", "kept" } }, SendResponse.Parser);
        await Eventually.TrueAsync(async () => (await InfoAsync(nsp, conn)).Topics.Count == 2);

        var update = new ConnInfoUpdateRequest { Nsp = nsp, Conn = conn, Uid = "carol", Topics = { "kept", "new" }, ReplaceTopics = true, Push = Text("welcome carol") };
        update.Session.Add(new Dictionary<string, string> { ["level"] = "gold", ["lang"] = "fr" });
        var reply = await api.Grpc(2).Gateway("ConnInfoUpdate", update, SendResponse.Parser);

        Assert.Equal(5, reply.Messages); // set-user, set-session, unsubscribe, subscribe, push
        Assert.Equal("welcome carol", (string?)(await guest.NextAsync("push"))["data"]);
        // The push came after the commands on the same subject, so presence already shows them.
        var info = await InfoAsync(nsp, conn);
        Assert.Equal("carol", info.Uid);
        Assert.Equal(api[1].Node.NodeId, info.Node);
        Assert.Equal(new Dictionary<string, string> { ["level"] = "gold", ["lang"] = "fr" }, info.Session);
        Assert.Equal(["kept", "new"], info.Topics);
        // Bound to the user: a push to the user reaches it.
        await api.SubscriptionsReachedNatsAsync();
        await api.Grpc(0).Gateway("SingleCastByUser", new SingleCastByUserRequest { Nsp = nsp, Uid = "carol", Push = Text("as carol") }, SendResponse.Parser);
        Assert.Equal("as carol", (string?)(await guest.NextAsync("push"))["data"]);
    }

    [ClusterFact]
    public async Task ConnInfoDelete_UnbindsTheUser_DeletesSessionKeysAndTopics()
    {
        var nsp = Unique.Name("nsp");
        await using var client = await TestClient.ConnectAsync(api[2].PublicPort,
            Tokens.Hs256("dave", nsp: nsp, topics: ["t1", "t2"], info: new() { ["a"] = "1", ["b"] = "2" }));

        var delete = new ConnInfoDeleteRequest { Nsp = nsp, Conn = client.Conn, Uid = true, SessionKeys = { "a" }, Topics = true, Push = Text("done") };
        await api.Grpc(0).Gateway("ConnInfoDelete", delete, SendResponse.Parser);

        Assert.Equal("done", (string?)(await client.NextAsync("push"))["data"]);
        var info = await InfoAsync(nsp, client.Conn);
        Assert.False(info.HasUid);
        Assert.Equal(new Dictionary<string, string> { ["b"] = "2" }, info.Session);
        Assert.Empty(info.Topics);
        Assert.Equal(0, (await api.Grpc(1).Gateway("CountUsers", new CountRequest { Nsp = nsp }, CountResponse.Parser)).Count);

        await api.Grpc(1).Gateway("ConnInfoDelete", new ConnInfoDeleteRequest { Nsp = nsp, Conn = client.Conn, Session = true, Push = Text("cleared") }, SendResponse.Parser);
        await client.NextAsync("push");
        Assert.Empty((await InfoAsync(nsp, client.Conn)).Session);
    }

    [ClusterFact]
    public async Task TopicSubscribe_ByUser_ReachesEveryConnectionOfTheUser_AndUnsubscribeUndoesIt()
    {
        var nsp = Unique.Name("nsp");
        await using var a = await Clients.UserAsync(api[0], "eve", nsp);
        await using var b = await Clients.UserAsync(api[2], "eve", nsp);
        await using var other = await Clients.UserAsync(api[1], "frank", nsp);
        var grpc = api.Grpc(1);

        await grpc.Gateway("TopicSubscribe", new TopicSubscribeRequest { Nsp = nsp, Uid = "eve", Topics = { "alerts" }, Push = Text("subscribed") }, SendResponse.Parser);
        await a.NextAsync("push");
        await b.NextAsync("push");
        var members = await grpc.Gateway("CountTopicMembers", new GroupsRequest { Nsp = nsp, Names = { "alerts" } }, CountsResponse.Parser);
        Assert.Equal(2, members.Counts["alerts"]);
        await api.SubscriptionsReachedNatsAsync();

        await grpc.Gateway("TopicPublish", new TopicPublishRequest { Nsp = nsp, Topics = { "alerts" }, Push = Text("alert") }, SendResponse.Parser);
        Assert.Equal("alert", (string?)(await a.NextAsync("push"))["data"]);
        Assert.Equal("alert", (string?)(await b.NextAsync("push"))["data"]);
        Assert.Empty(await other.PushesAsync());

        await grpc.Gateway("TopicUnsubscribe", new TopicUnsubscribeRequest { Nsp = nsp, Conn = a.Conn, Topics = { "alerts" } }, SendResponse.Parser);
        await Eventually.TrueAsync(async () =>
            (await grpc.Gateway("CountTopicMembers", new GroupsRequest { Nsp = nsp, Names = { "alerts" } }, CountsResponse.Parser)).Counts["alerts"] == 1);
        await grpc.Gateway("TopicPublish", new TopicPublishRequest { Nsp = nsp, Topics = { "alerts" }, Push = Text("again") }, SendResponse.Parser);
        Assert.Equal("again", (string?)(await b.NextAsync("push"))["data"]);
        Assert.Empty(await a.PushesAsync());
    }

    [ClusterFact]
    public async Task TopicDelete_PushesFirst_ThenUnsubscribesEverySubscriberEverywhere()
    {
        var nsp = Unique.Name("nsp");
        await using var a = await Clients.UserAsync(api[0], "a", nsp, topics: ["doomed", "safe"]);
        await using var b = await Clients.UserAsync(api[1], "b", nsp, topics: ["doomed"]);
        var grpc = api.Grpc(2);

        await grpc.Gateway("TopicDelete", new TopicDeleteRequest { Nsp = nsp, Topics = { "doomed" }, Push = Text("closing") }, SendResponse.Parser);

        Assert.Equal("closing", (string?)(await a.NextAsync("push"))["data"]);
        Assert.Equal("closing", (string?)(await b.NextAsync("push"))["data"]);
        await Eventually.TrueAsync(async () => (await grpc.Gateway("CountTopics", new CountRequest { Nsp = nsp }, CountResponse.Parser)).Count == 1);
        Assert.Equal(["safe"], (await grpc.Gateway("ListTopics", new ListRequest { Nsp = nsp }, IdPage.Parser)).Ids);
        await grpc.Gateway("TopicPublish", new TopicPublishRequest { Nsp = nsp, Topics = { "doomed" }, Push = Text("nobody") }, SendResponse.Parser);
        Assert.Empty(await a.PushesAsync());
        Assert.Empty(await b.PushesAsync());
    }

    [ClusterFact]
    public async Task JoinRooms_AndLeaveRooms_ByConnectionOrUser_ChangeMembershipOnTheHoldingReplica()
    {
        var nsp = Unique.Name("nsp");
        await using var a = await Clients.UserAsync(api[0], "a", nsp);
        await using var a2 = await Clients.UserAsync(api[1], "a", nsp);
        await using var b = await Clients.UserAsync(api[2], "b", nsp);
        var grpc = api.Grpc(1);
        Task<CountsResponse> CountAsync() => grpc.Gateway("CountRoomMembers", new GroupsRequest { Nsp = nsp, Names = { "x", "y" } }, CountsResponse.Parser);

        await grpc.Gateway("JoinRooms", new RoomsRequest { Nsp = nsp, Uid = "a", Rooms = { "x", "y" } }, SendResponse.Parser);
        await grpc.Gateway("JoinRooms", new RoomsRequest { Nsp = nsp, Conn = b.Conn, Rooms = { "x" } }, SendResponse.Parser);
        await Eventually.TrueAsync(async () => (await CountAsync()).Counts is { } c && c["x"] == 3 && c["y"] == 2);

        await grpc.Gateway("LeaveRooms", new RoomsRequest { Nsp = nsp, Conn = a2.Conn, Rooms = { "x", "y" } }, SendResponse.Parser);
        await Eventually.TrueAsync(async () => (await CountAsync()).Counts is { } c && c["x"] == 2 && c["y"] == 1);
        var x = await grpc.Gateway("RoomMembers", new GroupRequest { Nsp = nsp, Name = "x" }, MemberPage.Parser);
        Assert.Equal(new[] { a.Conn, b.Conn }.Order(StringComparer.Ordinal), x.Members.Select(m => m.Conn).Order(StringComparer.Ordinal));
        // The room hears about it (presence events come from the replicas that applied the commands).
        var change = await b.NextAsync("presence");
        Assert.Equal("x", (string?)change["room"]);
    }

    [ClusterFact]
    public async Task ClearRooms_PushesToTheMembers_ThenEmptiesTheRooms()
    {
        var nsp = Unique.Name("nsp");
        await using var a = await Clients.UserAsync(api[0], "a", nsp, rooms: ["stage"]);
        await using var b = await Clients.UserAsync(api[2], "b", nsp, rooms: ["stage", "hall"]);
        var grpc = api.Grpc(1);

        await grpc.Gateway("ClearRooms", new ClearRoomsRequest { Nsp = nsp, Rooms = { "stage" }, Push = Text("show over") }, SendResponse.Parser);

        Assert.Equal("show over", (string?)(await a.NextAsync("push"))["data"]);
        Assert.Equal("show over", (string?)(await b.NextAsync("push"))["data"]);
        await Eventually.TrueAsync(async () => (await grpc.Gateway("CountRooms", new CountRequest { Nsp = nsp }, CountResponse.Parser)).Count == 1);
        Assert.Equal(["hall"], (await grpc.Gateway("ListRooms", new ListRequest { Nsp = nsp }, IdPage.Parser)).Ids);
    }

    [ClusterFact]
    public async Task ForceOffline_SendsTheLastPush_ThenClosesWithTheCodeAndReason()
    {
        var nsp = Unique.Name("nsp");
        await using var a = await Clients.UserAsync(api[0], "a", nsp);
        await using var b = await Clients.UserAsync(api[2], "b", nsp);
        await using var c = await Clients.UserAsync(api[1], "c", nsp);

        await api.Grpc(1).Gateway("ForceOffline", new ForceOfflineRequest
        {
            Conns = { a.Conn, b.Conn },
            Push = Text("logged in elsewhere"),
            Close = new Close { Code = 4070, Reason = "replaced" },
        }, SendResponse.Parser);

        foreach (var client in new[] { a, b })
        {
            Assert.Equal("logged in elsewhere", (string?)(await client.NextAsync("push"))["data"]);
            var disconnect = await client.NextAsync("disconnect");
            Assert.Equal(4070, (int?)disconnect["code"]);
            Assert.Equal("replaced", (string?)disconnect["reason"]);
            Assert.Equal(4070, (await client.ClosedAsync()).Code);
            await client.DisposeAsync(); // answer the close at once, so the replica forgets the socket without waiting
        }
        await Eventually.TrueAsync(async () => (await api.Grpc(0).Gateway("CountConnections", new CountRequest { Nsp = nsp }, ConnectionCounts.Parser)).Connections == 1);
        Assert.Empty(await c.PushesAsync());
    }

    [ClusterFact]
    public async Task ForceOfflineByUser_ClosesEveryConnectionOfTheUsers_OnEveryReplica()
    {
        var nsp = Unique.Name("nsp");
        await using var a1 = await Clients.UserAsync(api[0], "a", nsp);
        await using var a2 = await Clients.UserAsync(api[1], "a", nsp);
        await using var a3 = await Clients.UserAsync(api[2], "a", nsp);
        await using var b = await Clients.UserAsync(api[2], "b", nsp);

        await api.Grpc(0).Gateway("ForceOfflineByUser", new ForceOfflineByUserRequest { Nsp = nsp, Uids = { "a" } }, SendResponse.Parser);

        foreach (var client in new[] { a1, a2, a3 })
        {
            Assert.Equal(4056, (await client.ClosedAsync()).Code);
            await client.DisposeAsync();
        }
        await Eventually.TrueAsync(async () =>
            (await api.Grpc(1).Gateway("CheckOnline", new CheckOnlineRequest { Nsp = nsp, Uids = { "a", "b" } }, CheckOnlineResponse.Parser)).Uids.SequenceEqual(["b"]));
    }

    [ClusterFact]
    public async Task ForceOfflineGuest_ClosesOnlyThoseStillGuestsWhenTheDelayEnds()
    {
        var nsp = Unique.Name("nsp");
        var (stays, staysConn) = await Clients.GuestAsync(api[0], nsp);
        var (goes, goesConn) = await Clients.GuestAsync(api[2], nsp);
        await using var _1 = stays;
        await using var _2 = goes;
        await using var user = await Clients.UserAsync(api[1], "u", nsp);
        var grpc = api.Grpc(1);

        await grpc.Gateway("ForceOfflineGuest", new ForceOfflineGuestRequest { Nsp = nsp, Close = new Close { DelayMs = 1500 } }, SendResponse.Parser);
        // Within the delay, one guest logs in (the backend binds it to a user).
        await grpc.Gateway("ConnInfoUpdate", new ConnInfoUpdateRequest { Nsp = nsp, Conn = staysConn, Uid = "late", Push = Text("bound") }, SendResponse.Parser);
        await stays.NextAsync("push");

        Assert.Equal(4056, (await goes.ClosedAsync()).Code);
        await goes.DisposeAsync();
        await Eventually.TrueAsync(async () => (await grpc.Gateway("CountConnections", new CountRequest { Nsp = nsp }, ConnectionCounts.Parser)).Connections == 2);
        var online = await grpc.Gateway("CheckOnline", new CheckOnlineRequest { Nsp = nsp, Conns = { staysConn, goesConn, user.Conn } }, CheckOnlineResponse.Parser);
        Assert.Equal(new[] { staysConn, user.Conn }, online.Conns);
        Assert.Empty(await stays.PushesAsync());
    }

    [ClusterFact]
    public async Task ForceOfflineGuest_OfNamedConnections_SparesThoseBoundToAUser()
    {
        var nsp = Unique.Name("nsp");
        var (guest, guestConn) = await Clients.GuestAsync(api[2], nsp);
        await using var _ = guest;
        await using var user = await Clients.UserAsync(api[0], "u", nsp);

        await api.Grpc(1).Gateway("ForceOfflineGuest", new ForceOfflineGuestRequest { Conns = { guestConn, user.Conn }, Close = new Close { Reason = "log in first" } }, SendResponse.Parser);

        Assert.Equal("log in first", (string?)(await guest.NextAsync("disconnect"))["reason"]);
        Assert.Equal(4056, (await guest.ClosedAsync()).Code);
        Assert.DoesNotContain(await user.DrainUntilPongAsync(), f => (string?)f["type"] == "disconnect");
    }

    [ClusterFact]
    public async Task CommandsNamingSomeoneOffline_FailWithNotFound()
    {
        var nsp = Unique.Name("nsp");
        var grpc = api.Grpc(0);
        var conn = await Calls.FailsAsync(() => grpc.Gateway("ConnInfoUpdate", new ConnInfoUpdateRequest { Nsp = nsp, Conn = "nobody-1", Uid = "x" }, SendResponse.Parser));
        Assert.Equal(StatusCode.NotFound, conn.StatusCode);
        Assert.Contains("nobody-1", conn.Detail);
        var user = await Calls.FailsAsync(() => grpc.Gateway("JoinRooms", new RoomsRequest { Nsp = nsp, Uid = "ghost", Rooms = { "r" } }, SendResponse.Parser));
        Assert.Equal(StatusCode.NotFound, user.StatusCode);
        Assert.Contains("ghost", user.Detail);
    }

    [ClusterFact]
    public async Task BadArguments_FailWithInvalidArgument_NamingTheField_AndSendNothing()
    {
        var nsp = Unique.Name("nsp");
        await using var client = await Clients.UserAsync(api[0], "a", nsp);
        var grpc = api.Grpc(1);
        async Task<string> InvalidAsync(string method, Google.Protobuf.IMessage request)
        {
            var e = await Calls.FailsAsync(() => grpc.Gateway(method, request, SendResponse.Parser));
            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            return e.Detail;
        }

        Assert.Contains("rooms[1]", await InvalidAsync("JoinRooms", new RoomsRequest { Nsp = nsp, Conn = client.Conn, Rooms = { "ok", " padded" } }));
        Assert.Contains("rooms[0]", await InvalidAsync("JoinRooms", new RoomsRequest { Nsp = nsp, Conn = client.Conn, Rooms = { new string('r', 257) } }));
        Assert.Contains("conn or uid", await InvalidAsync("JoinRooms", new RoomsRequest { Nsp = nsp, Rooms = { "r" } }));
        Assert.Contains("topics[0]", await InvalidAsync("TopicSubscribe", new TopicSubscribeRequest { Nsp = nsp, Conn = client.Conn, Topics = { "a\r\nBgw-Op: disconnect" } }));
        Assert.Contains("close.code", await InvalidAsync("ForceOffline", new ForceOfflineRequest { Conns = { client.Conn }, Close = new Close { Code = 1000 } }));
        Assert.Contains("close.delay_ms", await InvalidAsync("ForceOffline", new ForceOfflineRequest { Conns = { client.Conn }, Close = new Close { DelayMs = 60_001 } }));
        Assert.Contains("push.content_type", await InvalidAsync("SingleCast", new SingleCastRequest { Conn = client.Conn, Push = new Push { ContentType = "image/png" } }));
        Assert.Contains("push is missing", await InvalidAsync("Broadcast", new BroadcastRequest { Nsp = nsp }));
        Assert.Contains("uid is empty", await InvalidAsync("ConnInfoUpdate", new ConnInfoUpdateRequest { Nsp = nsp, Conn = client.Conn, Uid = "" }));
        Assert.Contains("Nothing to update", await InvalidAsync("ConnInfoUpdate", new ConnInfoUpdateRequest { Nsp = nsp, Conn = client.Conn }));
        var target = await Calls.FailsAsync(() => grpc.Gateway("Publish", new PublishRequest { Target = new Target(), Push = Text("x") }, PublishResponse.Parser));
        Assert.Contains("target.kind", target.Detail);

        Assert.DoesNotContain(await client.DrainUntilPongAsync(), f => (string?)f["type"] is "push" or "disconnect");
        Assert.Empty((await InfoAsync(nsp, client.Conn)).Rooms);
    }

    [ClusterFact]
    public async Task APushLargerThanNatsAccepts_IsResourceExhausted()
    {
        var error = await Calls.FailsAsync(() => api.Grpc(0).Gateway("SingleCast",
            new SingleCastRequest { Conn = "c-1", Push = new Push { Data = ByteString.CopyFrom(new byte[2 * 1024 * 1024]) } }, SendResponse.Parser));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("NATS", error.Detail);
    }
}
