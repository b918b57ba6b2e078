using System.Diagnostics;
using NATS.Client;

namespace BrokerGateway.Bench.Nats;

/// <summary>NATS.Client 0.8.0, used the way its README shows.</summary>
sealed class TheirClient : IBenchClient
{
    public string Name => "NATS.Client 0.8.0";

    static IConnection Connect(string url) => new ConnectionFactory().CreateConnection(url);

    public Task<double> PublishOnlyAsync(string url, string subject, byte[] payload, int count)
    {
        using var nats = Connect(url);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++) nats.Publish(subject, payload);
        nats.Flush();
        var seconds = clock.Elapsed.TotalSeconds;
        nats.Close();
        return Task.FromResult(seconds);
    }

    public async Task<Delivery> PublishSubscribeAsync(string url, string subject, byte[] payload, int count, int window)
    {
        using var subscriber = Connect(url);
        using var publisher = Connect(url);
        long received = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = subscriber.SubscribeAsync(subject, (_, _) =>
        {
            if (Interlocked.Increment(ref received) == count) done.TrySetResult();
        });
        // As ours: room for every message, so neither side drops.
        subscription.SetPendingLimits(count, 1L << 31);
        subscriber.Flush();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        var flowing = true;
        for (var i = 0; i < count; i++)
        {
            if (flowing && i - Volatile.Read(ref received) > window)
                flowing = await Flow.WaitAsync(() => i - Volatile.Read(ref received) > window / 2, () => Volatile.Read(ref received));
            publisher.Publish(subject, payload);
        }
        publisher.Flush();
        var delivery = await Flow.CompleteAsync(done.Task, () => Volatile.Read(ref received), clock);
        delivery = delivery with { AllocatedBytes = GC.GetTotalAllocatedBytes(precise: true) - allocated };
        publisher.Close();
        subscriber.Close();
        return delivery;
    }

    public Task<double[]> RequestReplyAsync(string url, string subject, byte[] payload, int count)
    {
        using var responder = Connect(url);
        using var requester = Connect(url);
        using var subscription = responder.SubscribeAsync(subject, (_, e) => responder.Publish(e.Message.Reply, e.Message.Data));
        responder.Flush();
        for (var i = 0; i < 100; i++) requester.Request(subject, payload, 5000);
        var latencies = new double[count];
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            requester.Request(subject, payload, 5000);
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        requester.Close();
        responder.Close();
        return Task.FromResult(latencies);
    }
}
