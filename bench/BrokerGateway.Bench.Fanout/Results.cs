namespace BrokerGateway.Bench.Fanout;

/// <summary>One measured run: what was delivered, how fast, and what it cost each process.</summary>
public sealed record RunResult
{
    public required string Kind { get; init; }
    public required int Messages { get; init; }
    public required int Window { get; init; }
    public required long Expected { get; init; }
    public required long Received { get; init; }
    public required long Duplicates { get; init; }
    public required long Stray { get; init; }
    public required long Misrouted { get; init; }
    public required bool Completed { get; init; }
    public required double ElapsedSeconds { get; init; }
    /// <summary>Latency percentiles in microseconds: p50, p90, p99, max.</summary>
    public required double[] Latency { get; init; }
    public required ProcSample[] ReplicaCpu { get; init; }
    /// <summary>The replicas' CPU seconds summed by thread group (<see cref="ThreadCpu.Groups"/>).</summary>
    public required double[] ReplicaThreadCpu { get; init; }
    public required ProcSample BenchCpu { get; init; }
    public required ProcSample NatsCpu { get; init; }
    public required ProcSample RedisCpu { get; init; }
    /// <summary>What the replicas counted themselves (<c>bgw_deliveries_total</c>, <c>bgw_deliveries_refused_total</c>).</summary>
    public required double ServerDeliveries { get; init; }
    public required double ServerRefused { get; init; }
    public required long TcpSegments { get; init; }

    public long Lost => Expected - Received;
    public double DeliveriesPerSecond => ElapsedSeconds > 0 ? Received / ElapsedSeconds : 0;
    public ProcSample ReplicaTotal => ReplicaCpu.Aggregate((a, b) => a + b);
    public double ServerMicrosPerDelivery => Received > 0 ? ReplicaTotal.CpuSeconds * 1e6 / Received : 0;
    public double BenchMicrosPerDelivery => Received > 0 ? BenchCpu.CpuSeconds * 1e6 / Received : 0;
    public double P50 => Latency[0];
    public double P90 => Latency[1];
    public double P99 => Latency[2];
    public double Max => Latency[3];
}

/// <summary>Memory of every replica before the clients connected and after, each after a full GC.</summary>
public sealed record MemoryResult(string Label, int Clients, MemorySample[] Before, MemorySample[] After)
{
    /// <summary>Per replica: bytes of heap and of RSS per connection it gained; then averaged over replicas.</summary>
    public double HeapPerConnection => Average(i => After[i].HeapBytes - Before[i].HeapBytes);
    public double RssPerConnection => Average(i => After[i].RssBytes - Before[i].RssBytes);
    public bool AllInduced => Before.Concat(After).All(s => s.Induced);

    double Average(Func<int, long> delta) => Enumerable.Range(0, After.Length)
        .Select(i => (double)delta(i) / Math.Max(1, After[i].Connections - Before[i].Connections)).Average();
}

/// <summary>Many clients on one replica: how long they took to connect, whether a push to each room reached them all.</summary>
public sealed record CapacityResult(int Clients, double ConnectSeconds, RunResult Push, MemorySample Before, MemorySample After)
{
    public double HeapPerConnection => (double)(After.HeapBytes - Before.HeapBytes) / Math.Max(1, After.Connections - Before.Connections);
    public double RssPerConnection => (double)(After.RssBytes - Before.RssBytes) / Math.Max(1, After.Connections - Before.Connections);
}

/// <summary>Everything the results file says.</summary>
public sealed record BenchReport
{
    public required BenchOptions Options { get; init; }
    public required DateTimeOffset Started { get; init; }
    public required Dictionary<string, string> Environment { get; init; }
    public List<RunResult> Unloaded { get; } = [];
    public List<RunResult> Loaded { get; } = [];
    public List<RunResult> Warmup { get; } = [];
    /// <summary>The extra loaded run during which the replicas' system calls were counted, and the counts.</summary>
    public RunResult? SyscallRun { get; set; }
    public Dictionary<string, long>? Syscalls { get; set; }
    public MemoryResult? LoadedMemory { get; set; }
    public MemoryResult? IdleMemory { get; set; }
    public CapacityResult? Capacity { get; set; }
    public int UnexpectedCloses { get; set; }
    public List<string> CloseSamples { get; } = [];
    public List<string> Notes { get; } = [];
    public TimeSpan Duration { get; set; }

    /// <summary>Every run in the order they ran, warm-up included: none of them may lose a delivery.</summary>
    public IEnumerable<RunResult> AllRuns => Warmup.Concat(Unloaded).Concat(Loaded).Concat(new[] { SyscallRun, Capacity?.Push }.OfType<RunResult>());
}
