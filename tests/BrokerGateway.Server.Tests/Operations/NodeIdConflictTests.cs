using System.Net;
using BrokerGateway.Core.Presence;

namespace BrokerGateway.Server.Tests.Operations;

/// <summary>Two replicas given the same BGW_NODE_ID on one Redis: the second never takes the first one's lease.</summary>
public sealed class NodeIdConflictTests(ClusterServers servers) : IClassFixture<ClusterServers>
{
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [ClusterFact]
    public async Task ASecondReplicaWithTheSameNodeId_ExitsWithStatus1_NamingIt_AndTheFirstKeepsItsClientsAndPresence()
    {
        var nodeId = Unique.Name("twin");
        await using var cluster = await TestCluster.StartAsync(servers, replicas: 1, s => s with { Gateway = s.Gateway with { NodeId = nodeId } });
        var first = cluster[0];
        await using var client = await TestClient.ConnectAsync(first.PublicPort, Tokens.Hs256("alice"));

        var second = await ServerRun.UntilExitAsync(new Dictionary<string, string>
        {
            ["BGW_NATS_URL"] = servers.Nats.NatsUrl,
            ["BGW_REDIS"] = servers.Redis.RedisEndpoint,
            ["BGW_SUBJECT_PREFIX"] = cluster.Prefix,
            ["BGW_JWT_SECRET"] = Tokens.Secret,
            ["BGW_NODE_ID"] = nodeId,
        }, Limit);

        Assert.Equal(1, second.ExitCode);
        Assert.Contains($"BGW_NODE_ID (Gateway:NodeId): node id '{nodeId}' is held by another running replica", second.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", second.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("listening:", second.Output, StringComparison.Ordinal);

        var presence = first.Node.Presence;
        Assert.Equal(first.Node.InstanceId, Assert.Single(await presence.ListNodesAsync(), n => n.Node == nodeId).Instance);
        Assert.Equal(nodeId, (await presence.GetConnectionAsync("default", client.Conn))?.Node);
        Assert.Empty(await client.DrainUntilPongAsync()); // the socket still answers, and was told nothing
        await first.Node.MaintainPresenceAsync().WaitAsync(Limit);
        Assert.True(first.Node.PresenceReachable);
        Assert.False(first.Node.NodeIdInUse);
    }

    [ClusterFact]
    public async Task AReplicaWhoseNodeIdAnotherInstanceTook_LogsItOnce_AndIsNotReady_LeavingTheLeaseAlone()
    {
        var nodeId = Unique.Name("twin");
        await using var cluster = await TestCluster.StartAsync(servers, replicas: 1, s => s with { Gateway = s.Gateway with { NodeId = nodeId } });
        var replica = cluster[0];
        var store = replica.Node.Presence;
        // As if the replica's lease lapsed during a long pause and another process with its id took it.
        await store.RemoveNodeAsync(nodeId);
        var taker = new NodeInfo(nodeId, "elsewhere:1", 0, DateTimeOffset.UnixEpoch, "another-instance");
        Assert.False(await store.RenewLeaseAsync(taker, TimeSpan.FromMinutes(5)));

        using var http = new HttpClient();
        await Eventually.TrueAsync(async () =>
        {
            var readyz = await http.GetAsync($"http://127.0.0.1:{replica.PublicPort}/readyz");
            return readyz.StatusCode == HttpStatusCode.ServiceUnavailable && await readyz.Content.ReadAsStringAsync() == "node id in use by another replica";
        }, Limit);
        await replica.Node.MaintainPresenceAsync().WaitAsync(Limit); // one more round: still no second event

        Assert.Single(replica.Logs.Names, n => n == "NodeIdInUse");
        Assert.Equal(taker, Assert.Single(await store.ListNodesAsync(), n => n.Node == nodeId));
    }
}
