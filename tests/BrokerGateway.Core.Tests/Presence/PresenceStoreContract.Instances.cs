using BrokerGateway.Core.Presence;

namespace BrokerGateway.Core.Tests.Presence;

public abstract partial class PresenceStoreContract
{
    NodeInfo Instance(string instance, long connections = 0) => Node(NodeA, connections) with { Instance = instance };

    [StoreFact]
    public async Task ASecondInstanceOfANodeId_IsRefused_AndTheHoldersLeaseAndEntriesGoOn()
    {
        var peer = await PeerAsync();
        Assert.False(await Store.RenewLeaseAsync(Instance("first", 1), LongLease));
        await Store.AddConnectionAsync(Connection("a1", "alice", rooms: ["lobby"]));

        var refused = await Assert.ThrowsAsync<NodeIdInUseException>(() => peer.RenewLeaseAsync(Instance("second", 7), LongLease));
        Assert.Equal(NodeA, refused.Node);

        Assert.True(await Store.RenewLeaseAsync(Instance("first", 2), LongLease));
        Assert.Equal([Instance("first", 2)], await peer.ListNodesAsync());
        Assert.Equal(NodeA, (await peer.GetConnectionAsync(Nsp, "a1"))?.Node);
        await Assert.ThrowsAsync<NodeIdInUseException>(() => peer.RenewLeaseAsync(Instance("second"), LongLease));
    }

    [StoreFact]
    public async Task ALapsedLease_IsTakenByAnotherInstance_ThenRefusedToTheOldOne()
    {
        var peer = await PeerAsync();
        await Store.RenewLeaseAsync(Instance("first"), ShortLease);
        await LetLeaseLapseAsync(peer, NodeA);

        Assert.False(await peer.RenewLeaseAsync(Instance("second"), LongLease));

        await Assert.ThrowsAsync<NodeIdInUseException>(() => Store.RenewLeaseAsync(Instance("first"), LongLease));
        Assert.Equal([Instance("second")], await Store.ListNodesAsync());
    }
}
