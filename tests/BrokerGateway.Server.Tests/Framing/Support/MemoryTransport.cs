using System.Buffers;
using System.IO.Pipelines;
using BrokerGateway.Server.Transport.Framed;

namespace BrokerGateway.Server.Tests.Framing.Support;

/// <summary>
/// An in-memory connection for a <see cref="FramedClientSocket"/>: the test plays the client, writing raw
/// bytes and reading back the server's frames. Counts the server's writes, and can hold them at a gate.
/// </summary>
public sealed class MemoryTransport : Stream
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    readonly Pipe _toServer = new(new PipeOptions(pauseWriterThreshold: 0));
    readonly Pipe _toClient = new(new PipeOptions(pauseWriterThreshold: 0));
    TaskCompletionSource? _gate;
    int _writes;

    public int Writes => Volatile.Read(ref _writes);
    public bool Aborted { get; private set; }

    /// <summary>A socket over this transport, with an abort that ends the connection both ways.</summary>
    public FramedClientSocket CreateSocket(KeepAliveSweeper? sweeper = null) => new(this, this, Abort, sweeper);

    public void Abort()
    {
        Aborted = true;
        _toServer.Writer.Complete(new IOException("aborted"));
        _toClient.Writer.Complete();
    }

    // ---- the client's side ----

    public async Task SendAsync(params byte[][] chunks)
    {
        foreach (var chunk in chunks) await _toServer.Writer.WriteAsync(chunk).AsTask().WaitAsync(Timeout);
    }

    /// <summary>Ends the client's half without a close frame (a dropped connection).</summary>
    public void EndClient() => _toServer.Writer.Complete();

    /// <summary>The next frame the server wrote.</summary>
    public async Task<ServerFrame> NextFrameAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Timeout);
        while (true)
        {
            var result = await _toClient.Reader.ReadAsync(cts.Token);
            var bytes = result.Buffer.ToArray();
            var frame = ServerFrame.TryRead(bytes, out var consumed);
            if (frame is not null)
            {
                _toClient.Reader.AdvanceTo(result.Buffer.GetPosition(consumed));
                return frame;
            }
            if (result.IsCompleted) throw new EndOfStreamException("the server ended the connection");
            _toClient.Reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    /// <summary>True when the server has written nothing that is not yet read.</summary>
    public bool NothingWritten()
    {
        if (!_toClient.Reader.TryRead(out var result)) return true;
        var empty = result.Buffer.IsEmpty;
        _toClient.Reader.AdvanceTo(result.Buffer.Start);
        return empty;
    }

    /// <summary>Holds the server's writes until <see cref="OpenGate"/>.</summary>
    public void CloseGate() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void OpenGate() => _gate?.TrySetResult();

    // ---- the server's side: the Stream ----

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        var result = await _toServer.Reader.ReadAsync(ct);
        if (buffer.Length == 0)
        {
            // A zero-byte read waits for data and consumes none, as Kestrel's does.
            _toServer.Reader.AdvanceTo(result.Buffer.Start);
            return 0;
        }
        var n = (int)Math.Min(buffer.Length, result.Buffer.Length);
        result.Buffer.Slice(0, n).CopyTo(buffer.Span);
        _toServer.Reader.AdvanceTo(result.Buffer.GetPosition(n));
        return n;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        if (_gate is { } gate) await gate.Task.WaitAsync(ct);
        if (Aborted) throw new IOException("aborted");
        Interlocked.Increment(ref _writes);
        await _toClient.Writer.WriteAsync(buffer, ct);
    }

    public override Task FlushAsync(CancellationToken ct) => Task.CompletedTask;

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();
    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
