using BrokerGateway.Core.Connections;

namespace BrokerGateway.Server.Transport.Framed;

public sealed partial class FramedClientSocket
{
    long _lastPing;
    int _stale;

    /// <summary>This socket's index in its sweeper's table; guarded by the sweeper's lock.</summary>
    internal int SweepSlot { get; set; } = -1;

    /// <summary>
    /// What the sweeper owes this socket at <paramref name="now"/>: a ping once the client has been silent
    /// for an interval (at most one per interval), the stale close after two silent intervals, and the
    /// abort one tick after that if the client did not take the hint.
    /// </summary>
    internal SweepAction Check(long now, long intervalMs)
    {
        if (Volatile.Read(ref _stale) == 1) return SweepAction.Abort;
        var silent = now - Volatile.Read(ref _lastReceived);
        if (silent >= 2 * intervalMs) return SweepAction.Expire;
        if (silent >= intervalMs && now - _lastPing >= intervalMs && CanSend) return SweepAction.Ping;
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
