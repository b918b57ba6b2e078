using System.Net.WebSockets;
using System.Text;
using BrokerGateway.Core.Addressing;
using BrokerGateway.Core.Broker;
using BrokerGateway.Core.Fanout;

namespace BrokerGateway.Server.Tests;

/// <summary>The native protocol against one embedded replica (in-memory broker and presence).</summary>
public sealed class EmbeddedGatewayTests : IAsyncLifetime
{
    TestGateway _gateway = null!;

    public async Task InitializeAsync() => _gateway = await TestGateway.StartAsync();
    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    int Port => _gateway.PublicPort;

    [Fact]
    public async Task ACommandTheGatewayCannotApply_IsCountedAndShownInMetrics_AndChangesNothing()
    {
        await using var client = await TestClient.ConnectAsync(Port, Tokens.Hs256("commanded", rooms: ["r1"]));
        var subject = _gateway.Node.Subjects.Connection(client.Conn);
        await _gateway.Node.Broker.PublishAsync(subject, default, new MessageHeaders().Add(BgwHeaders.Op, "teleport"));
        await _gateway.Node.Broker.PublishAsync(subject, "not json"u8.ToArray(), new MessageHeaders().Add(BgwHeaders.Op, Ops.SetSession));

        await Eventually.TrueAsync(() => _gateway.Node.CommandsRejected == 2);
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{_gateway.InternalPort}/metrics");
        Assert.Contains($"bgw_commands_rejected_total{{node=\"{_gateway.Node.NodeId}\"}} 2", metrics);
        Assert.Null((await client.JoinAsync("r2"))["error"]); // the session goes on
    }

    [Fact]
    public async Task ADisconnectWhoseCodeOrDelayCannotBeRead_IsRejected_AndKicksNobody()
    {
        await using var client = await TestClient.ConnectAsync(Port, Tokens.Hs256("unkicked"));
        var subject = _gateway.Node.Subjects.Connection(client.Conn);
        var before = _gateway.Node.CommandsRejected;
        await _gateway.Node.Broker.PublishAsync(subject, default, new MessageHeaders().Add(BgwHeaders.Op, Ops.Disconnect).Add(BgwHeaders.Code, "four"));
        await _gateway.Node.Broker.PublishAsync(subject, default, new MessageHeaders().Add(BgwHeaders.Op, Ops.Disconnect).Add(BgwHeaders.Code, "1000"));
        await _gateway.Node.Broker.PublishAsync(subject, default, new MessageHeaders().Add(BgwHeaders.Op, Ops.Disconnect).Add(BgwHeaders.DelayMs, "soon"));

        await Eventually.TrueAsync(() => _gateway.Node.CommandsRejected == before + 3);
        await client.DrainUntilPongAsync(); // still connected
    }

    [Fact]
    public async Task Connect_WithQueryToken_WelcomesWithUserAndNode()
    {
        await using var client = await TestClient.ConnectAsync(Port, Tokens.Hs256("alice", rooms: ["r1"]));
        Assert.Equal("alice", (string?)client.Welcome!["uid"]);
        Assert.Equal(_gateway.Node.NodeId, (string?)client.Welcome["node"]);
        Assert.Equal("default", (string?)client.Welcome["nsp"]);
        Assert.Equal("r1", (string?)client.Welcome["rooms"]![0]);
    }

    [Fact]
    public async Task Connect_WithBearerHeader_IsAuthenticated()
    {
        await using var client = await TestClient.ConnectAsync(Port, bearer: Tokens.Hs256("bob"));
        Assert.Equal("bob", (string?)client.Welcome!["uid"]);
    }

    [Fact]
    public async Task Connect_WithAuthFrame_IsAuthenticated()
    {
        await using var client = await TestClient.ConnectAsync(Port, expectWelcome: false);
        await client.SendAsync(new JsonObject { ["type"] = "auth", ["token"] = Tokens.Hs256("carol") });
        var welcome = await client.NextAsync("welcome");
        Assert.Equal("carol", (string?)welcome["uid"]);
    }

    [Theory]
    [InlineData("expired", 4052)]
    [InlineData("wrong-key", 4051)]
    [InlineData("alg-none", 4051)]
    [InlineData("malformed", 4053)]
    public async Task Connect_WithBadToken_ClosesWithItsOwnCode(string kind, int expected)
    {
        var token = kind switch
        {
            "expired" => Tokens.Hs256("mallory", expires: DateTime.UtcNow.AddMinutes(-5)),
            "wrong-key" => Tokens.Hs256("mallory", secret: "another-secret-another-secret-another-1"),
            "alg-none" => Tokens.Unsigned("mallory"),
            _ => "not.a.jwt",
        };
        await using var client = await TestClient.ConnectAsync(Port, token, expectWelcome: false);
        var disconnect = await client.NextAsync("disconnect");
        Assert.Equal(expected, (int?)disconnect["code"]);
        Assert.False((bool?)disconnect["reconnect"]);
        Assert.Equal(expected, (await client.ClosedAsync()).Code);
    }

    [Fact]
    public async Task Connect_WithoutTokenOrAuthFrame_ClosesWithAuthRequired()
    {
        await using var client = await TestClient.ConnectAsync(Port, expectWelcome: false);
        Assert.Equal(4050, (await client.ClosedAsync()).Code);
    }

    [Fact]
    public async Task Guest_InNamespaceWithoutGuests_IsRefused()
    {
        await using var client = await TestClient.ConnectAsync(Port, query: "&nsp=closed", expectWelcome: false);
        await client.SendAsync(new JsonObject { ["type"] = "auth" });
        Assert.Equal(4054, (await client.ClosedAsync()).Code);
    }

    [Fact]
    public async Task PushToRoom_ReachesMembersOnly()
    {
        var room = Unique.Name("room");
        await using var member = await TestClient.ConnectAsync(Port, Tokens.Hs256("m1"));
        await using var outsider = await TestClient.ConnectAsync(Port, Tokens.Hs256("m2"));
        Assert.True((bool?)(await member.JoinAsync(room))["data"]);

        await _gateway.Node.PublishAsync(Target.Room("default", room), Encoding.UTF8.GetBytes("{\"n\":1}"), "chat");

        var push = await member.NextAsync("push");
        Assert.Equal("chat", (string?)push["event"]);
        Assert.Equal(1, (int?)push["data"]!["n"]);
        Assert.Equal(room, (string?)push["target"]!["id"]);
        Assert.DoesNotContain(await outsider.DrainUntilPongAsync(), f => (string?)f["type"] == "push");
    }

    [Fact]
    public async Task RoomWithWildcardName_ReceivesNothingMeantForOthers()
    {
        await using var hostile = await TestClient.ConnectAsync(Port, Tokens.Hs256("h"));
        await hostile.JoinAsync("a.>");
        await hostile.JoinAsync("*");
        await _gateway.Node.PublishAsync(Target.Room("default", "a.b"), Encoding.UTF8.GetBytes("secret"));
        await _gateway.Node.PublishAsync(Target.Room("default", "x"), Encoding.UTF8.GetBytes("secret"));
        Assert.DoesNotContain(await hostile.DrainUntilPongAsync(), f => (string?)f["type"] == "push");

        await _gateway.Node.PublishAsync(Target.Room("default", "a.>"), Encoding.UTF8.GetBytes("mine"));
        Assert.Equal("mine", (string?)(await hostile.NextAsync("push"))["data"]);
    }

    [Fact]
    public async Task Payloads_AreEmbeddedAsJsonTextOrBase64()
    {
        await using var client = await TestClient.ConnectAsync(Port, Tokens.Hs256("p"));
        var target = Target.Connection(client.Conn);
        await _gateway.Node.PublishAsync(target, Encoding.UTF8.GetBytes("[1,2]"));
        await _gateway.Node.PublishAsync(target, Encoding.UTF8.GetBytes("plain words"));
        await _gateway.Node.PublishAsync(target, new byte[] { 0xff, 0x00, 0xfe });
        Assert.Equal(2, (int?)(await client.NextAsync("push"))["data"]![1]);
        Assert.Equal("plain words", (string?)(await client.NextAsync("push"))["data"]);
        var binary = await client.NextAsync("push");
        Assert.Equal("base64", (string?)binary["enc"]);
        Assert.Equal(new byte[] { 0xff, 0x00, 0xfe }, Convert.FromBase64String((string)binary["data"]!));
    }

    [Fact]
    public async Task Join_AnnouncesPresenceToMembers_AndPresenceListsThem()
    {
        var room = Unique.Name("room");
        await using var first = await TestClient.ConnectAsync(Port, Tokens.Hs256("u1"));
        await using var second = await TestClient.ConnectAsync(Port, Tokens.Hs256("u2"));
        await first.JoinAsync(room);
        await second.JoinAsync(room);

        JsonObject change;
        do change = await first.NextAsync("presence");
        while ((string?)change["joins"]![0]?["uid"] != "u2");
        Assert.Equal(room, (string?)change["room"]);

        var who = await first.RequestAsync(new JsonObject { ["type"] = "presence", ["room"] = room });
        Assert.Equal(2, (int?)who["data"]!["count"]);

        await second.DisposeAsync();
        do change = await first.NextAsync("presence");
        while (change["leaves"]!.AsArray().Count == 0);
        Assert.Equal("u2", (string?)change["leaves"]![0]!["uid"]);
    }

    [Fact]
    public async Task ClientPublish_ReachesOtherMembers_NotTheSender()
    {
        var room = Unique.Name("room");
        await using var sender = await TestClient.ConnectAsync(Port, Tokens.Hs256("s"));
        await using var receiver = await TestClient.ConnectAsync(Port, Tokens.Hs256("r"));
        await sender.JoinAsync(room);
        await receiver.JoinAsync(room);
        var reply = await sender.RequestAsync(new JsonObject { ["type"] = "publish", ["room"] = room, ["event"] = "chat", ["data"] = new JsonObject { ["text"] = "hi" } });
        Assert.True((bool?)reply["data"]);
        Assert.Equal("hi", (string?)(await receiver.NextAsync("push"))["data"]!["text"]);
        Assert.DoesNotContain(await sender.DrainUntilPongAsync(), f => (string?)f["type"] == "push");
    }

    [Fact]
    public async Task UnknownType_AnswersBadRequest_AndKeepsTheConnection()
    {
        await using var client = await TestClient.ConnectAsync(Port, Tokens.Hs256("x"));
        var reply = await client.RequestAsync(new JsonObject { ["type"] = "teleport" });
        Assert.Equal("bad_request", (string?)reply["error"]!["code"]);
        Assert.NotNull(await client.RequestAsync(new JsonObject { ["type"] = "join", ["room"] = "still-here" }));
    }

    [Fact]
    public async Task Rpc_WithNoWorker_AnswersNoResponders()
    {
        await using var client = await TestClient.ConnectAsync(Port, Tokens.Hs256("x"));
        var reply = await client.RequestAsync(new JsonObject { ["type"] = "rpc", ["method"] = "nobody" });
        Assert.Equal("no_responders", (string?)reply["error"]!["code"]);
    }

    [Theory]
    [InlineData("malformed", 4057)]
    [InlineData("binary", 4060)]
    [InlineData("oversize", 4058)]
    [InlineData("not-an-object", 4057)]
    [InlineData("invalid-utf8", 1007)]
    public async Task BadFrame_ClosesWithItsCode(string kind, int expected)
    {
        await using var client = await TestClient.ConnectAsync(Port, Tokens.Hs256("x"));
        switch (kind)
        {
            case "malformed": await client.SendRawAsync(Encoding.UTF8.GetBytes("{\"type\":")); break;
            case "binary": await client.SendRawAsync([1, 2, 3], WebSocketMessageType.Binary); break;
            case "oversize": await client.SendRawAsync(new byte[_gateway.Settings.Limits.MaxMessageBytes + 1]); break;
            case "invalid-utf8": await client.SendRawAsync([(byte)'"', 0xC3, 0x28, (byte)'"']); break;
            default: await client.SendRawAsync(Encoding.UTF8.GetBytes("[1,2,3]")); break;
        }
        Assert.Equal(expected, (await client.ClosedAsync()).Code);
    }

    [Fact]
    public async Task DisconnectCommand_ClosesTheUsersSockets_WithKicked()
    {
        await using var client = await TestClient.ConnectAsync(Port, Tokens.Hs256("kick-me"));
        await _gateway.Node.CommandAsync(Target.User("default", "kick-me"), BrokerGateway.Core.Fanout.Ops.Disconnect);
        Assert.Equal(4056, (int?)(await client.NextAsync("disconnect"))["code"]);
        Assert.Equal(4056, (await client.ClosedAsync()).Code);
        await Eventually.TrueAsync(() => _gateway.Node.ConnectionCount == 0);
    }

    [Fact]
    public async Task Drain_SendsReconnect_ClosesWith4001_AndTurnsNotReady()
    {
        await using var client = await TestClient.ConnectAsync(Port, Tokens.Hs256("d"));
        var stopping = _gateway.StopAsync();
        var reconnect = await client.NextAsync("reconnect");
        Assert.InRange((int)reconnect["after_ms"]!, 0, 200);
        Assert.Equal(4001, (await client.ClosedAsync()).Code);
        await stopping;
    }

    [Fact]
    public async Task WithADrainNotice_TheReplicaIsNotReady_WhileItsClientsStay_ThenDrains()
    {
        await using var gateway = await TestGateway.StartAsync(() => TestGateway.DefaultSettings() with { DrainNotice = TimeSpan.FromSeconds(2) });
        await using var client = await TestClient.ConnectAsync(gateway.PublicPort, Tokens.Hs256("noticed"));
        using var http = new HttpClient();
        var stopping = gateway.StopAsync();

        await Eventually.TrueAsync(async () =>
        {
            var readyz = await http.GetAsync($"http://127.0.0.1:{gateway.PublicPort}/readyz");
            return readyz.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable && await readyz.Content.ReadAsStringAsync() == "draining";
        });
        await client.DrainUntilPongAsync(); // not ready, yet still serving its client
        Assert.NotNull(await client.NextAsync("reconnect", TimeSpan.FromSeconds(10)));
        Assert.Equal(4001, (await client.ClosedAsync()).Code);
        await stopping;
    }

    [Fact]
    public async Task Health_AndMetrics_Answer()
    {
        using var http = new HttpClient();
        Assert.Equal("ok", await http.GetStringAsync($"http://127.0.0.1:{Port}/healthz"));
        Assert.Equal("ready", await http.GetStringAsync($"http://127.0.0.1:{Port}/readyz"));
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{_gateway.InternalPort}/metrics");
        Assert.Contains("bgw_connections{node=", metrics);
        var page = await http.GetStringAsync($"http://127.0.0.1:{Port}/");
        Assert.Contains("/v1/ws", page);
    }
}
