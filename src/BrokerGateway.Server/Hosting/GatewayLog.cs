namespace BrokerGateway.Server.Hosting;

/// <summary>The gateway's log events. Names and ids are public once shipped: operators alert on them.</summary>
public static partial class GatewayLog
{
    [LoggerMessage(1, LogLevel.Information, "Node {Node} listening: public {PublicPort}, gRPC {GrpcPort}, internal {InternalPort}; broker {Broker}, presence {Presence}", EventName = "NodeStarted")]
    public static partial void NodeStarted(ILogger log, string node, int publicPort, int grpcPort, int internalPort, string broker, string presence);

    [LoggerMessage(2, LogLevel.Warning, "Session of {Conn} failed", EventName = "SessionFailed")]
    public static partial void SessionFailed(ILogger log, string conn, Exception e);

    [LoggerMessage(3, LogLevel.Warning, "Presence upkeep failed on an unexpected error; retrying", EventName = "PresenceUpkeepFailed")]
    public static partial void PresenceUpkeepFailed(ILogger log, Exception e);

    [LoggerMessage(4, LogLevel.Information, "Swept {Count} connections of dead nodes", EventName = "DeadNodesSwept")]
    public static partial void DeadNodesSwept(ILogger log, int count);

    [LoggerMessage(5, LogLevel.Information, "Draining {Count} connections", EventName = "Draining")]
    public static partial void Draining(ILogger log, int count);

    [LoggerMessage(EventId = 6, Message = "Broker link {State}", EventName = "BrokerState")]
    public static partial void BrokerState(ILogger log, LogLevel level, string state);

    /// <summary>
    /// A lost link, or one closed while the replica runs, is a warning; its return, and its close as the replica
    /// stops, are news an operator needs no alert for.
    /// </summary>
    public static LogLevel BrokerStateLevel(Core.Broker.BrokerState state, bool stopping) => state switch
    {
        Core.Broker.BrokerState.Disconnected => LogLevel.Warning,
        Core.Broker.BrokerState.Closed when !stopping => LogLevel.Warning,
        _ => LogLevel.Information,
    };

    [LoggerMessage(7, LogLevel.Warning, "Command {Op} on {Target} not applied: {Why}", EventName = "CommandRejected")]
    public static partial void CommandRejected(ILogger log, string op, string target, string why);

    [LoggerMessage(8, LogLevel.Warning, "A client socket taken at the connection failed", EventName = "ClientSocketFailed")]
    public static partial void ClientSocketFailed(ILogger log, Exception e);

    [LoggerMessage(9, LogLevel.Warning, "Accepting a client connection failed ({Error}); still listening", EventName = "AcceptFailed")]
    public static partial void AcceptFailed(ILogger log, string error);

    [LoggerMessage(10, LogLevel.Warning, "A {Type} frame from {Conn} failed; answered internal, the connection stays", EventName = "FrameFailed")]
    public static partial void FrameFailed(ILogger log, string type, string conn, Exception e);

    [LoggerMessage(11, LogLevel.Warning, "Presence store unreachable ({Reason}); not ready, retrying every upkeep round", EventName = "PresenceUnreachable")]
    public static partial void PresenceUnreachable(ILogger log, string reason);

    [LoggerMessage(12, LogLevel.Information, "Presence store reachable again", EventName = "PresenceReachable")]
    public static partial void PresenceReachable(ILogger log);

    [LoggerMessage(13, LogLevel.Information, "Settings: {Summary}", EventName = "Settings")]
    public static partial void Settings(ILogger log, string summary);

    [LoggerMessage(14, LogLevel.Warning, "Setting: {Warning}", EventName = "SettingWarning")]
    public static partial void SettingWarning(ILogger log, string warning);

    [LoggerMessage(15, LogLevel.Error, "Node id {Node} is held by another running replica: {Setting} is set to the same value on two replicas; not ready, leaving the lease to it", EventName = "NodeIdInUse")]
    public static partial void NodeIdInUse(ILogger log, string node, string setting);

    [LoggerMessage(16, LogLevel.Information, "Sends: {How}", EventName = "SendPath")]
    public static partial void SendPath(ILogger log, string how);

    [LoggerMessage(17, LogLevel.Warning, "Sends: {Why}", EventName = "SendRingFailed")]
    public static partial void SendRingFailed(ILogger log, string why);
}
