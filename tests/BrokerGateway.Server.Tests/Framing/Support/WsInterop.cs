using System.Diagnostics;

namespace BrokerGateway.Server.Tests.Framing.Support;

/// <summary>Runs tests/interop/websocket/interop.js (the ws package) against a gateway of ours.</summary>
public static class WsInterop
{
    static readonly Lazy<string> RepoRoot = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "BrokerGateway.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No BrokerGateway.sln above {AppContext.BaseDirectory}.");
    });

    static readonly Lazy<string?> Node = new(() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/bin", "/usr/local/bin"])
            .Select(d => Path.Combine(d, "node")).FirstOrDefault(File.Exists));

    public static string ScriptDirectory => Path.Combine(RepoRoot.Value, "tests", "interop", "websocket");

    /// <summary>Why the interop tests cannot run here, or null.</summary>
    public static string? Missing =>
        Node.Value is null ? "node is not installed"
        : !Directory.Exists(Path.Combine(ScriptDirectory, "node_modules", "ws")) ? "npm ci has not been run in tests/interop/websocket"
        : null;

    public static async Task<(int ExitCode, string Output)> RunAsync(int port, string @case, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(Node.Value!)
        {
            WorkingDirectory = ScriptDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("interop.js");
        info.ArgumentList.Add(port.ToString());
        info.ArgumentList.Add(@case);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout.WaitAsync(TimeSpan.FromSeconds(10)) + await stderr.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}

/// <summary>Skipped when node or the ws package is missing, unless BGW_REQUIRE_SERVERS=1 (then it fails).</summary>
public sealed class WsTheoryAttribute : TheoryAttribute
{
    public WsTheoryAttribute()
    {
        if (WsInterop.Missing is { } reason && !Servers.Required) Skip = reason + " (set BGW_REQUIRE_SERVERS=1 to fail instead)";
    }
}
