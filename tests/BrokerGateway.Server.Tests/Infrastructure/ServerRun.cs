using System.Diagnostics;
using System.Globalization;

namespace BrokerGateway.Server.Tests.Infrastructure;

/// <summary>The server run as an operator runs it, to its exit: for starts that must fail.</summary>
public static class ServerRun
{
    public sealed record Outcome(int ExitCode, string Output, string Errors);

    /// <summary>Runs the replica on free loopback ports with <paramref name="environment"/> and waits for it to exit.</summary>
    public static async Task<Outcome> UntilExitAsync(IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "BrokerGateway.Server.dll"));
        info.Environment["BGW_PUBLIC_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        info.Environment["BGW_GRPC_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        info.Environment["BGW_INTERNAL_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        info.Environment["BGW_BIND"] = "127.0.0.1";
        foreach (var (k, v) in environment) info.Environment[k] = v;
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the replica still ran after {timeout.TotalSeconds:0} s: {await output}");
        }
        return new Outcome(process.ExitCode, await output, await errors);
    }
}
