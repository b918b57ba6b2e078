using System.Net.WebSockets;
using BrokerGateway.Core.Connections;

namespace BrokerGateway.Server.Transport;

/// <summary>
/// Runs one WebSocket's two loops (STYLE §7): the send loop drains the connection's queue; the receive
/// loop hands whole messages to the dialect. The first to end starts the close; the other gets a close
/// timeout. Returns the close code that ended the session.
/// </summary>
public static class SocketSession
{
    public static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    /// <param name="onMessage">Handles one client message; returns a close code to end the session, or null.</param>
    public static async Task<int> RunAsync(WebSocket socket, ClientConnection connection, int maxMessageBytes,
        Func<ReadOnlyMemory<byte>, WebSocketMessageType, ValueTask<int?>> onMessage, CancellationToken aborted)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        var sending = SendLoopAsync(socket, connection, stop.Token);
        var receiving = ReceiveLoopAsync(socket, connection, maxMessageBytes, onMessage, stop.Token);

        // The client went away, or the core asked for a close (a slow consumer's send loop may be stuck in
        // a write that never completes: the close timeout below deals with it).
        await Task.WhenAny(sending, receiving, connection.CloseRequested);
        connection.Close(CloseCodes.ServerError, "connection ended");
        try
        {
            await sending.WaitAsync(CloseTimeout, aborted);
            // Our close frame is out; let the client answer it, so the TCP connection ends with a FIN and
            // the client reads our last frames (closing with its data unread would reset the connection).
            if (receiving.IsCompleted) await AwaitPeerCloseAsync(socket, CloseTimeout);
            else await receiving.WaitAsync(CloseTimeout, aborted);
        }
        catch (Exception)
        {
            // A socket that does not drain or does not answer: abort it.
        }
        stop.Cancel();
        if (socket.State != WebSocketState.Closed) socket.Abort();
        try { await receiving.WaitAsync(CloseTimeout); } catch (Exception) { }
        return connection.CloseRequested.Result.Code;
    }

    /// <summary>After sending our close, reads and discards until the client's close frame, or the timeout.</summary>
    public static async Task AwaitPeerCloseAsync(WebSocket socket, TimeSpan timeout)
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

    static async Task ReceiveLoopAsync(WebSocket socket, ClientConnection connection, int maxMessageBytes,
        Func<ReadOnlyMemory<byte>, WebSocketMessageType, ValueTask<int?>> onMessage, CancellationToken ct)
    {
        var reader = new InboundMessageReader(socket, maxMessageBytes);
        try
        {
            while (!connection.IsClosing)
            {
                var result = await reader.ReadAsync(ct);
                if (result.Closed) { connection.Close(NormalClosure, "client closed"); return; }
                if (result.TooBig) { Refuse(connection, CloseCodes.MessageTooBig, $"message larger than {maxMessageBytes} bytes"); return; }
                if (await onMessage(result.Message, result.Type) is { } code) { Refuse(connection, code, null); return; }
                reader.Trim();
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            connection.Close(AbnormalClosure, "connection lost");
        }
    }

    /// <summary>Closes with a terminal code, telling the client why in a last frame first.</summary>
    public static void Refuse(ClientConnection connection, int code, string? reason)
    {
        var text = reason ?? CloseCodes.Reason(code);
        connection.Close(code, text, connection.Dialect.EncodeDisconnect(code, text));
    }

    static async Task SendLoopAsync(WebSocket socket, ClientConnection connection, CancellationToken ct)
    {
        var outbound = connection.Outbound;
        try
        {
            while (await outbound.WaitToReadAsync(ct))
            {
                while (outbound.TryRead(out var frame))
                {
                    if (connection.CloseRequested.IsCompleted && connection.CloseRequested.Result.Code == CloseCodes.SlowConsumer)
                        break; // do not keep feeding a client that cannot keep up
                    await socket.SendAsync(frame.Data, frame.IsText ? WebSocketMessageType.Text : WebSocketMessageType.Binary, true, ct);
                }
                if (connection.IsClosing) break;
            }
            var close = await connection.CloseRequested.WaitAsync(ct);
            if (close.LastFrame is { } last)
                await socket.SendAsync(last.Data, last.IsText ? WebSocketMessageType.Text : WebSocketMessageType.Binary, true, ct);
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                var code = close.Code is NormalClosure or AbnormalClosure ? NormalClosure : close.Code;
                await socket.CloseOutputAsync((WebSocketCloseStatus)code, Truncate(close.Reason), ct);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            connection.Close(AbnormalClosure, "connection lost");
        }
    }

    // The close frame's reason is limited to 123 bytes (RFC 6455 §5.5: control payload ≤ 125).
    static string Truncate(string reason) => reason.Length <= 100 ? reason : reason[..100];

    /// <summary>RFC 6455 normal closure: the client said goodbye.</summary>
    public const int NormalClosure = 1000;

    /// <summary>RFC 6455 1006: the connection died without a close frame.</summary>
    public const int AbnormalClosure = 1006;
}
