using System.Diagnostics;
using System.Text.Json;

namespace BrokerGateway.Server.Tests.Api;

/// <summary>Runs tests/interop/socketm/socketm.js (@grpc/grpc-js with the SocketM proto as it is) against a replica.</summary>
public static class SocketMInterop
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

    public static string ScriptDirectory => Path.Combine(RepoRoot.Value, "tests", "interop", "socketm");

    /// <summary>Why the interop tests cannot run here, or null.</summary>
    public static string? Missing =>
        Node.Value is null ? "node is not installed"
        : !Directory.Exists(Path.Combine(ScriptDirectory, "node_modules", "@grpc", "grpc-js")) ? "npm ci has not been run in tests/interop/socketm"
        : null;

    /// <summary>Runs the named cases; <paramref name="config"/> becomes BGW_INTEROP. Fails the test unless every case passed.</summary>
    public static async Task<string> RunAsync(int grpcPort, object config, params string[] cases)
    {
        Assert.Null(Missing);
        var info = new ProcessStartInfo(Node.Value!)
        {
            WorkingDirectory = ScriptDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("socketm.js");
        info.ArgumentList.Add(grpcPort.ToString());
        foreach (var c in cases) info.ArgumentList.Add(c);
        info.Environment["BGW_INTEROP"] = JsonSerializer.Serialize(config);
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
        var output = await stdout.WaitAsync(TimeSpan.FromSeconds(10)) + await stderr.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(process.ExitCode == 0, output);
        foreach (var c in cases) Assert.Contains($"ok {c}", output);
        return output;
    }
}

/// <summary>Needs nats-server, redis-server, node and the npm packages: skipped without them unless BGW_REQUIRE_SERVERS=1 (then it fails).</summary>
public sealed class InteropFactAttribute : FactAttribute
{
    public InteropFactAttribute()
    {
        var reason = BrokerGateway.Testing.Servers.NatsSkipReason ?? BrokerGateway.Testing.Servers.RedisSkipReason
            ?? (SocketMInterop.Missing is { } missing && !BrokerGateway.Testing.Servers.Required ? missing + " (set BGW_REQUIRE_SERVERS=1 to fail instead)" : null);
        if (reason is not null) Skip = reason;
    }
}
