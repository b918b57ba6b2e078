using BrokerGateway.Grpc.Internal.CallHandlers;

namespace BrokerGateway.Grpc;

/// <summary>One method of a <see cref="GrpcServiceDefinition"/>, reachable at <see cref="Path"/>.</summary>
public sealed class GrpcMethodDefinition
{
    internal GrpcMethodDefinition(string serviceName, string name, GrpcMethodType type, Type requestType,
        Type responseType, Func<GrpcMethodDefinition, GrpcServerOptions, Microsoft.Extensions.Logging.ILogger, ServerCallHandlerBase> createHandler)
    {
        ServiceName = serviceName;
        Name = name;
        Type = type;
        RequestType = requestType;
        ResponseType = responseType;
        Path = "/" + serviceName + "/" + name;
        CreateHandler = createHandler;
    }

    public string ServiceName { get; }
    public string Name { get; }

    /// <summary>The HTTP/2 <c>:path</c> of the method: <c>/package.Service/Method</c>.</summary>
    public string Path { get; }

    public GrpcMethodType Type { get; }
    public Type RequestType { get; }
    public Type ResponseType { get; }

    internal Func<GrpcMethodDefinition, GrpcServerOptions, Microsoft.Extensions.Logging.ILogger, ServerCallHandlerBase> CreateHandler { get; }
}
