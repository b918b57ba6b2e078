namespace BrokerGateway.Core.Presence;

public sealed partial class MemoryPresenceStore
{
    readonly Lock _leaseGate = new();
    readonly Dictionary<string, (NodeInfo Info, DateTimeOffset Expires)> _leases = new(StringComparer.Ordinal);

    public Task<bool> RenewLeaseAsync(NodeInfo node, TimeSpan ttl, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        PresenceIds.Check(node.Node, "node");
        ArgumentOutOfRangeException.ThrowIfLessThan(ttl, TimeSpan.FromMilliseconds(1), nameof(ttl));
        ct.ThrowIfCancellationRequested();
        var now = _time.GetUtcNow();
        var info = node with { StartedAt = PresenceIds.ToMilliseconds(node.StartedAt), Instance = node.Instance ?? "" };
        lock (_leaseGate)
        {
            // A lapsed lease counts as absent even before a sweep, exactly as the Redis lease key expires.
            var known = _leases.TryGetValue(node.Node, out var lease) && lease.Expires > now;
            if (known && lease.Info.Instance != info.Instance) throw new NodeIdInUseException(node.Node);
            _leases[node.Node] = (info, ttl >= DateTimeOffset.MaxValue - now ? DateTimeOffset.MaxValue : now + ttl); // a lease past the last date never lapses
            return Task.FromResult(known);
        }
    }

    public Task<IReadOnlyList<NodeInfo>> ListNodesAsync(CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var now = _time.GetUtcNow();
        lock (_leaseGate)
        {
            return Task.FromResult<IReadOnlyList<NodeInfo>>(_leases.Values
                .Where(l => l.Expires > now)
                .Select(l => l.Info)
                .OrderBy(n => n.Node, StringComparer.Ordinal)
                .ToArray());
        }
    }

    public Task<IReadOnlyList<SweptNode>> SweepDeadNodesAsync(CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var now = _time.GetUtcNow();
        List<string> claimed;
        lock (_leaseGate)
        {
            // Removing the lease under the lock is the claim: only one sweeper can remove it. The answer
            // cannot be lost in memory, so unlike Redis nothing is kept for a retry of the claim.
            claimed = _leases.Where(l => l.Value.Expires <= now).Select(l => l.Key).Order(StringComparer.Ordinal).ToList();
            foreach (var node in claimed) _leases.Remove(node);
        }
        return Task.FromResult<IReadOnlyList<SweptNode>>(claimed.Select(node => new SweptNode(node, RemoveEntriesOf(node))).ToArray());
    }

    public Task<IReadOnlyList<ConnectionState>> RemoveNodeAsync(string node, string? instance = null, CancellationToken ct = default)
    {
        PresenceIds.Check(node, nameof(node));
        ct.ThrowIfCancellationRequested();
        lock (_leaseGate)
        {
            if (!string.IsNullOrEmpty(instance) && HeldByAnother(node, instance)) throw new NodeIdInUseException(node);
            _leases.Remove(node);
        }
        return Task.FromResult(RemoveEntriesOf(node));
    }

    public Task RestoreNodeAsync(string node, IReadOnlyList<ConnectionState> connections, string? instance = null, CancellationToken ct = default)
    {
        PresenceIds.Check(node, nameof(node));
        ArgumentNullException.ThrowIfNull(connections);
        foreach (var connection in connections)
        {
            PresenceIds.Check(connection);
            if (connection.Node != node)
                throw new ArgumentException($"connection '{connection.Conn}' belongs to node '{connection.Node}', not '{node}'", nameof(connections));
        }
        ct.ThrowIfCancellationRequested();

        // Each write is checked on its own, as the Redis store checks each batch.
        var listed = connections.Select(c => (c.Nsp, c.Conn)).ToHashSet();
        if (_nodeConnections.TryGetValue(node, out var entries))
        {
            foreach (var (nsp, conn) in entries.Keys.Where(e => !listed.Contains(e)).ToArray())
            {
                var refused = Write(nsp, create: false, missing: false, ns =>
                {
                    if (LeaseRefuses(node, instance)) return true;
                    DropIfOwned(ns, conn, node);
                    return false;
                });
                if (refused) throw new NodeIdInUseException(node);
            }
        }
        foreach (var connection in connections) PutOwn(connection, instance);
        return Task.CompletedTask;
    }

    /// <summary>
    /// True when a write by <paramref name="instance"/> to <paramref name="node"/>'s entries must change
    /// nothing: another instance holds the node's unexpired lease (null or empty: unchecked). Writers call it
    /// under the namespace's lock, so a lease taken after the check orders after the write it guards: the
    /// taker's own writes to that namespace wait for the lock.
    /// </summary>
    bool LeaseRefuses(string node, string? instance)
    {
        if (string.IsNullOrEmpty(instance)) return false;
        lock (_leaseGate) return HeldByAnother(node, instance);
    }

    /// <summary>Whether another instance holds the node's unexpired lease. Under <see cref="_leaseGate"/>.</summary>
    bool HeldByAnother(string node, string instance) =>
        _leases.TryGetValue(node, out var lease) && lease.Expires > _time.GetUtcNow() && lease.Info.Instance != instance;

    /// <summary>Removes every connection the node owns; each is returned by exactly one caller.</summary>
    IReadOnlyList<ConnectionState> RemoveEntriesOf(string node)
    {
        if (!_nodeConnections.TryRemove(node, out var entries)) return [];
        var removed = new List<ConnectionState>(entries.Count);
        foreach (var (nsp, conn) in entries.Keys.OrderBy(e => e.Nsp, StringComparer.Ordinal).ThenBy(e => e.Conn, StringComparer.Ordinal))
        {
            if (Write(nsp, create: false, missing: null, ns => DropIfOwned(ns, conn, node)) is { } state) removed.Add(state);
        }
        return removed;
    }

    ConnectionState? DropIfOwned(MemoryNamespace ns, string conn, string node) =>
        ns.Connections.TryGetValue(conn, out var c) && c.Node == node ? Drop(ns, conn) : null;
}
