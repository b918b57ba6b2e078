using BrokerGateway.Core.Connections;

namespace BrokerGateway.Server.Transport;

/// <summary>What a read from a client socket produced.</summary>
public enum InboundStatus : byte
{
    /// <summary>A whole message is in <see cref="InboundMessage.Data"/>.</summary>
    Message,

    /// <summary>The client sent its close frame (or the connection ended).</summary>
    Closed,

    /// <summary>The message outgrew the limit; it was not buffered whole.</summary>
    TooBig,

    /// <summary>A text message that is not valid UTF-8, or a frame RFC 6455 forbids.</summary>
    Invalid,
}

/// <summary>One read: <see cref="Data"/> is valid until the next read.</summary>
public readonly record struct InboundMessage(InboundStatus Status, ReadOnlyMemory<byte> Data = default, bool IsText = true);

/// <summary>
/// A client's WebSocket as the gateway's loops use it: whole inbound messages with a size limit, and
/// batches of outbound frames written with as few writes as the implementation can manage. One reader
/// and one writer may use it at once.
/// </summary>
public interface IClientSocket : IDisposable
{
    /// <summary>
    /// Reads one whole message. An idle socket waits without holding a receive buffer. Cancelling may
    /// abort the socket: a caller that wants to give up waiting but keep the socket lets the read run.
    /// </summary>
    ValueTask<InboundMessage> ReceiveAsync(int maxMessageBytes, CancellationToken ct);

    /// <summary>
    /// Completes when input may be there to read, or the connection ended (the next read tells which; this
    /// may also throw). An idle session waits here rather than in a read, so the wait holds no read state of
    /// its own. The result means nothing: it is the transport's own zero-byte read, handed back as it is so
    /// the wait costs no allocation of its own.
    /// </summary>
    ValueTask<int> WaitForInputAsync(CancellationToken ct);

    /// <summary>Writes the frames in order, then flushes once.</summary>
    ValueTask SendAsync(ReadOnlyMemory<OutboundFrame> frames, CancellationToken ct);

    /// <summary>True once keepalive gave up on a silent client (it was told 4004, then cut off).</summary>
    bool IsStale { get; }

    /// <summary>True while frames may still be sent (no close frame sent, no failure).</summary>
    bool CanSend { get; }

    /// <summary>Sends the close frame with a code and reason (RFC 6455 §5.5.1; the reason is cut to fit).</summary>
    ValueTask CloseOutputAsync(int code, string reason, CancellationToken ct);

    /// <summary>After our close frame, reads and discards until the client's close, or the timeout.</summary>
    Task WaitForPeerCloseAsync(TimeSpan timeout);

    /// <summary>Ends the connection at once.</summary>
    void Abort();

    /// <summary>
    /// Lets the transport write <paramref name="queue"/>'s frames together with other sockets' (see
    /// <see cref="OutboundBatch"/>), if it can; by default the session's send loop writes them.
    /// </summary>
    void AttachBatchSends(OutboundQueue queue)
    {
    }
}

/// <summary>Accepts a WebSocket upgrade on a request.</summary>
public interface IClientSocketAcceptor
{
    Task<IClientSocket> AcceptAsync(HttpContext http, TimeSpan keepAlive);
}
