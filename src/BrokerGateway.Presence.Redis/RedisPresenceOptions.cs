using StackExchange.Redis;

namespace BrokerGateway.Presence.Redis;

/// <summary>Settings of <see cref="RedisPresenceStore"/>. Immutable; checked by <see cref="Validate"/> on connect.</summary>
public sealed record RedisPresenceOptions
{
    /// <summary>
    /// Where Redis is, as a StackExchange.Redis configuration string: <c>host:port</c>, several endpoints
    /// separated by commas, plus options such as <c>password=…</c>, <c>ssl=true</c> or
    /// <c>defaultDatabase=2</c>. Default <c>127.0.0.1:6379</c>. Timeouts in it are overridden by the ones below.
    /// </summary>
    public string Configuration { get; init; } = "127.0.0.1:6379";

    /// <summary>
    /// Prefix of every key (default <c>bgw:</c>). Deployments sharing one Redis need distinct prefixes,
    /// neither a prefix of the other followed by <c>ns:</c> or <c>node:</c> (end it with <c>:</c>).
    /// </summary>
    public string KeyPrefix { get; init; } = "bgw:";

    /// <summary>
    /// How long to wait for the first connection (default 5 s). With Redis down the store still starts
    /// and keeps reconnecting in the background; calls fail with <c>PresenceStoreUnavailableException</c>
    /// until it is back, which is what a replica's <c>/readyz</c> reports.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Longest wait for any one call (default 5 s): past it the call fails with
    /// <c>PresenceStoreUnavailableException</c> instead of hanging while Redis is stalled or unreachable.
    /// </summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Connections written (or stale ones removed) per script call in <c>RestoreNodeAsync</c> (default 500):
    /// large enough to restore 50,000 connections in about a hundred round trips, small enough that
    /// one call never blocks Redis for long.
    /// </summary>
    public int RestoreBatchSize { get; init; } = 500;

    /// <summary>
    /// How long Redis keeps a sweep's claim of a dead node for a retry of the same claim (default 5 min).
    /// A claim whose answer was lost (a timeout, a dropped link) after Redis ran it is asked again with the
    /// same id, in the same sweep or the next ones, and gets the node's connections back; past this time they
    /// are gone and their leaves are never announced. Longer covers longer outages, at the cost of holding
    /// each swept node's reply (its connections, memberships and sessions) in Redis for that long.
    /// </summary>
    public TimeSpan ClaimReplyTtl { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Name this client shows in <c>CLIENT LIST</c> (default <c>bgw-presence</c>).</summary>
    public string ClientName { get; init; } = "bgw-presence";

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that cannot work.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Configuration))
            throw new ArgumentException("Configuration must name at least one Redis endpoint, e.g. 127.0.0.1:6379", nameof(Configuration));
        if (string.IsNullOrEmpty(KeyPrefix))
            throw new ArgumentException("KeyPrefix must not be empty (default bgw:)", nameof(KeyPrefix));
        if (ConnectTimeout <= TimeSpan.Zero || ConnectTimeout > TimeSpan.FromMinutes(10))
            throw new ArgumentException($"ConnectTimeout must be between 0 and 10 minutes, not {ConnectTimeout}", nameof(ConnectTimeout));
        if (OperationTimeout <= TimeSpan.Zero || OperationTimeout > TimeSpan.FromMinutes(10))
            throw new ArgumentException($"OperationTimeout must be between 0 and 10 minutes, not {OperationTimeout}", nameof(OperationTimeout));
        if (ClaimReplyTtl < OperationTimeout || ClaimReplyTtl > TimeSpan.FromDays(1))
            throw new ArgumentException($"ClaimReplyTtl must be between OperationTimeout ({OperationTimeout}) and 1 day, not {ClaimReplyTtl}: a claim's retry comes after its first try timed out", nameof(ClaimReplyTtl));
        if (RestoreBatchSize is < 1 or > 100_000)
            throw new ArgumentException($"RestoreBatchSize must be between 1 and 100000, not {RestoreBatchSize}", nameof(RestoreBatchSize));
        _ = ToConfigurationOptions();
    }

    /// <summary>
    /// The endpoints of <see cref="Configuration"/>, for messages and logs: the configuration string itself
    /// may hold a password.
    /// </summary>
    public string Endpoints
    {
        get
        {
            try { return string.Join(",", ConfigurationOptions.Parse(Configuration).EndPoints.Select(e => e is System.Net.DnsEndPoint dns ? $"{dns.Host}:{dns.Port}" : e.ToString())); }
            catch (Exception e) when (e is ArgumentException or FormatException) { return "an unreadable configuration"; }
        }
    }

    /// <summary>The client settings: the configuration string with this store's resilience choices on top.</summary>
    internal ConfigurationOptions ToConfigurationOptions()
    {
        ConfigurationOptions config;
        try
        {
            config = ConfigurationOptions.Parse(Configuration);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            // Not the string itself: it may hold a password.
            throw new ArgumentException($"Configuration is not a Redis configuration string (host:port[,host:port][,option=value…]): {e.Message}", nameof(Configuration), e);
        }
        if (config.EndPoints.Count == 0)
            throw new ArgumentException("Configuration names no endpoint (host:port)", nameof(Configuration));

        // Start while Redis is down and keep reconnecting, so a Redis restart is an outage, not a crash.
        config.AbortOnConnectFail = false;
        config.ConnectTimeout = Milliseconds(ConnectTimeout);
        config.SyncTimeout = Milliseconds(OperationTimeout);
        config.ResponseTimeout = Milliseconds(OperationTimeout);
        // Probe an idle socket every few seconds so a silently dropped connection is noticed early.
        config.KeepAlive = 5;
        config.ClientName = ClientName;
        return config;
    }

    static int Milliseconds(TimeSpan span) => (int)Math.Ceiling(span.TotalMilliseconds);
}
