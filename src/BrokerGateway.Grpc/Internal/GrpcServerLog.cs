using Microsoft.Extensions.Logging;

namespace BrokerGateway.Grpc.Internal;

/// <summary>Log events of the gRPC server layer. Event names and ids are public once shipped.</summary>
internal static partial class GrpcServerLog
{
    [LoggerMessage(1, LogLevel.Error, "Error when executing service method '{Method}'.", EventName = "ErrorExecutingServiceMethod")]
    public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(2, LogLevel.Debug, "Deadline of {Timeout} exceeded for '{Method}'.", EventName = "DeadlineExceeded")]
    public static partial void DeadlineExceeded(ILogger logger, string method, TimeSpan timeout);

    [LoggerMessage(3, LogLevel.Debug, "Caller went away during '{Method}'.", EventName = "CallCancelled")]
    public static partial void CallCancelled(ILogger logger, string method);

    [LoggerMessage(4, LogLevel.Debug, "Request with protocol '{Protocol}' refused: gRPC needs HTTP/2.", EventName = "UnsupportedProtocol")]
    public static partial void UnsupportedProtocol(ILogger logger, string protocol);

    [LoggerMessage(5, LogLevel.Debug, "Request with content type '{ContentType}' refused.", EventName = "UnsupportedContentType")]
    public static partial void UnsupportedContentType(ILogger logger, string? contentType);

    [LoggerMessage(6, LogLevel.Debug, "No method at '{Path}'.", EventName = "UnimplementedMethod")]
    public static partial void Unimplemented(ILogger logger, string path);

    [LoggerMessage(7, LogLevel.Debug, "Call to '{Method}' refused: missing or wrong bearer token.", EventName = "Unauthenticated")]
    public static partial void Unauthenticated(ILogger logger, string method);

    [LoggerMessage(8, LogLevel.Debug, "Call to '{Method}' refused: malformed grpc-timeout '{Value}'.", EventName = "InvalidTimeout")]
    public static partial void InvalidTimeout(ILogger logger, string method, string value);

    [LoggerMessage(9, LogLevel.Debug, "Call to '{Method}' ended {Status}: {Detail}", EventName = "CallFailed")]
    public static partial void CallFailed(ILogger logger, string method, StatusCode status, string detail);

    [LoggerMessage(10, LogLevel.Warning, "Could not send the deadline status of '{Method}'.", EventName = "DeadlineStatusFailed")]
    public static partial void DeadlineStatusFailed(ILogger logger, string method, Exception exception);

    // Events 4 to 8 are at Debug, one per call: this is what an operator sees of them (RefusalLog).
    [LoggerMessage(11, LogLevel.Warning, "{Count} call(s) refused ({Reason}) since the last such warning, the latest: {Example}. Each is logged at Debug; this warning comes at most once per {Interval} per reason.", EventName = "CallsRefused")]
    public static partial void CallsRefused(ILogger logger, RefusalReason reason, long count, string example, TimeSpan interval);
}
