using System.Diagnostics;
using BrokerGateway.Nats;

namespace BrokerGateway.Bench.Nats;

sealed class OurClient : IBenchClient
{
    public string Name => "BrokerGateway.Nats";

    static async Task<NatsConnection> ConnectAsync(string url, int pendingLimit = 16_384)
    {
        var connection = new NatsConnection(new NatsOptions { Servers = [url], SubscriptionPendingLimit = pendingLimit });
        await connection.ConnectAsync();
        return connection;
    }

    public async Task<double> PublishOnlyAsync(string url, string subject, byte[] payload, int count)
    {
        await using var nats = await ConnectAsync(url);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var pending = nats.PublishAsync(subject, payload);
            if (!pending.IsCompletedSuccessfully) await pending;
        }
        await nats.FlushAsync();
        return clock.Elapsed.TotalSeconds;
    }

    public async Task<Delivery> PublishSubscribeAsync(string url, string subject, byte[] payload, int count, int window)
    {
        await using var subscriber = await ConnectAsync(url, count);
        await using var publisher = await ConnectAsync(url);
        long received = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await subscriber.SubscribeAsync(subject, _ =>
        {
            if (Interlocked.Increment(ref received) == count) done.TrySetResult();
            return ValueTask.CompletedTask;
        });
        await subscriber.FlushAsync();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        var flowing = true;
        for (var i = 0; i < count; i++)
        {
            if (flowing && i - Volatile.Read(ref received) > window)
                flowing = await Flow.WaitAsync(() => i - Volatile.Read(ref received) > window / 2, () => Volatile.Read(ref received));
            var pending = publisher.PublishAsync(subject, payload);
            if (!pending.IsCompletedSuccessfully) await pending;
        }
        await publisher.FlushAsync();
        var delivery = await Flow.CompleteAsync(done.Task, () => Volatile.Read(ref received), clock);
        return delivery with { AllocatedBytes = GC.GetTotalAllocatedBytes(precise: true) - allocated };
    }

    public async Task<double[]> RequestReplyAsync(string url, string subject, byte[] payload, int count)
    {
        await using var responder = await ConnectAsync(url);
        await using var requester = await ConnectAsync(url);
        await responder.SubscribeAsync(subject, msg => msg.ReplyAsync(msg.Data));
        await responder.FlushAsync();
        for (var i = 0; i < 100; i++) await requester.RequestAsync(subject, payload);
        var latencies = new double[count];
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await requester.RequestAsync(subject, payload);
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        return latencies;
    }
}
