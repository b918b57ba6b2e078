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

    protected override ValueTask<IMessage?> HandleCallCoreAsync(GrpcCallContext call)
    {
        var read = GrpcRequestReader.ReadSingleAsync(call, parser);
        if (read.IsCompletedSuccessfully)
        {
            var handled = handler(read.Result, call);
            if (handled.IsCompletedSuccessfully) return new ValueTask<IMessage?>(Checked(handled.Result, call));
            return AwaitHandlerAsync(handled, call);
        }
        return ReadThenHandleAsync(read, call);
    }

    async ValueTask<IMessage?> ReadThenHandleAsync(ValueTask<TRequest> read, GrpcCallContext call) =>
        Checked(await handler(await read, call), call);

    static async ValueTask<IMessage?> AwaitHandlerAsync(Task<TResponse> handled, GrpcCallContext call) =>
        Checked(await handled, call);

    static IMessage Checked(TResponse? response, GrpcCallContext call) =>
        response ?? throw new InvalidOperationException($"The handler of {call.Method} returned no response message.");
}
