using BrokerGateway.Core.Addressing;
using BrokerGateway.Core.Broker;
using BrokerGateway.Core.Connections;
using BrokerGateway.Core.Fanout;
using BrokerGateway.Core.Presence;

namespace BrokerGateway.Core.Tests.Fanout;

public class LocalGroupsTests
{
    sealed class NullDialect : IClientDialect
    {
        public string Name => "null";
        public OutboundFrame EncodePush(Push push) => new(push.Data);
        public OutboundFrame EncodePresence(PresenceChange change) => default;
        public OutboundFrame EncodeReconnect(TimeSpan after) => default;
        public OutboundFrame EncodeDisconnect(int code, string reason) => default;
    }

    static ClientConnection Connection(string id) => new(id, "default", "u", "n1", new NullDialect(), 8);

    [Fact]
    public async Task FirstMemberSubscribes_LastMemberUnsubscribes()
    {
        var broker = new MemoryBroker();
        var delivered = 0;
        var groups = new LocalGroups(broker, new Subjects(), (_, _) => { Interlocked.Increment(ref delivered); return ValueTask.CompletedTask; });
        var room = Target.Room("default", "r");
        var a = Connection("a");
        var b = Connection("b");

        Assert.True(await groups.AddAsync(room, a));
        Assert.False(await groups.AddAsync(room, a));
        Assert.True(await groups.AddAsync(room, b));
        Assert.Equal(1, groups.SubscriptionCount);
        Assert.Equal(2, groups.CountMembers(room));

        await broker.PublishAsync("bgw.default.room.r", new byte[1]);
        await Eventually.TrueAsync(() => delivered == 1, because: "one subscription for two members");

        Assert.True(await groups.RemoveAsync(room, a));
        Assert.Equal(1, groups.SubscriptionCount);
        Assert.True(await groups.RemoveAsync(room, b));
        Assert.Equal(0, groups.SubscriptionCount);
        Assert.False(await groups.RemoveAsync(room, b));
    }

    [Fact]
    public async Task ConcurrentJoinsAndLeaves_LeaveNoSubscriptionWithoutMembers()
    {
        var groups = new LocalGroups(new MemoryBroker(), new Subjects(), (_, _) => ValueTask.CompletedTask);
        var room = Target.Room("default", "busy");
        var connections = Enumerable.Range(0, 50).Select(i => Connection("c" + i)).ToArray();
        await Task.WhenAll(connections.Select(async c =>
        {
            for (var i = 0; i < 20; i++)
            {
                await groups.AddAsync(room, c);
                await groups.RemoveAsync(room, c);
            }
        })).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(0, groups.SubscriptionCount);
        Assert.Empty(groups.Members(room));
    }

    [Fact]
    public async Task FullSendQueue_ClosesTheConnectionAsSlowConsumer()
    {
        var c = Connection("slow");
        for (var i = 0; i < 8; i++) Assert.True(c.TrySend(new OutboundFrame(new byte[1])));
        Assert.False(c.TrySend(new OutboundFrame(new byte[1])));
        Assert.Equal(CloseCodes.SlowConsumer, (await c.CloseRequested.WaitAsync(TimeSpan.FromSeconds(1))).Code);
    }
}
