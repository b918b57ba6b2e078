namespace BrokerGateway.Nats.Tests.Integration;

public class ReconnectTests
{
    static readonly TimeSpan T = TestNats.Timeout;

    [NatsFact]
    public async Task AfterAServerRestart_SubscriptionsResume_BufferedPublishesArrive_AndEventsAreRaised()
    {
        await using var server = await ServerProcess.StartNatsAsync();
        await using var nats = await TestNats.ConnectAsync(server.NatsUrl);
        var events = new EventLog(nats);
        var subject = Unique.Name("restart");
        var plain = new MessageSink();
        var queued = new MessageSink();
        await nats.SubscribeAsync(subject, plain.Handler).AsTask().WaitAsync(T);
        await nats.SubscribeAsync(subject + ".q", queued.Handler, "workers").AsTask().WaitAsync(T);
        await nats.PublishAsync(subject, TestNats.Bytes("before")).AsTask().WaitAsync(T);
        await plain.WaitForAsync(1);

        await server.KillAsync();
        await Eventually.TrueAsync(() => nats.State == NatsConnectionState.Reconnecting, T);
        for (var i = 0; i < 100; i++) await nats.PublishAsync(subject, TestNats.Bytes($"buffered{i}")).AsTask().WaitAsync(T);
        await nats.PublishAsync(subject + ".q", TestNats.Bytes("to-queue")).AsTask().WaitAsync(T);
        await server.StartAsync();

        await plain.WaitForAsync(101);
        await queued.WaitForAsync(1);
        Assert.Equal(["before", .. Enumerable.Range(0, 100).Select(i => $"buffered{i}")], plain.Texts);
        await Eventually.TrueAsync(() => events.CountOf("Reconnected") == 1, T);
        Assert.Equal(["Disconnected", "Reconnected"], events.Names);
        Assert.NotNull(events.Of("Disconnected")[0].Error);
        Assert.Equal(NatsConnectionState.Connected, nats.State);

        await nats.PublishAsync(subject, TestNats.Bytes("after")).AsTask().WaitAsync(T);
        await plain.WaitForAsync(102);
    }

    [NatsFact]
    public async Task WhileDisconnected_AFullReconnectBuffer_RejectsPublishes()
    {
        await using var server = await ServerProcess.StartNatsAsync();
        await using var nats = await TestNats.ConnectAsync(server.NatsUrl, o => o with { ReconnectBufferBytes = 4096 });
        await server.KillAsync();
        await Eventually.TrueAsync(() => nats.State == NatsConnectionState.Reconnecting, T);
        // Each command is "PUB buf.x 1000\r\n" + 1000 bytes + "\r\n" = 1018 bytes: four fit in 4096, the fifth does not.
        var payload = new byte[1000];
        for (var i = 0; i < 4; i++) await nats.PublishAsync("buf.x", payload).AsTask().WaitAsync(T);
        var error = Assert.Throws<NatsReconnectBufferFullException>(() => nats.PublishAsync("buf.x", payload));
        Assert.Equal(4 * 1018, error.BufferedBytes);
        Assert.Equal(4096, error.Limit);
        Assert.Contains("4096", error.Message);
        // Flush needs a live connection.
        await Assert.ThrowsAsync<NatsConnectionException>(() => nats.FlushAsync().WaitAsync(T));
    }

    [NatsFact]
    public async Task WhileDisconnected_ACheckedPublishFailsAtOnce_AndIsNotKeptToBeSentLater()
    {
        await using var server = await ServerProcess.StartNatsAsync();
        await using var nats = await TestNats.ConnectAsync(server.NatsUrl, o => o with { ReconnectBufferBytes = 100 });
        await server.KillAsync();
        await Eventually.TrueAsync(() => nats.State == NatsConnectionState.Reconnecting, T);

        await Assert.ThrowsAsync<NatsConnectionException>(() => nats.PublishCheckedAsync("checked.x", new byte[40]));
        // Nothing of it waits in the reconnect buffer: a plain publish of 76 bytes still fits in its 100.
        await nats.PublishAsync("buf.x", new byte[60]).AsTask().WaitAsync(T);

        var flush = nats.FlushAsync(); // a failure is the task's, not the call's
        await Assert.ThrowsAsync<NatsConnectionException>(() => flush.WaitAsync(T));
    }

    [NatsFact]
    public async Task WhileDisconnected_SubscriptionsThatEnd_TakeNoRoomInTheReconnectBuffer()
    {
        await using var server = await ServerProcess.StartNatsAsync();
        await using var nats = await TestNats.ConnectAsync(server.NatsUrl, o => o with { ReconnectBufferBytes = 100 });
        var before = await nats.SubscribeAsync("churn.before", _ => ValueTask.CompletedTask);
        await nats.FlushAsync().WaitAsync(T);
        await server.KillAsync();
        await Eventually.TrueAsync(() => nats.State == NatsConnectionState.Reconnecting, T);

        // Clients come and go during an outage: the server forgot every subscription with the connection, so
        // ending one owes it nothing, however many there are.
        await before.DisposeAsync();
        for (var i = 0; i < 1000; i++)
        {
            var subscription = await nats.SubscribeAsync($"churn.{i}", _ => ValueTask.CompletedTask);
            await subscription.DisposeAsync();
        }

        // The buffer is still free for what it is for: a publish of 76 bytes fits in its 100.
        await nats.PublishAsync("buf.x", new byte[60]).AsTask().WaitAsync(T);
    }

    [NatsFact]
    public async Task AnUnsubscribeLimit_SurvivesAReconnect_AsTheRemainingCount()
    {
        await using var server = await ServerProcess.StartNatsAsync();
        await using var nats = await TestNats.ConnectAsync(server.NatsUrl);
        var subject = Unique.Name("maxre");
        var sink = new MessageSink();
        var subscription = await nats.SubscribeAsync(subject, sink.Handler).AsTask().WaitAsync(T);
        await subscription.UnsubscribeAsync(afterMessages: 5).AsTask().WaitAsync(T);
        for (var i = 0; i < 3; i++) await nats.PublishAsync(subject, TestNats.Bytes($"a{i}")).AsTask().WaitAsync(T);
        await sink.WaitForAsync(3);

        await server.KillAsync();
        await server.StartAsync();
        await Eventually.TrueAsync(() => nats.State == NatsConnectionState.Connected && nats.ServerInfo is not null, T);
        await nats.FlushAsync().WaitAsync(T);
        await using var other = await TestNats.ConnectAsync(server.NatsUrl);
        for (var i = 0; i < 10; i++) await other.PublishAsync(subject, TestNats.Bytes($"b{i}")).AsTask().WaitAsync(T);
        await other.FlushAsync().WaitAsync(T);
        await sink.WaitForAsync(5);
        await nats.FlushAsync().WaitAsync(T);
        Assert.Equal(["a0", "a1", "a2", "b0", "b1"], sink.Texts);
        Assert.Equal(0, nats.SubscriptionCount);
    }

    [NatsFact]
    public async Task WhenReconnectAttemptsRunOut_TheConnectionCloses()
    {
        await using var server = await ServerProcess.StartNatsAsync();
        await using var nats = await TestNats.ConnectAsync(server.NatsUrl, o => o with { MaxReconnectAttempts = 3 });
        var events = new EventLog(nats);
        var pending = nats.RequestAsync(Unique.Name("never"), TestNats.Bytes("x"), timeout: TimeSpan.FromSeconds(60));
        await server.KillAsync();
        await Eventually.TrueAsync(() => nats.State == NatsConnectionState.Closed, T);
        await Eventually.TrueAsync(() => events.CountOf("Closed") == 1, T);
        Assert.Equal(["Disconnected", "Closed"], events.Names);
        Assert.Contains("3 reconnect attempts", events.Of("Closed")[0].Error!.Message);
        await Assert.ThrowsAnyAsync<NatsException>(() => pending.WaitAsync(T));
    }

    [NatsFact]
    public async Task ARequestMadeWhileDisconnected_IsAnsweredAfterTheReconnect()
    {
        await using var server = await ServerProcess.StartNatsAsync();
        // One connection for both sides: its replay puts the responder's SUB (and the inbox) before the buffered request.
        await using var requester = await TestNats.ConnectAsync(server.NatsUrl);
        var responder = requester;
        var subject = Unique.Name("rere");
        await responder.SubscribeAsync(subject, msg => msg.ReplyAsync(msg.Data)).AsTask().WaitAsync(T);
        Assert.Equal("1", (await requester.RequestAsync(subject, TestNats.Bytes("1")).WaitAsync(T)).Text());
        await server.KillAsync();
        await Eventually.TrueAsync(() => requester.State == NatsConnectionState.Reconnecting, T);
        var request = requester.RequestAsync(subject, TestNats.Bytes("2"), timeout: TimeSpan.FromSeconds(10));
        await server.StartAsync();
        Assert.Equal("2", (await request.WaitAsync(T)).Text());
    }
}
