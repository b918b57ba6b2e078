using BrokerGateway.Core.Presence;

namespace BrokerGateway.Core.Tests.Presence;

/// <summary>The contract on the memory twin; leases lapse on a fake clock, so nothing here waits.</summary>
public sealed class MemoryPresenceStoreTests : PresenceStoreContract
{
    readonly ManualTimeProvider _clock = new();
    MemoryPresenceStore? _store;

    protected override Task<IPresenceStore> CreateStoreAsync() =>
        Task.FromResult<IPresenceStore>(_store = new MemoryPresenceStore(_clock));

    /// <summary>In one process every "node" shares the one store, as replicas share one Redis.</summary>
    protected override Task<IPresenceStore> CreatePeerAsync() =>
        Task.FromResult<IPresenceStore>(_store ?? throw new InvalidOperationException("no store yet"));

    protected override TimeSpan ShortLease => TimeSpan.FromSeconds(10);

    protected override void LetTimePass(TimeSpan span) => _clock.Advance(span);

    [Fact]
    public async Task ALease_LapsesExactlyWhenTheClockPassesIt()
    {
        await Store.RenewLeaseAsync(new NodeInfo(NodeA, "", 0, At), TimeSpan.FromSeconds(10));
        await Store.AddConnectionAsync(Connection("a1"));

        _clock.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        Assert.Empty(await Store.SweepDeadNodesAsync());
        Assert.Single(await Store.ListNodesAsync());

        _clock.Advance(TimeSpan.FromTicks(1));
        Assert.Empty(await Store.ListNodesAsync());
        Assert.Equal(["a1"], (await Store.SweepDeadNodesAsync()).Single().Connections.Select(c => c.Conn));
    }

    [Fact]
    public async Task ParallelWritersOnManyThreads_LeaveEveryCountExact()
    {
        var namespaces = Enumerable.Range(0, 4).Select(i => $"{Nsp}-{i}").ToArray();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; i < 512; i++)
            {
                var nsp = namespaces[i % namespaces.Length];
                var conn = $"w{worker}-{i}";
                await Store.AddConnectionAsync(Connection(conn, $"u{i % 7}", rooms: ["shared"], nsp: nsp));
                await Store.JoinRoomAsync(nsp, conn, $"room-{worker}");
                if (i / namespaces.Length % 2 == 0) await Store.RemoveConnectionAsync(nsp, conn);
            }
        })).ToArray()).WaitAsync(Limit);

        foreach (var nsp in namespaces)
        {
            // Each worker put 128 connections in each namespace and closed every other one.
            Assert.Equal(8 * 64, await Store.CountConnectionsAsync(nsp));
            Assert.Equal(8 * 64, await Store.CountRoomMembersAsync(nsp, "shared"));
            Assert.Equal(9, await Store.CountRoomsAsync(nsp));
        }
        Assert.Equal(Sorted(namespaces), await Store.ListNamespacesAsync());
    }

    [Fact]
    public async Task ANamespaceThatEmpties_IsForgotten_AndCanComeBack()
    {
        await Store.AddConnectionAsync(Connection("c1", rooms: ["r"]));
        await Store.RemoveConnectionAsync(Nsp, "c1");
        Assert.Empty(await Store.ListNamespacesAsync());

        await Store.AddConnectionAsync(Connection("c2", rooms: ["r"]));
        Assert.Equal([Nsp], await Store.ListNamespacesAsync());
        Assert.Equal(1, await Store.CountRoomMembersAsync(Nsp, "r"));
    }
}
