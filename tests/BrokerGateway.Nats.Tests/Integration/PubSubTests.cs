namespace BrokerGateway.Nats.Tests.Integration;

public class PubSubTests(NatsServerFixture server) : IClassFixture<NatsServerFixture>
{
    static readonly TimeSpan T = TestNats.Timeout;

    [NatsFact]
    public async Task Publish_ReachesSubscriber_WithSubjectReplyAndData()
    {
        await using var nats = await TestNats.ConnectAsync(server.Url);
        var subject = Unique.Name("pub");
        var sink = new MessageSink();
        await nats.SubscribeAsync(subject, sink.Handler).AsTask().WaitAsync(T);
        await nats.PublishAsync(subject, TestNats.Bytes("hello"), replyTo: "some.reply").AsTask().WaitAsync(T);
        await sink.WaitForAsync(1);
        var msg = sink.Messages[0];
        Assert.Equal(subject, msg.Subject);
        Assert.Equal("some.reply", msg.ReplyTo);
        Assert.Equal("hello", msg.Text());
        Assert.Null(msg.Headers);
        Assert.Same(nats, msg.Connection);
    }

    [NatsFact]
    public async Task Payloads_EmptyWithCrlfAndOneMebibyte_ArriveIntact()
    {
        await using var nats = await TestNats.ConnectAsync(server.Url);
        var subject = Unique.Name("pay");
        var sink = new MessageSink();
        await nats.SubscribeAsync(subject, sink.Handler).AsTask().WaitAsync(T);
        var big = new byte[1024 * 1024];
        Random.Shared.NextBytes(big);
        await nats.PublishAsync(subject, ReadOnlyMemory<byte>.Empty).AsTask().WaitAsync(T);
        await nats.PublishAsync(subject, TestNats.Bytes("a\r\nb\r\n")).AsTask().WaitAsync(T);
        await nats.PublishAsync(subject, big).AsTask().WaitAsync(T);
        await sink.WaitForAsync(3);
        Assert.True(sink.Messages[0].Data.IsEmpty);
        Assert.Equal("a\r\nb\r\n", sink.Messages[1].Text());
        Assert.True(sink.Messages[2].Data.Span.SequenceEqual(big));
    }

    [NatsFact]
    public async Task WildcardSubscriptions_EachReceiveTheirOwnCopy()
    {
        await using var nats = await TestNats.ConnectAsync(server.Url);
        var root = Unique.Name("wild");
        var star = new MessageSink();
        var tail = new MessageSink();
        await nats.SubscribeAsync(root + ".*", star.Handler).AsTask().WaitAsync(T);
        await nats.SubscribeAsync(root + ".>", tail.Handler).AsTask().WaitAsync(T);
        await nats.PublishAsync(root + ".a", TestNats.Bytes("1")).AsTask().WaitAsync(T);
        await nats.PublishAsync(root + ".a.b", TestNats.Bytes("2")).AsTask().WaitAsync(T);
        await tail.WaitForAsync(2);
        await star.WaitForAsync(1);
        await nats.FlushAsync().WaitAsync(T);
        Assert.Equal(["1"], star.Texts);
        Assert.Equal([root + ".a", root + ".a.b"], tail.Messages.Select(m => m.Subject));
    }

    [NatsFact]
    public async Task Messages_ReachTheHandlerInOrder_OneAtATime()
    {
        await using var nats = await TestNats.ConnectAsync(server.Url);
        var subject = Unique.Name("order");
        var inside = 0;
        var overlapped = false;
        var seen = new List<int>();
        await nats.SubscribeAsync(subject, async msg =>
        {
            if (Interlocked.Increment(ref inside) != 1) overlapped = true;
            await Task.Yield();
            seen.Add(int.Parse(msg.Text()));
            Interlocked.Decrement(ref inside);
        }).AsTask().WaitAsync(T);
        for (var i = 0; i < 2000; i++) await nats.PublishAsync(subject, TestNats.Bytes(i.ToString())).AsTask().WaitAsync(T);
        await Eventually.TrueAsync(() => Volatile.Read(ref inside) == 0 && seen.Count == 2000, T);
        Assert.False(overlapped);
        Assert.Equal(Enumerable.Range(0, 2000), seen);
    }

    [NatsFact]
    public async Task QueueGroup_OfTwoSubscribers_GetsEachMessageExactlyOnce()
    {
        await using var nats = await TestNats.ConnectAsync(server.Url);
        await using var other = await TestNats.ConnectAsync(server.Url);
        var subject = Unique.Name("queue");
        var a = new MessageSink();
        var b = new MessageSink();
        var bystander = new MessageSink();
        await nats.SubscribeAsync(subject, a.Handler, "workers").AsTask().WaitAsync(T);
        await other.SubscribeAsync(subject, b.Handler, "workers").AsTask().WaitAsync(T);
        await other.SubscribeAsync(subject, bystander.Handler).AsTask().WaitAsync(T);
        await other.FlushAsync().WaitAsync(T);
        const int n = 1000;
        for (var i = 0; i < n; i++) await nats.PublishAsync(subject, TestNats.Bytes(i.ToString())).AsTask().WaitAsync(T);
        await bystander.WaitForAsync(n);
        await Eventually.TrueAsync(() => a.Count + b.Count >= n, T);
        await nats.FlushAsync().WaitAsync(T);
        await other.FlushAsync().WaitAsync(T);
        var all = a.Texts.Concat(b.Texts).Select(int.Parse).Order().ToList();
        Assert.Equal(Enumerable.Range(0, n), all);
        Assert.True(a.Count > 0 && b.Count > 0, $"load was not shared: {a.Count} / {b.Count}");
    }

    [NatsFact]
    public async Task Unsubscribe_StopsDelivery()
    {
        await using var nats = await TestNats.ConnectAsync(server.Url);
        var subject = Unique.Name("unsub");
        var sink = new MessageSink();
        var subscription = await nats.SubscribeAsync(subject, sink.Handler).AsTask().WaitAsync(T);
        await nats.PublishAsync(subject, TestNats.Bytes("before")).AsTask().WaitAsync(T);
        await sink.WaitForAsync(1);
        await subscription.UnsubscribeAsync().AsTask().WaitAsync(T);
        await nats.PublishAsync(subject, TestNats.Bytes("after")).AsTask().WaitAsync(T);
        await nats.FlushAsync().WaitAsync(T);
        // A marker on a second subscription proves the "after" message had its chance to arrive.
        var marker = new MessageSink();
        await nats.SubscribeAsync(subject + ".m", marker.Handler).AsTask().WaitAsync(T);
        await nats.PublishAsync(subject + ".m", TestNats.Bytes("m")).AsTask().WaitAsync(T);
        await marker.WaitForAsync(1);
        Assert.Equal(["before"], sink.Texts);
        Assert.Equal(0, nats.SubscriptionCount - 1);
    }

    [NatsFact]
    public async Task UnsubscribeAfterN_DeliversExactlyN()
    {
        await using var nats = await TestNats.ConnectAsync(server.Url);
        var subject = Unique.Name("max");
        var sink = new MessageSink();
        var subscription = await nats.SubscribeAsync(subject, sink.Handler).AsTask().WaitAsync(T);
        await subscription.UnsubscribeAsync(afterMessages: 5).AsTask().WaitAsync(T);
        for (var i = 0; i < 20; i++) await nats.PublishAsync(subject, TestNats.Bytes(i.ToString())).AsTask().WaitAsync(T);
        await nats.FlushAsync().WaitAsync(T);
        await sink.WaitForAsync(5);
        await Eventually.TrueAsync(() => nats.SubscriptionCount == 0, T);
        Assert.Equal(["0", "1", "2", "3", "4"], sink.Texts);
        // Delivered is brought up to date once per chunk of messages, just after the handler calls.
        await Eventually.TrueAsync(() => subscription.Delivered == 5, T);
    }

    [NatsFact]
    public async Task NoEcho_KeepsOwnPublishesAway_ButOthersArrive()
    {
        await using var nats = await TestNats.ConnectAsync(server.Url, o => o with { NoEcho = true });
        await using var other = await TestNats.ConnectAsync(server.Url);
        var subject = Unique.Name("echo");
        var sink = new MessageSink();
        await nats.SubscribeAsync(subject, sink.Handler).AsTask().WaitAsync(T);
        await nats.FlushAsync().WaitAsync(T);
        await nats.PublishAsync(subject, TestNats.Bytes("own")).AsTask().WaitAsync(T);
        await other.PublishAsync(subject, TestNats.Bytes("other")).AsTask().WaitAsync(T);
        await sink.WaitForAsync(1);
        await nats.FlushAsync().WaitAsync(T);
        Assert.Equal(["other"], sink.Texts);
    }

    [NatsFact]
    public async Task ManySmallPublishes_LeaveInFewSocketWrites()
    {
        var counter = new CountingTransportFactory();
        await using var nats = await TestNats.ConnectAsync(server.Url, o => o with { TransportFactory = counter });
        var before = counter.Sends;
        const int n = 20_000;
        for (var i = 0; i < n; i++)
        {
            var pending = nats.PublishAsync("coalesce.x", TestNats.Bytes("x"));
            if (!pending.IsCompletedSuccessfully) await pending.AsTask().WaitAsync(T);
        }
        await nats.FlushAsync().WaitAsync(T);
        var writes = counter.Sends - before;
        Assert.True(writes < n / 5, $"{n} publishes took {writes} socket writes");
    }

    [NatsFact]
    public async Task AHandlerThatThrows_IsReported_AndLaterMessagesStillArrive()
    {
        await using var nats = await TestNats.ConnectAsync(server.Url);
        var subject = Unique.Name("throw");
        var errors = new List<NatsErrorEvent>();
        nats.Error += (_, e) => { lock (errors) errors.Add(e); };
        var sink = new MessageSink();
        await nats.SubscribeAsync(subject, msg => msg.Text() == "bad" ? throw new InvalidOperationException("boom") : sink.Handler(msg)).AsTask().WaitAsync(T);
        await nats.PublishAsync(subject, TestNats.Bytes("bad")).AsTask().WaitAsync(T);
        await nats.PublishAsync(subject, TestNats.Bytes("good")).AsTask().WaitAsync(T);
        await sink.WaitForAsync(1);
        await Eventually.TrueAsync(() => { lock (errors) return errors.Count == 1; }, T);
        Assert.Equal("boom", errors[0].Error.Message);
        Assert.Equal(NatsConnectionState.Connected, nats.State);
    }

    [NatsFact]
    public async Task ServerInfo_IsKnownAfterConnect()
    {
        await using var nats = await TestNats.ConnectAsync(server.Url);
        Assert.Equal(NatsConnectionState.Connected, nats.State);
        Assert.NotNull(nats.ServerInfo);
        Assert.Equal(1024 * 1024, nats.ServerInfo.MaxPayload);
        Assert.False(string.IsNullOrEmpty(nats.ServerInfo.ServerId));
        Assert.StartsWith("2.", nats.ServerInfo.Version);
        Assert.Equal(server.Url, nats.ConnectedUrl);
    }

    [NatsFact]
    public async Task Drain_DeliversWhatIsQueued_ThenCloses()
    {
        var nats = await TestNats.ConnectAsync(server.Url);
        var events = new EventLog(nats);
        var subject = Unique.Name("drain");
        var gate = new TaskCompletionSource();
        var handled = 0;
        await nats.SubscribeAsync(subject, async _ =>
        {
            await gate.Task;
            Interlocked.Increment(ref handled);
        }).AsTask().WaitAsync(T);
        for (var i = 0; i < 50; i++) await nats.PublishAsync(subject, TestNats.Bytes("x")).AsTask().WaitAsync(T);
        await nats.FlushAsync().WaitAsync(T);
        var drain = nats.DrainAsync().AsTask();
        gate.SetResult();
        await drain.WaitAsync(T);
        Assert.Equal(50, Volatile.Read(ref handled));
        Assert.Equal(NatsConnectionState.Closed, nats.State);
        await Eventually.TrueAsync(() => events.CountOf("Closed") == 1, T);
        await Assert.ThrowsAsync<NatsConnectionException>(() => nats.PublishAsync(subject, TestNats.Bytes("late")).AsTask());
        await nats.DisposeAsync().AsTask().WaitAsync(T);
        await nats.DisposeAsync().AsTask().WaitAsync(T);
    }

    [NatsFact]
    public async Task UsingAConnectionBeforeConnect_FailsClearly()
    {
        await using var nats = new NatsConnection(TestNats.Options(server.Url));
        var error = Assert.Throws<NatsConnectionException>(() => nats.PublishAsync("x", TestNats.Bytes("x")));
        Assert.Contains("ConnectAsync", error.Message);
        Assert.Throws<NatsConnectionException>(() => nats.SubscribeAsync("x", _ => default));
    }

    [NatsFact]
    public async Task ConnectAsync_WithNoServerListening_ThrowsNamingTheServer()
    {
        var port = FreePort.Next();
        await using var nats = new NatsConnection(TestNats.Options($"nats://127.0.0.1:{port}"));
        var error = await Assert.ThrowsAsync<NatsConnectionException>(() => nats.ConnectAsync().WaitAsync(T));
        Assert.Contains($"127.0.0.1:{port}", error.Message);
        Assert.Equal(NatsConnectionState.Closed, nats.State);
    }

    [NatsFact]
    public async Task InvalidSubjects_AreRejectedBeforeAnythingIsSent()
    {
        await using var nats = await TestNats.ConnectAsync(server.Url);
        Assert.Throws<NatsSubjectException>(() => nats.PublishAsync("foo.*", TestNats.Bytes("x")));
        Assert.Throws<NatsSubjectException>(() => nats.PublishAsync("foo bar", TestNats.Bytes("x")));
        Assert.Throws<NatsSubjectException>(() => nats.PublishAsync("foo", TestNats.Bytes("x"), replyTo: "bad..reply"));
        Assert.Throws<NatsSubjectException>(() => nats.SubscribeAsync("foo..bar", _ => default));
        Assert.Throws<NatsSubjectException>(() => nats.SubscribeAsync("foo", _ => default, "bad queue"));
        await Assert.ThrowsAsync<NatsSubjectException>(() => nats.RequestAsync("a.>", TestNats.Bytes("x")));
        await nats.FlushAsync().WaitAsync(T);
        Assert.Equal(NatsConnectionState.Connected, nats.State);
    }
}
