using System.Diagnostics;

namespace BrokerGateway.Bench.Uplink;

/// <summary>A way of getting numbered messages from senders to the two workers.</summary>
public interface ISendSide : IAsyncDisposable
{
    Side Side { get; }
    DeliveryLedger Ledger { get; }
    LatencyRecorder Latencies { get; }

    /// <summary>Sends as fast as credit allows until <paramref name="stop"/>; <paramref name="abort"/> ends the run.</summary>
    Task SendAsync(CancellationToken stop, CancellationToken abort);
}

/// <summary>
/// One round of messages to workers: senders start, ramp up, a measured window counts what the workers
/// received and records each message's latency, senders stop, and the round waits until the workers
/// have every message sent (or gives up and counts the rest lost).
/// </summary>
public static class SendBench
{
    static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(15);

    public static async Task<SendRound> RunRoundAsync(ISendSide side, int round, BenchOptions options, Cluster cluster, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sending = side.SendAsync(stop.Token, ct);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(options.RampSeconds), ct);
            side.Latencies.Open();
            var cpuBefore = cluster.CpuSeconds();
            var countBefore = side.Ledger.Received;
            var t0 = Stopwatch.GetTimestamp();
            await Task.Delay(TimeSpan.FromSeconds(options.Seconds), ct);
            var countAfter = side.Ledger.Received;
            var t1 = Stopwatch.GetTimestamp();
            var cpuAfter = cluster.CpuSeconds();
            side.Latencies.Close();
            await stop.CancelAsync();
            await sending.WaitAsync(TimeSpan.FromSeconds(30), ct);
            await DrainAsync(side.Ledger, ct);
            cluster.EnsureAlive();

            var window = Stats.Seconds(t0, t1);
            var latencies = side.Latencies.Sorted();
            return new SendRound(side.Side, round, (countAfter - countBefore) / window,
                Stats.PercentileUs(latencies, 0.50), Stats.PercentileUs(latencies, 0.99), countAfter - countBefore, window,
                cpuAfter.ToDictionary(kv => kv.Key, kv => kv.Value - cpuBefore[kv.Key]));
        }
        finally
        {
            await stop.CancelAsync();
        }
    }

    /// <summary>Waits until every message sent was received; past the timeout the rest count as lost.</summary>
    static async Task DrainAsync(DeliveryLedger ledger, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(DrainTimeout.TotalSeconds * Stopwatch.Frequency);
        while (ledger.Received < ledger.Sent && Stopwatch.GetTimestamp() < deadline)
            await Task.Delay(10, ct);
    }
}
