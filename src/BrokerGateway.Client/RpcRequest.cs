namespace BrokerGateway.Client;

/// <summary>A client's RPC as a worker sees it: who asked, and the payload it sent.</summary>
public sealed record RpcRequest(string Method, string Conn, string? Uid, string Nsp, string Node, ReadOnlyMemory<byte> Data);

/// <summary>Thrown by an RPC handler to answer the client with an error; any other exception answers <c>internal</c>.</summary>
public sealed class RpcException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
