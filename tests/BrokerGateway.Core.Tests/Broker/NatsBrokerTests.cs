using BrokerGateway.Broker.Nats;
using BrokerGateway.Core.Broker;

namespace BrokerGateway.Core.Tests.Broker;

/// <summary>The broker contract on a real nats-server.</summary>
public sealed class NatsBrokerTests(NatsServerFixture nats) : BrokerContract, IClassFixture<NatsServerFixture>
{
    protected override async Task<IBroker> CreateAsync()
    {
        if (Servers.NatsSkipReason is { } missing) throw new InvalidOperationException(missing);
        return await NatsBroker.ConnectAsync([nats.Url], "contract-tests");
    }
}
