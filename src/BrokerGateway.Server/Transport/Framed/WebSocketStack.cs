namespace BrokerGateway.Server.Transport;

/// <summary>Which WebSocket implementation serves client sockets (setting <c>WebSocket</c>, env <c>BGW_WEBSOCKET</c>).</summary>
public enum WebSocketStack
{
    /// <summary>
    /// The gateway's own RFC 6455 framing (<see cref="Framed.FramedClientSocket"/>): a batch of queued
    /// frames goes out in one write; keepalive for all sockets on one timer.
    /// </summary>
    Framed,

    /// <summary>ASP.NET Core's standard stack (<see cref="BuiltinClientSocket"/>): one write per frame.</summary>
    Builtin,
}
