using BrokerGateway.Grpc.Internal.CallHandlers;
using Google.Protobuf.Reflection;

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

/// <summary>A built service: its full name, its methods and the descriptors reflection serves for it.</summary>
public sealed class GrpcServiceDefinition
{
    internal GrpcServiceDefinition(string name, IReadOnlyList<GrpcMethodDefinition> methods,
        IReadOnlyList<FileDescriptor> descriptors)
    {
        Name = name;
        Methods = methods;
        Descriptors = descriptors;
    }

    /// <summary>The full service name from the proto, e.g. <c>api.SocketMService</c>.</summary>
    public string Name { get; }

    public IReadOnlyList<GrpcMethodDefinition> Methods { get; }

    /// <summary>The proto files given with <see cref="GrpcServiceBuilder.WithDescriptor"/>.</summary>
    public IReadOnlyList<FileDescriptor> Descriptors { get; }
}
