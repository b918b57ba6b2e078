using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace BrokerGateway.Server.Transport.Framed;

/// <summary>
/// The opening handshake of RFC 6455 §4.2 on HTTP/1.1: what a client's upgrade request must carry, and the
/// key the server proves it read it with. No subprotocol and no extension is ever agreed (§4.2.2: a server
/// that echoes none has agreed to none), so frames carry no RSV bits and no compression.
/// </summary>
public static class WebSocketHandshake
{
    /// <summary>The one version this server speaks (§4.4 asks a refusal to name it).</summary>
    public const string Version = "13";

    /// <summary>§1.3: the GUID appended to the client's key before hashing.</summary>
    const string KeyGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>True when the request asks for a WebSocket at all (<c>Upgrade: websocket</c>), well formed or not.</summary>
    public static bool IsUpgradeAttempt(HttpRequest request) => HasToken(request.Headers.Upgrade, "websocket");

    /// <summary>
    /// Why <paramref name="request"/> is not a valid opening handshake (§4.2.1), in words a client developer
    /// can act on; null when it is.
    /// </summary>
    public static string? Problem(HttpRequest request) =>
        Problem(request.Method, request.Protocol, request.Headers);

    /// <inheritdoc cref="Problem(HttpRequest)"/>
    public static string? Problem(string method, string protocol, IHeaderDictionary headers)
    {
        if (!HttpMethods.IsGet(method)) return $"a WebSocket upgrade must be a GET request, not {method}";
        if (!HttpProtocol.IsHttp11(protocol)) return $"a WebSocket upgrade needs HTTP/1.1, not {protocol}";
        if (!HasToken(headers.Upgrade, "websocket")) return "the Upgrade header must be 'websocket'";
        if (!HasToken(headers.Connection, "upgrade")) return "the Connection header must include 'Upgrade'";
        var version = headers.SecWebSocketVersion;
        if (StringValues.IsNullOrEmpty(version)) return "the Sec-WebSocket-Version header is missing (this server speaks version 13)";
        if (version.Count != 1 || version[0]?.Trim() != Version)
            return $"unsupported Sec-WebSocket-Version '{version}' (this server speaks version 13)";
        var key = headers.SecWebSocketKey;
        if (StringValues.IsNullOrEmpty(key)) return "the Sec-WebSocket-Key header is missing";
        if (key.Count != 1 || !IsValidKey(key[0]!))
            return "the Sec-WebSocket-Key header must be 16 random bytes in base64 (24 characters)";
        return null;
    }

    /// <summary>§4.1: the key is a base64-encoded 16-byte value.</summary>
    public static bool IsValidKey(string key)
    {
        key = key.Trim();
        if (key.Length != 24) return false;
        Span<byte> decoded = stackalloc byte[18];
        return Convert.TryFromBase64String(key, decoded, out var written) && written == 16;
    }

    /// <summary>§4.2.2 item 5.4: base64 of the SHA-1 of the key (as sent, trimmed) and the GUID.</summary>
    public static string AcceptKey(string key)
    {
        Span<byte> text = stackalloc byte[24 + KeyGuid.Length];
        var length = Encoding.ASCII.GetBytes(key.Trim(), text);
        length += Encoding.ASCII.GetBytes(KeyGuid, text[length..]);
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(text[..length], hash);
        return Convert.ToBase64String(hash);
    }

    /// <summary>
    /// Answers a malformed upgrade with 400 and the reason before any endpoint sees it, so a client learns
    /// what to fix (a wrong version also gets the version this server speaks, §4.4). Other requests pass.
    /// </summary>
    public static Task RejectMalformedAsync(HttpContext http, RequestDelegate next)
    {
        if (!IsUpgradeAttempt(http.Request) || Problem(http.Request) is not { } problem) return next(http);
        return RefuseAsync(http, problem);
    }

    /// <summary>A 400 with a plain-text reason (and the version we speak).</summary>
    public static Task RefuseAsync(HttpContext http, string problem)
    {
        http.Response.StatusCode = StatusCodes.Status400BadRequest;
        http.Response.Headers.SecWebSocketVersion = Version;
        http.Response.ContentType = "text/plain; charset=utf-8";
        return http.Response.WriteAsync(problem);
    }

    /// <summary>Whether a comma-separated header holds <paramref name="token"/> (case-insensitive, §4.2.1).</summary>
    static bool HasToken(StringValues values, string token)
    {
        foreach (var value in values)
        {
            if (value is null) continue;
            foreach (var part in value.Split(','))
                if (part.Trim().Equals(token, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }
}
