using BrokerGateway.Core.Presence;
using StackExchange.Redis;

namespace BrokerGateway.Presence.Redis;

public sealed partial class RedisPresenceStore
{
    public async Task AddConnectionAsync(ConnectionState connection, string? instance = null, CancellationToken ct = default)
    {
        PresenceIds.Check(connection);
        await RunAsync(PresenceScripts.Upsert, Args().Token(connection.Node).Value(instance ?? "").Connection(connection), ct);
    }

    public async Task<ConnectionState?> RemoveConnectionAsync(string nsp, string conn, string? instance = null, CancellationToken ct = default)
    {
        CheckConn(nsp, conn);
        var removed = RedisReplies.Connections(await RunAsync(PresenceScripts.Remove, Args().Value("").Value(instance ?? "").Token(nsp).Token(conn), ct));
        return removed.Count == 0 ? null : removed[0];
    }

    public async Task<bool> SetSessionAsync(string nsp, string conn, IReadOnlyDictionary<string, string?> values, bool replace = false,
        string? instance = null, CancellationToken ct = default)
    {
        CheckConn(nsp, conn);
        ArgumentNullException.ThrowIfNull(values);
        var args = Args().Token(nsp).Token(conn).Value(instance ?? "").Value(replace ? "1" : "0");
        foreach (var (key, value) in values)
        {
            PresenceIds.CheckSessionEntry(key, value);
            args.Value(value is null ? "d" : "s").Value(key).Value(value ?? "");
        }
        return (long)await RunAsync(PresenceScripts.Session, args, ct) == 1;
    }

    public async Task<bool> SetUserAsync(string nsp, string conn, string? uid, string? instance = null, CancellationToken ct = default)
    {
        CheckConn(nsp, conn);
        if (uid is not null) PresenceIds.Check(uid, nameof(uid));
        var args = Args().Token(nsp).Token(conn).Value(uid is null ? "" : KeyToken.Encode(uid)).Value(instance ?? "");
        return (long)await RunAsync(PresenceScripts.User, args, ct) == 1;
    }

    public async Task<ConnectionState?> GetConnectionAsync(string nsp, string conn, CancellationToken ct = default)
    {
        CheckConn(nsp, conn);
        var found = await GetAsync(nsp, "conn", conn, ct);
        return found.Count == 0 ? null : found[0];
    }

    public async Task<IReadOnlyList<ConnectionState>> GetUserConnectionsAsync(string nsp, string uid, CancellationToken ct = default)
    {
        PresenceIds.Check(nsp, nameof(nsp));
        PresenceIds.Check(uid, nameof(uid));
        return await GetAsync(nsp, "user", uid, ct);
    }

    public async Task<bool> IsUserOnlineAsync(string nsp, string uid, CancellationToken ct = default)
    {
        PresenceIds.Check(nsp, nameof(nsp));
        PresenceIds.Check(uid, nameof(uid));
        return await CountAsync(nsp, "user", uid, ct) > 0;
    }

    async Task<List<ConnectionState>> GetAsync(string nsp, string mode, string id, CancellationToken ct)
    {
        var flat = (RedisResult[])(await RunAsync(PresenceScripts.Get, Args().Token(nsp).Value(mode).Token(id), ct))!;
        var found = new List<ConnectionState>(flat.Length / 2);
        for (var i = 0; i + 1 < flat.Length; i += 2)
            found.Add(RedisReplies.Connection(nsp, KeyToken.Decode((string)flat[i]!), (RedisValue[])flat[i + 1]!));
        found.Sort((a, b) => string.CompareOrdinal(a.Conn, b.Conn));
        return found;
    }
}
