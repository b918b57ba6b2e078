using System.Diagnostics;

namespace BrokerGateway.Server.Protocol;

/// <summary>A token bucket for one connection; called from its receive loop only, so it needs no lock.</summary>
public sealed class RateLimiter(double perSecond, int burst)
{
    double _tokens = burst;
    long _last = Stopwatch.GetTimestamp();

    public bool TryTake()
    {
        if (perSecond <= 0) return true;
        var now = Stopwatch.GetTimestamp();
        _tokens = Math.Min(burst, _tokens + Stopwatch.GetElapsedTime(_last, now).TotalSeconds * perSecond);
        _last = now;
        if (_tokens < 1) return false;
        _tokens -= 1;
        return true;
    }
}
