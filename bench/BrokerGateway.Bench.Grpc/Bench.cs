using System.Diagnostics;
using BrokerGateway.Bench.Grpc.Messages;
using BrokerGateway.Grpc.Client;

namespace BrokerGateway.Bench.Grpc;

internal static class Bench
{
    public sealed record Sample(string Mode, string Target, int Round, int Concurrency, double CallsPerSecond, double P50Us, double P99Us, long Errors);

    /// <summary>Callers in closed loops for a fixed time; every call's latency is kept.</summary>
    public static async Task<Sample> RunAsync(GrpcClient client, string path, Payload request, int concurrency, TimeSpan duration, TimeSpan? timeout)
    {
        var latencies = new List<long>[concurrency];
        long errors = 0;
        var stop = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, concurrency).Select(i => Task.Run(async () =>
        {
            var mine = latencies[i] = new List<long>(1 << 14);
            while (Stopwatch.GetTimestamp() < stop)
            {
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    await client.UnaryAsync(path, request, Payload.Parser, timeout);
                    mine.Add(Stopwatch.GetTimestamp() - t0);
                }
                catch (BrokerGateway.Grpc.GrpcException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers).WaitAsync(duration + TimeSpan.FromSeconds(30));
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        double Percentile(double p) => all.Length == 0 ? double.NaN
            : all[Math.Min(all.Length - 1, (int)(p * all.Length))] * 1_000_000.0 / Stopwatch.Frequency;
        return new Sample("", "", 0, concurrency, all.Length / elapsed, Percentile(0.50), Percentile(0.99), errors);
    }
}
