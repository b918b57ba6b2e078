using System.Diagnostics;

namespace BrokerGateway.Bench.Fanout;

/// <summary>
/// The benchmark's phases, in order: start the cluster; measure memory before and after the loaded shape's
/// clients connect; warm-up rounds; unloaded runs (one push at a time); loaded runs (a window of pushes in
/// flight); then idle memory at the larger client count on fresh replicas. Each phase is bounded in time.
/// </summary>
public sealed class FanoutBench(BenchOptions options, BenchReport report, Action<string> log)
{
    /// <summary>
    /// Clients connected and closed before a memory baseline, so it includes the code paths' first-use costs:
    /// enough for the connection path's methods to be called past the tiered JIT's threshold (30 calls).
    /// </summary>
    const int WarmClientsPerReplica = 100;

    Cluster? _cluster;
    ClientFleet? _fleet;
    int? _natsPid, _redisPid;
    SyscallCounter? _syscalls;

    /// <summary>For the signal handler and the watchdog.</summary>
    public void KillNow()
    {
        _syscalls?.KillNow();
        _fleet?.AbortAll();
        _cluster?.KillNow();
    }

    public async Task RunAsync(CancellationToken ct)
    {
        log($"starting nats-server, redis-server and {options.Replicas} replicas");
        await using var cluster = _cluster = await Cluster.StartAsync(options, ct);
        _natsPid = ProcStat.FindPid("nats-server", cluster.Nats.Port);
        _redisPid = ProcStat.FindPid("redis-server", cluster.Redis.Port);
        await using var publisher = await Publisher.ConnectAsync(cluster.Nats.NatsUrl, options.Rooms, options.PayloadBytes, ct);
        try
        {
            await LoadedShapeAsync(cluster, publisher, ct);
            if (options.IdleClients > 0) await IdleMemoryAsync(cluster, ct);
            if (options.CapacityClients > 0) await CapacityAsync(cluster, publisher, ct);
        }
        finally
        {
            _fleet?.AbortAll();
        }
    }

    async Task LoadedShapeAsync(Cluster cluster, Publisher publisher, CancellationToken ct)
    {
        var before = await BaselineAsync(cluster, options.Rooms, ct);
        log($"connecting {options.Clients} clients ({options.MembersPerRoom} per room)");
        var fleet = _fleet = new ClientFleet(options.Rooms);
        var connectStart = Stopwatch.GetTimestamp();
        await fleet.ConnectAsync(options.Clients, cluster.Replicas, cluster.Tokens, options.ConnectConcurrency, ct);
        log($"  connected in {Stopwatch.GetElapsedTime(connectStart).TotalSeconds:F1} s; waiting for presence frames to settle");
        await fleet.WaitForQuietAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), ct);
        report.LoadedMemory = new MemoryResult($"{options.Clients:N0} clients in {options.Rooms} rooms (loaded shape, before any push)",
            options.Clients, before, await MeasureMemoryAsync(cluster, ct));

        await ReadMetricsUntilTieredAsync(cluster, ct);
        await WarmUpAsync(cluster, publisher, fleet, ct);
        for (var run = 1; run <= options.Runs; run++)
        {
            report.Unloaded.Add(await MeasureAsync($"unloaded {run}", cluster, publisher, fleet, options.UnloadedMessages, 1, ct));
            log($"  {Describe(report.Unloaded[^1])}");
        }
        for (var run = 1; run <= options.Runs; run++)
        {
            report.Loaded.Add(await MeasureAsync($"loaded {run}", cluster, publisher, fleet, options.Messages, options.Window, ct));
            log($"  {Describe(report.Loaded[^1])}");
        }
        await CountSyscallsAsync(cluster, publisher, fleet, ct);
        report.UnexpectedCloses += fleet.UnexpectedCloses;
        report.CloseSamples.AddRange(fleet.UnexpectedCloseSamples);
        await fleet.CloseAllAsync();
        _fleet = null;
    }

    /// <summary>One more loaded run, with the replicas' system calls counted (not in the medians: counting costs a little).</summary>
    async Task CountSyscallsAsync(Cluster cluster, Publisher publisher, ClientFleet fleet, CancellationToken ct)
    {
        var (counter, error) = await SyscallCounter.StartAsync(cluster.Replicas.Select(r => r.Pid), cluster.LogDir);
        if (counter is null)
        {
            report.Notes.Add($"System calls were not counted: {error}.");
            return;
        }
        _syscalls = counter;
        try
        {
            report.SyscallRun = await MeasureAsync("loaded, syscalls counted", cluster, publisher, fleet, options.Messages, options.Window, ct);
        }
        finally
        {
            report.Syscalls = await counter.StopAsync();
            _syscalls = null;
        }
        log($"  {Describe(report.SyscallRun)}");
    }

    /// <summary>
    /// Rounds of pushes, loaded then one at a time (the two runs take different paths through the code),
    /// until the JIT has tiered up what they use (<see cref="BenchOptions.WarmupQuietRounds"/> rounds in a row under the threshold): with tiered PGO the replicas keep compiling for seconds
    /// after start, longer on a busy machine, and that CPU would otherwise be counted as fan-out.
    /// </summary>
    async Task WarmUpAsync(Cluster cluster, Publisher publisher, ClientFleet fleet, CancellationToken ct)
    {
        var quietRounds = 0;
        for (var round = 1; round <= options.WarmupRounds; round++)
        {
            var loaded = await MeasureAsync($"warm-up {round}", cluster, publisher, fleet, options.WarmupMessages, options.Window, ct);
            var single = await MeasureAsync($"warm-up {round}, one at a time", cluster, publisher, fleet, Math.Max(1, options.WarmupMessages / 10), 1, ct);
            report.Warmup.Add(loaded);
            report.Warmup.Add(single);
            var cpu = loaded.ReplicaTotal.CpuSeconds + single.ReplicaTotal.CpuSeconds;
            var jit = loaded.ReplicaThreadCpu[0] + single.ReplicaThreadCpu[0];
            var share = cpu > 0 ? jit / cpu : 0;
            log($"warm-up {round}: JIT {jit:F2} s of {cpu:F2} s replica CPU ({share:P0})");
            quietRounds = share < options.WarmupJitShare ? quietRounds + 1 : 0;
            if (quietRounds == options.WarmupQuietRounds) return;
        }
        report.Notes.Add($"The replicas were still compiling after {options.WarmupRounds} warm-up rounds; the first runs include JIT time (see the thread split).");
    }

    /// <summary>
    /// The bench reads each replica's <c>/metrics</c> around every run: an HTTP request path the replicas tier up
    /// like any other, in bursts as its methods reach their call counts (tiered PGO takes several). Read often
    /// enough here, those bursts come before the warm-up instead of inside measured runs.
    /// </summary>
    static async Task ReadMetricsUntilTieredAsync(Cluster cluster, CancellationToken ct)
    {
        for (var i = 0; i < MetricsReadsBeforeWarmUp; i++)
            foreach (var r in cluster.Replicas) await r.MetricsAsync(ct);
        await WaitForJitToSettleAsync(cluster, ct);
    }

    const int MetricsReadsBeforeWarmUp = 200;

    async Task IdleMemoryAsync(Cluster cluster, CancellationToken ct)
    {
        var rooms = Math.Max(1, options.IdleClients / options.IdleRoomSize);
        log($"idle memory: fresh replicas, {options.IdleClients} clients in {rooms} rooms of {options.IdleRoomSize}");
        await cluster.StopReplicasAsync();
        await cluster.StartReplicasAsync(ct);
        var before = await BaselineAsync(cluster, rooms, ct);
        var fleet = _fleet = new ClientFleet(rooms);
        var connectStart = Stopwatch.GetTimestamp();
        await fleet.ConnectAsync(options.IdleClients, cluster.Replicas, cluster.Tokens, options.ConnectConcurrency, ct);
        log($"  connected in {Stopwatch.GetElapsedTime(connectStart).TotalSeconds:F1} s; waiting for presence frames to settle");
        await fleet.WaitForQuietAsync(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60), ct);
        report.IdleMemory = new MemoryResult($"{options.IdleClients:N0} idle clients in {rooms} rooms of {options.IdleRoomSize}",
            options.IdleClients, before, await MeasureMemoryAsync(cluster, ct));
        report.UnexpectedCloses += fleet.UnexpectedCloses;
        report.CloseSamples.AddRange(fleet.UnexpectedCloseSamples);
        await fleet.CloseAllAsync();
        _fleet = null;
    }

    /// <summary>
    /// Every client on the first replica of a fresh cluster, then one push to each room, a few in flight:
    /// the sockets one process holds, and whether each of them still gets its push.
    /// </summary>
    async Task CapacityAsync(Cluster cluster, Publisher publisher, CancellationToken ct)
    {
        var rooms = Math.Max(1, options.CapacityClients / options.IdleRoomSize);
        log($"capacity: {options.CapacityClients} clients on one fresh replica, {rooms} rooms of {options.IdleRoomSize}");
        await cluster.StopReplicasAsync();
        await cluster.StartReplicasAsync(ct);
        var one = cluster.Replicas.Take(1).ToList();
        var before = (await BaselineAsync(cluster, rooms, ct))[0];
        var fleet = _fleet = new ClientFleet(rooms);
        var connectStart = Stopwatch.GetTimestamp();
        await fleet.ConnectAsync(options.CapacityClients, one, cluster.Tokens, options.ConnectConcurrency, ct);
        var connectSeconds = Stopwatch.GetElapsedTime(connectStart).TotalSeconds;
        log($"  connected in {connectSeconds:F1} s; waiting for presence frames to settle");
        await fleet.WaitForQuietAsync(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60), ct);
        var after = await cluster.Replicas[0].MeasureMemoryAsync(ct);
        var push = await MeasureAsync("capacity, one push per room", cluster, publisher, fleet, rooms, Math.Min(10, rooms), ct);
        log($"  {Describe(push)}");
        report.Capacity = new CapacityResult(options.CapacityClients, connectSeconds, push, before, after);
        report.UnexpectedCloses += fleet.UnexpectedCloses;
        report.CloseSamples.AddRange(fleet.UnexpectedCloseSamples);
        await fleet.CloseAllAsync();
        _fleet = null;
    }

    /// <summary>Connects and closes clients on every replica (first-use costs), lets the JIT settle, then measures memory.</summary>
    async Task<MemorySample[]> BaselineAsync(Cluster cluster, int rooms, CancellationToken ct)
    {
        var warm = new ClientFleet(rooms);
        await warm.ConnectAsync(WarmClientsPerReplica * cluster.Replicas.Count, cluster.Replicas, cluster.Tokens, options.ConnectConcurrency, ct);
        await warm.CloseAllAsync();
        // Closing is asynchronous on the server (close handshake, presence removal): wait until it is done.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            var open = 0.0;
            foreach (var r in cluster.Replicas) open += (await r.MetricsAsync(ct)).GetValueOrDefault("bgw_connections");
            if (open == 0) break;
            await Task.Delay(100, ct);
        }
        await WaitForJitToSettleAsync(cluster, ct);
        return await MeasureMemoryAsync(cluster, ct);
    }

    /// <summary>
    /// Tier-ups of what the warm clients ran are compiled in the background after a delay: wait until no
    /// replica compiles anything for a second (at most 15 s), so their code and the JIT's memory stay out of
    /// the per-connection figures.
    /// </summary>
    static async Task WaitForJitToSettleAsync(Cluster cluster, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        var last = -1.0;
        while (DateTime.UtcNow < deadline)
        {
            var compiled = 0.0;
            foreach (var r in cluster.Replicas) compiled += (await r.MetricsAsync(ct)).GetValueOrDefault("dotnet_jit_methods_total");
            if (compiled == last) return;
            last = compiled;
            await Task.Delay(1000, ct);
        }
    }

    static async Task<MemorySample[]> MeasureMemoryAsync(Cluster cluster, CancellationToken ct)
    {
        var samples = new MemorySample[cluster.Replicas.Count];
        for (var i = 0; i < samples.Length; i++) samples[i] = await cluster.Replicas[i].MeasureMemoryAsync(ct);
        return samples;
    }

    async Task<RunResult> MeasureAsync(string kind, Cluster cluster, Publisher publisher, ClientFleet fleet, int messages, int window, CancellationToken ct)
    {
        var ledger = new DeliveryLedger(publisher.NextSeq, messages, fleet.Rooms, fleet.MembersOfRoom(), fleet.Count, window);
        var metricsBefore = await ServerCountsAsync(cluster, ct);
        var threadsBefore = cluster.Replicas.Select(r => ThreadCpu.Start(r.Pid)).ToArray();
        var replicasBefore = cluster.Replicas.Select(r => r.Sample()).ToArray();
        var benchBefore = ProcStat.Read(Environment.ProcessId);
        var natsBefore = SampleOrZero(_natsPid);
        var redisBefore = SampleOrZero(_redisPid);
        var segmentsBefore = ProcStat.TcpOutSegments();
        fleet.Ledger = ledger;

        var first = await publisher.RunAsync(ledger, fleet.Rooms, options.PhaseTimeout, ct);
        var completed = ledger.AllComplete.IsCompleted;
        var end = completed ? ledger.LastCompletionTimestamp : Stopwatch.GetTimestamp();

        var replicasAfter = cluster.Replicas.Select(r => r.Sample()).ToArray();
        var threadCpu = new double[ThreadCpu.Groups.Length];
        for (var i = 0; i < threadsBefore.Length; i++)
        {
            var groups = threadsBefore[i].Stop(cluster.Replicas[i].Pid);
            for (var g = 0; g < groups.Length; g++) threadCpu[g] += groups[g];
        }
        var benchAfter = ProcStat.Read(Environment.ProcessId);
        var natsAfter = SampleOrZero(_natsPid);
        var redisAfter = SampleOrZero(_redisPid);
        var segmentsAfter = ProcStat.TcpOutSegments();
        // A duplicate would come after the original: give it a moment to show before the ledger is detached.
        await Task.Delay(250, ct);
        fleet.Ledger = null;
        var metricsAfter = await ServerCountsAsync(cluster, ct);

        var latencies = ledger.SortedLatenciesMicros();
        return new RunResult
        {
            Kind = kind,
            Messages = messages,
            Window = window,
            Expected = ledger.Expected,
            Received = ledger.Received,
            Duplicates = ledger.Duplicates,
            Stray = ledger.Stray,
            Misrouted = ledger.Misrouted,
            Completed = completed,
            ElapsedSeconds = (end - first) / (double)Stopwatch.Frequency,
            Latency = [Stats.Percentile(latencies, 0.50), Stats.Percentile(latencies, 0.90), Stats.Percentile(latencies, 0.99),
                latencies.Length > 0 ? latencies[^1] : double.NaN],
            ReplicaCpu = replicasAfter.Zip(replicasBefore, (a, b) => a - b).ToArray(),
            ReplicaThreadCpu = threadCpu,
            BenchCpu = benchAfter - benchBefore,
            NatsCpu = natsAfter - natsBefore,
            RedisCpu = redisAfter - redisBefore,
            ServerDeliveries = metricsAfter.Delivered - metricsBefore.Delivered,
            ServerRefused = metricsAfter.Refused - metricsBefore.Refused,
            TcpSegments = segmentsAfter - segmentsBefore,
        };
    }

    static async Task<(double Delivered, double Refused)> ServerCountsAsync(Cluster cluster, CancellationToken ct)
    {
        double delivered = 0, refused = 0;
        foreach (var r in cluster.Replicas)
        {
            var m = await r.MetricsAsync(ct);
            delivered += m.GetValueOrDefault("bgw_deliveries_total");
            refused += m.GetValueOrDefault("bgw_deliveries_refused_total");
        }
        return (delivered, refused);
    }

    static ProcSample SampleOrZero(int? pid)
    {
        if (pid is null) return default;
        try { return ProcStat.Read(pid.Value); }
        catch (IOException) { return default; }
    }

    static string Describe(RunResult r) =>
        $"{r.Kind}: {r.Received}/{r.Expected} delivered, {r.Duplicates} dup, {r.DeliveriesPerSecond:N0}/s, " +
        $"p50/p90/p99 {r.P50 / 1000:F2}/{r.P90 / 1000:F2}/{r.P99 / 1000:F2} ms, server {r.ServerMicrosPerDelivery:F1} µs/delivery " +
        $"(user {r.ReplicaTotal.UserSeconds:F2} s, sys {r.ReplicaTotal.SystemSeconds:F2} s; " +
        string.Join(", ", ThreadCpu.Groups.Select((g, i) => $"{g} {r.ReplicaThreadCpu[i]:F2} s")) +
        $"), bench {r.BenchMicrosPerDelivery:F1} µs/delivery";
}
