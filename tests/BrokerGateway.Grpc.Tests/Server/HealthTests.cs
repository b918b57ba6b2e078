using BrokerGateway.Grpc.Health;
using Grpc.Health.V1;
using WireStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace BrokerGateway.Grpc.Tests.Server;

public class HealthTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task Check_of_the_whole_server_is_serving()
    {
        using var client = _server.CreateClient();
        var response = await client.UnaryAsync("/grpc.health.v1.Health/Check", new HealthCheckRequest { Service = "" }, HealthCheckResponse.Parser).WaitAsync(Limits.Await);
        Assert.Equal(WireStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Check_of_an_unknown_service_is_not_found()
    {
        using var client = _server.CreateClient();
        var ex = await Assert.ThrowsAsync<GrpcException>(() => client.UnaryAsync("/grpc.health.v1.Health/Check",
            new HealthCheckRequest { Service = Unique.Name("nope") }, HealthCheckResponse.Parser).WaitAsync(Limits.Await));
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
    }

    [Fact]
    public async Task Check_follows_what_the_gateway_sets()
    {
        using var client = _server.CreateClient();
        var name = Unique.Name("svc");
        _server.Health.Set(name, ServingStatus.NotServing);
        var response = await client.UnaryAsync("/grpc.health.v1.Health/Check", new HealthCheckRequest { Service = name }, HealthCheckResponse.Parser).WaitAsync(Limits.Await);
        Assert.Equal(WireStatus.NotServing, response.Status);
    }

    [Fact]
    public async Task Check_answers_on_the_wire_exactly_as_the_spec_shows()
    {
        using var raw = new RawGrpc(_server.Port);
        var answer = await raw.SendAsync("/grpc.health.v1.Health/Check", [0, 0, 0, 0, 0]).WaitAsync(Limits.Await);
        Assert.Equal(Convert.FromHexString("00000000020801"), answer.Body);
        Assert.Equal("0", answer.TrailerStatus);
    }

    [Fact]
    public async Task Watch_sends_the_status_at_once_and_again_on_each_change()
    {
        using var client = _server.CreateClient();
        var name = Unique.Name("svc");
        _server.Health.Set(name, ServingStatus.Serving);
        using var cts = new CancellationTokenSource(Limits.Await);
        await using var watch = client.ServerStreamingAsync("/grpc.health.v1.Health/Watch", new HealthCheckRequest { Service = name },
            HealthCheckResponse.Parser, cancellationToken: cts.Token).GetAsyncEnumerator();
        Assert.True(await watch.MoveNextAsync().AsTask().WaitAsync(Limits.Await));
        Assert.Equal(WireStatus.Serving, watch.Current.Status);
        _server.Health.Set(name, ServingStatus.NotServing);
        Assert.True(await watch.MoveNextAsync().AsTask().WaitAsync(Limits.Await));
        Assert.Equal(WireStatus.NotServing, watch.Current.Status);
    }

    [Fact]
    public async Task Watch_of_an_unknown_service_says_so_and_stays_open_until_it_appears()
    {
        using var client = _server.CreateClient();
        var name = Unique.Name("later");
        using var cts = new CancellationTokenSource(Limits.Await);
        await using var watch = client.ServerStreamingAsync("/grpc.health.v1.Health/Watch", new HealthCheckRequest { Service = name },
            HealthCheckResponse.Parser, cancellationToken: cts.Token).GetAsyncEnumerator();
        Assert.True(await watch.MoveNextAsync().AsTask().WaitAsync(Limits.Await));
        Assert.Equal(WireStatus.ServiceUnknown, watch.Current.Status);
        _server.Health.Set(name, ServingStatus.Serving);
        Assert.True(await watch.MoveNextAsync().AsTask().WaitAsync(Limits.Await));
        Assert.Equal(WireStatus.Serving, watch.Current.Status);
    }

    [Fact]
    public async Task Watch_ends_when_the_server_stops()
    {
        var server = await TestServer.StartAsync();
        using var client = server.CreateClient();
        using var cts = new CancellationTokenSource(Limits.Await);
        await using var watch = client.ServerStreamingAsync("/grpc.health.v1.Health/Watch", new HealthCheckRequest(),
            HealthCheckResponse.Parser, cancellationToken: cts.Token).GetAsyncEnumerator();
        Assert.True(await watch.MoveNextAsync().AsTask().WaitAsync(Limits.Await));
        var stop = server.DisposeAsync().AsTask();
        Assert.False(await watch.MoveNextAsync().AsTask().WaitAsync(Limits.Await));
        // Stopping did not wait out the shutdown timeout for this open stream.
        await stop.WaitAsync(TimeSpan.FromSeconds(4));
    }
}
