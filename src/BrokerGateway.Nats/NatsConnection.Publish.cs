using BrokerGateway.Nats.Internal;

namespace BrokerGateway.Nats;

public sealed partial class NatsConnection
{
    /// <summary>
    /// Queues a message for <paramref name="subject"/> (PUB, or HPUB with headers). Completes at once unless more
    /// than <see cref="NatsOptions.WriteBufferBytes"/> wait for the socket. While reconnecting it goes to the
    /// reconnect buffer and is sent after the subscriptions are replayed.
    /// </summary>
    /// <exception cref="NatsSubjectException">The subject or reply subject is invalid.</exception>
    /// <exception cref="NatsMaxPayloadException">Headers plus payload exceed the server's max_payload.</exception>
    /// <exception cref="NatsReconnectBufferFullException">Disconnected, and the reconnect buffer is full.</exception>
    /// <exception cref="NatsConnectionException">Not connected yet, or closed.</exception>
    public ValueTask PublishAsync(string subject, ReadOnlyMemory<byte> payload, NatsHeaders? headers = null, string? replyTo = null,
        CancellationToken cancellationToken = default)
    {
        // Hot loops publish the same string again and again; strings are immutable, so once valid, always valid.
        if (!ReferenceEquals(subject, _lastValidSubject))
        {
            Subjects.ValidatePublish(subject);
            _lastValidSubject = subject;
        }
        if (replyTo is not null) Subjects.ValidatePublish(replyTo, "reply subject");
        return _writer.PublishAsync(subject, replyTo, headers, payload.Span, cancellationToken);
    }

    string? _lastValidSubject;

    /// <summary>
    /// Sends PING and waits for PONG: once it completes, the server has processed everything sent before
    /// (subscriptions included), digest §8.
    /// </summary>
    /// <exception cref="NatsConnectionException">Not connected, or the connection dropped before the PONG.</exception>
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return _writer.PingAsync(awaited: true).WaitAsync(cancellationToken);
        }
        catch (Exception e)
        {
            return Task.FromException(e); // a failure is the task's, never the call's
        }
    }
}
