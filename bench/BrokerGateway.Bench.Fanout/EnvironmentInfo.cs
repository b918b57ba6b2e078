using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using BrokerGateway.Testing;

namespace BrokerGateway.Bench.Fanout;

/// <summary>What the results depend on besides the code: machine, versions, limits, replica runtime settings.</summary>
public static class EnvironmentInfo
{
    public static Dictionary<string, string> Collect(BenchOptions options, (ulong Soft, ulong Hard) fileLimit)
    {
        var info = new Dictionary<string, string>
        {
            ["nproc"] = Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["CPU"] = FirstLine("/proc/cpuinfo", "model name") ?? "?",
            ["memory"] = FirstLine("/proc/meminfo", "MemTotal") ?? "?",
            ["kernel"] = Read("/proc/sys/kernel/osrelease"),
            [".NET"] = RuntimeInformation.FrameworkDescription,
            ["nats-server"] = Version(Servers.NatsServerBinary, "--version"),
            ["redis-server"] = Version(Servers.RedisServerBinary, "--version"),
            ["replica runtime settings"] = ReplicaRuntime(options),
            ["open files (soft / hard, after raising)"] = $"{fileLimit.Soft} / {fileLimit.Hard}",
            ["load average (1 min) at start"] = ProcStat.LoadAverage(),
            ["commit"] = Version("git", "rev-parse", "--short", "HEAD"),
        };
        return info;
    }

    static string ReplicaRuntime(BenchOptions options)
    {
        var config = Path.ChangeExtension(options.ServerDll, ".runtimeconfig.json");
        var parts = new List<string>();
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(config));
            if (doc.RootElement.TryGetProperty("runtimeOptions", out var ro) && ro.TryGetProperty("configProperties", out var props))
                foreach (var p in props.EnumerateObject().Where(p => p.Name.StartsWith("System.GC", StringComparison.Ordinal)))
                    parts.Add($"{p.Name}={p.Value}");
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            parts.Add("runtimeconfig.json not readable");
        }
        parts.AddRange(options.ReplicaEnvironment.Select(kv => $"{kv.Key}={kv.Value}"));
        return parts.Count == 0 ? "defaults" : string.Join(", ", parts);
    }

    static string Version(string file, params string[] args)
    {
        try
        {
            var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args) info.ArgumentList.Add(a);
            using var p = Process.Start(info)!;
            var text = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit(5000);
            return text.Split('\n')[0];
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return "?";
        }
    }

    static string? FirstLine(string path, string key) =>
        File.ReadLines(path).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal)) is { } line
            ? line[(line.IndexOf(':') + 1)..].Trim() : null;

    static string Read(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : "?";
}
