using BrokerGateway.Nats.Internal;

namespace BrokerGateway.Nats;

public sealed partial class NatsConnection
{
    /// <summary>
    /// Publishes and tells whether the server routed the message to at least one subscriber. The message
    /// goes out with a reply subject, so a server with no matching subscription answers "503 no
    /// responders" on it (headers and no_responders are on in CONNECT); a PING after it returns once the
    /// server has dealt with the publish, and the read loop settles the 503 before it reads the PONG.
    /// Costs one round trip; subscribers see an ordinary message with a reply subject they may ignore.
    /// </summary>
    public async Task<bool> PublishCheckedAsync(string subject, ReadOnlyMemory<byte> payload, NatsHeaders? headers = null,
        CancellationToken cancellationToken = default)
    {
        Subjects.ValidatePublish(subject);
        // While the link is down a publish would wait in the reconnect buffer and go out later, after the
        // caller was told it failed: a caller that retries would send it twice. So it is not sent at all.
        if (State != NatsConnectionState.Connected)
            throw new NatsConnectionException("not connected: a checked publish is not buffered while the link is down");
        var (id, replyTo, pending) = OpenRequest(subject);
        try
        {
            await PublishAsync(subject, payload, headers, replyTo, cancellationToken).ConfigureAwait(false);
            await FlushAsync(cancellationToken).ConfigureAwait(false);
            return !(pending.Task.IsFaulted && pending.Task.Exception?.InnerException is NatsNoRespondersException);
        }
        finally
        {
            _requests.TryRemove(id, out _);
        }
    }
}
