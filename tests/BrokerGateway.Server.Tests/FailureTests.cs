namespace BrokerGateway.Server.Tests;

/// <summary>Replicas, NATS and Redis dying under a running cluster. Each test has servers of its own.</summary>
public sealed class FailureTests : IAsyncLifetime
{
    readonly ClusterServers _servers = new();

    public Task InitializeAsync() => _servers.InitializeAsync();
    public Task DisposeAsync() => _servers.DisposeAsync();

    [ClusterFact]
    public async Task KilledReplica_IsSweptWithinTheLease_AndItsLeavesAreAnnouncedOnce()
    {
        await using var cluster = await TestCluster.StartAsync(_servers, replicas: 2);
        var room = Unique.Name("room");
        await using var watcher = await TestClient.ConnectAsync(cluster[0].PublicPort, Tokens.Hs256("watcher"));
        await watcher.JoinAsync(room);

        await using var doomed = await cluster.StartReplicaProcessAsync();
        var victim = await TestClient.ConnectAsync(doomed.PublicPort, Tokens.Hs256("victim"));
        await victim.JoinAsync(room);
        var presence = cluster[0].Node.Presence;
        Assert.Equal(2, await presence.CountRoomMembersAsync("default", room));

        doomed.KillNow();
        var killedAt = DateTime.UtcNow;

        JsonObject change;
        do change = await watcher.NextAsync("presence", TimeSpan.FromSeconds(15));
        while (change["leaves"]!.AsArray().Count == 0);
        Assert.Equal("victim", (string?)change["leaves"]![0]!["uid"]);
        // Lease 3 s, upkeep every 1 s: swept within the lease plus one upkeep round.
        Assert.InRange(DateTime.UtcNow - killedAt, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        Assert.Equal(1, await presence.CountRoomMembersAsync("default", room));
        Assert.False(await presence.IsUserOnlineAsync("default", "victim"));
        Assert.DoesNotContain(await watcher.DrainUntilPongAsync(), f => (string?)f["type"] == "presence" && f["leaves"]!.AsArray().Count > 0);
        await victim.DisposeAsync();
    }

    [ClusterFact]
    public async Task NatsRestart_IsSurvived_PushesResumeToConnectedClients()
    {
        await using var cluster = await TestCluster.StartAsync(_servers, replicas: 2);
        var room = Unique.Name("room");
        await using var client = await TestClient.ConnectAsync(cluster[1].PublicPort, Tokens.Hs256("survivor", rooms: [room]));

        await _servers.Nats.KillAsync();
        await Eventually.TrueAsync(() => !cluster[0].Node.Broker.IsConnected);
        await _servers.Nats.StartAsync();
        await Eventually.TrueAsync(() => cluster[0].Node.Broker.IsConnected && cluster[1].Node.Broker.IsConnected, TimeSpan.FromSeconds(20));

        await Eventually.TrueAsync(async () =>
        {
            await cluster[0].Node.PublishAsync(BrokerGateway.Core.Addressing.Target.Room("default", room), "{\"after\":\"restart\"}"u8.ToArray());
            return (await client.DrainUntilPongAsync()).Any(f => (string?)f["type"] == "push");
        }, TimeSpan.FromSeconds(20));
    }

    [ClusterFact]
    public async Task RedisRestartedEmpty_IsRefilledByTheReplicas()
    {
        await using var cluster = await TestCluster.StartAsync(_servers, replicas: 2);
        var room = Unique.Name("room");
        await using var a = await TestClient.ConnectAsync(cluster[0].PublicPort, Tokens.Hs256("a", rooms: [room]));
        await using var b = await TestClient.ConnectAsync(cluster[1].PublicPort, Tokens.Hs256("b", rooms: [room]));
        var presence = cluster[0].Node.Presence;
        Assert.Equal(2, await presence.CountRoomMembersAsync("default", room));

        await _servers.Redis.KillAsync();
        await Eventually.TrueAsync(async () => await ReadyzAsync(cluster[0].PublicPort) == "presence store unreachable", TimeSpan.FromSeconds(15));
        await _servers.Redis.StartAsync();
        await Eventually.TrueAsync(async () => await ReadyzAsync(cluster[0].PublicPort) == "ready", TimeSpan.FromSeconds(15));

        await Eventually.TrueAsync(async () =>
        {
            try { return await presence.CountRoomMembersAsync("default", room) == 2 && await presence.CountUsersAsync("default") == 2; }
            catch (Exception) { return false; }
        }, TimeSpan.FromSeconds(20));
    }

    [ClusterFact]
    public async Task APresenceRequest_WhileRedisIsDown_IsAnsweredUnavailable_AndTheClientStays()
    {
        await using var cluster = await TestCluster.StartAsync(_servers, replicas: 1);
        var room = Unique.Name("room");
        await using var client = await TestClient.ConnectAsync(cluster[0].PublicPort, Tokens.Hs256("asker", rooms: [room]));

        await _servers.Redis.KillAsync();
        var reply = await client.RequestAsync(new JsonObject { ["type"] = "presence", ["room"] = room });
        Assert.Equal("unavailable", (string?)reply["error"]!["code"]);
        await client.DrainUntilPongAsync(); // still connected: its ping is answered
        Assert.Equal(1, cluster[0].Node.ConnectionCount);
    }

    [ClusterFact]
    public async Task WhileNatsIsDown_JoinsSubscribesAndConnectsStand_AndTheirPushesFlowOnceItIsBack()
    {
        await using var cluster = await TestCluster.StartAsync(_servers, replicas: 2);
        var (room, topic, later) = (Unique.Name("room"), Unique.Name("topic"), Unique.Name("room"));
        await using var client = await TestClient.ConnectAsync(cluster[0].PublicPort, Tokens.Hs256("steady"));

        await _servers.Nats.KillAsync();
        await Eventually.TrueAsync(() => !cluster[0].Node.Broker.IsConnected);
        var joined = await client.JoinAsync(room);
        Assert.True((bool?)joined["data"], joined.ToJsonString() + cluster[0].Logs.Text);
        Assert.True((bool?)(await client.RequestAsync(new JsonObject { ["type"] = "subscribe", ["topics"] = topic }))["data"]);
        await using var newcomer = await TestClient.ConnectAsync(cluster[0].PublicPort, Tokens.Hs256("newcomer", rooms: [later]));

        await _servers.Nats.StartAsync();
        await Eventually.TrueAsync(() => cluster[0].Node.Broker.IsConnected && cluster[1].Node.Broker.IsConnected, TimeSpan.FromSeconds(20));
        var publisher = cluster[1].Node;
        await Eventually.TrueAsync(async () =>
        {
            await publisher.PublishAsync(BrokerGateway.Core.Addressing.Target.Room("default", room), "1"u8.ToArray());
            await publisher.PublishAsync(BrokerGateway.Core.Addressing.Target.Topic("default", topic), "2"u8.ToArray());
            return (await client.DrainUntilPongAsync()).Select(f => (string?)f["target"]?["kind"]).Distinct().Count(k => k is "room" or "topic") == 2;
        }, TimeSpan.FromSeconds(20));
        await Eventually.TrueAsync(async () =>
        {
            await publisher.PublishAsync(BrokerGateway.Core.Addressing.Target.Room("default", later), "3"u8.ToArray());
            return (await newcomer.DrainUntilPongAsync()).Any(f => (string?)f["type"] == "push");
        }, TimeSpan.FromSeconds(20));
        Assert.Contains("BrokerState", cluster[0].Logs.Names);
    }

    [ClusterFact]
    public async Task WhileNatsStalls_AJoinAndAConnectAreAnsweredWithoutWaitingForIt()
    {
        await using var cluster = await TestCluster.StartAsync(_servers, replicas: 1);
        await using var client = await TestClient.ConnectAsync(cluster[0].PublicPort, Tokens.Hs256("patient"));
        _servers.Nats.Signal("STOP");
        try
        {
            // Each has the client's own 10 s timeout; the link would take far longer to be given up.
            Assert.True((bool?)(await client.JoinAsync(Unique.Name("room")))["data"]);
            await using var newcomer = await TestClient.ConnectAsync(cluster[0].PublicPort, Tokens.Hs256("newcomer", rooms: [Unique.Name("room")]));
        }
        finally
        {
            _servers.Nats.Signal("CONT");
        }
    }

    static async Task<string> ReadyzAsync(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        return await (await http.GetAsync($"http://127.0.0.1:{port}/readyz")).Content.ReadAsStringAsync();
    }
}
