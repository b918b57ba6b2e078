using System.Collections.Concurrent;
using BrokerGateway.Core.Addressing;
using BrokerGateway.Core.Broker;
using BrokerGateway.Core.Connections;

namespace BrokerGateway.Core.Fanout;

/// <summary>
/// The local members of every target, and the broker subscriptions they need: the first local member of
/// a target subscribes its subject, the last one unsubscribes (interest counting, STYLE §3).
/// </summary>
/// <remarks>
/// Fan-out reads a member array without a lock (copy-on-write). Membership changes and the subscribe or
/// unsubscribe they cause run under one of 64 striped locks, so a join racing a leave on the same target
/// can never leave a subscription without members or members without a subscription.
/// </remarks>
public sealed class LocalGroups
{
    readonly ConcurrentDictionary<Target, Group> _groups = new();
    readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();
    readonly IBroker _broker;
    readonly Subjects _subjects;
    readonly Func<Target, BrokerMessage, ValueTask> _onMessage;

    /// <param name="onMessage">Called with each message on a target's subject, one at a time per target.</param>
    public LocalGroups(IBroker broker, Subjects subjects, Func<Target, BrokerMessage, ValueTask> onMessage)
    {
        _broker = broker;
        _subjects = subjects;
        _onMessage = onMessage;
    }

    /// <summary>Broker subscriptions currently held, one per target with local members.</summary>
    public int SubscriptionCount => _groups.Count;

    public IEnumerable<Target> Targets => _groups.Keys;

    /// <summary>The local members of <paramref name="target"/>; a snapshot, safe to iterate.</summary>
    public ClientConnection[] Members(Target target) => _groups.TryGetValue(target, out var g) ? g.Members : [];

    public int CountMembers(Target target) => Members(target).Length;

    /// <summary>Adds a member; false if it already was one. Subscribes the target's subject for the first.</summary>
    public async Task<bool> AddAsync(Target target, ClientConnection connection, CancellationToken ct = default)
    {
        var stripe = Stripe(target);
        await stripe.WaitAsync(ct);
        try
        {
            if (_groups.TryGetValue(target, out var group))
            {
                if (Array.IndexOf(group.Members, connection) >= 0) return false;
                group.Members = [.. group.Members, connection];
                return true;
            }
            // The group is the subscription's state: no closure or delegate per target (one per client, at least).
            var created = new Group(this, target) { Members = [connection] };
            created.Subscription = await _broker.SubscribeAsync(_subjects.For(target), Group.OnMessage, created, ct: ct);
            _groups[target] = created;
            await ConfirmAsync(ct);
            return true;
        }
        finally
        {
            stripe.Release();
        }
    }

    /// <summary>
    /// Waits until the broker's server has the subscriptions sent so far: a push published anywhere right
    /// after the client's welcome or join reply must reach it. While the link is down, or its server stalls,
    /// the subscription waits in the broker's own table, sent first when the link is back; the client is not
    /// kept waiting for that, nor refused (the replica is not ready meanwhile, so new clients go elsewhere).
    /// </summary>
    async Task ConfirmAsync(CancellationToken ct)
    {
        // A confirmation that timed out is still waiting: the link stalls, and a wait per join (a connect
        // makes several) would only add up.
        if (_unconfirmed is { IsCompleted: false }) return;
        Task? flush = null;
        try
        {
            flush = _broker.FlushAsync(ct);
            await flush.WaitAsync(ConfirmTimeout, ct);
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            // Down or stalled: the join stands. A flush still waiting is observed when it ends.
            if (flush is { IsCompleted: false })
                _unconfirmed = flush.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }

    /// <summary>The longest a join waits for the broker's confirmation (a round trip, normally well under a millisecond).</summary>
    static readonly TimeSpan ConfirmTimeout = TimeSpan.FromSeconds(2);

    volatile Task? _unconfirmed;

    /// <summary>Removes a member; false if it was not one. Unsubscribes when the last one leaves.</summary>
    public async Task<bool> RemoveAsync(Target target, ClientConnection connection)
    {
        var stripe = Stripe(target);
        await stripe.WaitAsync();
        try
        {
            if (!_groups.TryGetValue(target, out var group) || Array.IndexOf(group.Members, connection) < 0) return false;
            if (group.Members.Length > 1)
            {
                group.Members = group.Members.Where(c => c != connection).ToArray();
                return true;
            }
            _groups.TryRemove(target, out _);
            try { await group.Subscription.DisposeAsync(); }
            catch (Exception) { /* the broker resubscribes from its own table; a failed unsubscribe only costs traffic */ }
            return true;
        }
        finally
        {
            stripe.Release();
        }
    }

    SemaphoreSlim Stripe(Target target) => _stripes[(uint)target.GetHashCode() % (uint)_stripes.Length];

    sealed class Group(LocalGroups owner, Target target)
    {
        public static readonly Func<BrokerMessage, object, ValueTask> OnMessage =
            static (message, state) => ((Group)state).Deliver(message);

        public volatile ClientConnection[] Members = [];
        public IAsyncDisposable Subscription = null!; // set once subscribed, before the group is published

        ValueTask Deliver(BrokerMessage message) => owner._onMessage(target, message);
    }
}
