namespace BrokerGateway.Server.Tests;

/// <summary>Three replicas on one nats-server and one redis-server; clients spread across them.</summary>
public sealed class MultiReplicaTests(ClusterServers servers) : IClassFixture<ClusterServers>, IAsyncLifetime
{
    TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync(servers);
    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    static bool IsPush(JsonObject f) => (string?)f["type"] == "push";

    [ClusterFact]
    public async Task PlainNatsPublish_ReachesExactlyTheRightSockets_ForEveryTargetKind()
    {
        var p = _cluster.Prefix;
        var room = Unique.Name("room");
        var topic = Unique.Name("topic");
        // alice on replica 0 (in the room), alice again on replica 1 (topic), bob on replica 2 (neither).
        await using var alice0 = await TestClient.ConnectAsync(_cluster[0].PublicPort, Tokens.Hs256("alice", rooms: [room]));
        await using var alice1 = await TestClient.ConnectAsync(_cluster[1].PublicPort, Tokens.Hs256("alice", topics: [topic]));
        await using var bob2 = await TestClient.ConnectAsync(_cluster[2].PublicPort, Tokens.Hs256("bob"));
        await using var other = await TestClient.ConnectAsync(_cluster[2].PublicPort, Tokens.Hs256("carol", nsp: "elsewhere"));
        using var nats = new PlainNats(_cluster.NatsServer.NatsUrl);

        // After each push reached its targets, nobody else may have received anything.
        async Task NobodyElseGotAPushAsync()
        {
            foreach (var c in new[] { alice0, alice1, bob2, other })
                Assert.DoesNotContain(await c.DrainUntilPongAsync(), IsPush);
        }

        nats.Publish($"{p}.default.user.alice", "{\"to\":\"user\"}");
        await alice0.NextAsync("push"); await alice1.NextAsync("push");
        await NobodyElseGotAPushAsync();

        nats.Publish($"{p}.default.room.{room}", "to room");
        Assert.Equal("to room", (string?)(await alice0.NextAsync("push"))["data"]);
        await NobodyElseGotAPushAsync();

        nats.Publish($"{p}.default.topic.{topic}", "to topic");
        Assert.Equal("to topic", (string?)(await alice1.NextAsync("push"))["data"]);
        await NobodyElseGotAPushAsync();

        nats.Publish($"{p}.conn.{bob2.Conn}", "to conn", ("Bgw-Event", "direct"));
        Assert.Equal("direct", (string?)(await bob2.NextAsync("push"))["event"]);
        await NobodyElseGotAPushAsync();

        nats.Publish($"{p}.default.all", "to all");
        foreach (var c in new[] { alice0, alice1, bob2 }) await c.NextAsync("push");
        await NobodyElseGotAPushAsync();
    }

    [ClusterFact]
    public async Task RoomPresence_ReachesMembersOnOtherReplicas_AndRedisCountsAreExact()
    {
        var room = Unique.Name("room");
        await using var a = await TestClient.ConnectAsync(_cluster[0].PublicPort, Tokens.Hs256("a"));
        await using var b = await TestClient.ConnectAsync(_cluster[1].PublicPort, Tokens.Hs256("b"));
        await using var b2 = await TestClient.ConnectAsync(_cluster[2].PublicPort, Tokens.Hs256("b"));
        await a.JoinAsync(room);
        await b.JoinAsync(room);
        await b2.JoinAsync(room);

        JsonObject change;
        do change = await a.NextAsync("presence");
        while ((string?)change["joins"]?[0]?["conn"] != b2.Conn);

        var presence = _cluster[2].Node.Presence;
        Assert.Equal(3, await presence.CountRoomMembersAsync("default", room));
        Assert.Equal(2, await presence.CountUsersAsync("default"));
        Assert.Equal(3, await presence.CountConnectionsAsync("default"));
        var who = await b.RequestAsync(new JsonObject { ["type"] = "presence", ["room"] = room });
        Assert.Equal(3, (int?)who["data"]!["count"]);

        await b2.DisposeAsync();
        do change = await a.NextAsync("presence");
        while (change["leaves"]!.AsArray().Count == 0);
        Assert.Equal("b", (string?)change["leaves"]![0]!["uid"]);
        await Eventually.TrueAsync(async () => await presence.CountConnectionsAsync("default") == 2);
        Assert.Equal(2, await presence.CountUsersAsync("default"));
    }

    [ClusterFact]
    public async Task HostileRoomNames_ReceiveNothingMeantForOthers_AcrossReplicas()
    {
        await using var hostile = await TestClient.ConnectAsync(_cluster[0].PublicPort, Tokens.Hs256("h"));
        await using var victim = await TestClient.ConnectAsync(_cluster[1].PublicPort, Tokens.Hs256("v"));
        await hostile.JoinAsync("a.>");
        await hostile.JoinAsync("*");
        await hostile.JoinAsync(">");
        await victim.JoinAsync("secret");
        using var nats = new PlainNats(_cluster.NatsServer.NatsUrl);
        nats.Publish($"{_cluster.Prefix}.default.room.secret", "for the victim");
        Assert.Equal("for the victim", (string?)(await victim.NextAsync("push"))["data"]);
        Assert.DoesNotContain(await hostile.DrainUntilPongAsync(), IsPush);
    }

    [ClusterFact]
    public async Task Commands_ByPlainNatsHeaders_ActOnTheTargetWhereverItIs()
    {
        var room = Unique.Name("room");
        await using var client = await TestClient.ConnectAsync(_cluster[1].PublicPort, Tokens.Hs256("cmd"));
        using var nats = new PlainNats(_cluster.NatsServer.NatsUrl);
        var p = _cluster.Prefix;

        nats.Publish($"{p}.default.user.cmd", "", ("Bgw-Op", "join"), ("Bgw-Room", room));
        await Eventually.TrueAsync(async () => await _cluster[0].Node.Presence.CountRoomMembersAsync("default", room) == 1);
        nats.Publish($"{p}.default.room.{room}", "after join");
        Assert.Equal("after join", (string?)(await client.NextAsync("push"))["data"]);

        nats.Publish($"{p}.conn.{client.Conn}", "{\"level\":\"gold\"}", ("Bgw-Op", "set-session"));
        await Eventually.TrueAsync(async () =>
            (await _cluster[2].Node.Presence.GetConnectionAsync("default", client.Conn))?.Session.GetValueOrDefault("level") == "gold");

        nats.Publish($"{p}.default.user.cmd", "", ("Bgw-Op", "disconnect"), ("Bgw-Reason", "bye"));
        var disconnect = await client.NextAsync("disconnect");
        Assert.Equal(4056, (int?)disconnect["code"]);
        Assert.Equal("bye", (string?)disconnect["reason"]);
        await Eventually.TrueAsync(async () => !await _cluster[0].Node.Presence.IsUserOnlineAsync("default", "cmd"));
    }

    [ClusterFact]
    public async Task Drain_RemovesTheReplicasPresence_AndItsClientsReconnectElsewhere()
    {
        await using var client = await TestClient.ConnectAsync(_cluster[2].PublicPort, Tokens.Hs256("drained"));
        Assert.True(await _cluster[0].Node.Presence.IsUserOnlineAsync("default", "drained"));
        await _cluster[2].StopAsync();
        await client.NextAsync("reconnect");
        Assert.Equal(4001, (await client.ClosedAsync()).Code);
        Assert.False(await _cluster[0].Node.Presence.IsUserOnlineAsync("default", "drained"));

        await using var again = await TestClient.ConnectAsync(_cluster[0].PublicPort, Tokens.Hs256("drained"));
        Assert.True(await _cluster[1].Node.Presence.IsUserOnlineAsync("default", "drained"));
    }
}
