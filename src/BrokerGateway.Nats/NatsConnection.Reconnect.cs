using BrokerGateway.Nats.Internal;

namespace BrokerGateway.Nats;

public sealed partial class NatsConnection
{
    /// <summary>
    /// Owns the life of the connection after the first connect: waits for the current session to end, then
    /// reconnects (digest §11) until it succeeds, gives up, or the connection is closed.
    /// </summary>
    async Task SuperviseAsync(Session session)
    {
        Exception? closeReason = null;
        while (true)
        {
            var reason = await session.Ended.ConfigureAwait(false);
            _writer.Detach(reason);
            await session.StopAsync().ConfigureAwait(false);
            if (_closing.IsCancellationRequested) break;
            SetState(NatsConnectionState.Reconnecting);
            RaiseDisconnected(new NatsConnectionEvent("nats://" + session.Server.HostPort, reason));
            Session? next;
            try
            {
                next = await ReconnectAsync().ConfigureAwait(false);
            }
            catch (NatsConnectionException ex)
            {
                closeReason = ex;
                break;
            }
            if (next is null) break;
            lock (_lifecycle)
            {
                if (_closeRequested != 0)
                {
                    next.End(new NatsConnectionException("the connection is closing"));
                    session = next;
                    continue;
                }
                StartSession(next);
            }
            session = next;
            SetState(NatsConnectionState.Connected);
            RaiseReconnected(new NatsConnectionEvent("nats://" + next.Server.HostPort, null));
        }
        FinishClose(closeReason, raise: true);
    }

    /// <summary>
    /// Passes over the pool, the server just lost last; the first pass starts at once, later ones after a backoff.
    /// Returns null when the connection is closed meanwhile; throws when attempts run out or authorization keeps failing.
    /// </summary>
    async Task<Session?> ReconnectAsync()
    {
        if (_options.MaxReconnectAttempts == 0) throw new NatsConnectionException("the connection was lost and reconnecting is disabled (MaxReconnectAttempts = 0)");
        var attempts = 0;
        var authOnlyPasses = 0;
        for (var pass = 0; ; pass++)
        {
            var allAuth = true;
            Exception? last = null;
            foreach (var server in _pool.ReconnectOrder())
            {
                if (_closing.IsCancellationRequested) return null;
                try
                {
                    await WaitForTurnAsync(server).ConfigureAwait(false);
                    return await HandshakeAsync(server, _closing.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_closing.IsCancellationRequested)
                {
                    return null;
                }
                catch (Exception ex)
                {
                    last = ex;
                    allAuth &= ex is NatsServerErrorException { IsAuthError: true };
                    if (_options.MaxReconnectAttempts > 0 && ++attempts >= _options.MaxReconnectAttempts)
                        throw new NatsConnectionException($"gave up after {attempts} reconnect attempts; last error: {ex.Message}", ex);
                }
            }
            // The same credentials will not start working: stop once every server refused them twice (nats.net).
            if (last is not null && allAuth && ++authOnlyPasses >= 2)
                throw new NatsConnectionException($"authorization failed on every server twice: {last.Message}", last);
            if (!allAuth) authOnlyPasses = 0;
            try
            {
                await Task.Delay(ReconnectDelay(pass), _closing.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// A server is tried at most once per <see cref="NatsOptions.ReconnectWaitMin"/> (nats.go does the same): one
    /// that completes the handshake and then drops the connection, or says it is going away, would otherwise be
    /// dialled again at once, in a loop, each success resetting the backoff.
    /// </summary>
    Task WaitForTurnAsync(ServerAddress server)
    {
        if (!_lastAttempts.TryGetValue(server.HostPort, out var last)) return Task.CompletedTask;
        var wait = _options.ReconnectWaitMin - TimeSpan.FromMilliseconds(Environment.TickCount64 - last);
        return wait > TimeSpan.Zero ? Task.Delay(wait, _closing.Token) : Task.CompletedTask;
    }

    /// <summary>When each server was last dialled (Environment.TickCount64), by host and port.</summary>
    readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _lastAttempts = new();

    /// <summary>
    /// ReconnectWaitMin doubled per failed pass, capped at ReconnectWaitMax, plus up to a quarter of that at
    /// random so replicas cut off together do not return together.
    /// </summary>
    internal static TimeSpan ReconnectDelay(int pass, TimeSpan min, TimeSpan max)
    {
        var ticks = Math.Min(max.Ticks, min.Ticks * (1L << Math.Min(pass, 30)));
        return TimeSpan.FromTicks(ticks + (long)(Random.Shared.NextDouble() * ticks / 4));
    }

    TimeSpan ReconnectDelay(int pass) => ReconnectDelay(pass, _options.ReconnectWaitMin, _options.ReconnectWaitMax);
}
