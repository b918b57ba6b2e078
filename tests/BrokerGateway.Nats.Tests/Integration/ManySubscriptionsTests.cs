using System.Diagnostics;

namespace BrokerGateway.Nats.Tests.Integration;

/// <summary>Alone, so that no other test's threads change the process's thread count meanwhile.</summary>
[CollectionDefinition(nameof(ThreadCountCollection), DisableParallelization = true)]
public class ThreadCountCollection;

[Collection(nameof(ThreadCountCollection))]
public class ManySubscriptionsTests(NatsServerFixture server) : IClassFixture<NatsServerFixture>
{
    static readonly TimeSpan T = TestNats.Timeout;

    [NatsFact]
    public async Task AHundredThousandSubscriptions_AddNoThreads_AndAllWork()
    {
        await using var nats = await TestNats.ConnectAsync(server.Url);
        var prefix = Unique.Name("many");
        var received = 0;
        NatsMsgHandler handler = _ =>
        {
            Interlocked.Increment(ref received);
            return default;
        };
        // Warm up the paths (thread pool, timers) before counting.
        await nats.SubscribeAsync(prefix + ".warm", handler).AsTask().WaitAsync(T);
        await nats.PublishAsync(prefix + ".warm", TestNats.Bytes("w")).AsTask().WaitAsync(T);
        await Eventually.TrueAsync(() => Volatile.Read(ref received) == 1, T);
        var threadsBefore = Process.GetCurrentProcess().Threads.Count;

        const int n = 100_000;
        var subscriptions = new NatsSubscription[n];
        for (var i = 0; i < n; i++) subscriptions[i] = await nats.SubscribeAsync($"{prefix}.s{i}", handler).AsTask().WaitAsync(T);
        await nats.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));
        for (var i = 0; i < n; i += 10) await nats.PublishAsync($"{prefix}.s{i}", TestNats.Bytes("x")).AsTask().WaitAsync(T);
        await Eventually.TrueAsync(() => Volatile.Read(ref received) == 1 + n / 10, TimeSpan.FromSeconds(60));

        var threadsAfter = Process.GetCurrentProcess().Threads.Count;
        // Against a thread per subscription (100,000): the thread pool may still add a few dozen workers of its
        // own while the machine is busy (other tests run in this process), which says nothing about subscriptions.
        Assert.True(threadsAfter <= threadsBefore + 64, $"threads went from {threadsBefore} to {threadsAfter}");
        Assert.Equal(n + 1, nats.SubscriptionCount);
        await Eventually.TrueAsync(() => subscriptions[0].Delivered == 1, T);
        Assert.Equal(0, subscriptions[1].Delivered);
    }
}
