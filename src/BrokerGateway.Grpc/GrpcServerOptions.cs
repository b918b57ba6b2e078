namespace BrokerGateway.Grpc;

/// <summary>Server settings. Immutable; every default below is what a gateway port gets unless it says otherwise.</summary>
public sealed record GrpcServerOptions
{
    /// <summary>The full names of the health and reflection services, exempt from auth by default.</summary>
    public static readonly IReadOnlySet<string> HealthAndReflection =
        new HashSet<string>(StringComparer.Ordinal) { "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection" };

    /// <summary>
    /// Largest request message accepted, in bytes. Default 4 MiB, as grpc-dotnet and grpc-go. The declared
    /// length is checked before anything is buffered, so a hostile prefix costs nothing; over it the call
    /// ends RESOURCE_EXHAUSTED.
    /// </summary>
    public int MaxReceiveMessageSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// Largest response message sent, in bytes, or null for no limit (the default, as grpc-dotnet). Over it
    /// the call ends RESOURCE_EXHAUSTED instead of sending.
    /// </summary>
    public int? MaxSendMessageSize { get; init; }

    /// <summary>
    /// When set, every call must carry <c>authorization: Bearer &lt;token&gt;</c> with this token (compared in
    /// constant time), else it ends UNAUTHENTICATED. Default null: no auth.
    /// </summary>
    public string? BearerToken { get; init; }

    /// <summary>
    /// Services callable without the bearer token. Default: health and reflection, so probes and tools
    /// need no secret. Set to an empty set to protect them too.
    /// </summary>
    public IReadOnlySet<string> UnauthenticatedServices { get; init; } = HealthAndReflection;

    /// <summary>
    /// The status a handler's unexpected exception becomes (the exception is logged, its text never sent).
    /// Default INTERNAL. statuscodes.md suggests UNKNOWN, which grpc-dotnet uses; either tells the client
    /// only "the server failed".
    /// </summary>
    public StatusCode UnhandledExceptionStatus { get; init; } = StatusCode.Internal;

    /// <summary>Clock for deadlines; tests inject a fake one. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        if (MaxReceiveMessageSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(MaxReceiveMessageSize), MaxReceiveMessageSize, "must be positive");
        if (MaxSendMessageSize is <= 0)
            throw new ArgumentOutOfRangeException(nameof(MaxSendMessageSize), MaxSendMessageSize, "must be positive or null");
        if (BearerToken is { Length: 0 })
            throw new ArgumentException("An empty bearer token would let anyone in; use null for no auth.", nameof(BearerToken));
        if (UnhandledExceptionStatus == StatusCode.OK)
            throw new ArgumentException("A failed handler cannot answer OK.", nameof(UnhandledExceptionStatus));
        ArgumentNullException.ThrowIfNull(UnauthenticatedServices);
        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}
