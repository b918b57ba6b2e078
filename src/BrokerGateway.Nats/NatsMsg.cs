namespace BrokerGateway.Nats;

/// <summary>Handles one message of a subscription. Calls for one subscription never overlap and come in order.</summary>
public delegate ValueTask NatsMsgHandler(NatsMsg msg);

/// <summary>A received message. It owns <see cref="Data"/>: the bytes stay valid after the handler returns.</summary>
public sealed class NatsMsg
{
    internal NatsMsg(string subject, string? replyTo, NatsHeaders? headers, ReadOnlyMemory<byte> data, NatsConnection connection)
    {
        Subject = subject;
        ReplyTo = replyTo;
        Headers = headers;
        Data = data;
        Connection = connection;
    }

    public string Subject { get; }
    public string? ReplyTo { get; }
    public NatsHeaders? Headers { get; }
    public ReadOnlyMemory<byte> Data { get; }
    /// <summary>The connection the message arrived on.</summary>
    public NatsConnection Connection { get; }

    /// <summary>Publishes <paramref name="data"/> to <see cref="ReplyTo"/>.</summary>
    /// <exception cref="InvalidOperationException">The message has no reply subject.</exception>
    public ValueTask ReplyAsync(ReadOnlyMemory<byte> data, NatsHeaders? headers = null, CancellationToken cancellationToken = default) =>
        ReplyTo is { } replyTo
            ? Connection.PublishAsync(replyTo, data, headers, null, cancellationToken)
            : throw new InvalidOperationException($"the message on '{Subject}' has no reply subject to answer");
}
