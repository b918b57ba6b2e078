namespace BrokerGateway.Server.Tests;

/// <summary>The connmix engine API (shared/seeds 004) on the internal port, across three replicas.</summary>
public sealed class EngineApiTests(ClusterServers servers) : IClassFixture<ClusterServers>, IAsyncLifetime
{
    TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync(servers);
    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [ClusterFact]
    public async Task Ping_AnswersPong_WithTheRequestId()
    {
        await using var engine = await EngineClient.ConnectAsync(_cluster[0].InternalPort);
        var answer = await engine.SendRawAsync("{\"m\":\"server.ping\",\"p\":[],\"i\":12345}");
        Assert.Equal("{\"E\":null,\"r\":{\"s\":\"server.pong\"},\"i\":12345}", answer.ToJsonString());
    }

    [ClusterFact]
    public async Task QueuePop_SharesClientMessagesFromEveryReplica_AmongWorkers_EachOnce()
    {
        await using var w1 = await EngineClient.ConnectAsync(_cluster[0].InternalPort);
        await using var w2 = await EngineClient.ConnectAsync(_cluster[1].InternalPort);
        Assert.True((bool?)(await w1.CallAsync("queue.pop", ["message"]))["r"]!["s"]);
        Assert.True((bool?)(await w2.CallAsync("queue.pop", ["message"]))["r"]!["s"]);
        var again = await w1.CallAsync("queue.pop", ["message"]);
        Assert.Equal(202, (int?)again["E"]!["c"]);

        var clients = new List<TestClient>();
        for (var i = 0; i < 3; i++) clients.Add(await TestClient.ConnectAsync(_cluster[i].PublicPort, Tokens.Hs256("popped" + i)));
        for (var m = 0; m < 10; m++)
            foreach (var c in clients) await c.RequestAsync(new JsonObject { ["type"] = "send", ["data"] = $"hello {m}" });

        var seen = new List<JsonObject>();
        await Eventually.TrueAsync(() =>
        {
            while (w1.TryTakeEvent(out var e) || w2.TryTakeEvent(out e)) seen.Add(e);
            return seen.Count >= 30;
        });
        Assert.Equal(30, seen.Count);
        Assert.All(seen, e => Assert.Equal("queue.pop", (string?)e["e"]));
        Assert.All(seen, e => Assert.Equal("message", (string?)e["p"]!["t"]));
        Assert.Equal(30, seen.Select(e => ((string?)e["p"]!["c"], (string?)e["p"]!["d"]!["msg"])).Distinct().Count());
        Assert.Contains(seen, e => (string?)e["p"]!["d"]!["msg"] == "hello 9" && (string?)e["p"]!["c"] == clients[2].Conn);
        foreach (var c in clients) await c.DisposeAsync();

        Assert.True((bool?)(await w1.CallAsync("queue.unpop", []))["r"]!["s"]);
        Assert.True((bool?)(await w1.CallAsync("queue.pop", ["message"]))["r"]!["s"]);
    }

    [ClusterFact]
    public async Task ConnCall_SetsContextAndSubscribes_ConnectionsOnAnyReplica_AndMeshPublishCountsThem()
    {
        await using var engine = await EngineClient.ConnectAsync(_cluster[0].InternalPort);
        await using var client = await TestClient.ConnectAsync(_cluster[2].PublicPort, Tokens.Hs256("ctx"));
        var presence = _cluster[1].Node.Presence;

        Assert.True((bool?)(await engine.CallAsync("conn.call", [new JsonObject { ["c"] = client.Conn, ["f"] = "set_context_value", ["a"] = new JsonArray("user_id", 10000) }]))["r"]!["s"]);
        await Eventually.TrueAsync(async () => (await presence.GetConnectionAsync("default", client.Conn))?.Session.GetValueOrDefault("user_id") == "10000");

        await engine.CallAsync("conn.call", [new JsonObject { ["c"] = client.Conn, ["f"] = "set_context", ["a"] = new JsonArray(new JsonObject { ["room"] = "blue" }) }]);
        await Eventually.TrueAsync(async () =>
        {
            var session = (await presence.GetConnectionAsync("default", client.Conn))?.Session;
            return session?.GetValueOrDefault("room") == "blue" && !session.ContainsKey("user_id");
        });

        var channel = Unique.Name("ch");
        await engine.CallAsync("conn.call", [new JsonObject { ["c"] = client.Conn, ["f"] = "subscribe", ["a"] = new JsonArray(channel) }]);
        await Eventually.TrueAsync(async () => await presence.CountTopicMembersAsync("default", channel) == 1);

        var published = await engine.CallAsync("mesh.publish", [new JsonObject { ["c"] = channel, ["d"] = "123456789" }, new JsonObject { ["c"] = Unique.Name("empty"), ["d"] = "x" }]);
        Assert.Equal(1, (int?)published["r"]!["t"]);
        Assert.Equal(1, (int?)published["r"]!["f"]);
        Assert.Equal("123456789", (string?)(await client.NextAsync("push"))["data"]);
    }

    [ClusterFact]
    public async Task MeshSend_ReachesAConnectionAnywhere_AndCountsTheGoneOnes()
    {
        await using var engine = await EngineClient.ConnectAsync(_cluster[1].InternalPort);
        await using var client = await TestClient.ConnectAsync(_cluster[2].PublicPort, Tokens.Hs256("meshed"));
        var answer = await engine.CallAsync("mesh.send", [new JsonObject { ["c"] = client.Conn, ["d"] = "123456789" }, new JsonObject { ["c"] = "gone-conn", ["d"] = "x" }]);
        Assert.True((bool?)answer["r"]!["s"]);
        Assert.Equal(1, (int?)answer["r"]!["f"]);
        Assert.Equal(2, (int?)answer["r"]!["t"]);
        Assert.Equal("123456789", (string?)(await client.NextAsync("push"))["data"]);
    }

    [ClusterFact]
    public async Task BadRequests_GetTheSeedsErrorCodes()
    {
        await using var engine = await EngineClient.ConnectAsync(_cluster[0].InternalPort);
        Assert.Equal(101, (int?)(await engine.SendRawAsync("{not json"))["E"]!["c"]);
        Assert.Equal(101, (int?)(await engine.CallAsync("no.such.method", []))["E"]!["c"]);
        Assert.Equal(101, (int?)(await engine.CallAsync("queue.pop", []))["E"]!["c"]);
        Assert.Equal(101, (int?)(await engine.CallAsync("conn.call", [new JsonObject { ["c"] = "x", ["f"] = "explode", ["a"] = new JsonArray() }]))["E"]!["c"]);
        Assert.Equal(301, (int?)(await engine.CallAsync("conn.call", [new JsonObject { ["c"] = "nobody", ["f"] = "subscribe", ["a"] = new JsonArray("c1") }]))["E"]!["c"]);
        Assert.Equal(101, (int?)(await engine.CallAsync("mesh.send", [new JsonObject { ["d"] = "no target" }]))["E"]!["c"]);
        var error = await engine.CallAsync("mesh.publish", [], id: 7);
        Assert.Equal(7, (int?)error["i"]);
        Assert.Equal(101, (int?)error["E"]!["c"]);
    }

    [ClusterFact]
    public async Task HostileParameters_Get101_AndTheWorkerKeepsItsSocket()
    {
        await using var engine = await EngineClient.ConnectAsync(_cluster[0].InternalPort);
        await using var client = await TestClient.ConnectAsync(_cluster[1].PublicPort, Tokens.Hs256("hostile"));
        var call = (string conn, string function, JsonArray args) =>
            engine.CallAsync("conn.call", [new JsonObject { ["c"] = conn, ["f"] = function, ["a"] = args }]);

        // Half a surrogate pair is valid JSON but no text: in the method, a connection, a function, a payload.
        Assert.Equal(101, (int?)(await engine.SendRawAsync("{\"m\":\"\\ud800\",\"p\":[],\"i\":1}"))["E"]!["c"]);
        Assert.Equal(101, (int?)(await engine.SendRawAsync("{\"m\":\"conn.call\",\"p\":[{\"c\":\"x\",\"f\":\"\\udc00\",\"a\":[]}],\"i\":2}"))["E"]!["c"]);
        Assert.Equal(101, (int?)(await engine.SendRawAsync("{\"m\":\"mesh.send\",\"p\":[{\"c\":\"\\ud800\",\"d\":\"x\"}],\"i\":3}"))["E"]!["c"]);
        Assert.Equal(101, (int?)(await engine.SendRawAsync($"{{\"m\":\"mesh.send\",\"p\":[{{\"c\":\"{client.Conn}\",\"d\":\"\\ud800\"}}],\"i\":4}}"))["E"]!["c"]);

        // Ids and names the cluster cannot hold are bad parameters, not an unreachable cluster to retry.
        var tooLong = new string('x', 5000);
        Assert.Equal(101, (int?)(await call(tooLong, "subscribe", new JsonArray("t")))["E"]!["c"]);
        Assert.Equal(101, (int?)(await engine.CallAsync("mesh.send", [new JsonObject { ["c"] = tooLong, ["d"] = "x" }]))["E"]!["c"]);
        Assert.Equal(101, (int?)(await engine.CallAsync("mesh.publish", [new JsonObject { ["c"] = tooLong, ["d"] = "x" }]))["E"]!["c"]);
        Assert.Equal(101, (int?)(await call(client.Conn, "subscribe", new JsonArray("")))["E"]!["c"]);
        Assert.Equal(101, (int?)(await call(client.Conn, "subscribe", new JsonArray(new string('t', 300))))["E"]!["c"]);
        Assert.Equal(101, (int?)(await call(client.Conn, "unsubscribe", new JsonArray("two\r\nlines")))["E"]!["c"]);

        // A key given twice keeps its last value.
        var twice = await engine.SendRawAsync($"{{\"m\":\"conn.call\",\"p\":[{{\"c\":\"{client.Conn}\",\"f\":\"set_context\",\"a\":[{{\"a\":1,\"a\":2}}]}}],\"i\":5}}");
        Assert.True((bool?)twice["r"]!["s"]);
        await Eventually.TrueAsync(async () => (await _cluster[2].Node.Presence.GetConnectionAsync("default", client.Conn))?.Session.GetValueOrDefault("a") == "2");

        Assert.Equal("server.pong", (string?)(await engine.CallAsync("server.ping", []))["r"]!["s"]);
    }

    [ClusterFact]
    public async Task AnEmptyNamespace_IsTheDefaultOne_AndABadOneIsRefusedBeforeTheUpgrade()
    {
        await using var engine = await EngineClient.ConnectAsync(_cluster[0].InternalPort, "?nsp=");
        Assert.True((bool?)(await engine.CallAsync("queue.pop", ["open"]))["r"]!["s"]);
        await using var client = await TestClient.ConnectAsync(_cluster[1].PublicPort, Tokens.Hs256("empty-nsp"));
        JsonObject opened;
        do opened = await engine.NextEventAsync(); while ((string?)opened["p"]!["c"] != client.Conn);
        Assert.Equal("empty-nsp", (string?)opened["p"]!["d"]!["uid"]);

        var refused = await Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(() =>
            EngineClient.ConnectAsync(_cluster[0].InternalPort, "?nsp=" + new string('n', 5000)));
        Assert.Contains("400", refused.Message);
    }
}
