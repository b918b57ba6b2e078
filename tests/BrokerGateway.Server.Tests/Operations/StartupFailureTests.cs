namespace BrokerGateway.Server.Tests.Operations;

/// <summary>A replica that cannot start says why in one line per problem, with no stack trace, and exits non-zero.</summary>
public sealed class StartupFailureTests
{
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AnUnusableSetting_ExitsWithStatus2_NamingIt()
    {
        var unreadable = await ServerRun.UntilExitAsync(new Dictionary<string, string> { ["BGW_SEND_QUEUE"] = "many", ["BGW_LEASE_TTL_MS"] = "soon" }, Limit);
        Assert.Equal(2, unreadable.ExitCode);
        Assert.Contains("BGW_SEND_QUEUE (Gateway:SendQueueLimit): 'many'", unreadable.Errors, StringComparison.Ordinal);
        Assert.Contains("BGW_LEASE_TTL_MS (Gateway:LeaseTtlMs): 'soon'", unreadable.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", unreadable.Errors, StringComparison.Ordinal);

        var outOfRange = await ServerRun.UntilExitAsync(new Dictionary<string, string> { ["BGW_SEND_QUEUE"] = "0" }, Limit);
        Assert.Equal(2, outOfRange.ExitCode);
        Assert.Contains("BGW_SEND_QUEUE (Gateway:SendQueueLimit) must be from 1", outOfRange.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", outOfRange.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NatsNotAnswering_ExitsWithStatus1_NamingTheSetting_WithoutItsPassword()
    {
        var closedPort = FreePort.Next(); // nothing listens there
        var run = await ServerRun.UntilExitAsync(new Dictionary<string, string> { ["BGW_NATS_URL"] = $"nats://gw:hunter2@127.0.0.1:{closedPort}" }, Limit);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"BGW_NATS_URL (Gateway:NatsUrl): could not connect to any server: 127.0.0.1:{closedPort}", run.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", run.Output + run.Errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("BGW_PUBLIC_PORT (Gateway:PublicPort)")]
    [InlineData("BGW_GRPC_PORT (Gateway:GrpcPort)")]
    [InlineData("BGW_INTERNAL_PORT (Gateway:InternalPort)")]
    public async Task ATakenPort_ExitsWithStatus1_NamingItsSetting_WithoutAStackTrace(string setting)
    {
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var port = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;
        var variable = setting[..setting.IndexOf(' ', StringComparison.Ordinal)];
        var run = await ServerRun.UntilExitAsync(new Dictionary<string, string> { [variable] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) }, Limit);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{setting}: 127.0.0.1:{port}: address already in use", run.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output + run.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", run.Output, StringComparison.Ordinal); // the host's own "Hosting failed to start"
        Assert.DoesNotContain("listening:", run.Output, StringComparison.Ordinal);
    }
}
