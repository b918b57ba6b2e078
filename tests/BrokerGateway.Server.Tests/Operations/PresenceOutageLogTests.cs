using BrokerGateway.Core.Presence;
using BrokerGateway.Server.Hosting;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.Server.Tests.Operations;

/// <summary>A Redis outage is two log lines, its start and its end, however many upkeep rounds it lasts.</summary>
public sealed class PresenceOutageLogTests
{
    [Fact]
    public void AnOutage_IsLoggedWhenItStartsAndEnds_NotAtEveryRound()
    {
        var logs = new LogEvents();
        var outage = new PresenceOutageLog(logs.CreateLogger("upkeep"));
        outage.Succeeded();
        for (var round = 0; round < 5; round++) outage.Failed(new PresenceStoreUnavailableException("Redis (127.0.0.1:6379) is unreachable"));
        outage.Succeeded();
        outage.Succeeded();
        outage.Failed(new PresenceStoreUnavailableException("Redis (127.0.0.1:6379) is unreachable"));
        Assert.Equal(["PresenceUnreachable", "PresenceReachable", "PresenceUnreachable"], logs.Names);
        Assert.DoesNotContain("   at ", logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnexpectedFailure_IsLoggedEachTime_WithItsException()
    {
        var logs = new LogEvents();
        var outage = new PresenceOutageLog(logs.CreateLogger("upkeep"));
        outage.Failed(new InvalidOperationException("bug"));
        outage.Failed(new InvalidOperationException("bug"));
        Assert.Equal(["PresenceUpkeepFailed", "PresenceUpkeepFailed"], logs.Names);
    }
}
