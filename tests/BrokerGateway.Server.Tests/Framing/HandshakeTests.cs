using BrokerGateway.Server.Tests.Framing.Support;
using BrokerGateway.Server.Transport.Framed;
using Microsoft.AspNetCore.Http;

namespace BrokerGateway.Server.Tests.Framing;

/// <summary>The opening handshake (RFC 6455 §4.2): what a request must carry, and the server's proof.</summary>
public sealed class HandshakeTests
{
    static HttpRequest Request(string method = "GET", string protocol = "HTTP/1.1", Dictionary<string, string?>? overrides = null)
    {
        var http = new DefaultHttpContext();
        http.Request.Method = method;
        http.Request.Protocol = protocol;
        var headers = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Upgrade"] = "websocket",
            ["Connection"] = "keep-alive, Upgrade",
            ["Sec-WebSocket-Version"] = "13",
            ["Sec-WebSocket-Key"] = "dGhlIHNhbXBsZSBub25jZQ==",
        };
        foreach (var (name, value) in overrides ?? []) headers[name] = value;
        foreach (var (name, value) in headers)
            if (value is not null) http.Request.Headers[name] = value;
        return http.Request;
    }

    [Fact]
    public void AcceptKey_IsTheRfcsExample() =>
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebSocketHandshake.AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="));

    [Fact]
    public void WellFormedRequest_HasNoProblem() => Assert.Null(WebSocketHandshake.Problem(Request()));

    [Fact]
    public void HeaderTokens_AreCaseInsensitive() =>
        Assert.Null(WebSocketHandshake.Problem(Request(overrides: new() { ["Upgrade"] = "WebSocket", ["Connection"] = "upgrade" })));

    [Theory]
    [InlineData("POST", null, null, "must be a GET")]
    [InlineData("GET", "Upgrade", null, "Upgrade header")]
    [InlineData("GET", "Upgrade", "h2c", "Upgrade header")]
    [InlineData("GET", "Connection", null, "Connection header")]
    [InlineData("GET", "Connection", "keep-alive", "Connection header")]
    [InlineData("GET", "Sec-WebSocket-Version", null, "Sec-WebSocket-Version header is missing")]
    [InlineData("GET", "Sec-WebSocket-Version", "8", "unsupported Sec-WebSocket-Version '8'")]
    [InlineData("GET", "Sec-WebSocket-Key", null, "Sec-WebSocket-Key header is missing")]
    [InlineData("GET", "Sec-WebSocket-Key", "not base64!", "16 random bytes in base64")]
    [InlineData("GET", "Sec-WebSocket-Key", "AAECAwQFBgcICQoLDA0O", "16 random bytes in base64")] // 15 bytes
    [InlineData("GET", "Sec-WebSocket-Key", "AAECAwQFBgcICQoLDA0ODxA=", "16 random bytes in base64")] // 17 bytes
    public void MalformedRequest_SaysWhatIsWrong(string method, string? header, string? value, string expected)
    {
        var overrides = header is null ? null : new Dictionary<string, string?> { [header] = value };
        Assert.Contains(expected, WebSocketHandshake.Problem(Request(method, overrides: overrides)));
    }

    [Fact]
    public void Http10Request_IsRefused() => Assert.Contains("HTTP/1.1", WebSocketHandshake.Problem(Request(protocol: "HTTP/1.0")));
}
