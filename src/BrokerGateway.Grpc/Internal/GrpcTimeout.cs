using System.Globalization;

namespace BrokerGateway.Grpc.Internal;

/// <summary>
/// <c>grpc-timeout</c>: 1 to 8 ASCII digits and a unit, H M S m u n (PROTOCOL-HTTP2 "Timeout").
/// </summary>
internal static class GrpcTimeout
{
    /// <summary>Parses a header value; false for anything that is not exactly the grammar above.</summary>
    public static bool TryParse(ReadOnlySpan<char> value, out TimeSpan timeout)
    {
        timeout = default;
        if (value.Length < 2 || value.Length > 9) return false;
        long amount = 0;
        foreach (var c in value[..^1])
        {
            if (c is < '0' or > '9') return false;
            amount = amount * 10 + (c - '0');
        }
        // TimeSpan ticks are 100 ns; 99,999,999 hours still fits (about 3.6e18 ticks < long.MaxValue).
        long ticks;
        switch (value[^1])
        {
            case 'H': ticks = amount * TimeSpan.TicksPerHour; break;
            case 'M': ticks = amount * TimeSpan.TicksPerMinute; break;
            case 'S': ticks = amount * TimeSpan.TicksPerSecond; break;
            case 'm': ticks = amount * TimeSpan.TicksPerMillisecond; break;
            case 'u': ticks = amount * 10; break;
            // Round nanoseconds up: a positive timeout must never become zero by truncation.
            case 'n': ticks = (amount + 99) / 100; break;
            default: return false;
        }
        timeout = TimeSpan.FromTicks(ticks);
        return true;
    }

    /// <summary>
    /// Formats a timeout as grpc-dotnet does: whole milliseconds (rounded up) below 1e8 ms, else whole
    /// seconds, else hours; a timeout already over is sent as <c>1n</c> so the server fails it at once.
    /// </summary>
    public static string Format(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero) return "1n";
        var ms = (long)Math.Ceiling(timeout.TotalMilliseconds);
        if (ms < 100_000_000) return ms.ToString(CultureInfo.InvariantCulture) + "m";
        var s = (long)Math.Ceiling(timeout.TotalSeconds);
        if (s < 100_000_000) return s.ToString(CultureInfo.InvariantCulture) + "S";
        var h = Math.Min((long)Math.Ceiling(timeout.TotalHours), 99_999_999);
        return h.ToString(CultureInfo.InvariantCulture) + "H";
    }
}
