using System.Text;
using BrokerGateway.Server.Tests.Framing.Support;
using BrokerGateway.Server.Transport.Framed;

namespace BrokerGateway.Server.Tests.Framing;

/// <summary>
/// Client upgrades taken at the connection, below HTTP (UpgradeListener): whatever shape the bytes arrive
/// in, a client gets its socket, and every other request is answered by HTTP exactly as before.
/// </summary>
public sealed class UpgradeListenerTests(FramedGatewayFixture fixture) : IClassFixture<FramedGatewayFixture>
{
    int Port => fixture.Gateway.PublicPort;

    string ClientUpgrade(string sub) => RawConnection.Upgrade("/v1/ws?token=" + Uri.EscapeDataString(Tokens.Hs256(sub)), Port);

    static async Task<JsonNode> NextMessageAsync(RawConnection raw) => JsonNode.Parse((await raw.NextFrameAsync()).Text)!;

    [Fact]
    public async Task AnUpgradeSentOneByteAtATime_GetsItsSocket()
    {
        await using var raw = await RawConnection.ConnectAsync(Port);
        foreach (var b in Encoding.ASCII.GetBytes(ClientUpgrade("dribble"))) await raw.SendAsync([b]);

        Assert.Equal(101, (await raw.ReadResponseAsync()).Status);
        var welcome = await NextMessageAsync(raw);
        Assert.Equal("welcome", (string?)welcome["type"]);
        Assert.Equal("dribble", (string?)welcome["uid"]);
    }

    [Fact]
    public async Task FramesSentWithTheHead_AreNotLost()
    {
        await using var raw = await RawConnection.ConnectAsync(Port);
        await raw.SendAsync(ClientFrames.Concat(Encoding.ASCII.GetBytes(ClientUpgrade("eager")), ClientFrames.Text("{\"type\":\"ping\",\"id\":\"p1\"}")));

        Assert.Equal(101, (await raw.ReadResponseAsync()).Status);
        Assert.Equal("welcome", (string?)(await NextMessageAsync(raw))["type"]);
        var pong = await NextMessageAsync(raw);
        Assert.Equal("pong", (string?)pong["type"]);
        Assert.Equal("p1", (string?)pong["id"]);
    }

    [Fact]
    public async Task AnUpgradeAfterAnotherRequestOnTheSameConnection_StillGetsItsSocket()
    {
        await using var raw = await RawConnection.ConnectAsync(Port);
        await raw.SendAsync($"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{Port}\r\n\r\n");
        Assert.Equal(200, (await raw.ReadResponseAsync()).Status);

        await raw.SendAsync(ClientUpgrade("second"));
        Assert.Equal(101, (await raw.ReadResponseAsync()).Status);
        Assert.Equal("second", (string?)(await NextMessageAsync(raw))["uid"]);
    }

    [Fact]
    public async Task APlainGetOfTheClientPath_Is400_FromHttp()
    {
        await using var raw = await RawConnection.ConnectAsync(Port);
        await raw.SendAsync($"GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1:{Port}\r\n\r\n");
        var (status, _, body) = await raw.ReadResponseAsync();
        Assert.Equal(400, status);
        Assert.Contains("expected a WebSocket upgrade", body);
    }

    [Fact]
    public async Task APostWithABody_IsAnsweredByHttp()
    {
        await using var raw = await RawConnection.ConnectAsync(Port);
        await raw.SendAsync($"POST /v1/ws HTTP/1.1\r\nHost: 127.0.0.1:{Port}\r\nContent-Length: 5\r\n\r\nhello");
        Assert.Equal(400, (await raw.ReadResponseAsync()).Status);
    }

    [Theory]
    [InlineData("X-Folded: a\r\n b")] // obsolete line folding
    [InlineData("Bad Name: x")]
    [InlineData("Host: a.second.host")] // RFC 9112 §3.2: exactly one Host
    [InlineData("Transfer-Encoding: chunked")] // an upgrade carries no body
    public async Task AHeadThatIsNotPlain_IsLeftToHttp_WhichRefusesIt(string badLine)
    {
        await using var raw = await RawConnection.ConnectAsync(Port);
        var upgrade = ClientUpgrade("odd");
        await raw.SendAsync(upgrade.Insert(upgrade.IndexOf("\r\n", StringComparison.Ordinal) + 2, badLine + "\r\n"));
        Assert.Equal(400, (await raw.ReadResponseAsync()).Status);
    }

    [Fact]
    public async Task AnUpgradeWithoutHost_OrWithABody_IsLeftToHttp_WhichRefusesIt()
    {
        var upgrade = ClientUpgrade("bodied");
        var hostStart = upgrade.IndexOf("Host:", StringComparison.Ordinal);
        var noHost = upgrade.Remove(hostStart, upgrade.IndexOf("\r\n", hostStart, StringComparison.Ordinal) + 2 - hostStart);
        var withBody = upgrade.Insert(upgrade.IndexOf("\r\n", StringComparison.Ordinal) + 2, "Content-Length: 5\r\n") + "hello";
        foreach (var request in new[] { noHost, withBody })
        {
            await using var raw = await RawConnection.ConnectAsync(Port);
            await raw.SendAsync(request);
            Assert.Equal(400, (await raw.ReadResponseAsync()).Status);
        }
    }

    [Fact]
    public async Task AnUpgradeWithAHeadLongerThanWeLookAt_IsServedByHttp()
    {
        await using var raw = await RawConnection.ConnectAsync(Port);
        var upgrade = ClientUpgrade("long");
        var padding = $"X-Padding: {new string('a', RequestHead.MaxLength + 1024)}\r\n";
        await raw.SendAsync(upgrade.Insert(upgrade.IndexOf("\r\n", StringComparison.Ordinal) + 2, padding));
        Assert.Equal(101, (await raw.ReadResponseAsync()).Status);
        Assert.Equal("long", (string?)(await NextMessageAsync(raw))["uid"]);
    }

    [Fact]
    public async Task AnUpgradeWithARequestHeadJustUnderTheLimit_GetsItsSocket()
    {
        await using var raw = await RawConnection.ConnectAsync(Port);
        var upgrade = ClientUpgrade("roomy");
        var padding = $"X-Padding: {new string('a', RequestHead.MaxLength - upgrade.Length - 100)}\r\n";
        await raw.SendAsync(upgrade.Insert(upgrade.IndexOf("\r\n", StringComparison.Ordinal) + 2, padding));
        Assert.Equal(101, (await raw.ReadResponseAsync()).Status);
        Assert.Equal("roomy", (string?)(await NextMessageAsync(raw))["uid"]);
    }
}

/// <summary>The request heads read ahead of Kestrel: parsed when plain, refused (left to Kestrel) otherwise.</summary>
public sealed class RequestHeadTests
{
    static RequestHead? Parse(string head) => RequestHead.Parse(Encoding.Latin1.GetBytes(head));

    [Fact]
    public void APlainHead_GivesPathQueryAndHeaders_RepeatedOnesKept()
    {
        var head = Parse("GET /v1/ws?token=a%2Bb%3D&nsp=chat HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nconnection:  Upgrade \r\n\r\n")!;
        Assert.Equal("GET", head.Method);
        Assert.Equal("/v1/ws", head.Path);
        Assert.Equal("HTTP/1.1", head.Protocol);
        Assert.Equal("a+b=", head.Query["token"].ToString());
        Assert.Equal("chat", head.Query["nsp"].ToString());
        Assert.Equal("keep-alive,Upgrade", string.Join(",", head.Headers.Connection.ToArray()));
    }

    [Theory]
    [InlineData("GET http://host/v1/ws HTTP/1.1\r\n\r\n")] // absolute form
    [InlineData("GET /v1/ws HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n")]
    [InlineData("GET /v1/ws HTTP/1.1\r\nX-A: caf\u00e9\r\n\r\n")] // not ASCII
    [InlineData("GET /v1/ws HTTP/1.1\r\n: no name\r\n\r\n")]
    [InlineData("GET /v1/ws HTTP/1.1\r\nno colon\r\n\r\n")]
    [InlineData("GET  /v1/ws HTTP/1.1\r\n\r\n")]
    [InlineData("GET /v1/ws\r\n\r\n")]
    [InlineData("GET /v1/ws HTTP/1.1 extra\r\n\r\n")]
    [InlineData("G(T /v1/ws HTTP/1.1\r\n\r\n")]
    [InlineData("")]
    public void AHeadThatIsNotPlain_IsNotParsed(string head) => Assert.Null(Parse(head));
}
