using System.Net.Sockets;
using System.Text;
using BrokerGateway.Grpc.Tests.Echo;

namespace BrokerGateway.Grpc.Tests.Server;

/// <summary>A fake client sends what no well-behaved client would; the server answers the right status and keeps serving.</summary>
public class HostileInputTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    readonly TestServer _server = fixture.Server;
    readonly RawGrpc _raw = new(fixture.Server.Port);

    public void Dispose() => _raw.Dispose();

    async Task AssertStillServesAsync()
    {
        using var client = _server.CreateClient();
        var text = Unique.Name("after");
        var response = await client.UnaryAsync("/test.v1.Echo/Unary", new EchoRequest { Text = text }, EchoResponse.Parser).WaitAsync(Limits.Await);
        Assert.Equal(text, response.Text);
    }

    async Task<RawGrpc.Answer> SendAsync(string path, byte[] body, string contentType = "application/grpc", params (string, string)[] headers) =>
        await _raw.SendAsync(path, body, contentType, headers).WaitAsync(Limits.Await);

    [Fact]
    public async Task An_oversize_length_prefix_is_refused_before_the_body_arrives()
    {
        // The prefix declares 256 MiB and the body then hangs: the answer must not wait for it.
        var answer = await _raw.SendAsync("/test.v1.Echo/Unary", new HangingContent([0, 0x10, 0, 0, 0])).WaitAsync(Limits.Await);
        Assert.Equal("8", answer.Status);
        Assert.Contains("maximum", answer.Message);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task A_message_cut_off_by_the_end_of_the_request_is_internal()
    {
        var frame = RawGrpc.Frame(new EchoRequest { Text = "truncated" });
        var answer = await SendAsync("/test.v1.Echo/Unary", frame[..^3]);
        Assert.Equal("13", answer.Status);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task A_prefix_cut_off_by_the_end_of_the_request_is_internal()
    {
        var answer = await SendAsync("/test.v1.Echo/Unary", [0, 0, 0]);
        Assert.Equal("13", answer.Status);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Bytes_that_are_not_protobuf_are_internal()
    {
        var answer = await SendAsync("/test.v1.Echo/Unary", RawGrpc.Frame([0x0a, 0xff, 0xff]));
        Assert.Equal("13", answer.Status);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task A_unary_request_with_no_message_is_unimplemented()
    {
        var answer = await SendAsync("/test.v1.Echo/Unary", []);
        Assert.Equal("12", answer.Status);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task A_unary_request_with_two_messages_is_unimplemented()
    {
        var frame = RawGrpc.Frame(new EchoRequest { Text = "one" });
        var answer = await SendAsync("/test.v1.Echo/Unary", [.. frame, .. frame]);
        Assert.Equal("12", answer.Status);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task A_compressed_message_is_internal_without_an_encoding_and_unimplemented_with_one()
    {
        var compressed = RawGrpc.Frame([1, 2, 3], flag: 1);
        Assert.Equal("13", (await SendAsync("/test.v1.Echo/Unary", compressed)).Status);
        var gzip = await SendAsync("/test.v1.Echo/Unary", compressed, "application/grpc", ("grpc-encoding", "gzip"));
        Assert.Equal("12", gzip.Status);
        Assert.Equal("identity", gzip.Headers.GetValues("grpc-accept-encoding").Single());
        await AssertStillServesAsync();
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    [InlineData("application/grpc+json")]
    public async Task A_wrong_content_type_gets_415_with_status_internal(string contentType)
    {
        var answer = await SendAsync("/test.v1.Echo/Unary", RawGrpc.Frame(new EchoRequest()), contentType);
        Assert.Equal(415, answer.HttpStatus);
        Assert.Equal("13", answer.HeaderStatus);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task A_get_request_gets_405_with_status_internal()
    {
        var answer = await _raw.SendAsync("/test.v1.Echo/Unary", [], method: HttpMethod.Get).WaitAsync(Limits.Await);
        Assert.Equal(405, answer.HttpStatus);
        Assert.Equal("13", answer.HeaderStatus);
        await AssertStillServesAsync();
    }

    [Theory]
    [InlineData("/test.v1.Nope/Unary", "Service is unimplemented.")]
    [InlineData("/test.v1.Echo/Nope", "Method is unimplemented.")]
    [InlineData("/test.v1.echo/unary", "Service is unimplemented.")]
    [InlineData("/", "Service is unimplemented.")]
    [InlineData("/just-one-segment", "Service is unimplemented.")]
    public async Task An_unknown_path_gets_200_and_trailers_only_unimplemented(string path, string message)
    {
        var answer = await SendAsync(path, RawGrpc.Frame(new EchoRequest()));
        Assert.Equal(200, answer.HttpStatus);
        Assert.Equal("12", answer.HeaderStatus);
        Assert.Equal(message, answer.Message);
        await AssertStillServesAsync();
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("123456789S")]
    [InlineData("10s")]
    public async Task A_malformed_grpc_timeout_is_internal(string timeout)
    {
        var answer = await SendAsync("/test.v1.Echo/Unary", RawGrpc.Frame(new EchoRequest()), "application/grpc", ("grpc-timeout", timeout));
        Assert.Equal("13", answer.Status);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Http11_to_the_http2_only_port_is_refused_by_kestrel_and_the_port_keeps_serving()
    {
        var response = await RawHttp11Async(_server.Port);
        Assert.StartsWith("HTTP/1.1 400", response);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Http11_reaching_the_grpc_endpoint_gets_426_with_status_internal()
    {
        await using var server = await TestServer.StartAsync(withHttp1Port: true);
        var response = await RawHttp11Async(server.Http1Port!.Value);
        Assert.StartsWith("HTTP/1.1 426", response);
        Assert.Contains("grpc-status: 13", response, StringComparison.OrdinalIgnoreCase);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Garbage_instead_of_an_http2_preface_does_not_hurt_the_server()
    {
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync("127.0.0.1", _server.Port).WaitAsync(Limits.Await);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Enumerable.Range(0, 4096).Select(i => (byte)(i * 31)).ToArray()).AsTask().WaitAsync(Limits.Await);
            // Kestrel closes such a connection; read until it does.
            var buffer = new byte[4096];
            while (await ReadOrZeroAsync(stream, buffer) > 0) { }
        }
        await AssertStillServesAsync();
    }

    static async Task<int> ReadOrZeroAsync(NetworkStream stream, byte[] buffer)
    {
        try { return await stream.ReadAsync(buffer).AsTask().WaitAsync(Limits.Await); }
        catch (IOException) { return 0; }
    }

    static async Task<string> RawHttp11Async(int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port).WaitAsync(Limits.Await);
        var stream = tcp.GetStream();
        var body = RawGrpc.Frame(new EchoRequest { Text = "h1" });
        var head = $"POST /test.v1.Echo/Unary HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/grpc\r\nTE: trailers\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head)).AsTask().WaitAsync(Limits.Await);
        await stream.WriteAsync(body).AsTask().WaitAsync(Limits.Await);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await ReadOrZeroAsync(stream, buffer)) > 0) received.Write(buffer, 0, read);
        return Encoding.ASCII.GetString(received.ToArray());
    }
}
