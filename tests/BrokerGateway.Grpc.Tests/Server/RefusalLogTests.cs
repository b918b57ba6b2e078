using System.Net;
using BrokerGateway.Grpc.Tests.Echo;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.Grpc.Tests.Server;

/// <summary>A backend that keeps making the same wrong call is logged at Debug, with one Warning per reason per minute.</summary>
public class RefusalLogTests
{
    const string Token = "api-token-for-tests";

    static IEnumerable<LogSink.Entry> Warnings(TestServer server) => server.Logs.Entries.Where(e => e.EventName == "CallsRefused");

    static async Task CallWithWrongTokenAsync(TestServer server)
    {
        using var client = server.CreateClient("wrong");
        var ex = await Assert.ThrowsAsync<GrpcException>(() => client.UnaryAsync("/test.v1.Echo/Unary", new EchoRequest(), EchoResponse.Parser).WaitAsync(Limits.Await));
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
    }

    [Fact]
    public async Task Repeated_refusals_are_debug_with_one_warning_per_reason_per_minute()
    {
        var clock = new ManualTimeProvider();
        await using var server = await TestServer.StartAsync(new GrpcServerOptions { BearerToken = Token, TimeProvider = clock });

        for (var i = 0; i < 3; i++) await CallWithWrongTokenAsync(server);

        Assert.Equal(3, server.Logs.Entries.Count(e => e.EventName == "Unauthenticated" && e.Level == LogLevel.Debug));
        var first = Assert.Single(Warnings(server));
        Assert.Equal(LogLevel.Warning, first.Level);
        Assert.Contains("Unauthenticated", first.Message, StringComparison.Ordinal);

        // Another reason gets its own warning at once.
        using (var client = server.CreateClient(Token))
            await Assert.ThrowsAsync<GrpcException>(() => client.UnaryAsync("/test.v1.Echo/Nope", new EchoRequest(), EchoResponse.Parser).WaitAsync(Limits.Await));
        Assert.Single(Warnings(server), e => e.Message.Contains("UnimplementedMethod", StringComparison.Ordinal));

        clock.Advance(TimeSpan.FromSeconds(59));
        await CallWithWrongTokenAsync(server);
        Assert.Equal(2, Warnings(server).Count());

        clock.Advance(TimeSpan.FromSeconds(1));
        await CallWithWrongTokenAsync(server);
        var again = Warnings(server).Last();
        Assert.Contains("Unauthenticated", again.Message, StringComparison.Ordinal);
        Assert.StartsWith("4 call(s) refused", again.Message, StringComparison.Ordinal); // the three held back, and this one
        Assert.DoesNotContain(server.Logs.Entries, e => e.Category.StartsWith("BrokerGateway.Grpc", StringComparison.Ordinal) && e.Level == LogLevel.Information);
    }

    [Fact]
    public async Task A_wrong_content_type_is_debug_and_warned_of_once()
    {
        await using var server = await TestServer.StartAsync();
        using var http = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        for (var i = 0; i < 2; i++)
        {
            using var response = await http.PostAsync(new Uri(server.Address, "/test.v1.Echo/Unary"), new StringContent("{}", System.Text.Encoding.UTF8, "application/json")).WaitAsync(Limits.Await);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        }

        Assert.Equal(2, server.Logs.Entries.Count(e => e.EventName == "UnsupportedContentType" && e.Level == LogLevel.Debug));
        var warning = Assert.Single(Warnings(server));
        Assert.Contains("content type 'application/json; charset=utf-8'", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Many_calls_with_a_malformed_grpc_timeout_each_get_internal_with_at_most_one_warning()
    {
        var clock = new ManualTimeProvider(); // stands still: the 50 calls fall within one minute however slow the machine
        await using var server = await TestServer.StartAsync(new GrpcServerOptions { TimeProvider = clock });
        using var raw = new RawGrpc(server.Port);

        for (var i = 0; i < 50; i++)
        {
            var answer = await raw.SendAsync("/test.v1.Echo/Unary", RawGrpc.Frame(new EchoRequest()), headers: [("grpc-timeout", "soon")]).WaitAsync(Limits.Await);
            Assert.Equal(200, answer.HttpStatus);
            Assert.Equal("13", answer.Status);
            Assert.Equal("Malformed grpc-timeout 'soon'.", answer.Message);
        }

        Assert.Equal(50, server.Logs.Entries.Count(e => e.EventName == "InvalidTimeout" && e.Level == LogLevel.Debug));
        var warning = Assert.Single(server.Logs.Entries, e => e.Category.StartsWith("BrokerGateway.Grpc", StringComparison.Ordinal) && e.Level >= LogLevel.Warning);
        Assert.Equal("CallsRefused", warning.EventName);
        Assert.Contains("InvalidTimeout", warning.Message, StringComparison.Ordinal);
        Assert.Contains("grpc-timeout 'soon' for '/test.v1.Echo/Unary'", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Logs.Entries, e => e.Category.StartsWith("BrokerGateway.Grpc", StringComparison.Ordinal) && e.Level == LogLevel.Information);
    }
}
