using System.Diagnostics;

namespace BrokerGateway.Grpc.Tests.Interop;

/// <summary>Runs tests/interop/grpc/interop.js (grpc-js) against a server of ours.</summary>
public static class NodeInterop
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

    public static string ScriptDirectory => Path.Combine(RepoRoot.Value, "tests", "interop", "grpc");

    /// <summary>Why the interop tests cannot run here, or null.</summary>
    public static string? Missing =>
        Node.Value is null ? "node is not installed"
        : !Directory.Exists(Path.Combine(ScriptDirectory, "node_modules", "@grpc", "grpc-js")) ? "npm ci has not been run in tests/interop/grpc"
        : null;

    public static async Task<(int ExitCode, string Output)> RunAsync(int port, params string[] cases)
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
        foreach (var c in cases) info.ArgumentList.Add(c);
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
        return (process.ExitCode, await stdout.WaitAsync(Limits.Await) + await stderr.WaitAsync(Limits.Await));
    }
}

/// <summary>Skipped when node or the npm packages are missing, unless BGW_REQUIRE_SERVERS=1 (then it fails).</summary>
public sealed class NodeFactAttribute : FactAttribute
{
    public NodeFactAttribute()
    {
        if (NodeInterop.Missing is { } reason && !Servers.Required) Skip = reason + " (set BGW_REQUIRE_SERVERS=1 to fail instead)";
    }
}
