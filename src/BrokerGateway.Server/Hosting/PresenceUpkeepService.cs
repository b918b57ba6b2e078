using BrokerGateway.Core.Gateway;

namespace BrokerGateway.Server.Hosting;

/// <summary>Renews this node's lease, writes state back after a store loss, and sweeps dead nodes.</summary>
public sealed class PresenceUpkeepService(GatewayNode node, ILogger<PresenceUpkeepService> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = node.Options.LeaseTtl / 3;
        var outage = new PresenceOutageLog(log);
        using var timer = new PeriodicTimer(period, node.Time);
        do
        {
            if (node.IsDraining) return;
            try
            {
                var swept = await node.MaintainPresenceAsync(stoppingToken);
                outage.Succeeded();
                if (swept > 0) GatewayLog.DeadNodesSwept(log, swept);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                outage.Failed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
