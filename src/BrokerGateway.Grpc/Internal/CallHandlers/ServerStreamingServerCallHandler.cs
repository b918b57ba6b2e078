using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.Grpc.Internal.CallHandlers;

internal sealed class ServerStreamingServerCallHandler<TRequest, TResponse>(
    GrpcMethodDefinition method, GrpcServerOptions options, ILogger logger,
    MessageParser<TRequest> parser, Func<TRequest, IGrpcStreamWriter<TResponse>, GrpcCallContext, Task> handler)
    : ServerCallHandlerBase(method, options, logger)
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    protected override bool StreamsRequests => false;

    protected override async ValueTask<IMessage?> HandleCallCoreAsync(GrpcCallContext call)
    {
        var request = await GrpcRequestReader.ReadSingleAsync(call, parser);
        await handler(request, new ResponseStreamWriter<TResponse>(call), call);
        return null;
    }
}
