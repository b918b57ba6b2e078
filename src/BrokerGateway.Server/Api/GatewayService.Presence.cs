using Bgw.V1;
using BrokerGateway.Grpc;

namespace BrokerGateway.Server.Api;

/// <summary>
/// netsvr CheckOnline, CustomerIdList/Count, UniqIdList/Count, TopicList/Count; rooms and namespaces. Each
/// answer is read from the presence store: counts are O(1) and exact, lists are paged (docs/presence.md).
/// </summary>
public sealed partial class GatewayService
{
    async Task<CheckOnlineResponse> CheckOnlineAsync(CheckOnlineRequest request, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.Nsp);
        var conns = args.Lookups(request.Conns, "conns");
        var uids = args.Lookups(request.Uids, "uids");
        if (conns.Length + uids.Length == 0) throw ApiErrors.Invalid("Name at least one conn or uid.");
        var ct = context.CancellationToken;
        var connsOnline = await Task.WhenAll(conns.Select(async c => (c, await node.Presence.GetConnectionAsync(nsp, c, ct) is not null)));
        var usersOnline = await Task.WhenAll(uids.Select(async u => (u, await node.Presence.IsUserOnlineAsync(nsp, u, ct))));
        var response = new CheckOnlineResponse();
        response.Conns.AddRange(connsOnline.Where(x => x.Item2).Select(x => x.c));
        response.Uids.AddRange(usersOnline.Where(x => x.Item2).Select(x => x.u));
        return response;
    }

    async Task<ListNamespacesResponse> ListNamespacesAsync(ListNamespacesRequest request, GrpcCallContext context)
    {
        var response = new ListNamespacesResponse();
        response.Namespaces.AddSorted(await node.Presence.ListNamespacesAsync(context.CancellationToken));
        return response;
    }

    async Task<IdPage> ListUsersAsync(ListRequest request, GrpcCallContext context) =>
        (await node.Presence.ListUsersAsync(args.Nsp(request.Nsp), ApiArguments.Page(request.Page), context.CancellationToken)).ToProto();

    async Task<CountResponse> CountUsersAsync(CountRequest request, GrpcCallContext context) =>
        new() { Count = await node.Presence.CountUsersAsync(args.Nsp(request.Nsp), context.CancellationToken) };

    async Task<MemberPage> ListConnectionsAsync(ListRequest request, GrpcCallContext context) =>
        (await node.Presence.ListConnectionsAsync(args.Nsp(request.Nsp), ApiArguments.Page(request.Page), context.CancellationToken)).ToProto();

    async Task<ConnectionCounts> CountConnectionsAsync(CountRequest request, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.Nsp);
        var ct = context.CancellationToken;
        var connections = node.Presence.CountConnectionsAsync(nsp, ct);
        var users = node.Presence.CountUsersAsync(nsp, ct);
        var guests = node.Presence.CountGuestsAsync(nsp, ct);
        return new ConnectionCounts { Connections = await connections, Users = await users, Guests = await guests };
    }

    async Task<IdPage> ListTopicsAsync(ListRequest request, GrpcCallContext context) =>
        (await node.Presence.ListTopicsAsync(args.Nsp(request.Nsp), ApiArguments.Page(request.Page), context.CancellationToken)).ToProto();

    async Task<CountResponse> CountTopicsAsync(CountRequest request, GrpcCallContext context) =>
        new() { Count = await node.Presence.CountTopicsAsync(args.Nsp(request.Nsp), context.CancellationToken) };

    async Task<IdPage> ListRoomsAsync(ListRequest request, GrpcCallContext context) =>
        (await node.Presence.ListRoomsAsync(args.Nsp(request.Nsp), ApiArguments.Page(request.Page), context.CancellationToken)).ToProto();

    async Task<CountResponse> CountRoomsAsync(CountRequest request, GrpcCallContext context) =>
        new() { Count = await node.Presence.CountRoomsAsync(args.Nsp(request.Nsp), context.CancellationToken) };
}
