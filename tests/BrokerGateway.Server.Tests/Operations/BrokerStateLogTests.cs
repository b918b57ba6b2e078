using BrokerGateway.Core.Broker;
using BrokerGateway.Server.Hosting;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.Server.Tests.Operations;

/// <summary>Only a NATS link lost, or closed while the replica runs, is logged as a warning.</summary>
public sealed class BrokerStateLogTests
{
    [Theory]
    [InlineData(BrokerState.Disconnected, false, LogLevel.Warning)]
    [InlineData(BrokerState.Closed, false, LogLevel.Warning)]
    [InlineData(BrokerState.Reconnected, false, LogLevel.Information)]
    [InlineData(BrokerState.Closed, true, LogLevel.Information)]
    public void TheLevel_FollowsWhatTheChangeMeans(BrokerState state, bool stopping, LogLevel expected) =>
        Assert.Equal(expected, GatewayLog.BrokerStateLevel(state, stopping));
}
