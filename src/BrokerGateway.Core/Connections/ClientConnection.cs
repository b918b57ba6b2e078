namespace BrokerGateway.Core.Connections;

/// <summary>
/// One client socket as the core sees it: who it is, what it joined, and a bounded queue of frames the
/// transport's send loop drains. The core never touches the socket: it queues frames and asks to close.
/// </summary>
public sealed class ClientConnection
{
    readonly OutboundQueue _outbound;
    readonly TaskCompletionSource<CloseRequest> _closeRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Memberships and session under one lock; each collection exists only once it has something in it
    // (most connections have no topics and no session data, and an idle one should cost little).
    readonly object _gate = new();
    HashSet<string>? _rooms;
    HashSet<string>? _topics;
    Dictionary<string, string>? _session;
    long _sequence;
    string? _uid;

    public ClientConnection(string id, string nsp, string? uid, string node, IClientDialect dialect, int sendQueueLimit,
        IReadOnlyDictionary<string, string>? session = null)
    {
        Id = id;
        Nsp = nsp;
        _uid = uid;
        Node = node;
        Dialect = dialect;
        ConnectedAt = DateTimeOffset.UtcNow;
        if (session is { Count: > 0 }) _session = new Dictionary<string, string>(session);
        _outbound = new OutboundQueue(sendQueueLimit); // TryWrite fails when full: we close, never block fan-out
    }

    public string Id { get; }
    public string Nsp { get; }
    public string? Uid { get => Volatile.Read(ref _uid); internal set => Volatile.Write(ref _uid, value); }
    public string Node { get; }
    public IClientDialect Dialect { get; }
    public DateTimeOffset ConnectedAt { get; }

    /// <summary>The client's address as the transport saw it, for connection info and events.</summary>
    public string? RemoteAddress { get; init; }
    public bool IsGuest => Uid is null;

    /// <summary>Frames to write, in order. The transport's send loop is the only reader.</summary>
    public OutboundQueue Outbound => _outbound;

    /// <summary>Completes when the core wants this socket closed, with the code to send.</summary>
    public Task<CloseRequest> CloseRequested => _closeRequested.Task;

    public bool IsClosing => _closeRequested.Task.IsCompleted;

    /// <summary>Next per-connection sequence number for uplink events (starts at 1).</summary>
    public long NextSequence() => Interlocked.Increment(ref _sequence);

    SemaphoreSlim? _changes;

    /// <summary>
    /// Holds, until disposed, the right to change the connection's memberships, user or session, or to forget
    /// it: a client's join and a backend's leave, two set-user commands, or a join racing the close are applied
    /// one after the other, each with its presence write and its announcement. The lock is made on first use:
    /// most connections never change.
    /// </summary>
    internal async ValueTask<IDisposable> HoldChangesAsync(CancellationToken ct = default)
    {
        var changes = Volatile.Read(ref _changes);
        if (changes is null)
        {
            var fresh = new SemaphoreSlim(1, 1);
            changes = Interlocked.CompareExchange(ref _changes, fresh, null) ?? fresh;
        }
        await changes.WaitAsync(ct);
        return new ChangesHeld(changes);
    }

    /// <summary>Releases the changes once, however often it is disposed (a failed open lets go early).</summary>
    sealed class ChangesHeld(SemaphoreSlim changes) : IDisposable
    {
        SemaphoreSlim? _changes = changes;

        public void Dispose() => Interlocked.Exchange(ref _changes, null)?.Release();
    }

    /// <summary>Set, under <see cref="HoldChangesAsync"/>, once the node has forgotten the connection: no change applies after it.</summary>
    internal bool Forgotten { get; set; }

    /// <summary>The seq of the connection's latest event (0 before its first).</summary>
    public long LastSequence => Interlocked.Read(ref _sequence);

    /// <summary>
    /// Queues a frame. A full queue means the client cannot keep up: it is closed as a slow consumer, and
    /// nobody else waits for it.
    /// </summary>
    public bool TrySend(OutboundFrame frame)
    {
        if (IsClosing) return false;
        if (_outbound.TryWrite(frame)) return true;
        Close(CloseCodes.SlowConsumer);
        return false;
    }

    /// <summary>Asks the transport to close with <paramref name="code"/>. Idempotent: the first reason wins.</summary>
    public void Close(int code, string? reason = null, OutboundFrame? lastFrame = null)
    {
        if (!_closeRequested.TrySetResult(new CloseRequest(code, reason ?? CloseCodes.Reason(code), lastFrame))) return;
        _outbound.Complete();
    }

    public string[] Rooms { get { lock (_gate) return _rooms is null ? [] : [.. _rooms]; } }
    public string[] Topics { get { lock (_gate) return _topics is null ? [] : [.. _topics]; } }

    internal bool AddRoom(string room) { lock (_gate) return (_rooms ??= []).Add(room); }
    internal bool RemoveRoom(string room) { lock (_gate) return _rooms?.Remove(room) ?? false; }
    internal int RoomCount { get { lock (_gate) return _rooms?.Count ?? 0; } }
    public bool InRoom(string room) { lock (_gate) return _rooms?.Contains(room) ?? false; }
    internal bool AddTopic(string topic) { lock (_gate) return (_topics ??= []).Add(topic); }
    internal bool RemoveTopic(string topic) { lock (_gate) return _topics?.Remove(topic) ?? false; }
    public bool HasTopic(string topic) { lock (_gate) return _topics?.Contains(topic) ?? false; }

    public IReadOnlyDictionary<string, string> Session
    {
        get { lock (_gate) return _session is null ? new Dictionary<string, string>() : new Dictionary<string, string>(_session); }
    }

    internal void UpdateSession(IReadOnlyDictionary<string, string?> values, bool replace)
    {
        lock (_gate)
        {
            var next = replace || _session is null ? new Dictionary<string, string>() : new Dictionary<string, string>(_session);
            foreach (var (k, v) in values)
            {
                if (v is null) next.Remove(k);
                else next[k] = v;
            }
            _session = next.Count == 0 ? null : next;
        }
    }

    public override string ToString() => $"{Id} ({Nsp}/{Uid ?? "guest"})";
}

/// <summary>Why the core wants a socket closed; <see cref="LastFrame"/> goes out just before the close.</summary>
public sealed record CloseRequest(int Code, string Reason, OutboundFrame? LastFrame);
