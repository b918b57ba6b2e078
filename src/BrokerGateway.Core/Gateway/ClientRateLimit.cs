namespace BrokerGateway.Core.Gateway;

/// <summary>A per-connection message rate: a sustained rate and a burst (token bucket).</summary>
/// <param name="MessagesPerSecond">Sustained messages per second; 0 turns the limit off.</param>
/// <param name="Burst">Messages a client may send at once before the sustained rate applies (at least 1).</param>
public sealed record RateLimitValue(double MessagesPerSecond, int Burst)
{
    /// <summary>Null when the value can be applied, else why not (for a caller to show).</summary>
    public string? Problem =>
        !double.IsFinite(MessagesPerSecond) || MessagesPerSecond < 0 ? $"messages_per_second must be a finite number ≥ 0, not {MessagesPerSecond}"
        : Burst < 1 ? $"burst must be at least 1, not {Burst}"
        : null;
}

/// <summary>
/// The client rate limit this replica applies right now: its configuration until the cluster sets
/// another at run time (netsvr Limit, docs/api.md "Cluster"). Rate limiters read it on every message,
/// so a change applies to open connections at once. Thread-safe: the value is swapped whole.
/// </summary>
public sealed class ClientRateLimit
{
    RateLimitValue? _configured;
    RateLimitValue? _runtime;

    /// <summary>What the replica applies: the run-time value if one was set, else the configured one (null before either).</summary>
    public RateLimitValue? Value => Volatile.Read(ref _runtime) ?? Volatile.Read(ref _configured);

    /// <summary>True once a value was set at run time.</summary>
    public bool SetAtRuntime => Volatile.Read(ref _runtime) is not null;

    /// <summary>The value from configuration, applied until one is set at run time.</summary>
    public void Configure(RateLimitValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Problem is { } problem) throw new ArgumentException(problem, nameof(value));
        Volatile.Write(ref _configured, value);
    }

    /// <summary>Applies a value at run time; it wins over the configured one until the process ends.</summary>
    public void Set(RateLimitValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Problem is { } problem) throw new ArgumentException(problem, nameof(value));
        Volatile.Write(ref _runtime, value);
    }
}
