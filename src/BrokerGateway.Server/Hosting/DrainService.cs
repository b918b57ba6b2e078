using BrokerGateway.Core.Gateway;

namespace BrokerGateway.Server.Hosting;

/// <summary>
/// Graceful drain on SIGTERM: runs before the web server stops (IHostedLifecycleService.StoppingAsync),
/// so readiness turns false, clients get <c>reconnect</c> with jitter and close 4001, and presence is
/// removed, while the sockets are still there to be told.
/// </summary>
public sealed class DrainService(GatewayNode node, ServerSettings settings, ILogger<DrainService> log) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StartAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken ct) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken ct)
    {
        if (settings.DrainNotice > TimeSpan.Zero)
        {
            // Not ready while still serving: a load balancer polling /readyz takes the replica out first.
            node.StopTakingClients();
            try { await Task.Delay(settings.DrainNotice, ct); }
            catch (OperationCanceledException) { /* the host's shutdown timeout wins: drain now */ }
        }
        GatewayLog.Draining(log, node.ConnectionCount);
        await node.DrainAsync(settings.DrainSpread, ct);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken ct) => Task.CompletedTask;
}
