using BrokerGateway.Server.Hosting;

using System.Diagnostics;

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
            var settings = TestGateway.DefaultSettings(servers.Nats.NatsUrl, servers.Redis.RedisEndpoint, prefix);
            started.Add(await TestGateway.StartAsync(adjust?.Invoke(settings) ?? settings));
        }
        return new TestCluster(servers.Nats, servers.Redis, prefix, started);
    }

    /// <summary>
    /// Starts a replica as its own process (the server executable), so a test can kill it with SIGKILL:
    /// no drain, no cleanup, as when a machine dies.
    /// </summary>
    public Process StartReplicaProcess(out int publicPort)
    {
        publicPort = FreePort.Next();
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "BrokerGateway.Server"))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.Environment["BGW_PUBLIC_PORT"] = publicPort.ToString();
        info.Environment["BGW_GRPC_PORT"] = FreePort.Next().ToString();
        info.Environment["BGW_INTERNAL_PORT"] = FreePort.Next().ToString();
        info.Environment["BGW_BIND"] = "127.0.0.1";
        info.Environment["BGW_NATS_URL"] = NatsServer.NatsUrl;
        info.Environment["BGW_REDIS"] = RedisServer.RedisEndpoint;
        info.Environment["BGW_SUBJECT_PREFIX"] = Prefix;
        info.Environment["BGW_JWT_SECRET"] = Tokens.Secret;
        info.Environment["BGW_LEASE_TTL_MS"] = "3000";
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in Replicas) await replica.DisposeAsync();
    }
}
