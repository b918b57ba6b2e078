namespace BrokerGateway.Nats;

/// <summary>
/// Immutable settings of a <see cref="NatsConnection"/>. Every default is stated on its property; they follow
/// nats.go and nats.net where those agree, and say why where they do not. Validated when the connection is created.
/// </summary>
public sealed record NatsOptions
{
    /// <summary>All defaults.</summary>
    public static NatsOptions Default { get; } = new();

    /// <summary>
    /// Seed servers, tried in order on first connect. Default <c>["nats://127.0.0.1:4222"]</c>.
    /// Forms: <c>nats://host:port</c>, <c>host:port</c>, <c>host</c> (port 4222), <c>nats://user:pass@host:port</c>,
    /// <c>nats://token@host:port</c>. Credentials in a URL win over <see cref="User"/>/<see cref="Token"/>.
    /// Servers announced by the cluster (INFO <c>connect_urls</c>) are added to this pool at run time.
    /// </summary>
    public IReadOnlyList<string> Servers { get; init; } = ["nats://127.0.0.1:4222"];

    /// <summary>Client name sent in CONNECT, shown by the server's monitoring. Default null (none).</summary>
    public string? Name { get; init; }

    /// <summary>User for user/password auth. Default null.</summary>
    public string? User { get; init; }

    /// <summary>Password for user/password auth. Default null.</summary>
    public string? Password { get; init; }

    /// <summary>Token for token auth. Default null.</summary>
    public string? Token { get; init; }

    /// <summary>
    /// Time allowed for one connection attempt: TCP connect, INFO, CONNECT and the PING/PONG that confirms it.
    /// Default 2 s (nats.go <c>Timeout</c>).
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often the client PINGs the server to find a dead connection. Default 2 min (nats.go, nats.net).
    /// </summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// PINGs left unanswered before the connection is declared stale and replaced. Default 2, so a dead
    /// server is noticed within about 3 × <see cref="PingInterval"/>.
    /// </summary>
    public int MaxPingsOut { get; init; } = 2;

    /// <summary>
    /// Wait after the first full pass over the server pool fails. It doubles after each further failed pass,
    /// up to <see cref="ReconnectWaitMax"/>, and a random jitter of up to a quarter of it is added so that many
    /// replicas do not return in lockstep. The first pass after a disconnect does not wait. Default 500 ms.
    /// </summary>
    public TimeSpan ReconnectWaitMin { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Ceiling of the reconnect wait (before jitter). Default 5 s (nats.net).</summary>
    public TimeSpan ReconnectWaitMax { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Failed connection attempts (one per server tried) after a disconnect before the connection gives up
    /// and closes; -1 tries forever. Default -1: a gateway replica must come back whenever NATS does.
    /// </summary>
    public int MaxReconnectAttempts { get; init; } = -1;

    /// <summary>
    /// Bytes of commands (mostly publishes) kept while disconnected and sent after reconnecting; a publish that
    /// would exceed it throws <see cref="NatsReconnectBufferFullException"/>. Default 8 MiB (nats.go).
    /// </summary>
    public int ReconnectBufferBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>
    /// Bytes queued for the socket above which publishers wait for the writer to catch up (back pressure while
    /// connected). Default 1 MiB.
    /// </summary>
    public int WriteBufferBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// Messages a subscription may hold waiting for its handler. When full, the newest message is dropped, counted
    /// in <see cref="NatsSubscription.Dropped"/> and reported by <see cref="NatsConnection.MessageDropped"/>.
    /// Default 16 384 (nats.net's per-subscription channel capacity).
    /// </summary>
    public int SubscriptionPendingLimit { get; init; } = 16_384;

    /// <summary>
    /// Payload bytes a subscription may hold waiting for its handler; past it, as past
    /// <see cref="SubscriptionPendingLimit"/>, the newest message is dropped. Default 64 MiB (nats.go's): a count
    /// alone would let 16 384 large messages hold gigabytes.
    /// </summary>
    public long SubscriptionPendingBytesLimit { get; init; } = 64L * 1024 * 1024;

    /// <summary>Default time a <see cref="NatsConnection.RequestAsync"/> waits for its reply. Default 5 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>First token of reply subjects for requests. Default <c>_INBOX</c>.</summary>
    public string InboxPrefix { get; init; } = "_INBOX";

    /// <summary>When true, the server does not deliver this connection's own publishes back to it. Default false.</summary>
    public bool NoEcho { get; init; }

    /// <summary>How long <see cref="NatsConnection.DisposeAsync"/> lets a graceful drain run before closing. Default 5 s.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Opens the byte streams; null uses TCP (<see cref="TcpTransportFactory"/>). Default null.</summary>
    public INatsTransportFactory? TransportFactory { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (Servers is null || Servers.Count == 0) throw new ArgumentException("at least one server URL is required", nameof(Servers));
        foreach (var url in Servers) _ = Internal.ServerAddress.Parse(url);
        Positive(ConnectTimeout, nameof(ConnectTimeout));
        Positive(PingInterval, nameof(PingInterval));
        Positive(ReconnectWaitMin, nameof(ReconnectWaitMin));
        Positive(RequestTimeout, nameof(RequestTimeout));
        Positive(DrainTimeout, nameof(DrainTimeout));
        if (ReconnectWaitMax < ReconnectWaitMin)
            throw new ArgumentException($"{nameof(ReconnectWaitMax)} ({ReconnectWaitMax}) must not be below {nameof(ReconnectWaitMin)} ({ReconnectWaitMin})", nameof(ReconnectWaitMax));
        if (MaxPingsOut < 1) throw new ArgumentException($"{nameof(MaxPingsOut)} must be at least 1, was {MaxPingsOut}", nameof(MaxPingsOut));
        if (MaxReconnectAttempts < -1) throw new ArgumentException($"{nameof(MaxReconnectAttempts)} must be -1 (forever) or more, was {MaxReconnectAttempts}", nameof(MaxReconnectAttempts));
        if (ReconnectBufferBytes < 0) throw new ArgumentException($"{nameof(ReconnectBufferBytes)} must not be negative, was {ReconnectBufferBytes}", nameof(ReconnectBufferBytes));
        if (WriteBufferBytes < 1024) throw new ArgumentException($"{nameof(WriteBufferBytes)} must be at least 1024, was {WriteBufferBytes}", nameof(WriteBufferBytes));
        if (SubscriptionPendingBytesLimit < 1) throw new ArgumentException($"{nameof(SubscriptionPendingBytesLimit)} must be at least 1, was {SubscriptionPendingBytesLimit}", nameof(SubscriptionPendingBytesLimit));
        if (SubscriptionPendingLimit < 1) throw new ArgumentException($"{nameof(SubscriptionPendingLimit)} must be at least 1, was {SubscriptionPendingLimit}", nameof(SubscriptionPendingLimit));
        if (string.IsNullOrEmpty(InboxPrefix) || !Internal.Subjects.IsValidPublishSubject(InboxPrefix))
            throw new ArgumentException($"{nameof(InboxPrefix)} '{InboxPrefix}' is not a valid subject without wildcards", nameof(InboxPrefix));
    }

    static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero) throw new ArgumentException($"{name} must be positive, was {value}", name);
    }
}
