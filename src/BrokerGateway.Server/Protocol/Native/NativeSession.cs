using BrokerGateway.Core.Addressing;
using BrokerGateway.Core.Broker;
using BrokerGateway.Core.Connections;
using BrokerGateway.Core.Gateway;
using BrokerGateway.Core.Presence;
using BrokerGateway.Server.Hosting;
using BrokerGateway.Server.Transport;
using BrokerGateway.Server.Uplink;

namespace BrokerGateway.Server.Protocol.Native;

/// <summary>
/// Handles the frames of one native-protocol client after its welcome: each becomes a call on the
/// gateway node, answered by a <c>reply</c> when it carried an <c>id</c>.
/// </summary>
/// <remarks>
/// A request that fails is answered and the connection stays: <c>unavailable</c> when presence cannot be
/// reached, <c>internal</c> (logged) for anything unexpected. Only the client's own faults close it.
/// </remarks>
public sealed class NativeSession(GatewayNode node, UplinkPublisher uplink, ClientConnection connection, ClientLimits limits, ILogger log)
{
    readonly RateLimiter _rate = new(limits.MessagesPerSecond, limits.MessagesBurst, node.RateLimit);
    int _rpcInFlight;

    /// <summary>Handles one client message; returns a close code when the client must go.</summary>
    public async ValueTask<int?> OnMessageAsync(InboundMessage message)
    {
        if (!message.IsText) return CloseCodes.UnsupportedData;
        if (!_rate.TryTake()) return CloseCodes.RateLimited;
        var frame = ClientFrame.Parse(message.Data.Span, out var error);
        if (frame is null)
        {
            connection.TrySend(NativeReplies.Error(null, ErrorCodes.BadRequest, error!));
            return CloseCodes.ProtocolError;
        }
        try
        {
            await HandleAsync(frame);
        }
        catch (Exception e)
        {
            Reply(frame, Failure(frame, e));
        }
        return null;
    }

    /// <summary>The reply for a request that threw, counted by its error code for /metrics.</summary>
    OutboundFrame Failure(ClientFrame f, Exception e)
    {
        var (code, message) = Error(f, e);
        node.CountRequestError(code);
        return NativeReplies.Error(f.Id, code, message);
    }

    (string Code, string Message) Error(ClientFrame f, Exception e)
    {
        switch (e)
        {
            case GatewayException g:
                return (g.Code, g.Message);
            case PresenceStoreUnavailableException:
                return (ErrorCodes.Unavailable, "presence cannot be reached right now; retry");
            case ArgumentException a:
                // A value the client chose that the cluster refuses: a page cursor it never issued, an event name NATS headers cannot carry.
                return (ErrorCodes.BadRequest, a.ParamName is null ? a.Message : a.Message.Replace($" (Parameter '{a.ParamName}')", ""));
            default:
                GatewayLog.FrameFailed(log, f.Type ?? "?", connection.Id, e);
                return (ErrorCodes.Internal, "the gateway failed; retry");
        }
    }

    async Task HandleAsync(ClientFrame f)
    {
        if (f.Problem is { } problem) throw new GatewayException(ErrorCodes.BadRequest, problem);
        switch (f.Type)
        {
            case "ping":
                connection.TrySend(NativeReplies.Pong(f.Id));
                break;
            case "join":
                await node.JoinAsync(connection, Required(f.Room, "room"), byClient: true);
                ReplyOk(f);
                break;
            case "leave":
                await node.LeaveAsync(connection, Required(f.Room, "room"));
                ReplyOk(f);
                break;
            case "subscribe":
                foreach (var topic in RequiredTopics(f)) await node.SubscribeAsync(connection, topic, byClient: true);
                ReplyOk(f);
                break;
            case "unsubscribe":
                foreach (var topic in RequiredTopics(f)) await node.UnsubscribeAsync(connection, topic);
                ReplyOk(f);
                break;
            case "publish":
                var (bytes, contentType) = f.Payload();
                await node.PublishFromClientAsync(connection, Required(f.Room, "room"), bytes, f.Event, contentType);
                ReplyOk(f);
                break;
            case "presence":
                await PresenceAsync(f);
                break;
            case "rpc":
                StartRpc(f);
                break;
            case "send":
                var (sent, sentType) = f.Payload();
                // With an id the client wants to know it reached a worker: one round trip tells.
                if (!await uplink.SendAsync(connection, f.Event ?? "message", sent, sentType, checkListeners: f.Id is not null))
                    throw new GatewayException(ErrorCodes.NoResponders, "no worker listens for client messages in this namespace");
                ReplyOk(f);
                break;
            case "auth":
                throw new GatewayException(ErrorCodes.BadRequest, "already authenticated");
            default:
                throw new GatewayException(ErrorCodes.BadRequest, $"unknown frame type '{f.Type}'");
        }
    }

    async Task PresenceAsync(ClientFrame f)
    {
        var room = Required(f.Room, "room");
        if (!connection.InRoom(room)) throw new GatewayException(ErrorCodes.Forbidden, $"join room '{room}' to see who is in it");
        var count = await node.Presence.CountRoomMembersAsync(connection.Nsp, room);
        var page = await node.Presence.ListRoomMembersAsync(connection.Nsp, room, new PageRequest(f.Cursor, f.Limit ?? 100));
        Reply(f, NativeReplies.Ok(f.Id, w =>
        {
            w.WriteStartObject();
            w.WriteString("room", room);
            w.WriteNumber("count", count);
            NativeDialect.WriteMembers(w, "members", page.Items);
            if (page.NextCursor is null) w.WriteNull("cursor"); else w.WriteString("cursor", page.NextCursor);
            w.WriteEndObject();
        }));
    }

    /// <summary>
    /// A client RPC is a NATS request to <c>bgw.&lt;nsp&gt;.rpc.&lt;method&gt;</c>. It runs beside the
    /// receive loop (the reply may take a while), with a cap on how many one client may have in flight.
    /// </summary>
    void StartRpc(ClientFrame f)
    {
        var method = Required(f.Method, "method");
        if (Interlocked.Increment(ref _rpcInFlight) > limits.RpcInFlight)
        {
            Interlocked.Decrement(ref _rpcInFlight);
            throw new GatewayException(ErrorCodes.LimitExceeded, $"at most {limits.RpcInFlight} RPCs in flight");
        }
        byte[] payload;
        try
        {
            payload = f.Payload().Bytes;
        }
        catch
        {
            Interlocked.Decrement(ref _rpcInFlight);
            throw;
        }
        _ = RunRpcAsync(f, method, payload);
    }

    async Task RunRpcAsync(ClientFrame f, string method, byte[] payload)
    {
        try
        {
            var reply = await node.RequestFromClientAsync(connection, method, payload, limits.RpcTimeout);
            Reply(f, NativeReplies.OkPayload(f.Id, reply.Data));
        }
        catch (Exception e)
        {
            Reply(f, Failure(f, e));
        }
        finally
        {
            Interlocked.Decrement(ref _rpcInFlight);
        }
    }

    void Reply(ClientFrame f, OutboundFrame frame)
    {
        if (f.Id is not null) connection.TrySend(frame);
    }

    /// <summary>A frame without an id wants no answer: nothing is encoded for it.</summary>
    void ReplyOk(ClientFrame f)
    {
        if (f.Id is not null) connection.TrySend(NativeReplies.Ok(f.Id));
    }

    static string Required(string? value, string name) =>
        string.IsNullOrEmpty(value) ? throw new GatewayException(ErrorCodes.BadRequest, $"'{name}' is required") : value;

    static List<string> RequiredTopics(ClientFrame f) =>
        f.Topics is { Count: > 0 } topics ? topics : throw new GatewayException(ErrorCodes.BadRequest, "'topics' is required");
}
