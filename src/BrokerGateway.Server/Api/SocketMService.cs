using System.Globalization;
using Api;
using BrokerGateway.Core.Addressing;
using BrokerGateway.Core.Fanout;
using BrokerGateway.Core.Gateway;
using BrokerGateway.Grpc;

namespace BrokerGateway.Server.Api;

/// <summary>
/// <c>api.SocketMService</c>, wire-compatible with the SocketM proto (protos/api/api.proto, copied as it
/// is), cluster-wide. Each call becomes pushes or commands on NATS subjects, so every replica holding a
/// target acts (docs/api.md "SocketMService").
/// </summary>
/// <remarks>
/// Status and errcode: a request that cannot be carried out at all (a bad field, NATS unreachable) fails
/// with a gRPC status and sends nothing. Otherwise the call answers OK with <c>errcode</c> 0 and an empty
/// <c>errmsg</c>; if NATS fails part way through a batch, <c>errcode</c> is 14 (the UNAVAILABLE code) and
/// <c>errmsg</c> says how many messages went out.
/// </remarks>
public sealed class SocketMService(GatewayNode node, ApiArguments args)
{
    public const string Name = "api.SocketMService";

    public GrpcServiceDefinition Build() => new GrpcServiceBuilder(Name)
        .Unary<NspBroadcastReq, NspBroadcastResp>("NspBroadcast", NspBroadcastReq.Parser, ApiErrors.Guard<NspBroadcastReq, NspBroadcastResp>(NspBroadcastAsync))
        .Unary<NspRoomsBroadcastReq, NspRoomsBroadcastResp>("NspRoomsBroadcast", NspRoomsBroadcastReq.Parser, ApiErrors.Guard<NspRoomsBroadcastReq, NspRoomsBroadcastResp>(NspRoomsBroadcastAsync))
        .Unary<NspUsersBroadcastReq, NspUsersBroadcastResp>("NspUsersBroadcast", NspUsersBroadcastReq.Parser, ApiErrors.Guard<NspUsersBroadcastReq, NspUsersBroadcastResp>(NspUsersBroadcastAsync))
        .Unary<DisconnectReq, DisconnectResp>("Disconnect", DisconnectReq.Parser, ApiErrors.Guard<DisconnectReq, DisconnectResp>(DisconnectAsync))
        .Unary<KnockoutReq, KnockoutResp>("KnockoutFromRoom", KnockoutReq.Parser, ApiErrors.Guard<KnockoutReq, KnockoutResp>(KnockoutAsync))
        .Unary<ClearRoomsReq, ClearRoomsResp>("ClearRooms", ClearRoomsReq.Parser, ApiErrors.Guard<ClearRoomsReq, ClearRoomsResp>(ClearRoomsAsync))
        .WithDescriptor(ApiReflection.Descriptor)
        .Build();

    /// <summary>Every connection of the namespace.</summary>
    Task<NspBroadcastResp> NspBroadcastAsync(NspBroadcastReq request, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.NspName);
        var batch = new[] { Outgoing.Push(Target.Namespace(nsp), SocketMMessage.ToPush(request.Msg, "msg")) };
        return SendAsync(batch, context, (code, text) => new NspBroadcastResp { Errcode = code, Errmsg = text });
    }

    /// <summary>Each message to the members of its room.</summary>
    Task<NspRoomsBroadcastResp> NspRoomsBroadcastAsync(NspRoomsBroadcastReq request, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.NspName);
        if (request.Msgs.Count == 0) throw ApiErrors.Invalid("msgs is empty: give at least one room message.");
        var batch = request.Msgs.Select((m, i) => Outgoing.Push(
            Target.Room(nsp, ApiArguments.Group(m.RoomId, $"msgs[{i}].roomId", inHeader: false)),
            SocketMMessage.ToPush(m.Msg, $"msgs[{i}].msg"))).ToArray();
        return SendAsync(batch, context, (code, text) => new NspRoomsBroadcastResp { Errcode = code, Errmsg = text });
    }

    /// <summary>Each message to every connection of its user.</summary>
    Task<NspUsersBroadcastResp> NspUsersBroadcastAsync(NspUsersBroadcastReq request, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.NspName);
        if (request.Msgs.Count == 0) throw ApiErrors.Invalid("msgs is empty: give at least one user message.");
        var batch = request.Msgs.Select((m, i) => Outgoing.Push(
            Target.User(nsp, Uid(m.UserId, $"msgs[{i}].userId")),
            SocketMMessage.ToPush(m.Msg, $"msgs[{i}].msg"))).ToArray();
        return SendAsync(batch, context, (code, text) => new NspUsersBroadcastResp { Errcode = code, Errmsg = text });
    }

    /// <summary>Closes every connection of the user (close 4056, kicked), on every replica.</summary>
    Task<DisconnectResp> DisconnectAsync(DisconnectReq request, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.NspName);
        var batch = new[] { Outgoing.Disconnect(Target.User(nsp, Uid(request.UserId, "userId")), CloseArgs.From(null, "close")) };
        return SendAsync(batch, context, (code, text) => new DisconnectResp { Errcode = code, Errmsg = text });
    }

    /// <summary>Each user's connections leave the room named with it (they stay connected).</summary>
    Task<KnockoutResp> KnockoutAsync(KnockoutReq request, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.NspName);
        if (request.Metas.Count == 0) throw ApiErrors.Invalid("metas is empty: give at least one (userId, roomId).");
        var batch = request.Metas.Select((m, i) => Outgoing.Command(
            Target.User(nsp, Uid(m.UserId, $"metas[{i}].userId")), Ops.Leave,
            BgwHeaders.Room, [ApiArguments.Group(m.RoomId, $"metas[{i}].roomId", inHeader: true)])).ToArray();
        return SendAsync(batch, context, (code, text) => new KnockoutResp { Errcode = code, Errmsg = text });
    }

    /// <summary>Every member of each room leaves it, on every replica (each replica announces the leaves).</summary>
    Task<ClearRoomsResp> ClearRoomsAsync(ClearRoomsReq request, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.NspName);
        var rooms = ApiArguments.Groups(request.RoomIds, "roomIds", inHeader: false);
        var batch = rooms.Select(room => Outgoing.Command(Target.Room(nsp, room), Ops.Clear)).ToArray();
        return SendAsync(batch, context, (code, text) => new ClearRoomsResp { Errcode = code, Errmsg = text });
    }

    /// <summary>SocketM's userId is an int64; the gateway's uid is its decimal text ("42", "-7").</summary>
    static string Uid(long userId, string field) =>
        userId == 0 ? throw ApiErrors.Invalid($"{field} is 0, which proto3 cannot tell from unset; user ids must be non-zero.")
            : userId.ToString(CultureInfo.InvariantCulture);

    async Task<TResponse> SendAsync<TResponse>(IReadOnlyList<Outgoing> batch, GrpcCallContext context, Func<uint, string, TResponse> respond)
    {
        try
        {
            await OutgoingSender.SendAsync(node, batch, context.CancellationToken);
            return respond(0, "");
        }
        catch (PartialSendException e) when (e.Sent > 0)
        {
            return respond((uint)StatusCode.Unavailable, e.Message);
        }
    }
}
