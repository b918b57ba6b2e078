using BrokerGateway.Server.Hosting;

namespace BrokerGateway.Server.Tests.Infrastructure;

/// <summary>A real nats-server and redis-server for one test class; tests may kill and restart them.</summary>
public sealed class ClusterServers : IAsyncLifetime
{
    public ServerProcess Nats { get; private set; } = null!;
    public ServerProcess Redis { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if ((Servers.NatsSkipReason ?? Servers.RedisSkipReason) is not null) return;
        Nats = await ServerProcess.StartNatsAsync();
        Redis = await ServerProcess.StartRedisAsync();
    }

    public async Task DisposeAsync()
    {
        if (Nats is not null) await Nats.DisposeAsync();
        if (Redis is not null) await Redis.DisposeAsync();
    }
}

/// <summary>Several replicas on one NATS and one Redis, apart from other tests by their own prefix.</summary>
public sealed class TestCluster : IAsyncDisposable
{
    TestCluster(ServerProcess nats, ServerProcess redis, string prefix, IReadOnlyList<TestGateway> replicas)
    {
        NatsServer = nats;
        RedisServer = redis;
        Prefix = prefix;
        Replicas = replicas;
    }

    public ServerProcess NatsServer { get; }
    public ServerProcess RedisServer { get; }
    public string Prefix { get; }
    public IReadOnlyList<TestGateway> Replicas { get; }
    public TestGateway this[int i] => Replicas[i];

    public static async Task<TestCluster> StartAsync(ClusterServers servers, int replicas = 3, Func<ServerSettings, ServerSettings>? adjust = null)
    {
        var prefix = Unique.Name("bgw");
        var started = new List<TestGateway>();
        for (var i = 0; i < replicas; i++)
        {
            started.Add(await TestGateway.StartAsync(() =>
            {
                var settings = TestGateway.DefaultSettings(servers.Nats.NatsUrl, servers.Redis.RedisEndpoint, prefix);
                return adjust?.Invoke(settings) ?? settings;
            }));
        }
        return new TestCluster(servers.Nats, servers.Redis, prefix, started);
    }

    /// <summary>A replica as its own process on this cluster's servers and prefix (see <see cref="TestGateway.StartProcessAsync"/>).</summary>
    public Task<GatewayProcess> StartReplicaProcessAsync() => TestGateway.StartProcessAsync(NatsServer.NatsUrl, RedisServer.RedisEndpoint, Prefix);

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in Replicas) await replica.DisposeAsync();
    }
}
