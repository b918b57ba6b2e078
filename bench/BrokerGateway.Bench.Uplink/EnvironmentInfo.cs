using System.Diagnostics;
using System.Runtime.InteropServices;
using BrokerGateway.Testing;

namespace BrokerGateway.Bench.Uplink;

/// <summary>What a reader needs to weigh the figures: the machine, its load, and the versions measured.</summary>
public static class EnvironmentInfo
{
    public static IReadOnlyList<(string Name, string Value)> Collect() =>
    [
        ("date (UTC)", DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture)),
        ("cores (nproc)", Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("CPU", CpuModel()),
        ("OS", RuntimeInformation.OSDescription),
        (".NET", RuntimeInformation.FrameworkDescription),
        ("nats-server", Run(Servers.NatsServerBinary, "--version")),
        ("redis-server", Run(Servers.RedisServerBinary, "--version")),
        ("commit", Run("git", "rev-parse", "--short", "HEAD")),
    ];

    /// <summary>The 1-minute load average: other work on the machine shows up here and in round-to-round spread.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    static string CpuModel()
    {
        if (!File.Exists("/proc/cpuinfo")) return "n/a";
        var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line is null ? "n/a" : line[(line.IndexOf(':') + 1)..].Trim();
    }

    static string Run(string file, params string[] args)
    {
        try
        {
            var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args) info.ArgumentList.Add(a);
            using var process = Process.Start(info);
            if (process is null) return "n/a";
            var output = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(5000))
            {
                process.Kill();
                return "n/a";
            }
            return output.Result.Trim() is { Length: > 0 } text ? text.Split('\n')[0] : "n/a";
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return "n/a";
        }
    }
}
