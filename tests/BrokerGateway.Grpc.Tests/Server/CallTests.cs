using BrokerGateway.Grpc.Client;
using BrokerGateway.Grpc.Tests.Echo;
using System.Threading.Channels;

namespace BrokerGateway.Grpc.Tests.Server;

public class CallTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task A_unary_call_returns_the_handlers_response()
    {
        using var client = _server.CreateClient();
        var text = Unique.Name("hello");
        var response = await client.UnaryAsync("/test.v1.Echo/Unary", new EchoRequest { Text = text }, EchoResponse.Parser).WaitAsync(Limits.Await);
        Assert.Equal(text, response.Text);
    }

    [Fact]
    public async Task A_method_name_without_the_leading_slash_works_too()
    {
        using var client = _server.CreateClient();
        var response = await client.UnaryAsync("test.v1.Echo/Unary", new EchoRequest { Text = "x" }, EchoResponse.Parser).WaitAsync(Limits.Await);
        Assert.Equal("x", response.Text);
    }

    [Fact]
    public async Task An_empty_request_and_response_message_work()
    {
        using var client = _server.CreateClient();
        var response = await client.UnaryAsync("/test.v1.Echo/Unary", new EchoRequest(), EchoResponse.Parser).WaitAsync(Limits.Await);
        Assert.Equal("", response.Text);
    }

    [Fact]
    public async Task A_unary_answer_is_headers_then_data_then_trailers_with_status_zero()
    {
        using var raw = new RawGrpc(_server.Port);
        var answer = await raw.SendAsync("/test.v1.Echo/Unary", RawGrpc.Frame(new EchoRequest { Text = "hello" })).WaitAsync(Limits.Await);
        Assert.Equal(200, answer.HttpStatus);
        Assert.Equal(new Version(2, 0), answer.Version);
        Assert.Equal("application/grpc", answer.ContentType);
        Assert.Null(answer.HeaderStatus);
        Assert.Equal("0", answer.TrailerStatus);
        Assert.Equal(RawGrpc.Frame(new EchoResponse { Text = "hello" }), answer.Body);
    }

    [Fact]
    public async Task Server_streaming_delivers_every_message_in_order()
    {
        using var client = _server.CreateClient();
        var seen = new List<int>();
        await foreach (var message in client.ServerStreamingAsync("/test.v1.Echo/ServerStream", new EchoRequest { Text = "s", Count = 50 }, EchoResponse.Parser)
                           .WithCancellation(new CancellationTokenSource(Limits.Await).Token))
            seen.Add(message.Index);
        Assert.Equal(Enumerable.Range(0, 50), seen);
    }

    [Fact]
    public async Task Server_streamed_messages_reach_the_client_before_the_call_ends()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.CreateClient();
        await using var stream = client.ServerStreamingAsync("/test.v1.Echo/ServerStream", new EchoRequest { Text = "hold", Count = 2 }, EchoResponse.Parser)
            .GetAsyncEnumerator();
        // The handler is parked after its first write until released: the first message must already be here.
        Assert.True(await stream.MoveNextAsync().AsTask().WaitAsync(Limits.Await));
        Assert.Equal(0, stream.Current.Index);
        server.Echo.ReleaseStream.SetResult();
        Assert.True(await stream.MoveNextAsync().AsTask().WaitAsync(Limits.Await));
        Assert.Equal(1, stream.Current.Index);
        Assert.False(await stream.MoveNextAsync().AsTask().WaitAsync(Limits.Await));
    }

    [Fact]
    public async Task Client_streaming_sees_every_request()
    {
        using var client = _server.CreateClient();
        var responses = await client.DuplexStreamingAsync("/test.v1.Echo/ClientStream", Requests(20, "abc"), EchoResponse.Parser)
            .ToListAsync().AsTask().WaitAsync(Limits.Await);
        var response = Assert.Single(responses);
        Assert.Equal(20, response.Index);
        Assert.Equal("60", response.Text);
    }

    [Fact]
    public async Task Bidi_answers_each_request_while_the_stream_is_open()
    {
        using var client = _server.CreateClient();
        var requests = Channel.CreateUnbounded<EchoRequest>();
        await using var responses = client.DuplexStreamingAsync("/test.v1.Echo/Bidi", requests.Reader.ReadAllAsync(), EchoResponse.Parser)
            .GetAsyncEnumerator();
        for (var i = 0; i < 5; i++)
        {
            // One request, then its answer, on the same open stream: full duplex.
            await requests.Writer.WriteAsync(new EchoRequest { Text = "ping" + i });
            Assert.True(await responses.MoveNextAsync().AsTask().WaitAsync(Limits.Await));
            Assert.Equal("ping" + i, responses.Current.Text);
            Assert.Equal(i, responses.Current.Index);
        }
        requests.Writer.Complete();
        Assert.False(await responses.MoveNextAsync().AsTask().WaitAsync(Limits.Await));
    }

    [Fact]
    public async Task A_client_stream_larger_than_kestrels_body_limit_works()
    {
        // 32 MiB in 1 MiB messages: over Kestrel's 30,000,000-byte request body default.
        using var client = _server.CreateClient();
        var chunk = new string('x', 1024 * 1024);
        var response = await client.DuplexStreamingAsync("/test.v1.Echo/ClientStream", Requests(32, chunk), EchoResponse.Parser)
            .ToListAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(32, Assert.Single(response).Index);
    }

    [Fact]
    public async Task A_handlers_status_and_message_reach_the_client_with_its_trailers()
    {
        using var client = _server.CreateClient();
        var ex = await Assert.ThrowsAsync<GrpcException>(() => client.UnaryAsync("/test.v1.Echo/Fail",
            new EchoRequest { Status = (int)StatusCode.NotFound, Text = "no such room ✓ 100%" }, EchoResponse.Parser).WaitAsync(Limits.Await));
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Equal("no such room ✓ 100%", ex.Detail);
        Assert.Contains(new KeyValuePair<string, string>("x-reason", "asked-for-it"), ex.Trailers);
        Assert.Contains(new KeyValuePair<string, string>("x-blob-bin", "AAEC/w"), ex.Trailers);
    }

    [Fact]
    public async Task An_error_before_any_message_is_a_single_trailers_only_headers_frame()
    {
        using var raw = new RawGrpc(_server.Port);
        var answer = await raw.SendAsync("/test.v1.Echo/Fail", RawGrpc.Frame(new EchoRequest { Status = 9, Text = "nope" })).WaitAsync(Limits.Await);
        Assert.Equal(200, answer.HttpStatus);
        Assert.Equal("9", answer.HeaderStatus);
        Assert.Equal("nope", answer.Message);
        Assert.Empty(answer.Trailers);
        Assert.Empty(answer.Body);
    }

    [Fact]
    public async Task An_unexpected_exception_becomes_internal_without_its_text_and_is_logged()
    {
        using var client = _server.CreateClient();
        var ex = await Assert.ThrowsAsync<GrpcException>(() => client.UnaryAsync("/test.v1.Echo/Fail",
            new EchoRequest { Status = 0 }, EchoResponse.Parser).WaitAsync(Limits.Await));
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
        Assert.DoesNotContain("hunter2", ex.Detail);
        Assert.Equal("Exception was thrown by handler.", ex.Detail);
        await Eventually.TrueAsync(() => _server.Logs.Entries.Any(e =>
            e.EventName == "ErrorExecutingServiceMethod" && e.Exception?.Message == EchoService.SecretInException));
    }

    [Fact]
    public async Task Request_metadata_reaches_the_handler_and_response_headers_come_back()
    {
        using var raw = new RawGrpc(_server.Port);
        var answer = await raw.SendAsync("/test.v1.Echo/Unary", RawGrpc.Frame(new EchoRequest()),
            headers: [("x-echo-header", "abc")]).WaitAsync(Limits.Await);
        Assert.Equal("0", answer.TrailerStatus);
        Assert.Equal("abc", answer.Headers.GetValues("x-echoed").Single());
    }

    [Theory]
    [InlineData("AAEC/w==")]
    [InlineData("AAEC/w")]
    public async Task Binary_metadata_round_trips_arbitrary_bytes_and_goes_back_unpadded(string sent)
    {
        using var raw = new RawGrpc(_server.Port);
        var answer = await raw.SendAsync("/test.v1.Echo/Unary", RawGrpc.Frame(new EchoRequest()),
            headers: [("x-data-bin", sent)]).WaitAsync(Limits.Await);
        Assert.Equal("0", answer.TrailerStatus);
        Assert.Equal("AAEC/w", answer.Headers.GetValues("x-data-bin").Single());
    }

    [Fact]
    public async Task The_handler_sees_its_method_and_the_callers_address()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.CreateClient();
        await client.UnaryAsync("/test.v1.Echo/Unary", new EchoRequest(), EchoResponse.Parser).WaitAsync(Limits.Await);
        var context = server.Echo.LastUnary!;
        Assert.Equal("/test.v1.Echo/Unary", context.Method);
        Assert.Equal("Unary", context.MethodName);
        Assert.Equal("test.v1.Echo", context.ServiceName);
        Assert.StartsWith("ipv4:127.0.0.1:", context.Peer);
        Assert.Null(context.Deadline);
        Assert.Null(context.BearerToken);
        Assert.True(context.CanBeCancelled);
    }

    [Fact]
    public async Task A_hundred_and_fifty_concurrent_calls_all_succeed()
    {
        using var client = _server.CreateClient();
        var calls = Enumerable.Range(0, 150).Select(i =>
            client.UnaryAsync("/test.v1.Echo/Unary", new EchoRequest { Text = i.ToString() }, EchoResponse.Parser));
        var responses = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Enumerable.Range(0, 150).Select(i => i.ToString()), responses.Select(r => r.Text));
    }

    static async IAsyncEnumerable<EchoRequest> Requests(int count, string text)
    {
        for (var i = 0; i < count; i++)
        {
            await Task.Yield();
            yield return new EchoRequest { Text = text };
        }
    }
}
