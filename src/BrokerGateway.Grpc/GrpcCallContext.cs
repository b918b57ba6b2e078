using System.Net;
using System.Security.Claims;
using BrokerGateway.Grpc.Internal;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.Grpc;

/// <summary>
/// What a handler knows about its call, and how it adds response metadata. One per call; not
/// thread-safe except <see cref="CancellationToken"/>.
/// </summary>
public sealed partial class GrpcCallContext
{
    readonly HttpContext _http;
    readonly GrpcMethodDefinition _method;
    readonly GrpcServerOptions _options;
    readonly ILogger _logger;
    ServerCallDeadlineManager? _deadline;
    List<KeyValuePair<string, string>>? _trailers;
    string? _peer;

    internal GrpcCallContext(HttpContext http, GrpcMethodDefinition method, GrpcServerOptions options, ILogger logger, string? bearerToken)
    {
        _http = http;
        _method = method;
        _options = options;
        _logger = logger;
        BearerToken = bearerToken;
        CancellationToken = http.RequestAborted;
    }

    /// <summary>The full method path, <c>/package.Service/Method</c>.</summary>
    public string Method => _method.Path;

    public string ServiceName => _method.ServiceName;
    public string MethodName => _method.Name;

    /// <summary>The request headers (call metadata). Names are lower-case on HTTP/2.</summary>
    public IHeaderDictionary RequestHeaders => _http.Request.Headers;

    /// <summary>When the call must be over, from <c>grpc-timeout</c>; null when the caller set none.</summary>
    public DateTimeOffset? Deadline => _deadline?.Deadline;

    /// <summary>Cancelled when the caller resets the stream, the connection drops, or the deadline passes.</summary>
    public CancellationToken CancellationToken { get; private set; }

    /// <summary>The caller's address in gRPC's form: <c>ipv4:127.0.0.1:50123</c> or <c>ipv6:[::1]:50123</c>.</summary>
    public string Peer => _peer ??= FormatPeer(_http.Connection.RemoteIpAddress, _http.Connection.RemotePort);

    /// <summary>The authenticated principal (the API client when a bearer token was checked), else anonymous.</summary>
    public ClaimsPrincipal User => _http.User;

    /// <summary>The bearer token the call was authenticated with, or null when auth is off or the service is exempt.</summary>
    public string? BearerToken { get; }

    /// <summary>The underlying HTTP/2 request, for what this type does not expose.</summary>
    public HttpContext HttpContext => _http;

    /// <summary>A request header, or null. A <c>-bin</c> header comes back still base64-encoded: use <see cref="GetRequestBinaryHeader"/>.</summary>
    public string? GetRequestHeader(string name)
    {
        var values = _http.Request.Headers[name];
        return values.Count == 0 ? null : values.ToString();
    }

    /// <summary>Decodes a <c>-bin</c> header: base64, padded or not, several values split on ','.</summary>
    public byte[]? GetRequestBinaryHeader(string name)
    {
        if (!name.EndsWith(GrpcProtocol.BinarySuffix, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException("Binary headers end in '-bin'.", nameof(name));
        var values = _http.Request.Headers[name];
        return values.Count == 0 ? null : GrpcMetadata.DecodeBinary(values.ToString());
    }

    /// <summary>Adds a response header. Only before the first message is written.</summary>
    public void SetResponseHeader(string name, string value)
    {
        GrpcMetadata.Validate(name, value);
        if (_http.Response.HasStarted || _messageWritten)
            throw new InvalidOperationException("Response headers were already sent with the first message.");
        _http.Response.Headers.Append(name, value);
    }

    /// <summary>Adds a binary response header; the name must end in <c>-bin</c>.</summary>
    public void SetResponseHeader(string name, byte[] value) => SetResponseHeader(name, GrpcMetadata.EncodeBinary(name, value));

    /// <summary>Adds a trailer sent with the status (in the headers when the answer is trailers-only).</summary>
    public void AddResponseTrailer(string name, string value)
    {
        GrpcMetadata.Validate(name, value);
        (_trailers ??= []).Add(new(name, value));
    }

    /// <summary>Adds a binary trailer; the name must end in <c>-bin</c>.</summary>
    public void AddResponseTrailer(string name, byte[] value) => AddResponseTrailer(name, GrpcMetadata.EncodeBinary(name, value));

    internal ILogger Logger => _logger;
    internal GrpcServerOptions Options => _options;
    internal ServerCallDeadlineManager? DeadlineManager => _deadline;

    static string FormatPeer(IPAddress? address, int port) => address switch
    {
        null => "unknown",
        { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } when address.IsIPv4MappedToIPv6 => $"ipv4:{address.MapToIPv4()}:{port}",
        { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } => $"ipv6:[{address}]:{port}",
        _ => $"ipv4:{address}:{port}",
    };
}
