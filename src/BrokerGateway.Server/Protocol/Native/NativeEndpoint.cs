using System.Net.WebSockets;
using System.Text.Json;
using BrokerGateway.Core.Connections;
using BrokerGateway.Core.Gateway;
using BrokerGateway.Server.Auth;
using BrokerGateway.Server.Hosting;
using BrokerGateway.Server.Transport;
using BrokerGateway.Server.Transport.Framed;
using BrokerGateway.Server.Uplink;

namespace BrokerGateway.Server.Protocol.Native;

/// <summary>
/// <c>GET /v1/ws</c>: accepts a WebSocket, authenticates it (query <c>token</c>, bearer header, or a first
/// <c>auth</c> frame), registers it with the node, says <c>welcome</c>, then runs its session.
/// </summary>
public sealed class NativeEndpoint(GatewayNode node, UplinkPublisher uplink, TokenValidator tokens, IClientSocketAcceptor acceptor,
    ServerSettings settings, ILogger<NativeEndpoint> log)
{
    public const string Path = "/v1/ws";

    public async Task HandleAsync(HttpContext http)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            await http.Response.WriteAsync("expected a WebSocket upgrade (GET /v1/ws with Upgrade: websocket)");
            return;
        }
        if (node.IsDraining)
        {
            http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }
        var hello = Hello(http.Request.Query, http.Request.Headers, http.Connection.RemoteIpAddress?.ToString());
        using var socket = await acceptor.AcceptAsync(http, settings.Limits.PingInterval);
        await RunAsync(socket, hello, http.RequestAborted);
    }

    /// <summary>
    /// The route for <see cref="UpgradeListener"/>: a well-formed upgrade to <see cref="Path"/> taken below
    /// HTTP. While draining it is left to HTTP, which answers 503 as above.
    /// </summary>
    public Func<IClientSocket, CancellationToken, Task>? TakeOver(RequestHead head, string? remoteAddress)
    {
        if (node.IsDraining) return null;
        var hello = Hello(head.Query, head.Headers, remoteAddress);
        return (socket, aborted) => RunAsync(socket, hello, aborted);
    }

    /// <summary>
    /// What the session takes from the upgrade request (the request itself is let go). The token is taken
    /// once: the session outlives it, and a JWT is some hundreds of bytes per idle connection.
    /// </summary>
    sealed class ClientHello(string? token, string? nsp, string? remoteAddress)
    {
        string? _token = token;
        public string? Nsp { get; } = nsp;
        public string? RemoteAddress { get; } = remoteAddress;
        public string? TakeToken() => Interlocked.Exchange(ref _token, null);
    }

    static ClientHello Hello(IQueryCollection query, IHeaderDictionary headers, string? remoteAddress) =>
        new(query["token"].FirstOrDefault() ?? Bearer(headers.Authorization.FirstOrDefault()),
            query["nsp"].FirstOrDefault() is { Length: > 0 } nsp ? nsp : null, remoteAddress); // ?nsp= names no namespace: the default

    async Task RunAsync(IClientSocket socket, ClientHello hello, CancellationToken aborted)
    {
        var token = hello.TakeToken();
        Task? pendingRead = null;
        var (identity, refusal) = token is not null
            ? await ValidateAsync(token)
            : await ReadAuthFrameAsync(socket, t => pendingRead = t, aborted);
        if (refusal is { } code)
        {
            await RefuseAsync(socket, code.Code, code.Reason, pendingRead);
            return;
        }

        // A user's namespace is its token's (the default without an nsp claim): never the URL's, or any user
        // could walk into another tenant. Only a guest picks one with ?nsp=.
        var nsp = (identity is null ? hello.Nsp : identity.Nsp) ?? settings.Gateway.DefaultNamespace;
        ClientConnection connection;
        try
        {
            connection = await node.OpenAsync(new ConnectRequest(nsp, identity?.Uid, NativeDialect.Instance)
            {
                Rooms = identity?.Rooms ?? [],
                Topics = identity?.Topics ?? [],
                Session = identity?.Session,
                RemoteAddress = hello.RemoteAddress,
            }, aborted);
        }
        catch (GatewayException e)
        {
            var closeCode = e.Code switch
            {
                ErrorCodes.LimitExceeded => CloseCodes.TooManyConnections,
                ErrorCodes.Forbidden => identity is null ? CloseCodes.GuestsNotAllowed : CloseCodes.Forbidden,
                // An id, name or session value presence cannot hold: from the token's claims, or a guest's ?nsp=.
                ErrorCodes.BadRequest => identity is null ? CloseCodes.Forbidden : CloseCodes.TokenMalformed,
                _ => CloseCodes.ServerError,
            };
            await RefuseAsync(socket, closeCode, e.Message);
            return;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Told, so it reconnects (here or elsewhere) rather than seeing its socket cut.
            GatewayLog.SessionFailed(log, "a connecting client", e);
            await RefuseAsync(socket, CloseCodes.ServerError, "the gateway failed to open the connection; reconnect");
            return;
        }

        connection.TrySend(NativeReplies.Welcome(connection, settings.Limits.PingInterval));
        var session = new NativeSession(node, uplink, connection, settings.Limits, log);
        var closed = CloseCodes.ServerError;
        try
        {
            closed = await SocketSession.RunAsync(socket, connection, settings.Limits.MaxMessageBytes, session.OnMessageAsync, aborted);
        }
        catch (Exception e)
        {
            GatewayLog.SessionFailed(log, connection.Id, e);
        }
        finally
        {
            await node.CloseAsync(connection, closed);
        }
    }

    async Task<(ClientIdentity?, (int Code, string Reason)?)> ValidateAsync(string token)
    {
        var result = await tokens.ValidateAsync(token);
        return result.Succeeded ? (result.Identity, null) : (null, (result.CloseCode, result.Error));
    }

    /// <summary>
    /// Without a token on the upgrade, the first frame must be <c>{"type":"auth","token":…}</c>; an auth
    /// frame without a token asks to be a guest (allowed only where the namespace says so).
    /// </summary>
    async Task<(ClientIdentity?, (int Code, string Reason)?)> ReadAuthFrameAsync(IClientSocket socket, Action<Task> leftPending, CancellationToken aborted)
    {
        // Not a cancelled read: cancelling a WebSocket read aborts the socket, and the client should still
        // be told why it is closed. On timeout the read stays pending and takes the client's close frame.
        var reading = socket.ReceiveAsync(settings.Limits.MaxMessageBytes, aborted).AsTask();
        if (await Task.WhenAny(reading, Task.Delay(settings.Auth.AuthFrameTimeout, aborted)) != reading)
        {
            leftPending(reading);
            return (null, (CloseCodes.AuthRequired, "send {\"type\":\"auth\",\"token\":\"…\"} first, or a token on the upgrade"));
        }
        InboundMessage first;
        try
        {
            first = await reading;
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
            return (null, (SocketSession.NormalClosure, "client gone"));
        }
        // The first frame is held to the rules of every later one.
        switch (first.Status)
        {
            case InboundStatus.Closed: return (null, (SocketSession.NormalClosure, "client closed"));
            case InboundStatus.TooBig: return (null, (CloseCodes.MessageTooBig, $"message larger than {settings.Limits.MaxMessageBytes} bytes"));
            case InboundStatus.Invalid: return (null, (SocketSession.InvalidPayload, "invalid UTF-8 in a text message"));
        }
        if (!first.IsText) return (null, (CloseCodes.UnsupportedData, "binary frames are not part of this protocol"));
        var frame = ClientFrame.Parse(first.Data.Span, out _);
        if (frame?.Type != "auth") return (null, (CloseCodes.AuthRequired, "the first frame must be auth"));
        if (frame.Problem is { } problem) return (null, (CloseCodes.TokenMalformed, problem));
        if (string.IsNullOrEmpty(frame.Token)) return (null, null); // a guest; the node checks the namespace allows it
        return await ValidateAsync(frame.Token);
    }

    static async Task RefuseAsync(IClientSocket socket, int code, string reason, Task? pendingRead = null)
    {
        try
        {
            if (code != SocketSession.NormalClosure)
                await socket.SendAsync(new[] { NativeDialect.Instance.EncodeDisconnect(code, reason) }, CancellationToken.None).AsTask().WaitAsync(SocketSession.CloseTimeout);
            await socket.CloseOutputAsync(code, reason, CancellationToken.None).AsTask().WaitAsync(SocketSession.CloseTimeout);
            if (pendingRead is null) await socket.WaitForPeerCloseAsync(SocketSession.CloseTimeout);
            else await pendingRead.WaitAsync(SocketSession.CloseTimeout);
        }
        catch (Exception e) when (e is WebSocketException or TimeoutException or IOException or OperationCanceledException)
        {
            // The client is gone already.
        }
    }

    static string? Bearer(string? header) =>
        header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
}
