namespace BrokerGateway.Nats.Internal;

sealed partial class CommandWriter
{
    /// <summary>
    /// A new connection is up (handshake done): replay every subscription, then what was buffered while
    /// disconnected, then start sending (digest §11: resubscribe before flushing buffered publishes).
    /// </summary>
    public void Attach(long session, NatsServerInfo info)
    {
        lock (_lock)
        {
            if (_mode == Mode.Closed) return;
            _maxPayload = info.MaxPayload > 0 ? info.MaxPayload : _maxPayload;
            _headers = info.Headers;
            var fresh = _spare ?? new CommandBuffer(64 * 1024);
            _spare = null;
            foreach (var subscription in subscriptions.Values) WriteSubscribe(fresh, subscription);
            fresh.Write(_pending.WrittenSpan);
            _pending.Reset(KeepBufferBytes);
            _spare = _pending;
            _pending = fresh;
            _pingOffsets.Clear();
            _pongWaiters.Clear();
            _pongsOwed = 0;
            _mode = Mode.Attached;
            _session = session;
            _signaled = true;
        }
        _signal.Set();
    }

    /// <summary>
    /// The connection dropped: keep the unsent buffer for the next one, and fail whoever waits for a PONG.
    /// PINGs still in the buffer become PONGs (same length, and harmless to a server), so the next connection's
    /// PONGs cannot be matched to waiters that are already gone.
    /// </summary>
    public void Detach(Exception reason)
    {
        TaskCompletionSource?[] waiters;
        TaskCompletionSource? space;
        lock (_lock)
        {
            if (_mode != Mode.Attached) return;
            _mode = Mode.Buffering;
            var written = _pending.WrittenSpan;
            foreach (var offset in _pingOffsets) ProtocolWriter.Pong.CopyTo(written[offset..]);
            _pingOffsets.Clear();
            waiters = [.. _pongWaiters];
            _pongWaiters.Clear();
            _pongsOwed = 0;
            space = _spaceWaiter;
            _spaceWaiter = null;
        }
        _signal.Set();
        var error = new NatsConnectionException("the connection was lost before the server answered", reason);
        foreach (var waiter in waiters) waiter?.TrySetException(error);
        space?.TrySetResult();
    }

    /// <summary>Closed for good: nothing more is accepted, and nothing buffered will be sent.</summary>
    public void Close(Exception reason)
    {
        TaskCompletionSource?[] waiters;
        TaskCompletionSource? space;
        lock (_lock)
        {
            if (_mode == Mode.Closed) return;
            _mode = Mode.Closed;
            _closeReason = reason;
            _pending.Reset(0);
            _pingOffsets.Clear();
            waiters = [.. _pongWaiters];
            _pongWaiters.Clear();
            space = _spaceWaiter;
            _spaceWaiter = null;
        }
        _signal.Set();
        var error = new NatsConnectionException("the connection is closed", reason);
        foreach (var waiter in waiters) waiter?.TrySetException(error);
        space?.TrySetException(error);
    }

    /// <summary>
    /// The writer loop of one connection: wait for commands, take the whole pending buffer, send it in one call.
    /// Ends when the connection is detached; a send error ends it with the exception.
    /// </summary>
    public async Task RunAsync(INatsTransport transport, long session, CancellationToken cancellationToken)
    {
        while (true)
        {
            var signaled = _signal.WaitAsync();
            if (signaled.IsCompleted)
            {
                // More came in while the last send was on the wire: commands are streaming. Give the publishers a
                // couple of turns to add to the buffer, so the socket (and the server's reader) see few large writes
                // instead of many small ones. A lone command after a quiet spell is still sent at once.
                for (var turn = 0; turn < CoalesceTurns; turn++)
                {
                    var before = Volatile.Read(ref _pendingLength);
                    if (before >= CoalesceBytes) break;
                    await Task.Yield();
                    if (Volatile.Read(ref _pendingLength) == before) break;
                }
            }
            else
            {
                await signaled.ConfigureAwait(false);
            }
            CommandBuffer batch;
            int pongs;
            TaskCompletionSource? space;
            lock (_lock)
            {
                if (_mode != Mode.Attached || _session != session) return;
                pongs = _pongsOwed;
                _pongsOwed = 0;
                batch = _pending;
                _pending = _spare ?? new CommandBuffer(64 * 1024);
                _bufferNumber++;
                _spare = null;
                _pingOffsets.Clear();
                _signaled = false;
                Volatile.Write(ref _pendingLength, 0);
                space = _spaceWaiter;
                _spaceWaiter = null;
            }
            space?.TrySetResult();
            for (; pongs > 0; pongs -= 16)
                await transport.SendAsync(PongBatch.AsMemory(0, Math.Min(pongs, 16) * ProtocolWriter.Pong.Length), cancellationToken).ConfigureAwait(false);
            if (batch.Length > 0)
                await transport.SendAsync(batch.WrittenMemory, cancellationToken).ConfigureAwait(false);
            batch.Reset(Math.Max(KeepBufferBytes, options.WriteBufferBytes * 2));
            lock (_lock) _spare ??= batch;
        }
    }
}
