using BrokerGateway.Grpc.Client;
using Google.Protobuf;

namespace BrokerGateway.Client;

/// <summary>
/// The <c>bgw.v1.Gateway</c> gRPC service (docs/api.md) from a backend: one typed method per RPC
/// (GatewayApiClient.Methods.cs, generated from the proto), over HTTP/2 with the API bearer token.
/// Failures are <see cref="BrokerGateway.Grpc.GrpcException"/> with the gRPC status.
/// </summary>
public sealed partial class GatewayApiClient(Uri address, string? apiToken = null) : IDisposable
{
    const string Service = "/bgw.v1.Gateway/";
    readonly GrpcClient _client = new(address, apiToken);

    Task<TResponse> Call<TRequest, TResponse>(string method, TRequest request, MessageParser<TResponse> parser, TimeSpan? timeout, CancellationToken ct)
        where TRequest : IMessage<TRequest> where TResponse : IMessage<TResponse> =>
        _client.UnaryAsync(Service + method, request, parser, timeout, ct);

    IAsyncEnumerable<TResponse> Stream<TRequest, TResponse>(string method, TRequest request, MessageParser<TResponse> parser, CancellationToken ct)
        where TRequest : IMessage<TRequest> where TResponse : IMessage<TResponse> =>
        _client.ServerStreamingAsync(Service + method, request, parser, cancellationToken: ct);

    public void Dispose() => _client.Dispose();
}
