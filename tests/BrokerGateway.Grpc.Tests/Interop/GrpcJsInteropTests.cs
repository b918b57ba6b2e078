namespace BrokerGateway.Grpc.Tests.Interop;

/// <summary>@grpc/grpc-js, a gRPC implementation nobody here wrote, calls our server unchanged.</summary>
public class GrpcJsInteropTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    readonly TestServer _server = fixture.Server;

    async Task AssertCaseAsync(string name)
    {
        Assert.Null(NodeInterop.Missing);
        var (exitCode, output) = await NodeInterop.RunAsync(_server.Port, name);
        Assert.True(exitCode == 0, output);
        Assert.Contains($"ok {name}", output);
    }

    [NodeFact] public Task Grpc_js_makes_a_unary_call() => AssertCaseAsync("unary");
    [NodeFact] public Task Grpc_js_reads_a_server_stream() => AssertCaseAsync("server-stream");
    [NodeFact] public Task Grpc_js_sends_a_client_stream() => AssertCaseAsync("client-stream");
    [NodeFact] public Task Grpc_js_talks_full_duplex() => AssertCaseAsync("bidi");
    [NodeFact] public Task Grpc_js_sees_deadline_exceeded_when_its_deadline_expires() => AssertCaseAsync("deadline");
    [NodeFact] public Task Grpc_js_reads_status_message_and_trailers() => AssertCaseAsync("status");
    [NodeFact] public Task Grpc_js_sees_unimplemented_for_unknown_methods_and_services() => AssertCaseAsync("unimplemented");
    [NodeFact] public Task Grpc_js_checks_and_watches_health() => AssertCaseAsync("health");
    [NodeFact] public Task Grpc_js_lists_services_and_calls_one_from_reflected_descriptors() => AssertCaseAsync("reflection");
}
