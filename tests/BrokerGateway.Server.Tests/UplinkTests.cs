using System.Collections.Concurrent;
using System.Text;
using BrokerGateway.Client;
using BrokerGateway.Contracts.Events;
using BrokerGateway.Core.Addressing;
using BrokerGateway.Server.Uplink;

namespace BrokerGateway.Server.Tests;

/// <summary>Client events to workers through NATS queue groups, client RPC, and workers answering back.</summary>
public sealed class UplinkTests(ClusterServers servers) : IClassFixture<ClusterServers>, IAsyncLifetime
{
    TestCluster _cluster = null!;
    BackendClient _backend = null!;

    public async Task InitializeAsync()
    {
        _cluster = await TestCluster.StartAsync(servers);
        _backend = await BackendClient.ConnectAsync(servers.Nats.NatsUrl, _cluster.Prefix);
    }

    public async Task DisposeAsync()
    {
        await _backend.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    [ClusterFact]
    public async Task TwoWorkersInAQueueGroup_GetEveryEventOnce_InOrderPerConnection()
    {
        var a = new ConcurrentQueue<ClientEvent>();
        var b = new ConcurrentQueue<ClientEvent>();
        await using var workerA = await _backend.ConsumeEventsAsync("default", "workers", e => { a.Enqueue(e); return ValueTask.CompletedTask; });
        await using var workerB = await _backend.ConsumeEventsAsync("default", "workers", e => { b.Enqueue(e); return ValueTask.CompletedTask; });
        await _backend.FlushAsync();

        var room = Unique.Name("room");
        var conns = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            await using var client = await TestClient.ConnectAsync(_cluster[i % 3].PublicPort, Tokens.Hs256("user" + i));
            conns.Add(client.Conn);
            await client.JoinAsync(room);
            for (var m = 0; m < 5; m++)
                await client.RequestAsync(new JsonObject { ["type"] = "send", ["event"] = "chat", ["data"] = new JsonObject { ["m"] = m } });
            await client.RequestAsync(new JsonObject { ["type"] = "leave", ["room"] = room });
        }

        // open, join, 5 messages, leave, close: 9 events each, seq 1..9.
        await Eventually.TrueAsync(() => a.Count + b.Count >= 6 * 9, TimeSpan.FromSeconds(15));
        var all = a.Concat(b).Where(e => conns.Contains(e.Conn)).ToList();
        Assert.Equal(6 * 9, all.Count);
        Assert.NotEmpty(a);
        Assert.NotEmpty(b);
        foreach (var conn in conns)
        {
            var events = all.Where(e => e.Conn == conn).OrderBy(e => e.Seq).ToList();
            Assert.Equal(Enumerable.Range(1, 9).Select(i => (ulong)i), events.Select(e => e.Seq));
            Assert.Equal(ClientEvent.KindOneofCase.Open, events[0].KindCase);
            Assert.Equal(ClientEvent.KindOneofCase.Close, events[^1].KindCase);
            Assert.Equal(1000, events[^1].Close.Code);
            Assert.Equal("join", events[1].Membership.Action);
            Assert.Equal("chat", events[2].Message.Event);
            Assert.Equal("{\"m\":0}", events[2].Message.Data.ToStringUtf8());
        }
        foreach (var worker in new[] { a, b })
            foreach (var perConn in worker.GroupBy(e => e.Conn))
                Assert.Equal(perConn.Select(e => e.Seq).Order(), perConn.Select(e => e.Seq));
    }

    [ClusterFact]
    public async Task WorkersReplyAndPush_ReachTheClientOnAnotherReplica()
    {
        await using var worker = await _backend.ConsumeEventsAsync("default", "echo", async e =>
        {
            if (e.KindCase == ClientEvent.KindOneofCase.Message)
                await _backend.PushAsync(Target.Connection(e.Conn), e.Message.Data.Memory, new PushOptions { Event = "echo" });
        }, kinds: ["message"]);
        await _backend.FlushAsync();

        await using var client = await TestClient.ConnectAsync(_cluster[2].PublicPort, Tokens.Hs256("echoer"));
        var reply = await client.RequestAsync(new JsonObject { ["type"] = "send", ["data"] = "ping" });
        Assert.True((bool?)reply["data"]);
        var push = await client.NextAsync("push");
        Assert.Equal("echo", (string?)push["event"]);
        Assert.Equal("ping", (string?)push["data"]);
    }

    [ClusterFact]
    public async Task Send_WithNoWorker_TellsTheClientNoResponders()
    {
        await using var client = await TestClient.ConnectAsync(_cluster[0].PublicPort, Tokens.Hs256("lonely", nsp: Unique.Name("nsp")));
        var reply = await client.RequestAsync(new JsonObject { ["type"] = "send", ["data"] = "anyone?" });
        Assert.Equal("no_responders", (string?)reply["error"]!["code"]);
    }

    [ClusterFact]
    public async Task Rpc_RoundTrip_Errors_Timeout_AndNoResponders()
    {
        await using var echo = await _backend.HandleRpcAsync("default", "echo", r =>
            ValueTask.FromResult<ReadOnlyMemory<byte>>(Encoding.UTF8.GetBytes($"{{\"uid\":\"{r.Uid}\",\"got\":{Encoding.UTF8.GetString(r.Data.Span)}}}")));
        await using var refuse = await _backend.HandleRpcAsync("default", "refuse", _ => throw new RpcException("forbidden", "not you"));
        // A worker slower than the gateway's 1 s RPC timeout.
        await using var slow = await _backend.HandleRpcAsync("default", "slow", async _ => { await Task.Delay(TimeSpan.FromSeconds(3)); return Array.Empty<byte>(); });
        await _backend.FlushAsync();

        await using var client = await TestClient.ConnectAsync(_cluster[1].PublicPort, Tokens.Hs256("caller"));
        var ok = await client.RequestAsync(new JsonObject { ["type"] = "rpc", ["method"] = "echo", ["data"] = new JsonObject { ["x"] = 1 } });
        Assert.Equal("caller", (string?)ok["data"]!["uid"]);
        Assert.Equal(1, (int?)ok["data"]!["got"]!["x"]);

        var refused = await client.RequestAsync(new JsonObject { ["type"] = "rpc", ["method"] = "refuse" });
        Assert.Equal("forbidden", (string?)refused["error"]!["code"]);
        Assert.Equal("not you", (string?)refused["error"]!["message"]);

        var timedOut = await client.RequestAsync(new JsonObject { ["type"] = "rpc", ["method"] = "slow" });
        Assert.Equal("timeout", (string?)timedOut["error"]!["code"]);

        var nobody = await client.RequestAsync(new JsonObject { ["type"] = "rpc", ["method"] = "nobody-" + Unique.Name() });
        Assert.Equal("no_responders", (string?)nobody["error"]!["code"]);
    }

    [ClusterFact]
    public async Task Rpc_ARequestWaitingOnItsHandler_HoldsUpNoOther_AndTakesNoEventSeq()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var worker = await _backend.HandleRpcAsync("default", "gate", async r =>
        {
            if (Encoding.UTF8.GetString(r.Data.Span) == "\"first\"") await release.Task;
            return Encoding.UTF8.GetBytes("\"done\"");
        });
        var events = new ConcurrentQueue<ClientEvent>();
        await using var consumer = await _backend.ConsumeEventsAsync("default", "seq-" + Unique.Name(), e => { events.Enqueue(e); return ValueTask.CompletedTask; });
        await _backend.FlushAsync();

        await using var client = await TestClient.ConnectAsync(_cluster[0].PublicPort, Tokens.Hs256("gated"));
        await client.SendAsync(new JsonObject { ["type"] = "rpc", ["method"] = "gate", ["data"] = "first", ["id"] = 999_999 });
        var second = await client.RequestAsync(new JsonObject { ["type"] = "rpc", ["method"] = "gate", ["data"] = "second" });
        Assert.Equal("done", (string?)second["data"]); // answered while the first still waits
        release.SetResult();

        await client.RequestAsync(new JsonObject { ["type"] = "send", ["data"] = "after the calls" });
        await Eventually.TrueAsync(() => events.Any(e => e.Conn == client.Conn && e.KindCase == ClientEvent.KindOneofCase.Message));
        var mine = events.Where(e => e.Conn == client.Conn).OrderBy(e => e.Seq).ToList();
        Assert.Equal([1UL, 2UL], mine.Select(e => e.Seq)); // open, then the message: the two RPCs left no gap
    }

    [ClusterFact]
    public async Task KilledReplica_OwesItsCloseEvents_AndTheSweeperSendsThemOnce()
    {
        var closes = new ConcurrentQueue<ClientEvent>();
        await using var worker = await _backend.ConsumeEventsAsync("default", "audit", e =>
        {
            if (e.KindCase == ClientEvent.KindOneofCase.Close) closes.Enqueue(e);
            return ValueTask.CompletedTask;
        }, kinds: ["close"]);
        await _backend.FlushAsync();

        await using var doomed = await _cluster.StartReplicaProcessAsync();
        var victim = await TestClient.ConnectAsync(doomed.PublicPort, Tokens.Hs256("swept-user"));
        doomed.KillNow();
        await Eventually.TrueAsync(() => closes.Any(e => e.Conn == victim.Conn), TimeSpan.FromSeconds(15));
        var close = closes.Single(e => e.Conn == victim.Conn);
        Assert.True(close.Close.Swept);
        Assert.Equal("swept-user", close.Uid);
        await victim.DisposeAsync();
    }

    [ClusterFact]
    public async Task SdkGatewayClient_AsksAnyReplicaWhoIsOnline()
    {
        await using var client = await TestClient.ConnectAsync(_cluster[2].PublicPort, Tokens.Hs256("sdk-online"));
        using var api = new GatewayApiClient(new Uri($"http://127.0.0.1:{_cluster[0].GrpcPort}"));
        var online = await api.CheckOnlineAsync(new Bgw.V1.CheckOnlineRequest { Nsp = "default", Uids = { "sdk-online", "sdk-offline" }, Conns = { client.Conn } },
            TimeSpan.FromSeconds(10));
        Assert.Equal(["sdk-online"], online.Uids);
        Assert.Equal([client.Conn], online.Conns);
    }
}
