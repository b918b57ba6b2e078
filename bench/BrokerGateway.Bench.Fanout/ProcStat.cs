using System.Globalization;
using System.Runtime.InteropServices;

namespace BrokerGateway.Bench.Fanout;

/// <summary>CPU time, memory and context switches of one process, as Linux keeps them in /proc (proc(5)).</summary>
/// <param name="SwitchesByThread">Each live thread's (voluntary, involuntary) switches: a difference is taken thread by
/// thread, since a thread that ends between two samples takes its count with it.</param>
public readonly record struct ProcSample(double UserSeconds, double SystemSeconds, long RssBytes, long Threads,
    long VoluntarySwitches, long InvoluntarySwitches, IReadOnlyDictionary<int, (long Voluntary, long Involuntary)>? SwitchesByThread = null)
{
    public double CpuSeconds => UserSeconds + SystemSeconds;

    /// <summary>
    /// The change from <paramref name="b"/> to <paramref name="a"/>. Switches count the threads alive at
    /// <paramref name="a"/> (those that ended meanwhile are left out, never counted negative).
    /// </summary>
    public static ProcSample operator -(ProcSample a, ProcSample b)
    {
        long voluntary = a.VoluntarySwitches - b.VoluntarySwitches, involuntary = a.InvoluntarySwitches - b.InvoluntarySwitches;
        if (a.SwitchesByThread is { } after && b.SwitchesByThread is { } before)
        {
            voluntary = involuntary = 0;
            foreach (var (tid, (v, i)) in after)
            {
                var (v0, i0) = before.GetValueOrDefault(tid);
                voluntary += v - v0;
                involuntary += i - i0;
            }
        }
        return new(a.UserSeconds - b.UserSeconds, a.SystemSeconds - b.SystemSeconds, a.RssBytes - b.RssBytes,
            a.Threads - b.Threads, voluntary, involuntary);
    }

    public static ProcSample operator +(ProcSample a, ProcSample b) => new(
        a.UserSeconds + b.UserSeconds, a.SystemSeconds + b.SystemSeconds, a.RssBytes + b.RssBytes,
        a.Threads + b.Threads, a.VoluntarySwitches + b.VoluntarySwitches, a.InvoluntarySwitches + b.InvoluntarySwitches);
}

public static partial class ProcStat
{
    /// <summary>Clock ticks per second of utime/stime (sysconf(_SC_CLK_TCK), 100 on Linux).</summary>
    public static readonly long ClockTicks = SysConf(ScClkTck) is > 0 and var t ? t : 100;

    public static ProcSample Read(int pid)
    {
        // Fields after the command name, which may hold spaces, so split after its closing parenthesis:
        // state is field 3, utime 14 and stime 15 (proc(5)).
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
        var stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
        long rss = 0, threads = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Number(line) * 1024;
            else if (line.StartsWith("Threads:", StringComparison.Ordinal)) threads = Number(line);
        }
        // A process's status counts the switches of its main thread only; the threads' own files have the rest.
        long voluntary = 0, involuntary = 0;
        var byThread = new Dictionary<int, (long, long)>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                long v = 0, i = 0;
                foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal)) v = Number(line);
                    else if (line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal)) i = Number(line);
                }
                byThread[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = (v, i);
                voluntary += v;
                involuntary += i;
            }
            catch (IOException)
            {
                // The thread ended while we looked.
            }
        }
        return new ProcSample((double)utime / ClockTicks, (double)stime / ClockTicks, rss, threads, voluntary, involuntary, byThread);
    }

    /// <summary>
    /// CPU seconds of each live thread of <paramref name="pid"/> by thread id, with the thread's name (comm,
    /// which .NET sets: ".NET Tiered Com", ".NET Server GC", ".NET TP Worker", ".NET Sockets" …).
    /// </summary>
    public static Dictionary<int, (string Name, double CpuSeconds)> ReadThreads(int pid)
    {
        var threads = new Dictionary<int, (string, double)>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var open = stat.IndexOf('(');
                var close = stat.LastIndexOf(')');
                var fields = stat[(close + 2)..].Split(' ');
                var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                threads[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = (stat[(open + 1)..close], (double)ticks / ClockTicks);
            }
            catch (Exception e) when (e is IOException or FormatException)
            {
                // The thread ended while we looked.
            }
        }
        return threads;
    }

    /// <summary>The process running <paramref name="binary"/> with <paramref name="port"/> among its arguments, or null.</summary>
    public static int? FindPid(string binary, int port)
    {
        var portArg = port.ToString(CultureInfo.InvariantCulture);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                // redis-server rewrites its title to "redis-server 127.0.0.1:PORT": split on spaces too.
                var args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split(['\0', ' '], StringSplitOptions.RemoveEmptyEntries);
                if (args.Length > 0 && Path.GetFileName(args[0]) == binary && args.Any(a => a == portArg || a.EndsWith(":" + portArg, StringComparison.Ordinal)))
                    return pid;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return null;
    }

    /// <summary>TCP segments sent by the whole machine (/proc/net/snmp): loopback traffic is all ours here.</summary>
    public static long TcpOutSegments()
    {
        var lines = File.ReadAllLines("/proc/net/snmp").Where(l => l.StartsWith("Tcp:", StringComparison.Ordinal)).ToArray();
        if (lines.Length < 2) return 0;
        var names = lines[0].Split(' ');
        var values = lines[1].Split(' ');
        var i = Array.IndexOf(names, "OutSegs");
        return i < 0 ? 0 : long.Parse(values[i], CultureInfo.InvariantCulture);
    }

    /// <summary>Load average over the last minute: other work on the machine while we measure.</summary>
    public static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    /// <summary>Raises the soft open-file limit to the hard one (children inherit it); returns (soft, hard) after.</summary>
    public static (ulong Soft, ulong Hard) RaiseFileLimit()
    {
        var limit = new RLimit();
        if (GetRLimit(RLimitNoFile, ref limit) != 0) return (0, 0);
        if (limit.Current < limit.Max)
        {
            var raised = limit with { Current = limit.Max };
            if (SetRLimit(RLimitNoFile, ref raised) == 0) limit = raised;
        }
        return (limit.Current, limit.Max);
    }

    static long Number(string line) =>
        long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim().ToString().Split(' ')[0], CultureInfo.InvariantCulture);

    const int ScClkTck = 2;
    const int RLimitNoFile = 7;

    [StructLayout(LayoutKind.Sequential)]
    record struct RLimit(ulong Current, ulong Max);

    [LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial long SysConf(int name);

    [LibraryImport("libc", EntryPoint = "getrlimit")]
    private static partial int GetRLimit(int resource, ref RLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit")]
    private static partial int SetRLimit(int resource, ref RLimit limit);
}
