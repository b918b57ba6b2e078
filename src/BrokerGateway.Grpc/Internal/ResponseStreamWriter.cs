using Google.Protobuf;

namespace BrokerGateway.Grpc.Internal;

internal sealed class ResponseStreamWriter<T>(GrpcCallContext call) : IGrpcStreamWriter<T> where T : class, IMessage<T>
{
    public Task WriteAsync(T message, CancellationToken cancellationToken = default) =>
        call.WriteStreamMessageAsync(message, cancellationToken);
}
