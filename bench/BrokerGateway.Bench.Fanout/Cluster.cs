using BrokerGateway.Testing;

namespace BrokerGateway.Bench.Fanout;

/// <summary>
/// What the benchmark runs the gateway on: one nats-server, one redis-server (both on free loopback
/// ports) and N replicas. Everything it starts it also kills, on success, failure, Ctrl-C or deadline.
/// </summary>
public sealed class Cluster : IAsyncDisposable
{
    readonly BenchOptions _options;
    readonly List<Replica> _replicas = [];
    readonly string _logDir;

    Cluster(BenchOptions options, ServerProcess nats, ServerProcess redis, string logDir)
    {
        _options = options;
        Nats = nats;
        Redis = redis;
        _logDir = logDir;
        Tokens = Tokens.Random();
    }

    public ServerProcess Nats { get; }
    public ServerProcess Redis { get; }
    public Tokens Tokens { get; }
    public IReadOnlyList<Replica> Replicas => _replicas;
    public string LogDir => _logDir;

    public static async Task<Cluster> StartAsync(BenchOptions options, CancellationToken ct)
    {
        var logDir = Path.Combine(Path.GetTempPath(), $"bgw-bench-fanout-{Environment.ProcessId}");
        Directory.CreateDirectory(logDir);
        var nats = await ServerProcess.StartNatsAsync();
        ServerProcess redis;
        try
        {
            redis = await ServerProcess.StartRedisAsync();
        }
        catch
        {
            await nats.DisposeAsync();
            throw;
        }
        var cluster = new Cluster(options, nats, redis, logDir);
        try
        {
            await cluster.StartReplicasAsync(ct);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>Starts the replicas (again, after <see cref="StopReplicasAsync"/>), in parallel.</summary>
    public async Task StartReplicasAsync(CancellationToken ct)
    {
        var starting = Enumerable.Range(0, _options.Replicas).Select(i => Replica.StartAsync(_options.ServerDll, i,
            Nats.NatsUrl, Redis.RedisEndpoint, Tokens.Secret, _options.ReplicaEnvironment, _logDir, ct)).ToList();
        try
        {
            await Task.WhenAll(starting);
        }
        finally
        {
            lock (_replicas) _replicas.AddRange(starting.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
        }
    }

    /// <summary>Kills the replicas and empties Redis (restarted without persistence), for a fresh start.</summary>
    public async Task StopReplicasAsync()
    {
        Replica[] replicas;
        lock (_replicas) { replicas = [.. _replicas]; _replicas.Clear(); }
        foreach (var r in replicas) await r.DisposeAsync();
        await Redis.KillAsync();
        await Redis.StartAsync();
    }

    public ProcSample SampleReplicas() => _replicas.Select(r => r.Sample()).Aggregate((a, b) => a + b);

    /// <summary>For a signal handler: kill every child now, without awaiting.</summary>
    public void KillNow()
    {
        lock (_replicas) foreach (var r in _replicas) r.KillNow();
        _ = Nats.KillAsync();
        _ = Redis.KillAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Replica[] replicas;
        lock (_replicas) { replicas = [.. _replicas]; _replicas.Clear(); }
        foreach (var r in replicas) await r.DisposeAsync();
        await Redis.DisposeAsync();
        await Nats.DisposeAsync();
    }
}
