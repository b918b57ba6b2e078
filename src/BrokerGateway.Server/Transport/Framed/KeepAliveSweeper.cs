namespace BrokerGateway.Server.Transport.Framed;

/// <summary>
/// Keepalive for every framed socket with one interval, on one timer: a socket costs one slot in a table
/// instead of a timer of its own (tens of thousands of timers would each sit in the runtime's timer queue
/// and fire separately). A tick walks the table under the lock, deciding only; pings, closes and aborts
/// happen after the lock is released.
/// </summary>
public sealed class KeepAliveSweeper
{
    readonly object _gate = new();
    readonly TimeProvider _time;
    readonly long _intervalMs;
    readonly long _spreadMs;
    readonly TimeSpan _period;
    readonly List<FramedClientSocket> _ping = [];
    readonly List<FramedClientSocket> _expire = [];
    readonly List<FramedClientSocket> _abort = [];
    FramedClientSocket?[] _sockets = new FramedClientSocket?[16];
    int _count;
    ITimer? _timer;
    int _sweeping;

    /// <param name="interval">
    /// Silence after which a socket is pinged; after twice this it is closed as stale. Ticks come every
    /// sixteenth of an interval (10 ms to 5 s), so each deadline is met within that.
    /// </param>
    /// <param name="time">The clock and timer (tests drive their own); the system's by default.</param>
    /// <param name="spread">
    /// Each socket waits a further random share of the interval, up to this fraction, before its ping, so
    /// sockets that connected together are not pinged together: a ping and its pong each hold a buffer of
    /// the transport until they are through, and ten thousand at once grow its pool by as many.
    /// </param>
    public KeepAliveSweeper(TimeSpan interval, TimeProvider? time = null, double spread = 0.5)
    {
        _time = time ?? TimeProvider.System;
        _intervalMs = Math.Max(1, (long)interval.TotalMilliseconds);
        _spreadMs = (long)(_intervalMs * Math.Clamp(spread, 0, 1));
        _period = TimeSpan.FromMilliseconds(Math.Clamp(_intervalMs / 16, 10, 5000));
    }

    /// <summary>Milliseconds on the sweeper's clock: when sockets last heard from their clients, and when ticks run.</summary>
    internal long Now => (long)_time.GetElapsedTime(0, _time.GetTimestamp()).TotalMilliseconds;

    /// <summary>Sockets being watched.</summary>
    public int Count { get { lock (_gate) return _count; } }

    internal void Add(FramedClientSocket socket)
    {
        lock (_gate)
        {
            if (socket.SweepSlot >= 0) return;
            if (_count == _sockets.Length) Array.Resize(ref _sockets, _count * 2);
            socket.SweepSlot = _count;
            socket.PingDelay = _spreadMs == 0 ? 0 : Random.Shared.NextInt64(_spreadMs);
            _sockets[_count++] = socket;
            if (_timer is not null) return;
            // The timer must not capture the first request's execution context for its whole life.
            using (ExecutionContext.SuppressFlow())
                _timer = _time.CreateTimer(static s => ((KeepAliveSweeper)s!).Sweep(), this, _period, _period);
        }
    }

    internal void Remove(FramedClientSocket socket)
    {
        lock (_gate)
        {
            var slot = socket.SweepSlot;
            if (slot < 0) return;
            var last = _sockets[--_count]!;
            _sockets[slot] = last;
            last.SweepSlot = slot;
            _sockets[_count] = null;
            socket.SweepSlot = -1;
            if (_count == 0)
            {
                // No socket, no timer: a stopped server leaves nothing ticking.
                _timer?.Dispose();
                _timer = null;
            }
            else if (_sockets.Length > 1024 && _count < _sockets.Length / 4)
            {
                Array.Resize(ref _sockets, _sockets.Length / 2);
            }
        }
    }

    /// <summary>One tick. Overlapping ticks (a slow one) are skipped rather than queued.</summary>
    internal void Sweep()
    {
        if (Interlocked.Exchange(ref _sweeping, 1) == 1) return;
        try
        {
            var now = Now;
            lock (_gate)
            {
                for (var i = 0; i < _count; i++)
                {
                    var socket = _sockets[i]!;
                    switch (socket.Check(now, _intervalMs))
                    {
                        case SweepAction.Ping: _ping.Add(socket); break;
                        case SweepAction.Expire: _expire.Add(socket); break;
                        case SweepAction.Abort: _abort.Add(socket); break;
                    }
                }
            }
            foreach (var socket in _ping) socket.Ping(now);
            foreach (var socket in _expire) socket.Expire();
            foreach (var socket in _abort) socket.Abort();
        }
        finally
        {
            _ping.Clear();
            _expire.Clear();
            _abort.Clear();
            Volatile.Write(ref _sweeping, 0);
        }
    }
}
