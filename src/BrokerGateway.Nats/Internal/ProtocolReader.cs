namespace BrokerGateway.Nats.Internal;

/// <summary>
/// The receive side of one transport: a contiguous buffer that grows to fit the largest frame seen and shrinks
/// back once empty. A contiguous buffer keeps parsing on spans; large frames cost one extra copy, which is
/// small next to the network.
/// </summary>
sealed class ProtocolReader(INatsTransport transport)
{
    const int InitialSize = 64 * 1024;
    byte[] _buffer = new byte[InitialSize];
    int _start, _end, _needed;

    /// <summary>Parses the next complete command in the buffer; <paramref name="frame"/> is valid until the next fill.</summary>
    public bool TryRead(out ServerOp op, out ReadOnlySpan<byte> frame)
    {
        var available = _buffer.AsSpan(_start, _end - _start);
        if (!ProtocolParser.TryParse(available, out op, out var consumed, out var needed))
        {
            _needed = needed;
            frame = default;
            return false;
        }
        frame = available[..consumed];
        _start += consumed;
        _needed = 0;
        return true;
    }

    /// <summary>Receives more bytes; false when the server closed the stream (a partial frame is dropped, digest §6).</summary>
    public async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        MakeRoom();
        var read = await transport.ReceiveAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        if (read <= 0) return false;
        _end += read;
        return true;
    }

    void MakeRoom()
    {
        var remaining = _end - _start;
        if (remaining == 0)
        {
            _start = _end = 0;
            if (_buffer.Length > InitialSize && _needed == 0) _buffer = new byte[InitialSize];
        }
        // Toward a frame's declared size at most doubling what is held: a line declaring 64 MiB is not a
        // reason to allocate 64 MiB before the bytes come.
        var want = Math.Max(remaining + 1, (int)Math.Min(_needed, Math.Max(2L * remaining, InitialSize)));
        if (want > _buffer.Length)
        {
            var bigger = GC.AllocateUninitializedArray<byte>(Math.Max(want, (int)Math.Min(_buffer.Length * 2L, Array.MaxLength)));
            _buffer.AsSpan(_start, remaining).CopyTo(bigger);
            _buffer = bigger;
            _start = 0;
            _end = remaining;
        }
        else if (_start > 0 && (_buffer.Length - _end < 4096 || _start + want > _buffer.Length))
        {
            _buffer.AsSpan(_start, remaining).CopyTo(_buffer);
            _start = 0;
            _end = remaining;
        }
    }
}
