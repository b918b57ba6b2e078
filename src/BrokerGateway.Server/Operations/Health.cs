using BrokerGateway.Core.Gateway;

namespace BrokerGateway.Server.Operations;

/// <summary>
/// <c>/healthz</c>: the process answers. <c>/readyz</c>: it should get new clients: the broker link is up
/// the presence store answers, the node holds its own node id, and it is not draining (a load balancer takes it out of rotation otherwise).
/// </summary>
public static class Health
{
    public const string LivePath = "/healthz";
    public const string ReadyPath = "/readyz";

    public static Task LiveAsync(HttpContext http) => http.Response.WriteAsync("ok");

    public static Task ReadyAsync(HttpContext http)
    {
        var node = http.RequestServices.GetRequiredService<GatewayNode>();
        var reason = node.IsDraining ? "draining"
            : !node.Broker.IsConnected ? "broker unreachable"
            : node.NodeIdInUse ? "node id in use by another replica"
            : !node.PresenceReachable ? "presence store unreachable"
            : null;
        if (reason is null) return http.Response.WriteAsync("ready");
        http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        return http.Response.WriteAsync(reason);
    }
}
