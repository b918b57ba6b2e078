using BrokerGateway.Core.Connections;

namespace BrokerGateway.Server.Transport.Framed;

public sealed partial class FramedClientSocket
{
    long _lastPing = long.MinValue; // never
    int _stale;

    public bool IsStale => Volatile.Read(ref _stale) == 1;

    /// <summary>This socket's index in its sweeper's table; guarded by the sweeper's lock.</summary>
    internal int SweepSlot { get; set; } = -1;

    /// <summary>Silence beyond the interval this socket waits before its ping (its share of the sweeper's spread).</summary>
    internal long PingDelay { get; set; }

    /// <summary>
    /// What the sweeper owes this socket at <paramref name="now"/>: a ping once the client has been silent
    /// for an interval and this socket's <see cref="PingDelay"/> (one per silence), the stale close once it
    /// has been silent for two intervals and the ping has had at least one to be answered (a late tick
    /// never closes a socket it has not pinged), and the abort one tick after that if the client did not
    /// take the hint.
    /// </summary>
    internal SweepAction Check(long now, long intervalMs)
    {
        if (Volatile.Read(ref _stale) == 1) return SweepAction.Abort;
        var lastReceived = Volatile.Read(ref _lastReceived);
        var silent = now - lastReceived;
        if (silent < intervalMs + PingDelay) return SweepAction.None;
        var pinged = _lastPing >= lastReceived;
        if (!pinged && CanSend) return SweepAction.Ping;
        if (silent >= 2 * intervalMs && (!pinged || now - _lastPing >= intervalMs)) return SweepAction.Expire;
        return SweepAction.None;
    }

    /// <summary>§5.5.2: a ping the client must answer; any frame back resets the clock.</summary>
    internal void Ping(long now)
    {
        _lastPing = now;
        QueuePing();
        _ = FlushControlAsync();
    }

    /// <summary>
    /// No frame of any kind for two intervals: close with 4004 (the gateway's "stale, reconnect" code) so a
    /// client that is merely slow learns why; the next sweep aborts the connection if it is still there.
    /// </summary>
    internal void Expire()
    {
        Volatile.Write(ref _stale, 1);
        QueueClose(FrameCodec.ClosePayload(CloseCodes.Stale, "stale"));
        _ = FlushControlAsync();
    }
}

internal enum SweepAction : byte { None, Ping, Expire, Abort }
