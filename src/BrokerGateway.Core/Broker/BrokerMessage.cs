namespace BrokerGateway.Core.Broker;

/// <summary>
/// A message as the broker carries it: opaque bytes, optional headers and reply subject.
/// <see cref="Data"/> belongs to the message and stays valid after the handler returns.
/// </summary>
public sealed record BrokerMessage(string Subject, ReadOnlyMemory<byte> Data, MessageHeaders? Headers = null, string? ReplyTo = null);

/// <summary>Receives one message. Calls for one subscription never overlap and keep publish order.</summary>
public delegate ValueTask BrokerHandler(BrokerMessage message);

/// <summary>The broker's link to its server went down or came back.</summary>
public enum BrokerState
{
    Connected,
    Disconnected,
    Reconnected,
    Closed,
}

/// <summary>No subscriber answered a request (NATS "no responders").</summary>
public sealed class NoRespondersException(string subject) : Exception($"no responders on '{subject}'")
{
    public string Subject { get; } = subject;
}

/// <summary>A request got no reply in time.</summary>
public sealed class RequestTimeoutException(string subject, TimeSpan timeout)
    : TimeoutException($"no reply on '{subject}' within {timeout.TotalMilliseconds:0} ms")
{
    public string Subject { get; } = subject;
}
