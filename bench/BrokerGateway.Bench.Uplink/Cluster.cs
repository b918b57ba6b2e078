using BrokerGateway.Testing;

namespace BrokerGateway.Bench.Uplink;

/// <summary>
/// What the benchmark runs on: one nats-server and one redis-server on free loopback ports, and the
/// replicas over them. Everything it starts it kills again: on success, failure, signal or deadline.
/// </summary>
public sealed class Cluster : IAsyncDisposable
{
    /// <summary>The subject prefix the replicas are given (<c>BGW_SUBJECT_PREFIX</c>).</summary>
    public const string SubjectPrefix = "bgw";

    readonly List<Replica> _replicas = [];

    Cluster(ServerProcess nats, ServerProcess redis, string logDir)
    {
        Nats = nats;
        Redis = redis;
        LogDir = logDir;
        NatsPid = ProcCpu.Find("nats-server", nats.Port);
        RedisPid = ProcCpu.Find("redis-server", redis.Port);
    }

    public ServerProcess Nats { get; }
    public ServerProcess Redis { get; }
    public int? NatsPid { get; }
    public int? RedisPid { get; }
    public string LogDir { get; }
    public Tokens Tokens { get; } = new();
    public IReadOnlyList<Replica> Replicas { get { lock (_replicas) return [.. _replicas]; } }

    public static async Task<Cluster> StartAsync(BenchOptions options, CancellationToken ct)
    {
        var logDir = Path.Combine(Path.GetTempPath(), $"bgw-bench-uplink-{Environment.ProcessId}");
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
        var cluster = new Cluster(nats, redis, logDir);
        try
        {
            var starting = Enumerable.Range(0, options.Replicas)
                .Select(i => Replica.StartAsync(options, i, nats.NatsUrl, redis.RedisEndpoint, cluster.Tokens.Secret, logDir, ct))
                .ToList();
            try
            {
                await Task.WhenAll(starting);
            }
            finally
            {
                // Those that started are killed with the cluster even when another failed.
                lock (cluster._replicas) cluster._replicas.AddRange(starting.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
            }
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>CPU seconds so far of each process of the cluster, by name.</summary>
    public Dictionary<string, double> CpuSeconds()
    {
        var cpu = new Dictionary<string, double>();
        foreach (var r in Replicas) cpu[$"replica {r.Index}"] = r.CpuSeconds();
        cpu["nats-server"] = NatsPid is { } n ? ProcCpu.Seconds(n) : double.NaN;
        cpu["redis-server"] = RedisPid is { } r2 ? ProcCpu.Seconds(r2) : double.NaN;
        cpu["bench (clients, workers)"] = ProcCpu.Seconds(Environment.ProcessId);
        return cpu;
    }

    /// <summary>Fails when a replica died under the load (its log says why).</summary>
    public void EnsureAlive()
    {
        foreach (var r in Replicas)
            if (r.HasExited) throw new InvalidOperationException($"replica {r.Index} exited during the run; see {r.LogPath}");
        if (!Nats.IsRunning) throw new InvalidOperationException("nats-server exited during the run");
    }

    /// <summary>For a signal handler or the watchdog: kill every child now, without awaiting.</summary>
    public void KillNow()
    {
        foreach (var r in Replicas) r.KillNow();
        _ = Nats.KillAsync();
        _ = Redis.KillAsync();
    }

    /// <summary>Set once the run succeeded: the replicas' logs are then removed with the cluster.</summary>
    public bool DeleteLogs { get; set; }

    public async ValueTask DisposeAsync()
    {
        Replica[] replicas;
        lock (_replicas) { replicas = [.. _replicas]; _replicas.Clear(); }
        foreach (var r in replicas) await r.DisposeAsync();
        await Redis.DisposeAsync();
        await Nats.DisposeAsync();
        if (DeleteLogs)
        {
            try { Directory.Delete(LogDir, recursive: true); }
            catch (IOException) { }
        }
    }
}
