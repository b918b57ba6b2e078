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

    public Task<IReadOnlyList<ConnectionState>> RemoveNodeAsync(string node, CancellationToken ct = default)
    {
        PresenceIds.Check(node, nameof(node));
        ct.ThrowIfCancellationRequested();
        lock (_leaseGate) _leases.Remove(node);
        return Task.FromResult(RemoveEntriesOf(node));
    }

    public Task RestoreNodeAsync(string node, IReadOnlyList<ConnectionState> connections, CancellationToken ct = default)
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

        var listed = connections.Select(c => (c.Nsp, c.Conn)).ToHashSet();
        if (_nodeConnections.TryGetValue(node, out var entries))
        {
            foreach (var (nsp, conn) in entries.Keys.Where(e => !listed.Contains(e)).ToArray())
                Write(nsp, create: false, missing: 0, ns => { DropIfOwned(ns, conn, node); return 0; });
        }
        foreach (var connection in connections)
            Write(connection.Nsp, create: true, missing: 0, ns => { Put(ns, connection); return 0; });
        return Task.CompletedTask;
    }

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
