namespace BrokerGateway.Server.Api;

/// <summary>How the gRPC API behaves. Every default is what a production gateway should start with.</summary>
public sealed record GatewayApiOptions
{
    /// <summary>
    /// Longest wait for the replicas' answers to a receipt, Metrics or Limit (a scatter/gather). A replica
    /// listed in presence that has not answered by then is reported as missing; a dead replica stays listed
    /// until its lease lapses (<c>GatewayOptions.LeaseTtl</c>). A call's own deadline shortens the wait.
    /// </summary>
    public TimeSpan ScatterTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Most ids one lookup call may ask about (CheckOnline, ConnInfo, ConnInfoByUser, Count*Members): each
    /// is a presence round trip. Past it: INVALID_ARGUMENT.
    /// </summary>
    public int MaxLookupsPerCall { get; init; } = 1000;

    /// <summary>
    /// Most members TopicUsers and CountTopicUsers walk to group a topic's subscribers by user (the store
    /// indexes topic members by connection only). Past it: FAILED_PRECONDITION; page TopicMembers instead.
    /// </summary>
    public int MaxGroupWalk { get; init; } = 100_000;

    /// <summary>
    /// When the replica starts stopping while someone watches its health (a load balancer), it turns
    /// NOT_SERVING and waits this long before draining, so the watchers hear it before their streams end
    /// (health watches end when the host stops). Without watchers it does not wait.
    /// </summary>
    public TimeSpan HealthWatchGrace { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Events a presence watch may queue for a slow reader before the watch ends RESOURCE_EXHAUSTED.</summary>
    public int WatchQueueLimit { get; init; } = 4096;
}
