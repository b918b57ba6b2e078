using Google.Protobuf.Reflection;

namespace BrokerGateway.Grpc;

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
