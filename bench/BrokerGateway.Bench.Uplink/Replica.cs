using BrokerGateway.Testing;

namespace BrokerGateway.Bench.Uplink;

/// <summary>One gateway replica of the bench's cluster (a <see cref="GatewayProcess"/>), and what the bench reads of it.</summary>
public sealed class Replica(int index, GatewayProcess process) : IAsyncDisposable
{
    public int Index { get; } = index;
    public int Pid => process.Pid;
    public int PublicPort => process.PublicPort;
    public string LogPath => process.LogPath!; // the bench always keeps the log
    public bool HasExited => process.HasExited;

    public Uri WebSocketUri(string token) => new($"ws://127.0.0.1:{PublicPort}/v1/ws?token={token}");

    public static async Task<Replica> StartAsync(BenchOptions options, int index, string natsUrl, string redis, string secret,
        string logDir, CancellationToken ct)
    {
        var environment = new Dictionary<string, string>
        {
            ["BGW_NATS_URL"] = natsUrl,
            ["BGW_REDIS"] = redis,
            ["BGW_JWT_SECRET"] = secret,
            ["BGW_SUBJECT_PREFIX"] = Cluster.SubjectPrefix,
            ["BGW_NODE_ID"] = $"uplink{index}",
            // The per-connection limit (100/s, burst 200) would close a bench client with 4003 at once;
            // this measures the path, not the limiter.
            ["BGW_MESSAGES_PER_SECOND"] = "1000000",
            // A line per connection would cost the replica more than the work measured.
            ["Logging__LogLevel__Default"] = "Warning",
        };
        return new Replica(index, await GatewayProcess.StartAsync(options.ServerDll, environment, Path.Combine(logDir, $"replica{index}.log"),
            TimeSpan.FromSeconds(40), ct));
    }

    public double CpuSeconds() => ProcCpu.Seconds(Pid);

    /// <inheritdoc cref="GatewayProcess.KillNow"/>
    public void KillNow() => process.KillNow();

    public ValueTask DisposeAsync() => process.DisposeAsync();
}
