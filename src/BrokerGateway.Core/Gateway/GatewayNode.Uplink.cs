using BrokerGateway.Core.Broker;
using BrokerGateway.Core.Connections;

namespace BrokerGateway.Core.Gateway;

/// <summary>Headers of a worker's RPC reply that make it an error for the client.</summary>
public static class RpcErrorHeaders
{
    public const string Code = "Bgw-Error";
    public const string Message = "Bgw-Error-Message";
}

public sealed partial class GatewayNode
{
    /// <summary>Headers that tell a business worker who sent an RPC.</summary>
    public static class UplinkHeaders
    {
        public const string Conn = "Bgw-Conn";
        public const string Uid = "Bgw-Uid";
        public const string Nsp = "Bgw-Nsp";
        public const string Node = "Bgw-Node";
        public const string Seq = "Bgw-Seq";
    }

    MessageHeaders UplinkHeadersFor(ClientConnection connection)
    {
        var headers = new MessageHeaders()
            .Add(UplinkHeaders.Conn, connection.Id)
            .Add(UplinkHeaders.Nsp, connection.Nsp)
            .Add(UplinkHeaders.Node, NodeId)
            // The seq of the connection's latest event: an RPC takes no number of its own, so the events a
            // worker orders by seq have no gaps, and the RPC can still be placed among them.
            .Add(UplinkHeaders.Seq, connection.LastSequence.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (connection.Uid is { } uid) headers.Add(UplinkHeaders.Uid, uid);
        return headers;
    }

    /// <summary>A client's RPC: a request on <c>bgw.&lt;nsp&gt;.rpc.&lt;method&gt;</c>, answered by one worker.</summary>
    public async Task<BrokerMessage> RequestFromClientAsync(ClientConnection connection, string method, ReadOnlyMemory<byte> data, TimeSpan timeout, CancellationToken ct = default)
    {
        try
        {
            var reply = await Broker.RequestAsync(Subjects.Rpc(connection.Nsp, method), data, UplinkHeadersFor(connection), timeout, ct);
            if (reply.Headers?[RpcErrorHeaders.Code] is { } code)
                throw new GatewayException(code, reply.Headers[RpcErrorHeaders.Message] ?? "the worker refused the request");
            return reply;
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
