namespace BrokerGateway.Grpc;

/// <summary>
/// Sends response messages of a server-streaming or bidirectional call. Each write is flushed, so the
/// client sees the message before the call ends. Writes must not overlap: await each one.
/// </summary>
public interface IGrpcStreamWriter<in T>
{
    /// <summary>
    /// Writes one message. Throws <see cref="OperationCanceledException"/> when the caller went away or the
    /// deadline passed, and <see cref="InvalidOperationException"/> after the call has completed.
    /// </summary>
    Task WriteAsync(T message, CancellationToken cancellationToken = default);
}
