namespace BrokerGateway.Nats.Tests.Integration;

public class SlowConsumerTests(NatsServerFixture server) : IClassFixture<NatsServerFixture>
{
    static readonly TimeSpan T = TestNats.Timeout;

    [NatsFact]
    public async Task PendingBytes_AreBoundedToo_NotOnlyTheCountOfMessages()
    {
        await using var nats = await TestNats.ConnectAsync(server.Url, o => o with { SubscriptionPendingBytesLimit = 10 * 1024 });
        var subject = Unique.Name("heavy");
        var gate = new TaskCompletionSource();
        var slow = await nats.SubscribeAsync(subject, async _ => await gate.Task).AsTask().WaitAsync(T);
        await nats.FlushAsync().WaitAsync(T);

        const int n = 100;
        var kilobyte = new byte[1024];
        for (var i = 0; i < n; i++) await nats.PublishAsync(subject, kilobyte).AsTask().WaitAsync(T);
        await nats.FlushAsync().WaitAsync(T);
        await Eventually.TrueAsync(() => slow.Delivered + slow.Pending + slow.Dropped == n, T);

        Assert.InRange(slow.Pending, 1, 10); // at most 10 KiB wait, whatever the count limit (16 384)
        Assert.True(slow.Dropped >= n - 11);
        gate.SetResult();
    }

    [NatsFact]
    public async Task ASlowHandler_DropsTheNewest_CountsAndReports_WhileTheConnectionStaysUp()
    {
        await using var nats = await TestNats.ConnectAsync(server.Url, o => o with { SubscriptionPendingLimit = 10 });
        await using var watcher = await TestNats.ConnectAsync(server.Url);
        var events = new EventLog(nats);
        var dropped = new List<NatsSlowConsumerEvent>();
        nats.MessageDropped += (_, e) => { lock (dropped) dropped.Add(e); };
        var subject = Unique.Name("slow");
        var gate = new TaskCompletionSource();
        var handled = new List<string>();
        var slow = await nats.SubscribeAsync(subject, async msg =>
        {
            await gate.Task;
            lock (handled) handled.Add(msg.Text());
        }).AsTask().WaitAsync(T);
        var everything = new MessageSink();
        await watcher.SubscribeAsync(subject, everything.Handler).AsTask().WaitAsync(T);
        await watcher.FlushAsync().WaitAsync(T);

        const int n = 2000;
        for (var i = 0; i < n; i++) await nats.PublishAsync(subject, TestNats.Bytes(i.ToString())).AsTask().WaitAsync(T);
        await everything.WaitForAsync(n);
        await nats.FlushAsync().WaitAsync(T);

        // One message sits in the handler, at most ten wait; the rest were dropped, newest first.
        Assert.Equal(n, slow.Delivered + slow.Pending + slow.Dropped);
        Assert.InRange(slow.Pending, 1, 10);
        Assert.True(slow.Dropped >= n - 11);
        await Eventually.TrueAsync(() => { lock (dropped) return dropped.Count >= 1; }, T);
        Assert.Same(slow, dropped[0].Subscription);
        Assert.Equal(10, dropped[0].PendingLimit);
        Assert.True(dropped.Count < 5, $"drop reports are rate-limited, got {dropped.Count}");

        // The read loop kept going: another subscription on the same connection is served at once.
        var other = new MessageSink();
        await nats.SubscribeAsync(subject + ".other", other.Handler).AsTask().WaitAsync(T);
        await nats.PublishAsync(subject + ".other", TestNats.Bytes("served")).AsTask().WaitAsync(T);
        await other.WaitForAsync(1);

        var kept = (int)(n - slow.Dropped);
        gate.SetResult();
        await Eventually.TrueAsync(() => { lock (handled) return handled.Count == kept; }, T);
        // What was kept arrives in publish order, starting with the first message.
        var numbers = handled.Select(int.Parse).ToList();
        Assert.Equal(0, numbers[0]);
        Assert.Equal(numbers.Order(), numbers);
        await nats.PublishAsync(subject, TestNats.Bytes("after")).AsTask().WaitAsync(T);
        await Eventually.TrueAsync(() => { lock (handled) return handled.Contains("after"); }, T);
        Assert.Equal(NatsConnectionState.Connected, nats.State);
        Assert.Equal(0, events.CountOf("Disconnected"));
    }
}
