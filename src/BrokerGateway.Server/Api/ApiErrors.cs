using BrokerGateway.Core.Broker;
using BrokerGateway.Core.Gateway;
using BrokerGateway.Core.Presence;
using BrokerGateway.Grpc;
using BrokerGateway.Nats;
using Google.Protobuf;

namespace BrokerGateway.Server.Api;

/// <summary>
/// Turns what goes wrong behind a call into a gRPC status a person can act on (docs/api.md "Errors").
/// Anything not listed stays an unexpected exception: the layer logs it and answers INTERNAL.
/// </summary>
public static class ApiErrors
{
    public static GrpcException Invalid(string detail) => new(StatusCode.InvalidArgument, detail);

    public static GrpcException NotFound(string detail) => new(StatusCode.NotFound, detail);

    public static GrpcException Unavailable(string detail) => new(StatusCode.Unavailable, detail);

    /// <summary>Wraps a unary handler so store, broker and argument failures answer their status.</summary>
    public static Func<TRequest, GrpcCallContext, Task<TResponse>> Guard<TRequest, TResponse>(Func<TRequest, GrpcCallContext, Task<TResponse>> handler)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
        => async (request, context) =>
        {
            try
            {
                return await handler(request, context);
            }
            catch (Exception e) when (Map(e, context) is { } status)
            {
                throw status;
            }
        };

    /// <summary>Wraps a server-streaming handler the same way.</summary>
    public static Func<TRequest, IGrpcStreamWriter<TResponse>, GrpcCallContext, Task> Guard<TRequest, TResponse>(
        Func<TRequest, IGrpcStreamWriter<TResponse>, GrpcCallContext, Task> handler)
        => async (request, writer, context) =>
        {
            try
            {
                await handler(request, writer, context);
            }
            catch (Exception e) when (Map(e, context) is { } status)
            {
                throw status;
            }
        };

    /// <summary>An argument exception's message without the " (Parameter 'x')" the runtime appends.</summary>
    internal static string Text(ArgumentException e) =>
        e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;

    /// <summary>True for what a publish throws when NATS is gone (closed, disconnected past its buffer).</summary>
    internal static bool IsBrokerFailure(Exception e) => e is NatsException or ObjectDisposedException && e is not NatsMaxPayloadException;

    /// <summary>The status for an exception, or null to let it through unchanged.</summary>
    internal static GrpcException? Map(Exception e, GrpcCallContext context) => e switch
    {
        GrpcException => null,
        OperationCanceledException when context.CancellationToken.IsCancellationRequested => null,
        PresenceStoreUnavailableException p => Unavailable($"The presence store cannot be reached ({p.Message}); retry."),
        PartialSendException p => Unavailable(p.Message),
        NatsMaxPayloadException m => new GrpcException(StatusCode.ResourceExhausted, $"A push is too large for NATS: {m.Message}."),
        NatsException or ObjectDisposedException or NoRespondersException or RequestTimeoutException =>
            Unavailable($"NATS cannot be reached from this replica ({e.Message}); retry."),
        GatewayException g => new GrpcException(g.Code switch
        {
            ErrorCodes.BadRequest => StatusCode.InvalidArgument,
            ErrorCodes.NotFound => StatusCode.NotFound,
            ErrorCodes.Forbidden => StatusCode.PermissionDenied,
            ErrorCodes.LimitExceeded => StatusCode.ResourceExhausted,
            ErrorCodes.Unavailable or ErrorCodes.Timeout or ErrorCodes.NoResponders => StatusCode.Unavailable,
            _ => StatusCode.Internal,
        }, g.Message),
        // The stores refuse malformed ids and cursors this way (IPresenceStore contract).
        ArgumentException a => Invalid(Text(a)),
        _ => null,
    };
}

/// <summary>A batch of NATS messages failed part way; <see cref="Sent"/> of <see cref="Total"/> went out.</summary>
public sealed class PartialSendException(int sent, int total, Exception inner)
    : Exception(sent == 0
        ? $"NATS cannot be reached from this replica ({inner.Message}); nothing was sent; retry."
        : $"NATS failed after {sent} of {total} messages ({inner.Message}); the first {sent} went out, the rest did not.", inner)
{
    public int Sent { get; } = sent;
    public int Total { get; } = total;
}
