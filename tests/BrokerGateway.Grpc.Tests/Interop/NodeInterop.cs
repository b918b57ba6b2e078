namespace BrokerGateway.Grpc.Tests.Interop;

/// <summary>Runs tests/interop/grpc/interop.js (grpc-js) against a server of ours.</summary>
public static class NodeInterop
{
    static readonly NodeScript Script = new("grpc", "@grpc/grpc-js");

    public static string? Missing => Script.Missing;

    public static Task<(int ExitCode, string Output)> RunAsync(int port, params string[] cases) =>
        Script.RunAsync("interop.js", [port.ToString(), .. cases]);
}

/// <summary>Skipped when node or the npm packages are missing, unless BGW_REQUIRE_SERVERS=1 (then it fails).</summary>
public sealed class NodeFactAttribute : FactAttribute
{
    public NodeFactAttribute()
    {
        if (NodeInterop.Missing is { } reason && !Servers.Required) Skip = reason + " (set BGW_REQUIRE_SERVERS=1 to fail instead)";
    }
}
