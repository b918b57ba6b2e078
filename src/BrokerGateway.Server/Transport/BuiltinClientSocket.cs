using System.Net.WebSockets;
using BrokerGateway.Core.Connections;

namespace BrokerGateway.Server.Transport;

/// <summary>
/// <see cref="IClientSocket"/> over ASP.NET Core's standard WebSocket stack: one write per frame, UTF-8
/// checked here (the stack does not), the size limit checked as fragments arrive.
/// </summary>
public sealed class BuiltinClientSocket(WebSocket socket) : IClientSocket
{
    byte[] _buffer = [];

    public sealed class Acceptor : IClientSocketAcceptor
    {
        public async Task<IClientSocket> AcceptAsync(HttpContext http, TimeSpan keepAlive) =>
            new BuiltinClientSocket(await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                KeepAliveInterval = keepAlive,
                KeepAliveTimeout = keepAlive * 2,
            }));
    }

    public bool CanSend => socket.State is WebSocketState.Open or WebSocketState.CloseReceived;

    /// <summary>The built-in stack's keepalive only pings; it never gives up on a client itself.</summary>
    public bool IsStale => false;

    /// <summary>The built-in socket's reads already begin with a zero-byte probe.</summary>
    public ValueTask<int> WaitForInputAsync(CancellationToken ct) => default;

    public async ValueTask<InboundMessage> ReceiveAsync(int maxMessageBytes, CancellationToken ct)
    {
        // A zero-byte read completes when data arrives, without renting a buffer for an idle socket.
        var probe = await socket.ReceiveAsync(Memory<byte>.Empty, ct);
        if (probe.MessageType == WebSocketMessageType.Close) return new(InboundStatus.Closed);

        if (_buffer.Length > 4096) _buffer = []; // a large message passed: let an idle socket drop its buffer
        if (_buffer.Length == 0) _buffer = new byte[Math.Min(4096, maxMessageBytes + 1)];
        var length = 0;
        while (true)
        {
            if (length == _buffer.Length)
            {
                if (_buffer.Length > maxMessageBytes) return new(InboundStatus.TooBig);
                Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, maxMessageBytes + 1));
            }
            var r = await socket.ReceiveAsync(_buffer.AsMemory(length), ct);
            if (r.MessageType == WebSocketMessageType.Close) return new(InboundStatus.Closed);
            length += r.Count;
            if (length > maxMessageBytes) return new(InboundStatus.TooBig);
            if (!r.EndOfMessage) continue;
            var data = _buffer.AsMemory(0, length);
            var text = r.MessageType == WebSocketMessageType.Text;
            if (text && !System.Text.Unicode.Utf8.IsValid(data.Span)) return new(InboundStatus.Invalid);
            return new(InboundStatus.Message, data, text);
        }
    }

    public async ValueTask SendAsync(ReadOnlyMemory<OutboundFrame> frames, CancellationToken ct)
    {
        for (var i = 0; i < frames.Length; i++)
        {
            var frame = frames.Span[i];
            await socket.SendAsync(frame.Data, frame.IsText ? WebSocketMessageType.Text : WebSocketMessageType.Binary, true, ct);
        }
    }

    public async ValueTask CloseOutputAsync(int code, string reason, CancellationToken ct) =>
        await socket.CloseOutputAsync((WebSocketCloseStatus)code, CloseReason.Fit(reason), ct);

    public async Task WaitForPeerCloseAsync(TimeSpan timeout)
    {
        if (socket.State is not WebSocketState.CloseSent) return;
        using var cts = new CancellationTokenSource(timeout);
        var scratch = new byte[256];
        try
        {
            while ((await socket.ReceiveAsync(scratch.AsMemory(), cts.Token)).MessageType != WebSocketMessageType.Close) { }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
        }
    }

    public void Abort()
    {
        if (socket.State != WebSocketState.Closed) socket.Abort();
    }

    public void Dispose() => socket.Dispose();
}

/// <summary>RFC 6455 §5.5: a control frame's payload is at most 125 bytes, 2 of them the code.</summary>
public static class CloseReason
{
    public static string Fit(string reason)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(reason) <= 123) return reason;
        var cut = reason.Length;
        while (System.Text.Encoding.UTF8.GetByteCount(reason.AsSpan(0, cut)) > 120) cut--;
        return reason[..cut] + "…";
    }
}
