using BrokerGateway.Core.Presence;
using BrokerGateway.Presence.Redis;
using StackExchange.Redis;

namespace BrokerGateway.Core.Tests.Presence;

/// <summary>
/// What only a real Redis can show: data loss and restarts (each test on a private redis-server it may
/// flush or kill), and how many round trips each call costs.
/// </summary>
public sealed class RedisPresenceResilienceTests
{
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
    static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_763_000_000_123);
    readonly string _nsp = Unique.Name("nsp");
    readonly string _node = Unique.Name("node");

    static Task<RedisPresenceStore> ConnectAsync(ServerProcess server) =>
        RedisPresenceStore.ConnectAsync(new RedisPresenceOptions
        {
            Configuration = server.RedisEndpoint,
            KeyPrefix = Unique.Name("p") + ":",
            ConnectTimeout = TimeSpan.FromSeconds(2),
            OperationTimeout = TimeSpan.FromSeconds(2),
            RestoreBatchSize = 7, // several batches even for a small node
        }).WaitAsync(Limit);

    ConnectionState[] LiveConnections() =>
    [
        .. Enumerable.Range(0, 20).Select(i => new ConnectionState(_nsp, $"c{i}", i % 4 == 0 ? null : $"u{i % 5}", _node, At,
            new Dictionary<string, string> { ["i"] = $"{i}" }, i % 2 == 0 ? ["even", "all"] : ["all"], i % 3 == 0 ? ["t3"] : [])),
    ];

    static async Task AssertCountsAsync(IPresenceStore store, string nsp)
    {
        Assert.Equal(20, await store.CountConnectionsAsync(nsp).WaitAsync(Limit));
        Assert.Equal(5, await store.CountUsersAsync(nsp).WaitAsync(Limit)); // u0..u4; every fourth is a guest
        Assert.Equal(5, await store.CountGuestsAsync(nsp).WaitAsync(Limit));
        Assert.Equal(20, await store.CountRoomMembersAsync(nsp, "all").WaitAsync(Limit));
        Assert.Equal(10, await store.CountRoomMembersAsync(nsp, "even").WaitAsync(Limit));
        Assert.Equal(7, await store.CountTopicMembersAsync(nsp, "t3").WaitAsync(Limit));
    }

    [RedisFact]
    public async Task AfterFlushAll_RenewSaysRestore_AndRestoringBringsCountsBackExactly()
    {
        await using var server = await ServerProcess.StartRedisAsync().WaitAsync(Limit);
        await using var store = await ConnectAsync(server);
        var live = LiveConnections();
        Assert.False(await store.RenewLeaseAsync(new NodeInfo(_node, "a", 20, At), TimeSpan.FromMinutes(1)).WaitAsync(Limit));
        foreach (var c in live) await store.AddConnectionAsync(c).WaitAsync(Limit);
        Assert.True(await store.RenewLeaseAsync(new NodeInfo(_node, "a", 20, At), TimeSpan.FromMinutes(1)).WaitAsync(Limit));
        await AssertCountsAsync(store, _nsp);

        using (var admin = await ConnectionMultiplexer.ConnectAsync(server.RedisEndpoint + ",allowAdmin=true").WaitAsync(Limit))
            await admin.GetServer(admin.GetEndPoints()[0]).FlushAllDatabasesAsync().WaitAsync(Limit);

        Assert.Equal(0, await store.CountConnectionsAsync(_nsp).WaitAsync(Limit));
        Assert.False(await store.RenewLeaseAsync(new NodeInfo(_node, "a", 20, At), TimeSpan.FromMinutes(1)).WaitAsync(Limit));
        await store.RestoreNodeAsync(_node, live).WaitAsync(Limit);
        await store.RestoreNodeAsync(_node, live).WaitAsync(Limit);

        await AssertCountsAsync(store, _nsp);
        Assert.True(await store.RenewLeaseAsync(new NodeInfo(_node, "a", 20, At), TimeSpan.FromMinutes(1)).WaitAsync(Limit));
    }

    [RedisFact]
    public async Task WhileRedisIsDown_CallsFailClearly_AndAfterItRestartsEmpty_TheNodeRestoresEverything()
    {
        await using var server = await ServerProcess.StartRedisAsync().WaitAsync(Limit);
        await using var store = await ConnectAsync(server);
        var live = LiveConnections();
        await store.RenewLeaseAsync(new NodeInfo(_node, "a", 20, At), TimeSpan.FromMinutes(1)).WaitAsync(Limit);
        foreach (var c in live) await store.AddConnectionAsync(c).WaitAsync(Limit);

        await server.KillAsync();

        var error = await Assert.ThrowsAsync<PresenceStoreUnavailableException>(() => store.JoinRoomAsync(_nsp, "c1", "late").WaitAsync(Limit));
        Assert.Contains(server.RedisEndpoint, error.Message);
        await Assert.ThrowsAsync<PresenceStoreUnavailableException>(() => store.CountConnectionsAsync(_nsp).WaitAsync(Limit));

        await server.StartAsync().WaitAsync(Limit);
        await Eventually.TrueAsync(async () =>
        {
            try { await store.CountConnectionsAsync(_nsp); return true; }
            catch (PresenceStoreUnavailableException) { return false; }
        }, Limit, "the store to reach the restarted Redis");

        Assert.Equal(0, await store.CountConnectionsAsync(_nsp).WaitAsync(Limit));
        Assert.False(await store.RenewLeaseAsync(new NodeInfo(_node, "a", 20, At), TimeSpan.FromMinutes(1)).WaitAsync(Limit));
        await store.RestoreNodeAsync(_node, live).WaitAsync(Limit);
        await AssertCountsAsync(store, _nsp);
        Assert.True(await store.JoinRoomAsync(_nsp, "c1", "late").WaitAsync(Limit));
    }

    [RedisFact]
    public async Task EveryChange_IsOneRoundTrip_OnceTheServerKnowsTheScripts()
    {
        await using var server = await ServerProcess.StartRedisAsync().WaitAsync(Limit);
        await using var store = await ConnectAsync(server);
        await using var monitor = await RedisMonitor.StartAsync(server.Host, server.Port, Limit);
        var connection = LiveConnections()[1];
        var session = new Dictionary<string, string?> { ["a"] = "1", ["b"] = null };
        (string Name, Func<Task> Call)[] calls =
        [
            ("connect", () => store.AddConnectionAsync(connection)),
            ("join", () => store.JoinRoomAsync(_nsp, "c1", "r")),
            ("leave", () => store.LeaveRoomAsync(_nsp, "c1", "r")),
            ("subscribe", () => store.SubscribeTopicAsync(_nsp, "c1", "t")),
            ("unsubscribe", () => store.UnsubscribeTopicAsync(_nsp, "c1", "t")),
            ("set-session", () => store.SetSessionAsync(_nsp, "c1", session)),
            ("set-user", () => store.SetUserAsync(_nsp, "c1", "someone")),
            ("count", () => store.CountUsersAsync(_nsp)),
            ("page", () => store.ListRoomMembersAsync(_nsp, "all", new PageRequest())),
            ("get", () => store.GetConnectionAsync(_nsp, "c1")),
            ("renew", () => store.RenewLeaseAsync(new NodeInfo(_node, "a", 1, At), TimeSpan.FromMinutes(1))),
            ("disconnect", () => store.RemoveConnectionAsync(_nsp, "c1")),
        ];

        var firstUse = await monitor.CaptureAsync(() => calls[0].Call().WaitAsync(Limit), Limit);
        Assert.Equal(["evalsha", "eval"], firstUse); // NOSCRIPT once per script and server, then cached

        foreach (var (name, call) in calls)
        {
            await monitor.CaptureAsync(() => call().WaitAsync(Limit), Limit); // warm: the server now holds this script
            var sent = await monitor.CaptureAsync(() => call().WaitAsync(Limit), Limit);
            Assert.True(sent is ["evalsha"], $"{name} sent [{string.Join(", ", sent)}]");
        }
    }
}
