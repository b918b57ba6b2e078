namespace BrokerGateway.Core.Gateway;

/// <summary>How one replica behaves. Every default is what a production gateway should start with.</summary>
public sealed record GatewayOptions
{
    /// <summary>This replica's id; new at every start so a restart is a new node (DESIGN §2).</summary>
    public string NodeId { get; init; } = NewNodeId();

    /// <summary>Where this node can be reached by operators (shown in node lists).</summary>
    public string NodeAddress { get; init; } = Environment.MachineName;

    /// <summary>First token of every NATS subject (DESIGN §4).</summary>
    public string SubjectPrefix { get; init; } = "bgw";

    /// <summary>The namespace of a token without <c>nsp</c>.</summary>
    public string DefaultNamespace { get; init; } = "default";

    /// <summary>
    /// Frames queued for one socket before it is closed as a slow consumer (4002). At 1,024 a client may
    /// fall a second behind a 1,000 msg/s room before it is dropped; memory is only used while queued.
    /// </summary>
    public int SendQueueLimit { get; init; } = 1024;

    /// <summary>Connections one user may hold across the cluster; 0 for no limit. Past it: close 4059.</summary>
    public int MaxConnectionsPerUser { get; init; } = 0;

    /// <summary>Rooms one connection may be in; a join past it answers <c>limit_exceeded</c>.</summary>
    public int MaxRoomsPerConnection { get; init; } = 256;

    /// <summary>Topics one connection may hold; a subscribe past it answers <c>limit_exceeded</c>.</summary>
    public int MaxTopicsPerConnection { get; init; } = 256;

    /// <summary>How long a node's presence lease lasts. A dead node's entries are swept within about this time.</summary>
    public TimeSpan LeaseTtl { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Policies by namespace name; a namespace not listed gets <see cref="DefaultPolicy"/>.</summary>
    public IReadOnlyDictionary<string, NamespacePolicy> Namespaces { get; init; } = new Dictionary<string, NamespacePolicy>();

    public NamespacePolicy DefaultPolicy { get; init; } = new();

    public NamespacePolicy PolicyFor(string nsp) => Namespaces.TryGetValue(nsp, out var p) ? p : DefaultPolicy;

    static string NewNodeId() => $"n{DateTime.UtcNow:yyMMddHHmmss}{Random.Shared.Next(0x1000000):x6}";
}

/// <summary>What clients may do by themselves in one namespace (the backend may always do everything).</summary>
public sealed record NamespacePolicy
{
    /// <summary>Connections without a token (no user) are accepted.</summary>
    public bool AllowGuests { get; init; }

    /// <summary>Clients may join and leave rooms themselves; otherwise only tokens' <c>rooms</c> and the backend.</summary>
    public bool ClientJoin { get; init; } = true;

    /// <summary>Clients may subscribe to topics themselves.</summary>
    public bool ClientSubscribe { get; init; } = true;

    /// <summary>Clients may publish to rooms they are in (chat); otherwise only backends push.</summary>
    public bool ClientPublish { get; init; }

    /// <summary>Room members are told of joins and leaves.</summary>
    public bool PresenceEvents { get; init; } = true;
}
