using System.Buffers;

namespace BrokerGateway.Server.Transport.Framed;

/// <summary>
/// <see cref="IClientSocket"/> with the gateway's own RFC 6455 framing over an upgraded HTTP/1.1 connection.
/// Unlike the built-in stack, a batch of frames is serialized into one buffer and written at once, so a busy
/// socket costs one send per batch rather than one per frame.
/// <para>
/// An idle socket holds no buffer: it waits on a zero-byte read, and receive and message buffers come from
/// <see cref="ArrayPool{T}"/> only while bytes are in hand. It holds no timer either: one
/// <see cref="KeepAliveSweeper"/> per acceptor pings and expires every socket.
/// </para>
/// Split by concern: receiving (<c>.Receive.cs</c>), sending (<c>.Send.cs</c>), keepalive
/// (<c>.KeepAlive.cs</c>), the upgrade (<c>.Acceptor.cs</c>).
/// </summary>
public sealed partial class FramedClientSocket : IClientSocket
{
    readonly Stream _input;
    readonly Stream _output;
    readonly SocketStream? _socketOutput; // the output when it is a bare socket: small batches go from the stack
    readonly Action _abort;
    readonly KeepAliveSweeper? _sweeper;

    // One writer at a time (§5.4: frames of different messages must not interleave): the send loop waits
    // for it; control frames (pong, ping, close) never wait, they are left for the holder to write.
    readonly SemaphoreSlim _writeLock = new(1, 1);

    int _disposed;

    /// <param name="input">Client frames in (the upgraded request's stream, or the bare socket's).</param>
    /// <param name="output">Server frames out (the same stream).</param>
    /// <param name="abort">Ends the connection at once.</param>
    /// <param name="sweeper">Pings and expires this socket; null for no keepalive.</param>
    /// <param name="batches">Writes queued frames of many sockets at once (a bare socket only); null: the send loop writes them.</param>
    internal FramedClientSocket(Stream input, Stream output, Action abort, KeepAliveSweeper? sweeper, RingSender? batches = null)
    {
        _input = input;
        _output = output;
        _socketOutput = output as SocketStream;
        _abort = abort;
        _sweeper = sweeper;
        _batches = batches;
        _lastReceived = sweeper?.Now ?? 0;
        sweeper?.Add(this);
    }

    /// <summary>True until a close frame is queued or the connection fails.</summary>
    public bool CanSend => Volatile.Read(ref _closePayload) is null && Volatile.Read(ref _failed) == 0;

    /// <summary>True once both close frames have crossed: the connection may end gracefully.</summary>
    bool ClosedCleanly => Volatile.Read(ref _closeWritten) == 1 && _peerClosed;

    /// <summary>
    /// Ends the connection at once, unless the closing handshake has completed: then the connection ends
    /// when its owner closes it, after what we wrote has gone out (an abort could drop our last close frame).
    /// </summary>
    public void Abort()
    {
        _sweeper?.Remove(this);
        // Disposed: the request is over and its connection gone or going; a late sweep must not touch it.
        if (ClosedCleanly || Volatile.Read(ref _disposed) == 1) return;
        Volatile.Write(ref _failed, 1);
        _abort();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _sweeper?.Remove(this);
        // A read still running owns the receive buffers; it returns them when it ends (see EndRead).
        if (Volatile.Read(ref _reading) == 0) ReleaseBuffers();
    }
}
