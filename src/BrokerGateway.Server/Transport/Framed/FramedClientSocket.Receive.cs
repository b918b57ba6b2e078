using System.Buffers;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace BrokerGateway.Server.Transport.Framed;

public sealed partial class FramedClientSocket
{
    /// <summary>Bytes rented per receive: a frame header and any control frame fit many times over.</summary>
    const int ReceiveChunk = 4096;

    /// <summary>A data frame's payload this large is read straight into the message, not through the chunk.</summary>
    const int DirectReadThreshold = 1024;

    // Bytes received and not yet parsed: [_inStart, _inEnd) of _in. Null while nothing is buffered.
    byte[]? _in;
    int _inStart;
    int _inEnd;

    // The message being assembled (§5.4: a first frame and its continuations).
    byte[]? _message;
    int _messageLength;
    bool _inMessage;
    bool _messageText;

    // The data frame whose payload is being read.
    bool _frameActive;
    bool _frameFin;
    bool _frameDiscarded; // its payload is skipped: too big, or we are only waiting for the client's close
    long _frameRemaining;
    uint _frameMask;
    int _maskOffset;

    bool _peerClosed;
    int _reading;
    long _lastReceived;

    /// <summary>True while a receive or message buffer is rented (an idle socket holds neither).</summary>
    internal bool HoldsBuffers => Volatile.Read(ref _in) is not null || Volatile.Read(ref _message) is not null;

    /// <summary>The size of the buffer the message being read is gathered in (0 for none).</summary>
    internal int MessageCapacity => Volatile.Read(ref _message)?.Length ?? 0;

    /// <summary>
    /// A zero-byte read of the connection, unless bytes are buffered already. Returned as it is: while it
    /// waits, the idle socket holds that one pending read and nothing of the frame parser's.
    /// </summary>
    public ValueTask<int> WaitForInputAsync(CancellationToken ct)
    {
        if (_peerClosed || _inStart < _inEnd || Volatile.Read(ref _disposed) == 1) return default;
#pragma warning disable CA2022 // a zero-byte read only waits; it reads nothing by design
        return _input.ReadAsync(Memory<byte>.Empty, ct);
#pragma warning restore CA2022
    }

    public async ValueTask<InboundMessage> ReceiveAsync(int maxMessageBytes, CancellationToken ct)
    {
        StartRead();
        try
        {
            ReleaseMessage(); // the previous message was valid until this read
            if (_peerClosed) return new(InboundStatus.Closed);
            ReadOutcome outcome;
            try
            {
                outcome = await ReadAsync(maxMessageBytes, strict: true, ct);
            }
            catch (SocketException e)
            {
                throw new IOException("the connection is closed", e); // as a stream would say it (a bare socket's does not)
            }
            switch (outcome.Kind)
            {
                case ReadKind.Message:
                    var data = _message is null ? ReadOnlyMemory<byte>.Empty : _message.AsMemory(0, _messageLength);
                    // §8.1: text is UTF-8; checked once the message is whole (the session closes with 1007).
                    if (_messageText && !System.Text.Unicode.Utf8.IsValid(data.Span)) return new(InboundStatus.Invalid);
                    return new(InboundStatus.Message, data, _messageText);
                case ReadKind.TooBig:
                    return new(InboundStatus.TooBig);
                case ReadKind.PeerClose:
                    _peerClosed = true;
                    // §5.5.1: answer with a close frame (echoing the code) unless ours went out first.
                    QueueClose(FrameCodec.ClosePayload(outcome.Code, ""));
                    await FlushControlAsync();
                    return new(InboundStatus.Closed);
                case ReadKind.Violation:
                    // §7.1.7: fail the connection, telling the client why in a close frame.
                    QueueClose(FrameCodec.ClosePayload(outcome.Code, outcome.Reason!));
                    await FlushControlAsync();
                    throw new WebSocketException(WebSocketError.Faulted, $"RFC 6455 violation: {outcome.Reason}");
                default:
                    throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely,
                        "the client closed the connection without a close frame");
            }
        }
        finally
        {
            EndRead();
        }
    }

    public async Task WaitForPeerCloseAsync(TimeSpan timeout)
    {
        // As the built-in stack: only after our close frame, and only until the client's.
        if (CanSend || _peerClosed || Volatile.Read(ref _stale) == 1) return;
        using var cts = new CancellationTokenSource(timeout);
        StartRead();
        try
        {
            ReleaseMessage();
            // Whatever comes is discarded (§7.1.1); the headers are read only to find the close frame.
            var outcome = await ReadAsync(int.MaxValue, strict: false, cts.Token);
            if (outcome.Kind == ReadKind.PeerClose) _peerClosed = true;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or WebSocketException or ObjectDisposedException)
        {
        }
        finally
        {
            EndRead();
        }
    }

    enum ReadKind : byte { Message, TooBig, PeerClose, Violation, EndOfStream }

    readonly record struct ReadOutcome(ReadKind Kind, int Code = 0, string? Reason = null);

    /// <summary>
    /// Reads frames until a message is whole, a close frame arrives, or the client breaks a rule. Control
    /// frames between fragments are handled on the way (§5.4): a ping is answered, a pong proves the client
    /// alive. A strict read enforces §5; a lenient one discards data while waiting for the client's close.
    /// </summary>
    async ValueTask<ReadOutcome> ReadAsync(int maxMessageBytes, bool strict, CancellationToken ct)
    {
        while (true)
        {
            if (_frameActive)
            {
                if (_frameRemaining > 0)
                {
                    if (_inStart == _inEnd)
                    {
                        if (!_frameDiscarded && _frameRemaining >= DirectReadThreshold)
                        {
                            // Large payloads skip the receive chunk: read into the message, unmask there. The message
                            // grows with what came (at most doubling), not with what the header declared: a header
                            // alone must not make a client hold a buffer the size of the message limit.
                            var want = (int)Math.Min(_frameRemaining, Math.Max(DirectReadThreshold, _messageLength));
                            EnsureMessageCapacity(_messageLength + want, _messageLength + _frameRemaining);
                            var target = _message.AsMemory(_messageLength, want);
                            ReturnIn();
                            var n = await _input.ReadAsync(target, ct);
                            if (n == 0) return new(ReadKind.EndOfStream);
                            Touch();
                            _maskOffset = FrameCodec.Unmask(target.Span[..n], _frameMask, _maskOffset);
                            _messageLength += n;
                            _frameRemaining -= n;
                            continue;
                        }
                        if (!await FillAsync(ct)) return new(ReadKind.EndOfStream);
                    }
                    var take = (int)Math.Min(_frameRemaining, _inEnd - _inStart);
                    if (!_frameDiscarded)
                    {
                        EnsureMessageCapacity(_messageLength + take, _messageLength + _frameRemaining);
                        var destination = _message.AsSpan(_messageLength, take);
                        _in.AsSpan(_inStart, take).CopyTo(destination);
                        _maskOffset = FrameCodec.Unmask(destination, _frameMask, _maskOffset);
                        _messageLength += take;
                    }
                    _inStart += take;
                    _frameRemaining -= take;
                    continue;
                }
                _frameActive = false;
                if (!_frameFin) continue;
                _inMessage = false;
                if (_frameDiscarded) continue;
                ReturnInIfEmpty();
                return new(ReadKind.Message);
            }

            var status = FrameCodec.TryReadHeader(_in.AsSpan(_inStart, _inEnd - _inStart), strict, out var header, out var violation);
            if (status == HeaderStatus.Violation) return new(ReadKind.Violation, violation.Code, violation.Reason);
            if (status == HeaderStatus.NeedMore)
            {
                if (!await FillAsync(ct)) return new(ReadKind.EndOfStream);
                continue;
            }

            if (header.IsControl && header.PayloadLength <= FrameCodec.MaxControlPayload)
            {
                var total = header.Length + (int)header.PayloadLength;
                if (_inEnd - _inStart < total)
                {
                    if (!await FillAsync(ct)) return new(ReadKind.EndOfStream);
                    continue;
                }
                var payload = _in.AsSpan(_inStart + header.Length, (int)header.PayloadLength);
                FrameCodec.Unmask(payload, header.Mask, 0);
                if (header.Opcode == Opcode.Close)
                {
                    var valid = FrameCodec.TryReadClose(payload, out var code, out _, out violation);
                    _inStart += total;
                    ReturnInIfEmpty();
                    if (!valid && strict) return new(ReadKind.Violation, violation.Code, violation.Reason);
                    return new(ReadKind.PeerClose, valid ? code : FrameCodec.NoStatus);
                }
                if (header.Opcode == Opcode.Ping && strict)
                {
                    // §5.5.2: a pong with the ping's payload, as soon as practical, without waiting on a send.
                    QueuePong(payload.ToArray());
                    _ = FlushControlAsync();
                }
                _inStart += total;
                continue; // a pong (§5.5.3: unsolicited ones are allowed) or, while closing, anything
            }

            _inStart += header.Length;
            _frameActive = true;
            _frameFin = header.Fin;
            _frameRemaining = header.PayloadLength;
            _frameMask = header.Mask;
            _maskOffset = 0;
            _frameDiscarded = !strict || header.IsControl;
            if (_frameDiscarded) continue;

            // §5.4: a message is one first frame then continuations; nothing else may interleave but control frames.
            if (header.Opcode == Opcode.Continuation && !_inMessage)
                return new(ReadKind.Violation, FrameCodec.ProtocolError, "a continuation frame with no message to continue");
            if (header.Opcode != Opcode.Continuation && _inMessage)
                return new(ReadKind.Violation, FrameCodec.ProtocolError, "a new message began before the previous one ended");
            if (!_inMessage)
            {
                _inMessage = true;
                _messageText = header.Opcode == Opcode.Text;
                _messageLength = 0;
            }
            // The limit holds against declared lengths, before a byte of the payload is buffered.
            if (_messageLength + header.PayloadLength > maxMessageBytes)
            {
                _frameDiscarded = true;
                ReleaseMessage();
                return new(ReadKind.TooBig);
            }
        }
    }

    /// <summary>
    /// Reads more bytes. With nothing buffered it first waits on a zero-byte read, so an idle socket holds
    /// no buffer (it completes when data arrives); only then is a chunk rented.
    /// </summary>
    async ValueTask<bool> FillAsync(CancellationToken ct)
    {
        if (_in is null || _inStart == _inEnd)
        {
            ReturnIn();
#pragma warning disable CA2022 // a zero-byte read only waits; it reads nothing by design
            await _input.ReadAsync(Memory<byte>.Empty, ct);
#pragma warning restore CA2022
            _in = ArrayPool<byte>.Shared.Rent(ReceiveChunk);
        }
        else if (_inEnd == _in.Length)
        {
            // Only a header or a control frame waits for more here (at most 14 + 125 bytes): move it to the front.
            _in.AsSpan(_inStart, _inEnd - _inStart).CopyTo(_in);
            _inEnd -= _inStart;
            _inStart = 0;
        }
        var n = await _input.ReadAsync(_in.AsMemory(_inEnd), ct);
        if (n == 0) return false;
        _inEnd += n;
        Touch();
        return true;
    }

    /// <summary>Any byte from the client proves it alive (the keepalive's clock).</summary>
    void Touch()
    {
        if (_sweeper is not null) Volatile.Write(ref _lastReceived, _sweeper.Now);
    }

    /// <summary>When a byte last came from the client, on the sweeper's clock.</summary>
    internal long LastReceived => Volatile.Read(ref _lastReceived);

    /// <summary>Room for <paramref name="needed"/> bytes: doubling as a message grows, never past what its frame declared.</summary>
    void EnsureMessageCapacity(int needed, long declared)
    {
        if (needed == 0 || (_message is not null && _message.Length >= needed)) return;
        var bigger = ArrayPool<byte>.Shared.Rent(_message is null ? needed : (int)Math.Min(Math.Max(needed, _message.Length * 2L), Math.Max(needed, declared)));
        if (_message is not null)
        {
            _message.AsSpan(0, _messageLength).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_message);
        }
        _message = bigger;
    }

    // Both exchange the field first, so Dispose and a read ending at once cannot return a buffer twice.
    void ReleaseMessage()
    {
        if (Interlocked.Exchange(ref _message, null) is { } message) ArrayPool<byte>.Shared.Return(message);
    }

    void ReturnIn()
    {
        _inStart = _inEnd = 0;
        if (Interlocked.Exchange(ref _in, null) is { } chunk) ArrayPool<byte>.Shared.Return(chunk);
    }

    void ReturnInIfEmpty()
    {
        if (_inStart == _inEnd) ReturnIn();
    }

    void StartRead()
    {
        Interlocked.Exchange(ref _reading, 1);
        if (Volatile.Read(ref _disposed) == 0) return;
        Interlocked.Exchange(ref _reading, 0);
        throw new ObjectDisposedException(nameof(FramedClientSocket));
    }

    void EndRead()
    {
        Interlocked.Exchange(ref _reading, 0);
        if (Volatile.Read(ref _disposed) == 1) ReleaseBuffers();
    }

    /// <summary>Called by whichever of Dispose and the last read ends second; safe to run twice.</summary>
    void ReleaseBuffers()
    {
        ReleaseMessage();
        ReturnIn();
    }
}
