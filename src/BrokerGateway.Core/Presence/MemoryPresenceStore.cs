using System.Collections.Concurrent;

namespace BrokerGateway.Core.Presence;

/// <summary>
/// The in-memory twin of the Redis presence store: the embedded default for one replica with no server
/// (DESIGN §3). It keeps the same indexes as the Redis layout (docs/presence.md), so counts are O(1) and
/// exact, lists are paged in ordinal order, and leases lapse by the injected <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>
/// Each namespace has its own lock, held only for in-memory work (never across an await), so tenants do
/// not contend. Node leases have their own lock, and the node index (which connections a node owns) is
/// lock-free, so a sweep never holds two locks at once.
/// </remarks>
public sealed partial class MemoryPresenceStore : IPresenceStore
{
    readonly ConcurrentDictionary<string, MemoryNamespace> _namespaces = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, ConcurrentDictionary<(string Nsp, string Conn), byte>> _nodeConnections = new(StringComparer.Ordinal);
    readonly TimeProvider _time;

    /// <param name="time">The clock leases are measured by; <see cref="TimeProvider.System"/> when null.</param>
    public MemoryPresenceStore(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// Runs <paramref name="write"/> under the namespace's lock. With <paramref name="create"/> a missing
    /// namespace is made; otherwise <paramref name="missing"/> is the answer. A namespace that emptied is
    /// dropped from the map, so namespaces never pile up.
    /// </summary>
    T Write<T>(string nsp, bool create, T missing, Func<MemoryNamespace, T> write)
    {
        while (true)
        {
            MemoryNamespace? ns;
            if (create) ns = _namespaces.GetOrAdd(nsp, static name => new MemoryNamespace(name));
            else if (!_namespaces.TryGetValue(nsp, out ns)) return missing;

            lock (ns.Gate)
            {
                // Retired between the lookup and the lock: a newer object may hold the namespace now.
                if (ns.Retired) continue;
                var result = write(ns);
                if (ns.Connections.Count == 0)
                {
                    ns.Retired = true;
                    _namespaces.TryRemove(KeyValuePair.Create(nsp, ns));
                }
                return result;
            }
        }
    }

    T Read<T>(string nsp, T missing, Func<MemoryNamespace, T> read)
    {
        while (true)
        {
            if (!_namespaces.TryGetValue(nsp, out var ns)) return missing;
            lock (ns.Gate)
            {
                if (!ns.Retired) return read(ns);
            }
        }
    }

    void Track(string node, string nsp, string conn) =>
        _nodeConnections.GetOrAdd(node, static _ => new())[(nsp, conn)] = 0;

    void Untrack(string node, string nsp, string conn)
    {
        if (_nodeConnections.TryGetValue(node, out var entries)) entries.TryRemove((nsp, conn), out _);
    }

    /// <summary>
    /// <see cref="Write{T}"/> of a change to one connection, refused (<see cref="NodeIdInUseException"/>, having
    /// changed nothing) when the lease of the node the connection is tagged with refuses
    /// <paramref name="instance"/>. A connection that is not there passes: the write finds nothing to change.
    /// </summary>
    T WriteConnection<T>(string nsp, string conn, string? instance, T missing, Func<MemoryNamespace, T> write)
    {
        string? refusedBy = null;
        var result = Write(nsp, create: false, missing, ns =>
        {
            if (ns.Connections.TryGetValue(conn, out var c) && LeaseRefuses(c.Node, instance))
            {
                refusedBy = c.Node;
                return missing;
            }
            return write(ns);
        });
        if (refusedBy is not null) throw new NodeIdInUseException(refusedBy);
        return result;
    }

    /// <summary>Adds or replaces a connection as a connect does, refused like <see cref="WriteConnection{T}"/> by its node's lease.</summary>
    void PutOwn(ConnectionState connection, string? instance)
    {
        // Refused inside the lambda, not thrown from it, so a namespace created for the write and left empty is retired.
        var refused = Write(connection.Nsp, create: true, missing: false, ns =>
        {
            if (LeaseRefuses(connection.Node, instance)) return true;
            Put(ns, connection);
            return false;
        });
        if (refused) throw new NodeIdInUseException(connection.Node);
    }

    /// <summary>Adds or replaces a connection, keeping the node index right. Under the namespace's lock.</summary>
    void Put(MemoryNamespace ns, ConnectionState state)
    {
        if (ns.Remove(state.Conn) is { } old) Untrack(old.Node, ns.Name, state.Conn);
        ns.Add(state);
        Track(state.Node, ns.Name, state.Conn);
    }

    /// <summary>Removes a connection, keeping the node index right. Under the namespace's lock.</summary>
    ConnectionState? Drop(MemoryNamespace ns, string conn)
    {
        var state = ns.Remove(conn);
        if (state is not null) Untrack(state.Node, ns.Name, conn);
        return state;
    }
}
