using System.Collections.Concurrent;
using System.Net;
using BrokerGateway.Grpc.Internal;
using Google.Protobuf;

namespace BrokerGateway.Grpc.Client;

/// <summary>
/// A gRPC client over HttpClient's HTTP/2 (h2c with prior knowledge for <c>http://</c>). One instance per
/// server address, shared by all callers: it pools connections and opens more when one reaches the
/// server's stream limit. Methods are named by their full path (<c>/package.Service/Method</c> or without
/// the leading slash). Every non-OK outcome is a <see cref="GrpcException"/> (docs/grpc.md "Client").
/// </summary>
public sealed partial class GrpcClient : IDisposable
{
    readonly HttpMessageInvoker _invoker;
    readonly Uri _address;
    readonly string? _authorization;
    readonly GrpcClientOptions _options;
    readonly ConcurrentDictionary<string, Uri> _uris = new(StringComparer.Ordinal);

    /// <param name="address">The server, e.g. <c>http://127.0.0.1:8081</c>.</param>
    /// <param name="bearerToken">Sent as <c>authorization: Bearer …</c> on every call when given.</param>
    public GrpcClient(Uri address, string? bearerToken = null, GrpcClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"'{address}' is not an http:// or https:// address.", nameof(address));
        _address = address;
        _options = options ?? new GrpcClientOptions();
        _authorization = bearerToken is null ? null : "Bearer " + bearerToken;
        var handler = _options.HttpHandler ?? new SocketsHttpHandler
        {
            // A proxy's connection pool never uses HTTP/2 for http:// (runtime HttpConnectionPool), and
            // gRPC has no business with cookies, redirects or decompression.
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            // Past the server's 100 streams per connection, open another instead of queueing.
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = _options.KeepAlivePingDelay ?? Timeout.InfiniteTimeSpan,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        };
        _invoker = new HttpMessageInvoker(handler, disposeHandler: _options.HttpHandler is null);
    }

    public Uri Address => _address;

    public void Dispose() => _invoker.Dispose();

    HttpRequestMessage CreateRequest(string method, HttpContent content, GrpcCallOptions? options, TimeSpan? timeout)
    {
        var uri = _uris.GetOrAdd(method, static (m, baseUri) =>
            new Uri(baseUri, m.StartsWith('/') ? m : "/" + m), _address);
        var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            // Exact: with the default (1.1, OrLower) an http:// request silently goes out as HTTP/1.1.
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        var headers = request.Headers;
        // C-core servers refuse calls without it (PROTOCOL-HTTP2 "Requests").
        headers.TryAddWithoutValidation(GrpcProtocol.TeHeader, "trailers");
        if (timeout is { } t) headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(t));
        if (_authorization is not null) headers.TryAddWithoutValidation(GrpcProtocol.AuthorizationHeader, _authorization);
        if (options?.Headers is { } custom)
        {
            foreach (var (name, value) in custom)
            {
                GrpcMetadata.Validate(name, value);
                headers.TryAddWithoutValidation(name, value);
            }
        }
        return request;
    }

    static string CheckMethod(string method)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        var trimmed = method.AsSpan().TrimStart('/');
        var slash = trimmed.IndexOf('/');
        if (slash <= 0 || slash == trimmed.Length - 1 || trimmed[(slash + 1)..].Contains('/'))
            throw new ArgumentException($"'{method}' is not a full method name such as '/package.Service/Method'.", nameof(method));
        return method;
    }

    /// <summary>The time left to the earliest of timeout and deadline, or null for none.</summary>
    static TimeSpan? Remaining(GrpcCallOptions? options)
    {
        TimeSpan? timeout = options?.Timeout;
        if (options?.Deadline is { } deadline)
        {
            var left = deadline - DateTimeOffset.UtcNow;
            if (timeout is null || left < timeout) timeout = left;
        }
        return timeout;
    }

    static GrpcCallOptions? WithTimeout(TimeSpan? timeout) => timeout is null ? null : new GrpcCallOptions { Timeout = timeout };
}
