using BrokerGateway.Core.Presence;
using BrokerGateway.Presence.Redis;
using StackExchange.Redis;

namespace BrokerGateway.Core.Tests.Presence;

/// <summary>
/// Sweeps and restores in states the contract cannot reach: an entry Redis cannot read, another node's
/// write between two round trips of a restore.
/// </summary>
public sealed partial class RedisPresenceStoreTests
{
    /// <summary>A connection's hash, spelled as docs/presence.md lays it out.</summary>
    RedisKey ConnectionKey(string conn) => $"{_prefix}ns:{KeyToken.Encode(Nsp)}:conn:{KeyToken.Encode(conn)}";

    /// <summary>
    /// Puts a string where a connection's hash belongs, so a script reading that entry fails with WRONGTYPE
    /// (a fault the store's own writes never make). The hash is kept aside for <see cref="RepairAsync"/>.
    /// </summary>
    static async Task DamageAsync(IDatabase db, RedisKey entry)
    {
        Assert.True(await db.KeyRenameAsync(entry, entry.Append(":kept")).WaitAsync(Limit));
        Assert.True(await db.StringSetAsync(entry, "not a hash").WaitAsync(Limit));
    }

    /// <summary>Puts the kept hash back over the string.</summary>
    static async Task RepairAsync(IDatabase db, RedisKey entry) =>
        Assert.True(await db.KeyRenameAsync(entry.Append(":kept"), entry).WaitAsync(Limit));

    [RedisFact]
    public async Task ANodeWithAnEntryRedisCannotRead_IsNotClaimed_AndTheSweepAfterTheRepairGetsAllItsConnections()
    {
        await Store.RenewLeaseAsync(new NodeInfo(NodeB, "", 2, At), ShortLease);
        await Store.AddConnectionAsync(Connection("b1", "bob", node: NodeB, rooms: ["lobby"]));
        await Store.AddConnectionAsync(Connection("b2", node: NodeB, rooms: ["lobby"]));
        using var raw = await ConnectionMultiplexer.ConnectAsync(redis.Endpoint).WaitAsync(Limit);
        await DamageAsync(raw.GetDatabase(), ConnectionKey("b1"));
        await LetLeaseLapseAsync(Store, NodeB);

        var error = await Assert.ThrowsAsync<RedisServerException>(() => Store.SweepDeadNodesAsync());
        Assert.StartsWith("WRONGTYPE", error.Message);
        Assert.Equal(2, await Store.CountConnectionsAsync(Nsp));
        Assert.Equal(2, await Store.CountRoomMembersAsync(Nsp, "lobby"));

        await RepairAsync(raw.GetDatabase(), ConnectionKey("b1"));
        var swept = Assert.Single(await Store.SweepDeadNodesAsync());

        Assert.Equal(NodeB, swept.Node);
        Assert.Equal(["b1", "b2"], swept.Connections.Select(c => c.Conn).Order(StringComparer.Ordinal));
        Assert.Equal(["lobby"], swept.Connections.Single(c => c.Conn == "b1").Rooms); // what the sweeper needs to emit the leaves
        Assert.Equal(0, await Store.CountConnectionsAsync(Nsp));
        Assert.Equal(0, await Store.CountRoomsAsync(Nsp));
    }

    [RedisFact]
    public async Task ASweepWhoseLaterClaimFails_StillReturnsTheNodeItClaimed_Once_AndTheFailedNodeWaitsForTheNextSweep()
    {
        // B's lease ends after A's, so a sweep claims A first (the dead list is in lease order), then fails on B.
        await Store.RenewLeaseAsync(new NodeInfo(NodeA, "", 2, At), ShortLease);
        await Store.RenewLeaseAsync(new NodeInfo(NodeB, "", 1, At), ShortLease * 2);
        await Store.AddConnectionAsync(Connection("a1", "alice", rooms: ["lobby"]));
        await Store.AddConnectionAsync(Connection("a2", rooms: ["lobby"]));
        await Store.AddConnectionAsync(Connection("b1", "bob", node: NodeB, rooms: ["lobby"]));
        using var raw = await ConnectionMultiplexer.ConnectAsync(redis.Endpoint).WaitAsync(Limit);
        await DamageAsync(raw.GetDatabase(), ConnectionKey("b1"));
        await LetLeaseLapseAsync(Store, NodeB);

        var first = await Store.SweepDeadNodesAsync();

        // A's connections are gone from Redis now: this is the one chance to announce their leaves.
        var a = Assert.Single(first);
        Assert.Equal(NodeA, a.Node);
        Assert.Equal(["a1", "a2"], a.Connections.Select(c => c.Conn).Order(StringComparer.Ordinal));
        Assert.Equal(["lobby"], a.Connections.Single(c => c.Conn == "a1").Rooms);
        Assert.Equal((1L, 1L), (await Store.CountConnectionsAsync(Nsp), await Store.CountRoomMembersAsync(Nsp, "lobby"))); // b1

        // While B cannot be claimed, a sweep that claims nothing says so, and does not return A again.
        await Assert.ThrowsAsync<RedisServerException>(() => Store.SweepDeadNodesAsync());

        await RepairAsync(raw.GetDatabase(), ConnectionKey("b1"));
        var b = Assert.Single(await Store.SweepDeadNodesAsync());

        Assert.Equal(NodeB, b.Node);
        Assert.Equal(["b1"], b.Connections.Select(c => c.Conn));
        Assert.Empty(await Store.SweepDeadNodesAsync());
        Assert.Equal(0, await Store.CountConnectionsAsync(Nsp));
        Assert.Empty(await Store.ListNodesAsync());
    }

    [RedisFact]
    public async Task ARestore_LeavesAConnectionThatAnotherNodeWroteAfterTheRestoreListedIt_AndDropsItsOwnStaleOne()
    {
        var nodeB = await PeerAsync();
        await Store.AddConnectionAsync(Connection("a1", "alice", rooms: ["lobby"])); // closed on A while Redis was out of reach
        await Store.AddConnectionAsync(Connection("c7", "carol")); // also gone from A; its id is B's by the time A drops it
        var fromB = Connection("c7", "bob", node: NodeB, rooms: ["lobby"]);
        var wroteB = false;
        using var redisOfA = await ConnectionMultiplexer.ConnectAsync(redis.Endpoint).WaitAsync(Limit);
        var nodeA = new RedisPresenceStore(InterleavedRedis.AfterFirstAnswer(redisOfA, PresenceScripts.NodeConnections, async () =>
        {
            // A's restore has listed what the store holds for A (a1, c7) and is about to drop what A no longer has.
            await nodeB.AddConnectionAsync(fromB);
            wroteB = true;
        }), new RedisPresenceOptions { Configuration = redis.Endpoint, KeyPrefix = _prefix });

        await nodeA.RestoreNodeAsync(NodeA, [Connection("a2", "alice")]).WaitAsync(Limit);

        Assert.True(wroteB);
        Assert.Equal(fromB, await Store.GetConnectionAsync(Nsp, "c7"), ConnectionComparer);
        Assert.Null(await Store.GetConnectionAsync(Nsp, "a1"));
        Assert.Equal(["a2", "c7"], (await WalkAsync(p => Store.ListConnectionsAsync(Nsp, p), 10)).Select(m => m.Conn));
        Assert.Equal([new Member("c7", "bob", NodeB)], (await Store.ListRoomMembersAsync(Nsp, "lobby", new PageRequest())).Items);
        Assert.Equal(Sorted(["alice", "bob"]), (await Store.ListUsersAsync(Nsp, new PageRequest())).Items);
        // Each node's leaves stay its own: B's shutdown announces c7, A's does not.
        Assert.Equal(["c7"], (await nodeB.RemoveNodeAsync(NodeB)).Select(c => c.Conn));
        Assert.Equal(["a2"], (await Store.RemoveNodeAsync(NodeA)).Select(c => c.Conn));
    }
}
