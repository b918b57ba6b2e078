namespace BrokerGateway.Bench.Fanout;

/// <summary>
/// A replica's CPU over a run split by what its threads do, from their names: the JIT's tiered-compilation
/// worker, the GC, thread-pool workers (fan-out, WebSocket sends, Kestrel), the socket engine (epoll), and
/// the rest. Threads that ended during the run are missing (the process total in the run table has them).
/// </summary>
public sealed class ThreadCpu
{
    public static readonly string[] Groups = ["JIT (tiered compilation)", "GC", "thread pool", "socket engine", "other"];

    readonly Dictionary<int, (string Name, double CpuSeconds)> _before;

    ThreadCpu(Dictionary<int, (string, double)> before) => _before = before;

    public static ThreadCpu Start(int pid) => new(ProcStat.ReadThreads(pid));

    /// <summary>CPU seconds per group since <see cref="Start"/>, in the order of <see cref="Groups"/>.</summary>
    public double[] Stop(int pid)
    {
        var totals = new double[Groups.Length];
        foreach (var (tid, (name, cpu)) in ProcStat.ReadThreads(pid))
        {
            var before = _before.TryGetValue(tid, out var b) ? b.CpuSeconds : 0;
            totals[GroupOf(name)] += cpu - before;
        }
        return totals;
    }

    static int GroupOf(string name) => name switch
    {
        _ when name.StartsWith(".NET Tiered", StringComparison.Ordinal) => 0,
        _ when name.Contains("GC", StringComparison.Ordinal) => 1,
        _ when name.StartsWith(".NET TP", StringComparison.Ordinal) || name.StartsWith(".NET Long", StringComparison.Ordinal) => 2,
        _ when name.StartsWith(".NET Sockets", StringComparison.Ordinal) => 3,
        _ => 4,
    };
}
