namespace BrokerGateway.Nats.Tests.Integration;

public class FakeServerTests
{
    static readonly TimeSpan T = TestNats.Timeout;

    public static TheoryData<string> Garbage => new()
    {
        "GARBAGE IN\r\n",
        "MSG foo 1 3\r\nhello\r\n",
        "MSG foo 1\r\n",
        "MSG foo notasid 3\r\nabc\r\n",
        "HMSG foo 1 30 10\r\n0123456789\r\n",
        "INFO {not json}\r\n",
        "PING\n",
        new string('X', 5000),
        "MSG foo 1 999999999999\r\n",
    };

    [Fact]
    public async Task AServerThatDropsEveryConnectionAfterItsHandshake_IsDialledAtMostOncePerReconnectWait()
    {
        var accepted = new System.Collections.Concurrent.ConcurrentQueue<long>();
        await using var server = new FakeNatsServer(async client =>
        {
            // When the client dialled: the handshakes themselves take varying time (the first one JIT too).
            accepted.Enqueue(System.Diagnostics.Stopwatch.GetTimestamp());
            await client.HandshakeAsync();
            client.Dispose(); // each success would reset the backoff: without a per-server wait, a loop
        });
        var wait = TimeSpan.FromMilliseconds(200);
        await using var nats = TestNats.Create(server.Url, o => o with { ReconnectWaitMin = wait, ReconnectWaitMax = wait * 2 });
        await nats.ConnectAsync().WaitAsync(T);
        await Eventually.TrueAsync(() => accepted.Count >= 4, T);

        var times = accepted.Take(4).ToArray();
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(times[0], times[3]);
        Assert.True(elapsed >= wait * 3 * 0.9, $"4 dials in {elapsed.TotalMilliseconds:F0} ms; at most one per {wait.TotalMilliseconds} ms was expected");
    }

    [Theory]
    [MemberData(nameof(Garbage))]
    public async Task AMalformedServerLine_IsAProtocolError_ThatLeadsToAReconnect(string garbage)
    {
        await using var server = new FakeNatsServer(async client =>
        {
            await client.HandshakeAsync();
            if (client.Index == 0)
            {
                await client.SendAsync(garbage);
                await client.WaitForCloseAsync();
            }
            else await client.ServeAsync();
        });
        await using var nats = TestNats.Create(server.Url);
        var events = new EventLog(nats);
        await nats.ConnectAsync().WaitAsync(T);
        await Eventually.TrueAsync(() => events.CountOf("Reconnected") == 1, T);
        var error = events.Of("Disconnected").Single().Error;
        Assert.IsType<NatsProtocolException>(error);
        Assert.Contains("protocol error", error!.Message);
        Assert.Equal(NatsConnectionState.Connected, nats.State);
        await nats.FlushAsync().WaitAsync(T);
    }

    [Fact]
    public async Task AStreamEndingMidMessage_DiscardsThePartialFrame_AndReconnects()
    {
        await using var server = new FakeNatsServer(async client =>
        {
            await client.HandshakeAsync();
            if (client.Index == 0) await client.SendAsync("MSG foo 1 100\r\nonly part of it");
            else await client.ServeAsync();
        });
        await using var nats = TestNats.Create(server.Url);
        var events = new EventLog(nats);
        await nats.ConnectAsync().WaitAsync(T);
        await Eventually.TrueAsync(() => events.CountOf("Reconnected") == 1, T);
        Assert.IsType<NatsConnectionException>(events.Of("Disconnected").Single().Error);
        await nats.FlushAsync().WaitAsync(T);
    }

    [Fact]
    public async Task ServerPings_AreAnswered()
    {
        var pongs = 0;
        await using var server = new FakeNatsServer(async client =>
        {
            await client.HandshakeAsync();
            await client.SendAsync("PING\r\nPING\r\n");
            await client.ServeAsync(line => { if (line == "PONG") Interlocked.Increment(ref pongs); });
        });
        await using var nats = await TestNats.ConnectAsync(server.Url);
        await Eventually.TrueAsync(() => Volatile.Read(ref pongs) == 2, T);
    }

    [Fact]
    public async Task ASilentServer_IsDetectedAsStale_AfterMaxPingsOut()
    {
        await using var server = new FakeNatsServer(async client =>
        {
            await client.HandshakeAsync();
            if (client.Index == 0) await client.WaitForCloseAsync(); // reads PINGs, never answers
            else await client.ServeAsync();
        });
        await using var nats = TestNats.Create(server.Url, o => o with { PingInterval = TimeSpan.FromMilliseconds(100), MaxPingsOut = 2 });
        var events = new EventLog(nats);
        await nats.ConnectAsync().WaitAsync(T);
        await Eventually.TrueAsync(() => events.CountOf("Disconnected") == 1, T);
        Assert.Contains("stale", events.Of("Disconnected")[0].Error!.Message);
        await Eventually.TrueAsync(() => nats.State == NatsConnectionState.Connected, T);
    }

    [Fact]
    public async Task AnAuthorizationErrorDuringTheHandshake_FailsConnectWithTheServerText()
    {
        await using var server = new FakeNatsServer(async client =>
        {
            await client.SendAsync("INFO {\"server_id\":\"F\",\"headers\":true,\"auth_required\":true} \r\n");
            await client.ReadLineAsync();
            await client.ReadLineAsync();
            await client.SendAsync("-ERR 'Authorization Violation'\r\n");
        });
        await using var nats = new NatsConnection(TestNats.Options(server.Url));
        var error = await Assert.ThrowsAsync<NatsConnectionException>(() => nats.ConnectAsync().WaitAsync(T));
        Assert.Contains("Authorization Violation", error.Message);
    }

    [Fact]
    public async Task AServerThatNeverAnswersTheHandshake_TimesOutTheConnect()
    {
        await using var server = new FakeNatsServer(client => client.WaitForCloseAsync());
        await using var nats = new NatsConnection(TestNats.Options(server.Url) with { ConnectTimeout = TimeSpan.FromMilliseconds(300) });
        var error = await Assert.ThrowsAsync<NatsConnectionException>(() => nats.ConnectAsync().WaitAsync(T));
        Assert.Contains("timed out", error.Message);
    }

    [Fact]
    public async Task ANonFatalServerError_IsReported_AndTheConnectionStays()
    {
        await using var server = new FakeNatsServer(async client =>
        {
            await client.HandshakeAsync();
            await client.SendAsync("-ERR 'Permissions Violation for Subscription to \"hidden\"'\r\n");
            await client.ServeAsync();
        });
        await using var nats = TestNats.Create(server.Url);
        var errors = new List<NatsErrorEvent>();
        nats.Error += (_, e) => { lock (errors) errors.Add(e); };
        await nats.ConnectAsync().WaitAsync(T);
        await Eventually.TrueAsync(() => { lock (errors) return errors.Count == 1; }, T);
        Assert.Contains("Permissions Violation", errors[0].Error.Message);
        await nats.FlushAsync().WaitAsync(T);
        Assert.Equal(NatsConnectionState.Connected, nats.State);
    }

    [Fact]
    public async Task AsyncInfoBetweenMessages_IsApplied_AndMessagesStillArrive()
    {
        await using var server = new FakeNatsServer(async client =>
        {
            await client.HandshakeAsync();
            await client.ReadLineAsync(); // SUB foo 1
            await client.SendAsync("MSG foo 1 1\r\na\r\nINFO {\"server_id\":\"F2\",\"headers\":true,\"max_payload\":2048} \r\nMSG foo 1 1\r\nb\r\n");
            await client.ServeAsync();
        });
        await using var nats = await TestNats.ConnectAsync(server.Url);
        var sink = new MessageSink();
        await nats.SubscribeAsync("foo", sink.Handler).AsTask().WaitAsync(T);
        await sink.WaitForAsync(2);
        Assert.Equal(["a", "b"], sink.Texts);
        Assert.Equal(2048, nats.ServerInfo!.MaxPayload);
    }
}
