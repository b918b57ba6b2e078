namespace BrokerGateway.Core.Presence;

public sealed partial class MemoryPresenceStore
{
    public Task AddConnectionAsync(ConnectionState connection, string? instance = null, CancellationToken ct = default)
    {
        PresenceIds.Check(connection);
        ct.ThrowIfCancellationRequested();
        PutOwn(connection, instance);
        return Task.CompletedTask;
    }

    public Task<ConnectionState?> RemoveConnectionAsync(string nsp, string conn, string? instance = null, CancellationToken ct = default)
    {
        CheckConn(nsp, conn);
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(WriteConnection(nsp, conn, instance, missing: null, ns => Drop(ns, conn)));
    }

    public Task<bool> SetSessionAsync(string nsp, string conn, IReadOnlyDictionary<string, string?> values, bool replace = false,
        string? instance = null, CancellationToken ct = default)
    {
        CheckConn(nsp, conn);
        ArgumentNullException.ThrowIfNull(values);
        foreach (var (key, value) in values) PresenceIds.CheckSessionEntry(key, value);
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(WriteConnection(nsp, conn, instance, missing: false, ns =>
        {
            if (!ns.Connections.TryGetValue(conn, out var connection)) return false;
            if (replace) connection.Session.Clear();
            foreach (var (key, value) in values)
            {
                if (value is null) connection.Session.Remove(key);
                else connection.Session[key] = value;
            }
            return true;
        }));
    }

    public Task<bool> SetUserAsync(string nsp, string conn, string? uid, string? instance = null, CancellationToken ct = default)
    {
        CheckConn(nsp, conn);
        if (uid is not null) PresenceIds.Check(uid, nameof(uid));
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(WriteConnection(nsp, conn, instance, missing: false, ns => ns.SetUser(conn, uid)));
    }

    public Task<ConnectionState?> GetConnectionAsync(string nsp, string conn, CancellationToken ct = default)
    {
        CheckConn(nsp, conn);
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(Read(nsp, missing: null, ns =>
            ns.Connections.TryGetValue(conn, out var c) ? c.Snapshot(nsp, conn) : null));
    }

    public Task<IReadOnlyList<ConnectionState>> GetUserConnectionsAsync(string nsp, string uid, CancellationToken ct = default)
    {
        PresenceIds.Check(nsp, nameof(nsp));
        PresenceIds.Check(uid, nameof(uid));
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(Read<IReadOnlyList<ConnectionState>>(nsp, missing: [], ns =>
            ns.UserConnections.TryGetValue(uid, out var conns)
                ? conns.Order(StringComparer.Ordinal).Select(c => ns.Connections[c].Snapshot(nsp, c)).ToArray()
                : []));
    }

    public Task<bool> IsUserOnlineAsync(string nsp, string uid, CancellationToken ct = default)
    {
        PresenceIds.Check(nsp, nameof(nsp));
        PresenceIds.Check(uid, nameof(uid));
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(Read(nsp, missing: false, ns => ns.UserConnections.ContainsKey(uid)));
    }

    static void CheckConn(string nsp, string conn)
    {
        PresenceIds.Check(nsp, nameof(nsp));
        PresenceIds.Check(conn, nameof(conn));
    }
}
