namespace BrokerGateway.Grpc;

/// <summary>The four gRPC call shapes: whether each side sends one message or a stream.</summary>
public enum GrpcMethodType
{
    Unary,
    ClientStreaming,
    ServerStreaming,
    DuplexStreaming,
}
