using System.Text;
using BrokerGateway.Nats.Internal;

namespace BrokerGateway.Nats;

public sealed partial class NatsConnection
{
    /// <summary>
    /// Connects to the first server of <see cref="NatsOptions.Servers"/> that accepts, trying each once.
    /// From then on, lost connections are re-established in the background.
    /// </summary>
    /// <exception cref="NatsConnectionException">No server could be reached; the message lists each server's error.
    /// The connection is then closed.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        var previous = Interlocked.CompareExchange(ref _state, (int)NatsConnectionState.Connecting, (int)NatsConnectionState.NotStarted);
        switch ((NatsConnectionState)previous)
        {
            case NatsConnectionState.NotStarted: break;
            case NatsConnectionState.Connected or NatsConnectionState.Reconnecting: return;
            case NatsConnectionState.Closed: throw new NatsConnectionException("the connection is closed");
            default: throw new InvalidOperationException("ConnectAsync is already running on this connection");
        }
        var errors = new List<string>();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        try
        {
            foreach (var server in _pool.ReconnectOrder())
            {
                Session session;
                try
                {
                    session = await HandshakeAsync(server, linked.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (!linked.IsCancellationRequested)
                {
                    errors.Add($"{server}: {ex.Message}");
                    continue;
                }
                lock (_lifecycle)
                {
                    if (_closeRequested == 0)
                    {
                        StartSession(session);
                        SetState(NatsConnectionState.Connected);
                        _supervisor = Task.Run(() => SuperviseAsync(session));
                        return;
                    }
                }
                await session.Transport.DisposeAsync().ConfigureAwait(false);
                break;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            FinishClose(new OperationCanceledException("ConnectAsync was cancelled", cancellationToken), raise: false);
            throw;
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            // Disposed while connecting: reported below as a closed connection.
        }
        var error = _closeRequested != 0
            ? new NatsConnectionException("the connection was closed while connecting")
            : new NatsConnectionException($"could not connect to any server: {string.Join("; ", errors)}");
        FinishClose(error, raise: false);
        throw error;
    }

    /// <summary>
    /// One connection attempt (digest §5): TCP, INFO, CONNECT + PING, then PONG (or -ERR) within
    /// <see cref="NatsOptions.ConnectTimeout"/>.
    /// </summary>
    async Task<Session> HandshakeAsync(ServerAddress server, CancellationToken cancellationToken)
    {
        _lastAttempts[server.HostPort] = Environment.TickCount64;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        INatsTransport? transport = null;
        try
        {
            transport = await _transportFactory.ConnectAsync(server.Host, server.Port, timeout.Token).ConfigureAwait(false);
            var reader = new ProtocolReader(transport);
            var (kind, arg) = await ReadHandshakeOpAsync(reader, timeout.Token).ConfigureAwait(false);
            if (kind != ServerOpKind.Info) throw new NatsProtocolException($"protocol error: the server's first command was {kind}, not INFO");
            var info = NatsServerInfo.Parse(arg);
            if (info.TlsRequired) throw new NatsConnectionException($"{server} requires TLS, which this client does not implement");
            await transport.SendAsync(ConnectCommand.Build(_options, server, info), timeout.Token).ConfigureAwait(false);
            while (true)
            {
                (kind, arg) = await ReadHandshakeOpAsync(reader, timeout.Token).ConfigureAwait(false);
                switch (kind)
                {
                    case ServerOpKind.Pong:
                        return new Session(server, transport, reader, info);
                    case ServerOpKind.Ok:
                        break;
                    case ServerOpKind.Ping:
                        await transport.SendAsync(ProtocolWriter.Pong.ToArray(), timeout.Token).ConfigureAwait(false);
                        break;
                    case ServerOpKind.Info:
                        info = NatsServerInfo.Parse(arg);
                        break;
                    case ServerOpKind.Err:
                        throw new NatsServerErrorException(Unquote(arg));
                    default:
                        throw new NatsProtocolException($"protocol error: {kind} before the handshake finished");
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            if (transport is not null) await transport.DisposeAsync().ConfigureAwait(false);
            throw new NatsConnectionException($"timed out after {_options.ConnectTimeout.TotalMilliseconds:0} ms connecting to {server}");
        }
        catch
        {
            if (transport is not null) await transport.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    static async Task<(ServerOpKind Kind, byte[] Arg)> ReadHandshakeOpAsync(ProtocolReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryReadHandshakeOp(reader, out var result)) return result;
            if (!await reader.FillAsync(cancellationToken).ConfigureAwait(false))
                throw new NatsConnectionException("the server closed the connection during the handshake");
        }
    }

    static bool TryReadHandshakeOp(ProtocolReader reader, out (ServerOpKind, byte[]) result)
    {
        if (!reader.TryRead(out var op, out var frame))
        {
            result = default;
            return false;
        }
        result = (op.Kind, frame.Slice(op.ArgStart, op.ArgLength).ToArray());
        return true;
    }

    /// <summary>-ERR text without the single quotes the server puts around it (digest §6).</summary>
    static string Unquote(ReadOnlySpan<byte> text)
    {
        var s = Encoding.UTF8.GetString(text).Trim();
        return s.Length >= 2 && s[0] == '\'' && s[^1] == '\'' ? s[1..^1] : s;
    }

    /// <summary>Makes <paramref name="session"/> current: replay, then start its loops.</summary>
    void StartSession(Session session)
    {
        Interlocked.Exchange(ref _session, session);
        _pool.SetCurrent(session.Server);
        ApplyInfo(session, session.Info, asynchronous: false);
        _writer.Attach(session.Id, session.Info);
        session.WriterTask = RunWriterAsync(session);
        session.ReaderTask = Task.Run(() => RunReaderAsync(session));
        session.PingTask = RunPingsAsync(session);
        // A close that raced with this start must still end the session.
        if (_closing.IsCancellationRequested) session.End(new NatsConnectionException("the connection is closing"));
    }

    async Task RunWriterAsync(Session session)
    {
        try
        {
            await _writer.RunAsync(session.Transport, session.Id, session.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            session.End(new NatsConnectionException($"writing to {session.Server} failed: {ex.Message}", ex));
        }
    }

    /// <summary>
    /// Keep-alive (digest §8): each tick counts a PING as outstanding; more than <see cref="NatsOptions.MaxPingsOut"/>
    /// without a PONG means the connection is stale. Any PONG resets the count.
    /// </summary>
    async Task RunPingsAsync(Session session)
    {
        try
        {
            using var timer = new PeriodicTimer(_options.PingInterval);
            while (await timer.WaitForNextTickAsync(session.Token).ConfigureAwait(false))
            {
                if (Interlocked.Increment(ref session.PingsOut) > _options.MaxPingsOut)
                {
                    session.End(new NatsConnectionException($"stale connection: {_options.MaxPingsOut} PINGs to {session.Server} went unanswered"));
                    return;
                }
                _ = _writer.PingAsync(awaited: false);
            }
        }
        catch (OperationCanceledException) { }
    }
}
