using BrokerGateway.Testing;

namespace BrokerGateway.Bench.Fanout;

/// <summary>One gateway replica of the bench's cluster (a <see cref="GatewayProcess"/>), and what the bench reads of it.</summary>
public sealed class Replica(GatewayProcess process) : IAsyncDisposable
{
    public int Pid => process.Pid;
    public int PublicPort => process.PublicPort;
    public string LogPath => process.LogPath!; // the bench always keeps the log
    public bool HasExited => process.HasExited;

    public static async Task<Replica> StartAsync(string serverDll, int index, string natsUrl, string redis, string secret,
        IReadOnlyDictionary<string, string> extraEnvironment, string logDir, CancellationToken ct)
    {
        var environment = new Dictionary<string, string>
        {
            ["BGW_NATS_URL"] = natsUrl,
            ["BGW_REDIS"] = redis,
            ["BGW_JWT_SECRET"] = secret,
            ["BGW_SUBJECT_PREFIX"] = "bgw",
            ["BGW_ALLOW_GUESTS"] = "true",
            ["BGW_NODE_ID"] = $"bench{index}",
        };
        foreach (var (k, v) in extraEnvironment) environment[k] = v;
        // The bench's own socket setting is not the replica's: it runs as configured, unless asked otherwise.
        return new Replica(await GatewayProcess.StartAsync(serverDll, environment, Path.Combine(logDir, $"replica{index}.log"),
            TimeSpan.FromSeconds(30), ct, unset: InlineCompletions.Variable));
    }

    /// <inheritdoc cref="GatewayProcess.MetricsAsync"/>
    public Task<Dictionary<string, double>> MetricsAsync(CancellationToken ct) => process.MetricsAsync(ct);

    public ProcSample Sample() => ProcStat.Read(Pid);

    /// <summary>Memory after a full GC: resident set and managed heap in use.</summary>
    public async Task<MemorySample> MeasureMemoryAsync(CancellationToken ct)
    {
        var uncollected = (long)(await MetricsAsync(ct)).GetValueOrDefault("dotnet_gc_heap_bytes");
        var (induced, error) = await InducedGc.CollectAsync(Pid, ct);
        var metrics = await MetricsAsync(ct);
        return new MemorySample(ProcStat.Read(Pid).RssBytes, (long)metrics.GetValueOrDefault("dotnet_gc_heap_bytes"),
            (int)metrics.GetValueOrDefault("bgw_connections"), induced, error, uncollected);
    }

    /// <inheritdoc cref="GatewayProcess.KillNow"/>
    public void KillNow() => process.KillNow();

    public ValueTask DisposeAsync() => process.DisposeAsync();
}

/// <summary>
/// One replica's memory at one moment; <see cref="Induced"/> says whether a full GC ran just before.
/// <see cref="UncollectedHeapBytes"/> is the heap as reported just before that GC (live data and garbage).
/// </summary>
public readonly record struct MemorySample(long RssBytes, long HeapBytes, int Connections, bool Induced, string? GcError, long UncollectedHeapBytes);
