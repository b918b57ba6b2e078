using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Timeouts;

namespace BrokerGateway.Server.Transport.Framed;

public sealed partial class FramedClientSocket
{
    /// <summary>
    /// Upgrades a request to a <see cref="FramedClientSocket"/> (RFC 6455 §4.2.2) on Kestrel's HTTP/1.1
    /// upgrade. Callers check the request first (<see cref="WebSocketHandshake.Problem(HttpRequest)"/>, or
    /// <see cref="WebSocketHandshake.RejectMalformedAsync"/> ahead of the endpoints); a request that still
    /// fails is answered 400 here and the call throws.
    /// </summary>
    /// <param name="batches">Writes the queued frames of bare sockets in batches; null: each socket's loop does.</param>
    public sealed class Acceptor(RingSender? batches = null) : IClientSocketAcceptor
    {
        // One sweeper per keepalive interval (in practice one): the sockets share its timer.
        readonly ConcurrentDictionary<TimeSpan, KeepAliveSweeper> _sweepers = new();

        public async Task<IClientSocket> AcceptAsync(HttpContext http, TimeSpan keepAlive)
        {
            var upgrade = http.Features.Get<IHttpUpgradeFeature>();
            var problem = WebSocketHandshake.Problem(http.Request)
                ?? (upgrade is { IsUpgradableRequest: true } ? null : "this connection cannot be upgraded (HTTP/1.1 only)");
            if (problem is not null)
            {
                await WebSocketHandshake.RefuseAsync(http, problem);
                throw new WebSocketException(WebSocketError.HeaderError, problem);
            }

            var headers = http.Response.Headers;
            headers.Upgrade = "websocket";
            headers.Connection = "Upgrade";
            headers.SecWebSocketAccept = WebSocketHandshake.AcceptKey(http.Request.Headers.SecWebSocketKey.ToString());
            // A socket lives far longer than any request timeout (as the built-in stack does on accept).
            http.Features.Get<IHttpRequestTimeoutFeature>()?.DisableTimeout();
            var transport = await upgrade!.UpgradeAsync(); // sends the 101 with the headers above
            return new FramedClientSocket(transport, transport, http.Abort, Sweeper(keepAlive));
        }

        /// <summary>
        /// A socket on a connection whose upgrade was answered below HTTP (<see cref="UpgradeListener"/>):
        /// frames flow through the connection's own stream (a bare socket's).
        /// </summary>
        internal IClientSocket Adopt(Stream connection, Action abort, TimeSpan keepAlive) =>
            new FramedClientSocket(connection, connection, abort, Sweeper(keepAlive), batches);

        KeepAliveSweeper? Sweeper(TimeSpan keepAlive) =>
            keepAlive > TimeSpan.Zero ? _sweepers.GetOrAdd(keepAlive, static k => new KeepAliveSweeper(k)) : null;
    }
}
