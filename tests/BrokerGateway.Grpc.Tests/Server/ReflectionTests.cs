using BrokerGateway.Grpc.Client;
using Google.Protobuf.Reflection;
using Grpc.Reflection.V1Alpha;

namespace BrokerGateway.Grpc.Tests.Server;

public class ReflectionTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    const string Method = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";
    readonly TestServer _server = fixture.Server;

    async Task<List<ServerReflectionResponse>> AskAsync(params ServerReflectionRequest[] requests)
    {
        using var client = _server.CreateClient();
        return await client.DuplexStreamingAsync(Method, requests.ToAsyncEnumerable(), ServerReflectionResponse.Parser)
            .ToListAsync().AsTask().WaitAsync(Limits.Await);
    }

    static List<FileDescriptorProto> Files(ServerReflectionResponse response) =>
        response.FileDescriptorResponse.FileDescriptorProto.Select(FileDescriptorProto.Parser.ParseFrom).ToList();

    [Fact]
    public async Task List_services_names_every_mapped_service()
    {
        var response = Assert.Single(await AskAsync(new ServerReflectionRequest { ListServices = "*" }));
        Assert.Equal(["grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection", "test.v1.Echo"],
            response.ListServicesResponse.Service.Select(s => s.Name));
        Assert.Equal("*", response.OriginalRequest.ListServices);
    }

    [Fact]
    public async Task File_containing_symbol_returns_the_file_and_its_imports()
    {
        var response = Assert.Single(await AskAsync(new ServerReflectionRequest { FileContainingSymbol = "test.v1.Echo" }));
        var files = Files(response);
        Assert.Equal("echo.proto", files[0].Name);
        Assert.Contains(files[0].Service, s => s.Name == "Echo" && s.Method.Any(m => m.Name == "Bidi" && m.ClientStreaming && m.ServerStreaming));
        Assert.Contains(files, f => f.Name == "google/protobuf/timestamp.proto");
    }

    [Theory]
    [InlineData("test.v1.Echo.Unary")]
    [InlineData("test.v1.EchoRequest")]
    [InlineData("test.v1.EchoRequest.text")]
    [InlineData("grpc.health.v1.HealthCheckResponse.ServingStatus")]
    [InlineData("google.protobuf.Timestamp")]
    public async Task Methods_messages_fields_and_enums_are_symbols_too(string symbol)
    {
        var response = Assert.Single(await AskAsync(new ServerReflectionRequest { FileContainingSymbol = symbol }));
        Assert.NotEmpty(Files(response));
    }

    [Fact]
    public async Task File_by_filename_uses_the_standard_names()
    {
        var response = Assert.Single(await AskAsync(new ServerReflectionRequest { FileByFilename = "grpc/health/v1/health.proto" }));
        Assert.Equal("grpc.health.v1", Files(response)[0].Package);
    }

    [Fact]
    public async Task An_unknown_symbol_is_an_error_response_and_the_stream_goes_on()
    {
        var responses = await AskAsync(
            new ServerReflectionRequest { FileContainingSymbol = "no.such.Thing" },
            new ServerReflectionRequest { ListServices = "" });
        Assert.Equal((int)StatusCode.NotFound, responses[0].ErrorResponse.ErrorCode);
        Assert.NotEmpty(responses[1].ListServicesResponse.Service);
    }

    [Fact]
    public async Task Extension_queries_answer_for_known_types_and_not_found_otherwise()
    {
        var responses = await AskAsync(
            new ServerReflectionRequest { AllExtensionNumbersOfType = "test.v1.EchoRequest" },
            new ServerReflectionRequest { AllExtensionNumbersOfType = "no.Such" },
            new ServerReflectionRequest { FileContainingExtension = new ExtensionRequest { ContainingType = "test.v1.EchoRequest", ExtensionNumber = 100 } });
        Assert.Equal("test.v1.EchoRequest", responses[0].AllExtensionNumbersResponse.BaseTypeName);
        Assert.Equal((int)StatusCode.NotFound, responses[1].ErrorResponse.ErrorCode);
        Assert.Equal((int)StatusCode.NotFound, responses[2].ErrorResponse.ErrorCode);
    }
}
