using System.Buffers;
using BrokerGateway.Core.Connections;

namespace BrokerGateway.Server.Transport;

/// <summary>
/// Runs one client socket's two loops (STYLE §7): the send loop drains the connection's queue in
/// batches; the receive loop hands whole messages to the dialect. The first to end starts the close;
/// the other gets a close timeout. Returns the close code that ended the session.
/// </summary>
public static class SocketSession
{
    public static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Frames written per batch at most: bounds the time a batch holds the socket.</summary>
    const int MaxBatch = 64;

    /// <param name="onMessage">Handles one client message; returns a close code to end the session, or null.</param>
    /// <param name="aborted">The connection is gone (or the server is stopping): stop waiting for the loops.</param>
    /// <remarks>
    /// The loops' reads and writes take no cancellation token: they end when the socket is aborted, which is
    /// the last thing a session does. (A token per read or write would cost a registration each; a linked
    /// source per session, some hundreds of bytes for as long as the client stays.)
    /// </remarks>
    public static async Task<int> RunAsync(IClientSocket socket, ClientConnection connection, int maxMessageBytes,
        Func<InboundMessage, ValueTask<int?>> onMessage, CancellationToken aborted)
    {
        socket.AttachBatchSends(connection.Outbound);
        var sending = SendLoopAsync(socket, connection);
        var receiving = ReceiveLoopAsync(socket, connection, maxMessageBytes, onMessage);

        // The client went away, or the core asked for a close (a slow consumer's send loop may be stuck in
        // a write that never completes: the close timeout below deals with it). Either loop asks for the
        // close when it ends, however it ends.
        await connection.CloseRequested;
        try
        {
            await sending.WaitAsync(CloseTimeout, aborted);
            // Our close frame is out; let the client answer it, so the TCP connection ends with a FIN and
            // the client reads our last frames (closing with its data unread would reset the connection).
            if (receiving.IsCompleted) await socket.WaitForPeerCloseAsync(CloseTimeout);
            else await receiving.WaitAsync(CloseTimeout, aborted);
        }
        catch (Exception)
        {
            // A socket that does not drain or does not answer: abort it.
        }
        socket.Abort();
        try { await receiving.WaitAsync(CloseTimeout); } catch (Exception) { }
        return connection.CloseRequested.Result.Code;
    }

    static async Task ReceiveLoopAsync(IClientSocket socket, ClientConnection connection, int maxMessageBytes,
        Func<InboundMessage, ValueTask<int?>> onMessage)
    {
        try
        {
            while (!connection.IsClosing)
            {
                // Idle here: no frame parsing in progress while nothing comes.
                await socket.WaitForInputAsync(CancellationToken.None);
                var message = await socket.ReceiveAsync(maxMessageBytes, CancellationToken.None);
                switch (message.Status)
                {
                    case InboundStatus.Closed:
                        connection.Close(NormalClosure, "client closed");
                        return;
                    case InboundStatus.TooBig:
                        Refuse(connection, CloseCodes.MessageTooBig, $"message larger than {maxMessageBytes} bytes");
                        return;
                    case InboundStatus.Invalid:
                        connection.Close(InvalidPayload, "invalid UTF-8 in a text message");
                        return;
                }
                if (await onMessage(message) is { } code) { Refuse(connection, code, null); return; }
            }
        }
        catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or OperationCanceledException or IOException or System.Net.Sockets.SocketException
            or ObjectDisposedException)
        {
            Lost(socket, connection);
        }
        finally
        {
            connection.Close(CloseCodes.ServerError, "connection ended"); // a no-op unless a fault got here first
        }
    }

    /// <summary>The connection broke: lost (1006), or cut off by keepalive after its 4004.</summary>
    static void Lost(IClientSocket socket, ClientConnection connection)
    {
        if (socket.IsStale) connection.Close(CloseCodes.Stale);
        else connection.Close(AbnormalClosure, "connection lost");
    }

    /// <summary>Closes with a terminal code, telling the client why in a last frame first.</summary>
    public static void Refuse(ClientConnection connection, int code, string? reason)
    {
        var text = reason ?? CloseCodes.Reason(code);
        connection.Close(code, text, connection.Dialect.EncodeDisconnect(code, text));
    }

    /// <summary>
    /// Drains the queue in batches: everything queued while the previous write was in flight goes out in
    /// the next one, so a busy socket gets many frames per write.
    /// </summary>
    static async Task SendLoopAsync(IClientSocket socket, ClientConnection connection)
    {
        var outbound = connection.Outbound;
        try
        {
            // The queue is completed when the connection closes: that ends the wait, not a cancellation.
            while (await outbound.WaitToReadAsync())
            {
                if (connection.IsClosing && connection.CloseRequested.Result.Code == CloseCodes.SlowConsumer)
                    break; // do not keep feeding a client that cannot keep up
                await SendBatchAsync(socket, outbound);
            }
            var close = await connection.CloseRequested;
            if (!socket.CanSend) return;
            if (close.LastFrame is { } last) await socket.SendAsync(new[] { last }, CancellationToken.None);
            var code = close.Code == AbnormalClosure ? NormalClosure : close.Code;
            await socket.CloseOutputAsync(code, close.Reason, CancellationToken.None);
        }
        catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or OperationCanceledException or IOException or System.Net.Sockets.SocketException
            or ObjectDisposedException)
        {
            Lost(socket, connection);
        }
        finally
        {
            connection.Close(CloseCodes.ServerError, "connection ended"); // a no-op unless a fault got here first
        }
    }

    /// <summary>
    /// One write of what is queued (up to <see cref="MaxBatch"/> frames). The batch array is rented for
    /// the write only, so an idle connection holds none. Not an async method: a write the kernel takes at
    /// once (the usual case) returns without building any asynchronous state.
    /// </summary>
    static ValueTask SendBatchAsync(IClientSocket socket, OutboundQueue outbound)
    {
        var batch = ArrayPool<OutboundFrame>.Shared.Rent(MaxBatch);
        var count = outbound.TryRead(batch.AsSpan(0, MaxBatch));
        ValueTask send;
        try
        {
            send = count == 0 ? default : socket.SendAsync(batch.AsMemory(0, count), CancellationToken.None);
        }
        catch (Exception)
        {
            Return(batch, count);
            throw;
        }
        if (!send.IsCompletedSuccessfully) return ReturnAfterAsync(send, batch, count);
        send.GetAwaiter().GetResult();
        Return(batch, count);
        return default;
    }

    static async ValueTask ReturnAfterAsync(ValueTask send, OutboundFrame[] batch, int count)
    {
        try
        {
            await send;
        }
        finally
        {
            Return(batch, count);
        }
    }

    static void Return(OutboundFrame[] batch, int count)
    {
        Array.Clear(batch, 0, count); // payloads are not kept alive by the pool
        ArrayPool<OutboundFrame>.Shared.Return(batch);
    }

    /// <summary>RFC 6455 normal closure: the client said goodbye.</summary>
    public const int NormalClosure = 1000;

    /// <summary>RFC 6455 1007: a text message that is not UTF-8.</summary>
    public const int InvalidPayload = 1007;

    /// <summary>RFC 6455 1006: the connection died without a close frame.</summary>
    public const int AbnormalClosure = 1006;
}
