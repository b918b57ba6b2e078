using System.Diagnostics;
using BrokerGateway.Core.Gateway;

namespace BrokerGateway.Server.Protocol;

/// <summary>
/// A token bucket for one connection; called from its receive loop only, so it needs no lock. With a
/// <see cref="ClientRateLimit"/> it reads the replica's live limit on every message, so a limit set at
/// run time (docs/api.md "Limit") applies to open connections at once.
/// </summary>
public sealed class RateLimiter(double perSecond, int burst, ClientRateLimit? live = null)
{
    double _tokens = burst;
    long _last = Stopwatch.GetTimestamp();

    public bool TryTake()
    {
        var (rate, size) = live?.Value is { } value ? (value.MessagesPerSecond, value.Burst) : (perSecond, burst);
        if (rate <= 0) return true;
        var now = Stopwatch.GetTimestamp();
        _tokens = Math.Min(size, _tokens + Stopwatch.GetElapsedTime(_last, now).TotalSeconds * rate);
        _last = now;
        if (_tokens < 1) return false;
        _tokens -= 1;
        return true;
    }
}
