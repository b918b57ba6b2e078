using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.Grpc.Internal.CallHandlers;

/// <summary>
/// Runs one call of one method (grpc-dotnet ServerCallHandlerBase): arms the deadline, runs the call
/// shape's core, and turns its outcome into a status. The protocol checks shared with unknown paths
/// (HTTP/2, POST, content type, auth) happen before, in <see cref="GrpcDispatcher"/>.
/// </summary>
internal abstract class ServerCallHandlerBase(GrpcMethodDefinition method, GrpcServerOptions options, ILogger logger)
{
    public GrpcMethodDefinition Method { get; } = method;
    protected GrpcServerOptions Options { get; } = options;
    protected ILogger Logger { get; } = logger;

    /// <summary>True when the request is a stream, so Kestrel's whole-body limits must not apply.</summary>
    protected abstract bool StreamsRequests { get; }

    public async Task HandleCallAsync(HttpContext http, string? bearerToken)
    {
        http.Response.ContentType = GrpcProtocol.ContentType;
        var call = new GrpcCallContext(http, Method, Options, Logger, bearerToken);
        try
        {
            if (!call.TryStartDeadline()) return;
            RelaxBodyLimits(http);
            var response = await HandleCallCoreAsync(call);
            await call.CompleteAsync(response);
        }
        catch (Exception ex)
        {
            await call.CompleteWithExceptionAsync(ex);
        }
        finally
        {
            await call.EndAsync();
        }
    }

    /// <summary>Runs the handler. Returns the unary response to send, or null when messages were streamed.</summary>
    protected abstract Task<IMessage?> HandleCallCoreAsync(GrpcCallContext call);

    void RelaxBodyLimits(HttpContext http)
    {
        // Kestrel caps a request body at 30,000,000 bytes and needs 240 B/s after a 5 s grace: right for
        // uploads, wrong for a stream that lives for hours and idles. The per-message cap replaces the
        // first (docs/grpc.md "Limits"). Set before the first read, after which the feature is read-only.
        if (!StreamsRequests && Options.MaxReceiveMessageSize + GrpcProtocol.HeaderSize <= 30_000_000) return;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = null;
        if (StreamsRequests && http.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rate) rate.MinDataRate = null;
    }
}
