using BrokerGateway.Core.Broker;
using BrokerGateway.Core.Connections;
using BrokerGateway.Core.Gateway;
using BrokerGateway.Core.Presence;

namespace BrokerGateway.Core.Tests.Gateway;

/// <summary>A connect that fails once it was announced open leaves nothing behind, and is announced closed.</summary>
public sealed class OpenFailureTests
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
}
