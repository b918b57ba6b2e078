using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using BrokerGateway.Nats.Internal;

namespace BrokerGateway.Nats;

public sealed partial class NatsConnection
{
    readonly ConcurrentDictionary<long, PendingRequest> _requests = new();
    readonly object _inboxLock = new();
    NatsSubscription? _inbox;
    string? _inboxPrefix;
    byte[]? _inboxPrefixBytes;
    long _lastRequestId;

    /// <summary>
    /// Publishes a request and waits for the first reply, over one shared inbox subscription
    /// (<c>&lt;InboxPrefix&gt;.&lt;nuid&gt;.*</c>, digest §10) made on first use.
    /// </summary>
    /// <exception cref="NatsNoRespondersException">Nobody is subscribed to <paramref name="subject"/>.</exception>
    /// <exception cref="NatsTimeoutException">No reply within <paramref name="timeout"/> (default <see cref="NatsOptions.RequestTimeout"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<NatsMsg> RequestAsync(string subject, ReadOnlyMemory<byte> payload, NatsHeaders? headers = null,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        Subjects.ValidatePublish(subject);
        var wait = timeout ?? _options.RequestTimeout;
        if (wait <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "must be positive");
        var (id, replyTo, pending) = OpenRequest(subject);
        try
        {
            await PublishAsync(subject, payload, headers, replyTo, cancellationToken).ConfigureAwait(false);
            return await pending.Task.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new NatsTimeoutException($"no reply to the request on '{subject}' within {wait.TotalMilliseconds:0} ms");
        }
        finally
        {
            _requests.TryRemove(id, out _);
        }
    }

    /// <summary>
    /// A reply slot on the shared inbox: its id, the reply subject to publish with, and the reply to wait
    /// for. Registered before publishing, so even an immediate reply finds it; the caller removes it.
    /// </summary>
    (long Id, string ReplyTo, PendingRequest Pending) OpenRequest(string subject)
    {
        var prefix = EnsureInbox();
        var id = Interlocked.Increment(ref _lastRequestId);
        var pending = new PendingRequest(subject);
        _requests[id] = pending;
        return (id, prefix + id.ToString(CultureInfo.InvariantCulture), pending);
    }

    string EnsureInbox()
    {
        if (Volatile.Read(ref _inboxPrefix) is { } ready) return ready;
        lock (_inboxLock)
        {
            if (_inboxPrefix is { } prefix) return prefix;
            prefix = $"{_options.InboxPrefix}.{Nuid.Next()}.";
            var inbox = new NatsSubscription(this, Interlocked.Increment(ref _lastSid), prefix + "*", null, null, null, 0);
            _inboxPrefixBytes = Encoding.UTF8.GetBytes(prefix);
            _writer.Subscribe(inbox);
            _inbox = inbox;
            Volatile.Write(ref _inboxPrefix, prefix);
            return prefix;
        }
    }

    void FailRequests(Exception error)
    {
        foreach (var id in _requests.Keys)
            if (_requests.TryRemove(id, out var pending)) pending.TrySetException(error);
    }

    sealed class PendingRequest(string subject) : TaskCompletionSource<NatsMsg>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public string Subject { get; } = subject;
    }
}
