using System.Text;
using BrokerGateway.Core.Addressing;
using BrokerGateway.Server.Hosting;
using BrokerGateway.Server.Transport;
using Microsoft.Extensions.Configuration;

namespace BrokerGateway.Server.Tests.Framing;

/// <summary>The WebSocket setting picks the stack; both serve the native protocol the same way.</summary>
public sealed class StackChoiceTests
{
    [Fact]
    public void Framed_IsTheDefault() => Assert.Equal(WebSocketStack.Framed, new ServerSettings().WebSocketStack);

    [Theory]
    [InlineData("Builtin", WebSocketStack.Builtin)]
    [InlineData("framed", WebSocketStack.Framed)]
    public void Setting_ChoosesTheStack(string value, WebSocketStack expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Gateway:WebSocket"] = value }).Build();
        Assert.Equal(expected, ServerSettings.Load(configuration).WebSocketStack);
    }

    [Fact]
    public void EnvironmentVariable_IsBgwWebsocket() => Assert.Equal("Gateway:WebSocket", ServerSettings.EnvironmentVariables["BGW_WEBSOCKET"]);

    [Theory]
    [InlineData(WebSocketStack.Builtin)]
    [InlineData(WebSocketStack.Framed)]
    public async Task EitherStack_WelcomesJoinsPushesAndCloses(WebSocketStack stack)
    {
        await using var gateway = await TestGateway.StartAsync(TestGateway.DefaultSettings() with { WebSocketStack = stack });
        await using var client = await TestClient.ConnectAsync(gateway.PublicPort, Tokens.Hs256("stack"));
        var room = Unique.Name("room");
        Assert.Null((await client.JoinAsync(room))["error"]);
        for (var i = 0; i < 50; i++)
            await gateway.Node.PublishAsync(Target.Room("default", room), Encoding.UTF8.GetBytes($"{{\"n\":{i}}}")).WaitAsync(TestClient.Timeout);
        for (var i = 0; i < 50; i++) Assert.Equal(i, (int?)(await client.NextAsync("push"))["data"]!["n"]);
        await gateway.Node.CommandAsync(Target.Connection(client.Conn), BrokerGateway.Core.Fanout.Ops.Disconnect).AsTask().WaitAsync(TestClient.Timeout);
        Assert.Equal(4056, (int?)(await client.NextAsync("disconnect"))["code"]);
        Assert.Equal(4056, (await client.ClosedAsync()).Code);
        await Eventually.TrueAsync(() => gateway.Node.ConnectionCount == 0, TestClient.Timeout);
    }
}
