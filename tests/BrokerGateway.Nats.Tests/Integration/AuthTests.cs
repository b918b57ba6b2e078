namespace BrokerGateway.Nats.Tests.Integration;

public class AuthTests
{
    static readonly TimeSpan T = TestNats.Timeout;

    [NatsFact]
    public async Task UserAndPassword_FromTheUrlOrTheOptions_AreAccepted()
    {
        await using var server = await ServerProcess.StartNatsAsync(null, "--user", "alice", "--pass", "s3cret");
        await using (var fromUrl = await TestNats.ConnectAsync($"nats://alice:s3cret@127.0.0.1:{server.Port}"))
        {
            Assert.True(fromUrl.ServerInfo!.AuthRequired);
            await fromUrl.FlushAsync().WaitAsync(T);
        }
        await using var fromOptions = await TestNats.ConnectAsync(server.NatsUrl, o => o with { User = "alice", Password = "s3cret" });
        await fromOptions.FlushAsync().WaitAsync(T);
    }

    [NatsFact]
    public async Task AToken_FromTheUrlOrTheOptions_IsAccepted()
    {
        await using var server = await ServerProcess.StartNatsAsync(null, "--auth", "t0ken");
        await using (var fromUrl = await TestNats.ConnectAsync($"nats://t0ken@127.0.0.1:{server.Port}"))
            await fromUrl.FlushAsync().WaitAsync(T);
        await using var fromOptions = await TestNats.ConnectAsync(server.NatsUrl, o => o with { Token = "t0ken" });
        await fromOptions.FlushAsync().WaitAsync(T);
    }

    [NatsFact]
    public async Task WrongCredentials_FailConnect_WithTheServersReason()
    {
        await using var server = await ServerProcess.StartNatsAsync(null, "--user", "alice", "--pass", "s3cret");
        await using var nats = TestNats.Create(server.NatsUrl, o => o with { User = "alice", Password = "wrong" });
        var error = await Assert.ThrowsAsync<NatsConnectionException>(() => nats.ConnectAsync().WaitAsync(T));
        Assert.Contains("Authorization Violation", error.Message);
        Assert.Equal(NatsConnectionState.Closed, nats.State);
    }

    [NatsFact]
    public async Task WhenTheServerComesBackWithOtherCredentials_ReconnectingStopsAfterRepeatedRefusals()
    {
        var port = FreePort.Next();
        await using var open = await ServerProcess.StartNatsAsync(port);
        await using var nats = TestNats.Create(open.NatsUrl);
        var events = new EventLog(nats);
        await nats.ConnectAsync().WaitAsync(T);
        await open.KillAsync();
        await using var locked = await ServerProcess.StartNatsAsync(port, "--user", "someone", "--pass", "else");
        await Eventually.TrueAsync(() => nats.State == NatsConnectionState.Closed, T);
        await Eventually.TrueAsync(() => events.CountOf("Closed") == 1, T);
        Assert.Contains("authorization", events.Of("Closed")[0].Error!.Message, StringComparison.OrdinalIgnoreCase);
    }
}
