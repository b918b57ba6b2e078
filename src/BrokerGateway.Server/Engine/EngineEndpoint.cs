using System.Net.WebSockets;
using BrokerGateway.Server.Hosting;
using BrokerGateway.Server.Transport;

namespace BrokerGateway.Server.Engine;

/// <summary>
/// The connmix engine API as a WebSocket on the internal port at <c>/ws/v1</c> (docs/engine.md): workers
/// pop client events from named queues and act on any connection in the cluster.
/// </summary>
public sealed class EngineEndpoint(IServiceProvider services, ServerSettings settings)
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
        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        await using var session = ActivatorUtilities.CreateInstance<EngineSession>(services, socket, nsp);
        var reader = new InboundMessageReader(socket, 1024 * 1024);
        try
        {
            while (true)
            {
                var message = await reader.ReadAsync(http.RequestAborted);
                if (message.Closed || message.TooBig) break;
                await session.HandleAsync(message.Message);
            }
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None).WaitAsync(SocketSession.CloseTimeout);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or TimeoutException)
        {
            // The worker went away; its queues are released with the session.
        }
    }
}
