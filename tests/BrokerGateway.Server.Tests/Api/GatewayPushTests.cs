using Bgw.V1;
using Google.Protobuf;

namespace BrokerGateway.Server.Tests.Api;

/// <summary>bgw.v1.Gateway pushes (netsvr Broadcast, Multicast*, SingleCast*, TopicPublish*; Comet Publish with a receipt).</summary>
[Collection("api")]
public sealed class GatewayPushTests(ApiCluster api) : IClassFixture<ApiCluster>
{
    static Push Text(string text, string @event = "") => new() { Data = ByteString.CopyFromUtf8(text), Event = @event };

    static async Task<string> DataOfNextPushAsync(TestClient client) => (string)(await client.NextAsync("push"))["data"]!;

    static async Task NobodyGotMoreAsync(params TestClient[] clients)
    {
        foreach (var c in clients) Assert.Empty(await c.PushesAsync());
    }

    [ClusterFact]
    public async Task Publish_WithReceipt_CountsTheSocketsAndReplicasThatTookIt()
    {
        var nsp = Unique.Name("nsp");
        await using var a = await Clients.UserAsync(api[0], "a", nsp, rooms: ["room"]);
        await using var b1 = await Clients.UserAsync(api[1], "b", nsp, rooms: ["room"]);
        await using var b2 = await Clients.UserAsync(api[1], "b", nsp, rooms: ["room"]);
        await using var sender = await Clients.UserAsync(api[1], "s", nsp, rooms: ["room"]);
        await using var outside = await Clients.UserAsync(api[2], "o", nsp);

        var reply = await api.Grpc(2).Gateway("Publish", new PublishRequest
        {
            Nsp = nsp,
            Target = new Target { Kind = TargetKind.Room, Id = "room" },
            Push = Text("hello", "chat"),
            ExcludeConn = sender.Conn,
            Receipt = true,
        }, PublishResponse.Parser);

        var receipt = reply.Receipt;
        Assert.True(receipt.Complete);
        Assert.Empty(receipt.Missing);
        Assert.Equal(3, receipt.Sockets);
        Assert.Equal(2, receipt.Nodes);
        Assert.Equal(0, receipt.Refused);
        Assert.Equal(api.Replicas.Select(r => r.Node.NodeId).Order(StringComparer.Ordinal), receipt.PerNode.Select(n => n.Node));
        Assert.Equal(1, receipt.PerNode.Single(n => n.Node == api[0].Node.NodeId).Sockets);
        Assert.Equal(2, receipt.PerNode.Single(n => n.Node == api[1].Node.NodeId).Sockets);
        Assert.Equal(0, receipt.PerNode.Single(n => n.Node == api[2].Node.NodeId).Sockets);
        foreach (var c in new[] { a, b1, b2 })
        {
            var push = await c.NextAsync("push");
            Assert.Equal("chat", (string?)push["event"]);
            Assert.Equal("hello", (string?)push["data"]);
        }
        await NobodyGotMoreAsync(a, b1, b2, sender, outside);
    }

    [ClusterFact]
    public async Task Publish_WithAMessageIdSeenBefore_IsDeliveredOnce_AndTheReceiptSaysDuplicate()
    {
        var nsp = Unique.Name("nsp");
        await using var u = await Clients.UserAsync(api[1], "u", nsp);
        var request = new PublishRequest { Nsp = nsp, Target = new Target { Kind = TargetKind.User, Id = "u" }, Push = Text("once"), Receipt = true };
        request.Push.MsgId = Unique.Name("id");

        var first = (await api.Grpc(0).Gateway("Publish", request, PublishResponse.Parser)).Receipt;
        var again = (await api.Grpc(2).Gateway("Publish", request, PublishResponse.Parser)).Receipt;

        Assert.Equal(1, first.Sockets);
        Assert.Equal(0, again.Sockets);
        Assert.True(again.PerNode.Single(n => n.Node == api[1].Node.NodeId).Duplicate);
        Assert.Equal("once", await DataOfNextPushAsync(u));
        await NobodyGotMoreAsync(u);
    }

    [ClusterFact]
    public async Task Publish_WithoutReceipt_ReachesEveryTargetKind()
    {
        var nsp = Unique.Name("nsp");
        await using var a = await Clients.UserAsync(api[0], "a", nsp, rooms: ["r"], topics: ["t"]);
        await using var b = await Clients.UserAsync(api[2], "b", nsp);
        var grpc = api.Grpc(1);
        async Task PublishAsync(TargetKind kind, string id, string text) =>
            Assert.Null((await grpc.Gateway("Publish", new PublishRequest { Nsp = nsp, Target = new Target { Kind = kind, Id = id }, Push = Text(text) }, PublishResponse.Parser)).Receipt);

        await PublishAsync(TargetKind.Connection, b.Conn, "conn");
        Assert.Equal("conn", await DataOfNextPushAsync(b));
        await PublishAsync(TargetKind.User, "a", "user");
        Assert.Equal("user", await DataOfNextPushAsync(a));
        await PublishAsync(TargetKind.Room, "r", "room");
        Assert.Equal("room", await DataOfNextPushAsync(a));
        await PublishAsync(TargetKind.Topic, "t", "topic");
        Assert.Equal("topic", await DataOfNextPushAsync(a));
        await PublishAsync(TargetKind.Namespace, "", "all");
        Assert.Equal("all", await DataOfNextPushAsync(a));
        Assert.Equal("all", await DataOfNextPushAsync(b));
        await NobodyGotMoreAsync(a, b);
    }

    [ClusterFact]
    public async Task Broadcast_ReachesTheWholeNamespace_AndNoOtherNamespace()
    {
        var nsp = Unique.Name("nsp");
        await using var a = await Clients.UserAsync(api[0], "a", nsp);
        await using var b = await Clients.UserAsync(api[1], "b", nsp);
        var (guest, _) = await Clients.GuestAsync(api[2], nsp);
        await using var _g = guest;
        await using var other = await Clients.UserAsync(api[2], "a", Unique.Name("other"));

        var reply = await api.Grpc(0).Gateway("Broadcast", new BroadcastRequest { Nsp = nsp, Push = Text("{\"n\":1}") }, SendResponse.Parser);

        Assert.Equal(1, reply.Messages);
        foreach (var c in new[] { a, b, guest }) Assert.Equal(1, (int?)(await c.NextAsync("push"))["data"]!["n"]);
        await NobodyGotMoreAsync(a, b, guest, other);
    }

    [ClusterFact]
    public async Task Multicast_AndSingleCast_ReachTheNamedConnectionsOnly()
    {
        var nsp = Unique.Name("nsp");
        await using var a = await Clients.UserAsync(api[0], "u", nsp);
        await using var b = await Clients.UserAsync(api[1], "u", nsp);
        await using var c = await Clients.UserAsync(api[2], "v", nsp);
        var grpc = api.Grpc(2);

        var multicast = new MulticastRequest { Push = Text("multi") };
        multicast.Conns.Add([a.Conn, c.Conn]);
        Assert.Equal(2, (await grpc.Gateway("Multicast", multicast, SendResponse.Parser)).Messages);
        Assert.Equal("multi", await DataOfNextPushAsync(a));
        Assert.Equal("multi", await DataOfNextPushAsync(c));
        await NobodyGotMoreAsync(a, b, c);

        await grpc.Gateway("SingleCast", new SingleCastRequest { Conn = b.Conn, Push = Text("single") }, SendResponse.Parser);
        Assert.Equal("single", await DataOfNextPushAsync(b));

        var bulk = new SingleCastBulkRequest();
        bulk.Items.Add(new SingleCastRequest { Conn = c.Conn, Push = Text("c1") });
        bulk.Items.Add(new SingleCastRequest { Conn = a.Conn, Push = Text("a1") });
        bulk.Items.Add(new SingleCastRequest { Conn = c.Conn, Push = Text("c2") });
        Assert.Equal(3, (await grpc.Gateway("SingleCastBulk", bulk, SendResponse.Parser)).Messages);
        Assert.Equal("c1", await DataOfNextPushAsync(c));
        Assert.Equal("c2", await DataOfNextPushAsync(c));
        Assert.Equal("a1", await DataOfNextPushAsync(a));
        await NobodyGotMoreAsync(a, b, c);
    }

    [ClusterFact]
    public async Task MulticastByUser_AndSingleCastByUser_ReachEveryConnectionOfTheUsers()
    {
        var nsp = Unique.Name("nsp");
        await using var u1 = await Clients.UserAsync(api[0], "u", nsp);
        await using var u2 = await Clients.UserAsync(api[2], "u", nsp);
        await using var v = await Clients.UserAsync(api[1], "v", nsp);
        await using var w = await Clients.UserAsync(api[1], "w", nsp);
        var grpc = api.Grpc(1);

        var multicast = new MulticastByUserRequest { Nsp = nsp, Push = Text("to u and v") };
        multicast.Uids.Add(["u", "v"]);
        await grpc.Gateway("MulticastByUser", multicast, SendResponse.Parser);
        foreach (var c in new[] { u1, u2, v }) Assert.Equal("to u and v", await DataOfNextPushAsync(c));
        await NobodyGotMoreAsync(u1, u2, v, w);

        await grpc.Gateway("SingleCastByUser", new SingleCastByUserRequest { Nsp = nsp, Uid = "w", Push = Text("to w") }, SendResponse.Parser);
        Assert.Equal("to w", await DataOfNextPushAsync(w));

        var bulk = new SingleCastBulkByUserRequest { Nsp = nsp };
        bulk.Items.Add(new UserPush { Uid = "u", Push = Text("u1") });
        bulk.Items.Add(new UserPush { Uid = "w", Push = Text("w1") });
        await grpc.Gateway("SingleCastBulkByUser", bulk, SendResponse.Parser);
        Assert.Equal("u1", await DataOfNextPushAsync(u1));
        Assert.Equal("u1", await DataOfNextPushAsync(u2));
        Assert.Equal("w1", await DataOfNextPushAsync(w));
        await NobodyGotMoreAsync(u1, u2, v, w);
    }

    [ClusterFact]
    public async Task TopicPublish_AndItsBulkForm_ReachEachTopicsSubscribers()
    {
        var nsp = Unique.Name("nsp");
        await using var news = await Clients.UserAsync(api[0], "n", nsp, topics: ["news"]);
        await using var sport = await Clients.UserAsync(api[1], "s", nsp, topics: ["sport"]);
        await using var both = await Clients.UserAsync(api[2], "b", nsp, topics: ["news", "sport"]);
        var grpc = api.Grpc(0);

        var publish = new TopicPublishRequest { Nsp = nsp, Push = Text("one for both") };
        publish.Topics.Add(["news", "sport"]);
        Assert.Equal(2, (await grpc.Gateway("TopicPublish", publish, SendResponse.Parser)).Messages);
        Assert.Equal("one for both", await DataOfNextPushAsync(news));
        Assert.Equal("one for both", await DataOfNextPushAsync(sport));
        Assert.Equal("one for both", await DataOfNextPushAsync(both));
        Assert.Equal("one for both", await DataOfNextPushAsync(both)); // one push per topic it holds
        await NobodyGotMoreAsync(news, sport, both);

        var bulk = new TopicPublishBulkRequest { Nsp = nsp };
        bulk.Items.Add(new TopicPush { Topic = "sport", Push = Text("goal") });
        bulk.Items.Add(new TopicPush { Topic = "news", Push = Text("headline") });
        await grpc.Gateway("TopicPublishBulk", bulk, SendResponse.Parser);
        Assert.Equal("goal", await DataOfNextPushAsync(sport));
        Assert.Equal("headline", await DataOfNextPushAsync(news));
        var got = new[] { await DataOfNextPushAsync(both), await DataOfNextPushAsync(both) };
        Assert.Equal(["goal", "headline"], got.Order());
        await NobodyGotMoreAsync(news, sport, both);
    }

    [ClusterFact]
    public async Task BinaryAndTypedPayloads_ReachClientsAsTheContentTypeSays()
    {
        var nsp = Unique.Name("nsp");
        await using var c = await Clients.UserAsync(api[1], "c", nsp);
        var grpc = api.Grpc(0);

        await grpc.Gateway("SingleCast", new SingleCastRequest { Conn = c.Conn, Push = new Push { Data = ByteString.CopyFrom(0xff, 0x00, 0x01) } }, SendResponse.Parser);
        var binary = await c.NextAsync("push");
        Assert.Equal("base64", (string?)binary["enc"]);
        Assert.Equal(Convert.ToBase64String(new byte[] { 0xff, 0x00, 0x01 }), (string?)binary["data"]);

        await grpc.Gateway("SingleCast", new SingleCastRequest { Conn = c.Conn, Push = new Push { Data = ByteString.CopyFromUtf8("123"), ContentType = "text/plain" } }, SendResponse.Parser);
        Assert.Equal("123", (string?)(await c.NextAsync("push"))["data"]);
    }
}
