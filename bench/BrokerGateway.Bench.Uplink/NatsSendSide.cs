using System.Diagnostics;
using BrokerGateway.Nats;

namespace BrokerGateway.Bench.Uplink;

/// <summary>
/// The limit of client messages to workers: what the replicas do last (a NATS publish of one event) and
/// what the workers do first (a queue subscription), with nothing in between. One publishing connection per
/// replica, each with the credit of all that replica's clients; the same two worker connections, in one
/// queue group; a payload of the size of a gateway event, with the same <c>Content-Type</c> header.
/// </summary>
public sealed class NatsSendSide : ISendSide
{
    const string Subject = "bench.limit.events";
    const string QueueGroup = "bench-limit-workers";

    readonly IReadOnlyList<NatsConnection> _publishers;
    readonly SemaphoreSlim[] _credits;
    readonly int _payloadBytes;
    readonly NatsHeaders _headers = new NatsHeaders().Add("Content-Type", "application/protobuf");
    readonly List<NatsSubscription> _subscriptions = [];

    public NatsSendSide(IReadOnlyList<NatsConnection> publishers, int workers, int creditPerPublisher, int payloadBytes)
    {
        _publishers = publishers;
        _payloadBytes = Math.Max(payloadBytes, PayloadCodec.MinBytes);
        _credits = publishers.Select(_ => new SemaphoreSlim(creditPerPublisher)).ToArray();
        Ledger = new DeliveryLedger(publishers.Count, workers);
        Latencies = new LatencyRecorder(workers);
    }

    public Side Side => Side.Limit;
    public DeliveryLedger Ledger { get; }
    public LatencyRecorder Latencies { get; }

    public async Task StartWorkersAsync(IReadOnlyList<NatsConnection> workers, CancellationToken ct)
    {
        for (var w = 0; w < workers.Count; w++)
        {
            var worker = w;
            _subscriptions.Add(await workers[w].SubscribeAsync(Subject, msg => OnMessage(worker, msg), QueueGroup, ct));
            await workers[w].FlushAsync(ct);
        }
    }

    ValueTask OnMessage(int worker, NatsMsg msg)
    {
        var now = Stopwatch.GetTimestamp();
        if (!PayloadCodec.TryRead(msg.Data.Span, out var sender, out var counter, out var sentAt))
        {
            Ledger.Unreadable();
            return ValueTask.CompletedTask;
        }
        Latencies.Add(worker, now - sentAt);
        // A publisher's counter is its sequence: NATS keeps one connection's messages in order.
        if (Ledger.Record(worker, sender, counter, counter)) _credits[sender].Release();
        return ValueTask.CompletedTask;
    }

    public Task SendAsync(CancellationToken stop, CancellationToken abort) =>
        Task.WhenAll(_publishers.Select((p, i) => Task.Run(() => PublishLoopAsync(p, i, stop, abort), abort)));

    async Task PublishLoopAsync(NatsConnection publisher, int index, CancellationToken stop, CancellationToken abort)
    {
        var payload = new byte[_payloadBytes];
        var credits = _credits[index];
        while (true)
        {
            try
            {
                await credits.WaitAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            PayloadCodec.Write(payload, index, Ledger.Next(index), Stopwatch.GetTimestamp());
            // The payload is copied into the write buffer before this returns, so it can be reused.
            await publisher.PublishAsync(Subject, payload, _headers, cancellationToken: abort);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var s in _subscriptions) await s.DisposeAsync();
    }
}
