using Bgw.V1;
using BrokerGateway.Core.Gateway;
using BrokerGateway.Grpc;
using Google.Protobuf;

namespace BrokerGateway.Server.Api;

/// <summary>
/// <c>bgw.v1.Gateway</c> (protos/bgw/v1/gateway.proto): the whole server API, cluster-wide. Pushes and
/// commands go out on the targets' NATS subjects; presence queries read the presence store; metrics, the
/// rate limit and receipts ask every replica over <c>bgw.sys.*</c>. One file per concern.
/// </summary>
public sealed partial class GatewayService(GatewayNode node, ApiArguments args, GatewayApiOptions options, ILogger<GatewayService> log)
{
    public const string Name = "bgw.v1.Gateway";

    public GrpcServiceDefinition Build()
    {
        var builder = new GrpcServiceBuilder(Name);
        // Pushes.
        Unary<PublishRequest, PublishResponse>(builder, "Publish", PublishRequest.Parser, PublishAsync);
        Unary<BroadcastRequest, SendResponse>(builder, "Broadcast", BroadcastRequest.Parser, BroadcastAsync);
        Unary<MulticastRequest, SendResponse>(builder, "Multicast", MulticastRequest.Parser, MulticastAsync);
        Unary<MulticastByUserRequest, SendResponse>(builder, "MulticastByUser", MulticastByUserRequest.Parser, MulticastByUserAsync);
        Unary<SingleCastRequest, SendResponse>(builder, "SingleCast", SingleCastRequest.Parser, SingleCastAsync);
        Unary<SingleCastBulkRequest, SendResponse>(builder, "SingleCastBulk", SingleCastBulkRequest.Parser, SingleCastBulkAsync);
        Unary<SingleCastByUserRequest, SendResponse>(builder, "SingleCastByUser", SingleCastByUserRequest.Parser, SingleCastByUserAsync);
        Unary<SingleCastBulkByUserRequest, SendResponse>(builder, "SingleCastBulkByUser", SingleCastBulkByUserRequest.Parser, SingleCastBulkByUserAsync);
        Unary<TopicPublishRequest, SendResponse>(builder, "TopicPublish", TopicPublishRequest.Parser, TopicPublishAsync);
        Unary<TopicPublishBulkRequest, SendResponse>(builder, "TopicPublishBulk", TopicPublishBulkRequest.Parser, TopicPublishBulkAsync);
        // Connection info, topics and rooms.
        Unary<ConnInfoUpdateRequest, SendResponse>(builder, "ConnInfoUpdate", ConnInfoUpdateRequest.Parser, ConnInfoUpdateAsync);
        Unary<ConnInfoDeleteRequest, SendResponse>(builder, "ConnInfoDelete", ConnInfoDeleteRequest.Parser, ConnInfoDeleteAsync);
        Unary<TopicSubscribeRequest, SendResponse>(builder, "TopicSubscribe", TopicSubscribeRequest.Parser, TopicSubscribeAsync);
        Unary<TopicUnsubscribeRequest, SendResponse>(builder, "TopicUnsubscribe", TopicUnsubscribeRequest.Parser, TopicUnsubscribeAsync);
        Unary<TopicDeleteRequest, SendResponse>(builder, "TopicDelete", TopicDeleteRequest.Parser, TopicDeleteAsync);
        Unary<RoomsRequest, SendResponse>(builder, "JoinRooms", RoomsRequest.Parser, JoinRoomsAsync);
        Unary<RoomsRequest, SendResponse>(builder, "LeaveRooms", RoomsRequest.Parser, LeaveRoomsAsync);
        Unary<ClearRoomsRequest, SendResponse>(builder, "ClearRooms", ClearRoomsRequest.Parser, ClearRoomsAsync);
        // Disconnects.
        Unary<ForceOfflineRequest, SendResponse>(builder, "ForceOffline", ForceOfflineRequest.Parser, ForceOfflineAsync);
        Unary<ForceOfflineByUserRequest, SendResponse>(builder, "ForceOfflineByUser", ForceOfflineByUserRequest.Parser, ForceOfflineByUserAsync);
        Unary<ForceOfflineGuestRequest, SendResponse>(builder, "ForceOfflineGuest", ForceOfflineGuestRequest.Parser, ForceOfflineGuestAsync);
        // Presence.
        Unary<CheckOnlineRequest, CheckOnlineResponse>(builder, "CheckOnline", CheckOnlineRequest.Parser, CheckOnlineAsync);
        Unary<ListNamespacesRequest, ListNamespacesResponse>(builder, "ListNamespaces", ListNamespacesRequest.Parser, ListNamespacesAsync);
        Unary<ListRequest, IdPage>(builder, "ListUsers", ListRequest.Parser, ListUsersAsync);
        Unary<CountRequest, CountResponse>(builder, "CountUsers", CountRequest.Parser, CountUsersAsync);
        Unary<ListRequest, MemberPage>(builder, "ListConnections", ListRequest.Parser, ListConnectionsAsync);
        Unary<CountRequest, ConnectionCounts>(builder, "CountConnections", CountRequest.Parser, CountConnectionsAsync);
        Unary<ListRequest, IdPage>(builder, "ListTopics", ListRequest.Parser, ListTopicsAsync);
        Unary<CountRequest, CountResponse>(builder, "CountTopics", CountRequest.Parser, CountTopicsAsync);
        Unary<GroupRequest, MemberPage>(builder, "TopicMembers", GroupRequest.Parser, TopicMembersAsync);
        Unary<GroupsRequest, CountsResponse>(builder, "CountTopicMembers", GroupsRequest.Parser, CountTopicMembersAsync);
        Unary<GroupRequest, UserConnectionsPage>(builder, "TopicUsers", GroupRequest.Parser, TopicUsersAsync);
        Unary<GroupsRequest, CountsResponse>(builder, "CountTopicUsers", GroupsRequest.Parser, CountTopicUsersAsync);
        Unary<ListRequest, IdPage>(builder, "ListRooms", ListRequest.Parser, ListRoomsAsync);
        Unary<CountRequest, CountResponse>(builder, "CountRooms", CountRequest.Parser, CountRoomsAsync);
        Unary<GroupRequest, MemberPage>(builder, "RoomMembers", GroupRequest.Parser, RoomMembersAsync);
        Unary<GroupsRequest, CountsResponse>(builder, "CountRoomMembers", GroupsRequest.Parser, CountRoomMembersAsync);
        Unary<ConnInfoRequest, ConnInfoResponse>(builder, "ConnInfo", ConnInfoRequest.Parser, ConnInfoAsync);
        Unary<ConnInfoByUserRequest, ConnInfoByUserResponse>(builder, "ConnInfoByUser", ConnInfoByUserRequest.Parser, ConnInfoByUserAsync);
        Unary<DumpSessionRequest, DumpSessionResponse>(builder, "DumpSession", DumpSessionRequest.Parser, DumpSessionAsync);
        builder.ServerStreaming<WatchPresenceRequest, PresenceEvent>("WatchPresence", WatchPresenceRequest.Parser,
            ApiErrors.Guard<WatchPresenceRequest, PresenceEvent>(WatchPresenceAsync));
        // Cluster.
        Unary<ListNodesRequest, ListNodesResponse>(builder, "ListNodes", ListNodesRequest.Parser, ListNodesAsync);
        Unary<MetricsRequest, MetricsResponse>(builder, "Metrics", MetricsRequest.Parser, MetricsAsync);
        Unary<LimitRequest, LimitResponse>(builder, "Limit", LimitRequest.Parser, LimitAsync);
        return builder.WithDescriptor(GatewayReflection.Descriptor).Build();
    }

    static void Unary<TRequest, TResponse>(GrpcServiceBuilder builder, string method, MessageParser<TRequest> parser,
        Func<TRequest, GrpcCallContext, Task<TResponse>> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
        => builder.Unary(method, parser, ApiErrors.Guard(handler));

    /// <summary>Sends a prepared batch; the answer counts the NATS messages.</summary>
    async Task<SendResponse> SendAsync(string call, IReadOnlyList<Outgoing> batch, GrpcCallContext context)
    {
        try
        {
            return new SendResponse { Messages = await OutgoingSender.SendAsync(node, batch, context.CancellationToken) };
        }
        catch (PartialSendException e)
        {
            ApiLog.SendFailed(log, call, e.Sent, e.Total, e.InnerException!);
            throw;
        }
    }

    /// <summary>How long a scatter may wait: the configured timeout, shortened to leave room within the call's deadline.</summary>
    TimeSpan ScatterTimeout(GrpcCallContext context)
    {
        if (context.Deadline is not { } deadline) return options.ScatterTimeout;
        var left = deadline - DateTimeOffset.UtcNow - TimeSpan.FromMilliseconds(100);
        return left < options.ScatterTimeout ? (left > TimeSpan.Zero ? left : TimeSpan.Zero) : options.ScatterTimeout;
    }

    void ReportMissing(string call, IReadOnlyList<string> missing, TimeSpan timeout)
    {
        if (missing.Count > 0) ApiLog.ScatterIncomplete(log, call, missing.Count, timeout.TotalMilliseconds, string.Join(", ", missing));
    }
}
