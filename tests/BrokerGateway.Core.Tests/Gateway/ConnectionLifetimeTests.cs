using BrokerGateway.Core.Addressing;
using BrokerGateway.Core.Broker;
using BrokerGateway.Core.Connections;
using BrokerGateway.Core.Gateway;
using BrokerGateway.Core.Presence;

namespace BrokerGateway.Core.Tests.Gateway;

/// <summary>
/// A backend's command can reach a connection after it closed (it was in flight): it must change nothing,
/// or the closed connection would stay in a group for good, holding a subscription and showing in presence.
/// One can also reach it while it opens: it must wait, so its events come after the open's.
/// </summary>
public sealed class ConnectionLifetimeTests
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

    [Fact]
    public async Task AChangeThatArrivesWhileTheConnectionOpens_WaitsForTheOpenToFinish()
    {
        var store = new MemoryPresenceStore();
        await using var broker = new MemoryBroker();
        var node = new GatewayNode(new GatewayOptions(), broker, store);
        Task<bool>? join = null;
        var completedDuringOpen = false;
        // A backend's command reaching the connection in the middle of its open (by its user's subject, say).
        node.ConnectionOpened += c =>
        {
            join = node.JoinAsync(c, "late");
            completedDuringOpen = join.IsCompleted;
        };
        var events = new List<string>();
        node.MembershipChanged += (_, kind, name) => events.Add($"{kind} {name}");

        await node.OpenAsync(new ConnectRequest("default", "alice", SilentDialect.Instance));

        Assert.False(completedDuringOpen);
        Assert.True(await join!);
        Assert.Equal(["join late"], events);
    }
}
