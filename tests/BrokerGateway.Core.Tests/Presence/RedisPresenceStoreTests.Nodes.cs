using BrokerGateway.Core.Presence;
using BrokerGateway.Presence.Redis;
using StackExchange.Redis;

namespace BrokerGateway.Core.Tests.Presence;

/// <summary>Sweeps and restores in states only Redis can be in: an entry it cannot read.</summary>
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
}
