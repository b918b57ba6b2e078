using System.Diagnostics;
using BrokerGateway.Nats;

namespace BrokerGateway.Bench.Uplink;

/// <summary>One RPC: true when answered, false when answered with an error.</summary>
public delegate Task<bool> RpcCall(CancellationToken ct);

/// <summary>
/// RPCs in closed loops: each caller sends its next call as soon as the last one is answered. Every
/// answered call's latency is kept; errors and timeouts are counted, never retried.
/// </summary>
public static class RpcBench
{
    /// <summary><paramref name="calls"/> calls one after another on one caller.</summary>
    public static async Task<RpcRound> SequentialAsync(Side side, int round, int calls, RpcCall call, Cluster cluster, CancellationToken ct)
    {
        var remaining = calls;
        return await RunAsync(side, round, [call], () => --remaining >= 0, cluster, ct);
    }

    /// <summary>One loop per caller, all for <paramref name="duration"/>.</summary>
    public static async Task<RpcRound> ConcurrentAsync(Side side, int round, IReadOnlyList<RpcCall> callers, TimeSpan duration, Cluster cluster, CancellationToken ct)
    {
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        return await RunAsync(side, round, callers, () => Stopwatch.GetTimestamp() < end, cluster, ct);
    }

    static async Task<RpcRound> RunAsync(Side side, int round, IReadOnlyList<RpcCall> callers, Func<bool> more, Cluster cluster, CancellationToken ct)
    {
        var latencies = new List<long>[callers.Count];
        long errors = 0;
        var cpuBefore = cluster.CpuSeconds();
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(callers.Select((call, i) => Task.Run(async () =>
        {
            var mine = latencies[i] = new List<long>(4096);
            // The loops share `more`; for the sequential run there is one loop, for the timed run it only reads the clock.
            while (more())
            {
                var t0 = Stopwatch.GetTimestamp();
                bool ok;
                try
                {
                    ok = await call(ct);
                }
                catch (Exception e) when (e is TimeoutException or NatsException)
                {
                    ok = false;
                }
                if (ok) mine.Add(Stopwatch.GetTimestamp() - t0);
                else Interlocked.Increment(ref errors);
            }
        }, ct)));
        var elapsed = Stats.Seconds(started, Stopwatch.GetTimestamp());
        var cpuAfter = cluster.CpuSeconds();
        cluster.EnsureAlive();
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new RpcRound(side, round, callers.Count, all.Length / elapsed, Stats.PercentileUs(all, 0.50), Stats.PercentileUs(all, 0.99),
            all.Length, errors, cpuAfter.ToDictionary(kv => kv.Key, kv => kv.Value - cpuBefore[kv.Key]));
    }
}
