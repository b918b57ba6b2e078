using Bgw.V1;
using StatusCode = BrokerGateway.Grpc.StatusCode;

namespace BrokerGateway.Server.Tests.Api;

/// <summary>
/// bgw.v1.Gateway presence queries against three replicas: counts exact, lists walked across pages return
/// every member once, whichever replica is asked.
/// </summary>
[Collection("api")]
public sealed class GatewayPresenceTests(ApiCluster api) : IClassFixture<ApiCluster>, IAsyncLifetime
{
    readonly string _nsp = Unique.Name("nsp");
    readonly List<TestClient> _clients = [];
    readonly List<string> _guests = [];

    /// <summary>
    /// Seven connections: ann ×2 (replicas 0 and 2), bob, cat, dan (one each), and two guests. Topics:
    /// news = ann ×2, bob, guest 1; sport = cat. Rooms: lobby = ann (replica 0), bob, cat; vip = dan.
    /// </summary>
    public async Task InitializeAsync()
    {
        _clients.Add(await Clients.UserAsync(api[0], "ann", _nsp, rooms: ["lobby"], topics: ["news"]));
        _clients.Add(await Clients.UserAsync(api[2], "ann", _nsp, topics: ["news"]));
        _clients.Add(await Clients.UserAsync(api[1], "bob", _nsp, rooms: ["lobby"], topics: ["news"]));
        _clients.Add(await Clients.UserAsync(api[2], "cat", _nsp, rooms: ["lobby"], topics: ["sport"]));
        _clients.Add(await Clients.UserAsync(api[0], "dan", _nsp, rooms: ["vip"]));
        for (var i = 0; i < 2; i++)
        {
            var (guest, conn) = await Clients.GuestAsync(api[i + 1], _nsp);
            _clients.Add(guest);
            _guests.Add(conn);
        }
        await api.Grpc(0).Gateway("TopicSubscribe", new TopicSubscribeRequest { Nsp = _nsp, Conn = _guests[0], Topics = { "news" } }, SendResponse.Parser);
        await Eventually.TrueAsync(async () => await api[0].Node.Presence.CountTopicMembersAsync(_nsp, "news") == 4);
    }

    public async Task DisposeAsync()
    {
        foreach (var c in _clients) await c.DisposeAsync();
    }

    string[] AllConns => _clients.Take(5).Select(c => c.Conn).Concat(_guests).Order(StringComparer.Ordinal).ToArray();

    /// <summary>Walks a paged list page by page, each page from a different replica.</summary>
    async Task<List<T>> WalkAsync<TPage, T>(string method, Func<Paging, Google.Protobuf.IMessage> request, Google.Protobuf.MessageParser<TPage> parser,
        Func<TPage, IEnumerable<T>> items, Func<TPage, string> next, int limit)
        where TPage : Google.Protobuf.IMessage<TPage>
    {
        var all = new List<T>();
        var cursor = "";
        for (var page = 0; ; page++)
        {
            Assert.True(page < 100, "the walk does not end");
            var answer = await api.Grpc(page % 3).Gateway(method, request(new Paging { Cursor = cursor, Limit = limit }), parser);
            var got = items(answer).ToList();
            Assert.InRange(got.Count, 1, limit);
            all.AddRange(got);
            cursor = next(answer);
            if (cursor.Length == 0) return all;
            Assert.Equal(limit, got.Count); // only the last page may be short
        }
    }

    [ClusterFact]
    public async Task Counts_AreExact_FromAnyReplica()
    {
        for (var i = 0; i < 3; i++)
        {
            var grpc = api.Grpc(i);
            var counts = await grpc.Gateway("CountConnections", new CountRequest { Nsp = _nsp }, ConnectionCounts.Parser);
            Assert.Equal((7, 4, 2), (counts.Connections, counts.Users, counts.Guests));
            Assert.Equal(4, (await grpc.Gateway("CountUsers", new CountRequest { Nsp = _nsp }, CountResponse.Parser)).Count);
            Assert.Equal(2, (await grpc.Gateway("CountTopics", new CountRequest { Nsp = _nsp }, CountResponse.Parser)).Count);
            Assert.Equal(2, (await grpc.Gateway("CountRooms", new CountRequest { Nsp = _nsp }, CountResponse.Parser)).Count);
        }
        var topics = await api.Grpc(1).Gateway("CountTopicMembers", new GroupsRequest { Nsp = _nsp, Names = { "news", "sport", "none" } }, CountsResponse.Parser);
        Assert.Equal(new Dictionary<string, long> { ["news"] = 4, ["sport"] = 1, ["none"] = 0 }, topics.Counts);
        var topicUsers = await api.Grpc(2).Gateway("CountTopicUsers", new GroupsRequest { Nsp = _nsp, Names = { "news", "sport" } }, CountsResponse.Parser);
        Assert.Equal(new Dictionary<string, long> { ["news"] = 2, ["sport"] = 1 }, topicUsers.Counts); // ann once, guests not counted
        var rooms = await api.Grpc(0).Gateway("CountRoomMembers", new GroupsRequest { Nsp = _nsp, Names = { "lobby", "vip" } }, CountsResponse.Parser);
        Assert.Equal(new Dictionary<string, long> { ["lobby"] = 3, ["vip"] = 1 }, rooms.Counts);
    }

    [ClusterFact]
    public async Task Lists_WalkedAcrossPagesAndReplicas_ReturnEveryMemberOnce()
    {
        var conns = await WalkAsync("ListConnections", p => new ListRequest { Nsp = _nsp, Page = p }, MemberPage.Parser, r => r.Members, r => r.NextCursor, limit: 2);
        Assert.Equal(AllConns, conns.Select(m => m.Conn).Order(StringComparer.Ordinal));
        Assert.Equal(2, conns.Count(m => !m.HasUid));
        Assert.Equal(api[2].Node.NodeId, conns.Single(m => m.Conn == _clients[3].Conn).Node);

        var users = await WalkAsync("ListUsers", p => new ListRequest { Nsp = _nsp, Page = p }, IdPage.Parser, r => r.Ids, r => r.NextCursor, limit: 3);
        Assert.Equal(["ann", "bob", "cat", "dan"], users.Order(StringComparer.Ordinal));

        var topics = await WalkAsync("ListTopics", p => new ListRequest { Nsp = _nsp, Page = p }, IdPage.Parser, r => r.Ids, r => r.NextCursor, limit: 1);
        Assert.Equal(["news", "sport"], topics.Order(StringComparer.Ordinal));

        var rooms = await WalkAsync("ListRooms", p => new ListRequest { Nsp = _nsp, Page = p }, IdPage.Parser, r => r.Ids, r => r.NextCursor, limit: 1);
        Assert.Equal(["lobby", "vip"], rooms.Order(StringComparer.Ordinal));

        var news = await WalkAsync("TopicMembers", p => new GroupRequest { Nsp = _nsp, Name = "news", Page = p }, MemberPage.Parser, r => r.Members, r => r.NextCursor, limit: 3);
        Assert.Equal(new[] { _clients[0].Conn, _clients[1].Conn, _clients[2].Conn, _guests[0] }.Order(StringComparer.Ordinal), news.Select(m => m.Conn).Order(StringComparer.Ordinal));

        var lobby = await WalkAsync("RoomMembers", p => new GroupRequest { Nsp = _nsp, Name = "lobby", Page = p }, MemberPage.Parser, r => r.Members, r => r.NextCursor, limit: 2);
        Assert.Equal(["ann", "bob", "cat"], lobby.Select(m => m.Uid).Order(StringComparer.Ordinal));
    }

    [ClusterFact]
    public async Task TopicUsers_ListsEachUserOnceWithItsConnections_AcrossPages()
    {
        var users = await WalkAsync("TopicUsers", p => new GroupRequest { Nsp = _nsp, Name = "news", Page = p }, UserConnectionsPage.Parser, r => r.Users, r => r.NextCursor, limit: 1);
        Assert.Equal(["ann", "bob"], users.Select(u => u.Uid));
        Assert.Equal(new[] { _clients[0].Conn, _clients[1].Conn }.Order(StringComparer.Ordinal), users[0].Conns);
        Assert.Equal([_clients[2].Conn], users[1].Conns);
    }

    [ClusterFact]
    public async Task CheckOnline_AndConnInfo_AnswerForConnectionsAndUsers()
    {
        var grpc = api.Grpc(1);
        var online = await grpc.Gateway("CheckOnline", new CheckOnlineRequest { Nsp = _nsp, Conns = { _clients[4].Conn, "gone-1", _guests[1] }, Uids = { "zed", "cat", "ann" } }, CheckOnlineResponse.Parser);
        Assert.Equal([_clients[4].Conn, _guests[1]], online.Conns);
        Assert.Equal(["cat", "ann"], online.Uids);

        var info = await grpc.Gateway("ConnInfo", new ConnInfoRequest { Nsp = _nsp, Conns = { _clients[0].Conn, "gone-1", _guests[0] } }, ConnInfoResponse.Parser);
        Assert.Equal(["gone-1"], info.Offline);
        var ann = info.Infos[0];
        Assert.Equal((_nsp, _clients[0].Conn, "ann", api[0].Node.NodeId), (ann.Nsp, ann.Conn, ann.Uid, ann.Node));
        Assert.Equal(["lobby"], ann.Rooms);
        Assert.Equal(["news"], ann.Topics);
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - ann.ConnectedAtUnixMs, 0, 120_000);
        Assert.False(info.Infos[1].HasUid);

        var byUser = await grpc.Gateway("ConnInfoByUser", new ConnInfoByUserRequest { Nsp = _nsp, Uids = { "ann", "zed" } }, ConnInfoByUserResponse.Parser);
        Assert.Equal(["zed"], byUser.Offline);
        Assert.Equal("ann", byUser.Users.Single().Uid);
        Assert.Equal(new[] { api[0].Node.NodeId, api[2].Node.NodeId }.Order(StringComparer.Ordinal), byUser.Users[0].Conns.Select(c => c.Node).Order(StringComparer.Ordinal));
    }

    [ClusterFact]
    public async Task DumpSession_PagesTheWorld_AndGroupsEachPagesSessionsByRoom()
    {
        var world = new List<Session>();
        var rooms = new Dictionary<string, List<string>>();
        var cursor = "";
        do
        {
            var page = await api.Grpc(2).Gateway("DumpSession", new DumpSessionRequest { Nsp = _nsp, Page = new Paging { Cursor = cursor, Limit = 3 } }, DumpSessionResponse.Parser);
            world.AddRange(page.World);
            foreach (var room in page.Rooms)
            {
                if (!rooms.TryGetValue(room.Rid, out var members)) rooms[room.Rid] = members = [];
                members.AddRange(room.Room_.Select(s => s.Conn));
            }
            cursor = page.NextCursor;
        } while (cursor.Length > 0);

        Assert.Equal(AllConns, world.Select(s => s.Conn).Order(StringComparer.Ordinal));
        var annOnZero = world.Single(s => s.Conn == _clients[0].Conn);
        Assert.Equal(("ann", "lobby", api[0].Node.NodeId), (annOnZero.Uid, annOnZero.Rid, annOnZero.Node));
        Assert.True(DateTimeOffset.TryParse(annOnZero.Birth, out _));
        Assert.Equal("", world.Single(s => s.Conn == _guests[1]).Uid);
        Assert.Equal(new[] { _clients[0].Conn, _clients[2].Conn, _clients[3].Conn }.Order(StringComparer.Ordinal), rooms["lobby"].Order(StringComparer.Ordinal));
        Assert.Equal([_clients[4].Conn], rooms["vip"]);
    }

    [ClusterFact]
    public async Task ListNamespaces_HasThisNamespace_AndTheDefaultNamespaceIsUsedWhenNspIsEmpty()
    {
        var namespaces = await api.Grpc(0).Gateway("ListNamespaces", new ListNamespacesRequest(), ListNamespacesResponse.Parser);
        Assert.Contains(_nsp, namespaces.Namespaces);
        await using var inDefault = await TestClient.ConnectAsync(api[1].PublicPort, Tokens.Hs256(Unique.Name("d")));
        var online = await api.Grpc(2).Gateway("CheckOnline", new CheckOnlineRequest { Conns = { inDefault.Conn } }, CheckOnlineResponse.Parser);
        Assert.Equal([inDefault.Conn], online.Conns);
    }

    [ClusterFact]
    public async Task BadCursorsAndOversizedLookups_FailWithInvalidArgument()
    {
        var grpc = api.Grpc(0);
        var cursor = await Calls.FailsAsync(() => grpc.Gateway("ListConnections", new ListRequest { Nsp = _nsp, Page = new Paging { Cursor = "%%%not-a-cursor" } }, MemberPage.Parser));
        Assert.Equal(StatusCode.InvalidArgument, cursor.StatusCode);
        var topicCursor = await Calls.FailsAsync(() => grpc.Gateway("TopicUsers", new GroupRequest { Nsp = _nsp, Name = "news", Page = new Paging { Cursor = "%%%" } }, UserConnectionsPage.Parser));
        Assert.Equal(StatusCode.InvalidArgument, topicCursor.StatusCode);
        var many = new CheckOnlineRequest { Nsp = _nsp };
        many.Conns.Add(Enumerable.Range(0, 1001).Select(i => $"c{i}"));
        var oversized = await Calls.FailsAsync(() => grpc.Gateway("CheckOnline", many, CheckOnlineResponse.Parser));
        Assert.Equal(StatusCode.InvalidArgument, oversized.StatusCode);
        Assert.Contains("1000", oversized.Detail);
    }
}
