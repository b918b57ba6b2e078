using BrokerGateway.Core.Broker;
using BrokerGateway.Core.Connections;
using BrokerGateway.Core.Gateway;
using BrokerGateway.Core.Presence;

namespace BrokerGateway.Core.Tests.Gateway;

/// <summary>An event handler that throws (an event sink that fails) leaves no connection behind and stops no drain.</summary>
public sealed class HandlerFailureTests
{
    [Fact]
    public async Task AnOpenHandlerThatThrows_LeavesNoConnectionInTheNodeOrPresence_AndTheCloseIsAnnounced()
    {
        var store = new MemoryPresenceStore();
        await using var broker = new MemoryBroker();
        var node = new GatewayNode(new GatewayOptions(), broker, store);
        var closed = new List<(string Conn, int Code)>();
        node.ConnectionOpened += _ => throw new InvalidOperationException("an event sink that fails");
        node.ConnectionClosed += (c, code) => closed.Add((c.Id, code));

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            node.OpenAsync(new ConnectRequest("default", "alice", SilentDialect.Instance) { Rooms = ["lobby"] }));

        Assert.Equal(0, node.ConnectionCount);
        Assert.Equal(0, await store.CountConnectionsAsync("default"));
        Assert.Equal(0, await store.CountRoomMembersAsync("default", "lobby"));
        Assert.Equal(CloseCodes.ServerError, Assert.Single(closed).Code);
    }

    [Fact]
    public async Task ACloseHandlerThatThrows_StopsNoDrain_AndTheNodeLeavesPresence()
    {
        var store = new MemoryPresenceStore();
        await using var broker = new MemoryBroker();
        var node = new GatewayNode(new GatewayOptions(), broker, store);
        await node.RegisterAsync();
        for (var i = 0; i < 3; i++) await node.OpenAsync(new ConnectRequest("default", $"u{i}", SilentDialect.Instance));
        var closes = 0;
        node.ConnectionClosed += (_, _) =>
        {
            closes++;
            throw new InvalidOperationException("an event sink that fails");
        };

        await node.DrainAsync(TimeSpan.Zero).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(3, closes);
        Assert.Equal(0, node.ConnectionCount);
        Assert.Equal(0, await store.CountConnectionsAsync("default"));
        Assert.DoesNotContain(await store.ListNodesAsync(), n => n.Node == node.NodeId);
    }
}
