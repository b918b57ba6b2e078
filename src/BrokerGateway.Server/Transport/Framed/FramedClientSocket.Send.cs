using System.Buffers;
using BrokerGateway.Core.Connections;

namespace BrokerGateway.Server.Transport.Framed;

public sealed partial class FramedClientSocket
{
    /// <summary>
    /// The most a batch copies into one buffer before writing it; a payload that does not fit is written
    /// from its own memory after what was gathered (no copy of large payloads).
    /// </summary>
    const int WriteChunk = 64 * 1024;

    // Control frames waiting for the writer: whoever holds the write lock writes them after its data.
    byte[]? _pongPayload;
    int _pingRequested;
    byte[]? _closePayload; // set once: the first close wins; from then on CanSend is false
    int _closeWritten;
    int _failed;

    /// <summary>
    /// Writes every frame (header, then the shared payload untouched: server frames are not masked, §5.1)
    /// and flushes once, so the batch costs one send. Frames offered after our close frame are dropped.
    /// </summary>
    public async ValueTask SendAsync(IReadOnlyList<OutboundFrame> frames, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct);
        try
        {
            await WriteLockedAsync(frames, ct);
        }
        finally
        {
            _writeLock.Release();
        }
        if (HasPendingControl) await FlushControlAsync();
    }

    public async ValueTask CloseOutputAsync(int code, string reason, CancellationToken ct)
    {
        QueueClose(FrameCodec.ClosePayload(code, reason));
        await _writeLock.WaitAsync(ct);
        try
        {
            await WriteLockedAsync(null, ct);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    void QueuePong(byte[] payload) => Volatile.Write(ref _pongPayload, payload); // §5.5.3: the latest ping is enough

    void QueuePing() => Volatile.Write(ref _pingRequested, 1);

    void QueueClose(byte[] payload) => Interlocked.CompareExchange(ref _closePayload, payload, null);

    bool HasPendingControl =>
        Volatile.Read(ref _closeWritten) == 0
        && (Volatile.Read(ref _pongPayload) is not null || Volatile.Read(ref _pingRequested) == 1 || Volatile.Read(ref _closePayload) is not null);

    /// <summary>
    /// Writes queued control frames if no one else is writing; if someone is, they will (they look again
    /// after releasing the lock, and so do we: a frame queued in between is never stranded).
    /// </summary>
    async Task FlushControlAsync()
    {
        while (HasPendingControl && Volatile.Read(ref _failed) == 0 && _writeLock.Wait(0))
        {
            try
            {
                await WriteLockedAsync(null, CancellationToken.None);
            }
            catch (Exception)
            {
                // The connection is gone; the loops find out on their own reads and writes.
                return;
            }
            finally
            {
                _writeLock.Release();
            }
        }
    }

    /// <summary>Holding the write lock: data frames, then queued control frames, the close frame last.</summary>
    async ValueTask WriteLockedAsync(IReadOnlyList<OutboundFrame>? frames, CancellationToken ct)
    {
        if (Volatile.Read(ref _closeWritten) == 1) return; // §5.5.1: nothing follows a close frame
        var pong = Interlocked.Exchange(ref _pongPayload, null);
        var ping = Interlocked.Exchange(ref _pingRequested, 0) == 1;
        var close = Volatile.Read(ref _closePayload);
        if ((frames?.Count ?? 0) == 0 && pong is null && !ping && close is null) return;
        try
        {
            await WriteToStreamAsync(_output, frames, pong, ping, close, ct);
            if (close is not null) Volatile.Write(ref _closeWritten, 1);
        }
        catch (Exception)
        {
            Volatile.Write(ref _failed, 1);
            throw;
        }
    }

    /// <summary>
    /// Every frame serialized into as few rented buffers as possible and handed over with one write, so the
    /// batch costs one send (on a bare socket, one system call; through Kestrel, one flush).
    /// </summary>
    async ValueTask WriteToStreamAsync(Stream output, IReadOnlyList<OutboundFrame>? frames, byte[]? pong, bool ping, byte[]? close,
        CancellationToken ct)
    {
        long size = 0;
        var count = frames?.Count ?? 0;
        for (var i = 0; i < count; i++)
        {
            var length = frames![i].Data.Length;
            size += FrameCodec.HeaderSize(length) + length;
        }
        var control = (pong is null ? 0 : 2 + pong.Length) + (ping ? 2 : 0) + (close is null ? 0 : 2 + close.Length);
        size += control;

        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(size, WriteChunk));
        try
        {
            var used = 0;
            for (var i = 0; i < count; i++)
            {
                var frame = frames![i];
                var payload = frame.Data;
                if (buffer.Length - used < FrameCodec.MaxServerHeader + Math.Min(payload.Length, 1024))
                {
                    await WriteAsync(output, buffer, used, ct);
                    used = 0;
                }
                used += FrameCodec.WriteHeader(buffer.AsSpan(used), frame.IsText ? Opcode.Text : Opcode.Binary, payload.Length);
                if (payload.Length <= buffer.Length - used)
                {
                    payload.Span.CopyTo(buffer.AsSpan(used));
                    used += payload.Length;
                }
                else
                {
                    // Too large to gather: what is gathered goes first, then the payload from its own memory.
                    await WriteAsync(output, buffer, used, ct);
                    used = 0;
                    await output.WriteAsync(payload, ct);
                }
            }
            if (buffer.Length - used < control)
            {
                await WriteAsync(output, buffer, used, ct);
                used = 0;
            }
            if (pong is not null) used += WriteControl(buffer.AsSpan(used), Opcode.Pong, pong);
            if (ping) used += WriteControl(buffer.AsSpan(used), Opcode.Ping, []);
            if (close is not null) used += WriteControl(buffer.AsSpan(used), Opcode.Close, close);
            await WriteAsync(output, buffer, used, ct);
            await output.FlushAsync(ct);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    static ValueTask WriteAsync(Stream output, byte[] buffer, int count, CancellationToken ct) =>
        count == 0 ? default : output.WriteAsync(buffer.AsMemory(0, count), ct);

    static int WriteControl(Span<byte> destination, Opcode opcode, ReadOnlySpan<byte> payload)
    {
        var header = FrameCodec.WriteHeader(destination, opcode, payload.Length);
        payload.CopyTo(destination[header..]);
        return header + payload.Length;
    }
}
