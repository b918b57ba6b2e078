using System.Buffers.Text;
using System.Text;
using Bgw.V1;
using BrokerGateway.Core.Presence;
using BrokerGateway.Grpc;

namespace BrokerGateway.Server.Api;

/// <summary>
/// The members of rooms and topics: netsvr TopicUniqIdList/Count, TopicCustomerIdList/Count and
/// TopicCustomerIdToUniqIdsList. The store indexes groups by connection, so the by-user forms walk the
/// topic's members (up to <see cref="GatewayApiOptions.MaxGroupWalk"/>) and group them by uid.
/// </summary>
public sealed partial class GatewayService
{
    async Task<MemberPage> TopicMembersAsync(GroupRequest request, GrpcCallContext context) =>
        (await node.Presence.ListTopicMembersAsync(args.Nsp(request.Nsp), ApiArguments.Group(request.Name, "name", inHeader: false),
            ApiArguments.Page(request.Page), context.CancellationToken)).ToProto();

    async Task<MemberPage> RoomMembersAsync(GroupRequest request, GrpcCallContext context) =>
        (await node.Presence.ListRoomMembersAsync(args.Nsp(request.Nsp), ApiArguments.Group(request.Name, "name", inHeader: false),
            ApiArguments.Page(request.Page), context.CancellationToken)).ToProto();

    Task<CountsResponse> CountTopicMembersAsync(GroupsRequest request, GrpcCallContext context) =>
        CountsAsync(request, (nsp, name, ct) => node.Presence.CountTopicMembersAsync(nsp, name, ct), context);

    Task<CountsResponse> CountRoomMembersAsync(GroupsRequest request, GrpcCallContext context) =>
        CountsAsync(request, (nsp, name, ct) => node.Presence.CountRoomMembersAsync(nsp, name, ct), context);

    Task<CountsResponse> CountTopicUsersAsync(GroupsRequest request, GrpcCallContext context) =>
        CountsAsync(request, async (nsp, name, ct) => (await TopicUsersOfAsync(nsp, name, ct)).Count, context);

    /// <summary>A page of the topic's users in uid order, each with its connections in the topic; guests are left out.</summary>
    async Task<UserConnectionsPage> TopicUsersAsync(GroupRequest request, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.Nsp);
        var topic = ApiArguments.Group(request.Name, "name", inHeader: false);
        var page = ApiArguments.Page(request.Page);
        var after = page.Cursor is null ? null : DecodeCursor(page.Cursor);
        var users = await TopicUsersOfAsync(nsp, topic, context.CancellationToken);
        var items = users.Where(u => after is null || string.CompareOrdinal(u.Uid, after) > 0).Take(page.EffectiveLimit + 1).ToList();
        var response = new UserConnectionsPage();
        foreach (var (uid, conns) in items.Take(page.EffectiveLimit))
        {
            var entry = new UserConnections { Uid = uid };
            entry.Conns.AddSorted(conns);
            response.Users.Add(entry);
        }
        if (items.Count > page.EffectiveLimit) response.NextCursor = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(response.Users[^1].Uid));
        return response;
    }

    /// <summary>Every user subscribed to the topic with its connections there, in ordinal uid order.</summary>
    async Task<IReadOnlyList<(string Uid, List<string> Conns)>> TopicUsersOfAsync(string nsp, string topic, CancellationToken ct)
    {
        var byUser = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var walked = 0;
        var request = new PageRequest(null, PageRequest.MaxLimit);
        while (true)
        {
            var page = await node.Presence.ListTopicMembersAsync(nsp, topic, request, ct);
            walked += page.Items.Count;
            if (walked > options.MaxGroupWalk)
                throw new GrpcException(StatusCode.FailedPrecondition,
                    $"Topic '{topic}' has more than {options.MaxGroupWalk} subscribers to group by user; page TopicMembers instead.");
            foreach (var member in page.Items)
            {
                if (member.Uid is null) continue;
                if (!byUser.TryGetValue(member.Uid, out var conns)) byUser[member.Uid] = conns = [];
                conns.Add(member.Conn);
            }
            if (page.NextCursor is null) break;
            request = request with { Cursor = page.NextCursor };
        }
        return byUser.OrderBy(u => u.Key, StringComparer.Ordinal).Select(u => (u.Key, u.Value)).ToList();
    }

    async Task<CountsResponse> CountsAsync(GroupsRequest request, Func<string, string, CancellationToken, Task<long>> count, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.Nsp);
        var names = args.Lookups(request.Names, "names");
        if (names.Length == 0) throw ApiErrors.Invalid("names is empty: name at least one.");
        foreach (var (name, i) in names.Select((n, i) => (n, i))) ApiArguments.Group(name, $"names[{i}]", inHeader: false);
        var counts = await Task.WhenAll(names.Select(n => count(nsp, n, context.CancellationToken)));
        var response = new CountsResponse();
        for (var i = 0; i < names.Length; i++) response.Counts[names[i]] = counts[i];
        return response;
    }

    static string DecodeCursor(string cursor)
    {
        try { return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)); }
        catch (FormatException) { throw ApiErrors.Invalid("page.cursor is not a cursor this method returned."); }
    }
}
