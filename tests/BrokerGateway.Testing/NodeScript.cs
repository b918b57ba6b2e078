using System.Diagnostics;

namespace BrokerGateway.Testing;

/// <summary>
/// A node script in <c>tests/interop/&lt;folder&gt;</c>, driving our servers with a client nobody here
/// wrote (npm packages installed there by <c>npm ci</c>, which scripts/test.sh runs).
/// </summary>
public sealed class NodeScript(string folder, string package)
{
    static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "BrokerGateway.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No BrokerGateway.sln above {AppContext.BaseDirectory}.");
    });

    static readonly Lazy<string?> Node = new(() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/bin", "/usr/local/bin"])
            .Select(d => Path.Combine(d, "node")).FirstOrDefault(File.Exists));

    public string Directory => Path.Combine(Root.Value, "tests", "interop", folder);

    /// <summary>Why the script cannot run here, or null.</summary>
    public string? Missing =>
        Node.Value is null ? "node is not installed"
        : !System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", package)) ? $"npm ci has not been run in tests/interop/{folder}"
        : null;

    /// <summary>Runs the script to its end (killed after the timeout) and returns its exit code and output.</summary>
    public async Task<(int ExitCode, string Output)> RunAsync(string script, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(Node.Value ?? throw new InvalidOperationException(Missing))
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(script);
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout.WaitAsync(TimeSpan.FromSeconds(10)) + await stderr.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
