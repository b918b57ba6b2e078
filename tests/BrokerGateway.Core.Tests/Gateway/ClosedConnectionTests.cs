using BrokerGateway.Core.Addressing;
using BrokerGateway.Core.Broker;
using BrokerGateway.Core.Connections;
using BrokerGateway.Core.Gateway;
using BrokerGateway.Core.Presence;

namespace BrokerGateway.Core.Tests.Gateway;

/// <summary>
/// A backend's command can reach a connection after it closed (it was in flight): it must change nothing,
/// or the closed connection would stay in a group for good, holding a subscription and showing in presence.
/// </summary>
public sealed class ClosedConnectionTests
{
    [Fact]
    public async Task ChangesThatArriveAfterTheClose_ChangeNothing()
    {
        var store = new MemoryPresenceStore();
        await using var broker = new MemoryBroker();
        var node = new GatewayNode(new GatewayOptions(), broker, store);
        var connection = await node.OpenAsync(new ConnectRequest("default", "alice", SilentDialect.Instance));
        var events = new List<string>();
        node.MembershipChanged += (_, kind, name) => events.Add($"{kind} {name}");
        await node.CloseAsync(connection, CloseCodes.Kicked);
        var subscriptions = node.Groups.SubscriptionCount;

        Assert.False(await node.JoinAsync(connection, "late-room"));
        Assert.False(await node.SubscribeAsync(connection, "late-topic"));
        await node.SetUserAsync(connection, "bob");
        await node.SetSessionAsync(connection, new Dictionary<string, string?> { ["k"] = "v" }, replace: false);

        Assert.Empty(node.Groups.Members(Target.Room("default", "late-room")));
        Assert.Empty(node.Groups.Members(Target.User("default", "bob")));
        Assert.Equal(subscriptions, node.Groups.SubscriptionCount);
        Assert.Equal(0, await store.CountRoomMembersAsync("default", "late-room"));
        Assert.Null(await store.GetConnectionAsync("default", connection.Id));
        Assert.Empty(events);
    }
}
