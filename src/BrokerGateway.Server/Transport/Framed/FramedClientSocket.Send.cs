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

    /// <summary>A batch up to this size on a bare socket is serialized on the stack: no buffer is rented.</summary>
    const int StackBatch = 1024;

    // Control frames waiting for the writer: whoever holds the write lock writes them after its data.
    byte[]? _pongPayload;
    int _pingRequested;
    byte[]? _closePayload; // set once: the first close wins; from then on CanSend is false
    int _closeWritten;
    int _failed;

    /// <summary>
    /// Writes every frame (header, then the shared payload untouched: server frames are not masked, §5.1)
    /// and flushes once, so the batch costs one send. Frames offered after our close frame are dropped.
    /// <para>
    /// Not an async method: the usual send (no other writer, a kernel with room) runs to its end without
    /// suspending, so none of its layers builds asynchronous state; with one send per delivery, they count.
    /// </para>
    /// </summary>
    public ValueTask SendAsync(ReadOnlyMemory<OutboundFrame> frames, CancellationToken ct) =>
        _writeLock.Wait(0) ? SendHoldingLock(frames, ct) : SendWhenFreeAsync(frames, ct);

    async ValueTask SendWhenFreeAsync(ReadOnlyMemory<OutboundFrame> frames, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct);
        await SendHoldingLock(frames, ct);
    }

    /// <summary>Holding the write lock: writes, releases the lock, then writes what control frames wait.</summary>
    ValueTask SendHoldingLock(ReadOnlyMemory<OutboundFrame> frames, CancellationToken ct)
    {
        ValueTask write;
        try
        {
            write = WriteLockedAsync(frames, ct);
        }
        catch (Exception)
        {
            _writeLock.Release();
            throw;
        }
        if (!write.IsCompletedSuccessfully) return ReleaseAfterAsync(write);
        write.GetAwaiter().GetResult();
        _writeLock.Release();
        return HasPendingControl ? new ValueTask(FlushControlAsync()) : default;
    }

    /// <summary>Once <paramref name="write"/> (made holding the write lock) ends: releases the lock, then writes what control frames wait.</summary>
    async ValueTask ReleaseAfterAsync(ValueTask write)
    {
        try
        {
            await write;
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
            await WriteLockedAsync(default, ct);
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
                await WriteLockedAsync(default, CancellationToken.None);
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
    ValueTask WriteLockedAsync(ReadOnlyMemory<OutboundFrame> frames, CancellationToken ct)
    {
        if (Volatile.Read(ref _closeWritten) == 1) return default; // §5.5.1: nothing follows a close frame
        var control = new ControlFrames(Interlocked.Exchange(ref _pongPayload, null), Interlocked.Exchange(ref _pingRequested, 0) == 1,
            Volatile.Read(ref _closePayload));
        if (frames.IsEmpty && control.IsEmpty) return default;
        ValueTask write;
        try
        {
            write = WriteFramesAsync(frames, control, ct);
        }
        catch (Exception)
        {
            Volatile.Write(ref _failed, 1);
            throw;
        }
        if (!write.IsCompletedSuccessfully) return AfterWriteAsync(write, control.Close is not null);
        write.GetAwaiter().GetResult();
        if (control.Close is not null) Volatile.Write(ref _closeWritten, 1);
        return default;
    }

    async ValueTask AfterWriteAsync(ValueTask write, bool closes)
    {
        try
        {
            await write;
        }
        catch (Exception)
        {
            Volatile.Write(ref _failed, 1);
            throw;
        }
        if (closes) Volatile.Write(ref _closeWritten, 1);
    }

    /// <summary>
    /// A small batch on a bare socket is serialized on the stack and handed to the kernel from there (one
    /// system call, no buffer rented); anything else goes through <see cref="WriteToStreamAsync"/>.
    /// </summary>
    ValueTask WriteFramesAsync(ReadOnlyMemory<OutboundFrame> frames, ControlFrames control, CancellationToken ct)
    {
        var size = control.Size + SerializedSize(frames.Span);
        if (size > StackBatch || _socketOutput is not { } socket) return WriteToStreamAsync(_output, frames, control, size, ct);

        Span<byte> buffer = stackalloc byte[(int)size]; // at most StackBatch
        var used = Serialize(frames.Span, buffer);
        control.WriteTo(buffer[used..]);
        return socket.WriteAsync(buffer, ct);
    }

    /// <summary>The bytes <see cref="Serialize"/> writes for these frames.</summary>
    internal static long SerializedSize(ReadOnlySpan<OutboundFrame> frames)
    {
        long size = 0;
        foreach (var frame in frames) size += FrameCodec.HeaderSize(frame.Data.Length) + frame.Data.Length;
        return size;
    }

    /// <summary>Writes each frame (header, then payload) into <paramref name="buffer"/>; returns the bytes written.</summary>
    internal static int Serialize(ReadOnlySpan<OutboundFrame> frames, Span<byte> buffer)
    {
        var used = 0;
        foreach (var frame in frames)
        {
            used += FrameCodec.WriteHeader(buffer[used..], frame.IsText ? Opcode.Text : Opcode.Binary, frame.Data.Length);
            frame.Data.Span.CopyTo(buffer[used..]);
            used += frame.Data.Length;
        }
        return used;
    }

    /// <summary>
    /// Every frame serialized into as few rented buffers as possible and handed over with one write, so the
    /// batch costs one send (on a bare socket, one system call; through Kestrel, one flush).
    /// </summary>
    async ValueTask WriteToStreamAsync(Stream output, ReadOnlyMemory<OutboundFrame> frames, ControlFrames control, long size, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(size, WriteChunk));
        try
        {
            var used = 0;
            for (var i = 0; i < frames.Length; i++)
            {
                var frame = frames.Span[i];
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
            if (buffer.Length - used < control.Size)
            {
                await WriteAsync(output, buffer, used, ct);
                used = 0;
            }
            used += control.WriteTo(buffer.AsSpan(used));
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

    /// <summary>The control frames a write carries after its data: the latest pong, a ping, the close frame last.</summary>
    readonly record struct ControlFrames(byte[]? Pong, bool Ping, byte[]? Close)
    {
        public bool IsEmpty => Pong is null && !Ping && Close is null;

        public int Size => (Pong is null ? 0 : 2 + Pong.Length) + (Ping ? 2 : 0) + (Close is null ? 0 : 2 + Close.Length);

        public int WriteTo(Span<byte> destination)
        {
            var used = 0;
            if (Pong is not null) used += WriteControl(destination[used..], Opcode.Pong, Pong);
            if (Ping) used += WriteControl(destination[used..], Opcode.Ping, []);
            if (Close is not null) used += WriteControl(destination[used..], Opcode.Close, Close);
            return used;
        }

        static int WriteControl(Span<byte> destination, Opcode opcode, ReadOnlySpan<byte> payload)
        {
            var header = FrameCodec.WriteHeader(destination, opcode, payload.Length);
            payload.CopyTo(destination[header..]);
            return header + payload.Length;
        }
    }
}
