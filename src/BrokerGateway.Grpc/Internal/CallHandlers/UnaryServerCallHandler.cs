using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.Grpc.Internal.CallHandlers;

internal sealed class UnaryServerCallHandler<TRequest, TResponse>(
    GrpcMethodDefinition method, GrpcServerOptions options, ILogger logger,
    MessageParser<TRequest> parser, Func<TRequest, GrpcCallContext, Task<TResponse>> handler)
    : ServerCallHandlerBase(method, options, logger)
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    protected override bool StreamsRequests => false;

    protected override async Task<IMessage?> HandleCallCoreAsync(GrpcCallContext call)
    {
        var request = await GrpcRequestReader.ReadSingleAsync(call, parser);
        return await handler(request, call)
            ?? throw new InvalidOperationException($"The handler of {call.Method} returned no response message.");
    }
}
