using System.Collections.Concurrent;
using System.Threading.Channels;

namespace BrokerGateway.Core.Broker;

/// <summary>
/// The in-process twin of the NATS broker: one replica with no server (the embedded default). Same
/// contract: per-subscription order, bounded per-subscription queues (drop newest), queue groups,
/// request/reply with no-responders.
/// </summary>
public sealed class MemoryBroker : IBroker
{
    readonly ConcurrentDictionary<string, Subscription[]> _exact = new();
    readonly object _gate = new();
    volatile Subscription[] _wildcards = [];
    readonly int _pendingLimit;
    long _inboxCounter;
    int _roundRobin;

    public MemoryBroker(int pendingLimit = 65_536) => _pendingLimit = pendingLimit;

    public event Action<BrokerState>? StateChanged { add { } remove { } }

    public bool IsConnected => true;

    /// <summary>Messages dropped because a subscription's queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);
    long _dropped;

    public ValueTask PublishAsync(string subject, ReadOnlyMemory<byte> data, MessageHeaders? headers = null, string? replyTo = null, CancellationToken ct = default)
    {
        SubjectPattern.Validate(subject, allowWildcards: false);
        // The caller may reuse its buffer once the publish returns, as with a network broker.
        var message = new BrokerMessage(subject, data.ToArray(), headers, replyTo);
        Deliver(message);
        return ValueTask.CompletedTask;
    }

    public Task<bool> PublishCheckedAsync(string subject, ReadOnlyMemory<byte> data, MessageHeaders? headers = null, CancellationToken ct = default)
    {
        SubjectPattern.Validate(subject, allowWildcards: false);
        return Task.FromResult(Deliver(new BrokerMessage(subject, data.ToArray(), headers)) > 0);
    }

    int Deliver(BrokerMessage message)
    {
        var delivered = 0;
        Dictionary<string, List<Subscription>>? groups = null;
        void Offer(Subscription sub)
        {
            if (sub.QueueGroup is null) { sub.Enqueue(message, ref _dropped); delivered++; }
            else
            {
                groups ??= [];
                if (!groups.TryGetValue(sub.QueueGroup, out var list)) groups[sub.QueueGroup] = list = [];
                list.Add(sub);
            }
        }
        if (_exact.TryGetValue(message.Subject, out var subs))
            foreach (var sub in subs) Offer(sub);
        foreach (var sub in _wildcards)
            if (SubjectPattern.Matches(sub.Subject, message.Subject)) Offer(sub);
        if (groups is not null)
        {
            foreach (var members in groups.Values)
            {
                var pick = members[(int)((uint)Interlocked.Increment(ref _roundRobin) % (uint)members.Count)];
                pick.Enqueue(message, ref _dropped);
                delivered++;
            }
        }
        return delivered;
    }

    public ValueTask<IAsyncDisposable> SubscribeAsync(string subject, BrokerHandler handler, string? queueGroup = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return SubscribeAsync(subject, static (message, state) => ((BrokerHandler)state)(message), handler, queueGroup, ct);
    }

    public ValueTask<IAsyncDisposable> SubscribeAsync(string subject, Func<BrokerMessage, object, ValueTask> handler, object state,
        string? queueGroup = null, CancellationToken ct = default)
    {
        SubjectPattern.Validate(subject, allowWildcards: true);
        var sub = new Subscription(this, subject, queueGroup, handler, state, _pendingLimit);
        lock (_gate)
        {
            if (SubjectPattern.IsWildcard(subject)) _wildcards = [.. _wildcards, sub];
            else _exact.AddOrUpdate(subject, [sub], (_, old) => [.. old, sub]);
        }
        return ValueTask.FromResult<IAsyncDisposable>(sub);
    }

    void Remove(Subscription sub)
    {
        lock (_gate)
        {
            if (SubjectPattern.IsWildcard(sub.Subject)) _wildcards = _wildcards.Where(s => s != sub).ToArray();
            else if (_exact.TryGetValue(sub.Subject, out var old))
            {
                var rest = old.Where(s => s != sub).ToArray();
                if (rest.Length == 0) _exact.TryRemove(sub.Subject, out _);
                else _exact[sub.Subject] = rest;
            }
        }
    }

    public async Task<BrokerMessage> RequestAsync(string subject, ReadOnlyMemory<byte> data, MessageHeaders? headers, TimeSpan timeout, CancellationToken ct = default)
    {
        SubjectPattern.Validate(subject, allowWildcards: false);
        var inbox = $"_INBOX.mem.{Interlocked.Increment(ref _inboxCounter)}";
        var reply = new TaskCompletionSource<BrokerMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var sub = await SubscribeAsync(inbox, m => { reply.TrySetResult(m); return ValueTask.CompletedTask; }, ct: ct);
        if (Deliver(new BrokerMessage(subject, data.ToArray(), headers, inbox)) == 0) throw new NoRespondersException(subject);
        try
        {
            return await reply.Task.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            throw new RequestTimeoutException(subject, timeout);
        }
    }

    public Task FlushAsync(CancellationToken ct = default) => Task.CompletedTask;

    public ValueTask DisposeAsync()
    {
        _exact.Clear();
        _wildcards = [];
        return ValueTask.CompletedTask;
    }

    /// <summary>One subscription: a bounded queue drained by one task while it has messages.</summary>
    sealed class Subscription(MemoryBroker owner, string subject, string? queueGroup, Func<BrokerMessage, object, ValueTask> handler,
        object state, int limit) : IAsyncDisposable
    {
        readonly Channel<BrokerMessage> _queue = Channel.CreateBounded<BrokerMessage>(
            new BoundedChannelOptions(limit) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        int _draining;
        volatile bool _closed;

        public string Subject => subject;
        public string? QueueGroup => queueGroup;

        public void Enqueue(BrokerMessage message, ref long dropped)
        {
            if (_closed) return;
            if (!_queue.Writer.TryWrite(message)) { Interlocked.Increment(ref dropped); return; }
            if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0) _ = Task.Run(DrainAsync);
        }

        async Task DrainAsync()
        {
            while (true)
            {
                while (_queue.Reader.TryRead(out var message))
                {
                    if (_closed) return;
                    try { await handler(message, state); }
                    catch (Exception) { /* a handler's failure is its own; delivery goes on */ }
                }
                Volatile.Write(ref _draining, 0);
                // A message may have arrived between the last TryRead and the reset.
                if (!_queue.Reader.TryPeek(out _) || Interlocked.CompareExchange(ref _draining, 1, 0) != 0) return;
            }
        }

        public ValueTask DisposeAsync()
        {
            _closed = true;
            owner.Remove(this);
            return ValueTask.CompletedTask;
        }
    }
}
