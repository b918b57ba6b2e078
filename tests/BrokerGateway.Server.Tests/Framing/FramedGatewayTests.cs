using System.Text;
using BrokerGateway.Server.Tests.Framing.Support;
using BrokerGateway.Server.Transport.Framed;

namespace BrokerGateway.Server.Tests.Framing;

/// <summary>The framed stack in a running gateway, spoken to by hand over TCP.</summary>
public sealed class FramedGatewayTests(FramedGatewayFixture fixture) : IClassFixture<FramedGatewayFixture>
{
    int Port => fixture.Gateway.PublicPort;

    [Fact]
    public async Task Upgrade_Answers101WithTheAcceptKey_AndAgreesToNoExtension()
    {
        await using var raw = await RawConnection.ConnectAsync(Port);
        await raw.SendAsync(RawConnection.Upgrade("/v1/ws", Port, new Dictionary<string, string?>
        {
            ["Sec-WebSocket-Extensions"] = "permessage-deflate; client_max_window_bits",
        }));
        var (status, headers, _) = await raw.ReadResponseAsync();
        Assert.Equal(101, status);
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", headers["Sec-WebSocket-Accept"]);
        Assert.Equal("websocket", headers["Upgrade"], ignoreCase: true);
        Assert.False(headers.ContainsKey("Sec-WebSocket-Extensions"));
    }

    [Theory]
    [InlineData("Sec-WebSocket-Key", "short", "Sec-WebSocket-Key")]
    [InlineData("Sec-WebSocket-Key", null, "Sec-WebSocket-Key header is missing")]
    [InlineData("Sec-WebSocket-Version", "8", "this server speaks version 13")]
    [InlineData("Connection", "keep-alive", "Connection header must include 'Upgrade'")]
    public async Task MalformedUpgrade_Is400_WithAReasonToActOn(string header, string? value, string expected)
    {
        await using var raw = await RawConnection.ConnectAsync(Port);
        await raw.SendAsync(RawConnection.Upgrade("/v1/ws", Port, new Dictionary<string, string?> { [header] = value }));
        var (status, headers, body) = await raw.ReadResponseAsync();
        Assert.Equal(400, status);
        Assert.Contains(expected, body);
        Assert.Equal("13", headers["Sec-WebSocket-Version"]); // §4.4
    }

    [Fact]
    public async Task UnmaskedClientFrame_IsClosedWith1002()
    {
        await using var raw = await RawConnection.ConnectAsync(Port);
        await raw.SendAsync(RawConnection.Upgrade("/v1/ws?token=" + Uri.EscapeDataString(Tokens.Hs256("unmasked")), Port));
        Assert.Equal(101, (await raw.ReadResponseAsync()).Status);
        Assert.Equal("welcome", (string?)JsonNode.Parse((await raw.NextFrameAsync()).Text)!["type"]);

        await raw.SendAsync(ClientFrames.Frame(Opcode.Text, Encoding.UTF8.GetBytes("{\"type\":\"ping\"}"), masked: false));
        var close = await raw.NextFrameAsync();
        Assert.Equal(Opcode.Close, close.Opcode);
        Assert.Equal(1002, close.CloseCode);
        Assert.Contains("unmasked", close.CloseReason);
        await raw.SendAsync(ClientFrames.Close(1002));
        Assert.True(await raw.EndsAsync());
    }

    [Fact]
    public async Task RawClient_GetsItsPingsAnswered_AndItsCloseEchoed()
    {
        await using var raw = await RawConnection.ConnectAsync(Port);
        await raw.SendAsync(RawConnection.Upgrade("/v1/ws?token=" + Uri.EscapeDataString(Tokens.Hs256("raw")), Port));
        Assert.Equal(101, (await raw.ReadResponseAsync()).Status);
        await raw.NextFrameAsync(); // welcome

        await raw.SendAsync(ClientFrames.Ping("hello"));
        var pong = await raw.NextFrameAsync();
        Assert.Equal(Opcode.Pong, pong.Opcode);
        Assert.Equal("hello", pong.Text);

        await raw.SendAsync(ClientFrames.Close(1001, "going away"));
        var echo = await raw.NextFrameAsync();
        Assert.Equal(Opcode.Close, echo.Opcode);
        Assert.Equal(1001, echo.CloseCode);
        Assert.True(await raw.EndsAsync()); // §7.1.1: the server ends the TCP connection
    }
}
