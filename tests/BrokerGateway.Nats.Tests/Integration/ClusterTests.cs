namespace BrokerGateway.Nats.Tests.Integration;

public class ClusterTests
{
    static readonly TimeSpan T = TestNats.Timeout;

    /// <summary>Two routed servers; <paramref name="configFor"/> may add a config file to either.</summary>
    static async Task<(ServerProcess A, ServerProcess B)> StartClusterAsync(string? configA = null)
    {
        int portA = FreePort.Next(), portB = FreePort.Next(), clusterA = FreePort.Next(), clusterB = FreePort.Next();
        string[] extraA = ["--cluster", $"nats://127.0.0.1:{clusterA}", "--routes", $"nats://127.0.0.1:{clusterB}", "--cluster_name", "bgw"];
        if (configA is not null) extraA = [.. extraA, "-c", configA];
        var a = await ServerProcess.StartNatsAsync(portA, extraA);
        var b = await ServerProcess.StartNatsAsync(portB, "--cluster", $"nats://127.0.0.1:{clusterB}", "--routes", $"nats://127.0.0.1:{clusterA}", "--cluster_name", "bgw");
        return (a, b);
    }

    [NatsFact]
    public async Task KillingTheServerInUse_MovesTheClientToTheServerItLearnedOf()
    {
        var (a, b) = await StartClusterAsync();
        await using var _a = a;
        await using var _b = b;
        await using var nats = await TestNats.ConnectAsync(a.NatsUrl);
        var events = new EventLog(nats);
        // Only A was configured; B is learned from INFO connect_urls once the route is up.
        await Eventually.TrueAsync(() => nats.ServerInfo?.ConnectUrls.Any(u => u.EndsWith($":{b.Port}")) == true, T, "B announced");
        var subject = Unique.Name("fail");
        var sink = new MessageSink();
        await nats.SubscribeAsync(subject, sink.Handler, "g").AsTask().WaitAsync(T);

        await a.KillAsync();
        await Eventually.TrueAsync(() => nats.State == NatsConnectionState.Connected && nats.ConnectedUrl == b.NatsUrl, T, "moved to B");
        await nats.FlushAsync().WaitAsync(T);
        await using var publisher = await TestNats.ConnectAsync(b.NatsUrl);
        await publisher.PublishAsync(subject, TestNats.Bytes("via B")).AsTask().WaitAsync(T);
        await sink.WaitForAsync(1);
        Assert.Equal("via B", sink.Messages[0].Text());
        await Eventually.TrueAsync(() => events.CountOf("Reconnected") == 1, T);
        Assert.Equal(b.NatsUrl, events.Of("Reconnected")[0].ServerUrl);
    }

    [NatsFact]
    public async Task AServerEnteringLameDuckMode_IsLeftBeforeItCloses()
    {
        // The grace period keeps A serving its clients for 20 s after it announces lame duck mode: a client that
        // only reacted to A closing would still be on A when the assertion below times out.
        var config = Path.Combine(Path.GetTempPath(), $"nats-ldm-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(config, "lame_duck_duration: \"30s\"\nlame_duck_grace_period: \"20s\"\n");
        try
        {
            var (a, b) = await StartClusterAsync(config);
            await using var _a = a;
            await using var _b = b;
            await using var nats = await TestNats.ConnectAsync(a.NatsUrl);
            await Eventually.TrueAsync(() => nats.ServerInfo?.ConnectUrls.Any(u => u.EndsWith($":{b.Port}")) == true, T, "B announced");
            var subject = Unique.Name("ldm");
            var sink = new MessageSink();
            await nats.SubscribeAsync(subject, sink.Handler).AsTask().WaitAsync(T);
            await nats.FlushAsync().WaitAsync(T);

            a.Signal("USR2");
            await Eventually.TrueAsync(() => nats.State == NatsConnectionState.Connected && nats.ConnectedUrl == b.NatsUrl, TimeSpan.FromSeconds(10), "moved to B");
            Assert.True(a.IsRunning, "A should still be in its grace period");
            await nats.FlushAsync().WaitAsync(T);
            await using var publisher = await TestNats.ConnectAsync(b.NatsUrl);
            await publisher.PublishAsync(subject, TestNats.Bytes("after ldm")).AsTask().WaitAsync(T);
            await sink.WaitForAsync(1);
        }
        finally
        {
            File.Delete(config);
        }
    }
}
