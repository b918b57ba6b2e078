using BrokerGateway.Core.Addressing;
using BrokerGateway.Core.Connections;
using BrokerGateway.Core.Fanout;
using BrokerGateway.Core.Presence;
using BrokerGateway.Server.Auth;
using BrokerGateway.Server.Protocol.Native;
using BrokerGateway.Server.Transport.Framed;
using BrokerGateway.Server.Uplink;

namespace BrokerGateway.Server.Hosting;

/// <summary>
/// Runs once, before the replica takes clients, the code of a session that .NET loads on first use: the
/// token check and the native crypto library under it (the handshake's SHA-1 too), the frames' JSON
/// writer and escaper, and the client events' protobuf. Left to the first client, a load costs that client
/// the wait, and may come when the replica is out of file descriptors: an assembly or native library that
/// fails to load then stays failed until the process restarts, and every later session with it.
/// </summary>
static class Warmup
{
    public static async Task RunAsync(TokenValidator tokens, UplinkPublisher uplink)
    {
        await tokens.WarmUpAsync();
        WebSocketHandshake.AcceptKey("dGhlIHNhbXBsZSBub25jZQ==");
        var dialect = NativeDialect.Instance;
        dialect.EncodePush(new Push(Target.Room("default", "warm-up"), "e", "{\"text\":\"<é>\"}"u8.ToArray(), "application/json"));
        dialect.EncodePush(new Push(Target.Namespace("default"), "e", "plain"u8.ToArray(), "text/plain"));
        dialect.EncodePresence(new PresenceChange("default", "warm-up", [new Member("c", "u", "n")], [new Member("c", null, "n")]));
        dialect.EncodeDisconnect(CloseCodes.Draining, "warm-up");
        uplink.WarmUp();
    }
}
