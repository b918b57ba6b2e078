using System.Collections.Frozen;
using BrokerGateway.Grpc.Internal.CallHandlers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.Grpc.Internal;

/// <summary>
/// The one catch-all endpoint of a gRPC port. It checks what every call shares (HTTP/2, POST, content
/// type, a known path, the bearer token, a well-formed <c>grpc-timeout</c>) and hands the call to its
/// method's handler. Refusals follow
/// docs/grpc.md "Status mapping": HTTP errors carry <c>grpc-status</c> too, unknown paths get 200 +
/// Trailers-Only UNIMPLEMENTED, as a gRPC client expects.
/// </summary>
internal sealed class GrpcDispatcher
{
    readonly FrozenDictionary<string, ServerCallHandlerBase> _handlers;
    readonly FrozenSet<string> _services;
    readonly GrpcServerOptions _options;
    readonly BearerTokenCheck? _auth;
    readonly ILogger _logger;
    readonly RefusalLog _refusals;

    public GrpcDispatcher(GrpcServerOptions options, IEnumerable<GrpcServiceDefinition> services, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _refusals = new RefusalLog(logger, options.TimeProvider);
        _auth = options.BearerToken is { } token ? new BearerTokenCheck(token) : null;
        var handlers = new Dictionary<string, ServerCallHandlerBase>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var service in services)
        {
            if (!names.Add(service.Name)) throw new ArgumentException($"Service {service.Name} is mapped twice.", nameof(services));
            foreach (var method in service.Methods)
                handlers.Add(method.Path, method.CreateHandler(method, options, logger));
        }
        _handlers = handlers.ToFrozenDictionary(StringComparer.Ordinal);
        _services = names.ToFrozenSet(StringComparer.Ordinal);
    }

    public Task DispatchAsync(HttpContext http)
    {
        var request = http.Request;
        if (!HttpProtocol.IsHttp2(request.Protocol))
        {
            // Reached only through a port that also speaks HTTP/1.1 (TLS with ALPN, or a shared port):
            // a cleartext HTTP/2-only port answers 400 in Kestrel before any endpoint runs.
            GrpcServerLog.UnsupportedProtocol(_logger, request.Protocol);
            _refusals.Refused(RefusalReason.UnsupportedProtocol, $"protocol '{request.Protocol}'");
            return Refuse(http, StatusCodes.Status426UpgradeRequired, StatusCode.Internal,
                $"Request protocol '{request.Protocol}' is not supported: gRPC needs HTTP/2.");
        }
        if (!HttpMethods.IsPost(request.Method))
        {
            http.Response.Headers.Allow = "POST";
            return Refuse(http, StatusCodes.Status405MethodNotAllowed, StatusCode.Internal,
                $"Request method '{request.Method}' is not supported: gRPC calls are POST.");
        }
        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            GrpcServerLog.UnsupportedContentType(_logger, request.ContentType);
            _refusals.Refused(RefusalReason.UnsupportedContentType, $"content type '{request.ContentType}'");
            return Refuse(http, StatusCodes.Status415UnsupportedMediaType, StatusCode.Internal,
                $"Content-Type '{request.ContentType}' is not supported: use application/grpc.");
        }

        var path = request.Path.Value ?? "";
        if (!_handlers.TryGetValue(path, out var handler))
        {
            GrpcServerLog.Unimplemented(_logger, path);
            _refusals.Refused(RefusalReason.UnimplementedMethod, $"no method at '{path}'");
            var slash = path.IndexOf('/', 1);
            var knownService = slash > 1 && _services.Contains(path[1..slash]);
            return Refuse(http, StatusCodes.Status200OK, StatusCode.Unimplemented,
                knownService ? "Method is unimplemented." : "Service is unimplemented.");
        }

        string? token = null;
        if (_auth is not null && !_options.UnauthenticatedServices.Contains(handler.Method.ServiceName))
        {
            token = _auth.Check(request.Headers.Authorization);
            if (token is null)
            {
                GrpcServerLog.Unauthenticated(_logger, path);
                _refusals.Refused(RefusalReason.Unauthenticated, $"missing or wrong bearer token for '{path}'");
                return Refuse(http, StatusCodes.Status200OK, StatusCode.Unauthenticated, "Missing or invalid bearer token.");
            }
            http.User = BearerTokenCheck.ApiClient;
        }

        TimeSpan? timeout = null;
        var timeoutHeader = request.Headers[GrpcProtocol.TimeoutHeader];
        if (timeoutHeader.Count > 0)
        {
            var value = timeoutHeader.ToString();
            if (!GrpcTimeout.TryParse(value, out var parsed))
            {
                GrpcServerLog.InvalidTimeout(_logger, path, value);
                _refusals.Refused(RefusalReason.InvalidTimeout, $"grpc-timeout '{value}' for '{path}'");
                return Refuse(http, StatusCodes.Status200OK, StatusCode.Internal, $"Malformed grpc-timeout '{value}'.");
            }
            timeout = parsed;
        }
        return handler.HandleCallAsync(http, token, timeout);
    }

    /// <summary>A Trailers-Only answer: one HEADERS frame with END_STREAM holding the status.</summary>
    static Task Refuse(HttpContext http, int httpStatus, StatusCode status, string detail)
    {
        var response = http.Response;
        response.StatusCode = httpStatus;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.StatusHeader] = GrpcProtocol.ToWire(status);
        response.Headers[GrpcProtocol.MessageHeader] = GrpcMessageText.Encode(detail);
        return Task.CompletedTask;
    }
}
