using BrokerGateway.Core.Broker;
using BrokerGateway.Core.Connections;
using BrokerGateway.Core.Gateway;
using BrokerGateway.Core.Presence;
using BrokerGateway.Presence.Redis;

namespace BrokerGateway.Core.Tests.Gateway;

/// <summary>
/// Two replicas given one node id, on one real Redis: the first one's lease lapsed (a long pause) and the
/// second took it. Until its own next renewal notices, the first still closes clients, changes their rooms
/// and drains; none of that may remove or change the holder's presence, though both number their
/// connections alike.
/// </summary>
public sealed class NodeIdTakeoverTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
    static readonly TimeSpan ShortLease = TimeSpan.FromMilliseconds(300);
    const string Nsp = "default";

    readonly string _prefix = Unique.Name("p") + ":";
    readonly string _nodeId = Unique.Name("twin");
    readonly Stack<IAsyncDisposable> _owned = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        while (_owned.TryPop(out var owned)) await owned.DisposeAsync().AsTask().WaitAsync(Limit);
    }

    [RedisFact]
    public async Task AReplicaWhoseLeaseWasTaken_ClosingAndChangingItsClients_LeavesTheHoldersPresenceExact()
    {
        var first = await StartAsync(ShortLease);
        var taken = new List<NodeIdInUseException>();
        first.NodeIdTaken += taken.Add;
        var alice = await first.OpenAsync(new ConnectRequest(Nsp, "alice", SilentDialect.Instance) { Rooms = ["lobby"] });
        var guest = await first.OpenAsync(new ConnectRequest(Nsp, null, SilentDialect.Instance) { Rooms = ["lobby"] });
        var (holder, bob, carol) = await TakeOverAsync(first);
        Assert.Equal((alice.Id, guest.Id), (bob.Id, carol.Id));

        Assert.True(await first.JoinAsync(guest, "attic"));
        Assert.True(await first.LeaveAsync(guest, "lobby"));
        await first.SetSessionAsync(alice, new Dictionary<string, string?> { ["k"] = "stale" }, replace: true);
        await first.CloseAsync(alice, CloseCodes.Kicked);
        Assert.True(first.NodeIdInUse);
        await first.DrainAsync(TimeSpan.Zero).WaitAsync(Limit);

        await AssertHolderExactAsync(holder, bob, carol);
        Assert.Equal(_nodeId, Assert.Single(taken).Node);
    }

    [RedisFact]
    public async Task AnIdleReplicaWhoseLeaseWasTaken_Draining_LeavesTheHoldersPresenceExact()
    {
        var first = await StartAsync(ShortLease);
        var (holder, bob, carol) = await TakeOverAsync(first);
        Assert.False(first.NodeIdInUse); // no renewal or write told it yet: only the store can refuse its drain

        await first.DrainAsync(TimeSpan.Zero).WaitAsync(Limit);

        Assert.True(first.NodeIdInUse);
        await AssertHolderExactAsync(holder, bob, carol);
    }

    async Task<GatewayNode> StartAsync(TimeSpan lease)
    {
        var store = await RedisPresenceStore.ConnectAsync(new RedisPresenceOptions
        {
            Configuration = redis.Endpoint,
            KeyPrefix = _prefix,
            ConnectTimeout = TimeSpan.FromSeconds(2),
        }).WaitAsync(Limit);
        _owned.Push(store);
        var broker = new MemoryBroker();
        _owned.Push(broker);
        var options = new GatewayOptions { NodeId = _nodeId, LeaseTtl = lease, DefaultPolicy = new NamespacePolicy { AllowGuests = true } };
        var node = new GatewayNode(options, broker, store);
        _owned.Push(node);
        await node.RegisterAsync().WaitAsync(Limit);
        return node;
    }

    /// <summary>
    /// Lets the first replica's lease lapse (it never renews here), then starts a second one with its node
    /// id, as a supervisor would, until it takes the lease; it connects bob (in lobby, on news) and a guest.
    /// </summary>
    async Task<(GatewayNode Holder, ClientConnection Bob, ClientConnection Guest)> TakeOverAsync(GatewayNode first)
    {
        await Eventually.TrueAsync(async () => (await first.Presence.ListNodesAsync()).All(n => n.Node != _nodeId), Limit,
            "the first replica's lease to lapse");
        GatewayNode? holder = null;
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                holder = await StartAsync(TimeSpan.FromMinutes(5));
                return true;
            }
            catch (NodeIdInUseException)
            {
                return false; // the lease marker outlives the registry's expiry by a millisecond at most
            }
        }, Limit, "the second replica to take the lease");
        var bob = await holder!.OpenAsync(new ConnectRequest(Nsp, "bob", SilentDialect.Instance) { Rooms = ["lobby"], Topics = ["news"] });
        var guest = await holder.OpenAsync(new ConnectRequest(Nsp, null, SilentDialect.Instance));
        await holder.SetSessionAsync(bob, new Dictionary<string, string?> { ["k"] = "v" }, replace: false);
        return (holder, bob, guest);
    }

    async Task AssertHolderExactAsync(GatewayNode holder, ClientConnection bob, ClientConnection guest)
    {
        var presence = holder.Presence;
        Assert.Equal(holder.InstanceId, Assert.Single(await presence.ListNodesAsync()).Instance);
        Assert.Equal((2L, 1L, 1L), (await presence.CountConnectionsAsync(Nsp), await presence.CountUsersAsync(Nsp), await presence.CountGuestsAsync(Nsp)));
        Assert.Equal([new Member(bob.Id, "bob", _nodeId), new Member(guest.Id, null, _nodeId)],
            (await presence.ListConnectionsAsync(Nsp, new PageRequest())).Items);
        Assert.Equal(["lobby"], (await presence.ListRoomsAsync(Nsp, new PageRequest())).Items);
        Assert.Equal([new Member(bob.Id, "bob", _nodeId)], (await presence.ListRoomMembersAsync(Nsp, "lobby", new PageRequest())).Items);
        Assert.Equal([new Member(bob.Id, "bob", _nodeId)], (await presence.ListTopicMembersAsync(Nsp, "news", new PageRequest())).Items);
        var stored = await presence.GetConnectionAsync(Nsp, bob.Id);
        Assert.Equal(("bob", "v"), (stored?.Uid, stored?.Session["k"]));
        Assert.Empty((await presence.GetConnectionAsync(Nsp, guest.Id))!.Rooms);
        Assert.False(await presence.IsUserOnlineAsync(Nsp, "alice"));
    }
}
