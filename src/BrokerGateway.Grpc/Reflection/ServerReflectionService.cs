using Google.Protobuf.Reflection;
using Grpc.Reflection.V1Alpha;

namespace BrokerGateway.Grpc.Reflection;

/// <summary>
/// <c>grpc.reflection.v1alpha.ServerReflection</c> (server-reflection.md): lists the services and serves
/// the descriptors given with <see cref="GrpcServiceBuilder.WithDescriptor"/>, so tools call them without
/// .proto files. It lists itself as well.
/// </summary>
public static class ServerReflectionService
{
    public const string Name = "grpc.reflection.v1alpha.ServerReflection";

    /// <param name="services">Everything mapped on the port (this service need not be among them).</param>
    public static GrpcServiceDefinition Create(IEnumerable<GrpcServiceDefinition> services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var list = services.ToArray();
        var index = new ReflectionIndex(
            list.Select(s => s.Name).Append(Name),
            list.SelectMany(s => s.Descriptors).Append(ReflectionReflection.Descriptor));
        return new GrpcServiceBuilder(Name)
            .Bidi<ServerReflectionRequest, ServerReflectionResponse>("ServerReflectionInfo", ServerReflectionRequest.Parser,
                async (requests, writer, context) =>
                {
                    await foreach (var request in requests.WithCancellation(context.CancellationToken))
                        await writer.WriteAsync(Answer(index, request));
                })
            .WithDescriptor(ReflectionReflection.Descriptor)
            .Build();
    }

    internal static ServerReflectionResponse Answer(ReflectionIndex index, ServerReflectionRequest request)
    {
        var response = new ServerReflectionResponse { ValidHost = request.Host, OriginalRequest = request };
        switch (request.MessageRequestCase)
        {
            case ServerReflectionRequest.MessageRequestOneofCase.ListServices:
                var list = new ListServiceResponse();
                list.Service.AddRange(index.Services.Select(name => new ServiceResponse { Name = name }));
                response.ListServicesResponse = list;
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileByFilename:
                SetFile(response, index.FindFile(request.FileByFilename), $"File not found: {request.FileByFilename}");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingSymbol:
                SetFile(response, index.FindSymbol(request.FileContainingSymbol), $"Symbol not found: {request.FileContainingSymbol}");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingExtension:
                var extension = request.FileContainingExtension;
                SetFile(response, index.FindExtension(extension.ContainingType, extension.ExtensionNumber),
                    $"Extension not found: {extension.ContainingType}({extension.ExtensionNumber})");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.AllExtensionNumbersOfType:
                if (index.ExtensionNumbers(request.AllExtensionNumbersOfType) is { } numbers)
                {
                    var answer = new ExtensionNumberResponse { BaseTypeName = request.AllExtensionNumbersOfType };
                    answer.ExtensionNumber.AddRange(numbers);
                    response.AllExtensionNumbersResponse = answer;
                }
                else
                {
                    SetError(response, StatusCode.NotFound, $"Type not found: {request.AllExtensionNumbersOfType}");
                }
                break;
            default:
                SetError(response, StatusCode.InvalidArgument, "The request names no reflection query.");
                break;
        }
        return response;
    }

    static void SetFile(ServerReflectionResponse response, FileDescriptor? file, string notFound)
    {
        if (file is null)
        {
            SetError(response, StatusCode.NotFound, notFound);
            return;
        }
        var files = new FileDescriptorResponse();
        files.FileDescriptorProto.AddRange(ReflectionIndex.WithDependencies(file));
        response.FileDescriptorResponse = files;
    }

    static void SetError(ServerReflectionResponse response, StatusCode code, string message) =>
        response.ErrorResponse = new ErrorResponse { ErrorCode = (int)code, ErrorMessage = message };
}
