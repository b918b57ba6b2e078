namespace BrokerGateway.Server.Api;

/// <summary>The API's log events. Names and ids are public once shipped: operators alert on them.</summary>
public static partial class ApiLog
{
    [LoggerMessage(101, LogLevel.Warning, "{Call}: {Missing} replica(s) did not answer within {TimeoutMs} ms: {Nodes}", EventName = "ScatterIncomplete")]
    public static partial void ScatterIncomplete(ILogger log, string call, int missing, double timeoutMs, string nodes);

    [LoggerMessage(102, LogLevel.Warning, "{Call}: sending failed after {Sent} of {Total} NATS messages", EventName = "SendFailed")]
    public static partial void SendFailed(ILogger log, string call, int sent, int total, Exception e);

    [LoggerMessage(103, LogLevel.Information, "Client rate limit set cluster-wide: {Rate}/s, burst {Burst} ({Nodes} replicas)", EventName = "RateLimitSet")]
    public static partial void RateLimitSet(ILogger log, double rate, int burst, int nodes);

    [LoggerMessage(104, LogLevel.Warning, "Presence watch of {Nsp} ended: the watcher fell {Limit} events behind", EventName = "WatchOverflow")]
    public static partial void WatchOverflow(ILogger log, string nsp, int limit);
}
