using BrokerGateway.Grpc.Client;
using BrokerGateway.Grpc.Tests.Echo;

namespace BrokerGateway.Grpc.Tests.Server;

public class DeadlineAndCancellationTests
{
    [Fact]
    public async Task A_deadline_that_expires_ends_the_call_deadline_exceeded_and_cancels_the_handler()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.CreateClient();
        var ex = await Assert.ThrowsAsync<GrpcException>(() => client.UnaryAsync("/test.v1.Echo/Slow", new EchoRequest(), EchoResponse.Parser,
            TimeSpan.FromMilliseconds(200)).WaitAsync(Limits.Await));
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        await server.Echo.SlowCancelled.Task.WaitAsync(Limits.Await);
        var context = await server.Echo.SlowStarted.Task.WaitAsync(Limits.Await);
        Assert.NotNull(context);
    }

    [Fact]
    public async Task The_server_sends_deadline_exceeded_in_trailers_when_the_caller_has_no_timer_of_its_own()
    {
        // A raw client that waits as long as it takes: the status must come from the server's timer.
        await using var server = await TestServer.StartAsync();
        using var raw = new RawGrpc(server.Port);
        var answer = await raw.SendAsync("/test.v1.Echo/Slow", RawGrpc.Frame(new EchoRequest()), headers: [("grpc-timeout", "100m")])
            .WaitAsync(Limits.Await);
        Assert.Equal("4", answer.Status);
        await server.Echo.SlowCancelled.Task.WaitAsync(Limits.Await);
    }

    [Fact]
    public async Task A_handler_that_ignores_its_token_still_ends_deadline_exceeded_on_time()
    {
        await using var server = await TestServer.StartAsync();
        using var raw = new RawGrpc(server.Port);
        var answer = await raw.SendAsync("/test.v1.Echo/Slow", RawGrpc.Frame(new EchoRequest { Text = "ignore-token" }),
            headers: [("grpc-timeout", "100m")]).WaitAsync(Limits.Await);
        Assert.Equal("4", answer.Status);
        // The handler finishes later; its response must not go out after the status.
        server.Echo.ReleaseSlow.SetResult();
        using var client = server.CreateClient();
        Assert.Equal("ok", (await client.UnaryAsync("/test.v1.Echo/Unary", new EchoRequest { Text = "ok" }, EchoResponse.Parser).WaitAsync(Limits.Await)).Text);
        Assert.DoesNotContain(server.Logs.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
    }

    [Theory]
    [InlineData("1n")]
    [InlineData("0m")]
    [InlineData("1u")]
    public async Task A_timeout_that_is_already_over_ends_the_call_deadline_exceeded(string timeout)
    {
        await using var server = await TestServer.StartAsync();
        using var raw = new RawGrpc(server.Port);
        var answer = await raw.SendAsync("/test.v1.Echo/Slow", RawGrpc.Frame(new EchoRequest()), headers: [("grpc-timeout", timeout)])
            .WaitAsync(Limits.Await);
        Assert.Equal("4", answer.Status);
    }

    [Theory]
    [InlineData("99999999H")]
    [InlineData("99999999M")]
    public async Task A_timeout_past_the_last_date_is_no_deadline(string timeout)
    {
        await using var server = await TestServer.StartAsync();
        using var raw = new RawGrpc(server.Port);
        var answer = await raw.SendAsync("/test.v1.Echo/Unary", RawGrpc.Frame(new EchoRequest { Text = "far" }), headers: [("grpc-timeout", timeout)])
            .WaitAsync(Limits.Await);
        Assert.Equal("0", answer.Status);
        Assert.DoesNotContain(server.Logs.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
    }

    [Fact]
    public async Task The_client_takes_timeouts_longer_than_a_timer_can_wait()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.CreateClient();
        foreach (var timeout in new[] { TimeSpan.FromDays(60), TimeSpan.MaxValue })
            Assert.Equal("far", (await client.UnaryAsync("/test.v1.Echo/Unary", new EchoRequest { Text = "far" }, EchoResponse.Parser, timeout)
                .WaitAsync(Limits.Await)).Text);
        var far = new GrpcCallOptions { Deadline = DateTimeOffset.MaxValue };
        Assert.Equal("far", (await client.UnaryAsync("/test.v1.Echo/Unary", new EchoRequest { Text = "far" }, EchoResponse.Parser, far)
            .WaitAsync(Limits.Await)).Text);
    }

    [Fact]
    public async Task A_deadline_reached_while_the_caller_is_not_reading_resets_the_stream_with_cancel()
    {
        await using var server = await TestServer.StartAsync();
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{server.Port}/test.v1.Echo/ServerStream")
        {
            Version = System.Net.HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            // Far more than the flow-control windows hold: the server's writes block until the caller reads.
            Content = new ByteArrayContent(RawGrpc.Frame(new EchoRequest { Text = new string('x', 1024), Count = 10_000 })),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.TryAddWithoutValidation("grpc-timeout", "300m");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Limits.Await);
        await Eventually.TrueAsync(() => server.Logs.Entries.Any(e => e.EventName == "DeadlineExceeded"), because: "the deadline passes while nothing is read");

        // Now read: what was sent, then the reset. INTERNAL_ERROR would tell the caller the server failed.
        var body = await response.Content.ReadAsStreamAsync();
        var failure = await Assert.ThrowsAnyAsync<Exception>(async () => { while (await body.ReadAsync(new byte[65536]).AsTask().WaitAsync(Limits.Await) > 0) { } });
        var reset = Assert.IsType<HttpProtocolException>(failure is HttpProtocolException ? failure : failure.InnerException);
        Assert.Equal(8, reset.ErrorCode); // CANCEL
    }

    [Fact]
    public async Task The_deadline_follows_the_injected_clock()
    {
        var clock = new ManualTimeProvider();
        await using var server = await TestServer.StartAsync(new GrpcServerOptions { TimeProvider = clock });
        using var raw = new RawGrpc(server.Port);
        var call = raw.SendAsync("/test.v1.Echo/Slow", RawGrpc.Frame(new EchoRequest()), headers: [("grpc-timeout", "1H")]);
        var context = await server.Echo.SlowStarted.Task.WaitAsync(Limits.Await);
        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromHours(1), context.Deadline);
        Assert.False(call.IsCompleted);
        clock.Advance(TimeSpan.FromMinutes(59));
        Assert.False(server.Echo.SlowCancelled.Task.IsCompleted);
        clock.Advance(TimeSpan.FromMinutes(1));
        var answer = await call.WaitAsync(Limits.Await);
        Assert.Equal("4", answer.Status);
        await server.Echo.SlowCancelled.Task.WaitAsync(Limits.Await);
        await Eventually.TrueAsync(() => clock.TimerCount == 0, because: "the call's timer is disposed when it ends");
    }

    [Fact]
    public async Task A_call_that_ends_in_time_leaves_no_timer_behind()
    {
        var clock = new ManualTimeProvider();
        await using var server = await TestServer.StartAsync(new GrpcServerOptions { TimeProvider = clock });
        using var client = server.CreateClient();
        var response = await client.UnaryAsync("/test.v1.Echo/Unary", new EchoRequest { Text = "quick" }, EchoResponse.Parser,
            TimeSpan.FromSeconds(30)).WaitAsync(Limits.Await);
        Assert.Equal("quick", response.Text);
        Assert.Equal(0, clock.TimerCount);
    }

    [Fact]
    public async Task A_deadline_already_over_fails_at_once_without_calling()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.CreateClient();
        var ex = await Assert.ThrowsAsync<GrpcException>(() => client.UnaryAsync("/test.v1.Echo/Slow", new EchoRequest(), EchoResponse.Parser,
            new GrpcCallOptions { Deadline = DateTimeOffset.UtcNow.AddSeconds(-1) }).WaitAsync(Limits.Await));
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.False(server.Echo.SlowStarted.Task.IsCompleted);
    }

    [Fact]
    public async Task Cancelling_the_caller_reaches_the_handlers_token()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.CreateClient();
        using var cts = new CancellationTokenSource();
        var call = client.UnaryAsync("/test.v1.Echo/Slow", new EchoRequest(), EchoResponse.Parser, cancellationToken: cts.Token);
        await server.Echo.SlowStarted.Task.WaitAsync(Limits.Await);
        cts.Cancel();
        var ex = await Assert.ThrowsAsync<GrpcException>(() => call.WaitAsync(Limits.Await));
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        await server.Echo.SlowCancelled.Task.WaitAsync(Limits.Await);
        await Eventually.TrueAsync(() => server.Logs.Entries.Any(e => e.EventName == "CallCancelled"));
        Assert.DoesNotContain(server.Logs.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
    }

    [Fact]
    public async Task Leaving_a_server_stream_early_cancels_the_handler()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.CreateClient();
        await using (var stream = client.ServerStreamingAsync("/test.v1.Echo/ServerStream", new EchoRequest { Text = "hold", Count = 2 }, EchoResponse.Parser)
                         .GetAsyncEnumerator())
        {
            Assert.True(await stream.MoveNextAsync().AsTask().WaitAsync(Limits.Await));
        }
        // The handler waits on ReleaseStream with its call token: the reset must cancel that wait.
        await Eventually.TrueAsync(() => server.Logs.Entries.Any(e => e.EventName == "CallCancelled"));
    }
}
