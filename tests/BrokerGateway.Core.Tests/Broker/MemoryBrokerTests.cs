using BrokerGateway.Core.Broker;

namespace BrokerGateway.Core.Tests.Broker;

public sealed class MemoryBrokerTests : BrokerContract
{
    protected override Task<IBroker> CreateAsync() => Task.FromResult<IBroker>(new MemoryBroker());
}
