namespace BrokerGateway.Grpc;

/// <summary>
/// A call that ended with a non-OK gRPC status. Handlers throw it to answer that status with
/// <see cref="Detail"/> as <c>grpc-message</c>; the client throws it for every non-OK status it reads or
/// derives (PROTOCOL-HTTP2 "Responses"; derivation order in docs/grpc.md).
/// </summary>
public sealed class GrpcException : Exception
{
    static readonly IReadOnlyList<KeyValuePair<string, string>> NoTrailers = [];

    public GrpcException(StatusCode statusCode, string? detail = null)
        : this(statusCode, detail, NoTrailers, null)
    {
    }

    public GrpcException(StatusCode statusCode, string? detail, IReadOnlyList<KeyValuePair<string, string>> trailers,
        Exception? innerException = null)
        : base($"Status({statusCode}, \"{detail}\")", innerException)
    {
        StatusCode = statusCode;
        Detail = detail ?? "";
        Trailers = trailers;
    }

    /// <summary>The status the call ended with.</summary>
    public StatusCode StatusCode { get; }

    /// <summary>The human-readable message sent as <c>grpc-message</c> (decoded), or empty.</summary>
    public string Detail { get; }

    /// <summary>Custom trailing metadata the server sent with the status (client side only).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Trailers { get; }
}
