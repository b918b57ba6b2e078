using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace BrokerGateway.Server.Transport.Framed;

/// <summary>What to run on a socket taken over for a request; null leaves the request to HTTP.</summary>
public delegate Func<IClientSocket, CancellationToken, Task>? UpgradeRoute(RequestHead head, string? remoteAddress);

/// <summary>
/// Takes WebSocket upgrades for one path off Kestrel's HTTP layer, at the connection. The first request's
/// head is read ahead of Kestrel; when it is a well-formed upgrade (RFC 6455 §4.2.1) that the route takes,
/// the connection is answered 101 and becomes a <see cref="FramedClientSocket"/> on its own pipes.
/// Everything else — other paths, malformed upgrades, heads too long or too slow, later requests on a
/// kept-alive connection — is handed to Kestrel unread, and answered exactly as without this.
/// <para>
/// Why: an upgraded HTTP/1.1 request keeps its whole request state (parser, header dictionaries, the
/// HttpContext and its features, the middleware frames awaiting the session) for as long as the socket
/// lives: about 7 KiB of heap per idle client, more than the gateway's own state for it. Taken here, a
/// socket costs the transport's pipes and the gateway's state.
/// </para>
/// </summary>
public sealed class ConnectionUpgrade(string path, FramedClientSocket.Acceptor acceptor, TimeSpan keepAlive, UpgradeRoute route)
{
    /// <summary>How long a head may take to arrive before it is left to Kestrel (which has its own timeout).</summary>
    static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Kestrel connection middleware (<c>ListenOptions.Use</c>).</summary>
    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        if (await TryTakeOverAsync(connection) is not { } session)
        {
            await next(connection);
            return;
        }
        using var socket = acceptor.Adopt(connection.Transport, connection.Abort, keepAlive);
        await session(socket, connection.ConnectionClosed);
    }

    /// <summary>The 101 to send, and what runs on the socket after it.</summary>
    readonly record struct Takeover(byte[] Response, Func<IClientSocket, CancellationToken, Task> Session);

    /// <summary>
    /// Reads the head; on a takeover it is consumed, the 101 is sent, and the session returned. Otherwise
    /// nothing is consumed (what was read is marked unexamined, so Kestrel's first read returns it at once).
    /// </summary>
    async Task<Func<IClientSocket, CancellationToken, Task>?> TryTakeOverAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        using var timeout = new CancellationTokenSource(HeadTimeout);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            var buffer = result.Buffer;
            if (RequestHead.TryReadRequestLine(buffer, out var method, out var target) && (method != "GET" || target != path))
            {
                input.AdvanceTo(buffer.Start); // not a GET for our path: Kestrel's from the first byte
                return null;
            }
            if (RequestHead.TryFindEnd(buffer, out var end))
            {
                if (Route(buffer.Slice(0, end), connection) is not { } takeover)
                {
                    input.AdvanceTo(buffer.Start);
                    return null;
                }
                input.AdvanceTo(end); // bytes after the head, if any, are the client's first frames
                await connection.Transport.Output.WriteAsync(takeover.Response, connection.ConnectionClosed);
                return takeover.Session;
            }
            if (result.IsCompleted || result.IsCanceled || buffer.Length > RequestHead.MaxLength)
            {
                input.AdvanceTo(buffer.Start);
                return null;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    Takeover? Route(ReadOnlySequence<byte> bytes, ConnectionContext connection)
    {
        var rented = ArrayPool<byte>.Shared.Rent((int)bytes.Length);
        RequestHead? head;
        try
        {
            bytes.CopyTo(rented);
            head = RequestHead.Parse(rented.AsSpan(0, (int)bytes.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
        if (head is null || head.Path != path || WebSocketHandshake.Problem(head.Method, head.Protocol, head.Headers) is not null) return null;

        var remote = (connection.RemoteEndPoint as System.Net.IPEndPoint)?.Address.ToString();
        var session = route(head, remote);
        if (session is null) return null;

        // §4.2.2: the 101 with the accept key; no subprotocol, no extension (as the Kestrel path answers).
        var accept = WebSocketHandshake.AcceptKey(head.Headers.SecWebSocketKey.ToString());
        return new Takeover(Encoding.ASCII.GetBytes(
            $"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"), session);
    }
}
