using BrokerGateway.Server.Tests.Framing.Support;
using BrokerGateway.Server.Transport;

namespace BrokerGateway.Server.Tests.Framing;

/// <summary>One framed gateway for the ws interop cases.</summary>
public sealed class FramedGatewayFixture : IAsyncLifetime
{
    public TestGateway Gateway { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Gateway = await TestGateway.StartAsync(TestGateway.DefaultSettings() with { WebSocketStack = WebSocketStack.Framed });

    public async Task DisposeAsync() => await Gateway.DisposeAsync();
}

/// <summary>The framed stack driven by the ws npm package (tests/interop/websocket/interop.js), a client nobody here wrote.</summary>
public sealed class WsInteropTests(FramedGatewayFixture fixture) : IClassFixture<FramedGatewayFixture>
{
    [WsTheory]
    [InlineData("native")]
    [InlineData("fragmented")]
    [InlineData("ping-between-fragments")]
    [InlineData("close")]
    [InlineData("invalid-utf8")]
    [InlineData("oversize")]
    [InlineData("binary")]
    [InlineData("no-extensions")]
    public async Task WsClient_Case_Passes(string @case)
    {
        var environment = new Dictionary<string, string>
        {
            ["BGW_TOKEN"] = Tokens.Hs256("alice"),
            ["BGW_MAX_MESSAGE_BYTES"] = fixture.Gateway.Settings.Limits.MaxMessageBytes.ToString(),
        };
        var (exitCode, output) = await WsInterop.RunAsync(fixture.Gateway.PublicPort, @case, environment);
        Assert.True(exitCode == 0, output);
        Assert.Contains($"ok {@case}", output);
    }
}
