using System.Net.WebSockets;
using BrokerGateway.Server.Hosting;
using BrokerGateway.Server.Transport;

namespace BrokerGateway.Server.Engine;

/// <summary>
/// The connmix engine API as a WebSocket on the internal port at <c>/ws/v1</c> (docs/engine.md): workers
/// pop client events from named queues and act on any connection in the cluster.
/// </summary>
public sealed class EngineEndpoint(IServiceProvider services, IClientSocketAcceptor acceptor, ServerSettings settings)
{
    public const string Path = "/ws/v1";

    public async Task HandleAsync(HttpContext http)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            await http.Response.WriteAsync("expected a WebSocket upgrade");
            return;
        }
        var nsp = http.Request.Query["nsp"].FirstOrDefault() ?? settings.Gateway.DefaultNamespace;
        using var socket = await acceptor.AcceptAsync(http, settings.Limits.PingInterval);
        await using var session = ActivatorUtilities.CreateInstance<EngineSession>(services, socket, nsp);
        try
        {
            while (true)
            {
                var message = await socket.ReceiveAsync(1024 * 1024, http.RequestAborted);
                if (message.Status != InboundStatus.Message) break;
                await session.HandleAsync(message.Data);
            }
            if (socket.CanSend)
                await socket.CloseOutputAsync(SocketSession.NormalClosure, "", CancellationToken.None).AsTask().WaitAsync(SocketSession.CloseTimeout);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or TimeoutException)
        {
            // The worker went away; its queues are released with the session.
        }
    }
}
