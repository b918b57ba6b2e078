namespace BrokerGateway.Client;

/// <summary>How a push is presented to clients (each maps to a <c>Bgw-*</c> NATS header).</summary>
public sealed record PushOptions
{
    /// <summary>The event name clients see (default <c>message</c>).</summary>
    public string? Event { get; init; }

    /// <summary>A connection that must not receive this push (the sender of a chat line, say).</summary>
    public string? ExcludeConn { get; init; }

    /// <summary>An id for de-duplication: a retried publish with the same id reaches each socket once.</summary>
    public string? MsgId { get; init; }

    /// <summary><c>application/json</c>, <c>text/plain</c> or <c>application/octet-stream</c>; sniffed when null.</summary>
    public string? ContentType { get; init; }
}
