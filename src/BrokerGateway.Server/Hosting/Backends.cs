using BrokerGateway.Core.Broker;
using BrokerGateway.Core.Presence;

namespace BrokerGateway.Server.Hosting;

/// <summary>
/// Picks and connects the two seams' implementations: NATS and Redis when configured, else the
/// in-memory twins (one replica, no servers: the embedded default).
/// </summary>
public sealed class Backends : IAsyncDisposable
{
    Backends(IBroker broker, IPresenceStore presence, string brokerName, string presenceName, IAsyncDisposable? presenceOwner)
    {
        Broker = broker;
        Presence = presence;
        BrokerName = brokerName;
        PresenceName = presenceName;
        _presenceOwner = presenceOwner;
    }

    readonly IAsyncDisposable? _presenceOwner;

    public IBroker Broker { get; }
    public IPresenceStore Presence { get; }
    public string BrokerName { get; }
    public string PresenceName { get; }

    /// <exception cref="StartupException">No NATS server answered.</exception>
    public static async Task<Backends> ConnectAsync(ServerSettings settings, CancellationToken ct = default)
    {
        IBroker broker;
        try
        {
            broker = settings.NatsUrl is { } nats
                ? await BrokerGateway.Broker.Nats.NatsBroker.ConnectAsync(nats.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), $"bgw-{settings.Gateway.NodeId}", ct)
                : new MemoryBroker();
        }
        catch (BrokerGateway.Nats.NatsConnectionException e)
        {
            // Unlike Redis, NATS must answer at start: the replica has no broker to report not ready with.
            throw new StartupException($"{ServerSettings.Describe("NatsUrl")}: {e.Message}", e);
        }
        try
        {
            if (settings.Redis is { } redis)
            {
                // One prefix keeps a cluster apart on both servers: subjects bgw.…, keys bgw:….
                var store = await BrokerGateway.Presence.Redis.RedisPresenceStore.ConnectAsync(
                    new BrokerGateway.Presence.Redis.RedisPresenceOptions { Configuration = redis, KeyPrefix = settings.Gateway.SubjectPrefix + ":" }, ct);
                return new Backends(broker, store, broker is MemoryBroker ? "memory" : "nats", "redis", store);
            }
            return new Backends(broker, new MemoryPresenceStore(), broker is MemoryBroker ? "memory" : "nats", "memory", null);
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Broker.DisposeAsync();
        if (_presenceOwner is not null) await _presenceOwner.DisposeAsync();
    }
}
