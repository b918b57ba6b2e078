using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using BrokerGateway.Core.Addressing;
using BrokerGateway.Core.Broker;
using BrokerGateway.Core.Connections;
using BrokerGateway.Core.Fanout;
using BrokerGateway.Core.Presence;

namespace BrokerGateway.Core.Gateway;

/// <summary>
/// Node-to-node work on <c>bgw.sys.*</c> (DESIGN §4): a scatter/gather in which every replica answers for
/// itself (pushes with a receipt, metrics, the live rate limit), and the connection events a presence
/// watch follows. Pushes and commands without an answer stay on the targets' own subjects.
/// </summary>
public sealed partial class GatewayNode
{
    /// <summary>Names under <c>bgw.sys.</c> (through <see cref="Subjects.System"/>).</summary>
    static class SysNames
    {
        public const string Push = "push";
        public const string Stats = "stats";
        public const string Limit = "limit";
        public const string InboxPrefix = "inbox:";
        public const string ConnectionsPrefix = "conns:";
    }

    /// <summary>Headers of node-to-node messages. Ids travel as subject tokens, so any id survives a header.</summary>
    public static class ClusterHeaders
    {
        public const string Correlation = "Bgw-Corr";
        public const string Node = "Bgw-Node";
        public const string TargetKind = "Bgw-Target-Kind";
        public const string TargetNsp = "Bgw-Target-Nsp";
        public const string TargetId = "Bgw-Target-Id";
        public const string Delivered = "Bgw-Delivered";
        public const string Refused = "Bgw-Refused";
        public const string Duplicate = "Bgw-Duplicate";
        public const string Rate = "Bgw-Rate";
        public const string Burst = "Bgw-Burst";
        public const string SetAtRuntime = "Bgw-Set-At-Runtime";
    }

    readonly ConcurrentDictionary<string, Gather> _gathers = new();
    long _gatherCounter;
    int _clusterStarted;

    /// <summary>The client rate limit this replica applies (configured, or set cluster-wide at run time).</summary>
    public ClientRateLimit RateLimit { get; } = new();

    string Inbox => Subjects.System(SysNames.InboxPrefix + NodeId);

    /// <summary>
    /// Starts answering node-to-node requests and publishing connection events. Dispose the result to stop
    /// (before the broker is disposed). Call once.
    /// </summary>
    public async Task<IAsyncDisposable> StartClusterAsync(CancellationToken ct = default)
    {
        if (Interlocked.Exchange(ref _clusterStarted, 1) != 0) throw new InvalidOperationException("the cluster link is already started");
        var link = new ClusterLink(this);
        try
        {
            // The inbox first: an answer must never find it missing.
            link.Add(await Broker.SubscribeAsync(Inbox, OnInboxAsync, ct: ct));
            link.Add(await Broker.SubscribeAsync(Subjects.System(SysNames.Push), OnSysPushAsync, ct: ct));
            link.Add(await Broker.SubscribeAsync(Subjects.System(SysNames.Stats), m => ReplyAsync(m, JsonSerializer.SerializeToUtf8Bytes(LocalStats(), ClusterJson.Default.NodeStats)), ct: ct));
            link.Add(await Broker.SubscribeAsync(Subjects.System(SysNames.Limit), OnSysLimitAsync, ct: ct));
        }
        catch
        {
            await link.DisposeAsync();
            throw;
        }
        ConnectionOpened += OnOpenedForWatchers;
        ConnectionClosed += OnClosedForWatchers;
        ConnectionSwept += OnSweptForWatchers;
        try
        {
            // Started means the server has the subscriptions: a scatter sent right after must find this node.
            await Broker.FlushAsync(ct).WaitAsync(TimeSpan.FromSeconds(5), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The broker is not reachable now; it subscribes again once it is.
        }
        return link;
    }

    /// <summary>
    /// A push that every replica delivers to its local members of <paramref name="target"/> and answers with
    /// how many sockets took it (Comet Publish with a receipt). It travels on <c>bgw.sys.push</c>, not on the
    /// target's subject, so it is not ordered with plain pushes to that target.
    /// </summary>
    public async Task<ClusterAnswer<NodeDelivery>> PublishWithReceiptAsync(Target target, ReadOnlyMemory<byte> data, string? @event,
        string? excludeConn, string? contentType, string? msgId, TimeSpan timeout, CancellationToken ct = default)
    {
        var headers = PushHeaders(@event, excludeConn, contentType) ?? new MessageHeaders();
        if (msgId is not null) headers.Add(BgwHeaders.MsgId, msgId);
        headers.Add(ClusterHeaders.TargetKind, target.KindName)
            .Add(ClusterHeaders.TargetNsp, SubjectToken.Encode(target.Nsp))
            .Add(ClusterHeaders.TargetId, SubjectToken.Encode(target.Id));
        return await ScatterAsync(SysNames.Push, data, headers, null, timeout, (node, reply) => new NodeDelivery(node,
            ReadLong(reply, ClusterHeaders.Delivered), ReadLong(reply, ClusterHeaders.Refused), reply.Headers?[ClusterHeaders.Duplicate] == "true"), ct);
    }

    /// <summary>Every replica's own counters (or one replica's, when <paramref name="node"/> is given).</summary>
    public Task<ClusterAnswer<NodeStats>> GatherStatsAsync(string? node, TimeSpan timeout, CancellationToken ct = default) =>
        ScatterAsync(SysNames.Stats, default, new MessageHeaders(), node, timeout,
            (_, reply) => JsonSerializer.Deserialize(reply.Data.Span, ClusterJson.Default.NodeStats)!, ct);

    /// <summary>
    /// Sets the client rate limit on every replica (a null part keeps each replica's current one) and
    /// returns what each now applies; with both parts null it only asks.
    /// </summary>
    public Task<ClusterAnswer<NodeRateLimit>> SetRateLimitAsync(double? messagesPerSecond, int? burst, TimeSpan timeout, CancellationToken ct = default)
    {
        var headers = new MessageHeaders();
        if (messagesPerSecond is { } rate) headers.Add(ClusterHeaders.Rate, rate.ToString("R", CultureInfo.InvariantCulture));
        if (burst is { } b) headers.Add(ClusterHeaders.Burst, b.ToString(CultureInfo.InvariantCulture));
        return ScatterAsync(SysNames.Limit, default, headers, null, timeout, (node, reply) => new NodeRateLimit(node,
            new RateLimitValue(ReadDouble(reply, ClusterHeaders.Rate), (int)ReadLong(reply, ClusterHeaders.Burst)),
            reply.Headers?[ClusterHeaders.SetAtRuntime] == "true"), ct);
    }

    /// <summary>This replica's counters, as it reports them to a metrics gather.</summary>
    public NodeStats LocalStats()
    {
        using var process = Process.GetCurrentProcess();
        return new NodeStats(NodeId, ConnectionCount, Groups.SubscriptionCount, Delivered, Refused,
            process.TotalProcessorTime.TotalSeconds, Environment.ProcessorCount, process.WorkingSet64, GC.GetTotalMemory(false),
            (Time.GetUtcNow() - StartedAt).TotalSeconds, IsDraining, Broker.IsConnected, StartedAt);
    }

    /// <summary>Follows a room's joins and leaves on every replica (the room's <c>presence</c> commands).</summary>
    public ValueTask<IAsyncDisposable> WatchRoomAsync(string nsp, string room, Func<PresenceChange, ValueTask> onChange, CancellationToken ct = default) =>
        Broker.SubscribeAsync(Subjects.Room(nsp, room), message =>
        {
            if (message.Headers?[BgwHeaders.Op] != Ops.Presence) return ValueTask.CompletedTask;
            PresenceWire? wire;
            try { wire = JsonSerializer.Deserialize(message.Data.Span, CoreJson.Default.PresenceWire); }
            catch (JsonException) { return ValueTask.CompletedTask; }
            return wire is null ? ValueTask.CompletedTask : onChange(new PresenceChange(nsp, room, wire.Joins ?? [], wire.Leaves ?? []));
        }, ct: ct);

    /// <summary>Follows connections opening and closing in a namespace on every replica (swept ones close with code 0).</summary>
    public ValueTask<IAsyncDisposable> WatchConnectionsAsync(string nsp, Func<ConnectionEvent, ValueTask> onEvent, CancellationToken ct = default) =>
        Broker.SubscribeAsync(Subjects.System(SysNames.ConnectionsPrefix + nsp), message =>
        {
            ConnectionEventWire? wire;
            try { wire = JsonSerializer.Deserialize(message.Data.Span, ClusterJson.Default.ConnectionEventWire); }
            catch (JsonException) { return ValueTask.CompletedTask; }
            if (wire is null) return ValueTask.CompletedTask;
            return onEvent(new ConnectionEvent(wire.Open, nsp, new Member(wire.Conn, wire.Uid, wire.Node), wire.Code,
                DateTimeOffset.FromUnixTimeMilliseconds(wire.AtMs)));
        }, ct: ct);

    async Task<ClusterAnswer<T>> ScatterAsync<T>(string name, ReadOnlyMemory<byte> body, MessageHeaders headers, string? onlyNode,
        TimeSpan timeout, Func<string, BrokerMessage, T> read, CancellationToken ct)
    {
        HashSet<string>? expected;
        if (onlyNode is not null) expected = [onlyNode];
        else
        {
            try
            {
                expected = (await Presence.ListNodesAsync(ct)).Select(n => n.Node).ToHashSet(StringComparer.Ordinal);
                expected.Add(NodeId); // before its first lease renewal a replica is not listed yet
            }
            catch (PresenceStoreUnavailableException)
            {
                expected = null; // nobody to wait for: gather whoever answers until the timeout
            }
        }
        var id = Interlocked.Increment(ref _gatherCounter).ToString("x", CultureInfo.InvariantCulture);
        var gather = new Gather(expected, onlyNode);
        _gathers[id] = gather;
        try
        {
            headers.Set(ClusterHeaders.Correlation, id);
            await Broker.PublishAsync(Subjects.System(name), body, headers, Inbox, ct);
            try { await gather.Done.Task.WaitAsync(timeout, Time, ct); }
            catch (TimeoutException) { /* answer with what came */ }
        }
        finally
        {
            _gathers.TryRemove(id, out _);
        }
        var (replies, missing) = gather.Snapshot();
        return new ClusterAnswer<T>(replies.Select(r => read(r.Key, r.Value)).ToArray(), missing, expected is not null && missing.Count == 0);
    }

    ValueTask OnInboxAsync(BrokerMessage message)
    {
        if (message.Headers is { } h && h[ClusterHeaders.Correlation] is { } id && h[ClusterHeaders.Node] is { } node
            && _gathers.TryGetValue(id, out var gather))
            gather.Add(node, message);
        return ValueTask.CompletedTask;
    }

    async ValueTask ReplyAsync(BrokerMessage request, ReadOnlyMemory<byte> body, MessageHeaders? headers = null)
    {
        if (request.ReplyTo is null || request.Headers?[ClusterHeaders.Correlation] is not { } id) return;
        headers ??= new MessageHeaders();
        headers.Set(ClusterHeaders.Correlation, id).Set(ClusterHeaders.Node, NodeId);
        try { await Broker.PublishAsync(request.ReplyTo, body, headers); }
        catch (Exception) { /* the asker counts this node as missing */ }
    }

    ValueTask OnSysPushAsync(BrokerMessage message)
    {
        var h = message.Headers;
        if (h is null || !TryReadTarget(h, out var target)) return ValueTask.CompletedTask;
        var duplicate = h[BgwHeaders.MsgId] is { } msgId && !_recentIds.TryAdd(msgId);
        // The same local fan-out as a plain push, counted for the receipt.
        var (delivered, refused) = duplicate ? (0L, 0L) : FanOut(target, message.Data, h);
        return ReplyAsync(message, default, new MessageHeaders()
            .Add(ClusterHeaders.Delivered, delivered.ToString(CultureInfo.InvariantCulture))
            .Add(ClusterHeaders.Refused, refused.ToString(CultureInfo.InvariantCulture))
            .Add(ClusterHeaders.Duplicate, duplicate ? "true" : "false"));
    }

    ValueTask OnSysLimitAsync(BrokerMessage message)
    {
        var current = RateLimit.Value ?? new RateLimitValue(0, 1);
        var h = message.Headers;
        double? rate = double.TryParse(h?[ClusterHeaders.Rate], NumberStyles.Float, CultureInfo.InvariantCulture, out var r) ? r : null;
        int? burst = int.TryParse(h?[ClusterHeaders.Burst], NumberStyles.Integer, CultureInfo.InvariantCulture, out var b) ? b : null;
        if (rate is not null || burst is not null)
        {
            var next = new RateLimitValue(rate ?? current.MessagesPerSecond, burst ?? current.Burst);
            if (next.Problem is null)
            {
                RateLimit.Set(next);
                current = next;
            }
        }
        return ReplyAsync(message, default, new MessageHeaders()
            .Add(ClusterHeaders.Rate, current.MessagesPerSecond.ToString("R", CultureInfo.InvariantCulture))
            .Add(ClusterHeaders.Burst, current.Burst.ToString(CultureInfo.InvariantCulture))
            .Add(ClusterHeaders.SetAtRuntime, RateLimit.SetAtRuntime ? "true" : "false"));
    }

    static bool TryReadTarget(MessageHeaders h, out Target target)
    {
        target = default;
        var nsp = h[ClusterHeaders.TargetNsp] is { } n ? (n.Length == 0 ? "" : SubjectToken.Decode(n)) : null;
        var id = h[ClusterHeaders.TargetId] is { } i ? (i.Length == 0 ? "" : SubjectToken.Decode(i)) : null;
        if (nsp is null || id is null) return false;
        target = h[ClusterHeaders.TargetKind] switch
        {
            "conn" => Target.Connection(id),
            "user" => Target.User(nsp, id),
            "room" => Target.Room(nsp, id),
            "topic" => Target.Topic(nsp, id),
            "all" => Target.Namespace(nsp),
            _ => default,
        };
        return target != default;
    }

    static long ReadLong(BrokerMessage m, string header) =>
        long.TryParse(m.Headers?[header], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0;

    static double ReadDouble(BrokerMessage m, string header) =>
        double.TryParse(m.Headers?[header], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0;

    void OnOpenedForWatchers(ClientConnection c) =>
        _ = PublishConnectionEventAsync(c.Nsp, new ConnectionEventWire(true, c.Id, c.Uid, NodeId, 0, Time.GetUtcNow().ToUnixTimeMilliseconds()));

    void OnClosedForWatchers(ClientConnection c, int code) =>
        _ = PublishConnectionEventAsync(c.Nsp, new ConnectionEventWire(false, c.Id, c.Uid, NodeId, code, Time.GetUtcNow().ToUnixTimeMilliseconds()));

    void OnSweptForWatchers(ConnectionState s) =>
        _ = PublishConnectionEventAsync(s.Nsp, new ConnectionEventWire(false, s.Conn, s.Uid, s.Node, 0, Time.GetUtcNow().ToUnixTimeMilliseconds()));

    async Task PublishConnectionEventAsync(string nsp, ConnectionEventWire wire)
    {
        try
        {
            await Broker.PublishAsync(Subjects.System(SysNames.ConnectionsPrefix + nsp),
                JsonSerializer.SerializeToUtf8Bytes(wire, ClusterJson.Default.ConnectionEventWire));
        }
        catch (Exception)
        {
            // Watches are best effort, like presence events: a broker outage loses them.
        }
    }

    /// <summary>One scatter's answers, by node; done once every expected node answered.</summary>
    sealed class Gather(HashSet<string>? expected, string? onlyNode)
    {
        readonly SortedDictionary<string, BrokerMessage> _replies = new(StringComparer.Ordinal);

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Add(string node, BrokerMessage reply)
        {
            lock (_replies)
            {
                if (onlyNode is not null && node != onlyNode) return;
                _replies.TryAdd(node, reply);
                if (expected is not null && expected.All(_replies.ContainsKey)) Done.TrySetResult();
            }
        }

        public (KeyValuePair<string, BrokerMessage>[] Replies, IReadOnlyList<string> Missing) Snapshot()
        {
            lock (_replies)
            {
                var missing = expected?.Where(n => !_replies.ContainsKey(n)).Order(StringComparer.Ordinal).ToArray() ?? [];
                return (_replies.ToArray(), missing);
            }
        }
    }

    sealed class ClusterLink(GatewayNode node) : IAsyncDisposable
    {
        readonly List<IAsyncDisposable> _subscriptions = [];
        int _disposed;

        public void Add(IAsyncDisposable subscription) => _subscriptions.Add(subscription);

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            node.ConnectionOpened -= node.OnOpenedForWatchers;
            node.ConnectionClosed -= node.OnClosedForWatchers;
            node.ConnectionSwept -= node.OnSweptForWatchers;
            foreach (var subscription in _subscriptions)
            {
                try { await subscription.DisposeAsync(); }
                catch (Exception) { /* the broker may be gone already */ }
            }
        }
    }
}

/// <summary>What the replicas answered to a scatter; <see cref="Missing"/> lists listed replicas that did not answer in time.</summary>
/// <param name="Complete">Every replica listed in presence answered (false as well when presence could not be read).</param>
public sealed record ClusterAnswer<T>(IReadOnlyList<T> Replies, IReadOnlyList<string> Missing, bool Complete);

/// <summary>One replica's part of a receipt: sockets that took the push, and those closed instead (full queue).</summary>
public sealed record NodeDelivery(string Node, long Delivered, long Refused, bool Duplicate);

/// <summary>The rate limit one replica applies.</summary>
public sealed record NodeRateLimit(string Node, RateLimitValue Value, bool SetAtRuntime);

/// <summary>One replica's own counters (netsvr Metrics).</summary>
public sealed record NodeStats(string Node, long Connections, long Subscriptions, long Delivered, long Refused,
    double CpuSeconds, int ProcessorCount, long WorkingSetBytes, long GcHeapBytes, double UptimeSeconds,
    bool Draining, bool BrokerConnected, DateTimeOffset StartedAt);

/// <summary>A connection opened (<see cref="Opened"/>) or closed in a namespace; a swept connection closes with code 0.</summary>
public sealed record ConnectionEvent(bool Opened, string Nsp, Member Member, int Code, DateTimeOffset At);

/// <summary>The body of a connection event on <c>bgw.sys.conns:&lt;nsp&gt;</c>.</summary>
internal sealed record ConnectionEventWire(bool Open, string Conn, string? Uid, string Node, int Code, long AtMs);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(NodeStats))]
[JsonSerializable(typeof(ConnectionEventWire))]
internal sealed partial class ClusterJson : JsonSerializerContext;
