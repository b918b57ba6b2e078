using Bgw.V1;
using Google.Protobuf;
using StatusCode = BrokerGateway.Grpc.StatusCode;

namespace BrokerGateway.Server.Tests.Api;

/// <summary>bgw.v1.Gateway node list and metrics (every replica answers for itself), and presence watches.</summary>
[Collection("api")]
public sealed class GatewayClusterTests(ApiCluster api) : IClassFixture<ApiCluster>
{
    string[] NodeIds => api.Replicas.Select(r => r.Node.NodeId).Order(StringComparer.Ordinal).ToArray();

    [ClusterFact]
    public async Task ListNodes_ShowsEveryLiveReplica()
    {
        await Eventually.TrueAsync(async () =>
            (await api.Grpc(1).Gateway("ListNodes", new ListNodesRequest(), ListNodesResponse.Parser)).Nodes.Select(n => n.Node_).SequenceEqual(NodeIds));
    }

    [ClusterFact]
    public async Task Metrics_GathersEachReplicasOwnCounters_AndSumsThem()
    {
        var nsp = Unique.Name("nsp");
        await using var a = await Clients.UserAsync(api[0], "a", nsp);
        await using var b = await Clients.UserAsync(api[2], "b", nsp);
        await using var c = await Clients.UserAsync(api[2], "c", nsp);
        await api.Grpc(0).Gateway("Broadcast", new BroadcastRequest { Nsp = nsp, Push = new Push { Data = ByteString.CopyFromUtf8("count me") } }, SendResponse.Parser);
        foreach (var client in new[] { a, b, c }) await client.NextAsync("push");

        // Sockets of earlier tests may still be closing: wait for an answer that matches each replica's own count.
        MetricsResponse metrics = null!;
        await Eventually.TrueAsync(async () =>
        {
            metrics = await api.Grpc(1).Gateway("Metrics", new MetricsRequest(), MetricsResponse.Parser);
            return metrics.Nodes.All(n => api.Replicas.Single(r => r.Node.NodeId == n.Node).Node.ConnectionCount == n.Connections);
        });

        Assert.True(metrics.Complete);
        Assert.Empty(metrics.Missing);
        Assert.Equal(NodeIds, metrics.Nodes.Select(n => n.Node));
        foreach (var n in metrics.Nodes)
        {
            Assert.True(n.Subscriptions >= n.Connections, "each connection subscribes at least its own subject");
            Assert.True(n.CpuSeconds > 0 && n.WorkingSetBytes > 0 && n.GcHeapBytes > 0 && n.ProcessorCount > 0 && n.UptimeSeconds > 0);
            Assert.True(n.BrokerConnected);
            Assert.False(n.Draining);
        }
        Assert.True(metrics.Nodes.Single(n => n.Node == api[2].Node.NodeId).Delivered >= 2);
        Assert.Equal(metrics.Nodes.Sum(n => n.Connections), metrics.Total.Connections);
        Assert.Equal(metrics.Nodes.Sum(n => n.Delivered), metrics.Total.Delivered);
        Assert.Equal("", metrics.Total.Node);
    }

    [ClusterFact]
    public async Task Metrics_ForOneNode_AnswersForThatReplicaOnly_AndAnUnknownNodeIsNotFound()
    {
        var target = api[2].Node.NodeId;
        await Eventually.TrueAsync(async () =>
            (await api.Grpc(0).Gateway("ListNodes", new ListNodesRequest(), ListNodesResponse.Parser)).Nodes.Any(n => n.Node_ == target));

        var one = await api.Grpc(0).Gateway("Metrics", new MetricsRequest { Node = target }, MetricsResponse.Parser);
        Assert.Equal([target], one.Nodes.Select(n => n.Node));
        Assert.True(one.Complete);

        var unknown = await Calls.FailsAsync(() => api.Grpc(0).Gateway("Metrics", new MetricsRequest { Node = "n-nowhere" }, MetricsResponse.Parser));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [ClusterFact]
    public async Task Limit_WithNothingToSet_ReportsEveryReplicasConfiguredLimit()
    {
        var limits = await api.Grpc(2).Gateway("Limit", new LimitRequest(), LimitResponse.Parser);
        Assert.True(limits.Complete);
        Assert.Equal(NodeIds, limits.Nodes.Select(n => n.Node));
        Assert.All(limits.Nodes, n => Assert.Equal((100.0, 200, false), (n.Limit.MessagesPerSecond, n.Limit.Burst, n.Limit.SetAtRuntime)));
    }

    [ClusterFact]
    public async Task WatchPresence_OfARoom_StreamsJoinsAndLeavesFromEveryReplica()
    {
        var nsp = Unique.Name("nsp");
        using var cts = new CancellationTokenSource(Calls.Timeout);
        await using var events = api.Grpc(0).ServerStreamingAsync("/bgw.v1.Gateway/WatchPresence",
            new WatchPresenceRequest { Nsp = nsp, Room = "stage" }, PresenceEvent.Parser, cancellationToken: cts.Token).GetAsyncEnumerator(cts.Token);

        Assert.True(await events.MoveNextAsync());
        Assert.Equal(PresenceEvent.Types.Kind.WatchStarted, events.Current.Kind);

        await using var actor = await Clients.UserAsync(api[2], "actor", nsp);
        await actor.JoinAsync("stage");
        Assert.True(await events.MoveNextAsync());
        var join = events.Current;
        Assert.Equal((PresenceEvent.Types.Kind.Join, nsp, "stage"), (join.Kind, join.Nsp, join.Room));
        Assert.Equal((actor.Conn, "actor", api[2].Node.NodeId), (join.Member.Conn, join.Member.Uid, join.Member.Node));

        await api.Grpc(1).Gateway("LeaveRooms", new RoomsRequest { Nsp = nsp, Conn = actor.Conn, Rooms = { "stage" } }, SendResponse.Parser);
        Assert.True(await events.MoveNextAsync());
        Assert.Equal((PresenceEvent.Types.Kind.Leave, actor.Conn), (events.Current.Kind, events.Current.Member.Conn));
    }

    [ClusterFact]
    public async Task WatchPresence_OfANamespace_StreamsOpensAndClosesFromEveryReplica()
    {
        var nsp = Unique.Name("nsp");
        using var cts = new CancellationTokenSource(Calls.Timeout);
        await using var events = api.Grpc(1).ServerStreamingAsync("/bgw.v1.Gateway/WatchPresence",
            new WatchPresenceRequest { Nsp = nsp }, PresenceEvent.Parser, cancellationToken: cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await events.MoveNextAsync());
        Assert.Equal(PresenceEvent.Types.Kind.WatchStarted, events.Current.Kind);

        var client = await Clients.UserAsync(api[0], "visitor", nsp);
        Assert.True(await events.MoveNextAsync());
        Assert.Equal((PresenceEvent.Types.Kind.Open, client.Conn, "visitor", api[0].Node.NodeId),
            (events.Current.Kind, events.Current.Member.Conn, events.Current.Member.Uid, events.Current.Member.Node));

        await api.Grpc(2).Gateway("ForceOffline", new ForceOfflineRequest { Conns = { client.Conn }, Close = new Close { Code = 4071 } }, SendResponse.Parser);
        await client.ClosedAsync();
        await client.DisposeAsync();
        Assert.True(await events.MoveNextAsync());
        Assert.Equal((PresenceEvent.Types.Kind.Close, client.Conn, 4071), (events.Current.Kind, events.Current.Member.Conn, events.Current.CloseCode));
    }

    [ClusterFact]
    public async Task WatchPresence_WithAnExpiringDeadline_EndsDeadlineExceeded()
    {
        var call = api.Grpc(2).ServerStreamingAsync("/bgw.v1.Gateway/WatchPresence",
            new WatchPresenceRequest { Nsp = Unique.Name("nsp") }, PresenceEvent.Parser, timeout: TimeSpan.FromMilliseconds(500));
        var error = await Calls.FailsAsync(async () =>
        {
            await foreach (var _ in call.WithCancellation(new CancellationTokenSource(Calls.Timeout).Token)) { }
        });
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }
}
