using BrokerGateway.Grpc.Health;
using BrokerGateway.Grpc.Tests.Echo;
using Grpc.Health.V1;

namespace BrokerGateway.Grpc.Tests.Server;

public class AuthTests : IAsyncLifetime
{
    const string Token = "api-token-for-tests";
    TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(new GrpcServerOptions { BearerToken = Token });
    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(null)]
    [InlineData("wrong")]
    [InlineData("api-token-for-test")]
    public async Task A_missing_or_wrong_token_is_unauthenticated(string? token)
    {
        using var client = _server.CreateClient(token);
        var ex = await Assert.ThrowsAsync<GrpcException>(() => client.UnaryAsync("/test.v1.Echo/Unary", new EchoRequest(), EchoResponse.Parser).WaitAsync(Limits.Await));
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
        Assert.Null(_server.Echo.LastUnary);
    }

    [Fact]
    public async Task The_right_token_gets_in_and_the_handler_sees_who_called()
    {
        using var client = _server.CreateClient(Token);
        var response = await client.UnaryAsync("/test.v1.Echo/Unary", new EchoRequest { Text = "in" }, EchoResponse.Parser).WaitAsync(Limits.Await);
        Assert.Equal("in", response.Text);
        Assert.Equal(Token, _server.Echo.LastUnary!.BearerToken);
        Assert.Equal("api-client", _server.Echo.LastUnary.UserName);
    }

    [Fact]
    public async Task Health_needs_no_token_by_default()
    {
        using var client = _server.CreateClient();
        var response = await client.UnaryAsync("/grpc.health.v1.Health/Check", new HealthCheckRequest(), HealthCheckResponse.Parser).WaitAsync(Limits.Await);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Health_can_be_protected_too()
    {
        await using var server = await TestServer.StartAsync(new GrpcServerOptions { BearerToken = Token, UnauthenticatedServices = new HashSet<string>() });
        using var client = server.CreateClient();
        var ex = await Assert.ThrowsAsync<GrpcException>(() => client.UnaryAsync("/grpc.health.v1.Health/Check", new HealthCheckRequest(), HealthCheckResponse.Parser).WaitAsync(Limits.Await));
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
    }

    [Fact]
    public async Task An_unknown_method_is_unimplemented_before_auth_is_asked()
    {
        using var client = _server.CreateClient();
        var ex = await Assert.ThrowsAsync<GrpcException>(() => client.UnaryAsync("/test.v1.Echo/Nope", new EchoRequest(), EchoResponse.Parser).WaitAsync(Limits.Await));
        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }
}
