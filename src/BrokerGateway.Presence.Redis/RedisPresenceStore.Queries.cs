using BrokerGateway.Core.Presence;
using StackExchange.Redis;

namespace BrokerGateway.Presence.Redis;

public sealed partial class RedisPresenceStore
{
    public Task<long> CountConnectionsAsync(string nsp, CancellationToken ct = default) => CountAsync(nsp, "conns", null, ct);
    public Task<long> CountUsersAsync(string nsp, CancellationToken ct = default) => CountAsync(nsp, "users", null, ct);
    public Task<long> CountGuestsAsync(string nsp, CancellationToken ct = default) => CountAsync(nsp, "guests", null, ct);
    public Task<long> CountRoomsAsync(string nsp, CancellationToken ct = default) => CountAsync(nsp, "rooms", null, ct);
    public Task<long> CountTopicsAsync(string nsp, CancellationToken ct = default) => CountAsync(nsp, "topics", null, ct);

    public Task<long> CountRoomMembersAsync(string nsp, string room, CancellationToken ct = default)
    {
        PresenceIds.Check(room, nameof(room));
        return CountAsync(nsp, "room", room, ct);
    }

    public Task<long> CountTopicMembersAsync(string nsp, string topic, CancellationToken ct = default)
    {
        PresenceIds.Check(topic, nameof(topic));
        return CountAsync(nsp, "topic", topic, ct);
    }

    public Task<Page<string>> ListUsersAsync(string nsp, PageRequest page, CancellationToken ct = default) =>
        NamesAsync(nsp, "users", page, ct);

    public Task<Page<Member>> ListConnectionsAsync(string nsp, PageRequest page, CancellationToken ct = default) =>
        MembersAsync(nsp, "conns", null, page, ct);

    public Task<Page<string>> ListRoomsAsync(string nsp, PageRequest page, CancellationToken ct = default) =>
        NamesAsync(nsp, "rooms", page, ct);

    public Task<Page<string>> ListTopicsAsync(string nsp, PageRequest page, CancellationToken ct = default) =>
        NamesAsync(nsp, "topics", page, ct);

    public Task<Page<Member>> ListRoomMembersAsync(string nsp, string room, PageRequest page, CancellationToken ct = default)
    {
        PresenceIds.Check(room, nameof(room));
        return MembersAsync(nsp, "room", room, page, ct);
    }

    public Task<Page<Member>> ListTopicMembersAsync(string nsp, string topic, PageRequest page, CancellationToken ct = default)
    {
        PresenceIds.Check(topic, nameof(topic));
        return MembersAsync(nsp, "topic", topic, page, ct);
    }

    public async Task<IReadOnlyList<string>> ListNamespacesAsync(CancellationToken ct = default)
    {
        var names = new List<string>();
        var cursor = "";
        do
        {
            var flat = (RedisValue[])(await RunAsync(PresenceScripts.Page, Args().Value("").Value("nsps").Value("").Value(cursor).Value(PageRequest.MaxLimit), ct))!;
            var count = Math.Min(flat.Length, PageRequest.MaxLimit);
            for (var i = 0; i < count; i++) names.Add(KeyToken.Decode((string)flat[i]!));
            cursor = flat.Length > PageRequest.MaxLimit ? (string)flat[count - 1]! : "";
        } while (cursor.Length > 0);
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    async Task<long> CountAsync(string nsp, string what, string? name, CancellationToken ct)
    {
        PresenceIds.Check(nsp, nameof(nsp));
        var args = Args().Token(nsp).Value(what);
        if (name is not null) args.Token(name);
        return (long)await RunAsync(PresenceScripts.Count, args, ct);
    }

    async Task<Page<string>> NamesAsync(string nsp, string what, PageRequest page, CancellationToken ct)
    {
        PresenceIds.Check(nsp, nameof(nsp));
        var limit = page.EffectiveLimit;
        var args = Args().Token(nsp).Value(what).Value("").Value(CursorToken(page.Cursor)).Value(limit);
        var flat = (RedisValue[])(await RunAsync(PresenceScripts.Page, args, ct))!;
        var count = Math.Min(flat.Length, limit);
        var items = new string[count];
        for (var i = 0; i < count; i++) items[i] = KeyToken.Decode((string)flat[i]!);
        return new Page<string>(items, flat.Length > limit ? (string)flat[count - 1]! : null);
    }

    async Task<Page<Member>> MembersAsync(string nsp, string what, string? name, PageRequest page, CancellationToken ct)
    {
        PresenceIds.Check(nsp, nameof(nsp));
        var limit = page.EffectiveLimit;
        var args = Args().Token(nsp).Value(what).Value(name is null ? "" : KeyToken.Encode(name)).Value(CursorToken(page.Cursor)).Value(limit);
        var flat = (RedisValue[])(await RunAsync(PresenceScripts.Page, args, ct))!;
        var count = Math.Min(flat.Length / 3, limit);
        var items = RedisReplies.Members(flat, count);
        return new Page<Member>(items, flat.Length / 3 > limit ? (string)flat[3 * (count - 1)]! : null);
    }

    /// <summary>
    /// A cursor is the key token of the last item of the previous page (page.lua resumes right after it);
    /// anything else is refused here rather than handed to Redis.
    /// </summary>
    static string CursorToken(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return "";
        if (!KeyToken.IsTokenText(cursor)) throw new ArgumentException("the cursor is not one this store issued", nameof(cursor));
        return cursor;
    }
}
