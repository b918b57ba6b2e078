using BrokerGateway.Core.Presence;

namespace BrokerGateway.Server.Hosting;

/// <summary>
/// Logs a presence store outage once when it starts and once when it ends, not at every upkeep round (every
/// third of the lease, 5 s by default) with the client's stack trace. Failures other than an unreachable
/// store are unexpected and logged each time, with their exception.
/// </summary>
sealed class PresenceOutageLog(ILogger log)
{
    bool _unreachable;

    public void Succeeded()
    {
        if (!_unreachable) return;
        _unreachable = false;
        GatewayLog.PresenceReachable(log);
    }

    public void Failed(Exception e)
    {
        if (e is not PresenceStoreUnavailableException)
        {
            GatewayLog.PresenceUpkeepFailed(log, e);
            return;
        }
        if (_unreachable) return;
        _unreachable = true;
        GatewayLog.PresenceUnreachable(log, e.Message);
    }
}
