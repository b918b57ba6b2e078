using Bgw.V1;
using BrokerGateway.Core.Gateway;
using BrokerGateway.Grpc;

namespace BrokerGateway.Server.Api;

/// <summary>
/// netsvr Metrics and Limit, and the node list. Metrics and Limit ask every replica over <c>bgw.sys</c>:
/// presence says which replicas are alive, and each answers for itself.
/// </summary>
public sealed partial class GatewayService
{
    async Task<ListNodesResponse> ListNodesAsync(ListNodesRequest request, GrpcCallContext context)
    {
        var response = new ListNodesResponse();
        foreach (var n in await node.Presence.ListNodesAsync(context.CancellationToken))
            response.Nodes.Add(new Node { Node_ = n.Node, Address = n.Address, Connections = n.Connections, StartedAtUnixMs = n.StartedAt.ToUnixTimeMilliseconds() });
        return response;
    }

    async Task<MetricsResponse> MetricsAsync(MetricsRequest request, GrpcCallContext context)
    {
        string? only = null;
        if (request.Node.Length > 0)
        {
            only = ApiArguments.Id(request.Node, "node");
            var nodes = await node.Presence.ListNodesAsync(context.CancellationToken);
            if (only != node.NodeId && nodes.All(n => n.Node != only))
                throw ApiErrors.NotFound($"Node '{only}' is not in the node list (ListNodes shows the live ones).");
        }
        if (!node.Broker.IsConnected && only != node.NodeId)
            throw ApiErrors.Unavailable($"NATS cannot be reached from replica {node.NodeId}, so the other replicas cannot be asked; retry.");
        var timeout = ScatterTimeout(context);
        var answer = only == node.NodeId
            ? new ClusterAnswer<NodeStats>([node.LocalStats()], [], true)
            : await node.GatherStatsAsync(only, timeout, context.CancellationToken);
        ReportMissing("Metrics", answer.Missing, timeout);
        var response = new MetricsResponse { Complete = answer.Complete, Total = new NodeMetrics() };
        foreach (var s in answer.Replies)
        {
            response.Nodes.Add(ToProto(s));
            var t = response.Total;
            t.Connections += s.Connections;
            t.Subscriptions += s.Subscriptions;
            t.Delivered += s.Delivered;
            t.Refused += s.Refused;
            t.CpuSeconds += s.CpuSeconds;
            t.ProcessorCount += s.ProcessorCount;
            t.WorkingSetBytes += s.WorkingSetBytes;
            t.GcHeapBytes += s.GcHeapBytes;
        }
        response.Missing.AddRange(answer.Missing);
        return response;
    }

    async Task<LimitResponse> LimitAsync(LimitRequest request, GrpcCallContext context)
    {
        double? rate = request.HasMessagesPerSecond ? request.MessagesPerSecond : null;
        int? burst = request.HasBurst ? request.Burst : null;
        // Check each part against a valid other half, so the message names the part that is wrong.
        if (rate is { } r && new RateLimitValue(r, 1).Problem is { } rateProblem) throw ApiErrors.Invalid(rateProblem + ".");
        if (burst is { } b && new RateLimitValue(0, b).Problem is { } burstProblem) throw ApiErrors.Invalid(burstProblem + ".");
        if (!node.Broker.IsConnected)
            throw ApiErrors.Unavailable($"NATS cannot be reached from replica {node.NodeId}; no replica was changed; retry.");
        var timeout = ScatterTimeout(context);
        var answer = await node.SetRateLimitAsync(rate, burst, timeout, context.CancellationToken);
        ReportMissing("Limit", answer.Missing, timeout);
        if (rate is not null || burst is not null)
            ApiLog.RateLimitSet(log, rate ?? double.NaN, burst ?? 0, answer.Replies.Count);
        var response = new LimitResponse { Complete = answer.Complete };
        response.Nodes.AddRange(answer.Replies.Select(n => new NodeLimit
        {
            Node = n.Node,
            Limit = new RateLimit { MessagesPerSecond = n.Value.MessagesPerSecond, Burst = n.Value.Burst, SetAtRuntime = n.SetAtRuntime },
        }));
        response.Missing.AddRange(answer.Missing);
        return response;
    }

    static NodeMetrics ToProto(NodeStats s) => new()
    {
        Node = s.Node,
        Connections = s.Connections,
        Subscriptions = s.Subscriptions,
        Delivered = s.Delivered,
        Refused = s.Refused,
        CpuSeconds = s.CpuSeconds,
        ProcessorCount = s.ProcessorCount,
        WorkingSetBytes = s.WorkingSetBytes,
        GcHeapBytes = s.GcHeapBytes,
        UptimeSeconds = s.UptimeSeconds,
        Draining = s.Draining,
        BrokerConnected = s.BrokerConnected,
        StartedAtUnixMs = s.StartedAt.ToUnixTimeMilliseconds(),
    };
}
