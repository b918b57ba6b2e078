using System.Net.WebSockets;

namespace BrokerGateway.Server.Transport;

/// <summary>
/// Reads whole WebSocket messages with a size limit checked as fragments arrive, so an oversize
/// message is refused before it is buffered. While idle it waits on a zero-byte read and holds no buffer.
/// </summary>
public sealed class InboundMessageReader(WebSocket socket, int maxMessageBytes)
{
    byte[] _buffer = [];

    /// <summary>The result of one read: a message, the peer's close, or a limit broken.</summary>
    public readonly record struct Result(ReadOnlyMemory<byte> Message, WebSocketMessageType Type, bool Closed, bool TooBig);

    public async ValueTask<Result> ReadAsync(CancellationToken ct)
    {
        // A zero-byte read completes when data arrives, without renting a buffer for an idle socket.
        var probe = await socket.ReceiveAsync(Memory<byte>.Empty, ct);
        if (probe.MessageType == WebSocketMessageType.Close) return new(default, probe.MessageType, true, false);

        if (_buffer.Length == 0) _buffer = new byte[Math.Min(4096, maxMessageBytes + 1)];
        var length = 0;
        while (true)
        {
            if (length == _buffer.Length)
            {
                if (_buffer.Length > maxMessageBytes) return new(default, probe.MessageType, false, true);
                Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, maxMessageBytes + 1));
            }
            var r = await socket.ReceiveAsync(_buffer.AsMemory(length), ct);
            if (r.MessageType == WebSocketMessageType.Close) return new(default, r.MessageType, true, false);
            length += r.Count;
            if (length > maxMessageBytes) return new(default, r.MessageType, false, true);
            if (r.EndOfMessage) return new(_buffer.AsMemory(0, length), r.MessageType, false, false);
        }
    }

    /// <summary>Lets an idle connection drop its buffer once a large message has passed.</summary>
    public void Trim()
    {
        if (_buffer.Length > 4096) _buffer = [];
    }
}
