using BrokerGateway.Core.Addressing;
using BrokerGateway.Core.Broker;
using BrokerGateway.Core.Connections;
using BrokerGateway.Core.Gateway;
using BrokerGateway.Core.Presence;

namespace BrokerGateway.Core.Tests.Gateway;

/// <summary>
/// What /metrics reads from a node: a refused push is one a full send queue turned away (its socket is then
/// closed as a slow consumer), and each forgotten connection is counted under the code it was closed with.
/// </summary>
public sealed class DeliveryCountTests
{
    [Fact]
    public async Task APushToAClosingConnection_IsNotCountedAsRefused()
    {
        await using var broker = new MemoryBroker();
        // No presence frames: each queue holds exactly the pushes.
        var options = new GatewayOptions { SendQueueLimit = 1, DefaultPolicy = new NamespacePolicy { PresenceEvents = false } };
        var node = new GatewayNode(options, broker, new MemoryPresenceStore());
        var witness = await node.OpenAsync(new ConnectRequest("default", "witness", SilentDialect.Instance) { Rooms = ["r"] });
        var slow = await node.OpenAsync(new ConnectRequest("default", "slow", SilentDialect.Instance) { Rooms = ["r"] });
        var room = Target.Room("default", "r");

        async Task PushAndWaitForWitness(long deliveredBefore)
        {
            await node.PublishAsync(room, "x"u8.ToArray());
            // The witness reads every push, so each push is delivered to it exactly once.
            await Eventually.TrueAsync(() => node.Delivered > deliveredBefore, TimeSpan.FromSeconds(10));
            Assert.Equal(1, witness.Outbound.TryRead(new OutboundFrame[1]));
        }

        await PushAndWaitForWitness(0);                 // both queued: slow's queue is now full
        Assert.Equal(2, node.Delivered);
        await PushAndWaitForWitness(2);                 // slow refused, and closed 4002
        Assert.Equal(1, node.Refused);
        Assert.Equal(CloseCodes.SlowConsumer, (await slow.CloseRequested).Code);
        await PushAndWaitForWitness(3);                 // slow is closing: skipped, not refused again
        Assert.Equal(4, node.Delivered);
        Assert.Equal(1, node.Refused);

        await node.CloseAsync(slow, CloseCodes.ServerError);
        await node.CloseAsync(witness, 1000);
        var closes = node.ClosesByCode.ToDictionary(c => c.Code, c => c.Count);
        Assert.Equal(1, closes[CloseCodes.SlowConsumer]); // the first reason, not the transport's
        Assert.Equal(1, closes[1000]);
        Assert.Equal(0, closes[CloseCodes.ServerError]);
    }

    [Fact]
    public async Task ACloseCodeNotKnown_IsCountedAsOther()
    {
        await using var broker = new MemoryBroker();
        var node = new GatewayNode(new GatewayOptions(), broker, new MemoryPresenceStore());
        var connection = await node.OpenAsync(new ConnectRequest("default", "u", SilentDialect.Instance));
        await node.CloseAsync(connection, 4999);
        Assert.Equal(1, node.ClosesByCode.Single(c => c.Code == GatewayNode.OtherCloseCode).Count);
        Assert.Equal(GatewayNode.CountedCloseCodes.Count + 1, node.ClosesByCode.Count());
    }
}
