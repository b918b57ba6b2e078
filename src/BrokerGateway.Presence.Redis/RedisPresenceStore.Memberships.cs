using BrokerGateway.Core.Presence;
using StackExchange.Redis;

namespace BrokerGateway.Presence.Redis;

public sealed partial class RedisPresenceStore
{
    public Task<bool> JoinRoomAsync(string nsp, string conn, string room, string? instance = null, CancellationToken ct = default) =>
        ChangeMembershipAsync(nsp, conn, "r", room, "+", instance, ct);

    public Task<bool> LeaveRoomAsync(string nsp, string conn, string room, string? instance = null, CancellationToken ct = default) =>
        ChangeMembershipAsync(nsp, conn, "r", room, "-", instance, ct);

    public Task<bool> SubscribeTopicAsync(string nsp, string conn, string topic, string? instance = null, CancellationToken ct = default) =>
        ChangeMembershipAsync(nsp, conn, "t", topic, "+", instance, ct);

    public Task<bool> UnsubscribeTopicAsync(string nsp, string conn, string topic, string? instance = null, CancellationToken ct = default) =>
        ChangeMembershipAsync(nsp, conn, "t", topic, "-", instance, ct);

    public Task<IReadOnlyList<Member>> ClearRoomAsync(string nsp, string room, CancellationToken ct = default) =>
        ClearAsync(nsp, "r", room, ct);

    public Task<IReadOnlyList<Member>> DeleteTopicAsync(string nsp, string topic, CancellationToken ct = default) =>
        ClearAsync(nsp, "t", topic, ct);

    async Task<bool> ChangeMembershipAsync(string nsp, string conn, string kind, string name, string op, string? instance, CancellationToken ct)
    {
        CheckConn(nsp, conn);
        PresenceIds.Check(name, kind == "r" ? "room" : "topic");
        var args = Args().Token(nsp).Token(conn).Value(kind).Token(name).Value(op).Value(instance ?? "");
        return (long)await RunAsync(PresenceScripts.Membership, args, ct) == 1;
    }

    async Task<IReadOnlyList<Member>> ClearAsync(string nsp, string kind, string name, CancellationToken ct)
    {
        PresenceIds.Check(nsp, nameof(nsp));
        PresenceIds.Check(name, kind == "r" ? "room" : "topic");
        var flat = (RedisValue[])(await RunAsync(PresenceScripts.Clear, Args().Token(nsp).Value(kind).Token(name), ct))!;
        var members = RedisReplies.Members(flat, flat.Length / 3);
        Array.Sort(members, (a, b) => string.CompareOrdinal(a.Conn, b.Conn));
        return members;
    }
}
