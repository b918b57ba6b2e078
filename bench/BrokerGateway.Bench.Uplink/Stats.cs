using System.Diagnostics;

namespace BrokerGateway.Bench.Uplink;

public static class Stats
{
    /// <summary>The p-quantile (0..1) of <see cref="Stopwatch"/> tick durations, in microseconds; NaN for none.</summary>
    public static double PercentileUs(long[] sortedTicks, double p) => sortedTicks.Length == 0 ? double.NaN
        : sortedTicks[Math.Min(sortedTicks.Length - 1, (int)(p * sortedTicks.Length))] * 1_000_000.0 / Stopwatch.Frequency;

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static double Seconds(long fromTimestamp, long toTimestamp) => (toTimestamp - fromTimestamp) / (double)Stopwatch.Frequency;
}

/// <summary>
/// Durations recorded while a window is open, one list per recording thread: a worker's handler calls
/// never overlap (one subscription each), so its list needs no lock.
/// </summary>
public sealed class LatencyRecorder(int lanes)
{
    readonly List<long>[] _lanes = Enumerable.Range(0, lanes).Select(_ => new List<long>(1 << 16)).ToArray();
    volatile bool _open;

    public void Open()
    {
        foreach (var lane in _lanes) lane.Clear();
        _open = true;
    }

    public void Close() => _open = false;

    public void Add(int lane, long ticks)
    {
        if (_open) _lanes[lane].Add(ticks);
    }

    /// <summary>All durations of the last window, sorted. Call after <see cref="Close"/> and after the recorders went quiet.</summary>
    public long[] Sorted() => _lanes.SelectMany(l => l).Order().ToArray();
}
