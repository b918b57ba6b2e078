using System.Net.WebSockets;
using BrokerGateway.Core.Presence;
using BrokerGateway.Server.Api;
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
        // As in the gRPC API, an empty namespace is the default one.
        var nsp = http.Request.Query["nsp"].FirstOrDefault() is { Length: > 0 } named ? named : settings.Gateway.DefaultNamespace;
        if (Problem(nsp) is { } problem)
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            await http.Response.WriteAsync(problem);
            return;
        }
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

    static string? Problem(string nsp)
    {
        try
        {
            PresenceIds.Check(nsp, "nsp");
            return null;
        }
        catch (ArgumentException e)
        {
            return ApiErrors.Text(e);
        }
    }
}
