using BrokerGateway.Core.Presence;
using BrokerGateway.Presence.Redis;
using StackExchange.Redis;

namespace BrokerGateway.Core.Tests.Presence;

/// <summary>
/// Claims whose answer is lost after Redis ran them: the sweeper asks again with the same claim id and
/// gets the node's connections exactly once, while every other sweeper gets nothing.
/// </summary>
public sealed partial class RedisPresenceStoreTests
{
    /// <summary>A sweeper on its own connection; a lost answer costs it one <c>OperationTimeout</c>.</summary>
    RedisPresenceStore Sweeper(IConnectionMultiplexer connection, TimeSpan? claimReplyTtl = null) => new(connection, new RedisPresenceOptions
    {
        Configuration = redis.Endpoint,
        KeyPrefix = _prefix,
        OperationTimeout = TimeSpan.FromSeconds(1),
        ClaimReplyTtl = claimReplyTtl ?? new RedisPresenceOptions().ClaimReplyTtl,
    });

    async Task AddDeadNodeBAsync()
    {
        await Store.RenewLeaseAsync(new NodeInfo(NodeB, "", 2, At), ShortLease);
        await Store.AddConnectionAsync(Connection("b1", "bob", node: NodeB, rooms: ["lobby"], session: new() { ["k"] = "v" }));
        await Store.AddConnectionAsync(Connection("b2", node: NodeB, rooms: ["lobby"]));
        await LetLeaseLapseAsync(Store, NodeB);
    }

    void AssertIsNodeB(SweptNode swept)
    {
        Assert.Equal(NodeB, swept.Node);
        Assert.Equal(["b1", "b2"], swept.Connections.Select(c => c.Conn));
        var b1 = swept.Connections[0];
        Assert.Equal(("bob", NodeB, "v"), (b1.Uid, b1.Node, b1.Session["k"]));
        Assert.Equal(["lobby"], b1.Rooms); // what the sweeper needs to emit the leaves
    }

    [RedisFact]
    public async Task AClaimWhoseAnswersAreLostAfterRedisRanIt_IsAskedAgainByTheNextSweep_WhichAloneGetsTheConnections_Once()
    {
        await AddDeadNodeBAsync();
        using var raw = await ConnectionMultiplexer.ConnectAsync(redis.Endpoint).WaitAsync(Limit);
        var sweeper = Sweeper(InterleavedRedis.LosingAnswers(raw, PresenceScripts.Claim, 2)); // the claim and its retry in the same sweep
        var others = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => PeerAsync()));

        await Assert.ThrowsAsync<PresenceStoreUnavailableException>(() => sweeper.SweepDeadNodesAsync().WaitAsync(Limit));

        // Redis ran the claim: B's entries are gone, and sweepers with claims of their own get nothing.
        Assert.Equal((0L, 0L), (await Store.CountConnectionsAsync(Nsp), await Store.CountRoomsAsync(Nsp)));
        Assert.All(await Task.WhenAll(others.Select(o => o.SweepDeadNodesAsync())), Assert.Empty);

        AssertIsNodeB(Assert.Single(await sweeper.SweepDeadNodesAsync().WaitAsync(Limit)));
        Assert.Empty(await sweeper.SweepDeadNodesAsync().WaitAsync(Limit));
        Assert.All(await Task.WhenAll(others.Select(o => o.SweepDeadNodesAsync())), Assert.Empty);
    }

    [RedisFact]
    public async Task AClaimWhoseAnswerIsLostOnce_IsAskedAgainInTheSameSweep_WhichReturnsTheConnections_Once()
    {
        await AddDeadNodeBAsync();
        using var raw = await ConnectionMultiplexer.ConnectAsync(redis.Endpoint).WaitAsync(Limit);
        var sweeper = Sweeper(InterleavedRedis.LosingAnswers(raw, PresenceScripts.Claim, 1));

        AssertIsNodeB(Assert.Single(await sweeper.SweepDeadNodesAsync().WaitAsync(Limit)));

        Assert.Empty(await sweeper.SweepDeadNodesAsync().WaitAsync(Limit));
        Assert.Empty(await Store.SweepDeadNodesAsync());
        Assert.Equal(0, await Store.CountConnectionsAsync(Nsp));
    }

    [RedisFact]
    public async Task AKeptClaimReply_ExpiresAfterClaimReplyTtl_LeavingNoKeyBehind()
    {
        var keep = TimeSpan.FromSeconds(2);
        await AddDeadNodeBAsync();
        using var raw = await ConnectionMultiplexer.ConnectAsync(redis.Endpoint).WaitAsync(Limit);
        var sweeper = Sweeper(raw, keep);

        AssertIsNodeB(Assert.Single(await sweeper.SweepDeadNodesAsync().WaitAsync(Limit)));

        // The reply is kept for a retry (not deleted, which would cost a round trip per swept node), bounded.
        RedisKey kept = Assert.Single(await KeysAsync(_prefix));
        Assert.StartsWith($"{_prefix}node:{KeyToken.Encode(NodeB)}:claim:", (string)kept!);
        var ttl = await raw.GetDatabase().KeyTimeToLiveAsync(kept).WaitAsync(Limit);
        Assert.InRange(ttl ?? TimeSpan.MaxValue, TimeSpan.FromMilliseconds(1), keep);
        await Eventually.TrueAsync(async () => !await raw.GetDatabase().KeyExistsAsync(kept), Limit, "the kept claim reply to expire");
        Assert.Empty(await KeysAsync(_prefix));
    }
}
