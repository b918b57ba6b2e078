using Bgw.V1;
using BrokerGateway.Core.Gateway;
using BrokerGateway.Grpc.Client;
using Google.Protobuf;
using Grpc.Health.V1;
using StatusCode = BrokerGateway.Grpc.StatusCode;

namespace BrokerGateway.Server.Tests.Api;

/// <summary>
/// What changes a cluster: the live rate limit, the API token, health through outages and drains, a dead
/// replica during a receipt. Each test has a cluster (and servers) of its own.
/// </summary>
[Collection("api")]
public sealed class ApiResilienceTests
{
    static Push Text(string text) => new() { Data = ByteString.CopyFromUtf8(text) };

    static Task<HealthCheckResponse> HealthAsync(GrpcClient client, string service = "") =>
        client.UnaryAsync("/grpc.health.v1.Health/Check", new HealthCheckRequest { Service = service }, HealthCheckResponse.Parser, Calls.Timeout);

    [ClusterFact]
    public async Task Limit_SetOnOneReplica_AppliesOnEveryReplica_ToConnectionsAlreadyOpen()
    {
        await using var api = await ApiCluster.StartAsync();
        await using var chatty = await TestClient.ConnectAsync(api[2].PublicPort, Tokens.Hs256("chatty"));

        var set = await api.Grpc(0).Gateway("Limit", new LimitRequest { MessagesPerSecond = 0.5, Burst = 3 }, LimitResponse.Parser);

        Assert.True(set.Complete);
        Assert.Equal(3, set.Nodes.Count);
        Assert.All(set.Nodes, n => Assert.Equal((0.5, 3, true), (n.Limit.MessagesPerSecond, n.Limit.Burst, n.Limit.SetAtRuntime)));
        for (var i = 0; i < 10; i++)
        {
            try { await chatty.SendAsync(new JsonObject { ["type"] = "ping" }); }
            catch (System.Net.WebSockets.WebSocketException) { break; } // closed already
        }
        Assert.Equal(4003, (await chatty.ClosedAsync()).Code);

        // Setting one part keeps the other; a rate of 0 turns the limit off.
        var off = await api.Grpc(1).Gateway("Limit", new LimitRequest { MessagesPerSecond = 0 }, LimitResponse.Parser);
        Assert.All(off.Nodes, n => Assert.Equal((0.0, 3), (n.Limit.MessagesPerSecond, n.Limit.Burst)));
        await using var free = await TestClient.ConnectAsync(api[2].PublicPort, Tokens.Hs256("free"));
        for (var i = 0; i < 50; i++) await free.SendAsync(new JsonObject { ["type"] = "ping" });
        Assert.DoesNotContain(await free.DrainUntilPongAsync(), f => (string?)f["type"] == "disconnect");
    }

    [ClusterFact]
    public async Task Limit_RefusesValuesItCannotApply_AndChangesNothing()
    {
        await using var api = await ApiCluster.StartAsync();
        var grpc = api.Grpc(0);
        foreach (var bad in new[] { new LimitRequest { Burst = 0 }, new LimitRequest { MessagesPerSecond = -1 }, new LimitRequest { MessagesPerSecond = double.NaN } })
        {
            var error = await Calls.FailsAsync(() => grpc.Gateway("Limit", bad, LimitResponse.Parser));
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        }
        var now = await grpc.Gateway("Limit", new LimitRequest(), LimitResponse.Parser);
        Assert.All(now.Nodes, n => Assert.False(n.Limit.SetAtRuntime));
    }

    [ClusterFact]
    public async Task ApiToken_IsRequiredForTheApi_ButNotForHealthOrReflection()
    {
        var token = Unique.Name("token");
        await using var api = await ApiCluster.StartAsync(s => s with { ApiToken = token });
        using var anonymous = new GrpcClient(new Uri($"http://127.0.0.1:{api[0].GrpcPort}"));
        using var wrong = new GrpcClient(new Uri($"http://127.0.0.1:{api[0].GrpcPort}"), "not-" + token);

        foreach (var client in new[] { anonymous, wrong })
        {
            Assert.Equal(StatusCode.Unauthenticated, (await Calls.FailsAsync(() => client.Gateway("CountUsers", new CountRequest(), CountResponse.Parser))).StatusCode);
            Assert.Equal(StatusCode.Unauthenticated, (await Calls.FailsAsync(() =>
                client.SocketM("NspBroadcast", new global::Api.NspBroadcastReq { Msg = new global::Api.Message() }, global::Api.NspBroadcastResp.Parser))).StatusCode);
        }
        Assert.Equal(0, (await api.Grpc(0).Gateway("CountUsers", new CountRequest(), CountResponse.Parser)).Count);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await HealthAsync(anonymous)).Status);
    }

    [ClusterFact]
    public async Task Health_ServesWhileReady_TurnsNotServingWhileNatsIsDown_AndCallsThatNeedNatsAreUnavailable()
    {
        await using var api = await ApiCluster.StartAsync();
        var grpc = api.Grpc(1);
        foreach (var service in new[] { "", "bgw.v1.Gateway", "api.SocketMService" })
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await HealthAsync(grpc, service)).Status);

        await api.Processes.Nats.KillAsync();
        await Eventually.TrueAsync(async () => (await HealthAsync(grpc)).Status == HealthCheckResponse.Types.ServingStatus.NotServing);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, (await HealthAsync(grpc, "bgw.v1.Gateway")).Status);
        var push = await Calls.FailsAsync(() => grpc.Gateway("Broadcast", new BroadcastRequest { Push = Text("x") }, SendResponse.Parser));
        Assert.Equal(StatusCode.Unavailable, push.StatusCode);
        Assert.Contains("NATS", push.Detail);
        var receipt = await Calls.FailsAsync(() => grpc.Gateway("Publish", new PublishRequest { Target = new Target { Kind = TargetKind.Namespace }, Push = Text("x"), Receipt = true }, PublishResponse.Parser));
        Assert.Equal(StatusCode.Unavailable, receipt.StatusCode);
        // Presence does not need NATS.
        Assert.Equal(0, (await grpc.Gateway("CountUsers", new CountRequest(), CountResponse.Parser)).Count);

        await api.Processes.Nats.StartAsync();
        await Eventually.TrueAsync(async () => (await HealthAsync(grpc)).Status == HealthCheckResponse.Types.ServingStatus.Serving, TimeSpan.FromSeconds(20));
        Assert.Equal(1, (await grpc.Gateway("Broadcast", new BroadcastRequest { Push = Text("x") }, SendResponse.Parser)).Messages);
    }

    [ClusterFact]
    public async Task PresenceQueries_WhileRedisIsDown_AreUnavailable_AndSayWhy()
    {
        await using var api = await ApiCluster.StartAsync();
        await api.Processes.Redis.KillAsync();
        var error = await Calls.FailsAsync(() => api.Grpc(0).Gateway("CountConnections", new CountRequest(), ConnectionCounts.Parser));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("presence store", error.Detail);
        await api.Processes.Redis.StartAsync();
        await Eventually.TrueAsync(async () =>
        {
            try { await api.Grpc(0).Gateway("CountConnections", new CountRequest(), ConnectionCounts.Parser); return true; }
            catch (BrokerGateway.Grpc.GrpcException) { return false; }
        }, TimeSpan.FromSeconds(20));
    }

    /// <summary>A health watch on the third replica, past its first status: serving.</summary>
    static async Task<IAsyncEnumerator<HealthCheckResponse>> WatchHealthAsync(ApiCluster api, CancellationToken ct)
    {
        var statuses = api.Grpc(2).ServerStreamingAsync("/grpc.health.v1.Health/Watch", new HealthCheckRequest(),
            HealthCheckResponse.Parser, cancellationToken: ct).GetAsyncEnumerator(ct);
        Assert.True(await statuses.MoveNextAsync());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, statuses.Current.Status);
        return statuses;
    }

    [ClusterFact]
    public async Task Health_TurnsNotServing_WhenAReplicaStartsToDrain()
    {
        await using var api = await ApiCluster.StartAsync();
        using var cts = new CancellationTokenSource(Calls.Timeout);
        await using var statuses = await WatchHealthAsync(api, cts.Token);

        var stopping = api[2].StopAsync();
        Assert.True(await statuses.MoveNextAsync());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, statuses.Current.Status);
        await stopping;
    }

    [ClusterFact]
    public async Task Health_TurnsNotServing_BeforeItsWatchEnds_WhenTheStopBeginsAsSigtermDoes()
    {
        await using var api = await ApiCluster.StartAsync();
        using var cts = new CancellationTokenSource(Calls.Timeout);
        await using var statuses = await WatchHealthAsync(api, cts.Token);

        api[2].SignalStop(); // SIGTERM raises ApplicationStopping before the host stops its services
        var stopping = api[2].StopAsync();
        Assert.True(await statuses.MoveNextAsync());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, statuses.Current.Status);
        Assert.False(await statuses.MoveNextAsync()); // then the watch ends OK
        await stopping;
    }

    [ClusterFact]
    public async Task Receipt_NamesAReplicaThatDiedBeforeItsLeaseLapsed_AsMissing()
    {
        await using var api = await ApiCluster.StartAsync();
        var before = (await api.Grpc(0).Gateway("ListNodes", new ListNodesRequest(), ListNodesResponse.Parser)).Nodes.Select(n => n.Node_).ToHashSet();
        await using var doomed = await api.StartReplicaProcessAsync();
        string? dead = null;
        await Eventually.TrueAsync(async () =>
        {
            var nodes = (await api.Grpc(0).Gateway("ListNodes", new ListNodesRequest(), ListNodesResponse.Parser)).Nodes;
            dead = nodes.Select(n => n.Node_).FirstOrDefault(n => !before.Contains(n));
            return dead is not null;
        }, TimeSpan.FromSeconds(30));
        doomed.KillNow();

        var receipt = (await api.Grpc(1).Gateway("Publish", new PublishRequest { Target = new Target { Kind = TargetKind.Namespace }, Push = Text("x"), Receipt = true }, PublishResponse.Parser)).Receipt;

        Assert.False(receipt.Complete);
        Assert.Equal([dead!], receipt.Missing);
        Assert.Equal(api.Replicas.Select(r => r.Node.NodeId).Order(StringComparer.Ordinal), receipt.PerNode.Select(n => n.Node));
    }

    [ClusterFact]
    public async Task WatchPresence_OfARoom_IsAFailedPrecondition_WhereTheNamespaceAnnouncesNoPresence()
    {
        await using var api = await ApiCluster.StartAsync(s => s with
        {
            Gateway = s.Gateway with { Namespaces = new Dictionary<string, NamespacePolicy> { ["quiet"] = new() { PresenceEvents = false } } },
        });
        var call = api.Grpc(0).ServerStreamingAsync("/bgw.v1.Gateway/WatchPresence", new WatchPresenceRequest { Nsp = "quiet", Room = "r" }, PresenceEvent.Parser, Calls.Timeout);
        var error = await Calls.FailsAsync(async () => { await foreach (var _ in call) { } });
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("quiet", error.Detail);
    }
}
