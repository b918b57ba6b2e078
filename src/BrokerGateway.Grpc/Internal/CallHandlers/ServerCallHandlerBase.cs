using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.Grpc.Internal.CallHandlers;

/// <summary>
/// Runs one call of one method (grpc-dotnet ServerCallHandlerBase): arms the deadline, runs the call
/// shape's core, and turns its outcome into a status. The protocol checks shared with unknown paths
/// (HTTP/2, POST, content type, auth, the <c>grpc-timeout</c> grammar) happen before, in <see cref="GrpcDispatcher"/>.
/// </summary>
internal abstract class ServerCallHandlerBase(GrpcMethodDefinition method, GrpcServerOptions options, ILogger logger)
{
    public GrpcMethodDefinition Method { get; } = method;
    protected GrpcServerOptions Options { get; } = options;
    protected ILogger Logger { get; } = logger;

    /// <summary>True when the request is a stream, so Kestrel's whole-body limits must not apply.</summary>
    protected abstract bool StreamsRequests { get; }

    /// <param name="timeout">The caller's <c>grpc-timeout</c>, already parsed; null when it sent none.</param>
    public Task HandleCallAsync(HttpContext http, string? bearerToken, TimeSpan? timeout)
    {
        http.Response.ContentType = GrpcProtocol.ContentType;
        var call = new GrpcCallContext(http, Method, Options, Logger, bearerToken);
        ValueTask<IMessage?> core;
        try
        {
            call.Start(timeout);
            RelaxBodyLimits(http);
            core = HandleCallCoreAsync(call);
        }
        catch (Exception ex)
        {
            return FailAsync(call, ex);
        }
        // The synchronous fast path (grpc-dotnet ServerCallHandlerBase): a unary request already in the
        // body buffer and a handler that answers without awaiting finish with no async machinery at all.
        if (core.IsCompletedSuccessfully)
        {
            try
            {
                var complete = call.CompleteAsync(core.Result);
                if (complete.IsCompletedSuccessfully)
                {
                    call.End();
                    return Task.CompletedTask;
                }
                return AwaitCompletionAsync(call, complete);
            }
            catch (Exception ex)
            {
                return FailAsync(call, ex);
            }
        }
        return AwaitCoreAsync(call, core);
    }

    static async Task AwaitCoreAsync(GrpcCallContext call, ValueTask<IMessage?> core)
    {
        try
        {
            var response = await core;
            await call.CompleteAsync(response);
        }
        catch (Exception ex)
        {
            await call.CompleteWithExceptionAsync(ex);
        }
        finally
        {
            call.End();
        }
    }

    static async Task AwaitCompletionAsync(GrpcCallContext call, Task complete)
    {
        try
        {
            await complete;
        }
        catch (Exception ex)
        {
            await call.CompleteWithExceptionAsync(ex);
        }
        finally
        {
            call.End();
        }
    }

    static async Task FailAsync(GrpcCallContext call, Exception exception)
    {
        try
        {
            await call.CompleteWithExceptionAsync(exception);
        }
        finally
        {
            call.End();
        }
    }

    /// <summary>
    /// Runs the handler. Returns the unary response to send, or null when messages were streamed.
    /// Completes synchronously when it can, which lets <see cref="HandleCallAsync"/> skip every await.
    /// </summary>
    protected abstract ValueTask<IMessage?> HandleCallCoreAsync(GrpcCallContext call);

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
