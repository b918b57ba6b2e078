using System.Diagnostics;
using System.Globalization;

namespace BrokerGateway.Bench.Fanout;

/// <summary>
/// Counts the system calls the replicas make during one run with <c>perf stat</c> on the kernel's
/// syscall tracepoints (when perf is installed and allowed; otherwise the count is skipped). It shows
/// how many socket writes a delivery costs, which CPU figures alone cannot.
/// </summary>
public sealed class SyscallCounter
{
    public static readonly string[] Calls = ["sendto", "sendmsg", "writev", "write", "io_uring_enter", "recvfrom", "read", "epoll_wait", "futex", "sched_yield"];

    readonly Process _perf;
    readonly string _output;

    SyscallCounter(Process perf, string output)
    {
        _perf = perf;
        _output = output;
    }

    /// <summary>Starts counting for <paramref name="pids"/>; null (with the reason) when perf cannot.</summary>
    public static async Task<(SyscallCounter? Counter, string? Error)> StartAsync(IEnumerable<int> pids, string dir)
    {
        var output = Path.Combine(dir, "perf-stat.csv");
        var info = new ProcessStartInfo("perf") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in (string[])["stat", "-x", ",", "-o", output, "-e", string.Join(',', Calls.Select(c => "syscalls:sys_enter_" + c)),
                     "-p", string.Join(',', pids)])
            info.ArgumentList.Add(a);
        Process? perf;
        try
        {
            perf = Process.Start(info);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (null, "perf is not installed");
        }
        if (perf is null) return (null, "perf did not start");
        // perf needs a moment to attach; an immediate exit means it may not (permissions, no tracepoints).
        await Task.Delay(500);
        if (perf.HasExited)
        {
            var error = (await perf.StandardError.ReadToEndAsync()).Trim();
            return (null, "perf stat failed: " + (error.Length > 200 ? error[..200] : error));
        }
        return (new SyscallCounter(perf, output), null);
    }

    /// <summary>Stops counting (SIGINT makes perf print its totals) and returns calls by name.</summary>
    public async Task<Dictionary<string, long>> StopAsync()
    {
        using (var kill = Process.Start("kill", ["-INT", _perf.Id.ToString(CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        try
        {
            await _perf.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            _perf.Kill();
        }
        var counts = new Dictionary<string, long>();
        if (!File.Exists(_output)) return counts;
        foreach (var line in await File.ReadAllLinesAsync(_output))
        {
            var f = line.Split(',');
            if (f.Length < 3 || !f[2].StartsWith("syscalls:sys_enter_", StringComparison.Ordinal)) continue;
            if (long.TryParse(f[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)) counts[f[2]["syscalls:sys_enter_".Length..]] = n;
        }
        _perf.Dispose();
        return counts;
    }

    /// <summary>For the kill path: end perf if it still runs.</summary>
    public void KillNow()
    {
        try { if (!_perf.HasExited) _perf.Kill(); } catch (InvalidOperationException) { }
    }
}
