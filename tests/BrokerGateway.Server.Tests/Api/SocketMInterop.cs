using System.Text.Json;

namespace BrokerGateway.Server.Tests.Api;

/// <summary>Runs tests/interop/socketm/socketm.js (@grpc/grpc-js with the SocketM proto as it is) against a replica.</summary>
public static class SocketMInterop
{
    static readonly NodeScript Script = new("socketm", "@grpc/grpc-js");

    public static string? Missing => Script.Missing;

    /// <summary>Runs the named cases; <paramref name="config"/> becomes BGW_INTEROP. Fails the test unless every case passed.</summary>
    public static async Task<string> RunAsync(int grpcPort, object config, params string[] cases)
    {
        Assert.Null(Missing);
        var (exitCode, output) = await Script.RunAsync("socketm.js", [grpcPort.ToString(), .. cases],
            new Dictionary<string, string> { ["BGW_INTEROP"] = JsonSerializer.Serialize(config) });
        Assert.True(exitCode == 0, output);
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
