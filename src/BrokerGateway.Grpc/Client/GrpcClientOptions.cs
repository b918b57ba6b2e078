namespace BrokerGateway.Grpc.Client;

/// <summary>Client settings. Immutable; every default documented.</summary>
public sealed record GrpcClientOptions
{
    /// <summary>Largest response message accepted, in bytes. Default 4 MiB (as grpc-dotnet); over it → RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>Largest request message sent, or null for no limit (default).</summary>
    public int? MaxSendMessageSize { get; init; }

    /// <summary>
    /// HTTP/2 PING interval on an idle connection, or null (default) for none. Set it when long streams
    /// cross NATs or load balancers that drop silent connections.
    /// </summary>
    public TimeSpan? KeepAlivePingDelay { get; init; }

    /// <summary>
    /// A handler to send through instead of the client's own SocketsHttpHandler (tests, proxies of the
    /// caller's choosing). The client does not dispose it. It must send HTTP/2.
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; init; }
}

/// <summary>Per-call settings.</summary>
public sealed record GrpcCallOptions
{
    /// <summary>Time the call may take, sent as <c>grpc-timeout</c> and enforced locally. Null: none.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Absolute deadline; the earlier of this and <see cref="Timeout"/> applies.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>Custom metadata (lower-case names; <c>-bin</c> names carry base64).</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? Headers { get; init; }
}
