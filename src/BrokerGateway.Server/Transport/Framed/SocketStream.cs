using System.Net.Sockets;

namespace BrokerGateway.Server.Transport.Framed;

/// <summary>
/// A connected, non-blocking socket as the stream a <see cref="FramedClientSocket"/> reads and writes. A
/// write goes to the kernel at once, from the caller's thread; only what the kernel has no room for is
/// awaited. So a socket whose client keeps up never builds the state of an asynchronous send (some hundreds
/// of bytes, kept for the socket's life), and a batch costs one system call and no hand-off.
/// </summary>
internal sealed class SocketStream : Stream
{
    readonly Socket _socket;
    readonly SafeSocketHandle _handle; // kept: the property marks the handle exposed on every read

    public SocketStream(Socket socket)
    {
        socket.Blocking = false; // a send the kernel cannot take now says so instead of waiting
        _socket = socket;
        _handle = socket.SafeHandle;
    }

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var sent = SendNow(buffer.Span);
        return sent == buffer.Length ? default : SendRestAsync(buffer[sent..], cancellationToken);
    }

    /// <summary>
    /// Writes bytes the caller may reuse as soon as this returns (a stack buffer): what the kernel takes now
    /// goes from them; only a rest it has no room for is copied, and awaited.
    /// </summary>
    public ValueTask WriteAsync(ReadOnlySpan<byte> bytes, CancellationToken ct)
    {
        var sent = SendNow(bytes);
        return sent == bytes.Length ? default : SendRestAsync(bytes[sent..].ToArray(), ct);
    }

    /// <summary>
    /// The socket's descriptor, for a send made outside this stream (<see cref="RingSender"/>), held open
    /// until <see cref="ReleaseDescriptor"/>: a socket disposed meanwhile closes it only then. False once closed.
    /// </summary>
    public bool TryHoldDescriptor(out int fd)
    {
        fd = -1;
        var handle = _handle;
        var held = false;
        try
        {
            handle.DangerousAddRef(ref held);
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        if (handle.IsInvalid)
        {
            handle.DangerousRelease();
            return false;
        }
        fd = (int)handle.DangerousGetHandle();
        return true;
    }

    public void ReleaseDescriptor() => _handle.DangerousRelease();

    /// <summary>Sends what the kernel takes without waiting; returns how much that was.</summary>
    int SendNow(ReadOnlySpan<byte> bytes)
    {
        var total = 0;
        while (total < bytes.Length)
        {
            var sent = _socket.Send(bytes[total..], SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock) break;
            if (error != SocketError.Success) throw new IOException("the connection is closed", new SocketException((int)error));
            total += sent;
        }
        return total;
    }

    /// <summary>The kernel's send buffer is full (a slow client): wait for room, for the rest only.</summary>
    async ValueTask SendRestAsync(ReadOnlyMemory<byte> rest, CancellationToken ct)
    {
        while (!rest.IsEmpty)
        {
            try
            {
                rest = rest[await _socket.SendAsync(rest, SocketFlags.None, ct)..];
            }
            catch (SocketException e)
            {
                throw new IOException("the connection is closed", e);
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    // Only the asynchronous calls above are used: a blocking call on a non-blocking socket has no meaning here.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous reads only");
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous writes only");
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
