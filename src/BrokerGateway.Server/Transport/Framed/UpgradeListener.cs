using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using BrokerGateway.Server.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace BrokerGateway.Server.Transport.Framed;

/// <summary>What to run on a socket taken over for a request; null leaves the request to HTTP.</summary>
public delegate Func<IClientSocket, CancellationToken, Task>? UpgradeRoute(RequestHead head, string? remoteAddress);

/// <summary>
/// The public port's listener. It accepts every connection itself and looks at the first request's head
/// without reading it (a peek): a well-formed WebSocket upgrade (RFC 6455 §4.2.1) to the client path, taken
/// by the route, is answered 101 here and becomes a <see cref="FramedClientSocket"/> on the bare socket;
/// every other connection — other paths, malformed or unusual heads, heads too long, arriving in pieces or
/// too slowly — is handed to Kestrel unread, and answered exactly as without this.
/// <para>
/// Why: Kestrel keeps, for each connection, its transport (two pipes, their scheduling state, the send and
/// receive loops) and, after an HTTP upgrade, the whole request (parser, header dictionaries, HttpContext,
/// the middleware frames awaiting the session): about 10 KiB of heap per idle client, more than the
/// gateway's own state for it. Taken here, a socket costs the socket and the gateway's state, and a batch
/// of frames goes to the kernel from the send loop itself, without a hop through the transport's pipe.
/// </para>
/// </summary>
public sealed class UpgradeListener : IConnectionListener
{
    /// <summary>How long the first bytes may take to come before the connection is left to Kestrel (which has its own timeouts).</summary>
    static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The pause before accepting again after a failed accept (out of file descriptors).</summary>
    static readonly TimeSpan AcceptRetryDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>How long, once stopping, taken-over sockets have to end before the listener stops waiting.</summary>
    static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long, once stopping, taken-over sockets may end on their own before they are cut.</summary>
    static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);

    readonly Socket _listenSocket;
    readonly string _path;
    readonly FramedClientSocket.Acceptor _acceptor;
    readonly TimeSpan _keepAlive;
    readonly UpgradeRoute _route;
    readonly SocketConnectionContextFactory _kestrelConnections;
    readonly Channel<ConnectionContext> _forKestrel = Channel.CreateUnbounded<ConnectionContext>(new() { SingleReader = true });
    readonly CancellationTokenSource _stopping = new();
    readonly Task _accepting;
    readonly TaskCompletionSource _allEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly ILogger _log;
    readonly byte[] _requestLineStart;
    volatile bool _unbound;
    int _running = 1; // taken-over sockets still running, plus one for the listener until it is disposed

    /// <param name="listenSocket">Bound, not yet listening; the listener owns it.</param>
    internal UpgradeListener(Socket listenSocket, string path, FramedClientSocket.Acceptor acceptor, TimeSpan keepAlive, UpgradeRoute route,
        ILogger logger)
    {
        _path = path;
        _acceptor = acceptor;
        _keepAlive = keepAlive;
        _route = route;
        _log = logger;
        _requestLineStart = Encoding.ASCII.GetBytes("GET " + path);
        _listenSocket = listenSocket;
        _listenSocket.Listen(512);
        EndPoint = _listenSocket.LocalEndPoint!;
        _kestrelConnections = new SocketConnectionContextFactory(new SocketConnectionFactoryOptions(), logger);
        _accepting = AcceptLoopAsync();
    }

    public EndPoint EndPoint { get; }

    /// <summary>The next connection for Kestrel's HTTP; null once the listener has stopped.</summary>
    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken ct = default)
    {
        try
        {
            return await _forKestrel.Reader.ReadAsync(ct);
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    async Task AcceptLoopAsync()
    {
        try
        {
            while (!_unbound)
            {
                Socket socket;
                try
                {
                    socket = await _listenSocket.AcceptAsync(_stopping.Token);
                }
                catch (SocketException e) when (!_unbound)
                {
                    // A connection reset in the backlog, or no file descriptor left: the listener goes on (after a
                    // pause when out of descriptors, so a full table does not spin), as Kestrel's does.
                    GatewayLog.AcceptFailed(_log, e.SocketErrorCode.ToString());
                    if (e.SocketErrorCode != SocketError.ConnectionReset) await Task.Delay(AcceptRetryDelay, _stopping.Token);
                    continue;
                }
                _ = ServeAsync(socket);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // stopped
        }
        finally
        {
            _forKestrel.Writer.TryComplete();
        }
    }

    /// <summary>
    /// Takes the connection over when its first head is an upgrade the route takes, and runs the session
    /// on it until it ends; otherwise hands the connection to Kestrel. (One method, so an idle client keeps
    /// one frame of this listener's, not two.)
    /// </summary>
    async Task ServeAsync(Socket socket)
    {
        Takeover? takeover;
        try
        {
            socket.NoDelay = true; // as Kestrel's transport: frames are small and already batched
            takeover = await TryTakeOverAsync(socket);
        }
        catch (Exception e)
        {
            if (!ClientWentAway(e)) GatewayLog.ClientSocketFailed(_log, e);
            socket.Dispose(); // gone before it said anything or before the 101 went out, or refused while being looked at
            return;
        }
        if (takeover is not { } taken)
        {
            HandToKestrel(socket);
            return;
        }

        Interlocked.Increment(ref _running);
        try
        {
            using var client = _acceptor.Adopt(taken.Stream, () => Close(socket), _keepAlive);
            await taken.Session(client, _stopping.Token);
        }
        catch (Exception e) when (ClientWentAway(e))
        {
            // not worth a warning
        }
        catch (Exception e)
        {
            GatewayLog.ClientSocketFailed(_log, e); // sessions report their own failures: this is around one
        }
        finally
        {
            Close(socket);
            if (Interlocked.Decrement(ref _running) == 0) _allEnded.TrySetResult();
        }
    }

    /// <summary>
    /// What a socket throws when its peer is gone (the framing reports it as a plain IOException). A file or
    /// assembly that cannot be loaded is an IOException too, and worth a warning.
    /// </summary>
    static bool ClientWentAway(Exception e) => e is SocketException or ObjectDisposedException || e.GetType() == typeof(IOException);

    /// <summary>Queues the connection for Kestrel's next accept; once the listener has stopped, closes it.</summary>
    void HandToKestrel(Socket socket)
    {
        try
        {
            if (_forKestrel.Writer.TryWrite(_kestrelConnections.Create(socket))) return;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // gone while being looked at
        }
        socket.Dispose();
    }

    /// <summary>A connection answered 101: its stream, and what runs on it.</summary>
    readonly record struct Takeover(SocketStream Stream, Func<IClientSocket, CancellationToken, Task> Session);

    /// <summary>
    /// Waits for the first bytes (holding no buffer meanwhile), then peeks at what has come: the head must
    /// be whole already (clients write it at once; one arriving in pieces is left to Kestrel, which reads it
    /// however it comes). Nothing is read unless the connection is taken, and then only the head: bytes
    /// after it are the client's first frames, left for the socket.
    /// </summary>
    async Task<Takeover?> TryTakeOverAsync(Socket socket)
    {
        var first = socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
        if (!first.IsCompleted)
        {
            try
            {
                await first.AsTask().WaitAsync(HeadTimeout, _stopping.Token);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                return null; // the zero-byte read left pending reads nothing: Kestrel's reads come after it
            }
        }
        else
        {
            await first;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(RequestHead.MaxLength);
        try
        {
            var peeked = await socket.ReceiveAsync(buffer.AsMemory(0, RequestHead.MaxLength), SocketFlags.Peek);
            var end = buffer.AsSpan(0, peeked).IndexOf("\r\n\r\n"u8);
            if (end < 0 || Route(buffer.AsSpan(0, end + 4), socket) is not var (response, session)) return null;
            for (var read = 0; read < end + 4;)
            {
                var n = await socket.ReceiveAsync(buffer.AsMemory(read, end + 4 - read), SocketFlags.None);
                if (n == 0) throw new SocketException((int)SocketError.ConnectionReset);
                read += n;
            }
            var stream = new SocketStream(socket);
            await stream.WriteAsync(response);
            return new Takeover(stream, session);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The 101 for a head the route takes, and the session to run; null for any other head.</summary>
    (byte[] Response, Func<IClientSocket, CancellationToken, Task> Session)? Route(ReadOnlySpan<byte> bytes, Socket socket)
    {
        // Most connections are not ours (health checks, the page): told by their first bytes, before any parsing.
        if (!bytes.StartsWith(_requestLineStart) || bytes.Length == _requestLineStart.Length || bytes[_requestLineStart.Length] is not ((byte)' ' or (byte)'?'))
            return null;
        var head = RequestHead.Parse(bytes);
        if (head is null || head.Path != _path || WebSocketHandshake.Problem(head.Method, head.Protocol, head.Headers) is not null) return null;
        // What HTTP refuses is refused there: not exactly one Host (RFC 9112 §3.2), or a body on the upgrade
        // (whose bytes would otherwise be read as the client's first frames).
        if (head.Headers.Host.Count != 1 || head.Headers.ContentLength is not null || head.Headers.ContainsKey("Transfer-Encoding")) return null;

        var remote = (socket.RemoteEndPoint as IPEndPoint)?.Address.ToString();
        if (_route(head, remote) is not { } session) return null;

        // §4.2.2: the 101 with the accept key; no subprotocol, no extension (as the Kestrel path answers).
        var accept = WebSocketHandshake.AcceptKey(head.Headers.SecWebSocketKey.ToString());
        return (Encoding.ASCII.GetBytes(
            $"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"), session);
    }

    /// <summary>
    /// Ends a connection: what was written goes out before the FIN (a client that closed cleanly gets our
    /// close frame), and a read still waiting on the socket returns.
    /// </summary>
    static void Close(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // already gone
        }
        socket.Dispose();
    }

    /// <summary>Stops accepting; connections already handed to Kestrel or taken over go on.</summary>
    public ValueTask UnbindAsync(CancellationToken ct = default)
    {
        _unbound = true;
        _listenSocket.Dispose();
        return new ValueTask(_accepting);
    }

    /// <summary>Stops accepting, lets the sockets still taken over end, cuts those that do not (their sessions see the stop), and waits a while for them.</summary>
    public async ValueTask DisposeAsync()
    {
        await UnbindAsync();
        if (Interlocked.Decrement(ref _running) == 0) _allEnded.TrySetResult();
        // Sessions the drain closed end on their own once their last frames are out and the client answered:
        // they get a moment for that (cut at once, a client could miss its close frame), then the rest are cut.
        await WaitForSessionsAsync(CloseGrace);
        await _stopping.CancelAsync();
        await WaitForSessionsAsync(StopTimeout);
        _kestrelConnections.Dispose();
        _stopping.Dispose();
    }

    Task WaitForSessionsAsync(TimeSpan timeout) => _allEnded.Task.WaitAsync(timeout).ContinueWith(static _ => { }, TaskScheduler.Default);
}
