namespace BrokerGateway.Nats;

public sealed partial class NatsConnection
{
    /// <summary>
    /// Graceful shutdown: unsubscribes everything, lets messages already on their way arrive (PING round trip),
    /// waits for every subscription's queue to be handled, flushes what handlers published, then closes.
    /// If cancelled, it closes at once and throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public async ValueTask DrainAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _draining, 1) != 0 || Volatile.Read(ref _closeRequested) != 0)
        {
            await _closed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        try
        {
            if (State is NatsConnectionState.Connected or NatsConnectionState.Reconnecting)
            {
                var subscriptions = _subscriptions.Values.Where(s => !s.IsInbox).ToList();
                foreach (var subscription in subscriptions) _writer.BeginDrain(subscription);
                await TryFlushAsync(cancellationToken).ConfigureAwait(false);
                foreach (var subscription in subscriptions) _writer.Forget(subscription);
                await Task.WhenAll(subscriptions.Select(s => s.Delivery!.WhenIdleAsync())).WaitAsync(cancellationToken).ConfigureAwait(false);
                await TryFlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await CloseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Drains (at most <see cref="NatsOptions.DrainTimeout"/>), then closes. Safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (State is not NatsConnectionState.NotStarted and not NatsConnectionState.Closed)
        {
            using var timeout = new CancellationTokenSource(_options.DrainTimeout);
            try
            {
                await DrainAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception) { /* closing anyway */ }
        }
        await CloseAsync().ConfigureAwait(false);
    }

    async Task TryFlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NatsConnectionException)
        {
            // Not connected: nothing is in flight to wait for.
        }
    }

    /// <summary>Closes now (one close, however many callers): ends the session and stops reconnecting.</summary>
    Task CloseAsync()
    {
        bool supervised;
        lock (_lifecycle)
        {
            if (_closeRequested != 0) return _closed.Task;
            _closeRequested = 1;
            supervised = _supervisor is not null;
        }
        _closing.Cancel();
        Volatile.Read(ref _session)?.End(new NatsConnectionException("the connection is closing"));
        // Without a supervisor (never connected, or still connecting) nobody else will finish the close.
        if (!supervised && State != NatsConnectionState.Connecting) FinishClose(null, raise: false);
        return _closed.Task;
    }

    void FinishClose(Exception? reason, bool raise)
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0) return;
        SetState(NatsConnectionState.Closed);
        var error = reason ?? new NatsConnectionException("the connection is closed");
        _writer.Close(error);
        FailRequests(new NatsConnectionException("the connection closed before the reply came", reason));
        foreach (var subscription in _subscriptions.Values) subscription.Delivery?.Stop();
        _subscriptions.Clear();
        if (raise) RaiseClosed(new NatsConnectionEvent(Volatile.Read(ref _session) is { } s ? "nats://" + s.Server.HostPort : null, reason));
        _closed.TrySetResult();
    }
}
