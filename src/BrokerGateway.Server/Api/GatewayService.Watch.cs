using System.Threading.Channels;
using Bgw.V1;
using BrokerGateway.Core.Gateway;
using BrokerGateway.Grpc;

namespace BrokerGateway.Server.Api;

/// <summary>
/// A server-streaming presence watch: a room's joins and leaves (the room's <c>presence</c> commands, which
/// every replica sends), or the namespace's connection opens and closes (<c>bgw.sys</c> connection events).
/// </summary>
public sealed partial class GatewayService
{
    async Task WatchPresenceAsync(WatchPresenceRequest request, IGrpcStreamWriter<PresenceEvent> writer, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.Nsp);
        var room = request.Room.Length == 0 ? null : ApiArguments.Group(request.Room, "room", inHeader: false);
        if (room is not null && !node.Options.PolicyFor(nsp).PresenceEvents)
            throw new GrpcException(StatusCode.FailedPrecondition, $"Namespace '{nsp}' announces no room joins and leaves (its policy turns presence events off).");

        if (!node.Broker.IsConnected) throw ApiErrors.Unavailable($"NATS cannot be reached from replica {node.NodeId}, so it cannot watch; retry.");

        // The broker's delivery must never wait for a slow watcher: events queue here, bounded.
        var events = Channel.CreateBounded<PresenceEvent>(new BoundedChannelOptions(options.WatchQueueLimit) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        var overflowed = false;
        ValueTask Offer(PresenceEvent e)
        {
            if (!events.Writer.TryWrite(e) && events.Writer.TryComplete()) overflowed = true;
            return ValueTask.CompletedTask;
        }
        var ct = context.CancellationToken;
        await using var subscription = room is not null
            ? await node.WatchRoomAsync(nsp, room, change =>
            {
                foreach (var m in change.Joins) Offer(Event(PresenceEvent.Types.Kind.Join, nsp, room, m, 0));
                foreach (var m in change.Leaves) Offer(Event(PresenceEvent.Types.Kind.Leave, nsp, room, m, 0));
                return ValueTask.CompletedTask;
            }, ct)
            : await node.WatchConnectionsAsync(nsp, e => Offer(Event(e.Opened ? PresenceEvent.Types.Kind.Open : PresenceEvent.Types.Kind.Close, nsp, "", e.Member, e.Code)), ct);
        // Once the server has the subscription no change is missed; only then say so.
        await node.Broker.FlushAsync(ct);
        await writer.WriteAsync(new PresenceEvent { Kind = PresenceEvent.Types.Kind.WatchStarted, Nsp = nsp, Room = room ?? "", AtUnixMs = Now() }, ct);

        // A watch lasts as long as its caller wants; on shutdown it ends OK (as health watches do).
        var stopping = context.HttpContext.RequestServices?.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        using var both = CancellationTokenSource.CreateLinkedTokenSource(ct, stopping);
        try
        {
            await foreach (var e in events.Reader.ReadAllAsync(both.Token))
                await writer.WriteAsync(e, both.Token);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return;
        }
        if (overflowed)
        {
            ApiLog.WatchOverflow(log, nsp, options.WatchQueueLimit);
            throw new GrpcException(StatusCode.ResourceExhausted, $"The watcher fell {options.WatchQueueLimit} events behind and events were lost; watch again.");
        }
    }

    static PresenceEvent Event(PresenceEvent.Types.Kind kind, string nsp, string room, Core.Presence.Member member, int code) =>
        new() { Kind = kind, Nsp = nsp, Room = room, Member = member.ToProto(), CloseCode = code, AtUnixMs = Now() };

    static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
