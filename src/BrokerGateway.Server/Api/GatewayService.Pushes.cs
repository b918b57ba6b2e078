using Bgw.V1;
using BrokerGateway.Grpc;
using Target = BrokerGateway.Core.Addressing.Target;

namespace BrokerGateway.Server.Api;

/// <summary>Pushes: netsvr Broadcast, Multicast*, SingleCast*, TopicPublish*; Comet Publish with a receipt.</summary>
public sealed partial class GatewayService
{
    async Task<PublishResponse> PublishAsync(PublishRequest request, GrpcCallContext context)
    {
        var target = TargetOf(request.Nsp, request.Target);
        var push = ApiArguments.Push(request.Push, "push");
        var exclude = request.ExcludeConn.Length == 0 ? null : ApiArguments.HeaderId(request.ExcludeConn, "exclude_conn");
        if (!request.Receipt)
        {
            await SendAsync("Publish", [Outgoing.Push(target, push, exclude)], context);
            return new PublishResponse();
        }
        if (!node.Broker.IsConnected) throw ApiErrors.Unavailable($"NATS cannot be reached from replica {node.NodeId}; nothing was sent; retry.");
        var timeout = ScatterTimeout(context);
        var answer = await node.PublishWithReceiptAsync(target, push.Data, push.Event, exclude, push.ContentType, push.MsgId, timeout, context.CancellationToken);
        ReportMissing("Publish", answer.Missing, timeout);
        var receipt = new Receipt
        {
            Sockets = answer.Replies.Sum(r => r.Delivered),
            Nodes = answer.Replies.Count(r => r.Delivered > 0),
            Refused = answer.Replies.Sum(r => r.Refused),
            Complete = answer.Complete,
        };
        receipt.PerNode.AddRange(answer.Replies.Select(r => new NodeReceipt { Node = r.Node, Sockets = r.Delivered, Refused = r.Refused, Duplicate = r.Duplicate }));
        receipt.Missing.AddRange(answer.Missing);
        return new PublishResponse { Receipt = receipt };
    }

    Task<SendResponse> BroadcastAsync(BroadcastRequest request, GrpcCallContext context) =>
        SendAsync("Broadcast", [Outgoing.Push(Target.Namespace(args.Nsp(request.Nsp)), ApiArguments.Push(request.Push, "push"))], context);

    Task<SendResponse> MulticastAsync(MulticastRequest request, GrpcCallContext context)
    {
        var push = ApiArguments.Push(request.Push, "push");
        var batch = ApiArguments.Ids(request.Conns, "conns").Select(c => Outgoing.Push(Target.Connection(c), push)).ToArray();
        return SendAsync("Multicast", batch, context);
    }

    Task<SendResponse> MulticastByUserAsync(MulticastByUserRequest request, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.Nsp);
        var push = ApiArguments.Push(request.Push, "push");
        var batch = ApiArguments.Ids(request.Uids, "uids").Select(u => Outgoing.Push(Target.User(nsp, u), push)).ToArray();
        return SendAsync("MulticastByUser", batch, context);
    }

    Task<SendResponse> SingleCastAsync(SingleCastRequest request, GrpcCallContext context) =>
        SendAsync("SingleCast", [Outgoing.Push(Target.Connection(ApiArguments.Id(request.Conn, "conn")), ApiArguments.Push(request.Push, "push"))], context);

    Task<SendResponse> SingleCastBulkAsync(SingleCastBulkRequest request, GrpcCallContext context)
    {
        if (request.Items.Count == 0) throw ApiErrors.Invalid("items is empty: give at least one (conn, push).");
        var batch = request.Items.Select((item, i) => Outgoing.Push(
            Target.Connection(ApiArguments.Id(item.Conn, $"items[{i}].conn")), ApiArguments.Push(item.Push, $"items[{i}].push"))).ToArray();
        return SendAsync("SingleCastBulk", batch, context);
    }

    Task<SendResponse> SingleCastByUserAsync(SingleCastByUserRequest request, GrpcCallContext context) =>
        SendAsync("SingleCastByUser", [Outgoing.Push(Target.User(args.Nsp(request.Nsp), ApiArguments.Id(request.Uid, "uid")), ApiArguments.Push(request.Push, "push"))], context);

    Task<SendResponse> SingleCastBulkByUserAsync(SingleCastBulkByUserRequest request, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.Nsp);
        if (request.Items.Count == 0) throw ApiErrors.Invalid("items is empty: give at least one (uid, push).");
        var batch = request.Items.Select((item, i) => Outgoing.Push(
            Target.User(nsp, ApiArguments.Id(item.Uid, $"items[{i}].uid")), ApiArguments.Push(item.Push, $"items[{i}].push"))).ToArray();
        return SendAsync("SingleCastBulkByUser", batch, context);
    }

    Task<SendResponse> TopicPublishAsync(TopicPublishRequest request, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.Nsp);
        var push = ApiArguments.Push(request.Push, "push");
        var batch = ApiArguments.Groups(request.Topics, "topics", inHeader: false).Select(t => Outgoing.Push(Target.Topic(nsp, t), push)).ToArray();
        return SendAsync("TopicPublish", batch, context);
    }

    Task<SendResponse> TopicPublishBulkAsync(TopicPublishBulkRequest request, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.Nsp);
        if (request.Items.Count == 0) throw ApiErrors.Invalid("items is empty: give at least one (topic, push).");
        var batch = request.Items.Select((item, i) => Outgoing.Push(
            Target.Topic(nsp, ApiArguments.Group(item.Topic, $"items[{i}].topic", inHeader: false)), ApiArguments.Push(item.Push, $"items[{i}].push"))).ToArray();
        return SendAsync("TopicPublishBulk", batch, context);
    }

    Target TargetOf(string nspField, Bgw.V1.Target? target)
    {
        if (target is null) throw ApiErrors.Invalid("target is missing.");
        return target.Kind switch
        {
            TargetKind.Connection => Target.Connection(ApiArguments.Id(target.Id, "target.id")),
            TargetKind.User => Target.User(args.Nsp(nspField), ApiArguments.Id(target.Id, "target.id")),
            TargetKind.Room => Target.Room(args.Nsp(nspField), ApiArguments.Group(target.Id, "target.id", inHeader: false)),
            TargetKind.Topic => Target.Topic(args.Nsp(nspField), ApiArguments.Group(target.Id, "target.id", inHeader: false)),
            TargetKind.Namespace when target.Id.Length == 0 => Target.Namespace(args.Nsp(nspField)),
            TargetKind.Namespace => throw ApiErrors.Invalid("target.id must be empty for a namespace target (the namespace is nsp)."),
            _ => throw ApiErrors.Invalid($"target.kind {target.Kind} is not a target: use CONNECTION, USER, ROOM, TOPIC or NAMESPACE."),
        };
    }
}
