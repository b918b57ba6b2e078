using System.Text.RegularExpressions;
using BrokerGateway.Core.Presence;
using BrokerGateway.Presence.Redis;
using StackExchange.Redis;

namespace BrokerGateway.Core.Tests.Presence;

/// <summary>
/// The contract on a real redis-server (one per class, or <c>BGW_TEST_REDIS</c>); each test has its own
/// key prefix, and the second node is a second client with its own connection.
/// </summary>
[RequiresRedis]
public sealed partial class RedisPresenceStoreTests(RedisServerFixture redis) : PresenceStoreContract, IClassFixture<RedisServerFixture>
{
    readonly string _prefix = Unique.Name("p") + ":";
    readonly List<RedisPresenceStore> _stores = [];

    protected override async Task<IPresenceStore> CreateStoreAsync() => await ConnectAsync(redis.Endpoint, _prefix);

    protected override async Task<IPresenceStore> CreatePeerAsync() => await ConnectAsync(redis.Endpoint, _prefix);

    protected override TimeSpan ShortLease => TimeSpan.FromMilliseconds(300);

    /// <summary>Leases run on Redis's own clock; the waits in the contract let real time pass.</summary>
    protected override void LetTimePass(TimeSpan span) { }

    async Task<RedisPresenceStore> ConnectAsync(string endpoint, string prefix, TimeSpan? timeout = null)
    {
        var store = await RedisPresenceStore.ConnectAsync(new RedisPresenceOptions
        {
            Configuration = endpoint,
            KeyPrefix = prefix,
            ConnectTimeout = TimeSpan.FromSeconds(2),
            OperationTimeout = timeout ?? TimeSpan.FromSeconds(5),
        }).WaitAsync(Limit);
        _stores.Add(store);
        return store;
    }

    public override async Task DisposeAsync()
    {
        foreach (var store in _stores) await store.DisposeAsync().AsTask().WaitAsync(Limit);
    }

    /// <summary>The documented layout (docs/presence.md); T is a key token.</summary>
    static Regex LayoutOf(string prefix)
    {
        const string T = "(?:[A-Za-z0-9_-]{1,128}|~[A-Za-z0-9_-]+)";
        return new Regex($"^{Regex.Escape(prefix)}(?:nsps|nodes|node:{T}(?::conns|:claim:{T})?|ns:{T}:(?:conns|users|guests|rooms|topics)|ns:{T}:(?:conn|user|room|topic):{T}|ns:{T}:user:{T}:order)$");
    }

    async Task<string[]> KeysAsync(string prefix)
    {
        // SCAN is only synchronous in this client; its default 1 s sync timeout is too short on a
        // loaded machine, and the blocking walk belongs off the test's own thread.
        var options = ConfigurationOptions.Parse(redis.Endpoint);
        options.SyncTimeout = (int)Limit.TotalMilliseconds;
        using var admin = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(Limit);
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        return await Task.Run(() => server.Keys(pattern: prefix + "*", pageSize: 1000).Select(k => (string)k!).ToArray()).WaitAsync(Limit);
    }

    [RedisFact]
    public async Task EveryKey_FollowsTheDocumentedLayout_EvenForHostileIds()
    {
        foreach (var id in HostileIds)
        {
            await Store.RenewLeaseAsync(new NodeInfo(id, "", 1, At), TimeSpan.FromMinutes(1));
            await Store.AddConnectionAsync(Connection(id, id, node: id, rooms: [id], topics: [id], nsp: id));
            await Store.AddConnectionAsync(Connection(id + "-guest", node: id, nsp: id));
        }

        var keys = await KeysAsync(_prefix);

        var layout = LayoutOf(_prefix);
        Assert.All(keys, key => Assert.Matches(layout, key));
        Assert.Equal(2 + HostileIds.Length * 13, keys.Length); // nsps, nodes; per id: 11 namespace keys, 2 node keys
    }

    [RedisFact]
    public async Task NothingIsLeftInRedis_OnceEveryConnectionAndNodeIsGone()
    {
        await Store.RenewLeaseAsync(new NodeInfo(NodeA, "", 1, At), TimeSpan.FromMinutes(1));
        await Store.AddConnectionAsync(Connection("c1", "alice", rooms: ["lobby"], topics: ["news"], session: new() { ["k"] = "v" }));
        await Store.AddConnectionAsync(Connection("c2", rooms: ["lobby"]));
        await Store.AddConnectionAsync(Connection("c3", "bob", rooms: ["x:y"], nsp: "other"));
        await Store.JoinRoomAsync(Nsp, "c2", "extra");
        await Store.SetUserAsync(Nsp, "c2", "carol");
        await Store.ClearRoomAsync(Nsp, "extra");
        await Store.RemoveConnectionAsync(Nsp, "c1");

        await Store.RemoveNodeAsync(NodeA);

        Assert.Empty(await KeysAsync(_prefix));
    }

    [RedisFact]
    public async Task AStoreStartedWhileRedisIsDown_FailsCallsClearly_AndQuickly()
    {
        var nowhere = $"127.0.0.1:{FreePort.Next()}";

        var store = await ConnectAsync(nowhere, _prefix, timeout: TimeSpan.FromSeconds(1));

        Assert.False(store.IsConnected);
        var error = await Assert.ThrowsAsync<PresenceStoreUnavailableException>(() => store.CountConnectionsAsync(Nsp).WaitAsync(Limit));
        Assert.Contains(nowhere, error.Message);
    }

    [Fact]
    public void OptionsThatCannotWork_AreRefusedWithTheSettingNamed()
    {
        Assert.Contains("KeyPrefix", Assert.Throws<ArgumentException>(() => new RedisPresenceOptions { KeyPrefix = "" }.Validate()).Message);
        Assert.Contains("OperationTimeout", Assert.Throws<ArgumentException>(() => new RedisPresenceOptions { OperationTimeout = TimeSpan.Zero }.Validate()).Message);
        Assert.Contains("Configuration", Assert.Throws<ArgumentException>(() => new RedisPresenceOptions { Configuration = " " }.Validate()).Message);
        Assert.Contains("RestoreBatchSize", Assert.Throws<ArgumentException>(() => new RedisPresenceOptions { RestoreBatchSize = 0 }.Validate()).Message);
        Assert.Contains("ClaimReplyTtl", Assert.Throws<ArgumentException>(() => new RedisPresenceOptions { ClaimReplyTtl = TimeSpan.FromSeconds(1) }.Validate()).Message);
        Assert.Contains("Configuration", Assert.Throws<ArgumentException>(() => new RedisPresenceOptions { Configuration = "nohost:notaport:9" }.ToConfigurationOptions()).Message);
    }
}
