using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.Grpc.Internal.CallHandlers;

internal sealed class ClientStreamingServerCallHandler<TRequest, TResponse>(
    GrpcMethodDefinition method, GrpcServerOptions options, ILogger logger,
    MessageParser<TRequest> parser, Func<IAsyncEnumerable<TRequest>, GrpcCallContext, Task<TResponse>> handler)
    : ServerCallHandlerBase(method, options, logger)
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    protected override bool StreamsRequests => true;

    protected override async ValueTask<IMessage?> HandleCallCoreAsync(GrpcCallContext call) =>
        await handler(GrpcRequestReader.ReadStream(call, parser), call)
        ?? throw new InvalidOperationException($"The handler of {call.Method} returned no response message.");
}
