using System.Globalization;
using Bgw.V1;
using BrokerGateway.Core.Presence;
using BrokerGateway.Grpc;

namespace BrokerGateway.Server.Api;

/// <summary>netsvr ConnInfo and ConnInfoByCustomerId; Comet DumpSession, cluster-wide and paged.</summary>
public sealed partial class GatewayService
{
    async Task<ConnInfoResponse> ConnInfoAsync(ConnInfoRequest request, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.Nsp);
        var conns = args.Lookups(request.Conns, "conns");
        if (conns.Length == 0) throw ApiErrors.Invalid("conns is empty: name at least one.");
        var states = await Task.WhenAll(conns.Select(c => node.Presence.GetConnectionAsync(nsp, c, context.CancellationToken)));
        var response = new ConnInfoResponse();
        for (var i = 0; i < conns.Length; i++)
        {
            if (states[i] is { } state) response.Infos.Add(state.ToProto());
            else response.Offline.Add(conns[i]);
        }
        return response;
    }

    async Task<ConnInfoByUserResponse> ConnInfoByUserAsync(ConnInfoByUserRequest request, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.Nsp);
        var uids = args.Lookups(request.Uids, "uids");
        if (uids.Length == 0) throw ApiErrors.Invalid("uids is empty: name at least one.");
        var connections = await Task.WhenAll(uids.Select(u => node.Presence.GetUserConnectionsAsync(nsp, u, context.CancellationToken)));
        var response = new ConnInfoByUserResponse();
        for (var i = 0; i < uids.Length; i++)
        {
            if (connections[i].Count == 0)
            {
                response.Offline.Add(uids[i]);
                continue;
            }
            var user = new UserConnInfo { Uid = uids[i] };
            user.Conns.AddRange(connections[i].Select(c => c.ToProto()));
            response.Users.Add(user);
        }
        return response;
    }

    /// <summary>
    /// One page of the namespace's connections as Comet sessions, and the rooms they are in. A connection
    /// that closes between the list and its lookup is left out of the page.
    /// </summary>
    async Task<DumpSessionResponse> DumpSessionAsync(DumpSessionRequest request, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.Nsp);
        var page = await node.Presence.ListConnectionsAsync(nsp, ApiArguments.Page(request.Page), context.CancellationToken);
        var states = await Task.WhenAll(page.Items.Select(m => node.Presence.GetConnectionAsync(nsp, m.Conn, context.CancellationToken)));
        var response = new DumpSessionResponse { NextCursor = page.NextCursor ?? "" };
        var rooms = new SortedDictionary<string, Room>(StringComparer.Ordinal);
        foreach (var state in states)
        {
            if (state is null) continue;
            var session = ToSession(state);
            response.World.Add(session);
            foreach (var rid in session.Rooms)
            {
                if (!rooms.TryGetValue(rid, out var room)) rooms[rid] = room = new Room { Rid = rid };
                room.Room_.Add(session);
            }
        }
        response.Rooms.AddRange(rooms.Values);
        return response;
    }

    static Session ToSession(ConnectionState state)
    {
        var session = new Session
        {
            Uid = state.Uid ?? "",
            Birth = state.ConnectedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            Conn = state.Conn,
            Node = state.Node,
        };
        session.Rooms.AddSorted(state.Rooms);
        session.Rid = session.Rooms.FirstOrDefault() ?? "";
        return session;
    }
}
