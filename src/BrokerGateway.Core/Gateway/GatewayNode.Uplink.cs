using BrokerGateway.Core.Broker;
using BrokerGateway.Core.Connections;

namespace BrokerGateway.Core.Gateway;

public sealed partial class GatewayNode
{
    /// <summary>Headers that tell a business worker who sent an uplink message or RPC.</summary>
    public static class UplinkHeaders
    {
        public const string Conn = "Bgw-Conn";
        public const string Uid = "Bgw-Uid";
        public const string Nsp = "Bgw-Nsp";
        public const string Node = "Bgw-Node";
        public const string Seq = "Bgw-Seq";
        public const string Event = "Bgw-Event";
    }

    MessageHeaders UplinkHeadersFor(ClientConnection connection, string? @event = null)
    {
        var headers = new MessageHeaders()
            .Add(UplinkHeaders.Conn, connection.Id)
            .Add(UplinkHeaders.Nsp, connection.Nsp)
            .Add(UplinkHeaders.Node, NodeId)
            .Add(UplinkHeaders.Seq, connection.NextSequence().ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (connection.Uid is { } uid) headers.Add(UplinkHeaders.Uid, uid);
        if (@event is not null) headers.Add(UplinkHeaders.Event, @event);
        return headers;
    }

    /// <summary>
    /// A client's message for the business side: published on <c>bgw.&lt;nsp&gt;.events.message</c>, the
    /// payload as the client sent it, who sent it in headers.
    /// </summary>
    public async Task SendUplinkAsync(ClientConnection connection, string @event, ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        try
        {
            await Broker.PublishAsync(Subjects.Events(connection.Nsp, "message"), data, UplinkHeadersFor(connection, @event), ct: ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new GatewayException(ErrorCodes.Unavailable, "the message could not be handed to the business side; retry");
        }
    }

    /// <summary>A client's RPC: a request on <c>bgw.&lt;nsp&gt;.rpc.&lt;method&gt;</c>, answered by one worker.</summary>
    public async Task<BrokerMessage> RequestFromClientAsync(ClientConnection connection, string method, ReadOnlyMemory<byte> data, TimeSpan timeout, CancellationToken ct = default)
    {
        try
        {
            return await Broker.RequestAsync(Subjects.Rpc(connection.Nsp, method), data, UplinkHeadersFor(connection), timeout, ct);
        }
        catch (NoRespondersException)
        {
            throw new GatewayException(ErrorCodes.NoResponders, $"no worker serves '{method}'");
        }
        catch (RequestTimeoutException)
        {
            throw new GatewayException(ErrorCodes.Timeout, $"no reply to '{method}' within {timeout.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is not OperationCanceledException and not GatewayException)
        {
            throw new GatewayException(ErrorCodes.Unavailable, "the request could not reach the business side; retry");
        }
    }
}
