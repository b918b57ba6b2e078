using Bgw.V1;
using BrokerGateway.Grpc;
using Target = BrokerGateway.Core.Addressing.Target;

namespace BrokerGateway.Server.Api;

/// <summary>
/// netsvr ForceOffline, ForceOfflineByCustomerId and ForceOfflineGuest: <c>disconnect</c> commands. The
/// optional last push rides the same subject just before the command, so it arrives first.
/// </summary>
public sealed partial class GatewayService
{
    Task<SendResponse> ForceOfflineAsync(ForceOfflineRequest request, GrpcCallContext context)
    {
        var conns = ApiArguments.Ids(request.Conns, "conns");
        var push = ApiArguments.OptionalPush(request.Push, "push");
        var close = CloseArgs.From(request.Close, "close");
        return SendAsync("ForceOffline", Disconnects(conns.Select(Target.Connection), push, close), context);
    }

    Task<SendResponse> ForceOfflineByUserAsync(ForceOfflineByUserRequest request, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.Nsp);
        var uids = ApiArguments.Ids(request.Uids, "uids");
        var push = ApiArguments.OptionalPush(request.Push, "push");
        var close = CloseArgs.From(request.Close, "close");
        return SendAsync("ForceOfflineByUser", Disconnects(uids.Select(u => Target.User(nsp, u)), push, close), context);
    }

    /// <summary>
    /// Guests are checked when the delay ends (netsvr: a client that logged in meanwhile stays). With no
    /// connections named, every guest of the namespace is closed.
    /// </summary>
    Task<SendResponse> ForceOfflineGuestAsync(ForceOfflineGuestRequest request, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.Nsp);
        var close = CloseArgs.From(request.Close, "close");
        IEnumerable<Target> targets = request.Conns.Count == 0
            ? [Target.Namespace(nsp)]
            : ApiArguments.Ids(request.Conns, "conns").Select(Target.Connection);
        return SendAsync("ForceOfflineGuest", targets.Select(t => Outgoing.Disconnect(t, close, guestsOnly: true)).ToArray(), context);
    }

    static Outgoing[] Disconnects(IEnumerable<Target> targets, PushArgs? push, CloseArgs close)
    {
        var batch = new List<Outgoing>();
        foreach (var target in targets)
        {
            if (push is not null) batch.Add(Outgoing.Push(target, push));
            batch.Add(Outgoing.Disconnect(target, close));
        }
        return [.. batch];
    }
}
