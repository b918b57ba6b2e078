namespace BrokerGateway.Server.Tests.Framing.Support;

/// <summary>Runs tests/interop/websocket/interop.js (the ws package) against a gateway of ours.</summary>
public static class WsInterop
{
    static readonly NodeScript Script = new("websocket", "ws");

    public static string? Missing => Script.Missing;

    public static Task<(int ExitCode, string Output)> RunAsync(int port, string @case, IReadOnlyDictionary<string, string>? environment = null) =>
        Script.RunAsync("interop.js", [port.ToString(), @case], environment);
}

/// <summary>Skipped when node or the ws package is missing, unless BGW_REQUIRE_SERVERS=1 (then it fails).</summary>
public sealed class WsTheoryAttribute : TheoryAttribute
{
    public WsTheoryAttribute()
    {
        if (WsInterop.Missing is { } reason && !Servers.Required) Skip = reason + " (set BGW_REQUIRE_SERVERS=1 to fail instead)";
    }
}
