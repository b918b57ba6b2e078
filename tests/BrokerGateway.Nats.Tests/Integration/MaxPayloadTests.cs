namespace BrokerGateway.Nats.Tests.Integration;

/// <summary>A server configured with <c>max_payload: 1024</c> (digest §9).</summary>
public sealed class SmallPayloadServerFixture : IAsyncLifetime
{
    ServerProcess? _server;
    string? _config;
    public string Url { get; private set; } = "";

    public async Task InitializeAsync()
    {
        if (Servers.NatsSkipReason is not null) return;
        _config = Path.Combine(Path.GetTempPath(), $"nats-maxpayload-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(_config, "max_payload: 1024\n");
        _server = await ServerProcess.StartNatsAsync(null, "-c", _config);
        Url = _server.NatsUrl;
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        if (_config is not null) File.Delete(_config);
    }
}

public class MaxPayloadTests(SmallPayloadServerFixture server) : IClassFixture<SmallPayloadServerFixture>
{
    static readonly TimeSpan T = TestNats.Timeout;

    [NatsFact]
    public async Task APublishOverMaxPayload_IsRejectedLocally_NamingBothSizes_AndTheConnectionStays()
    {
        await using var nats = await TestNats.ConnectAsync(server.Url);
        Assert.Equal(1024, nats.ServerInfo!.MaxPayload);
        var subject = Unique.Name("max");
        var sink = new MessageSink();
        await nats.SubscribeAsync(subject, sink.Handler).AsTask().WaitAsync(T);
        var error = Assert.Throws<NatsMaxPayloadException>(() => nats.PublishAsync(subject, new byte[1025]));
        Assert.Contains("1025", error.Message);
        Assert.Contains("1024", error.Message);
        Assert.Equal((1025, 1024), (error.Size, error.MaxPayload));
        await nats.PublishAsync(subject, new byte[1024]).AsTask().WaitAsync(T);
        await sink.WaitForAsync(1);
        Assert.Equal(1024, sink.Messages[0].Data.Length);
        Assert.Equal(NatsConnectionState.Connected, nats.State);
    }

    [NatsFact]
    public async Task HeadersCountTowardsMaxPayload()
    {
        await using var nats = await TestNats.ConnectAsync(server.Url);
        var headers = new NatsHeaders().Add("K", "v");
        var error = Assert.Throws<NatsMaxPayloadException>(() => nats.PublishAsync("x.y", new byte[1010], headers));
        Assert.True(error.Size > 1024);
        await Assert.ThrowsAsync<NatsMaxPayloadException>(() => nats.RequestAsync("x.y", new byte[2000]));
        await nats.FlushAsync().WaitAsync(T);
        Assert.Equal(NatsConnectionState.Connected, nats.State);
    }
}
